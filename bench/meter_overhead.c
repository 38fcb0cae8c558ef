/* meter_overhead.c -- CPU time the meter's sampler thread costs, at 10 Hz and
 * 1 kHz (not a test: figures go to bench/README.md). Reads this machine's real
 * sources (or fake ones named by POWERTRAIN_SYSFS_ROOT / POWERTRAIN_NVML_LIBRARY).
 * usage: meter_overhead [SECONDS]   (default 10 per interval) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
    }
    return 0;
}
