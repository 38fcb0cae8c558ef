/* test_amdsmi.c -- the AMD SMI source against the scripted fake library
 * (tests/fake_amdsmi.c): discovery of two GPUs on two sockets, the GPU the
 * job can see (ROCR_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES, SLURM, --gpus),
 * "unavailable" with its reason, and the meter over a counter that wraps at
 * 2^32 ticks with one of the two GPUs billed. */
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
static int (*init_refs)(void);

#define UUID0 "aa000000-0000-0000-0000-000000000000"
#define UUID1 "bb111111-0000-0000-0000-000000000001"
/* the library reports the resolution as a float */
#define RES_J ((double)15.3f * 1e-6)

static void write_ctl(const char *text) {
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", ctl);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    if (rename(tmp, ctl) != 0) perror(ctl);
}

/* Two MI250X, one per socket; the second's accumulator near 2^32 ticks. */
static void write_two(unsigned long long t0, unsigned long long t1) {
    char text[512];
    snprintf(text, sizeof text,
             "gpu AMD_Instinct_MI250X " UUID0 " 0000:c1:00.0 %llu 15.3\n"
             "socket\n"
             "gpu AMD_Instinct_MI250X " UUID1 " 0000:d1:00.0 %llu 15.3\n",
             t0, t1);
    write_ctl(text);
}

static void reset_env(void) {
    setenv("POWERTRAIN_AMDSMI_LIBRARY", fake_lib, 1);
    setenv("FAKE_AMDSMI_CONTROL", ctl, 1);
    unsetenv("SLURM_STEP_GPUS");
    unsetenv("SLURM_JOB_GPUS");
    unsetenv("ROCR_VISIBLE_DEVICES");
    unsetenv("HIP_VISIBLE_DEVICES");
    write_two(1000, 4294967000ull);
}

static int open_src(const char *gpus, pt_source **src, char *why, size_t whylen) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.gpus = gpus;
    *src = NULL;
    why[0] = '\0';
    int rc = pt_amdsmi_open(&cfg, NULL, src, why, whylen);
    if (rc != 0) {
        CHECK(*src == NULL);
        CHECK(why[0] != '\0');
        CHECK(init_refs() == 0); /* a failed open shuts AMD SMI down */
    }
    return rc;
}

static void close_src(pt_source *src) {
    if (src) src->ops->close(src);
    CHECK(init_refs() == 0);
}

/* "amdgpu-0,amdgpu-1" from the components of src. */
static const char *names(const pt_source *src) {
    static char buf[256];
    buf[0] = '\0';
    for (int i = 0; src && i < src->ncomp; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, src->comp[i].name);
    }
    return buf;
}

static void test_discovery(void) {
    reset_env();
    pt_source *src;
    char why[320];
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (!src) return;
    CHECK_STR(names(src), "amdgpu-0,amdgpu-1");
    const pt_meter_component *c = &src->comp[1];
    CHECK_STR(c->source, "amdsmi");
    CHECK_STR(c->model, "AMD Instinct MI250X");
    CHECK_STR(c->id, UUID1);
    CHECK_STR(c->bus_id, "0000:d1:00.0");
    CHECK(c->kind == PT_KIND_GPU && c->billed && c->has_counter && c->method == PT_METHOD_COUNTER);
    CHECK(src->has_power[1] == 0); /* power comes from the counter's differences */
    CHECK_NEAR(c->wrap_j, 4294967296.0 * RES_J, 1e-6, 0);
    CHECK_CONTAINS(c->note, "counter resolution 15.3 uJ");
    CHECK_CONTAINS(c->note, "all GPUs");
    pt_reading r[2];
    CHECK(src->ops->read(src, 0, 1, r) == 0);
    CHECK(r[0].ok && r[1].ok);
    CHECK_NEAR(r[0].energy_j, 1000 * RES_J, 1e-6, 0);
    CHECK_NEAR(r[1].energy_j, 4294967000.0 * RES_J, 1e-9, 0);
    close_src(src);

    /* A 64-bit accumulator already past 2^32 ticks has no wrap range. */
    write_two(1ull << 40, 5);
    CHECK(open_src(NULL, &src, why, sizeof why) == 0);
    if (src) CHECK(src->comp[0].wrap_j == 0 && src->comp[1].wrap_j > 0);
    close_src(src);
}

/* The billed set of one environment, as "amdgpu-..." names, or "why: ..." */
static const char *billed(const char *gpus) {
    static char out[400];
    pt_source *src;
    char why[320];
    int rc = open_src(gpus, &src, why, sizeof why);
    if (rc != 0) snprintf(out, sizeof out, "%s: %s", rc == -2 ? "error" : "why", why);
    else snprintf(out, sizeof out, "%s", names(src));
    close_src(src);
    return out;
}

static void test_selection(void) {
    reset_env();
    setenv("ROCR_VISIBLE_DEVICES", "1", 1);
    CHECK_STR(billed(NULL), "amdgpu-1");
    setenv("ROCR_VISIBLE_DEVICES", "GPU-" UUID1, 1); /* UUIDs, with or without "GPU-" */
    CHECK_STR(billed(NULL), "amdgpu-1");
    setenv("ROCR_VISIBLE_DEVICES", "1,0", 1);
    setenv("HIP_VISIBLE_DEVICES", "0", 1); /* HIP indexes into what ROCR left */
    CHECK_STR(billed(NULL), "amdgpu-1");
    unsetenv("ROCR_VISIBLE_DEVICES");
    CHECK_STR(billed(NULL), "amdgpu-0");
    setenv("HIP_VISIBLE_DEVICES", "7", 1);
    CHECK_STR(billed(NULL), "why: no GPU selected: HIP_VISIBLE_DEVICES='7': '7' matches none of the visible GPUs");
    setenv("HIP_VISIBLE_DEVICES", "", 1);
    CHECK_STR(billed(NULL), "why: no GPU selected: HIP_VISIBLE_DEVICES is empty");
    unsetenv("HIP_VISIBLE_DEVICES");
    setenv("SLURM_JOB_GPUS", "1", 1); /* SLURM's physical indices win */
    setenv("ROCR_VISIBLE_DEVICES", "0", 1);
    CHECK_STR(billed(NULL), "amdgpu-1");
    unsetenv("SLURM_JOB_GPUS");
    CHECK_STR(billed("all"), "amdgpu-0,amdgpu-1"); /* --gpus wins over everything */
    CHECK_STR(billed("d1:00.0"), "amdgpu-1");
    CHECK_STR(billed("0000:c1:00.0,1"), "amdgpu-0,amdgpu-1");
    /* an item that is no AMD GPU may be an NVIDIA one: unavailable, not an error */
    CHECK_STR(billed("5"), "why: no GPU selected: --gpus '5' matches none of the 2 AMD GPUs");
    CHECK_STR(billed("GPU-8c3f9a2e-0000-0000-0000-000000000000"),
              "why: no GPU selected: --gpus 'GPU-8c3f9a2e-0000-0000-0000-000000000000' matches none of the 2 AMD GPUs");
}

static void test_unavailable(void) {
    pt_source *src;
    char why[320];
    reset_env();
    unsetenv("POWERTRAIN_AMDSMI_LIBRARY");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_STR(why, "libamd_smi.so not found (no ROCm AMD SMI; also tried /opt/rocm/lib/libamd_smi.so)");
    setenv("POWERTRAIN_AMDSMI_LIBRARY", "/nonexistent/libamd_smi.so", 1);
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "cannot load POWERTRAIN_AMDSMI_LIBRARY=/nonexistent/libamd_smi.so");
    reset_env();
    write_ctl("init_fail 8\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_STR(why, "amdsmi_init failed (AMD SMI status 8: amdgpu driver not loaded?)");
    write_ctl("# no GPU\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_STR(why, "AMD SMI reports no AMD GPU");
    write_ctl("gpu X " UUID0 " 0000:c1:00.0 5 15.3 nocounter\n");
    CHECK(open_src(NULL, &src, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "GPU 0 has no readable energy counter");

    /* Through the meter: listed, unavailable, with the reason. */
    unsetenv("POWERTRAIN_AMDSMI_LIBRARY");
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 0;
    cfg.sources = PT_SOURCE_AMDSMI | PT_SOURCE_ESTIMATE;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    int listed = 0;
    for (int i = 0; m && i < pt_meter_source_count(m); i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        if (strcmp(s.name, "amdsmi") != 0) continue;
        listed = 1;
        CHECK(!s.available);
        CHECK_CONTAINS(s.status, "unavailable: libamd_smi.so not found");
    }
    CHECK(listed);
    pt_meter_close(m);
}

static double fake_now;
static double fake_clock(void *ctx) {
    (void)ctx;
    return fake_now;
}

/* Two GPUs, the job sees the second (ROCR_VISIBLE_DEVICES=1), whose
 * accumulator wraps at 2^32 ticks between samples: the window holds exactly
 * the ticks it counted, and only that GPU is billed. */
static void test_meter_wrap(void) {
    reset_env();
    setenv("ROCR_VISIBLE_DEVICES", "1", 1);
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.sources = PT_SOURCE_AMDSMI;
    cfg.interval_ms = 0;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(pt_meter_component_count(m) == 1);
    pt_meter_component ci;
    CHECK(pt_meter_component_info(m, 0, &ci) == 0);
    CHECK_STR(ci.name, "amdgpu-1");
    fake_now = 50.0;
    CHECK(pt_meter_set_clock(m, fake_clock, NULL) == 0);
    CHECK(pt_meter_start(m) == 0);
    int w = pt_meter_window_begin(m, "epoch 1");
    /* 2^32 - 296 ticks, then +10,000,000 ticks per second: wraps in the first second */
    const unsigned long long base = 4294967000ull, step = 10000000ull, wrap = 1ull << 32;
    for (int s = 1; s <= 3; s++) {
        fake_now = 50.0 + s;
        write_two(1000 + 99999999ull * (unsigned)s, (base + step * (unsigned)s) % wrap);
        CHECK(pt_meter_sample(m) == 0);
    }
    CHECK(pt_meter_window_end(m, w) == 0);
    pt_meter_energy e;
    CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
    double want = 3.0 * step * RES_J; /* 459 J over 3 s */
    CHECK(e.method == PT_METHOD_COUNTER);
    CHECK_NEAR(e.counter_j, want, 1e-9, 0);
    CHECK_NEAR(e.energy_j, want, 1e-9, 0);
    CHECK_NEAR(e.mean_w, want / 3.0, 1e-9, 0); /* power from the counter's differences */
    CHECK(e.degraded == 0);
    pt_meter_window win;
    CHECK(pt_meter_window_read(m, w, &win) == 0);
    CHECK_NEAR(win.energy_j, want, 1e-9, 0); /* GPU 0's 4.5 kJ/s are not billed */
    pt_meter_close(m);
    CHECK(init_refs() == 0);
}

int main(void) {
    fake_lib = getenv("POWERTRAIN_AMDSMI_LIBRARY");
    if (!fake_lib) {
        fprintf(stderr, "test_amdsmi: run through ctest (POWERTRAIN_AMDSMI_LIBRARY names the fake library)\n");
        return 1;
    }
    void *dl = dlopen(fake_lib, RTLD_NOW);
    void *sym = dl ? dlsym(dl, "fake_amdsmi_init_refs") : NULL;
    if (!sym) {
        fprintf(stderr, "test_amdsmi: cannot load %s: %s\n", fake_lib, dlerror());
        return 1;
    }
    memcpy(&init_refs, &sym, sizeof init_refs);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_amdsmi_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(ctl, sizeof ctl, "%s/control", tmpdir);
    test_discovery();
    test_selection();
    test_unavailable();
    test_meter_wrap();
    unlink(ctl);
    rmdir(tmpdir);
    dlclose(dl);
    return pt_test_finish("test_amdsmi");
}
