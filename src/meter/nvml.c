/* nvml.c -- the NVML energy source: dlopen of libnvidia-ml.so.1 (or the file
 * named by POWERTRAIN_NVML_LIBRARY), discovery of the GPUs the job uses
 * (--gpus, SLURM_STEP_GPUS, SLURM_JOB_GPUS, CUDA_VISIBLE_DEVICES), one
 * component per billed GPU, and reads of its power (mW) and, on Volta and
 * newer, its 64-bit total-energy counter (mJ).
 *
 * No NVML header is needed at build time: the few types and entry points used
 * are declared here with NVML's ABI. Checked against NVIDIA's nvml.h (the
 * _v2/_v3 layout of nvmlPciInfo_t: busIdLegacy[16] first, busId[32] last; the
 * pre-v2 struct with busId first is what the unversioned nvmlDeviceGetPciInfo
 * fills, which is never called); tests/gpu/nvml_abi.c asserts it at compile
 * time wherever a real nvml.h is installed (tests/gpu/run.sh). */
#include "meter/source.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "meter/proc.h"
#include "util/str.h"

/* --- the slice of NVML's ABI that we use -------------------------------------- */
typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef nvmlReturn_t (*nvml_init_fn)(void);
typedef nvmlReturn_t (*nvml_shutdown_fn)(void);
typedef const char *(*nvml_error_string_fn)(nvmlReturn_t);
typedef nvmlReturn_t (*nvml_count_fn)(unsigned int *);
typedef nvmlReturn_t (*nvml_handle_fn)(unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*nvml_text_fn)(nvmlDevice_t, char *, unsigned int);
typedef nvmlReturn_t (*nvml_pci_fn)(nvmlDevice_t, nvmlPciInfo_t *);
typedef nvmlReturn_t (*nvml_uint_fn)(nvmlDevice_t, unsigned int *);
typedef nvmlReturn_t (*nvml_energy_fn)(nvmlDevice_t, unsigned long long *);
typedef nvmlReturn_t (*nvml_temp_fn)(nvmlDevice_t, int, unsigned int *); /* nvmlTemperatureSensors_t is an enum */
#define NVML_TEMPERATURE_GPU 0
typedef struct {
    unsigned int pid;
    unsigned long long timeStamp; /* CPU timestamp, microseconds */
    unsigned int smUtil, memUtil, encUtil, decUtil;
} nvmlProcessUtilizationSample_t;
typedef nvmlReturn_t (*nvml_putil_fn)(nvmlDevice_t, nvmlProcessUtilizationSample_t *, unsigned int *,
                                      unsigned long long);
#define NVML_PROC_SAMPLES 64

#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"
#define GPU_TEXT 96 /* NVML's name and UUID buffers need at most 96 bytes */

typedef struct {
    void *dl;
    nvml_init_fn init;
    nvml_shutdown_fn shutdown;
    nvml_error_string_fn error_string;
    nvml_count_fn count;
    nvml_handle_fn handle;
    nvml_text_fn name;
    nvml_text_fn uuid;
    nvml_pci_fn pci;
    nvml_uint_fn power;
    nvml_energy_fn energy;  /* NULL on drivers without the counter */
    nvml_uint_fn limit;     /* NULL when absent */
    nvml_putil_fn putil;    /* nvmlDeviceGetProcessUtilization; NULL when absent */
    nvml_temp_fn temp;      /* nvmlDeviceGetTemperature; NULL when absent */
    nvmlDevice_t *dev;      /* per component */
    unsigned long long *seen; /* per component: newest process sample read so far */
} nvml_impl;

/* One GPU as NVML enumerates it, before selection. */
typedef struct {
    int handle_ok;
    nvmlReturn_t handle_err;
    nvmlDevice_t h;
    char uuid[GPU_TEXT];
    char bus[32];
} gpu_info;

/* snprintf into a bounded buffer where truncation is acceptable (reasons,
 * notes); tolerates a NULL or empty buffer. */
static void put_text(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_text(char *buf, size_t len, const char *fmt, ...) {
    if (!buf || len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static const char *err_text(const nvml_impl *n, nvmlReturn_t r) {
    const char *s = n->error_string ? n->error_string(r) : NULL;
    return s ? s : "unknown error";
}

/* dlsym into a function pointer without an object/function pointer cast. */
static int resolve(void *dl, const char *sym, void *fnptr, size_t size) {
    void *p = dlsym(dl, sym);
    if (!p) return -1;
    memcpy(fnptr, &p, size);
    return 0;
}
#define RESOLVE(dl, sym, field) resolve((dl), (sym), &(field), sizeof(field))

/* --- reading ----------------------------------------------------------------- */

/* The job's share of GPU i's SM utilisation in the process samples since the
   last regular read (NVML's per-process utilisation): r->foreign when some
   process outside the job's tree used it, r->job_share its share then. */
static void process_share(nvml_impl *n, int i, int job_pid, pt_reading *r) {
    nvmlProcessUtilizationSample_t smp[NVML_PROC_SAMPLES];
    unsigned int cnt = NVML_PROC_SAMPLES;
    if (!n->putil || job_pid <= 0 || n->putil(n->dev[i], smp, &cnt, n->seen[i]) != NVML_SUCCESS) return;
    double job = 0, other = 0;
    for (unsigned int s = 0; s < cnt && s < NVML_PROC_SAMPLES; s++) {
        if (smp[s].timeStamp > n->seen[i]) n->seen[i] = smp[s].timeStamp;
        if (pt_proc_in_tree(job_pid, (long)smp[s].pid)) job += smp[s].smUtil;
        else other += smp[s].smUtil;
    }
    if (other > 0) {
        r->foreign = 1;
        r->job_share = job / (job + other);
    }
}

static int nvml_read(pt_source *src, double t_s, int regular, pt_reading *out) {
    (void)t_s; /* both reads are cheap: marks read power too */
    nvml_impl *n = src->impl;
    int any = 0;
    for (int i = 0; i < src->ncomp; i++) {
        out[i].ok = 1;
        out[i].energy_j = 0;
        out[i].power_w = 0;
        if (src->has_power[i]) {
            unsigned int mw = 0;
            if (n->power(n->dev[i], &mw) == NVML_SUCCESS)
                out[i].power_w = mw / 1000.0;
            else
                out[i].ok = 0;
        }
        if (src->comp[i].has_counter) {
            unsigned long long mj = 0;
            if (n->energy(n->dev[i], &mj) == NVML_SUCCESS)
                out[i].energy_j = (double)mj / 1000.0;
            else
                out[i].ok = 0;
        }
        if (regular && out[i].ok) process_share(n, i, src->job_pid, &out[i]);
        any |= out[i].ok;
    }
    return any || src->ncomp == 0 ? 0 : -1;
}

static void nvml_unload(nvml_impl *n) {
    if (!n) return;
    if (n->shutdown) n->shutdown();
    if (n->dl) dlclose(n->dl);
    free(n->dev);
    free(n->seen);
    free(n);
}

static void nvml_close(pt_source *src) {
    if (!src) return;
    nvml_unload(src->impl);
    src->impl = NULL;
    pt_source_free(src);
}

/* GPU i's temperature (NVML_TEMPERATURE_GPU), degrees Celsius */
static int nvml_temperature(pt_source *src, int i, double *celsius) {
    nvml_impl *n = src->impl;
    unsigned int c = 0;
    if (!n->temp || i < 0 || i >= src->ncomp || n->temp(n->dev[i], NVML_TEMPERATURE_GPU, &c) != NVML_SUCCESS) return -1;
    *celsius = c;
    return 0;
}

static const pt_source_ops nvml_ops = {"nvml", nvml_read, nvml_close, nvml_temperature};

/* --- GPU selection ------------------------------------------------------------ */

/* Results of matching one list item. */
#define MATCH_NONE (-1)
#define MATCH_AMBIGUOUS (-2)

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* Splits a PCI bus id "[domain:]bus:device.function" into its domain (-1 when
 * absent) and the lower-cased rest "bus:device.function". */
static int split_bus_id(const char *s, long long *domain, char *rest, size_t restlen) {
    const char *c1 = strchr(s, ':');
    if (!c1) return -1;
    const char *c2 = strchr(c1 + 1, ':');
    const char *r = s;
    *domain = -1;
    if (c2) {
        char *end;
        *domain = strtoll(s, &end, 16);
        if (end != c1 || end == s) return -1;
        r = c1 + 1;
    }
    size_t k = 0;
    for (; r[k] && k + 1 < restlen; k++) rest[k] = (char)tolower((unsigned char)r[k]);
    rest[k] = '\0';
    return k > 0 ? 0 : -1;
}

static int bus_id_equal(const char *item, const char *gpu) {
    long long d1, d2;
    char r1[32], r2[32];
    if (split_bus_id(item, &d1, r1, sizeof r1) || split_bus_id(gpu, &d2, r2, sizeof r2)) return 0;
    if (strcmp(r1, r2) != 0) return 0;
    return d1 < 0 || d2 < 0 || d1 == d2;
}

/* Matches one trimmed item (index, GPU-UUID or unique UUID prefix, PCI bus id)
 * against the enumerated GPUs: the NVML index, MATCH_NONE or MATCH_AMBIGUOUS. */
static int match_item(const char *item, const gpu_info *g, int n) {
    if (all_digits(item)) {
        if (strlen(item) > 6) return MATCH_NONE;
        long v = strtol(item, NULL, 10);
        return v < n ? (int)v : MATCH_NONE;
    }
    int found = MATCH_NONE;
    if (strchr(item, ':')) {
        for (int i = 0; i < n; i++) {
            if (!g[i].handle_ok || !g[i].bus[0] || !bus_id_equal(item, g[i].bus)) continue;
            if (found != MATCH_NONE) return MATCH_AMBIGUOUS;
            found = i;
        }
        return found;
    }
    size_t len = strlen(item);
    if (len <= 4 || strncasecmp(item, "GPU-", 4) != 0) return MATCH_NONE;
    for (int i = 0; i < n; i++) {
        if (!g[i].handle_ok || strncasecmp(g[i].uuid, item, len) != 0) continue;
        if (found != MATCH_NONE) return MATCH_AMBIGUOUS;
        found = i;
    }
    return found;
}

/* Next comma-separated item of *p, trimmed, copied into buf; 0 at the end. */
static int next_item(const char **p, char *buf, size_t buflen) {
    if (!*p) return 0;
    const char *s = *p;
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (len >= buflen) len = buflen - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *t = pt_trim(buf);
    memmove(buf, t, strlen(t) + 1);
    *p = comma ? comma + 1 : NULL;
    return 1;
}

static int blank(const char *s) {
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* --gpus: "all" or a list; any bad item is a configuration error (-2). */
static int select_flag(const char *list, const gpu_info *g, int n, int *sel, char *note,
                       size_t notelen, char *why, size_t whylen) {
    char tmp[256];
    pt_strlcpy(tmp, list, sizeof tmp);
    if (strcasecmp(pt_trim(tmp), "all") == 0) {
        for (int i = 0; i < n; i++) sel[i] = g[i].handle_ok;
        put_text(note, notelen, "selected by --gpus=all");
        return 0;
    }
    if (blank(list)) {
        put_text(why, whylen, "--gpus: empty list (use 'all', indices, GPU UUIDs or PCI bus ids)");
        return -2;
    }
    const char *p = list;
    char item[128];
    while (next_item(&p, item, sizeof item)) {
        int k = match_item(item, g, n);
        if (k == MATCH_AMBIGUOUS) {
            put_text(why, whylen, "--gpus: '%s' matches more than one GPU", item);
            return -2;
        }
        if (k == MATCH_NONE) {
            put_text(why, whylen, "--gpus: no GPU matches '%s'", item);
            return -2;
        }
        if (!g[k].handle_ok) {
            put_text(why, whylen, "--gpus: GPU %d cannot be opened (NVML error %d)", k,
                     g[k].handle_err);
            return -2;
        }
        sel[k] = 1;
    }
    put_text(note, notelen, "selected by --gpus");
    return 0;
}

/* SLURM_STEP_GPUS / SLURM_JOB_GPUS: physical indices ("0,2" or ranges
 * "0-3"); items that match no GPU are skipped and noted. */
static void select_slurm(const char *var, const char *list, const gpu_info *g, int n, int *sel,
                         char *note, size_t notelen) {
    const char *p = list;
    char item[128], skipped[64] = "";
    while (next_item(&p, item, sizeof item)) {
        long lo, hi;
        char *dash = strchr(item, '-');
        int ok;
        if (dash && dash != item) {
            *dash = '\0';
            ok = all_digits(item) && all_digits(dash + 1) && strlen(item) < 7 &&
                 strlen(dash + 1) < 7;
            lo = ok ? strtol(item, NULL, 10) : 0;
            hi = ok ? strtol(dash + 1, NULL, 10) : -1;
            *dash = '-';
        } else {
            ok = all_digits(item) && strlen(item) < 7;
            lo = hi = ok ? strtol(item, NULL, 10) : 0;
        }
        int hit = 0;
        for (long k = lo; ok && k <= hi; k++) {
            if (k < n && g[k].handle_ok) {
                sel[k] = 1;
                hit = 1;
            }
        }
        if (!hit && !skipped[0]) pt_strlcpy(skipped, item, sizeof skipped);
    }
    if (skipped[0])
        put_text(note, notelen, "selected by %s; skipped '%s' (no such GPU or not readable)", var,
                 skipped);
    else
        put_text(note, notelen, "selected by %s (physical indices)", var);
}

/* CUDA_VISIBLE_DEVICES: indices, GPU-UUIDs or unique prefixes; like CUDA, the
 * first item that matches nothing ends the list. */
static void select_cuda(const char *list, const gpu_info *g, int n, int *sel, char *note,
                        size_t notelen) {
    const char *p = list;
    char item[128];
    int used_index = 0;
    const char *stopped = NULL;
    while (next_item(&p, item, sizeof item)) {
        int k = match_item(item, g, n);
        if (k < 0 || !g[k].handle_ok || sel[k]) {
            stopped = item;
            break;
        }
        if (all_digits(item)) used_index = 1;
        sel[k] = 1;
    }
    const char *order = getenv("CUDA_DEVICE_ORDER");
    int pci_order = order && strcmp(order, "PCI_BUS_ID") == 0;
    char extra[96] = "";
    if (stopped) put_text(extra, sizeof extra, "; list ends at '%.40s' (matches no GPU)", stopped);
    put_text(note, notelen, "selected by CUDA_VISIBLE_DEVICES%s%s",
             used_index && !pci_order ? " (indices assume CUDA_DEVICE_ORDER=PCI_BUS_ID)" : "",
             extra);
}

/* Fills sel[0..n-1]. Returns 0, or -2 for a bad --gpus list. When nothing is
 * selected, why says why. */
static int select_gpus(const pt_meter_config *cfg, const gpu_info *g, int n, int *sel,
                       char *note, size_t notelen, char *why, size_t whylen) {
    memset(sel, 0, (size_t)n * sizeof *sel);
    if (cfg && cfg->gpus) return select_flag(cfg->gpus, g, n, sel, note, notelen, why, whylen);

    static const char *const slurm_vars[] = {"SLURM_STEP_GPUS", "SLURM_JOB_GPUS"};
    for (size_t v = 0; v < sizeof slurm_vars / sizeof *slurm_vars; v++) {
        const char *list = getenv(slurm_vars[v]);
        if (!list || blank(list)) continue;
        select_slurm(slurm_vars[v], list, g, n, sel, note, notelen);
        put_text(why, whylen, "no GPU selected: %s='%.64s' matches none of the %d GPUs",
                 slurm_vars[v], list, n);
        return 0;
    }
    const char *cvd = getenv("CUDA_VISIBLE_DEVICES");
    if (cvd) {
        if (blank(cvd)) {
            put_text(why, whylen, "no GPU selected: CUDA_VISIBLE_DEVICES is empty");
            return 0;
        }
        char tmp[32];
        pt_strlcpy(tmp, cvd, sizeof tmp);
        if (strcmp(pt_trim(tmp), "NoDevFiles") == 0) {
            put_text(why, whylen, "no GPU selected: CUDA_VISIBLE_DEVICES=NoDevFiles");
            return 0;
        }
        select_cuda(cvd, g, n, sel, note, notelen);
        put_text(why, whylen,
                 "no GPU selected: CUDA_VISIBLE_DEVICES='%.64s' matches none of the %d GPUs%s", cvd,
                 n, strncasecmp(cvd, "MIG-", 4) == 0 ? " (MIG instances are not supported)" : "");
        return 0;
    }
    for (int i = 0; i < n; i++) sel[i] = g[i].handle_ok;
    put_text(note, notelen, "all GPUs (no --gpus, SLURM GPU list or CUDA_VISIBLE_DEVICES)");
    put_text(why, whylen, "no GPU can be opened (NVML error %d)", n > 0 ? g[0].handle_err : 0);
    return 0;
}

/* --- open ---------------------------------------------------------------------- */

static int load_library(nvml_impl *n, char *why, size_t whylen) {
    const char *path = getenv("POWERTRAIN_NVML_LIBRARY");
    int from_env = path && *path;
    if (!from_env) path = NVML_DEFAULT_LIBRARY;
    dlerror();
    n->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!n->dl) {
        if (from_env) {
            const char *e = dlerror();
            put_text(why, whylen, "cannot load POWERTRAIN_NVML_LIBRARY=%s: %s", path,
                     e ? e : "dlopen failed");
        } else {
            put_text(why, whylen, NVML_DEFAULT_LIBRARY " not found (no NVIDIA driver)");
        }
        return -1;
    }
    struct {
        const char *sym;
        int rc;
    } req[] = {
        {"nvmlInit_v2", RESOLVE(n->dl, "nvmlInit_v2", n->init)},
        {"nvmlShutdown", RESOLVE(n->dl, "nvmlShutdown", n->shutdown)},
        {"nvmlErrorString", RESOLVE(n->dl, "nvmlErrorString", n->error_string)},
        {"nvmlDeviceGetCount_v2", RESOLVE(n->dl, "nvmlDeviceGetCount_v2", n->count)},
        {"nvmlDeviceGetHandleByIndex_v2",
         RESOLVE(n->dl, "nvmlDeviceGetHandleByIndex_v2", n->handle)},
        {"nvmlDeviceGetName", RESOLVE(n->dl, "nvmlDeviceGetName", n->name)},
        {"nvmlDeviceGetUUID", RESOLVE(n->dl, "nvmlDeviceGetUUID", n->uuid)},
        {"nvmlDeviceGetPciInfo_v3", RESOLVE(n->dl, "nvmlDeviceGetPciInfo_v3", n->pci) &&
                                        RESOLVE(n->dl, "nvmlDeviceGetPciInfo_v2", n->pci)},
        {"nvmlDeviceGetPowerUsage", RESOLVE(n->dl, "nvmlDeviceGetPowerUsage", n->power)},
    };
    /* Optional: older drivers lack the energy counter (power sampling, eq1). */
    if (RESOLVE(n->dl, "nvmlDeviceGetTotalEnergyConsumption", n->energy)) n->energy = NULL;
    if (RESOLVE(n->dl, "nvmlDeviceGetEnforcedPowerLimit", n->limit)) n->limit = NULL;
    if (RESOLVE(n->dl, "nvmlDeviceGetProcessUtilization", n->putil)) n->putil = NULL;
    if (RESOLVE(n->dl, "nvmlDeviceGetTemperature", n->temp)) n->temp = NULL;
    for (size_t i = 0; i < sizeof req / sizeof *req; i++) {
        if (req[i].rc) {
            put_text(why, whylen, "%s lacks %s (not NVML, or an NVIDIA driver too old)", path,
                     req[i].sym);
            n->shutdown = NULL; /* never initialised */
            return -1;
        }
    }
    return 0;
}

/* Loads and initialises NVML; returns the GPU count (capped at 4096), or -1
   with why set (n is then unloaded). */
static int nvml_start(nvml_impl *n, char *why, size_t whylen) {
    if (load_library(n, why, whylen)) {
        nvml_unload(n);
        return -1;
    }
    nvmlReturn_t r = n->init();
    if (r != NVML_SUCCESS) {
        put_text(why, whylen, "nvmlInit failed: %s (NVML error %d)", err_text(n, r), r);
        n->shutdown = NULL;
        nvml_unload(n);
        return -1;
    }
    unsigned int count = 0;
    r = n->count(&count);
    if (r != NVML_SUCCESS || count == 0) {
        if (r != NVML_SUCCESS)
            put_text(why, whylen, "nvmlDeviceGetCount failed: %s", err_text(n, r));
        else
            put_text(why, whylen, "NVML reports no GPU");
        nvml_unload(n);
        return -1;
    }
    if (count > 4096) count = 4096;
    return (int)count;
}

/* Handle, UUID and PCI bus id of every GPU; g[i].handle_ok says which opened. */
static void probe_gpus(nvml_impl *n, gpu_info *g, int ng) {
    for (int i = 0; i < ng; i++) {
        g[i].handle_err = n->handle((unsigned)i, &g[i].h);
        g[i].handle_ok = g[i].handle_err == NVML_SUCCESS;
        if (!g[i].handle_ok) continue;
        if (n->uuid(g[i].h, g[i].uuid, sizeof g[i].uuid) != NVML_SUCCESS) g[i].uuid[0] = '\0';
        g[i].uuid[sizeof g[i].uuid - 1] = '\0';
        nvmlPciInfo_t pci;
        memset(&pci, 0, sizeof pci);
        if (n->pci(g[i].h, &pci) == NVML_SUCCESS) {
            pci.busId[sizeof pci.busId - 1] = '\0';
            pt_strlcpy(g[i].bus, pci.busId, sizeof g[i].bus);
        }
    }
}

/* Fills component c of src for physical GPU i. */
static void describe_gpu(nvml_impl *n, const gpu_info *gi, int i, pt_source *src, int c, const char *note) {
    pt_meter_component *comp = &src->comp[c];
    snprintf(comp->name, sizeof comp->name, "gpu-%d", i);
    pt_strlcpy(comp->source, "nvml", sizeof comp->source);
    char name[GPU_TEXT] = "";
    if (n->name(gi->h, name, sizeof name) != NVML_SUCCESS) pt_strlcpy(name, "NVIDIA GPU", sizeof name);
    name[sizeof name - 1] = '\0';
    pt_strlcpy(comp->model, name, sizeof comp->model);
    pt_strlcpy(comp->id, gi->uuid, sizeof comp->id);
    pt_strlcpy(comp->bus_id, gi->bus, sizeof comp->bus_id);
    comp->kind = PT_KIND_GPU;
    comp->billed = 1;
    comp->wrap_j = 0; /* 64-bit millijoule counter */
    unsigned int mw = 0;
    if (n->limit && n->limit(gi->h, &mw) == NVML_SUCCESS) comp->power_limit_w = mw / 1000.0;
    unsigned long long mj = 0;
    comp->has_counter = n->energy && n->energy(gi->h, &mj) == NVML_SUCCESS;
    comp->method = comp->has_counter ? PT_METHOD_COUNTER : PT_METHOD_EQ1;
    /* Power is sampled unless the GPU says it has none and the counter
     * can stand in (the core then derives power from its differences). */
    src->has_power[c] = !(comp->has_counter && n->power(gi->h, &mw) == NVML_ERROR_NOT_SUPPORTED);
    pt_strlcpy(comp->note, note, sizeof comp->note);
}

/* Builds the source over the selected GPUs; 0, or -1/-2 with why set. */
static int build_source(nvml_impl *n, const pt_meter_config *cfg, const gpu_info *g, int ng, int *sel,
                        pt_source **out, char *why, size_t whylen) {
    char note[PT_METER_TEXT_MAX] = "";
    int rc = select_gpus(cfg, g, ng, sel, note, sizeof note, why, whylen);
    int nsel = 0;
    for (int i = 0; i < ng; i++) nsel += sel[i] != 0;
    if (rc != 0) return rc;
    if (nsel == 0) return -1; /* why already says which selection came out empty */
    pt_source *src = pt_source_alloc(&nvml_ops, nsel);
    n->dev = calloc((size_t)nsel, sizeof *n->dev);
    n->seen = calloc((size_t)nsel, sizeof *n->seen);
    if (!src || !n->dev || !n->seen) {
        put_text(why, whylen, "out of memory");
        pt_source_free(src);
        return -1;
    }
    int c = 0;
    for (int i = 0; i < ng; i++) {
        if (!sel[i]) continue;
        n->dev[c] = g[i].h;
        describe_gpu(n, &g[i], i, src, c, note);
        c++;
    }
    *out = src;
    return 0;
}

int pt_nvml_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                 size_t whylen) {
    (void)needs;
    *out = NULL;
    nvml_impl *n = calloc(1, sizeof *n);
    if (!n) {
        put_text(why, whylen, "out of memory");
        return -1;
    }
    int ng = nvml_start(n, why, whylen);
    if (ng < 0) return -1;
    gpu_info *g = calloc((size_t)ng, sizeof *g);
    int *sel = calloc((size_t)ng, sizeof *sel);
    if (!g || !sel) {
        free(g);
        free(sel);
        nvml_unload(n);
        put_text(why, whylen, "out of memory");
        return -1;
    }
    probe_gpus(n, g, ng);
    pt_source *src = NULL;
    int rc = build_source(n, cfg, g, ng, sel, &src, why, whylen);
    free(g);
    free(sel);
    if (rc != 0) {
        nvml_unload(n);
        return rc;
    }
    src->impl = n;
    *out = src;
    if (why && whylen) why[0] = '\0';
    return 0;
}
