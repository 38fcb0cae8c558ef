/* test_trace.c -- the trace source: parsing, step-hold replay, kinds, and the
 * FILE:LINE message of every malformed-file case; through the meter, a
 * replay on a fake clock and a malformed file failing pt_meter_open. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "meter/source.h"
#include "powertrain/meter.h"
#include "test.h"

static char g_dir[256];
static char g_path[512];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static const char *write_trace(const char *text) {
    snprintf(g_path, sizeof g_path, "%s/power.csv", g_dir);
    FILE *f = fopen(g_path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(g_path);
        exit(2);
    }
    return g_path;
}

static int open_trace(const char *path, pt_source **s, char *why, size_t n) {
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.trace_path = path;
    *s = NULL;
    why[0] = '\0';
    return pt_trace_open(&cfg, NULL, s, why, n);
}

static void test_no_path(void) {
    pt_source *s;
    char why[256];
    CHECK(open_trace(NULL, &s, why, sizeof why) == -1);
    CHECK(s == NULL);
    CHECK_STR(why, "no trace file given");
    CHECK(open_trace("", &s, why, sizeof why) == -1);
    CHECK_STR(why, "no trace file given");
}

static void test_replay(void) {
    const char *path = write_trace("# recorded on a test bench\n"
                                   "t_seconds,component,watts\n"
                                   "0,gpu-0,100\n"
                                   "0.5, package-0 ,50\n"
                                   "\n"
                                   "1.0,gpu-0,200.5\r\n"
                                   "   # indented comment\n"
                                   "1.5,gpu-0,0\n"
                                   "2,fan,7\n"
                                   "3,cpu,1e1\n"
                                   "3,dram-0,2\n");
    pt_source *s;
    char why[512];
    CHECK(open_trace(path, &s, why, sizeof why) == 0);
    if (!s) {
        fprintf(stderr, "why: %s\n", why);
        return;
    }
    CHECK_STR(s->ops->name, "trace");
    CHECK(s->ncomp == 5);
    const char *names[] = {"gpu-0", "package-0", "fan", "cpu", "dram-0"};
    const pt_meter_kind kinds[] = {PT_KIND_GPU, PT_KIND_CPU, PT_KIND_OTHER, PT_KIND_CPU,
                                   PT_KIND_DRAM};
    for (int i = 0; i < 5 && i < s->ncomp; i++) {
        CHECK_STR(s->comp[i].name, names[i]);
        CHECK_STR(s->comp[i].source, "trace");
        CHECK(s->comp[i].kind == kinds[i]);
        CHECK(s->comp[i].method == PT_METHOD_EQ1);
        CHECK(s->comp[i].has_counter == 0);
        CHECK(s->comp[i].billed == 1);
        CHECK(s->has_power[i] == 1);
        CHECK_STR(s->comp[i].id, path);
    }
    struct {
        double t;
        int ok[5];
        double w[5];
    } cases[] = {
        {-0.1, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}},
        {0.0, {1, 0, 0, 0, 0}, {100, 0, 0, 0, 0}},
        {0.49, {1, 0, 0, 0, 0}, {100, 0, 0, 0, 0}},
        {0.75, {1, 1, 0, 0, 0}, {100, 50, 0, 0, 0}},
        {1.0, {1, 1, 0, 0, 0}, {200.5, 50, 0, 0, 0}},
        {1.499, {1, 1, 0, 0, 0}, {200.5, 50, 0, 0, 0}},
        {1.5, {1, 1, 0, 0, 0}, {0, 50, 0, 0, 0}},
        {2.5, {1, 1, 1, 0, 0}, {0, 50, 7, 0, 0}},
        {1000, {1, 1, 1, 1, 1}, {0, 50, 7, 10, 2}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pt_reading r[5];
        memset(r, 0xff, sizeof r);
        CHECK(s->ops->read(s, cases[k].t, (int)(k % 2), r) == 0);
        for (int i = 0; i < 5; i++) {
            CHECK(r[i].ok == cases[k].ok[i]);
            if (cases[k].ok[i]) CHECK(r[i].power_w == cases[k].w[i]);
        }
    }
    s->ops->close(s);

    /* a header that is not "t_seconds" but clearly not data */
    path = write_trace("time,name,power\n0,a,1\n");
    CHECK(open_trace(path, &s, why, sizeof why) == 0);
    if (s) {
        CHECK(s->ncomp == 1);
        s->ops->close(s);
    }
    /* no header at all */
    path = write_trace("0.25,a,1\n");
    CHECK(open_trace(path, &s, why, sizeof why) == 0);
    if (s) {
        pt_reading r;
        CHECK(s->ops->read(s, 0.25, 1, &r) == 0 && r.ok && r.power_w == 1.0);
        s->ops->close(s);
    }
}

/* Each malformed file: -2 and "FILE:LINE: <what>". */
static void expect_error(const char *text, int line, const char *what) {
    const char *path = write_trace(text);
    pt_source *s;
    char why[512];
    CHECK(open_trace(path, &s, why, sizeof why) == -2);
    CHECK(s == NULL);
    char want[600];
    if (line > 0)
        snprintf(want, sizeof want, "%s:%d: ", path, line);
    else
        snprintf(want, sizeof want, "%s: ", path);
    if (strncmp(why, want, strlen(want)) != 0) {
        fprintf(stderr, "  message \"%s\" does not start with \"%s\"\n", why, want);
        CHECK(strncmp(why, want, strlen(want)) == 0);
    }
    CHECK_CONTAINS(why, what);
    CHECK(strchr(why, '\n') == NULL);
}

static void test_errors(void) {
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.csv", g_dir);
    pt_source *s;
    char why[512];
    CHECK(open_trace(missing, &s, why, sizeof why) == -2);
    CHECK_CONTAINS(why, missing);
    CHECK_CONTAINS(why, strerror(ENOENT));

    expect_error("0,gpu-0\n", 1, "expected 3 fields");
    expect_error("t_seconds,component,watts\n0,gpu-0,1,2\n", 2, "expected 3 fields");
    expect_error("t_seconds,component,watts\n0,gpu,1\nabc,gpu,2\n", 3,
                 "time \"abc\" is not a number");
    expect_error("1x,gpu,5\n", 1, "time \"1x\" is not a number"); /* not taken for a header */
    expect_error("# c\n\n0,gpu,1\n1,gpu,lots\n", 4, "watts \"lots\" is not a number");
    expect_error("0,gpu,nan\n", 1, "watts \"nan\" is not a number");
    expect_error("inf,gpu,1\n", 1, "time \"inf\" is not a number");
    expect_error("0,gpu,1\n1,gpu,-0.5\n", 2, "negative watts -0.5");
    expect_error("0,a,1\n1,b,1\n2,a,1\n0.5,b,2\n", 4,
                 "time 0.5 is not after 1, the previous time of b");
    expect_error("0,a,1\n0,a,2\n", 2, "time 0 is not after 0");
    expect_error("0,,1\n", 1, "empty component name");
    expect_error("t_seconds,component,watts\n# nothing\n", 0, "no data rows");
    expect_error("", 0, "no data rows");
}


/* --- through the meter, on a fake clock ------------------------------------ */

static double clock_fn(void *ctx) { return *(double *)ctx; }
static void quiet(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
}

static void test_meter_replay(void) {
    /* gpu-0: 100 W, then 200 W from 1.05 s; fan: 3 W from 0.55 s */
    const char *path = write_trace("t_seconds,component,watts\n"
                                   "0,gpu-0,100\n"
                                   "0.55,fan,3\n"
                                   "1.05,gpu-0,200\n");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.trace_path = path;
    cfg.warn = quiet; /* fan has no row before 0.55 s: the core calls that a failed read */
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "pt_meter_open: %s\n", pt_meter_last_error());
        return;
    }
    double now = 0;
    CHECK(pt_meter_set_clock(m, clock_fn, &now) == 0);
    CHECK(pt_meter_component_count(m) == 2);
    pt_meter_component c;
    CHECK(pt_meter_component_info(m, 0, &c) == 0);
    CHECK_STR(c.name, "gpu-0");
    CHECK(c.kind == PT_KIND_GPU && c.method == PT_METHOD_EQ1);
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "replay");
    for (int i = 1; i <= 20; i++) {
        now = i * 0.1;
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    CHECK(e.method == PT_METHOD_EQ1);
    CHECK(e.samples == 20);
    CHECK(e.mean_w == 150.0); /* 10 samples at 100 W, 10 at 200 W */
    CHECK(e.peak_w == 200.0);
    CHECK_NEAR(e.eq1_j, 300.0, 0, 1e-9);
    CHECK(isnan(e.counter_j));
    CHECK(pt_meter_window_component(m, w, 1, &e) == 0);
    CHECK(e.samples == 15); /* t = 0.6 .. 2.0 */
    CHECK(e.mean_w == 3.0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(win.method == PT_METHOD_EQ1);
    CHECK_NEAR(win.energy_j, 306.0, 0, 1e-9);
    pt_meter_close(m);
}

static void test_meter_bad_trace(void) {
    const char *path = write_trace("0,gpu-0,100\n1,gpu-0,-5\n");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.trace_path = path;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m == NULL);
    char want[600];
    snprintf(want, sizeof want, "%s:2: negative watts -5", path);
    CHECK_STR(pt_meter_last_error(), want);
    if (m) pt_meter_close(m);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/pt-trace-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_no_path();
    test_replay();
    test_errors();
    test_meter_replay();
    test_meter_bad_trace();
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return pt_test_finish("test_trace");
}
