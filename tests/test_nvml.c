/* test_nvml.c -- the NVML source against the scripted fake library
 * (tests/fake_nvml.c): discovery, readings, GPU selection, unavailability,
 * failing devices; and the meter's windows over an NVML GPU with a fake clock. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "meter/source.h"
#include "test.h"

static char tmpdir[64];
static char ctl[128];
static const char *fake_lib;
static const char *old_lib;
static int (*init_refs)(void);

#define UUID0 "GPU-11111111-aaaa-bbbb-cccc-000000000000"
#define UUID1 "GPU-22222222-aaaa-bbbb-cccc-000000000001"
#define UUID2 "GPU-22223333-aaaa-bbbb-cccc-000000000002"

/* Three GPUs: two A100 with counters, a P100 without. */
static const char *const three_gpus =
    "# three GPUs\n"
    "gpu NVIDIA_A100-SXM4-40GB " UUID0 " 00000000:3B:00.0 250000 1000000 limit=400000\n"
    "\n"
    "gpu NVIDIA_A100-SXM4-40GB " UUID1 " 00000000:5E:00.0 100500 2000500\n"
    "gpu Tesla_P100-PCIE-16GB " UUID2 " 00000000:AF:00.0 50000 none limit=none\n";

static void write_ctl(const char *text) {
    FILE *f = fopen(ctl, "w");
    if (!f) {
        perror(ctl);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* A clean environment: the fake library, no GPU lists. */
static void reset_env(void) {
    setenv("POWERTRAIN_NVML_LIBRARY", fake_lib, 1);
    setenv("FAKE_NVML_CONTROL", ctl, 1);
    unsetenv("SLURM_STEP_GPUS");
    unsetenv("SLURM_JOB_GPUS");
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("CUDA_DEVICE_ORDER");
    write_ctl(three_gpus);
}

static int open_src(const char *gpus, pt_source **src, char *why, size_t whylen) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.gpus = gpus;
    *src = NULL;
    why[0] = '\0';
    int rc = pt_nvml_open(&cfg, NULL, src, why, whylen);
    if (rc != 0) {
        CHECK(*src == NULL);
        CHECK(why[0] != '\0');
        CHECK(init_refs() == 0); /* a failed open leaves NVML shut down */
    }
    return rc;
}

static void close_src(pt_source *src) {
    if (src) src->ops->close(src);
    CHECK(init_refs() == 0);
}

/* "gpu-0,gpu-2" from the components of src. */
static const char *names(const pt_source *src) {
    static char buf[256];
    buf[0] = '\0';
    for (int i = 0; src && i < src->ncomp; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, src->comp[i].name);
    }
    return buf;
}

/* Opens with gpus (or the environment when NULL); expects success and returns
 * the component names; fills note with comp[0].note. */
static const char *selected(const char *gpus, char *note, size_t notelen) {
    static char buf[400];
    pt_source *src;
    char why[320];
    int rc = open_src(gpus, &src, why, sizeof why);
    if (rc != 0) {
        snprintf(buf, sizeof buf, "rc=%d: %s", rc, why);
        return buf;
    }
    snprintf(buf, sizeof buf, "%s", names(src));
    if (note) snprintf(note, notelen, "%s", src->comp[0].note);
    close_src(src);
    return buf;
}

static void test_discovery(void) {
    reset_env();
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    CHECK_STR(src->ops->name, "nvml");
    CHECK(src->ncomp == 3);
    CHECK_STR(names(src), "gpu-0,gpu-1,gpu-2");
    const char *uuids[] = {UUID0, UUID1, UUID2};
    const char *bus[] = {"00000000:3B:00.0", "00000000:5E:00.0", "00000000:AF:00.0"};
    const double limit[] = {400, 300, 0};
    for (int i = 0; i < src->ncomp && i < 3; i++) {
        const pt_meter_component *c = &src->comp[i];
        CHECK_STR(c->source, "nvml");
        CHECK(c->kind == PT_KIND_GPU);
        CHECK_STR(c->id, uuids[i]);
        CHECK_STR(c->bus_id, bus[i]);
        CHECK_NEAR(c->power_limit_w, limit[i], 0, 1e-12);
        CHECK(c->billed == 1);
        CHECK(c->wrap_j == 0);
        CHECK(src->has_power[i] == 1);
        CHECK_CONTAINS(c->note, "all GPUs");
    }
    CHECK_STR(src->comp[0].model, "NVIDIA A100-SXM4-40GB");
    CHECK_STR(src->comp[2].model, "Tesla P100-PCIE-16GB");
    CHECK(src->comp[0].has_counter == 1 && src->comp[0].method == PT_METHOD_COUNTER);
    CHECK(src->comp[1].has_counter == 1 && src->comp[1].method == PT_METHOD_COUNTER);
    CHECK(src->comp[2].has_counter == 0 && src->comp[2].method == PT_METHOD_EQ1);
    close_src(src);
}

static void test_readings(void) {
    reset_env();
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    pt_reading r[3];
    memset(r, 0, sizeof r);
    CHECK(src->ops->read(src, 0.0, 1, r) == 0);
    CHECK(r[0].ok && r[1].ok && r[2].ok);
    CHECK(r[0].energy_j == 1000.0);
    CHECK(r[0].power_w == 250.0);
    CHECK(r[1].energy_j == 2000.5);
    CHECK(r[1].power_w == 100.5);
    CHECK(r[2].power_w == 50.0);

    /* The fake re-reads its control file: new values on the next read, also
     * on a mark read (regular = 0). */
    write_ctl("gpu NVIDIA_A100-SXM4-40GB " UUID0 " 00000000:3B:00.0 251000 1250001\n"
              "gpu NVIDIA_A100-SXM4-40GB " UUID1 " 00000000:5E:00.0 99000 18446744073709551\n"
              "gpu Tesla_P100-PCIE-16GB " UUID2 " 00000000:AF:00.0 0 none\n");
    CHECK(src->ops->read(src, 1.0, 0, r) == 0);
    CHECK(r[0].ok && r[1].ok && r[2].ok);
    CHECK(r[0].energy_j == 1250.001);
    CHECK(r[0].power_w == 251.0);
    CHECK(r[1].energy_j == 18446744073709551.0 / 1000.0); /* beyond 32 bits */
    CHECK(r[1].power_w == 99.0);
    CHECK(r[2].power_w == 0.0);
    close_src(src);
}

static void test_cuda_visible_devices(void) {
    char note[PT_METER_TEXT_MAX];
    reset_env();
    setenv("CUDA_VISIBLE_DEVICES", "1", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-1");
    CHECK_CONTAINS(note, "selected by CUDA_VISIBLE_DEVICES");
    CHECK_CONTAINS(note, "CUDA_DEVICE_ORDER=PCI_BUS_ID");

    setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-1");
    CHECK(strstr(note, "assume") == NULL);
    unsetenv("CUDA_DEVICE_ORDER");

    setenv("CUDA_VISIBLE_DEVICES", "2, 0", 1); /* components in NVML order */
    CHECK_STR(selected(NULL, NULL, 0), "gpu-0,gpu-2");

    /* Like CUDA, an item that matches nothing ends the list. */
    setenv("CUDA_VISIBLE_DEVICES", "0,7,1", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-0");
    CHECK_CONTAINS(note, "'7'");

    /* UUIDs, full or a unique prefix, and mixed with indices. */
    setenv("CUDA_VISIBLE_DEVICES", UUID2, 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-2");
    CHECK(strstr(note, "assume") == NULL);
    setenv("CUDA_VISIBLE_DEVICES", "GPU-22223", 1);
    CHECK_STR(selected(NULL, NULL, 0), "gpu-2");
    setenv("CUDA_VISIBLE_DEVICES", "GPU-1,2", 1);
    CHECK_STR(selected(NULL, NULL, 0), "gpu-0,gpu-2");

    pt_source *src;
    char why[320];
    /* An ambiguous prefix matches nothing, so no GPU is left. */
    setenv("CUDA_VISIBLE_DEVICES", "GPU-2222", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "no GPU selected");

    setenv("CUDA_VISIBLE_DEVICES", "", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_STR(why, "no GPU selected: CUDA_VISIBLE_DEVICES is empty");

    setenv("CUDA_VISIBLE_DEVICES", "NoDevFiles", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "NoDevFiles");

    setenv("CUDA_VISIBLE_DEVICES", "-1", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "CUDA_VISIBLE_DEVICES='-1' matches none of the 3 GPUs");

    setenv("CUDA_VISIBLE_DEVICES", "MIG-0b1c2d3e-aaaa-bbbb-cccc-000000000000", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "MIG");
}

static void test_slurm(void) {
    char note[PT_METER_TEXT_MAX];
    reset_env();
    /* SLURM's physical indices win over CUDA_VISIBLE_DEVICES (which SLURM
     * renumbers from 0 inside a job). */
    setenv("CUDA_VISIBLE_DEVICES", "0", 1);
    setenv("SLURM_JOB_GPUS", "2", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-2");
    CHECK_CONTAINS(note, "selected by SLURM_JOB_GPUS");

    setenv("SLURM_STEP_GPUS", "0", 1);
    setenv("SLURM_JOB_GPUS", "1,2", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-0");
    CHECK_CONTAINS(note, "selected by SLURM_STEP_GPUS");
    unsetenv("SLURM_STEP_GPUS");

    setenv("SLURM_JOB_GPUS", "0-1", 1);
    CHECK_STR(selected(NULL, NULL, 0), "gpu-0,gpu-1");

    /* Items that match nothing are skipped (not an error) and noted. */
    setenv("SLURM_JOB_GPUS", "9,1", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-1");
    CHECK_CONTAINS(note, "'9'");

    /* An empty SLURM list falls through to CUDA_VISIBLE_DEVICES. */
    setenv("SLURM_JOB_GPUS", "", 1);
    CHECK_STR(selected(NULL, note, sizeof note), "gpu-0");
    CHECK_CONTAINS(note, "CUDA_VISIBLE_DEVICES");

    pt_source *src;
    char why[320];
    setenv("SLURM_JOB_GPUS", "5", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "SLURM_JOB_GPUS");
}

static void test_gpus_flag(void) {
    char note[PT_METER_TEXT_MAX];
    reset_env();
    setenv("CUDA_VISIBLE_DEVICES", "1", 1); /* --gpus wins over the environment */
    setenv("SLURM_JOB_GPUS", "1", 1);
    CHECK_STR(selected("all", note, sizeof note), "gpu-0,gpu-1,gpu-2");
    CHECK_CONTAINS(note, "--gpus=all");
    CHECK_STR(selected("ALL", NULL, 0), "gpu-0,gpu-1,gpu-2");
    CHECK_STR(selected("2", note, sizeof note), "gpu-2");
    CHECK_CONTAINS(note, "--gpus");
    CHECK_STR(selected(UUID0, NULL, 0), "gpu-0");
    CHECK_STR(selected("GPU-22223", NULL, 0), "gpu-2");
    CHECK_STR(selected("gpu-22222222-AAAA", NULL, 0), "gpu-1"); /* case-insensitive */
    CHECK_STR(selected("0000:5e:00.0", NULL, 0), "gpu-1");    /* short domain */
    CHECK_STR(selected("00000000:AF:00.0", NULL, 0), "gpu-2");
    CHECK_STR(selected("3b:00.0", NULL, 0), "gpu-0");         /* no domain */
    CHECK_STR(selected(" 0 , 0,2", NULL, 0), "gpu-0,gpu-2"); /* duplicates once */

    struct {
        const char *gpus, *why;
    } bad[] = {
        {"7", "--gpus: no GPU matches '7'"},
        {"banana", "--gpus: no GPU matches 'banana'"},
        {"0,x", "--gpus: no GPU matches 'x'"},
        {"0,,1", "--gpus: no GPU matches ''"},
        {"-1", "--gpus: no GPU matches '-1'"},
        {"0001:3B:00.0", "--gpus: no GPU matches '0001:3B:00.0'"},
        {"GPU-2222", "--gpus: 'GPU-2222' matches more than one GPU"},
        {"GPU-", "--gpus: no GPU matches 'GPU-'"},
        {"", "--gpus: empty list"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pt_source *src;
        char why[320];
        CHECK(open_src(bad[i].gpus, &src, why, sizeof why) == -2);
        CHECK_CONTAINS(why, bad[i].why);
    }
}

static void test_unavailable(void) {
    pt_source *src;
    char why[320];

    reset_env();
    setenv("POWERTRAIN_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "/nonexistent/libnvidia-ml.so.1");

    /* A library that is not NVML. */
    setenv("POWERTRAIN_NVML_LIBRARY", "libm.so.6", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "lacks nvmlInit_v2");

    reset_env();
    write_ctl("init_fail\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "nvmlInit failed: Driver Not Loaded");
    write_ctl("init_fail 999\n" "gpu A " UUID0 " 00000000:3B:00.0 1 1\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "Unknown Error");

    unsetenv("FAKE_NVML_CONTROL"); /* the fake's "driver" is absent */
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "nvmlInit failed");

    reset_env();
    write_ctl("# a machine with the driver but no GPU\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "no GPU");
    /* --gpus naming a GPU on such a machine: unavailable, not a config error. */
    CHECK(open_src("0", &src, why, sizeof why) == -1);
}

/* A driver without nvmlDeviceGetTotalEnergyConsumption: power sampling only. */
static void test_old_driver(void) {
    reset_env();
    setenv("POWERTRAIN_NVML_LIBRARY", old_lib, 1);
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    CHECK(src->ncomp == 3);
    pt_reading r[3];
    CHECK(src->ops->read(src, 0.0, 1, r) == 0);
    for (int i = 0; i < src->ncomp; i++) {
        CHECK(src->comp[i].has_counter == 0);
        CHECK(src->comp[i].method == PT_METHOD_EQ1);
        CHECK(src->has_power[i] == 1);
        CHECK(r[i].ok == 1);
    }
    CHECK(r[1].power_w == 100.5);
    src->ops->close(src);
    CHECK(init_refs() == 0);
}

/* A GPU that reports a counter but no power: the core derives power from the
 * counter (has_power 0). Without either, reads fail (ok 0). */
static void test_no_power(void) {
    reset_env();
    write_ctl("gpu A " UUID0 " 00000000:3B:00.0 0 5000 nopower\n"
              "gpu B " UUID1 " 00000000:5E:00.0 0 none nopower\n");
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    CHECK(src->has_power[0] == 0 && src->comp[0].has_counter == 1);
    CHECK(src->has_power[1] == 1 && src->comp[1].has_counter == 0);
    pt_reading r[2];
    CHECK(src->ops->read(src, 0.0, 1, r) == 0);
    CHECK(r[0].ok == 1 && r[0].energy_j == 5.0);
    CHECK(r[1].ok == 0);
    close_src(src);
}

static void test_failing_device(void) {
    reset_env();
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    pt_reading r[3];
    /* gpu-1 fails mid-run: only its reading is lost. */
    write_ctl("gpu NVIDIA_A100-SXM4-40GB " UUID0 " 00000000:3B:00.0 250000 1000000\n"
              "gpu NVIDIA_A100-SXM4-40GB " UUID1 " 00000000:5E:00.0 100500 2000500 fail\n"
              "gpu Tesla_P100-PCIE-16GB " UUID2 " 00000000:AF:00.0 50000 none\n");
    CHECK(src->ops->read(src, 1.0, 1, r) == 0);
    CHECK(r[0].ok == 1 && r[1].ok == 0 && r[2].ok == 1);
    CHECK(r[0].energy_j == 1000.0);
    /* The GPUs fall off the bus: the whole source fails. */
    write_ctl("gpu NVIDIA_A100-SXM4-40GB " UUID0 " 00000000:3B:00.0 250000 1000000 fail\n");
    CHECK(src->ops->read(src, 2.0, 1, r) == -1);
    CHECK(r[0].ok == 0 && r[1].ok == 0 && r[2].ok == 0);
    /* And come back. */
    write_ctl(three_gpus);
    CHECK(src->ops->read(src, 3.0, 0, r) == 0);
    CHECK(r[0].ok == 1 && r[1].ok == 1 && r[2].ok == 1);
    close_src(src);

    /* A GPU that fails at open is left out of the default selection, and
     * naming it in --gpus is an error. */
    write_ctl("gpu A " UUID0 " 00000000:3B:00.0 1 1\n"
              "gpu B " UUID1 " 00000000:5E:00.0 1 1 fail\n"
              "gpu C " UUID2 " 00000000:AF:00.0 1 1\n");
    CHECK_STR(selected(NULL, NULL, 0), "gpu-0,gpu-2");
    CHECK(open_src("1", &src, why, sizeof why) == -2);
    CHECK_CONTAINS(why, "GPU 1 cannot be opened");
    CHECK(open_src(UUID1, &src, why, sizeof why) == -2);
    setenv("CUDA_VISIBLE_DEVICES", "1,2", 1); /* CUDA could not use it either */
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
}

/* Several sources open at once (NVML counts inits). */
static void test_two_opens(void) {
    reset_env();
    pt_source *a, *b;
    char why[320];
    CHECK(open_src("0", &a, why, sizeof why) == 0);
    CHECK(open_src("1", &b, why, sizeof why) == 0);
    CHECK(init_refs() == 2);
    if (a) a->ops->close(a);
    pt_reading r[1];
    if (b) {
        CHECK(b->ops->read(b, 0.0, 1, r) == 0 && r[0].ok == 1);
        CHECK(r[0].energy_j == 2000.5);
    }
    close_src(b);
}

/* ---- through the meter core, with a fake clock ------------------------- */

static double fake_now;
static double fake_clock(void *ctx) {
    (void)ctx;
    return fake_now;
}

static char warnings[2048];
static void collect_warning(void *ctx, const char *message) {
    (void)ctx;
    size_t n = strlen(warnings);
    snprintf(warnings + n, sizeof warnings - n, "%s\n", message);
}

/* A meter over the NVML source only, no sampler thread, time at t = 0. */
static pt_meter *open_meter(void) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.sources = PT_SOURCE_NVML;
    cfg.interval_ms = 0;
    cfg.warn = collect_warning;
    warnings[0] = '\0';
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "pt_meter_open: %s\n", pt_meter_last_error());
        return NULL;
    }
    fake_now = 100.0; /* any origin: the meter's clock starts at pt_meter_start */
    CHECK(pt_meter_set_clock(m, fake_clock, NULL) == 0);
    return m;
}

/* Writes one line per GPU: "gpu G<i> <uuid> <bus> <mW> <energy>". */
static void write_gpus(int n, const char *const *power_mw, const char *const *energy) {
    static const char *const uuid[] = {UUID0, UUID1, UUID2};
    static const char *const bus[] = {"00000000:3B:00.0", "00000000:5E:00.0", "00000000:AF:00.0"};
    char text[1024] = "";
    for (int i = 0; i < n && i < 3; i++) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "gpu G%d %s %s %s %s\n", i, uuid[i], bus[i],
                 power_mw[i], energy[i]);
    }
    write_ctl(text);
}

/* 250 W on average over 3 s with an energy counter: the counter difference
 * and Equation (1) both give 750 J. */
static void test_meter_counter(void) {
    reset_env();
    write_gpus(1, (const char *[]){"250000"}, (const char *[]){"1000000"});
    pt_meter *m = open_meter();
    if (!m) return;
    CHECK(pt_meter_component_count(m) == 1);
    pt_meter_component ci;
    CHECK(pt_meter_component_info(m, 0, &ci) == 0);
    CHECK_STR(ci.name, "gpu-0");
    CHECK(ci.method == PT_METHOD_COUNTER && ci.has_counter == 1);
    int nvml_listed = 0;
    for (int i = 0; i < pt_meter_source_count(m); i++) {
        pt_meter_source si;
        CHECK(pt_meter_source_info(m, i, &si) == 0);
        if (strcmp(si.name, "nvml") == 0) {
            nvml_listed = 1;
            CHECK(si.available == 1);
            CHECK_CONTAINS(si.status, "ok");
        }
    }
    CHECK(nvml_listed);

    fake_now = 100.0;
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "epoch 1");
    CHECK(w >= 0);
    const char *power[] = {"200000", "250000", "300000"};
    const char *energy[] = {"1200000", "1450000", "1750000"};
    for (int s = 0; s < 3; s++) {
        fake_now = 101.0 + s;
        write_gpus(1, &power[s], &energy[s]);
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);

    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    CHECK(e.method == PT_METHOD_COUNTER);
    CHECK(e.counter_j == 750.0);
    CHECK_NEAR(e.eq1_j, 750.0, 1e-12, 0);
    CHECK(e.energy_j == 750.0);
    CHECK(e.samples == 3);
    CHECK_NEAR(e.mean_w, 250.0, 1e-12, 0);
    CHECK(e.peak_w == 300.0);
    CHECK(e.degraded == 0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK_STR(win.label, "epoch 1");
    CHECK(win.open == 0);
    CHECK_NEAR(win.start_s, 0.0, 0, 1e-12);
    CHECK_NEAR(win.end_s, 3.0, 0, 1e-12);
    CHECK(win.energy_j == 750.0);
    CHECK(win.method == PT_METHOD_COUNTER);
    CHECK(win.degraded == 0);
    CHECK(win.short_window == 0);
    CHECK(warnings[0] == '\0');
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

/* A GPU without an energy counter: Equation (1) from the sampled power. */
static void test_meter_eq1(void) {
    reset_env();
    write_gpus(1, (const char *[]){"100000"}, (const char *[]){"none"});
    pt_meter *m = open_meter();
    if (!m) return;
    pt_meter_component ci;
    CHECK(pt_meter_component_info(m, 0, &ci) == 0);
    CHECK(ci.method == PT_METHOD_EQ1 && ci.has_counter == 0);
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "eq1");
    const char *power[] = {"100000", "200000", "300000"};
    const char *none[] = {"none"};
    for (int s = 0; s < 3; s++) {
        fake_now = 101.0 + s;
        write_gpus(1, &power[s], none);
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    CHECK(e.method == PT_METHOD_EQ1);
    CHECK(isnan(e.counter_j));
    CHECK_NEAR(e.mean_w, 200.0, 1e-12, 0);
    CHECK_NEAR(e.eq1_j, 600.0, 1e-12, 0);
    CHECK_NEAR(e.energy_j, 600.0, 1e-12, 0);
    CHECK(e.samples == 3);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(win.method == PT_METHOD_EQ1);
    CHECK_NEAR(win.energy_j, 600.0, 1e-12, 0);
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

/* gpu-0 fails for one sample mid-window and comes back with its counter
 * reset (a driver reload); gpu-1 keeps working. The window is degraded, only
 * gpu-0's figures are, and nothing is negative. */
static void test_meter_degraded(void) {
    reset_env();
    const char *power[] = {"200000", "100000"};
    write_gpus(2, power, (const char *[]){"1000000", "5000000"});
    pt_meter *m = open_meter();
    if (!m) return;
    CHECK(pt_meter_component_count(m) == 2);
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "flaky");
    const char *energy[3][2] = {{"1200000", "5100000"},
                                {"1400000 fail", "5200000"},
                                {"50000", "5300000"}};
    for (int s = 0; s < 3; s++) {
        fake_now = 101.0 + s;
        write_gpus(2, power, energy[s]);
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_energy e0, e1;
    CHECK(pt_meter_window_component(m, w, 0, &e0) == 0);
    CHECK(pt_meter_window_component(m, w, 1, &e1) == 0);
    CHECK(e0.degraded == 1);
    CHECK(e1.degraded == 0);
    CHECK(e0.counter_j >= 0 && e0.eq1_j >= 0 && e0.energy_j >= 0);
    CHECK(e0.counter_j <= 400.0); /* never more than it really drew */
    CHECK(e1.counter_j == 300.0);
    CHECK_NEAR(e1.eq1_j, 300.0, 1e-12, 0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(win.degraded == 1);
    CHECK(win.energy_j >= 300.0);
    CHECK_CONTAINS(warnings, "gpu-0");
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

/* The fake's "ramp" mode in real time, as end-to-end tests use it: a steady
 * 300 W GPU over about 0.2 s. */
static void test_meter_ramp(void) {
    reset_env();
    write_ctl("gpu NVIDIA_H100 " UUID0 " 00000000:3B:00.0 300000 ramp\n");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.sources = PT_SOURCE_NVML;
    cfg.interval_ms = 0;
    cfg.warn = collect_warning; /* a 2-sample window may be called short */
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "ramp");
    usleep(100000);
    CHECK(pt_meter_sample(m) == 0);
    usleep(100000);
    CHECK(pt_meter_sample(m) == 0);
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_window win;
    pt_meter_energy e;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    double dur = win.end_s - win.start_s;
    CHECK(dur >= 0.19);
    CHECK_NEAR(e.counter_j, 300.0 * dur, 0.02, 0.01);
    CHECK_NEAR(e.eq1_j, 300.0 * dur, 1e-9, 0);
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

static void remove_tmp(void) {
    unlink(ctl);
    rmdir(tmpdir);
}

/* Job energy on a GPU (issue 18): alone on it, the whole GPU is the job's;
 * with a foreign process (pid 1, outside this process's tree) the job gets
 * its share of the per-process SM utilisation, flagged gpu-share. 300 W for
 * 2 s per window: 600 J; shared 60:20, the job's 3/4 is 450 J. */
static void test_meter_gpu_share(void) {
    reset_env();
    char line[256];
    snprintf(line, sizeof line, "gpu G0 " UUID0 " 00000000:3B:00.0 300000 1000000 procs=self:50\n");
    write_ctl(line);
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.sources = PT_SOURCE_NVML;
    cfg.interval_ms = 0;
    cfg.attribute_pid = (int)getpid();
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) return;
    fake_now = 100.0;
    CHECK(pt_meter_set_clock(m, fake_clock, NULL) == 0);
    CHECK(pt_meter_start(m) == 0);
    unsigned long long mj = 1000000;
    int w[2];
    for (int phase = 0; phase < 2; phase++) {
        const char *procs = phase ? "procs=self:60,1:20" : "procs=self:50";
        w[phase] = pt_meter_window_begin(m, phase ? "shared" : "alone");
        for (int s = 0; s < 2; s++) {
            fake_now += 1.0;
            mj += 300000;
            snprintf(line, sizeof line, "gpu G0 " UUID0 " 00000000:3B:00.0 300000 %llu %s\n", mj, procs);
            write_ctl(line);
            CHECK(pt_meter_sample(m) == 0);
        }
        CHECK(pt_meter_window_end(m, w[phase]) == 0);
    }
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w[0], 0, &e) == 0);
    CHECK(e.machine_j == 600.0 && e.job_j == 600.0);
    CHECK(e.attribution == PT_ATTR_WHOLE && e.gpu_shared == 0);
    CHECK(pt_meter_window_component(m, w[1], 0, &e) == 0);
    CHECK(e.machine_j == 600.0);
    CHECK_NEAR(e.job_j, 450.0, 1e-9, 0);
    CHECK(e.attribution == PT_ATTR_GPU_SHARE && e.gpu_shared == 1);
    CHECK_STR(pt_meter_attribution_name(e.attribution), "gpu-share");
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w[1], &win) == 0);
    CHECK(win.gpu_shared == 1 && win.attribution == PT_ATTR_GPU_SHARE);
    CHECK_NEAR(win.job_j, 450.0, 1e-9, 0);
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

int main(void) {
    fake_lib = getenv("POWERTRAIN_NVML_LIBRARY");
    old_lib = getenv("FAKE_NVML_OLD_LIBRARY");
    if (!fake_lib || !old_lib) {
        fprintf(stderr, "test_nvml: run through ctest (POWERTRAIN_NVML_LIBRARY and "
                        "FAKE_NVML_OLD_LIBRARY name the fake libraries)\n");
        return 1;
    }
    void *dl = dlopen(fake_lib, RTLD_NOW);
    void *sym = dl ? dlsym(dl, "fake_nvml_init_refs") : NULL;
    if (!sym) {
        fprintf(stderr, "test_nvml: cannot load %s: %s\n", fake_lib, dlerror());
        return 1;
    }
    memcpy(&init_refs, &sym, sizeof init_refs);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_nvml_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(ctl, sizeof ctl, "%s/control", tmpdir);

    test_discovery();
    test_readings();
    test_cuda_visible_devices();
    test_slurm();
    test_gpus_flag();
    test_unavailable();
    test_meter_gpu_share();
    test_old_driver();
    test_no_power();
    test_failing_device();
    test_two_opens();
    test_meter_counter();
    test_meter_eq1();
    test_meter_degraded();
    test_meter_ramp();

    remove_tmp();
    dlclose(dl);
    return pt_test_finish("test_nvml");
}
