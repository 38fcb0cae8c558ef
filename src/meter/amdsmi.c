/* amdsmi.c -- the AMD GPU energy source: dlopen of AMD SMI (libamd_smi.so,
 * ROCm 6 and newer, or the file named by POWERTRAIN_AMDSMI_LIBRARY), the GPUs
 * the job can see (--gpus, SLURM_STEP_GPUS, SLURM_JOB_GPUS,
 * ROCR_VISIBLE_DEVICES, then HIP_VISIBLE_DEVICES), one component "amdgpu-N"
 * per billed GPU, read through amdsmi_get_energy_count: a tick counter and
 * its resolution in microjoules.
 *
 * No AMD SMI header is needed at build time: the entry points used are
 * declared here with AMD SMI's ABI. Only calls whose signatures have been
 * stable since ROCm 6.0 are used. amdsmi_power_info_t changed its layout
 * between releases, so power is not read from it: the meter core derives
 * each sample's power from the counter's differences (has_power = 0).
 * amdsmi_asic_info_t also changed, but market_name is its first field in
 * every release; it is read into an oversized buffer.
 *
 * The counter: amdsmi reports a 64-bit accumulator, but the SMU firmware of
 * older boards (MI100, MI200) accumulates in 32 bits, so a counter that
 * starts below 2^32 ticks is unwrapped at 2^32 x resolution (the core only
 * applies it when a reading goes backwards, so a true 64-bit counter is
 * unaffected). */
#include "meter/source.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* --- the slice of AMD SMI's ABI that we use ------------------------------------ */
typedef int amdsmi_status_t;
#define AMDSMI_STATUS_SUCCESS 0
#define AMDSMI_INIT_AMD_GPUS (1ull << 1)
#define AMDSMI_PROCESSOR_TYPE_AMD_GPU 1
typedef void *amdsmi_socket_handle;
typedef void *amdsmi_processor_handle;

typedef amdsmi_status_t (*amd_init_fn)(uint64_t);
typedef amdsmi_status_t (*amd_shutdown_fn)(void);
typedef amdsmi_status_t (*amd_sockets_fn)(uint32_t *, amdsmi_socket_handle *);
typedef amdsmi_status_t (*amd_procs_fn)(amdsmi_socket_handle, uint32_t *, amdsmi_processor_handle *);
typedef amdsmi_status_t (*amd_type_fn)(amdsmi_processor_handle, int *);
typedef amdsmi_status_t (*amd_bdf_fn)(amdsmi_processor_handle, uint64_t *);
typedef amdsmi_status_t (*amd_uuid_fn)(amdsmi_processor_handle, unsigned int *, char *);
typedef amdsmi_status_t (*amd_asic_fn)(amdsmi_processor_handle, void *);
typedef amdsmi_status_t (*amd_energy_fn)(amdsmi_processor_handle, uint64_t *, float *, uint64_t *);
/* amdsmi_get_temp_metric(handle, amdsmi_temperature_type_t, amdsmi_temperature_metric_t, int64_t *celsius) */
typedef amdsmi_status_t (*amd_temp_fn)(amdsmi_processor_handle, int, int, int64_t *);
#define AMDSMI_TEMPERATURE_TYPE_EDGE 0
#define AMDSMI_TEMP_CURRENT 0

#define AMDSMI_DEFAULT_LIBRARY "libamd_smi.so"
#define AMDSMI_ROCM_LIBRARY "/opt/rocm/lib/libamd_smi.so"
#define AMD_MAX_GPUS 256
#define AMD_TEXT 96

typedef struct {
    void *dl;
    amd_init_fn init;
    amd_shutdown_fn shutdown;
    amd_sockets_fn sockets;
    amd_procs_fn procs;
    amd_type_fn type;  /* NULL when absent: every processor is taken as a GPU */
    amd_bdf_fn bdf;    /* optional */
    amd_uuid_fn uuid;  /* optional */
    amd_asic_fn asic;  /* optional */
    amd_energy_fn energy;
    amd_temp_fn temp;  /* optional */
    amdsmi_processor_handle *dev; /* per component */
    double *res_uj;               /* per component: counter resolution */
} amd_impl;

typedef struct {
    amdsmi_processor_handle h;
    char uuid[AMD_TEXT];
    char bus[32];
} amd_gpu;

static int resolve(void *dl, const char *sym, void *fnptr, size_t size) {
    void *p = dlsym(dl, sym);
    if (!p) return -1;
    memcpy(fnptr, &p, size);
    return 0;
}
#define RESOLVE(dl, sym, field) resolve((dl), (sym), &(field), sizeof(field))

/* --- reading -------------------------------------------------------------------- */

static int amd_read(pt_source *src, double t_s, int regular, pt_reading *out) {
    (void)t_s;
    (void)regular;
    amd_impl *a = src->impl;
    int any = 0;
    for (int i = 0; i < src->ncomp; i++) {
        uint64_t ticks = 0, ts = 0;
        float res = 0;
        out[i].power_w = 0;
        out[i].energy_j = 0;
        out[i].ok = a->energy(a->dev[i], &ticks, &res, &ts) == AMDSMI_STATUS_SUCCESS;
        if (out[i].ok) out[i].energy_j = (double)ticks * a->res_uj[i] * 1e-6;
        any |= out[i].ok;
    }
    return any || src->ncomp == 0 ? 0 : -1;
}

static void amd_unload(amd_impl *a) {
    if (!a) return;
    if (a->shutdown) a->shutdown();
    if (a->dl) dlclose(a->dl);
    free(a->dev);
    free(a->res_uj);
    free(a);
}

static void amd_close(pt_source *src) {
    if (!src) return;
    amd_unload(src->impl);
    src->impl = NULL;
    pt_source_free(src);
}

/* GPU i's edge temperature, degrees Celsius */
static int amd_temperature(pt_source *src, int i, double *celsius) {
    amd_impl *a = src->impl;
    int64_t c = 0;
    if (!a->temp || i < 0 || i >= src->ncomp ||
        a->temp(a->dev[i], AMDSMI_TEMPERATURE_TYPE_EDGE, AMDSMI_TEMP_CURRENT, &c) != AMDSMI_STATUS_SUCCESS)
        return -1;
    *celsius = (double)c;
    return 0;
}

static const pt_source_ops amd_ops = {"amdsmi", amd_read, amd_close, amd_temperature};

/* --- GPU selection -------------------------------------------------------------- */

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* Compares UUIDs ignoring case, dashes and a "GPU-" prefix on either side. */
static int uuid_equal(const char *a, const char *b) {
    if (strncasecmp(a, "GPU-", 4) == 0) a += 4;
    if (strncasecmp(b, "GPU-", 4) == 0) b += 4;
    for (;;) {
        while (*a == '-') a++;
        while (*b == '-') b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
        a++;
        b++;
    }
}

/* PCI bus ids compare with or without the domain ("c1:00.0" = "0000:c1:00.0"). */
static int bus_equal(const char *item, const char *bus) {
    size_t li = strlen(item), lb = strlen(bus);
    if (li > lb || li < 7) return 0;
    return strcasecmp(bus + (lb - li), item) == 0 && (li == lb || bus[lb - li - 1] == ':');
}

/* The index of the GPU in list[0..n-1] that item names (an index into list,
 * a UUID or, with buses, a PCI bus id), or -1. */
static int match_item(const char *item, const amd_gpu *g, const int *list, int n, int buses) {
    if (all_digits(item)) {
        long v = strlen(item) < 7 ? strtol(item, NULL, 10) : -1;
        return v >= 0 && v < n ? (int)v : -1;
    }
    for (int k = 0; k < n; k++) {
        const amd_gpu *gi = &g[list[k]];
        if ((gi->uuid[0] && uuid_equal(item, gi->uuid)) || (buses && gi->bus[0] && bus_equal(item, gi->bus)))
            return k;
    }
    return -1;
}

/* Narrows list[0..*n-1] (physical GPU numbers) to the items of var's value,
 * in their order. Returns 0, or -1 when an item names no GPU (bad set). */
static int narrow(const char *value, const amd_gpu *g, int *list, int *n, int buses, char *bad, size_t badlen) {
    int out[AMD_MAX_GPUS], m = 0;
    char buf[512];
    pt_strlcpy(buf, value, sizeof buf);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *item = pt_trim(tok);
        if (!*item) continue;
        int k = match_item(item, g, list, *n, buses);
        if (k < 0) {
            pt_strlcpy(bad, item, badlen);
            return -1;
        }
        int dup = 0;
        for (int j = 0; j < m; j++) dup |= out[j] == list[k];
        if (!dup && m < AMD_MAX_GPUS) out[m++] = list[k];
    }
    memcpy(list, out, (size_t)m * sizeof *list);
    *n = m;
    return 0;
}

/* SLURM's lists: physical indices and ranges "0-3"; unknown items are skipped. */
static void select_slurm(const char *value, int ng, int *list, int *n) {
    char buf[512];
    pt_strlcpy(buf, value, sizeof buf);
    char *save = NULL;
    *n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *item = pt_trim(tok), *dash = strchr(item, '-');
        long lo, hi;
        if (dash) *dash = '\0';
        if (!all_digits(item) || strlen(item) > 6 || (dash && (!all_digits(dash + 1) || strlen(dash + 1) > 6)))
            continue;
        lo = strtol(item, NULL, 10);
        hi = dash ? strtol(dash + 1, NULL, 10) : lo;
        for (long k = lo; k <= hi && k < ng; k++) {
            int dup = 0;
            for (int j = 0; j < *n; j++) dup |= list[j] == (int)k;
            if (!dup && *n < AMD_MAX_GPUS) list[(*n)++] = (int)k;
        }
    }
}

/* The ROCm runtime's view: ROCR_VISIBLE_DEVICES picks physical GPUs
 * (indices or UUIDs), HIP_VISIBLE_DEVICES indexes into what ROCR left.
 * Returns 0, or -1 with why set when a list names no GPU. */
static int select_rocm(const amd_gpu *g, int *list, int *n, char *note, size_t notelen, char *why,
                       size_t whylen) {
    static const char *const vars[] = {"ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"};
    char used[96] = "";
    for (int v = 0; v < 2; v++) {
        const char *val = getenv(vars[v]);
        if (!val) continue;
        char bad[64] = "";
        if (narrow(val, g, list, n, 0, bad, sizeof bad) != 0) {
            pt_say(why, whylen, "no GPU selected: %s='%.64s': '%s' matches none of the visible GPUs", vars[v],
                   val, bad);
            return -1;
        }
        size_t len = strlen(used);
        pt_say(used + len, sizeof used - len, "%s%s", len ? " then " : "", vars[v]);
    }
    if (used[0])
        pt_say(note, notelen, "selected by %s (indices in AMD SMI order)", used);
    else
        pt_say(note, notelen, "all GPUs (no --gpus, SLURM GPU list, ROCR_ or HIP_VISIBLE_DEVICES)");
    if (*n == 0) pt_say(why, whylen, "no GPU selected: %s is empty", used);
    return 0;
}

/* Fills list with the physical numbers of the billed GPUs; 0, with *n == 0
 * and why set when none is selected. */
static int select_gpus(const pt_meter_config *cfg, const amd_gpu *g, int ng, int *list, int *n, char *note,
                       size_t notelen, char *why, size_t whylen) {
    for (int i = 0; i < ng; i++) list[i] = i;
    *n = ng;
    if (cfg && cfg->gpus) {
        char tmp[16];
        pt_strlcpy(tmp, cfg->gpus, sizeof tmp);
        if (strcasecmp(pt_trim(tmp), "all") == 0) {
            pt_say(note, notelen, "selected by --gpus=all");
            return 0;
        }
        char bad[64] = "";
        /* not a configuration error: the list may name NVIDIA GPUs (NVML checks those) */
        if (narrow(cfg->gpus, g, list, n, 1, bad, sizeof bad) != 0 || *n == 0) {
            pt_say(why, whylen, "no GPU selected: --gpus '%s' matches none of the %d AMD GPUs",
                   bad[0] ? bad : cfg->gpus, ng);
            *n = 0;
        }
        if (*n == 0) return 0;
        pt_say(note, notelen, "selected by --gpus");
        return 0;
    }
    static const char *const slurm[] = {"SLURM_STEP_GPUS", "SLURM_JOB_GPUS"};
    for (int v = 0; v < 2; v++) {
        const char *val = getenv(slurm[v]);
        if (!val || !*val) continue;
        select_slurm(val, ng, list, n);
        pt_say(note, notelen, "selected by %s (physical indices)", slurm[v]);
        if (*n == 0) pt_say(why, whylen, "no GPU selected: %s='%.64s' matches none of the %d GPUs", slurm[v], val, ng);
        return 0;
    }
    if (select_rocm(g, list, n, note, notelen, why, whylen) != 0) *n = 0;
    return 0;
}

/* --- open ------------------------------------------------------------------------ */

static int load_symbols(amd_impl *a, char *why, size_t whylen) {
    static const char *const req[] = {"amdsmi_init", "amdsmi_shut_down", "amdsmi_get_socket_handles",
                                      "amdsmi_get_processor_handles", "amdsmi_get_energy_count"};
    int rc[5] = {RESOLVE(a->dl, req[0], a->init), RESOLVE(a->dl, req[1], a->shutdown),
                 RESOLVE(a->dl, req[2], a->sockets), RESOLVE(a->dl, req[3], a->procs),
                 RESOLVE(a->dl, req[4], a->energy)};
    for (int i = 0; i < 5; i++) {
        if (rc[i] != 0) {
            pt_say(why, whylen, "AMD SMI library lacks %s (ROCm 6.0 or newer is needed)", req[i]);
            a->shutdown = NULL;
            return -1;
        }
    }
    (void)RESOLVE(a->dl, "amdsmi_get_processor_type", a->type);
    (void)RESOLVE(a->dl, "amdsmi_get_gpu_device_bdf", a->bdf);
    (void)RESOLVE(a->dl, "amdsmi_get_gpu_device_uuid", a->uuid);
    (void)RESOLVE(a->dl, "amdsmi_get_gpu_asic_info", a->asic);
    (void)RESOLVE(a->dl, "amdsmi_get_temp_metric", a->temp);
    return 0;
}

static int load_library(amd_impl *a, char *why, size_t whylen) {
    const char *path = getenv("POWERTRAIN_AMDSMI_LIBRARY");
    if (path && *path) {
        dlerror();
        a->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!a->dl) {
            const char *e = dlerror();
            pt_say(why, whylen, "cannot load POWERTRAIN_AMDSMI_LIBRARY=%s: %s", path, e ? e : "dlopen failed");
            return -1;
        }
    } else {
        a->dl = dlopen(AMDSMI_DEFAULT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!a->dl) a->dl = dlopen(AMDSMI_ROCM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!a->dl) {
            pt_say(why, whylen, AMDSMI_DEFAULT_LIBRARY " not found (no ROCm AMD SMI; also tried " AMDSMI_ROCM_LIBRARY
                                ")");
            return -1;
        }
    }
    return load_symbols(a, why, whylen);
}

/* Every AMD GPU handle, over all sockets; the count, or -1 with why set. */
static int list_gpus(amd_impl *a, amd_gpu *g, char *why, size_t whylen) {
    uint32_t ns = 0;
    amdsmi_socket_handle socks[64];
    amdsmi_status_t r = a->sockets(&ns, NULL);
    if (r == AMDSMI_STATUS_SUCCESS && ns > 64) ns = 64;
    if (r == AMDSMI_STATUS_SUCCESS) r = a->sockets(&ns, socks);
    if (r != AMDSMI_STATUS_SUCCESS) {
        pt_say(why, whylen, "amdsmi_get_socket_handles failed (AMD SMI status %d)", r);
        return -1;
    }
    int ng = 0;
    for (uint32_t s = 0; s < ns && ng < AMD_MAX_GPUS; s++) {
        uint32_t np = 0;
        amdsmi_processor_handle ph[AMD_MAX_GPUS];
        if (a->procs(socks[s], &np, NULL) != AMDSMI_STATUS_SUCCESS) continue;
        if (np > AMD_MAX_GPUS) np = AMD_MAX_GPUS;
        if (a->procs(socks[s], &np, ph) != AMDSMI_STATUS_SUCCESS) continue;
        for (uint32_t p = 0; p < np && ng < AMD_MAX_GPUS; p++) {
            int type = AMDSMI_PROCESSOR_TYPE_AMD_GPU;
            if (a->type && a->type(ph[p], &type) != AMDSMI_STATUS_SUCCESS) continue;
            if (type == AMDSMI_PROCESSOR_TYPE_AMD_GPU) g[ng++].h = ph[p];
        }
    }
    if (ng == 0) pt_say(why, whylen, "AMD SMI reports no AMD GPU");
    return ng > 0 ? ng : -1;
}

/* UUID and PCI bus id ("0000:c1:00.0") of a GPU, where the library has them. */
static void probe_gpu(amd_impl *a, amd_gpu *gi) {
    if (a->uuid) {
        unsigned int len = sizeof gi->uuid;
        if (a->uuid(gi->h, &len, gi->uuid) != AMDSMI_STATUS_SUCCESS) gi->uuid[0] = '\0';
        gi->uuid[sizeof gi->uuid - 1] = '\0';
    }
    uint64_t b = 0;
    if (a->bdf && a->bdf(gi->h, &b) == AMDSMI_STATUS_SUCCESS)
        snprintf(gi->bus, sizeof gi->bus, "%04llx:%02x:%02x.%x", (unsigned long long)(b >> 16),
                 (unsigned)((b >> 8) & 0xff), (unsigned)((b >> 3) & 0x1f), (unsigned)(b & 7));
}

/* Fills component c for physical GPU i; -1 when its counter cannot be read. */
static int describe_gpu(amd_impl *a, const amd_gpu *gi, int i, pt_source *src, int c, const char *note) {
    pt_meter_component *comp = &src->comp[c];
    uint64_t ticks = 0, ts = 0;
    float res = 0;
    if (a->energy(gi->h, &ticks, &res, &ts) != AMDSMI_STATUS_SUCCESS || !(res > 0)) return -1;
    snprintf(comp->name, sizeof comp->name, "amdgpu-%d", i);
    pt_strlcpy(comp->source, "amdsmi", sizeof comp->source);
    /* amdsmi_asic_info_t (about 1 KiB, market_name first), with room to spare */
    char *asic = a->asic ? calloc(1, 8192) : NULL;
    if (asic && a->asic(gi->h, asic) == AMDSMI_STATUS_SUCCESS && asic[0]) {
        asic[255] = '\0';
        pt_strlcpy(comp->model, asic, sizeof comp->model);
    } else {
        pt_strlcpy(comp->model, "AMD GPU", sizeof comp->model);
    }
    free(asic);
    pt_strlcpy(comp->id, gi->uuid, sizeof comp->id);
    pt_strlcpy(comp->bus_id, gi->bus, sizeof comp->bus_id);
    comp->kind = PT_KIND_GPU;
    comp->billed = 1;
    comp->has_counter = 1;
    comp->method = PT_METHOD_COUNTER;
    a->res_uj[c] = res;
    comp->wrap_j = ticks < (1ull << 32) ? 4294967296.0 * res * 1e-6 : 0;
    src->has_power[c] = 0;
    pt_say(comp->note, sizeof comp->note, "%s; counter resolution %.4g uJ%s", note, (double)res,
           comp->wrap_j > 0 ? ", unwrapped at 2^32 ticks" : "");
    return 0;
}

static int build_source(amd_impl *a, const amd_gpu *g, const int *list, int n, const char *note,
                        pt_source **out, char *why, size_t whylen) {
    pt_source *src = pt_source_alloc(&amd_ops, n);
    a->dev = calloc((size_t)n, sizeof *a->dev);
    a->res_uj = calloc((size_t)n, sizeof *a->res_uj);
    if (!src || !a->dev || !a->res_uj) {
        pt_source_free(src);
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    for (int c = 0; c < n; c++) {
        a->dev[c] = g[list[c]].h;
        if (describe_gpu(a, &g[list[c]], list[c], src, c, note) != 0) {
            pt_say(why, whylen, "GPU %d has no readable energy counter (amdsmi_get_energy_count failed)", list[c]);
            pt_source_free(src);
            return -1;
        }
    }
    *out = src;
    return 0;
}

int pt_amdsmi_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                   size_t whylen) {
    (void)needs;
    *out = NULL;
    amd_impl *a = calloc(1, sizeof *a);
    amd_gpu *g = calloc(AMD_MAX_GPUS, sizeof *g);
    int list[AMD_MAX_GPUS], n = 0, rc = -1;
    char note[PT_METER_TEXT_MAX] = "";
    if (!a || !g) {
        free(a);
        free(g);
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    if (load_library(a, why, whylen) != 0) goto fail;
    amdsmi_status_t r = a->init(AMDSMI_INIT_AMD_GPUS);
    if (r != AMDSMI_STATUS_SUCCESS) {
        pt_say(why, whylen, "amdsmi_init failed (AMD SMI status %d: amdgpu driver not loaded?)", r);
        a->shutdown = NULL;
        goto fail;
    }
    int ng = list_gpus(a, g, why, whylen);
    if (ng < 0) goto fail;
    for (int i = 0; i < ng; i++) probe_gpu(a, &g[i]);
    rc = select_gpus(cfg, g, ng, list, &n, note, sizeof note, why, whylen);
    if (rc != 0 || n == 0) goto fail;
    if (build_source(a, g, list, n, note, out, why, whylen) != 0) goto fail;
    (*out)->impl = a;
    free(g);
    if (why && whylen) why[0] = '\0';
    return 0;
fail:
    free(g);
    amd_unload(a);
    return rc == -2 ? -2 : -1;
}
