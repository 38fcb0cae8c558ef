/* test_meter.c -- the meter core with known answers: a replayed trace and a
 * fake clock give exact eq1 energies for windows, nested windows, open
 * windows and windows without a sample; marks; the short-window warning;
 * errors; and windows begun and ended from several threads while the sampler
 * runs at 1 kHz. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "powertrain/meter.h"
#include "test.h"

static char tmpdir[] = "/tmp/pt-meter-XXXXXX";
static double fake_t;
static double fake_clock(void *ctx) {
    (void)ctx;
    return 1000.0 + fake_t; /* an arbitrary origin: the meter works relative to start */
}

static char warnings[4096];
static void collect_warn(void *ctx, const char *msg) {
    (void)ctx;
    strncat(warnings, msg, sizeof warnings - strlen(warnings) - 2);
    strcat(warnings, "\n");
}

static void write_trace(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static pt_meter *open_trace(const char *path, unsigned interval_ms) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = interval_ms;
    cfg.trace_path = path;
    cfg.warn = collect_warn;
    pt_meter *m = pt_meter_open(&cfg);
    if (!m) fprintf(stderr, "open: %s\n", pt_meter_last_error());
    return m;
}

static void step_to(pt_meter *m, double t) {
    fake_t = t;
    pt_meter_sample(m);
}

static void test_exact_windows(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/steps.csv", tmpdir);
    /* 100 W during [0,1), 300 W from 1 s on */
    write_trace(path, "t_seconds,component,watts\n0,gpu-0,100\n1,gpu-0,300\n");
    pt_meter *m = open_trace(path, 0);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(pt_meter_set_clock(m, fake_clock, NULL) == 0);
    CHECK(pt_meter_component_count(m) == 1);
    pt_meter_component c;
    CHECK(pt_meter_component_info(m, 0, &c) == 0);
    CHECK_STR(c.name, "gpu-0");
    CHECK_STR(c.source, "trace");
    CHECK(c.method == PT_METHOD_EQ1);
    CHECK(c.billed);

    fake_t = 0;
    CHECK(pt_meter_start(m) == 0);
    int all = pt_meter_window_begin(m, "all");
    CHECK(all == 0);
    int inner = -1, empty = -1;
    for (int i = 1; i <= 8; i++) {
        double t = 0.25 * i;
        if (i == 3) { /* inner window [0.5, 1.5] */
            fake_t = 0.5;
            inner = pt_meter_window_begin(m, "inner");
        }
        step_to(m, t);
        if (i == 4) { /* an open window reads up to the latest sample */
            pt_meter_window w;
            CHECK(pt_meter_window_read(m, all, &w) == 0);
            CHECK(w.open);
            CHECK_NEAR(w.end_s, 1.0, 0, 1e-12);
            /* samples 0.25, 0.5, 0.75 at 100 W and 1.0 at 300 W: mean 150 W x 1 s */
            CHECK_NEAR(w.energy_j, 150.0, 1e-12, 1e-12);
        }
        if (i == 6) {
            fake_t = 1.5;
            CHECK(pt_meter_window_end(m, inner) == 0);
        }
    }
    /* a window with no regular sample inside: the last power stands in */
    fake_t = 2.1;
    empty = pt_meter_window_begin(m, "empty");
    fake_t = 2.15;
    CHECK(pt_meter_window_end(m, empty) == 0);
    fake_t = 2.0;
    /* end "all" at 2.0 is in the past now; end it at 2.2 instead */
    fake_t = 2.2;
    CHECK(pt_meter_window_end(m, all) == 0);

    pt_meter_energy e;
    pt_meter_window w;
    /* all: samples 0.25..2.0 (8): three at 100 W, five at 300 W -> 225 W x 2.2 s */
    CHECK(pt_meter_window_component(m, all, 0, &e) == 0);
    CHECK(e.samples == 8);
    CHECK_NEAR(e.mean_w, 225.0, 1e-12, 0);
    CHECK_NEAR(e.peak_w, 300.0, 1e-12, 0);
    CHECK_NEAR(e.eq1_j, 225.0 * 2.2, 1e-12, 0);
    CHECK_NEAR(e.energy_j, e.eq1_j, 1e-12, 0);
    CHECK(isnan(e.counter_j));
    CHECK(e.method == PT_METHOD_EQ1);
    CHECK(!e.degraded);
    CHECK(isnan(e.process_j));
    CHECK(pt_meter_window_read(m, all, &w) == 0);
    CHECK_STR(w.label, "all");
    CHECK(!w.open);
    CHECK_NEAR(w.start_s, 0.0, 0, 1e-12);
    CHECK_NEAR(w.end_s, 2.2, 0, 1e-12);
    CHECK_NEAR(w.energy_j, 225.0 * 2.2, 1e-12, 0);
    CHECK(w.method == PT_METHOD_EQ1);

    /* inner [0.5, 1.5]: samples 0.75 (100), 1.0, 1.25, 1.5 (300) -> 250 W x 1 s */
    CHECK(pt_meter_window_component(m, inner, 0, &e) == 0);
    CHECK(e.samples == 4);
    CHECK_NEAR(e.eq1_j, 250.0, 1e-12, 0);

    /* empty [2.1, 2.15]: no sample, 300 W stands in */
    CHECK(pt_meter_window_component(m, empty, 0, &e) == 0);
    CHECK(e.samples == 0);
    CHECK_NEAR(e.eq1_j, 300.0 * 0.05, 1e-9, 0);

    /* errors */
    CHECK(pt_meter_window_end(m, inner) == -1);
    CHECK_CONTAINS(pt_meter_last_error(), "not open");
    CHECK(pt_meter_window_read(m, 99, &w) == -1);
    CHECK(pt_meter_window_component(m, all, 5, &e) == -1);
    CHECK(pt_meter_window_count(m) == 3);

    /* marks */
    fake_t = 2.5;
    CHECK(pt_meter_mark(m, "checkpoint") == 0);
    fake_t = 2.75;
    CHECK(pt_meter_mark(m, "eval") == 1);
    char label[PT_METER_NAME_MAX];
    double t;
    CHECK(pt_meter_mark_count(m) == 2);
    CHECK(pt_meter_mark_read(m, 1, label, &t) == 0);
    CHECK_STR(label, "eval");
    CHECK_NEAR(t, 2.75, 0, 1e-12);
    CHECK(pt_meter_mark_read(m, 2, label, &t) == -1);

    /* stop ends open windows at the stop time */
    fake_t = 3.0;
    int tail = pt_meter_window_begin(m, "tail");
    fake_t = 3.5;
    CHECK(pt_meter_stop(m) == 0);
    CHECK(pt_meter_window_read(m, tail, &w) == 0);
    CHECK(!w.open);
    CHECK_NEAR(w.end_s, 3.5, 0, 1e-12);
    CHECK(pt_meter_window_begin(m, "after stop") == -1);
    pt_meter_close(m);
}

static void test_short_window(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/alt.csv", tmpdir);
    /* the reading changes every 0.5 s: update period 0.5 s */
    write_trace(path, "0,gpu-0,10\n0.5,gpu-0,20\n1,gpu-0,10\n1.5,gpu-0,20\n2,gpu-0,10\n");
    pt_meter *m = open_trace(path, 0);
    CHECK(m != NULL);
    if (!m) return;
    pt_meter_set_clock(m, fake_clock, NULL);
    fake_t = 0;
    pt_meter_start(m);
    for (int i = 1; i <= 8; i++) step_to(m, 0.25 * i);
    pt_meter_component c;
    pt_meter_component_info(m, 0, &c);
    CHECK_NEAR(c.update_period_s, 0.5, 1e-12, 0);
    warnings[0] = '\0';
    int shortw = pt_meter_window_begin(m, "brief");
    fake_t = 2.3;
    pt_meter_window_end(m, shortw);
    int longw = pt_meter_window_begin(m, "long");
    fake_t = 3.4;
    pt_meter_window_end(m, longw);
    pt_meter_window w;
    CHECK(pt_meter_window_read(m, shortw, &w) == 0);
    CHECK(w.short_window);
    CHECK_CONTAINS(warnings, "window 'brief'");
    CHECK(pt_meter_window_read(m, longw, &w) == 0);
    CHECK(!w.short_window);
    pt_meter_close(m);

    /* quiet_short_windows: still flagged, no warning */
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.trace_path = path;
    cfg.warn = collect_warn;
    cfg.quiet_short_windows = 1;
    m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) return;
    pt_meter_set_clock(m, fake_clock, NULL);
    fake_t = 0;
    pt_meter_start(m);
    for (int i = 1; i <= 8; i++) step_to(m, 0.25 * i);
    warnings[0] = '\0';
    shortw = pt_meter_window_begin(m, "brief");
    fake_t = 2.3;
    pt_meter_window_end(m, shortw);
    CHECK(pt_meter_window_read(m, shortw, &w) == 0);
    CHECK(w.short_window);
    CHECK(warnings[0] == '\0');
    pt_meter_close(m);
}

/* A trace component that starts later has no data before: not a failure. */
static void test_late_component(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/late.csv", tmpdir);
    write_trace(path, "0,gpu-0,10\n1,gpu-1,30\n");
    pt_meter *m = open_trace(path, 0);
    CHECK(m != NULL);
    if (!m) return;
    pt_meter_set_clock(m, fake_clock, NULL);
    warnings[0] = '\0';
    fake_t = 0;
    pt_meter_start(m);
    int w = pt_meter_window_begin(m, "all");
    for (int i = 1; i <= 4; i++) step_to(m, 0.5 * i);
    pt_meter_window_end(m, w);
    pt_meter_window win;
    pt_meter_energy e;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(!win.degraded);
    CHECK(strstr(warnings, "read failed") == NULL);
    /* gpu-1: samples at 1.0, 1.5, 2.0 (30 W) -> 30 W x 2 s */
    CHECK(pt_meter_window_component(m, w, 1, &e) == 0);
    CHECK(e.samples == 3);
    CHECK_NEAR(e.eq1_j, 60.0, 1e-12, 0);
    CHECK_NEAR(win.energy_j, 20.0 + 60.0, 1e-12, 0);
    pt_meter_close(m);
}

/* Cut windows tile the timeline: their energies sum to the enclosing window's. */
static pt_meter *reentrant_meter;
static int reentrant_calls;
static void reentrant_warn(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
    /* the callback runs without the meter's lock: calling the meter is safe */
    if (reentrant_meter && pt_meter_window_count(reentrant_meter) >= 0) reentrant_calls++;
}

static void test_cut(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/cut.csv", tmpdir);
    write_trace(path, "0,gpu-0,10\n1,gpu-0,30\n2,gpu-0,50\n");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.trace_path = path;
    cfg.warn = reentrant_warn;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) return;
    reentrant_meter = m;
    pt_meter_set_clock(m, fake_clock, NULL);
    fake_t = 0;
    pt_meter_start(m);
    int all = pt_meter_window_begin(m, "all");
    int e1 = pt_meter_window_begin(m, "epoch 1");
    for (int i = 1; i <= 4; i++) step_to(m, 0.25 * i);
    int e2 = pt_meter_window_cut(m, e1, "epoch 2");
    CHECK(e2 == e1 + 1);
    for (int i = 5; i <= 8; i++) step_to(m, 0.25 * i);
    int e3 = pt_meter_window_cut(m, e2, "epoch 3");
    for (int i = 9; i <= 12; i++) step_to(m, 0.25 * i);
    pt_meter_window_end(m, e3);
    pt_meter_window_end(m, all);
    pt_meter_window w1, w2, w3, wa;
    pt_meter_window_read(m, e1, &w1);
    pt_meter_window_read(m, e2, &w2);
    pt_meter_window_read(m, e3, &w3);
    pt_meter_window_read(m, all, &wa);
    CHECK(!w1.open && !w2.open && !w3.open);
    CHECK(w1.end_s == w2.start_s);
    CHECK(w2.end_s == w3.start_s);
    /* epoch 1: 10,10,10,30 W -> 15 W x 1 s; epoch 2: 30,30,30,50 -> 35 W; epoch 3: 50 W */
    CHECK_NEAR(w1.energy_j, 15.0, 1e-12, 0);
    CHECK_NEAR(w2.energy_j, 35.0, 1e-12, 0);
    CHECK_NEAR(w3.energy_j, 50.0, 1e-12, 0);
    CHECK_NEAR(w1.energy_j + w2.energy_j + w3.energy_j, wa.energy_j, 1e-12, 0);
    CHECK(pt_meter_window_cut(m, e1, "again") == -1); /* e1 is closed */
    CHECK_CONTAINS(pt_meter_last_error(), "not open");
    /* a short window's warning reaches a callback that calls the meter */
    int s1 = pt_meter_window_begin(m, "brief");
    fake_t = 3.01;
    pt_meter_window_end(m, s1);
    CHECK(reentrant_calls >= 1);
    reentrant_meter = NULL;
    pt_meter_close(m);
}

static void test_sources_listed(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/one.csv", tmpdir);
    write_trace(path, "0,gpu-0,10\n");
    pt_meter *m = open_trace(path, 0);
    CHECK(m != NULL);
    if (!m) return;
    /* all five sources are listed, the trace alone answers */
    CHECK(pt_meter_source_count(m) == 5);
    int trace_ok = 0;
    for (int i = 0; i < pt_meter_source_count(m); i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        if (!strcmp(s.name, "trace")) trace_ok = s.available;
        else CHECK(!s.available);
    }
    CHECK(trace_ok);
    pt_meter_close(m);
}

/* The status line of source name in a meter opened with sources and trace
   (NULL: none); "" when the meter did not open. */
static void status_of(unsigned sources, const char *trace, const char *name, char *out, size_t n) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.sources = sources;
    cfg.trace_path = trace;
    cfg.interval_ms = 0;
    out[0] = '\0';
    pt_meter *m = pt_meter_open(&cfg);
    if (!m) return;
    for (int i = 0; i < pt_meter_source_count(m); i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        if (!strcmp(s.name, name)) snprintf(out, n, "%s", s.status);
    }
    pt_meter_close(m);
}

/* The source table's order and its "not ..." lines. */
static void test_source_statuses(void) {
    char path[256], st[400];
    snprintf(path, sizeof path, "%s/status.csv", tmpdir);
    write_trace(path, "0,gpu-0,10\n");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.trace_path = path;
    cfg.interval_ms = 0;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (m) {
        const char *order[] = {"trace", "nvml", "amdsmi", "rapl", "estimate"};
        CHECK(pt_meter_source_count(m) == 5);
        for (int i = 0; i < 5 && i < pt_meter_source_count(m); i++) {
            pt_meter_source s;
            pt_meter_source_info(m, i, &s);
            CHECK_STR(s.name, order[i]);
        }
        pt_meter_close(m);
    }
    status_of(PT_SOURCE_ALL, path, "trace", st, sizeof st);
    CHECK_STR(st, "ok: 1 component");
    status_of(PT_SOURCE_ALL, path, "nvml", st, sizeof st); /* a trace stands for the hardware */
    CHECK_STR(st, "not selected");
    status_of(PT_SOURCE_TRACE | PT_SOURCE_ESTIMATE, path, "estimate", st, sizeof st);
    CHECK_STR(st, "not used: the trace stands for the hardware");
    status_of(PT_SOURCE_NVML, path, "trace", st, sizeof st);
    CHECK_STR(st, "not selected");
    status_of(PT_SOURCE_NVML, NULL, "trace", st, sizeof st);
    CHECK_STR(st, "not used: no trace file given");
    status_of(PT_SOURCE_NVML, NULL, "estimate", st, sizeof st);
    CHECK_STR(st, "not selected");
    status_of(PT_SOURCE_NVML, NULL, "rapl", st, sizeof st);
    CHECK_STR(st, "not selected");
}

static void test_bad_config(void) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 60001;
    CHECK(pt_meter_open(&cfg) == NULL);
    CHECK_CONTAINS(pt_meter_last_error(), "interval");
    pt_meter_config_init(&cfg);
    cfg.trace_path = "/nonexistent/trace.csv";
    CHECK(pt_meter_open(&cfg) == NULL);
    CHECK_CONTAINS(pt_meter_last_error(), "/nonexistent/trace.csv");
    CHECK_STR(pt_meter_method_name(PT_METHOD_ESTIMATED), "estimated");
    CHECK_STR(pt_meter_method_name(PT_METHOD_COUNTER), "counter");
}

/* ---- threads ----------------------------------------------------------- */

typedef struct {
    pt_meter *m;
    int bad;
} thread_arg;

static void *window_thread(void *p) {
    thread_arg *a = p;
    for (int i = 0; i < 100; i++) {
        int w = pt_meter_window_begin(a->m, "t");
        if (w < 0) {
            a->bad++;
            continue;
        }
        usleep((useconds_t)(200 + (i % 7) * 150));
        pt_meter_mark(a->m, "m");
        if (pt_meter_window_end(a->m, w) != 0) a->bad++;
        pt_meter_window win;
        if (pt_meter_window_read(a->m, w, &win) != 0) {
            a->bad++;
            continue;
        }
        /* constant 10 W: eq1 is exactly 10 W x duration */
        double d = win.end_s - win.start_s;
        if (!(d > 0) || fabs(win.energy_j - 10.0 * d) > 1e-9 * (1 + 10.0 * d)) a->bad++;
    }
    return NULL;
}

static void test_threads(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/const.csv", tmpdir);
    write_trace(path, "0,gpu-0,10\n");
    pt_meter *m = open_trace(path, 1);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(pt_meter_start(m) == 0);
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){m, 0};
        pthread_create(&th[i], NULL, window_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(args[i].bad == 0);
    }
    CHECK(pt_meter_window_count(m) == 400);
    CHECK(pt_meter_mark_count(m) == 400);
    pt_meter_stop(m);
    pt_meter_close(m);
}

int main(void) {
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_exact_windows();
    test_short_window();
    test_late_component();
    test_cut();
    test_sources_listed();
    test_source_statuses();
    test_bad_config();
    test_threads();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return pt_test_finish("test_meter");
}
