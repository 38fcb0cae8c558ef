/* fake_nvml.c -- a scripted stand-in for libnvidia-ml.so.1, for tests.
 *
 * Build target fake_nvml (a shared library); point the meter at it with
 *   POWERTRAIN_NVML_LIBRARY=<path of libfake_nvml.so>
 *   FAKE_NVML_CONTROL=<control file>
 * It exports, with NVML's ABI, nvmlInit_v2, nvmlShutdown, nvmlErrorString,
 * nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName,
 * nvmlDeviceGetUUID, nvmlDeviceGetPciInfo_v3, nvmlDeviceGetPowerUsage,
 * nvmlDeviceGetTotalEnergyConsumption, nvmlDeviceGetEnforcedPowerLimit,
 * nvmlDeviceGetProcessUtilization and nvmlDeviceGetTemperature
 * (built with -DFAKE_NVML_NO_ENERGY it lacks the last-but-one, like an old
 * driver).
 *
 * The control file is re-read on EVERY call, so a test may rewrite it between
 * samples (from another process, write a temporary file and rename() it over
 * the control file so that a reader never sees half a file). Format, one item
 * per line; blank lines and lines starting with '#' are ignored:
 *
 *   init_fail [code]
 *       nvmlInit_v2 returns code (default 9, NVML_ERROR_DRIVER_NOT_LOADED).
 *   gpu <name> <uuid> <busid> <power_mw> <energy> [option ...]
 *       One GPU; the n-th gpu line is NVML index n-1.
 *       name      device name, '_' stands for a space ("NVIDIA_A100-SXM4-40GB")
 *       uuid      "GPU-8c3f9a2e-..." as nvmlDeviceGetUUID returns it
 *       busid     "00000000:3B:00.0" as nvmlPciInfo_t.busId
 *       power_mw  nvmlDeviceGetPowerUsage, milliwatts (unsigned int)
 *       energy    nvmlDeviceGetTotalEnergyConsumption, millijoules:
 *                   <integer>  that value
 *                   none       NVML_ERROR_NOT_SUPPORTED (pre-Volta GPU)
 *                   ramp       power_mw x seconds since the first nvmlInit_v2
 *                              in this process (CLOCK_MONOTONIC): a GPU
 *                              drawing power_mw steadily in real time
 *       options:
 *         fail        every per-device call for this GPU (handle, name, uuid,
 *                     pci, power, energy, limit) returns 999 NVML_ERROR_UNKNOWN
 *         limit=<mW>  enforced power limit (default 300000); limit=none gives
 *                     NVML_ERROR_NOT_SUPPORTED
 *         nopower     nvmlDeviceGetPowerUsage returns NVML_ERROR_NOT_SUPPORTED
 *         procs=<pid>:<sm>[,<pid>:<sm>...]
 *                     processes on this GPU with their SM utilisation (percent),
 *                     as nvmlDeviceGetProcessUtilization returns them (each call
 *                     gives every listed process one sample newer than the
 *                     caller's lastSeenTimeStamp); pid "self" is the calling
 *                     process. Without procs: no process samples.
 *         temps=<c>[,<c>...]
 *                     nvmlDeviceGetTemperature (degrees C): the n-th call in
 *                     this process for this GPU returns the n-th value, the
 *                     last one from then on. Without temps:
 *                     NVML_ERROR_NOT_SUPPORTED.
 *
 * Example:
 *   gpu NVIDIA_A100-SXM4-40GB GPU-11111111-2222-3333-4444-555555555555 00000000:3B:00.0 250000 1000000
 *   gpu Tesla_P100 GPU-aaaaaaaa-0000-0000-0000-000000000000 00000000:86:00.0 120000 none limit=250000
 *   gpu NVIDIA_H100 GPU-bbbbbbbb-0000-0000-0000-000000000000 00000000:C1:00.0 300000 ramp
 *
 * Without FAKE_NVML_CONTROL (or with an unreadable file) nvmlInit_v2 fails
 * with NVML_ERROR_DRIVER_NOT_LOADED. Calls before nvmlInit_v2 (or after the
 * matching nvmlShutdown) return NVML_ERROR_UNINITIALIZED, as NVML does.
 * fake_nvml_init_refs() (not NVML) returns the init reference count so a test
 * can check that every nvmlInit_v2 was matched by nvmlShutdown. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_UNKNOWN = 999
};
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

#define FAKE_MAX_GPUS 64

typedef struct {
    char name[96];
    char uuid[96];
    char bus[32];
    unsigned long long power_mw;
    int energy_mode; /* 0 value, 1 none, 2 ramp */
    unsigned long long energy_mj;
    int fail;
    int nopower;
    int has_limit;
    unsigned long long limit_mw;
    int nproc;
    unsigned int proc_pid[16], proc_sm[16];
    int ntemp;
    unsigned int temp[32];
} fake_gpu;

typedef struct {
    int ok; /* the control file was read */
    int init_fail;
    nvmlReturn_t init_code;
    int ngpu;
    fake_gpu gpu[FAKE_MAX_GPUS];
} fake_state;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int init_refs;
static int have_t0;
static double t0;
/* Handles are addresses inside this array: handle i is &cookies[i]. */
static char cookies[FAKE_MAX_GPUS];

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_ull(const char *s, unsigned long long *out) {
    char *end;
    if (!s || !*s || *s == '-') return -1;
    *out = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

/* "pid:sm,pid:sm" ("self" for this process) into g's process list. */
static void parse_procs(fake_gpu *g, char *list) {
    char *save = NULL;
    for (char *it = strtok_r(list, ",", &save); it && g->nproc < 16; it = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(it, ':');
        if (!colon) continue;
        *colon = '\0';
        unsigned long long pid, sm;
        if (strcmp(it, "self") == 0) pid = (unsigned long long)getpid();
        else if (parse_ull(it, &pid)) continue;
        if (parse_ull(colon + 1, &sm)) continue;
        g->proc_pid[g->nproc] = (unsigned int)pid;
        g->proc_sm[g->nproc++] = (unsigned int)sm;
    }
}

/* "c,c,c" into g's temperature sequence. */
static void parse_temps(fake_gpu *g, char *list) {
    char *save = NULL;
    for (char *it = strtok_r(list, ",", &save); it && g->ntemp < 32; it = strtok_r(NULL, ",", &save)) {
        unsigned long long c;
        if (parse_ull(it, &c) == 0) g->temp[g->ntemp++] = (unsigned int)c;
    }
}

/* Reads the control file into st (under lock). */
static void load(fake_state *st) {
    memset(st, 0, sizeof *st);
    const char *path = getenv("FAKE_NVML_CONTROL");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return;
    st->ok = 1;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL;
        char *tok = strtok_r(line, " \t\r\n", &save);
        if (!tok || tok[0] == '#') continue;
        if (strcmp(tok, "init_fail") == 0) {
            st->init_fail = 1;
            st->init_code = NVML_ERROR_DRIVER_NOT_LOADED;
            char *code = strtok_r(NULL, " \t\r\n", &save);
            if (code) st->init_code = atoi(code);
            continue;
        }
        if (strcmp(tok, "gpu") != 0 || st->ngpu >= FAKE_MAX_GPUS) continue;
        fake_gpu *g = &st->gpu[st->ngpu];
        char *f1 = strtok_r(NULL, " \t\r\n", &save);
        char *f2 = strtok_r(NULL, " \t\r\n", &save);
        char *f3 = strtok_r(NULL, " \t\r\n", &save);
        char *f4 = strtok_r(NULL, " \t\r\n", &save);
        char *f5 = strtok_r(NULL, " \t\r\n", &save);
        if (!f5) continue; /* malformed lines are ignored */
        snprintf(g->name, sizeof g->name, "%s", f1);
        for (char *p = g->name; *p; p++)
            if (*p == '_') *p = ' ';
        snprintf(g->uuid, sizeof g->uuid, "%s", f2);
        snprintf(g->bus, sizeof g->bus, "%s", f3);
        if (parse_ull(f4, &g->power_mw)) continue;
        if (strcmp(f5, "none") == 0)
            g->energy_mode = 1;
        else if (strcmp(f5, "ramp") == 0)
            g->energy_mode = 2;
        else if (parse_ull(f5, &g->energy_mj))
            continue;
        g->has_limit = 1;
        g->limit_mw = 300000;
        for (char *o; (o = strtok_r(NULL, " \t\r\n", &save));) {
            if (strcmp(o, "fail") == 0)
                g->fail = 1;
            else if (strcmp(o, "nopower") == 0)
                g->nopower = 1;
            else if (strcmp(o, "limit=none") == 0)
                g->has_limit = 0;
            else if (strncmp(o, "limit=", 6) == 0)
                parse_ull(o + 6, &g->limit_mw);
            else if (strncmp(o, "procs=", 6) == 0)
                parse_procs(g, o + 6);
            else if (strncmp(o, "temps=", 6) == 0)
                parse_temps(g, o + 6);
        }
        st->ngpu++;
    }
    fclose(f);
}

/* Common entry of per-device calls: locks, loads, checks init and the handle.
 * On success returns NVML_SUCCESS with the lock held and *g set. */
static nvmlReturn_t enter_device(nvmlDevice_t dev, fake_state *st, const fake_gpu **g) {
    pthread_mutex_lock(&lock);
    if (init_refs <= 0) {
        pthread_mutex_unlock(&lock);
        return NVML_ERROR_UNINITIALIZED;
    }
    load(st);
    const char *c = (const char *)dev;
    if (c < cookies || c >= cookies + FAKE_MAX_GPUS) {
        pthread_mutex_unlock(&lock);
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    int i = (int)(c - cookies);
    if (i >= st->ngpu) {
        pthread_mutex_unlock(&lock);
        return NVML_ERROR_GPU_IS_LOST;
    }
    if (st->gpu[i].fail) {
        pthread_mutex_unlock(&lock);
        return NVML_ERROR_UNKNOWN;
    }
    *g = &st->gpu[i];
    return NVML_SUCCESS;
}

/* The parsed control file; every use is under lock. */
static fake_state state;

EXPORT nvmlReturn_t nvmlInit_v2(void) {
    pthread_mutex_lock(&lock);
    fake_state *st = &state;
    load(st);
    nvmlReturn_t r = NVML_SUCCESS;
    if (!st->ok)
        r = NVML_ERROR_DRIVER_NOT_LOADED;
    else if (st->init_fail)
        r = st->init_code;
    if (r == NVML_SUCCESS) {
        init_refs++;
        if (!have_t0) {
            t0 = mono_now();
            have_t0 = 1;
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlShutdown(void) {
    pthread_mutex_lock(&lock);
    nvmlReturn_t r = NVML_SUCCESS;
    if (init_refs <= 0)
        r = NVML_ERROR_UNINITIALIZED;
    else
        init_refs--;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT int fake_nvml_init_refs(void) {
    pthread_mutex_lock(&lock);
    int r = init_refs;
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    default: return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&lock);
    nvmlReturn_t r = NVML_ERROR_UNINITIALIZED;
    if (init_refs > 0) {
        load(&state);
        *count = (unsigned)state.ngpu;
        r = NVML_SUCCESS;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev) {
    if (!dev) return NVML_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&lock);
    nvmlReturn_t r = NVML_ERROR_UNINITIALIZED;
    if (init_refs > 0) {
        load(&state);
        if (index >= (unsigned)state.ngpu)
            r = NVML_ERROR_INVALID_ARGUMENT;
        else if (state.gpu[index].fail)
            r = NVML_ERROR_UNKNOWN;
        else {
            *dev = (nvmlDevice_t)(void *)&cookies[index];
            r = NVML_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

static nvmlReturn_t copy_text(const char *s, char *buf, unsigned int len) {
    if (!buf) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(s) + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(buf, s, strlen(s) + 1);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t dev, char *name, unsigned int len) {
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    r = copy_text(g->name, name, len);
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t dev, char *uuid, unsigned int len) {
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    r = copy_text(g->uuid, uuid, len);
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t dev, nvmlPciInfo_t *pci) {
    if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busId, sizeof pci->busId, "%s", g->bus);
    unsigned dom = 0, bus = 0, devno = 0;
    if (sscanf(g->bus, "%x:%x:%x", &dom, &bus, &devno) == 3) {
        pci->domain = dom;
        pci->bus = bus;
        pci->device = devno;
    }
    /* busIdLegacy is "DDDD:BB:DD.F" (4-digit domain). */
    const char *colon = strchr(g->bus, ':');
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04x:%.10s", dom & 0xffffu, colon ? colon + 1 : "");
    pthread_mutex_unlock(&lock);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t dev, unsigned int *power) {
    if (!power) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    if (g->nopower)
        r = NVML_ERROR_NOT_SUPPORTED;
    else
        *power = (unsigned int)g->power_mw;
    pthread_mutex_unlock(&lock);
    return r;
}

#ifndef FAKE_NVML_NO_ENERGY
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t dev,
                                                        unsigned long long *energy) {
    if (!energy) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    if (g->energy_mode == 1)
        r = NVML_ERROR_NOT_SUPPORTED;
    else if (g->energy_mode == 2)
        *energy = (unsigned long long)((double)g->power_mw * (mono_now() - t0));
    else
        *energy = g->energy_mj;
    pthread_mutex_unlock(&lock);
    return r;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t dev, unsigned int *limit) {
    if (!limit) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    if (!g->has_limit)
        r = NVML_ERROR_NOT_SUPPORTED;
    else
        *limit = (unsigned int)g->limit_mw;
    pthread_mutex_unlock(&lock);
    return r;
}

typedef struct {
    unsigned int pid;
    unsigned long long timeStamp;
    unsigned int smUtil, memUtil, encUtil, decUtil;
} nvmlProcessUtilizationSample_t;

EXPORT nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t dev, nvmlProcessUtilizationSample_t *smp,
                                                    unsigned int *count, unsigned long long last_seen) {
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    if (!smp || *count < (unsigned int)g->nproc) {
        *count = (unsigned int)g->nproc;
        r = NVML_ERROR_INSUFFICIENT_SIZE;
    } else {
        for (int i = 0; i < g->nproc; i++)
            smp[i] = (nvmlProcessUtilizationSample_t){g->proc_pid[i], last_seen + 1, g->proc_sm[i], 0, 0, 0};
        *count = (unsigned int)g->nproc;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* calls of nvmlDeviceGetTemperature so far, per GPU (the control file is re-read on every call) */
static int temp_calls[FAKE_MAX_GPUS];

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned int *temp) {
    if (!temp || sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
    const fake_gpu *g;
    nvmlReturn_t r = enter_device(dev, &state, &g);
    if (r != NVML_SUCCESS) return r;
    int i = (int)(g - state.gpu);
    if (!g->ntemp) {
        r = NVML_ERROR_NOT_SUPPORTED;
    } else {
        int k = temp_calls[i] < g->ntemp ? temp_calls[i] : g->ntemp - 1;
        *temp = g->temp[k];
        temp_calls[i]++;
    }
    pthread_mutex_unlock(&lock);
    return r;
}
