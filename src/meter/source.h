/* source.h -- the interface every energy source implements (nvml, rapl,
 * estimate, trace), the table of sources the meter core opens, and what the
 * sources share. Internal to libpowertrain-meter. */
#ifndef PT_METER_SOURCE_H
#define PT_METER_SOURCE_H

#include <stddef.h>

#include "powertrain/meter.h"

/* One reading of one component. The core unwraps counters (wrap_j) and
 * derives power from counter differences where has_power is 0. */
typedef struct {
    int ok;          /* 0: this component could not be read now */
    double energy_j; /* raw counter value in joules (has_counter) */
    double power_w;  /* instantaneous power in watts (has_power) */
    double job_share; /* GPUs: the job's share of the utilisation since the last regular
                         read, 0..1; NAN when the source cannot tell (counted whole) */
    int foreign;      /* GPUs: another process used it since the last regular read */
} pt_reading;

typedef struct pt_source pt_source;

typedef struct {
    const char *name; /* "nvml", "rapl", "estimate", "trace" */
    /* Reads every component into out[0..ncomp-1]. t_s: seconds on the meter's
     * clock. regular: 1 for the sampler's periodic samples, 0 for the extra
     * reads at marks and window boundaries (a source that keeps state between
     * reads, like the estimate's utilisation, should only advance it on
     * regular reads). Returns 0, or -1 when the whole source failed (every
     * out[i].ok is then 0). */
    int (*read)(pt_source *src, double t_s, int regular, pt_reading *out);
    void (*close)(pt_source *src); /* frees impl and comp */
    /* Optional (NULL: the source reads none): component i's temperature now, in
     * degrees Celsius (GPUs: NVML's GPU sensor, AMD SMI's edge sensor). 0, or -1
     * when it cannot be read. Never called under the sampler's regular reads. */
    int (*temperature)(pt_source *src, int i, double *celsius);
} pt_source_ops;

struct pt_source {
    const pt_source_ops *ops;
    int ncomp;
    pt_meter_component *comp; /* ncomp descriptors; the core fills update_period_s */
    int *has_power;           /* per component: reading.power_w is valid */
    int job_pid;              /* set by the core before each read: the attributed
                                 process tree's root (0: none) */
    void *impl;
};

/* What the sources opened before this one do not measure yet: an open may
 * fill only the gaps (the estimate does). */
typedef struct {
    int need_cpu;  /* no billed CPU component yet (no readable RAPL package zone) */
    int need_dram; /* no billed DRAM component yet (no readable RAPL dram zone) */
} pt_source_needs;

/* Each open returns 0 with *out set (ncomp >= 1), or -1 with the reason for
 * unavailability in why ("library libnvidia-ml.so.1 not found", "permission
 * denied: ..."). A hard configuration error (malformed trace file, bad gpus
 * list) returns -2 with the message in why; pt_meter_open then fails. An open
 * never exits. needs may be NULL (tests): then nothing is measured yet. */
typedef int (*pt_source_open_fn)(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out,
                                 char *why, size_t whylen);
int pt_nvml_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                 size_t whylen);
int pt_amdsmi_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                   size_t whylen);
int pt_rapl_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                 size_t whylen);
int pt_estimate_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out,
                     char *why, size_t whylen);
int pt_trace_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                  size_t whylen);

/* Why a source is not opened at all (its whole status line, "not used: ...",
 * "not needed: ..."), or NULL to open it when it is selected. */
typedef const char *(*pt_source_unused_fn)(const pt_meter_config *cfg, const pt_source_needs *needs);
const char *pt_trace_unused(const pt_meter_config *cfg, const pt_source_needs *needs);
const char *pt_estimate_unused(const pt_meter_config *cfg, const pt_source_needs *needs);

/* The energy sources, in the order pt_meter_open tries them (counters before
 * the estimate that fills their gaps). Adding a source: src/meter/<name>.c
 * with its open, a declaration above, a line in pt_sources (source.c) and
 * the file in PT_METER_SOURCES (CMakeLists.txt). */
typedef struct {
    const char *name;           /* "trace", "nvml", "rapl", "estimate" */
    unsigned flag;              /* its PT_SOURCE_* bit of pt_meter_config.sources */
    pt_source_open_fn open;
    pt_source_unused_fn unused; /* NULL: opened whenever selected */
} pt_source_entry;

#define PT_SOURCES_MAX 8
extern const pt_source_entry pt_sources[];
extern const int pt_nsources;

/* Allocates a source with n zeroed components (and has_power); NULL on OOM. */
pt_source *pt_source_alloc(const pt_source_ops *ops, int n);
/* Frees comp, has_power and the source itself (not impl). */
void pt_source_free(pt_source *src);

/* Root for sysfs/procfs paths: POWERTRAIN_SYSFS_ROOT / POWERTRAIN_PROC_ROOT
 * when set (tests point them at fake trees), else "". */
const char *pt_sysfs_root(void);
const char *pt_proc_root(void);

#endif
