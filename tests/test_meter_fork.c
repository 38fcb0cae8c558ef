/* test_meter_fork.c -- a meter inherited across fork() is inert in the child
 * (issue 17, defect 16): every call fails with "unavailable" (pt_meter_now
 * gives NAN, close does nothing) and none can hang, even when the parent's
 * sampler thread held the meter's mutex at the instant of the fork; a meter
 * opened in the child works; the parent's energy still equals the known answer
 * of a replayed trace. Each child runs under alarm(): a deadlock ends it by
 * SIGALRM, which the parent reports. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "powertrain/meter.h"
#include "test.h"

static char tmpdir[] = "/tmp/pt-meter-fork-XXXXXX";

/* The meter's clock, in microseconds, set by the main thread and read by the
   sampler thread. */
static _Atomic long fake_us;
static double fake_clock(void *ctx) {
    (void)ctx;
    return 500.0 + (double)atomic_load(&fake_us) / 1e6;
}

static void quiet_warn(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
}

static void write_trace(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static pt_meter *open_trace(const char *name, const char *text, unsigned interval_ms) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    write_trace(path, text);
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = interval_ms;
    cfg.trace_path = path;
    cfg.warn = quiet_warn;
    pt_meter *m = pt_meter_open(&cfg);
    if (!m) fprintf(stderr, "open %s: %s\n", path, pt_meter_last_error());
    return m;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the child --------------------------------------------------------- */

static int inert_error(void) { return strstr(pt_meter_last_error(), "inherited across fork") != NULL; }

/* Every call on the inherited meter m; returns the number of calls that did
   not give the inert answer (the child's exit status). */
static int child_checks(pt_meter *m, int w) {
    int bad = 0;
    pt_meter_window win;
    pt_meter_energy e;
    pt_meter_source si;
    pt_meter_component ci;
    char label[PT_METER_NAME_MAX];
    double t;
    bad += !(pt_meter_window_begin(m, "child") == -1 && inert_error());
    bad += !(pt_meter_window_cut(m, w, "child") == -1 && inert_error());
    bad += !(pt_meter_window_end(m, w) == -1 && inert_error());
    bad += !(pt_meter_window_read(m, w, &win) == -1 && inert_error());
    bad += !(pt_meter_window_component(m, w, 0, &e) == -1 && inert_error());
    bad += !(pt_meter_window_count(m) == -1 && inert_error());
    bad += !(pt_meter_mark(m, "child") == -1 && inert_error());
    bad += !(pt_meter_mark_count(m) == -1 && inert_error());
    bad += !(pt_meter_mark_read(m, 0, label, &t) == -1 && inert_error());
    bad += !(pt_meter_sample(m) == -1 && inert_error());
    bad += !(pt_meter_attribute(m, 1) == -1 && inert_error());
    bad += !(pt_meter_set_sample_fn(m, NULL, NULL) == -1 && inert_error());
    bad += !(pt_meter_source_count(m) == -1 && inert_error());
    bad += !(pt_meter_source_info(m, 0, &si) == -1 && inert_error());
    bad += !(pt_meter_component_count(m) == -1 && inert_error());
    bad += !(pt_meter_component_info(m, 0, &ci) == -1 && inert_error());
    bad += !(pt_meter_start(m) == -1 && inert_error());
    bad += !isnan(pt_meter_now(m));
    bad += !(pt_meter_stop(m) == -1 && inert_error());
    pt_meter_close(m); /* must neither join the parent's thread nor free its memory */
    return bad;
}

/* A meter the child opens itself is not inherited: it measures. */
static int child_own_meter(void) {
    pt_meter *m = open_trace("const.csv", "0,gpu-0,10\n", 0);
    if (!m) return 1;
    int bad = pt_meter_start(m) != 0;
    int w = pt_meter_window_begin(m, "own");
    bad += w < 0;
    usleep(2000);
    pt_meter_sample(m);
    bad += pt_meter_window_end(m, w) != 0;
    pt_meter_window win;
    bad += pt_meter_window_read(m, w, &win) != 0;
    double d = win.end_s - win.start_s;
    bad += !(d > 0 && fabs(win.energy_j - 10.0 * d) <= 1e-9 * (1 + 10.0 * d));
    pt_meter_close(m);
    return bad;
}

/* Forks a child that runs the checks under alarm(5); -1 when fork failed. */
static pid_t fork_checker(pt_meter *m, int w, int own) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    alarm(5);
    int bad = child_checks(m, w);
    if (own) bad += child_own_meter();
    _exit(bad > 100 ? 100 : bad);
}

/* Waits for the child; 0 when it exited 0, else says why and returns -1. */
static int reap(pid_t pid, const char *what) {
    int st;
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFSIGNALED(st))
        fprintf(stderr, "%s: child killed by signal %d%s\n", what, WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (it hung: alarm)" : "");
    else
        fprintf(stderr, "%s: %d meter calls in the child were not inert\n", what, WEXITSTATUS(st));
    return -1;
}

/* ---- fork while the sampler holds the mutex ----------------------------- */

static atomic_int hold_armed, in_sample, release_sample;

/* The sample callback runs on the sampler thread with the meter's mutex held:
   when armed, it stays there until the main thread has forked. */
static void holding_sample(void *ctx, double t, int n, const double *p, const double *c) {
    (void)ctx;
    (void)t;
    (void)n;
    (void)p;
    (void)c;
    if (!atomic_exchange(&hold_armed, 0)) return;
    atomic_store(&in_sample, 1);
    for (int i = 0; i < 5000 && !atomic_load(&release_sample); i++) sleep_ms(1);
    atomic_store(&in_sample, 0); /* left: the next round may arm again */
}

static void test_fork_while_sampler_holds_lock(void) {
    pt_meter *m = open_trace("const.csv", "0,gpu-0,10\n", 1);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(pt_meter_set_sample_fn(m, holding_sample, NULL) == 0);
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "parent");
    CHECK(w == 0);
    for (int round = 0; round < 3; round++) {
        atomic_store(&release_sample, 0);
        atomic_store(&hold_armed, 1);
        for (int i = 0; i < 5000 && !atomic_load(&in_sample); i++) sleep_ms(1);
        CHECK(atomic_load(&in_sample) == 1);
        pid_t pid = fork_checker(m, w, round == 0); /* the sampler is inside, mutex held */
        atomic_store(&release_sample, 1);
        CHECK(reap(pid, "fork while the sampler holds the lock") == 0);
        /* the callback leaves before the next round resets release_sample (else, on
           a loaded machine, it could miss the release and hold the sampler 5 s) */
        for (int i = 0; i < 5000 && atomic_load(&in_sample); i++) sleep_ms(1);
        CHECK(atomic_load(&in_sample) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    double d = win.end_s - win.start_s;
    CHECK(d > 0);
    CHECK_NEAR(win.energy_j, 10.0 * d, 1e-9, 1e-9);
    CHECK(pt_meter_window_count(m) == 1);
    CHECK(pt_meter_stop(m) == 0);
    pt_meter_close(m);
}

/* ---- forks in a tight loop ---------------------------------------------- */

typedef struct {
    pt_meter *m;
    int w;
    atomic_int stop;
    long calls;
    int bad;
} busy_arg;

/* Another parent thread that takes the mutex all the time (regular samples at
   the same 300 W, reads), without growing the meter. */
static void *busy_thread(void *p) {
    busy_arg *a = p;
    pt_meter_window win;
    pt_meter_component ci;
    while (!atomic_load(&a->stop)) {
        if (pt_meter_sample(a->m) != 0 || pt_meter_window_read(a->m, a->w, &win) != 0 ||
            pt_meter_component_info(a->m, 0, &ci) != 0)
            a->bad++;
        a->calls++;
    }
    return NULL;
}

static void test_fork_in_a_tight_loop(void) {
    /* 100 W in [0, 1), 300 W from 1 s on */
    pt_meter *m = open_trace("steps.csv", "t_seconds,component,watts\n0,gpu-0,100\n1,gpu-0,300\n", 1);
    CHECK(m != NULL);
    if (!m) return;
    atomic_store(&fake_us, 0);
    CHECK(pt_meter_set_clock(m, fake_clock, NULL) == 0);
    CHECK(pt_meter_start(m) == 0); /* a regular sample at t = 0: 100 W */
    int w = pt_meter_window_begin(m, "parent");
    CHECK(w == 0);
    atomic_store(&fake_us, 1500000); /* every regular sample from now on: 300 W */
    CHECK(pt_meter_sample(m) == 0);
    busy_arg a = {m, w, 0, 0, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, busy_thread, &a) == 0);
    int failed = 0;
    for (int i = 0; i < 300 && failed < 3; i++) /* a few failures tell enough */
        failed += reap(fork_checker(m, w, 0), "fork in a tight loop") != 0;
    CHECK(failed == 0);
    atomic_store(&a.stop, 1);
    pthread_join(th, NULL);
    CHECK(a.bad == 0);
    CHECK(a.calls > 0);
    atomic_store(&fake_us, 2000000);
    CHECK(pt_meter_window_end(m, w) == 0);
    /* Known answer: every power sample in (0, 2] is 300 W, so eq1 = 600 J. */
    pt_meter_window win;
    pt_meter_energy e;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    CHECK_NEAR(win.start_s, 0.0, 0, 1e-12);
    CHECK_NEAR(win.end_s, 2.0, 0, 1e-12);
    CHECK_NEAR(win.energy_j, 600.0, 1e-12, 0);
    CHECK(e.samples >= 1);
    CHECK_NEAR(e.mean_w, 300.0, 1e-12, 0);
    CHECK(pt_meter_window_count(m) == 1); /* the children's calls left no trace */
    CHECK(pt_meter_mark_count(m) == 0);
    CHECK(pt_meter_stop(m) == 0);
    pt_meter_close(m);
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_fork_while_sampler_holds_lock();
    test_fork_in_a_tight_loop();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return pt_test_finish("test_meter_fork");
}
