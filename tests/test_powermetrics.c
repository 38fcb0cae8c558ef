/* test_powermetrics.c -- Apple powermetrics logs replayed as power traces:
 * the text output of `powermetrics --samplers cpu_power,gpu_power` (macOS 13
 * on an M1 Max, and an Intel Mac), its plist output (-f plist: NUL-separated
 * documents, macOS 12 energies and macOS 13 powers), each through the trace
 * source and a meter window on a fake clock; malformed logs give FILE:LINE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "meter/source.h"
#include "test.h"

static char g_dir[64];
static char g_path[128];

static const char *write_log(const char *name, const char *text, size_t len) {
    snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
    FILE *f = fopen(g_path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(g_path);
        exit(2);
    }
    return g_path;
}

/* Two samples of an M1 Max (macOS 13): 1000.92 ms, then 500.00 ms. */
#define CLUSTER_LINES                                                                                   \
    "**** Processor usage ****\n\n"                                                                     \
    "E-Cluster HW active frequency: 1184 MHz\n"                                                         \
    "E-Cluster HW active residency:  63.80% (600 MHz:   0% 972 MHz:  36% 1332 MHz:  24% 1704 MHz:  "  \
    "15% 2064 MHz:  25%)\n"                                                                             \
    "E-Cluster idle residency:  36.20%\n"                                                               \
    "CPU 0 frequency: 1293 MHz\n"                                                                       \
    "CPU 0 active residency:  48.28% (600 MHz:   0% 972 MHz:  28% 1332 MHz:  20% 1704 MHz:  15% 2064 " \
    "MHz:  37%)\n"                                                                                      \
    "CPU 0 idle residency:  51.72%\n"                                                                   \
    "P0-Cluster HW active frequency: 2715 MHz\n"                                                        \
    "P0-Cluster HW active residency:  98.60% (600 MHz: 0.02% 828 MHz:   0% 3228 MHz:  87%)\n"           \
    "P0-Cluster idle residency:   1.40%\n\n"

static const char text_log[] =
    "Machine model: MacBookPro18,2\n"
    "OS version: 22G120\n"
    "Boot arguments: \n"
    "Boot time: Mon Dec  4 08:12:03 2023\n\n\n\n"
    "*** Sampled system activity (Mon Dec  4 10:00:01 2023 +0100) (1000.92ms elapsed) ***\n\n\n" CLUSTER_LINES
    "ANE Power: 0 mW\n"
    "CPU Power: 21450 mW\n"
    "GPU Power: 12833 mW\n"
    "Combined Power (CPU + GPU + ANE): 34283 mW\n\n"
    "**** GPU usage ****\n\n"
    "GPU HW active frequency: 1296 MHz\n"
    "GPU HW active residency:  97.51% (389 MHz:   0% 486 MHz:   0% 1296 MHz:  98%)\n"
    "GPU SW requested state: (P1 :   0% P2 :   0% P3 :   0% P4 :   0% P5 :   0% P6 : 100%)\n"
    "GPU idle residency:   2.49%\n"
    "GPU Power: 12833 mW\n\n\n"
    "*** Sampled system activity (Mon Dec  4 10:00:01 2023 +0100) (500.00ms elapsed) ***\n\n\n" CLUSTER_LINES
    "ANE Power: 1210 mW\n"
    "CPU Power: 9870 mW\n"
    "GPU Power: 402 mW\n"
    "Combined Power (CPU + GPU + ANE): 11482 mW\n\n"
    "**** GPU usage ****\n\n"
    "GPU HW active frequency: 389 MHz\n"
    "GPU idle residency:  96.39%\n"
    "GPU Power: 402 mW\n";

static int open_log(const char *path, pt_source **s, char *why, size_t n) {
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.trace_path = path;
    *s = NULL;
    why[0] = '\0';
    return pt_trace_open(&cfg, NULL, s, why, n);
}

/* Watts of component i at t (NAN when not ok). */
static double watts_at(pt_source *s, int i, double t) {
    pt_reading r[8];
    if (s->ncomp > 8 || s->ops->read(s, t, 1, r) != 0 || !r[i].ok) return NAN;
    return r[i].power_w;
}

static double fake_now;
static double fake_clock(void *ctx) {
    (void)ctx;
    return fake_now;
}

/* Energy of the billed components over [0, end] with samples every 0.05 s. */
static double replay_energy(const char *path, double end, int comp, double *comp_j) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.trace_path = path;
    cfg.interval_ms = 0;
    cfg.quiet_short_windows = 1;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        *comp_j = NAN;
        return NAN;
    }
    fake_now = 0;
    pt_meter_set_clock(m, fake_clock, NULL);
    pt_meter_start(m);
    int w = pt_meter_window_begin(m, "run");
    for (int k = 1; k * 0.05 <= end + 1e-9; k++) {
        fake_now = k * 0.05;
        pt_meter_sample(m);
    }
    pt_meter_window_end(m, w);
    pt_meter_window win;
    pt_meter_energy e;
    pt_meter_window_read(m, w, &win);
    pt_meter_window_component(m, w, comp, &e);
    *comp_j = e.energy_j;
    pt_meter_close(m);
    return win.energy_j;
}

static void test_text(void) {
    pt_source *s;
    char why[256];
    const char *path = write_log("m1max.txt", text_log, sizeof text_log - 1);
    CHECK(open_log(path, &s, why, sizeof why) == 0);
    if (!s) {
        fprintf(stderr, "%s\n", why);
        return;
    }
    CHECK(s->ncomp == 3);
    CHECK_STR(s->comp[0].name, "cpu");
    CHECK_STR(s->comp[1].name, "gpu");
    CHECK_STR(s->comp[2].name, "ane");
    CHECK(s->comp[0].kind == PT_KIND_CPU && s->comp[1].kind == PT_KIND_GPU && s->comp[2].kind == PT_KIND_OTHER);
    CHECK_STR(s->comp[0].model, "Apple powermetrics log (text)");
    CHECK(watts_at(s, 0, 0.0) == 21.45);
    CHECK(watts_at(s, 1, 0.5) == 12.833); /* "GPU Power" twice in a sample: one value */
    CHECK(watts_at(s, 2, 0.9) == 0.0);
    CHECK(watts_at(s, 0, 1.001) == 9.87); /* the second sample starts after 1000.92 ms */
    CHECK(watts_at(s, 2, 1.2) == 1.21);
    s->ops->close(s);
    /* 1.5 s replayed: 34.283 W x 1.00092 s + 11.482 W x 0.49908 s (the last
       sample holds), within one 0.05 s sampling step of the boundary */
    double cpu_j = NAN;
    double total = replay_energy(path, 1.5, 0, &cpu_j);
    CHECK_NEAR(total, 34.283 * 1.00092 + 11.482 * 0.49908, 0, 34.283 * 0.05);
    CHECK_NEAR(cpu_j, 21.45 * 1.00092 + 9.87 * 0.49908, 0, 21.45 * 0.05);
}

static void test_intel_text(void) {
    static const char log[] = "Machine model: MacBookPro16,1\n\n"
                              "*** Sampled system activity (Tue Mar  1 09:00:00 2022 -0800) (1001.5ms elapsed) ***\n\n"
                              "**** Processor usage ****\n\n"
                              "Intel energy model derived package power (CPUs+GT+SA): 12.63W\n\n"
                              "**** GPU usage ****\n\nGPU 0 C-State residency: 80.5%\n";
    pt_source *s;
    char why[256];
    CHECK(open_log(write_log("intel.txt", log, sizeof log - 1), &s, why, sizeof why) == 0);
    if (!s) return;
    CHECK(s->ncomp == 1);
    CHECK_STR(s->comp[0].name, "package");
    CHECK(s->comp[0].kind == PT_KIND_CPU);
    CHECK(watts_at(s, 0, 0.3) == 12.63);
    s->ops->close(s);
}

#define PLIST_HEAD                                                                                   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                   \
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" \
    "<plist version=\"1.0\">\n<dict>\n"                                                              \
    "<key>is_delta</key><true/>\n"

/* macOS 12: energies in mJ over the sample (cpu_energy 89 mJ in 1.0 s = 89 mW). */
static const char plist_12[] =
    PLIST_HEAD "<key>elapsed_ns</key><integer>1000000000</integer>\n"
    "<key>hw_model</key><string>MacBookPro17,1</string>\n"
    "<key>timestamp</key><date>2022-04-11T08:00:00Z</date>\n"
    "<key>processor</key>\n<dict>\n"
    "<key>clusters</key>\n<array>\n<dict>\n<key>name</key><string>E-Cluster</string>\n"
    "<key>freq_hz</key><real>1.02287e+09</real>\n<key>cpu_energy</key><integer>999999</integer>\n"
    "<key>cpus</key><array><dict><key>cpu</key><integer>0</integer></dict></array>\n"
    "</dict>\n</array>\n"
    "<key>ane_energy</key><integer>0</integer>\n"
    "<key>cpu_energy</key><integer>89</integer>\n"
    "<key>gpu_energy</key><integer>31</integer>\n"
    "<key>combined_power</key><real>120</real>\n"
    "</dict>\n"
    "<key>thermal_pressure</key><string>Nominal</string>\n"
    "<key>gpu</key>\n<dict>\n<key>freq_hz</key><real>714.836</real>\n<key>idle_ratio</key><real>0.983341</real>\n</dict>\n"
    "</dict>\n</plist>\n";

/* macOS 13: powers in mW; gpu_power only in the gpu dict. */
static const char plist_13[] =
    PLIST_HEAD "<key>elapsed_ns</key><integer>500000000</integer>\n"
    "<key>processor</key>\n<dict>\n"
    "<key>clusters</key><array/>\n"
    "<key>cpu_power</key><real>21450.5</real>\n"
    "<key>ane_power</key><real>1210</real>\n"
    "<key>combined_power</key><real>34283</real>\n"
    "</dict>\n"
    "<key>gpu</key>\n<dict>\n<key>gpu_power</key><real>12833</real>\n</dict>\n"
    "</dict>\n</plist>\n";

static void test_plist(void) {
    char buf[8192];
    size_t n = 0;
    memcpy(buf + n, plist_12, sizeof plist_12 - 1);
    n += sizeof plist_12 - 1;
    buf[n++] = '\0'; /* powermetrics separates the documents with NUL */
    memcpy(buf + n, plist_13, sizeof plist_13 - 1);
    n += sizeof plist_13 - 1;
    buf[n++] = '\0';
    pt_source *s;
    char why[256];
    const char *path = write_log("m1.plist", buf, n);
    CHECK(open_log(path, &s, why, sizeof why) == 0);
    if (!s) {
        fprintf(stderr, "%s\n", why);
        return;
    }
    CHECK(s->ncomp == 3);
    CHECK_STR(s->comp[0].model, "Apple powermetrics log (plist)");
    CHECK_NEAR(watts_at(s, 0, 0.2), 0.089, 1e-12, 0); /* processor's, not the cluster's cpu_energy */
    CHECK_NEAR(watts_at(s, 1, 0.2), 0.031, 1e-12, 0);
    CHECK(watts_at(s, 2, 0.2) == 0.0);
    CHECK_NEAR(watts_at(s, 0, 1.2), 21.4505, 1e-12, 0);
    CHECK_NEAR(watts_at(s, 1, 1.2), 12.833, 1e-12, 0);
    CHECK_NEAR(watts_at(s, 2, 1.2), 1.21, 1e-12, 0);
    s->ops->close(s);
}

/* Every malformed log: pt_trace_open returns -2 with FILE:LINE (or FILE:). */
static void expect_error(const char *name, const char *text, const char *want) {
    pt_source *s;
    char why[512], full[512];
    const char *path = write_log(name, text, strlen(text));
    CHECK(open_log(path, &s, why, sizeof why) == -2);
    CHECK(s == NULL);
    snprintf(full, sizeof full, "%s%s", path, want);
    CHECK_STR(why, full);
}

static void test_errors(void) {
    expect_error("e1.txt", "Machine model: X\nCPU Power: 5 mW\n",
                 ":2: cpu line before the first \"*** Sampled system activity\" header");
    expect_error("e2.txt", "*** Sampled system activity (Mon Dec  4 10:00:01 2023 +0100) ***\nCPU Power: 5 mW\n",
                 ":1: sample header without \"(N ms elapsed)\"");
    expect_error("e3.txt", "*** Sampled system activity (x) (10ms elapsed) ***\n\nGPU Power: lots\n",
                 ":3: power \"lots\" is not a number of mW or W");
    expect_error("e4.txt", "Machine model: X\nOS version: 22G120\n",
                 ": no \"*** Sampled system activity\" sample in this powermetrics log");
    expect_error("e5.txt", "*** Sampled system activity (x) (10ms elapsed) ***\nE-Cluster idle residency: 5%\n",
                 ": no CPU, GPU, ANE or package power in this powermetrics log (record with --samplers "
                 "cpu_power,gpu_power)");
    expect_error("e6.plist", "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n<dict>\n<key>elapsed_ns</key><integer>5",
                 ": no complete plist sample (<plist>...</plist>) in this powermetrics log");
    expect_error("e7.plist", "<plist>\n<dict>\n<key>processor</key><dict><key>cpu_power</key><real>5</real></dict>\n</dict>\n</plist>\n",
                 ":5: sample without a positive elapsed_ns");
    expect_error("e8.plist", "<plist>\n</dict>\n", ":2: closing tag without its opening tag");
    expect_error("e9.plist", "<plist>\n<dict>\n</plist>\n", ":3: </plist> inside an open dict or array");
    expect_error("e10.plist", "<plist>\n<dict\n", ":2: unclosed '<'");
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/pt_pm_XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_text();
    test_intel_text();
    test_plist();
    test_errors();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return pt_test_finish("test_powermetrics");
}
