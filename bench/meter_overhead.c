/* meter_overhead.c -- CPU time the meter's sampler thread costs, at 10 Hz and
 * 1 kHz (not a test: figures go to bench/README.md). Reads this machine's real
 * sources (or fake ones named by POWERTRAIN_SYSFS_ROOT / POWERTRAIN_NVML_LIBRARY).
 * Beside each figure, the wake-up floor: a bare thread that only waits on the
 * same absolute deadlines (pthread_cond_timedwait), which no sampler can beat.
 * usage: meter_overhead [SECONDS]   (default 10 per interval) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "powertrain/meter.h"
#include "util/clock.h"
#include "util/str.h"

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    long step_ns, wakes;
} floor_state;

/* The sampler's wait loop with nothing to read. */
static void *floor_main(void *arg) {
    floor_state *f = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        next.tv_nsec += f->step_ns;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        int rc = 0;
        while (!f->stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&f->cv, &f->mu, &next);
        if (!f->stop) f->wakes++;
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* CPU time of a bare waiting thread over seconds at interval_ms; wakes out. */
static double wake_floor(unsigned interval_ms, double seconds, long *wakes) {
    floor_state f = {.step_ns = (long)interval_ms * 1000000L};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&f.mu, NULL);
    pthread_cond_init(&f.cv, &ca);
    pthread_condattr_destroy(&ca);
    double c0 = cpu_seconds();
    pthread_t t;
    if (pthread_create(&t, NULL, floor_main, &f) != 0) return -1;
    pt_sleep(seconds);
    pthread_mutex_lock(&f.mu);
    f.stop = 1;
    pthread_cond_signal(&f.cv);
    pthread_mutex_unlock(&f.mu);
    pthread_join(t, NULL);
    double cpu = cpu_seconds() - c0;
    pthread_mutex_destroy(&f.mu);
    pthread_cond_destroy(&f.cv);
    *wakes = f.wakes;
    return cpu;
}

static void quiet(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
}

int main(int argc, char **argv) {
    double seconds = 10;
    if (argc > 1 && (pt_parse_double(argv[1], &seconds) != 0 || seconds <= 0)) {
        fprintf(stderr, "usage: meter_overhead [SECONDS]\n");
        return 2;
    }
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    unsigned intervals[] = {100, 1};
    printf("meter_overhead on %s, %.0f s per interval\n", host, seconds);
    for (int i = 0; i < 2; i++) {
        pt_meter_config cfg;
        pt_meter_config_init(&cfg);
        cfg.interval_ms = intervals[i];
        cfg.warn = quiet;
        pt_meter *m = pt_meter_open(&cfg);
        if (!m) {
            fprintf(stderr, "meter_overhead: %s\n", pt_meter_last_error());
            return 1;
        }
        int nc = pt_meter_component_count(m);
        char names[512] = "";
        for (int k = 0; k < nc; k++) {
            pt_meter_component c;
            pt_meter_component_info(m, k, &c);
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s(%s)", k ? " " : "", c.name, c.source);
        }
        double c0 = cpu_seconds(), t0 = pt_clock_now();
        pt_meter_start(m);
        int w = pt_meter_window_begin(m, "bench");
        pt_sleep(seconds);
        pt_meter_window_end(m, w);
        pt_meter_stop(m);
        double cpu = cpu_seconds() - c0, wall = pt_clock_now() - t0;
        pt_meter_energy e;
        long samples = 0;
        if (nc > 0 && pt_meter_window_component(m, w, 0, &e) == 0) samples = e.samples;
        printf("interval %4u ms: %6ld samples, sampler CPU %.4f s over %.2f s wall = %.4f%% of one core "
               "(%.2f us per sample) [%s]\n",
               intervals[i], samples, cpu, wall, 100.0 * cpu / wall, samples ? cpu / samples * 1e6 : 0, names);
        pt_meter_close(m);
        long wakes = 0;
        double fl = wake_floor(intervals[i], seconds, &wakes);
        printf("  wake-up floor:  %6ld wakes,   bare wait CPU %.4f s = %.4f%% of one core (%.2f us per wake)\n", wakes,
               fl, 100.0 * fl / seconds, wakes ? fl / wakes * 1e6 : 0);
    }
    return 0;
}
