/* test_rapl.c -- the rapl source against fake powercap trees: zone discovery,
 * components, kinds, billing, wrap ranges, readings, unreadable counters; and
 * through the meter with a fake clock: exact counter energy, wraparound,
 * dram as its own component, psys never in the total. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "meter/source.h"
#include "powertrain/meter.h"
#include "test.h"
#include "util/fs.h"

/* --- fake trees ------------------------------------------------------------ */

static char g_root[256];

static void mkdir_p(const char *path) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(tmp, 0755);
        *p = '/';
    }
    mkdir(tmp, 0755);
}

/* Writes path atomically (temp + rename), as a changing sysfs file would look. */
static void write_file(const char *path, const char *text) {
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", tmp, strerror(errno));
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "cannot rename to %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

static void writef(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void writef(const char *text, const char *fmt, ...) {
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    write_file(path, text);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void new_root(void) {
    snprintf(g_root, sizeof g_root, "/tmp/pt-rapl-XXXXXX");
    if (!mkdtemp(g_root)) {
        perror("mkdtemp");
        exit(2);
    }
    chmod(g_root, 0755); /* the permission test reads it as another user */
    setenv("POWERTRAIN_SYSFS_ROOT", g_root, 1);
    setenv("POWERTRAIN_PROC_ROOT", g_root, 1);
    char p[512];
    snprintf(p, sizeof p, "%s/proc", g_root);
    mkdir_p(p);
    writef("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"
           "physical id\t: 0\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU "
           "@ 2.50GHz\nphysical id\t: 1\n",
           "%s/proc/cpuinfo", g_root);
}

static void drop_root(void) {
    nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    unsetenv("POWERTRAIN_SYSFS_ROOT");
    unsetenv("POWERTRAIN_PROC_ROOT");
}

/* A zone directory rel (under sys/class/powercap) with name and counters. */
static void make_zone(const char *rel, const char *name, unsigned long long uj,
                      unsigned long long range) {
    char dir[768], text[64];
    snprintf(dir, sizeof dir, "%s/sys/class/powercap/%s", g_root, rel);
    mkdir_p(dir);
    writef(name, "%s/name", dir);
    snprintf(text, sizeof text, "%llu\n", uj);
    writef(text, "%s/energy_uj", dir);
    snprintf(text, sizeof text, "%llu\n", range);
    writef(text, "%s/max_energy_range_uj", dir);
}

static void set_energy(const char *rel, unsigned long long uj) {
    char text[64], p[768];
    snprintf(p, sizeof p, "%s/sys/class/powercap/%s/energy_uj", g_root, rel);
    rmdir(p); /* undo break_energy */
    snprintf(text, sizeof text, "%llu\n", uj);
    write_file(p, text);
}

/* Replaces rel/energy_uj by a directory: unreadable even for root (EISDIR). */
static void break_energy(const char *rel) {
    char p[768];
    snprintf(p, sizeof p, "%s/sys/class/powercap/%s/energy_uj", g_root, rel);
    unlink(p);
    mkdir(p, 0755);
}

static int find_comp(const pt_source *s, const char *name) {
    for (int i = 0; i < s->ncomp; i++)
        if (strcmp(s->comp[i].name, name) == 0) return i;
    return -1;
}

/* --- tests ----------------------------------------------------------------- */

static void test_no_powercap(void) {
    new_root();
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = (pt_source *)1;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == -1);
    CHECK(s == NULL);
    CHECK_STR(why, "no powercap zones (/sys/class/powercap missing)");
    drop_root();
}

static void test_no_rapl_zones(void) {
    new_root();
    /* only the MMIO duplicate of the package counter: not a rapl zone */
    make_zone("intel-rapl-mmio:0", "package-0", 5, 100);
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == -1);
    CHECK(s == NULL);
    CHECK_CONTAINS(why, "no rapl zones");
    drop_root();
}

static void test_full_tree(void) {
    new_root();
    /* socket 0: subzones inside the zone directory (the device tree) */
    make_zone("intel-rapl:0", "package-0", 1000000, 262143328850ULL);
    make_zone("intel-rapl:0/intel-rapl:0:0", "core", 400000, 262143328850ULL);
    make_zone("intel-rapl:0/intel-rapl:0:1", "uncore", 10, 262143328850ULL);
    make_zone("intel-rapl:0/intel-rapl:0:2", "dram", 2500001, 65712999613ULL);
    /* platform zone */
    make_zone("intel-rapl:1", "psys", 7000000, 262143328850ULL);
    /* socket 1: subzones as siblings (the class directory view) */
    make_zone("intel-rapl:2", "package-1", 123456789, 262143328850ULL);
    make_zone("intel-rapl:2:0", "dram", 42, 65712999613ULL);
    make_zone("intel-rapl:2:1", "core", 42, 65712999613ULL);
    /* ignored: the MMIO duplicate and an unrelated control type */
    make_zone("intel-rapl-mmio:0", "package-0", 5, 100);
    make_zone("dtpm", "dtpm", 5, 100);

    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == 0);
    if (!s) {
        fprintf(stderr, "why: %s\n", why);
        drop_root();
        return;
    }
    CHECK_STR(s->ops->name, "rapl");
    CHECK(s->ncomp == 5);
    const char *names[] = {"package-0", "dram-0", "psys", "package-1", "dram-1"};
    const pt_meter_kind kinds[] = {PT_KIND_CPU, PT_KIND_DRAM, PT_KIND_PSYS, PT_KIND_CPU,
                                   PT_KIND_DRAM};
    const double wraps[] = {262143.32885, 65712.999613, 262143.32885, 262143.32885, 65712.999613};
    const char *ids[] = {"intel-rapl:0", "intel-rapl:0/intel-rapl:0:2", "intel-rapl:1",
                         "intel-rapl:2", "intel-rapl:2:0"};
    for (int i = 0; i < 5 && i < s->ncomp; i++) {
        const pt_meter_component *c = &s->comp[i];
        CHECK_STR(c->name, names[i]);
        CHECK_STR(c->source, "rapl");
        CHECK(c->kind == kinds[i]);
        CHECK(c->method == PT_METHOD_COUNTER);
        CHECK(c->has_counter == 1);
        CHECK(s->has_power[i] == 0);
        CHECK(c->billed == (kinds[i] != PT_KIND_PSYS));
        CHECK(c->wrap_j == wraps[i]);
        CHECK_STR(c->model, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
        char id[512];
        snprintf(id, sizeof id, "%s/sys/class/powercap/%s", g_root, ids[i]);
        CHECK_STR(c->id, id);
        CHECK_STR(c->bus_id, "");
    }
    CHECK(find_comp(s, "core") < 0 && find_comp(s, "uncore") < 0);
    CHECK_CONTAINS(s->comp[0].note, "core, uncore");
    CHECK_CONTAINS(s->comp[3].note, "core");
    CHECK_CONTAINS(s->comp[2].note, "never added");

    pt_reading r[5];
    memset(r, 0xff, sizeof r);
    CHECK(s->ops->read(s, 0.0, 1, r) == 0);
    const double e0[] = {1.0, 2.500001, 7.0, 123.456789, 0.000042};
    for (int i = 0; i < 5; i++) {
        CHECK(r[i].ok == 1);
        CHECK(r[i].energy_j == e0[i]);
    }
    /* files rewritten by rename: every read sees the current value */
    set_energy("intel-rapl:0", 3000000);
    set_energy("intel-rapl:0/intel-rapl:0:2", 0);
    set_energy("intel-rapl:2:0", 262143328850ULL);
    CHECK(s->ops->read(s, 0.1, 0, r) == 0);
    CHECK(r[0].ok && r[0].energy_j == 3.0);
    CHECK(r[1].ok && r[1].energy_j == 0.0);
    CHECK(r[4].ok && r[4].energy_j == 262143.32885);
    CHECK(r[3].energy_j == 123.456789);
    /* rewritten in place (as real sysfs changes): the kept descriptors see
       every value, and no read opens a file */
    unsigned long opens = pt_reread_opens();
    char p[768];
    snprintf(p, sizeof p, "%s/sys/class/powercap/intel-rapl:0/energy_uj", g_root);
    for (unsigned long long uj = 3000001; uj < 3000101; uj++) {
        FILE *f = fopen(p, "w");
        CHECK(f && fprintf(f, "%llu\n", uj) > 0);
        if (f) fclose(f);
        CHECK(s->ops->read(s, 0.2, 1, r) == 0);
        CHECK(r[0].ok && r[0].energy_j == (double)uj / 1e6);
    }
    CHECK(pt_reread_opens() == opens);
    s->ops->close(s);
    drop_root();
}

static void test_amd(void) {
    new_root();
    writef("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n", "%s/proc/cpuinfo",
           g_root);
    make_zone("amd-rapl:0", "package-0", 65536000000ULL, 65532610987ULL);
    make_zone("amd-rapl:0/amd-rapl:0:0", "core", 1, 65532610987ULL);
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == 0);
    if (s) {
        CHECK(s->ncomp == 1);
        CHECK_STR(s->comp[0].name, "package-0");
        CHECK_STR(s->comp[0].model, "AMD EPYC 7763 64-Core Processor");
        CHECK(s->comp[0].wrap_j == 65532.610987);
        pt_reading r;
        CHECK(s->ops->read(s, 0, 1, &r) == 0);
        CHECK(r.ok && r.energy_j == 65536.0);
        s->ops->close(s);
    }
    drop_root();
}

/* Unreadable counters that stay unreadable for root: a directory in place of
 * energy_uj (EISDIR), garbage content. */
static void test_unreadable_any_user(void) {
    new_root();
    make_zone("intel-rapl:0", "package-0", 1000000, 262143328850ULL);
    break_energy("intel-rapl:0");
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == -1);
    CHECK(s == NULL);
    CHECK_CONTAINS(why, "cannot read ");
    CHECK_CONTAINS(why, "intel-rapl:0/energy_uj");
    CHECK_CONTAINS(why, strerror(EISDIR));
    CHECK(strchr(why, '\n') == NULL);

    /* package readable, dram not: the package alone, with a note */
    set_energy("intel-rapl:0", 5);
    make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 1, 65712999613ULL);
    break_energy("intel-rapl:0/intel-rapl:0:0");
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == 0);
    if (s) {
        CHECK(s->ncomp == 1);
        CHECK_STR(s->comp[0].name, "package-0");
        CHECK_CONTAINS(s->comp[0].note, "dram zone unreadable");
        s->ops->close(s);
    }

    /* garbage in the counter */
    writef("not a number\n", "%s/sys/class/powercap/intel-rapl:0/energy_uj", g_root);
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "unexpected content");
    drop_root();
}

/* A counter that fails after open: that component is not ok, the others are;
 * when all fail the read returns -1. */
static void test_read_failure(void) {
    new_root();
    make_zone("intel-rapl:0", "package-0", 1000000, 262143328850ULL);
    make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 2000000, 65712999613ULL);
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    CHECK(pt_rapl_open(&cfg, NULL, &s, why, sizeof why) == 0);
    if (s) {
        CHECK(s->ncomp == 2);
        pt_reading r[2];
        break_energy("intel-rapl:0");
        CHECK(s->ops->read(s, 1, 1, r) == 0);
        CHECK(r[0].ok == 0);
        CHECK(r[1].ok == 1 && r[1].energy_j == 2.0);
        break_energy("intel-rapl:0/intel-rapl:0:0");
        CHECK(s->ops->read(s, 2, 1, r) == -1);
        CHECK(r[0].ok == 0 && r[1].ok == 0);
        /* it comes back */
        set_energy("intel-rapl:0", 7);
        CHECK(s->ops->read(s, 3, 1, r) == 0);
        CHECK(r[0].ok == 1 && r[0].energy_j == 0.000007);
        s->ops->close(s);
    }
    drop_root();
}

/* The EACCES path: energy_uj root-only, as on kernels since 2020. Root reads
 * anything, so as root the check runs in a child that became nobody. Returns
 * the number of failed expectations. */
static int permission_checks(void) {
    int bad = 0;
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pt_source *s = NULL;
    char why[512] = "";
    if (pt_rapl_open(&cfg, NULL, &s, why, sizeof why) != -1 || s) bad++;
    char want[1024];
    snprintf(want, sizeof want,
             "permission denied reading %s/sys/class/powercap/intel-rapl:0/energy_uj (root-only "
             "since 2020, CVE-2020-8694); fix, once: sudo powertrain rapl-access --install, then join "
             "its group powercap (powertrain rapl-access --check says why)",
             g_root);
    if (strcmp(why, want) != 0) {
        fprintf(stderr, "permission message:\n  got  %s\n  want %s\n", why, want);
        bad++;
    }
    return bad;
}

static void test_permission_denied(void) {
    new_root();
    make_zone("intel-rapl:0", "package-0", 1000000, 262143328850ULL);
    make_zone("intel-rapl:0/intel-rapl:0:0", "dram", 2000000, 65712999613ULL);
    char p[768];
    snprintf(p, sizeof p, "%s/sys/class/powercap/intel-rapl:0/energy_uj", g_root);
    chmod(p, 0400);
    snprintf(p, sizeof p, "%s/sys/class/powercap/intel-rapl:0/intel-rapl:0:0/energy_uj", g_root);
    chmod(p, 0400);
    if (geteuid() != 0) {
        int bad = permission_checks();
        CHECK(bad == 0);
    } else {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0) _exit(77); /* cannot drop root */
            _exit(permission_checks() ? 1 : 0);
        }
        int st = 0;
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st));
        if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
            fprintf(stderr, "test_permission_denied: cannot become nobody; EACCES path skipped\n");
        else
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    drop_root();
}


/* --- through the meter, on a fake clock ------------------------------------ */

typedef struct {
    double now;
} fake_clock;

static double clock_fn(void *ctx) { return ((fake_clock *)ctx)->now; }

static int g_warnings;
static void count_warning(void *ctx, const char *msg) {
    (void)ctx;
    (void)msg;
    g_warnings++;
}

/* A counter zone drawing uw microwatts: energy_uj at step i (t = i x 0.1 s) is
 * (offset + uw/10 x i) mod range, as the hardware counter wraps. */
typedef struct {
    const char *rel, *name;
    unsigned long long offset_uj, range_uj, uw;
} fake_zone;

static unsigned long long zone_uj(const fake_zone *z, int i) {
    return (z->offset_uj + z->uw / 10 * (unsigned long long)i) % z->range_uj;
}

static void make_zones(const fake_zone *z, int n) {
    for (int k = 0; k < n; k++) make_zone(z[k].rel, z[k].name, zone_uj(&z[k], 0), z[k].range_uj);
}

static pt_meter *open_meter(unsigned sources, fake_clock *fc) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.sources = sources;
    cfg.warn = count_warning;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "pt_meter_open: %s\n", pt_meter_last_error());
        return NULL;
    }
    fc->now = 0;
    CHECK(pt_meter_set_clock(m, clock_fn, fc) == 0);
    return m;
}

/* start at t = 0, a window over 20 samples 0.1 s apart, end at t = 2 s */
static int run_two_seconds(pt_meter *m, fake_clock *fc, const fake_zone *z, int n) {
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "two seconds");
    CHECK(w >= 0);
    for (int i = 1; i <= 20; i++) {
        fc->now = i * 0.1;
        for (int k = 0; k < n; k++) set_energy(z[k].rel, zone_uj(&z[k], i));
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    return w;
}

static int meter_comp(const pt_meter *m, const char *name, pt_meter_component *info) {
    for (int i = 0; i < pt_meter_component_count(m); i++) {
        pt_meter_component c;
        if (pt_meter_component_info(m, i, &c) == 0 && strcmp(c.name, name) == 0) {
            if (info) *info = c;
            return i;
        }
    }
    return -1;
}

static void test_meter_counter_20w(void) {
    new_root();
    const fake_zone z[] = {{"intel-rapl:0", "package-0", 0, 262143328850ULL, 20000000}};
    make_zones(z, 1);
    fake_clock fc;
    g_warnings = 0;
    pt_meter *m = open_meter(PT_SOURCE_RAPL, &fc);
    if (!m) {
        drop_root();
        return;
    }
    CHECK(pt_meter_component_count(m) == 1);
    int w = run_two_seconds(m, &fc, z, 1);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    CHECK(e.method == PT_METHOD_COUNTER);
    CHECK(e.counter_j == 40.0);
    CHECK(e.energy_j == 40.0);
    CHECK_NEAR(e.eq1_j, 40.0, 0, 1e-6);
    CHECK_NEAR(e.mean_w, 20.0, 0, 1e-6);
    CHECK_NEAR(e.peak_w, 20.0, 0, 1e-6);
    CHECK(e.samples == 20);
    CHECK(e.degraded == 0);
    CHECK(e.machine_j == 40.0 && e.job_j == 40.0 && e.attribution == PT_ATTR_WHOLE); /* no attribute_pid */
    CHECK(isnan(e.other_cpu_share));
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(win.energy_j == 40.0);
    CHECK(win.method == PT_METHOD_COUNTER);
    CHECK(win.start_s == 0.0);
    CHECK_NEAR(win.end_s, 2.0, 0, 1e-12);
    CHECK(win.degraded == 0);
    CHECK(g_warnings == 0);
    pt_meter_close(m);
    drop_root();
}

static void test_meter_wraps_dram_psys(void) {
    new_root();
    const fake_zone z[] = {
        /* wraps once, at 30 J, starting at 25.5 J */
        {"intel-rapl:0", "package-0", 25500000, 30000000, 20000000},
        /* 5 W of DRAM inside socket 0 */
        {"intel-rapl:0/intel-rapl:0:0", "dram", 1000, 65712999613ULL, 5000000},
        /* range 2.0625 J, 2 J per step: the counter wraps between every pair of reads */
        {"intel-rapl:1", "package-1", 2000000, 2062500, 20000000},
        /* the platform, 100 W: reported, never added */
        {"intel-rapl:2", "psys", 0, 262143328850ULL, 100000000},
    };
    make_zones(z, 4);
    for (int i = 1; i <= 20; i++) CHECK(zone_uj(&z[2], i) < zone_uj(&z[2], i - 1));
    fake_clock fc;
    g_warnings = 0;
    pt_meter *m = open_meter(PT_SOURCE_RAPL, &fc);
    if (!m) {
        drop_root();
        return;
    }
    CHECK(pt_meter_component_count(m) == 4);
    pt_meter_component p0, d0, p1, ps;
    int ip0 = meter_comp(m, "package-0", &p0), id0 = meter_comp(m, "dram-0", &d0);
    int ip1 = meter_comp(m, "package-1", &p1), ips = meter_comp(m, "psys", &ps);
    CHECK(ip0 >= 0 && id0 >= 0 && ip1 >= 0 && ips >= 0);
    if (ip0 < 0 || id0 < 0 || ip1 < 0 || ips < 0) {
        pt_meter_close(m);
        drop_root();
        return;
    }
    CHECK(d0.kind == PT_KIND_DRAM && d0.billed == 1);
    CHECK(ps.kind == PT_KIND_PSYS && ps.billed == 0);
    CHECK(p0.wrap_j == 30.0 && p1.wrap_j == 2.0625);
    int w = run_two_seconds(m, &fc, z, 4);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, ip0, &e) == 0);
    CHECK(e.counter_j == 40.0);
    CHECK_NEAR(e.eq1_j, 40.0, 0, 1e-6);
    CHECK(pt_meter_window_component(m, w, ip1, &e) == 0);
    CHECK(e.counter_j == 40.0);
    CHECK_NEAR(e.eq1_j, 40.0, 0, 1e-6);
    CHECK(e.degraded == 0);
    CHECK(pt_meter_window_component(m, w, id0, &e) == 0);
    CHECK_NEAR(e.counter_j, 10.0, 0, 1e-9); /* 0.001 J + 0.5 J steps: not binary-exact */
    CHECK_NEAR(e.mean_w, 5.0, 0, 1e-6);
    CHECK(pt_meter_window_component(m, w, ips, &e) == 0);
    CHECK(e.counter_j == 200.0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK_NEAR(win.energy_j, 90.0, 0, 1e-9); /* 40 + 40 + 10; psys's 200 J is not in it */
    CHECK(win.method == PT_METHOD_COUNTER);
    CHECK(win.degraded == 0);
    pt_meter_close(m);
    drop_root();
}

/* RAPL entirely unreadable: the rapl source says why and the estimate takes over. */
static void test_meter_rapl_unavailable(void) {
    new_root();
    make_zone("intel-rapl:0", "package-0", 1000000, 262143328850ULL);
    break_energy("intel-rapl:0");
    writef("cpu  100 0 0 300 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n", "%s/proc/stat", g_root);
    writef("MemTotal:       1953125 kB\n", "%s/proc/meminfo", g_root);
    fake_clock fc;
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.sources = PT_SOURCE_RAPL | PT_SOURCE_ESTIMATE;
    cfg.warn = count_warning;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (m) {
        fc.now = 0;
        pt_meter_set_clock(m, clock_fn, &fc);
        int found = 0;
        for (int i = 0; i < pt_meter_source_count(m); i++) {
            pt_meter_source si;
            CHECK(pt_meter_source_info(m, i, &si) == 0);
            if (strcmp(si.name, "rapl") == 0) {
                found = 1;
                CHECK(si.available == 0);
                CHECK_CONTAINS(si.status, "unavailable: cannot read ");
                CHECK_CONTAINS(si.status, "intel-rapl:0/energy_uj");
            }
        }
        CHECK(found);
        pt_meter_component c;
        CHECK(meter_comp(m, "cpu", &c) >= 0 && c.method == PT_METHOD_ESTIMATED);
        CHECK(meter_comp(m, "dram", &c) >= 0 && c.method == PT_METHOD_ESTIMATED);
        CHECK(meter_comp(m, "package-0", NULL) < 0);
        pt_meter_close(m);
    }
    drop_root();
}

/* <root>/proc/stat after step i on two CPUs (20 jiffies per 0.1 s): the
 * machine busy for 10 of them, 5 of which are the job's (job_jiffies). */
static void write_stat(int i) {
    char text[128];
    snprintf(text, sizeof text, "cpu  %d 0 0 %d 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n", 1000 + 10 * i,
             5000 + 10 * i);
    writef(text, "%s/proc/stat", g_root);
}
static int g_step;
static int job_jiffies(void *ctx, int pid, unsigned long long *out) {
    (void)ctx;
    (void)pid;
    *out = 300 + 5ULL * (unsigned long long)g_step;
    return 0;
}

/* Job energy on a RAPL package (issue 18): 30 W, idle unknown first (job_j
 * NAN, "unknown": never a guess), then idle measured at 10 W. Per 0.1 s:
 * 3 J = 1 J idle + 2 J above it; the job has 5 of 10 busy jiffies (1/2) and
 * 5 of 20 jiffies of capacity (1/4): 2 x 1/2 + 1 x 1/4 = 1.25 J. Others
 * used 5 of 20: other_cpu_share 0.25. Without attribute_pid: whole. */
static void test_meter_job_cpu_share(void) {
    new_root();
    const fake_zone z[] = {{"intel-rapl:0", "package-0", 0, 262143328850ULL, 30000000}};
    make_zones(z, 1);
    g_step = 0;
    write_stat(0);
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.sources = PT_SOURCE_RAPL;
    cfg.attribute_pid = (int)getpid();
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        drop_root();
        return;
    }
    fake_clock fc = {0};
    CHECK(pt_meter_set_clock(m, clock_fn, &fc) == 0);
    CHECK(pt_meter_set_tree_fn(m, job_jiffies, NULL) == 0);
    pt_meter_component ci;
    CHECK(pt_meter_component_info(m, 0, &ci) == 0 && isnan(ci.idle_w)); /* RAPL has no idle model */
    CHECK(pt_meter_start(m) == 0);
    int w[2];
    for (int phase = 0; phase < 2; phase++) {
        if (phase == 1) CHECK(pt_meter_set_idle(m, 0, 10.0) == 0);
        w[phase] = pt_meter_window_begin(m, phase ? "idle known" : "idle unknown");
        for (int i = 0; i < 20; i++) {
            g_step++;
            fc.now = g_step * 0.1;
            set_energy(z[0].rel, zone_uj(&z[0], g_step));
            write_stat(g_step);
            CHECK(pt_meter_sample(m) == 0);
        }
        CHECK(pt_meter_window_end(m, w[phase]) == 0);
    }
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w[0], 0, &e) == 0);
    CHECK(e.machine_j == 60.0 && isnan(e.job_j) && e.attribution == PT_ATTR_UNKNOWN);
    CHECK_STR(pt_meter_attribution_name(e.attribution), "unknown");
    CHECK(pt_meter_window_component(m, w[1], 0, &e) == 0);
    CHECK(e.machine_j == 60.0);
    CHECK_NEAR(e.job_j, 25.0, 1e-9, 0);
    CHECK(e.attribution == PT_ATTR_CPU_SHARE);
    CHECK_NEAR(e.other_cpu_share, 0.25, 1e-12, 0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w[1], &win) == 0);
    CHECK_NEAR(win.job_j, 25.0, 1e-9, 0);
    CHECK(win.machine_j == 60.0 && win.attribution == PT_ATTR_CPU_SHARE);
    CHECK_NEAR(win.other_cpu_share, 0.25, 1e-12, 0);
    CHECK(pt_meter_window_read(m, w[0], &win) == 0);
    CHECK(isnan(win.job_j) && win.attribution == PT_ATTR_UNKNOWN);
    CHECK(pt_meter_set_idle(m, 0, -1) == -1 && pt_meter_set_idle(m, 7, 1) == -1);
    pt_meter_close(m);
    drop_root();
}

int main(void) {
    test_no_powercap();
    test_no_rapl_zones();
    test_full_tree();
    test_amd();
    test_unreadable_any_user();
    test_read_failure();
    test_permission_denied();
    test_meter_counter_20w();
    test_meter_job_cpu_share();
    test_meter_wraps_dram_psys();
    test_meter_rapl_unavailable();
    return pt_test_finish("test_rapl");
}
