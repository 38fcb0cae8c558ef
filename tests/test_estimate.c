/* test_estimate.c -- the estimate source against fake procfs trees: the
 * utilisation x TDP model, the TDP sources (--cpu-tdp, table, per logical
 * CPU), the per-GB DRAM figure, reads that must not advance the baseline;
 * and through the meter: an unreadable RAPL package is replaced by the
 * estimate's "cpu", labelled estimated. */
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
#include "util/fs.h"

static char g_root[256];

static void write_file(const char *rel, const char *text) {
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        exit(2);
    }
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* /proc/stat whose first line gives busy and total jiffies (busy in user,
 * the rest idle), with ncpu cpuN lines. */
static void write_stat(unsigned long long busy, unsigned long long total, int ncpu) {
    char text[2048];
    int n = snprintf(text, sizeof text, "cpu  %llu 0 0 %llu 0 0 0 0 0 0\n", busy, total - busy);
    for (int i = 0; i < ncpu; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "cpu%d 1 0 0 1 0 0 0 0 0 0\n", i);
    snprintf(text + n, sizeof text - (size_t)n, "intr 0\nctxt 0\n");
    write_file("proc/stat", text);
}

static void write_cpuinfo(const char *model, int sockets, int per_socket) {
    char text[4096];
    int n = 0;
    for (int s = 0; s < sockets; s++)
        for (int c = 0; c < per_socket; c++)
            n += snprintf(text + n, sizeof text - (size_t)n,
                          "processor\t: %d\nvendor_id\t: X\nmodel name\t: %s\nphysical id\t: "
                          "%d\n\n",
                          s * per_socket + c, model, s);
    write_file("proc/cpuinfo", text);
}

/* MemTotal in kB; 31250000 kB = 32 GB (1e9 bytes) exactly. */
static void write_meminfo(unsigned long long kb) {
    char text[256];
    snprintf(text, sizeof text, "MemTotal:       %llu kB\nMemFree:        1 kB\n", kb);
    write_file("proc/meminfo", text);
}

static void new_root(void) {
    snprintf(g_root, sizeof g_root, "/tmp/pt-estimate-XXXXXX");
    if (!mkdtemp(g_root)) {
        perror("mkdtemp");
        exit(2);
    }
    char p[300];
    snprintf(p, sizeof p, "%s/proc", g_root);
    mkdir(p, 0755);
    setenv("POWERTRAIN_PROC_ROOT", g_root, 1);
    setenv("POWERTRAIN_SYSFS_ROOT", g_root, 1);
}

static void drop_root(void) {
    nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    unsetenv("POWERTRAIN_PROC_ROOT");
    unsetenv("POWERTRAIN_SYSFS_ROOT");
}

static pt_source *open_est(double tdp, int need_cpu, int need_dram, char *why, size_t n) {
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.cpu_tdp_w = tdp;
    pt_source_needs needs = {need_cpu, need_dram};
    pt_source *s = NULL;
    int rc = pt_estimate_open(&cfg, &needs, &s, why, n);
    CHECK((rc == 0) == (s != NULL));
    return s;
}

static void test_cpu_tdp_flag(void) {
    new_root();
    write_stat(100, 400, 2); /* since boot: 25% busy */
    write_cpuinfo("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 1, 2);
    write_meminfo(31250000);
    char why[512] = "";
    pt_source *s = open_est(100, 1, 1, why, sizeof why);
    if (!s) {
        fprintf(stderr, "why: %s\n", why);
        drop_root();
        return;
    }
    CHECK_STR(s->ops->name, "estimate");
    CHECK(s->ncomp == 2);
    const pt_meter_component *c = &s->comp[0], *d = &s->comp[1];
    CHECK_STR(c->name, "cpu");
    CHECK_STR(c->source, "estimate");
    CHECK(c->kind == PT_KIND_CPU);
    CHECK(c->method == PT_METHOD_ESTIMATED);
    CHECK(c->has_counter == 0 && s->has_power[0] == 1 && c->billed == 1);
    CHECK_STR(c->model, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
    CHECK_CONTAINS(c->note, "TDP 100 W (--cpu-tdp)");
    CHECK_CONTAINS(c->note, "idle assumed 0.3 x TDP");
    CHECK_STR(d->name, "dram");
    CHECK(d->kind == PT_KIND_DRAM);
    CHECK(d->method == PT_METHOD_ESTIMATED);
    CHECK(d->has_counter == 0 && s->has_power[1] == 1 && d->billed == 1);
    CHECK_CONTAINS(d->note, "0.375 W per GB x 32.0 GB");

    pt_reading r[2];
    /* nothing elapsed since open: the since-boot utilisation, 25% */
    CHECK(s->ops->read(s, 0.0, 1, r) == 0);
    CHECK(r[0].ok == 1 && r[0].power_w == 30.0 + 70.0 * 0.25);
    CHECK(r[1].ok == 1 && r[1].power_w == 12.0); /* 0.375 W/GB x 32 GB */
    /* 50 busy of 100 jiffies: 30 + 70 x 0.5 = 65 W exactly */
    write_stat(150, 500, 2);
    CHECK(s->ops->read(s, 0.1, 1, r) == 0);
    CHECK(r[0].ok == 1 && r[0].power_w == 65.0);
    /* a non-regular read returns the last power and keeps the baseline */
    write_stat(250, 600, 2);
    CHECK(s->ops->read(s, 0.15, 0, r) == 0);
    CHECK(r[0].ok == 1 && r[0].power_w == 65.0);
    /* the next regular read covers both changes: 100 busy of 400 -> 25% */
    write_stat(250, 900, 2);
    CHECK(s->ops->read(s, 0.2, 1, r) == 0);
    CHECK(r[0].power_w == 30.0 + 70.0 * 0.25);
    /* fully busy and fully idle intervals */
    write_stat(350, 1000, 2);
    CHECK(s->ops->read(s, 0.3, 1, r) == 0);
    CHECK(r[0].power_w == 100.0);
    write_stat(350, 1100, 2);
    CHECK(s->ops->read(s, 0.4, 1, r) == 0);
    CHECK(r[0].power_w == 30.0);
    /* no jiffy elapsed: the last power holds */
    CHECK(s->ops->read(s, 0.5, 1, r) == 0);
    CHECK(r[0].power_w == 30.0);
    /* /proc/stat rewritten in place: the kept descriptor sees each value and
       the regular reads open nothing (one pread per sample) */
    char p[512];
    snprintf(p, sizeof p, "%s/proc/stat", g_root);
    unsigned long opens = pt_reread_opens();
    for (int i = 1; i <= 50; i++) {
        char text[128];
        unsigned long long busy = 350 + 100ULL * (unsigned)((i + 1) / 2), total = 1100 + 100ULL * (unsigned)i;
        snprintf(text, sizeof text, "cpu  %llu 0 0 %llu 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n", busy,
                 total - busy);
        FILE *f = fopen(p, "w");
        CHECK(f && fputs(text, f) >= 0);
        if (f) fclose(f);
        CHECK(s->ops->read(s, 0.5 + 0.01 * i, 1, r) == 0);
        CHECK(r[0].ok && r[0].power_w == (i % 2 ? 100.0 : 30.0)); /* busy rises by 100 then by 0 */
    }
    CHECK(pt_reread_opens() == opens);
    /* /proc/stat gone: cpu not ok on a regular read, dram still is */
    unlink(p);
    CHECK(s->ops->read(s, 0.6, 1, r) == 0);
    CHECK(r[0].ok == 0);
    CHECK(r[1].ok == 1 && r[1].power_w == 12.0);
    s->ops->close(s);
    drop_root();
}

static void test_default_tdp(void) {
    new_root();
    write_stat(0, 1000, 4);
    write_cpuinfo("Some Unlisted CPU 3000", 1, 4);
    write_meminfo(1953125); /* 2 GB */
    char why[512] = "";
    pt_source *s = open_est(0, 1, 0, why, sizeof why);
    if (s) {
        CHECK(s->ncomp == 1);
        CHECK_STR(s->comp[0].name, "cpu");
        CHECK_CONTAINS(s->comp[0].note,
                       "TDP 40 W: 10 W per logical CPU x 4 (default; pass --cpu-tdp)");
        pt_reading r;
        CHECK(s->ops->read(s, 0, 1, &r) == 0);
        CHECK(r.ok && r.power_w == 12.0); /* idle since boot: 0.3 x 40 */
        write_stat(1000, 3000, 4);        /* 50%: 12 + 28 x 0.5 */
        CHECK(s->ops->read(s, 1, 1, &r) == 0);
        CHECK(r.ok && r.power_w == 26.0);
        s->ops->close(s);
    }
    /* an unreadable cpuinfo (e.g. no "model name" on some ARM kernels) still works */
    write_file("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\n");
    write_stat(0, 1000, 2);
    s = open_est(0, 1, 0, why, sizeof why);
    if (s) {
        CHECK_STR(s->comp[0].model, "unknown CPU");
        CHECK_CONTAINS(s->comp[0].note,
                       "TDP 20 W: 10 W per logical CPU x 2 (default; pass --cpu-tdp)");
        s->ops->close(s);
    }
    drop_root();
}

static void test_table_tdp(void) {
    new_root();
    write_stat(0, 1000, 8);
    write_cpuinfo("AMD EPYC 7763 64-Core Processor", 2, 4);
    write_meminfo(1953125);
    char why[512] = "";
    pt_source *s = open_est(0, 1, 1, why, sizeof why);
    if (s) {
        CHECK_CONTAINS(s->comp[0].note, "TDP 560 W: EPYC 7763 280 W x 2 sockets (table)");
        CHECK_STR(s->comp[0].model, "AMD EPYC 7763 64-Core Processor");
        pt_reading r[2];
        write_stat(1000, 2000, 8); /* 100% */
        CHECK(s->ops->read(s, 1, 1, r) == 0);
        CHECK(r[0].power_w == 560.0);
        CHECK(r[1].power_w == 0.75);
        s->ops->close(s);
    }
    /* the longest match wins: Gold 6248R is not a Gold 6248 */
    write_cpuinfo("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 1, 8);
    s = open_est(0, 1, 0, why, sizeof why);
    if (s) {
        CHECK_CONTAINS(s->comp[0].note, "TDP 205 W: Gold 6248R 205 W x 1 socket (table)");
        s->ops->close(s);
    }
    write_cpuinfo("Intel(R) Xeon(R) Platinum 8480+", 2, 2);
    s = open_est(0, 1, 0, why, sizeof why);
    if (s) {
        CHECK_CONTAINS(s->comp[0].note, "TDP 700 W");
        s->ops->close(s);
    }
    /* --cpu-tdp beats the table */
    s = open_est(95, 1, 0, why, sizeof why);
    if (s) {
        CHECK_CONTAINS(s->comp[0].note, "TDP 95 W (--cpu-tdp)");
        s->ops->close(s);
    }
    drop_root();
}

static void test_needs(void) {
    new_root();
    write_stat(0, 1000, 2);
    write_cpuinfo("X", 1, 2);
    write_meminfo(1953125);
    char why[512] = "";
    pt_source *s = open_est(0, 0, 1, why, sizeof why);
    CHECK(s && s->ncomp == 1);
    if (s) {
        CHECK_STR(s->comp[0].name, "dram");
        CHECK_STR(s->comp[0].model, "2.0 GB DRAM");
        pt_reading r;
        CHECK(s->ops->read(s, 0, 0, &r) == 0);
        CHECK(r.ok && r.power_w == 0.75);
        s->ops->close(s);
    }
    s = open_est(0, 0, 0, why, sizeof why);
    CHECK(s == NULL);
    CHECK_CONTAINS(why, "not needed");
    /* a first read that is not regular: the since-boot power, baseline kept */
    write_stat(500, 1000, 2);
    s = open_est(10, 1, 0, why, sizeof why);
    if (s) {
        pt_reading r;
        write_stat(1500, 2000, 2);
        CHECK(s->ops->read(s, 0, 0, &r) == 0);
        CHECK(r.ok && r.power_w == 3.0 + 7.0 * 0.5);
        CHECK(s->ops->read(s, 0, 1, &r) == 0);
        CHECK(r.ok && r.power_w == 10.0);
        s->ops->close(s);
    }
    drop_root();
}

static void test_no_procfs(void) {
    new_root();
    char why[512] = "";
    pt_source *s = open_est(0, 1, 1, why, sizeof why);
    CHECK(s == NULL);
    CHECK_CONTAINS(why, "/proc/stat");
    CHECK_CONTAINS(why, "/proc/meminfo");
    /* stat readable, meminfo not: the cpu alone */
    write_stat(0, 10, 1);
    s = open_est(0, 1, 1, why, sizeof why);
    CHECK(s && s->ncomp == 1);
    if (s) {
        CHECK_STR(s->comp[0].name, "cpu");
        s->ops->close(s);
    }
    drop_root();
}


/* --- through the meter, on a fake clock ------------------------------------ */

static double clock_fn(void *ctx) { return *(double *)ctx; }
static void quiet(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
}

static void mkdirs(const char *rel) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    for (char *q = p + strlen(g_root) + 1; *q; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0755);
            *q = '/';
        }
    mkdir(p, 0755);
}

static void test_meter_fallback(void) {
    new_root();
    /* package-0's counter is unreadable (a directory, so even root fails); its dram is fine */
    const char *pkg = "sys/class/powercap/intel-rapl:0";
    const char *dram = "sys/class/powercap/intel-rapl:0/intel-rapl:0:0";
    char rel[256];
    mkdirs(dram);
    snprintf(rel, sizeof rel, "%s/energy_uj", pkg);
    mkdirs(rel);
    snprintf(rel, sizeof rel, "%s/name", pkg);
    write_file(rel, "package-0\n");
    snprintf(rel, sizeof rel, "%s/max_energy_range_uj", pkg);
    write_file(rel, "262143328850\n");
    snprintf(rel, sizeof rel, "%s/name", dram);
    write_file(rel, "dram\n");
    snprintf(rel, sizeof rel, "%s/max_energy_range_uj", dram);
    write_file(rel, "65712999613\n");
    char dram_uj[256];
    snprintf(dram_uj, sizeof dram_uj, "%s/energy_uj", dram);
    write_file(dram_uj, "0\n");
    write_stat(100, 400, 2);
    write_cpuinfo("Some CPU", 1, 2);
    write_meminfo(1953125);

    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.sources = PT_SOURCE_RAPL | PT_SOURCE_ESTIMATE;
    cfg.cpu_tdp_w = 100;
    cfg.warn = quiet;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "pt_meter_open: %s\n", pt_meter_last_error());
        drop_root();
        return;
    }
    double now = 0;
    CHECK(pt_meter_set_clock(m, clock_fn, &now) == 0);
    int icpu = -1, idram = -1;
    CHECK(pt_meter_component_count(m) == 2);
    for (int i = 0; i < pt_meter_component_count(m); i++) {
        pt_meter_component c;
        pt_meter_component_info(m, i, &c);
        if (strcmp(c.name, "cpu") == 0) {
            icpu = i;
            CHECK_STR(c.source, "estimate");
            CHECK(c.method == PT_METHOD_ESTIMATED);
            CHECK(c.kind == PT_KIND_CPU);
            CHECK_CONTAINS(c.note, "TDP 100 W (--cpu-tdp)");
        } else if (strcmp(c.name, "dram-0") == 0) {
            idram = i;
            CHECK_STR(c.source, "rapl");
        }
    }
    CHECK(icpu >= 0 && idram >= 0);
    if (icpu < 0 || idram < 0) {
        pt_meter_close(m);
        drop_root();
        return;
    }
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "fallback");
    /* every 0.1 s: 50 of 100 jiffies busy (65 W) and 0.5 J of DRAM (5 W) */
    for (int i = 1; i <= 20; i++) {
        now = i * 0.1;
        write_stat(100 + 50 * (unsigned long long)i, 400 + 100 * (unsigned long long)i, 2);
        char text[32];
        snprintf(text, sizeof text, "%d\n", 500000 * i);
        write_file(dram_uj, text);
        CHECK(pt_meter_sample(m) == 0);
        if (i == 10) CHECK(pt_meter_mark(m, "half") >= 0); /* a non-regular read mid-way */
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, icpu, &e) == 0);
    CHECK(e.method == PT_METHOD_ESTIMATED);
    CHECK(e.samples == 20);
    CHECK(e.mean_w == 65.0);
    CHECK_NEAR(e.eq1_j, 130.0, 0, 1e-9);
    CHECK(isnan(e.counter_j));
    CHECK(pt_meter_window_component(m, w, idram, &e) == 0);
    CHECK(e.counter_j == 10.0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(win.method == PT_METHOD_ESTIMATED);
    CHECK_NEAR(win.energy_j, 140.0, 0, 1e-9);
    pt_meter_close(m);
    drop_root();
}

int main(void) {
    test_cpu_tdp_flag();
    test_default_tdp();
    test_table_tdp();
    test_needs();
    test_no_procfs();
    test_meter_fallback();
    return pt_test_finish("test_estimate");
}
