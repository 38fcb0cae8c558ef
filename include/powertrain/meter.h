/* powertrain/meter.h -- libpowertrain-meter: measure the energy a job draws.
 *
 * A meter discovers energy sources (NVML GPUs, RAPL powercap zones, a CPU/DRAM
 * estimate, a replayed trace), samples every source on a sampler thread at a
 * fixed interval on CLOCK_MONOTONIC, and cuts the timeline into labelled
 * windows. For each window and component it reports two energies:
 *   counter  difference of hardware energy counters (NAN where none exists)
 *   eq1      the paper's Equation (1): mean sampled power x duration
 * and the figure of the component's method (counter, eq1 or estimated).
 *
 * Typical use:
 *   pt_meter_config cfg; pt_meter_config_init(&cfg);
 *   pt_meter *m = pt_meter_open(&cfg);          // NULL: pt_meter_last_error()
 *   pt_meter_start(m);
 *   int w = pt_meter_window_begin(m, "epoch 1");
 *   ... train ...
 *   pt_meter_window_end(m, w);
 *   pt_meter_window win; pt_meter_window_read(m, w, &win);
 *   pt_meter_close(m);
 *
 * All functions returning int return >= 0 on success and -1 on error, with
 * the reason in pt_meter_last_error() (thread-local). Marks, window calls and
 * reads are thread-safe. Units are joules, watts and seconds.
 *
 * fork(): a meter is inert in a child of fork() (a data-loader worker). Every
 * call on the inherited copy returns -1 with "meter unavailable: it was
 * inherited across fork() ..." in pt_meter_last_error(); pt_meter_now returns
 * NAN and pt_meter_close does nothing (the copy goes with the child). No such
 * call takes the meter's mutex, which the parent's sampler thread may have
 * held at the fork, so none can hang; the child counts no energy and the
 * parent's figures are unaffected. A child may open a meter of its own.
 */
#ifndef POWERTRAIN_METER_H
#define POWERTRAIN_METER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PT_METER_BUILD_SHARED)
#define PT_METER_API __attribute__((visibility("default")))
#else
#define PT_METER_API
#endif

#define PT_METER_VERSION "0.1.0"
#define PT_METER_NAME_MAX 64
#define PT_METER_TEXT_MAX 160

typedef struct pt_meter pt_meter;

/* How a figure was obtained. */
typedef enum {
    PT_METHOD_COUNTER = 0,  /* hardware energy counter difference */
    PT_METHOD_EQ1 = 1,      /* mean sampled power x duration (measured power) */
    PT_METHOD_ESTIMATED = 2 /* modelled (utilisation x TDP, per-GB DRAM): not a measurement */
} pt_meter_method;

typedef enum {
    PT_KIND_CPU = 0,  /* a CPU package (RAPL package zone or the estimate) */
    PT_KIND_DRAM = 1,
    PT_KIND_GPU = 2,
    PT_KIND_PSYS = 3, /* platform zone: reported apart, never added to totals */
    PT_KIND_OTHER = 4 /* e.g. a trace component */
} pt_meter_kind;

/* How a component's energy was split between the job and the rest of the
 * machine (job energy beside machine energy, per window and component):
 *   whole      all of it is the job's: no process attribution was asked for
 *              (attribute_pid 0), a GPU the job has alone, or a component
 *              that is neither CPU, DRAM nor GPU
 *   cpu-share  CPU and DRAM: per sampling interval,
 *                (P - P_idle) x the job's share of busy CPU time
 *              + P_idle x the job's share of the machine's cores (its CPU
 *                time over the interval's CPU capacity, cores x interval)
 *              with P_idle measured (pt_meter_set_idle) or the source's own
 *              model (pt_meter_component.idle_w), never a residual
 *   gpu-share  a GPU another process used: the job's share of its per-process
 *              utilisation (NVML), flagged (pt_meter_energy.gpu_shared)
 *   unknown    CPU share asked for but no idle power known: job_j is NAN */
typedef enum {
    PT_ATTR_WHOLE = 0,
    PT_ATTR_CPU_SHARE = 1,
    PT_ATTR_GPU_SHARE = 2,
    PT_ATTR_UNKNOWN = 3
} pt_meter_attribution;

/* Source selection bits for pt_meter_config.sources. */
#define PT_SOURCE_NVML 1u
#define PT_SOURCE_RAPL 2u
#define PT_SOURCE_ESTIMATE 4u
#define PT_SOURCE_TRACE 8u
#define PT_SOURCE_AMDSMI 16u
#define PT_SOURCE_ALL 31u

typedef void (*pt_meter_warn_fn)(void *ctx, const char *message);

typedef struct {
    unsigned interval_ms;   /* sampling interval, 1..60000; 0 = no sampler thread
                               (samples only via pt_meter_sample and marks); default 100 */
    unsigned sources;       /* PT_SOURCE_* bits; default PT_SOURCE_ALL (trace only with trace_path) */
    const char *gpus;       /* NULL: the GPUs the job can see (SLURM_STEP_GPUS,
                               SLURM_JOB_GPUS, CUDA_VISIBLE_DEVICES); "all"; or a
                               comma list of NVML indices, GPU-UUIDs or PCI bus ids */
    double cpu_tdp_w;       /* estimate: CPU TDP in watts (all sockets); 0 = table/default */
    int attribute_pid;      /* > 0: also attribute CPU energy to this process tree */
    const char *trace_path; /* CSV "t_seconds,component,watts" to replay (trace source) */
    pt_meter_warn_fn warn;  /* warnings (wrap risk, short windows, failing source);
                               NULL = print "powertrain-meter: warning: ..." to stderr.
                               Called without the meter's lock (it may call the meter),
                               from the calling thread or the sampler thread. */
    void *warn_ctx;
    int quiet_short_windows; /* 1: flag windows shorter than two update periods
                                (pt_meter_window.short_window) without a warning,
                                for callers that report them themselves */
} pt_meter_config;

typedef struct {
    char name[PT_METER_NAME_MAX];   /* "gpu-0", "package-0", "dram-0", "psys", "cpu" */
    char source[16];                /* "nvml", "amdsmi", "rapl", "estimate", "trace" */
    char model[PT_METER_TEXT_MAX];  /* device or CPU model name */
    char id[PT_METER_TEXT_MAX];     /* GPU UUID, powercap zone path, ... */
    char bus_id[32];                /* PCI bus id of a GPU, else "" */
    pt_meter_kind kind;
    pt_meter_method method;         /* method of energy_j figures for this component */
    int has_counter;                /* an energy counter exists */
    int billed;                     /* counted in window totals (psys never) */
    double power_limit_w;           /* enforced power limit, 0 when unknown */
    double wrap_j;                  /* counter range in joules, 0 when it never wraps */
    double update_period_s;         /* measured: mean time between changes of the reading;
                                       0 = not yet known. Bounded below by the interval. */
    char note[PT_METER_TEXT_MAX];   /* e.g. "TDP 20 W: 10 W per logical CPU (default)" */
    double idle_w;                  /* idle power: measured (pt_meter_set_idle) when set, else
                                       the source's own model (the estimate's), else NAN */
} pt_meter_component;

typedef struct {
    char name[16];                 /* "nvml", "amdsmi", "rapl", "estimate", "trace" */
    int available;                 /* 1 when it gave at least one component */
    /* "ok: 2 components", "unavailable: <why and fix>", "not selected",
       "not used: <why>" or "not needed: <why>" */
    char status[PT_METER_TEXT_MAX * 2];
} pt_meter_source;

/* Energy of one component over one window. */
typedef struct {
    pt_meter_method method; /* the method of energy_j */
    double energy_j;        /* figure of the stated method */
    double counter_j;       /* counter difference; NAN when the component has no counter */
    double eq1_j;           /* mean sampled power x duration */
    double mean_w;          /* mean sampled power (NAN when no sample) */
    double peak_w;          /* highest sampled power (NAN when no sample) */
    long samples;           /* power samples inside the window */
    double process_j;       /* with attribute_pid: the process tree's share, else NAN */
    int degraded;           /* the source failed during the window: figures are partial */
    double machine_j;       /* = energy_j: the whole component's energy, every process's */
    double job_j;           /* the job's share (see pt_meter_attribution); NAN when unknown */
    pt_meter_attribution attribution;
    double other_cpu_share; /* other processes' busy CPU time over the machine's CPU
                               capacity in the window, 0..1 (NAN without attribute_pid) */
    int gpu_shared;         /* a GPU component another process used during the window */
} pt_meter_energy;

typedef struct {
    char label[PT_METER_NAME_MAX];
    double start_s, end_s;  /* seconds since pt_meter_start; end = last sample when open */
    int open;               /* still running: figures are up to the latest sample */
    int short_window;       /* shorter than two update periods of some billed source */
    int degraded;           /* some component degraded */
    double energy_j;        /* sum of billed components' energy_j */
    pt_meter_method method; /* weakest method in the sum (estimated > eq1 > counter) */
    double process_j;       /* sum of components' process_j, NAN without attribute_pid */
    double machine_j;       /* = energy_j */
    double job_j;           /* sum of billed components' job_j; NAN when any is unknown */
    pt_meter_attribution attribution; /* unknown > gpu-share > cpu-share > whole */
    double other_cpu_share; /* as pt_meter_energy's (the same for every component) */
    int gpu_shared;         /* some billed GPU was used by another process */
} pt_meter_window;

PT_METER_API const char *pt_meter_version(void);
PT_METER_API const char *pt_meter_last_error(void);
PT_METER_API const char *pt_meter_method_name(pt_meter_method m); /* "counter", "eq1", "estimated" */
PT_METER_API const char *pt_meter_kind_name(pt_meter_kind k);
/* "whole", "cpu-share", "gpu-share", "unknown" */
PT_METER_API const char *pt_meter_attribution_name(pt_meter_attribution a);

PT_METER_API void pt_meter_config_init(pt_meter_config *cfg);
/* Discovers sources, one source-list entry each, in the order trace, nvml,
 * rapl, estimate. Fails only on bad configuration (e.g. a malformed trace or
 * --gpus list): a missing GPU or unreadable RAPL is reported by the source
 * list, and the estimate (unless deselected) models the CPU and DRAM that no
 * counter measures; a replayed trace stands for all the hardware. */
PT_METER_API pt_meter *pt_meter_open(const pt_meter_config *cfg);
PT_METER_API void pt_meter_close(pt_meter *m);

PT_METER_API int pt_meter_source_count(const pt_meter *m);
PT_METER_API int pt_meter_source_info(const pt_meter *m, int i, pt_meter_source *out);
PT_METER_API int pt_meter_component_count(const pt_meter *m);
PT_METER_API int pt_meter_component_info(const pt_meter *m, int i, pt_meter_component *out);
/* Component i's temperature in degrees Celsius, read now from its source (GPUs:
 * NVML's GPU sensor, AMD SMI's edge sensor). 0, or -1 when its source reads none
 * or the read failed: the temperature is unavailable (nothing else changes). */
PT_METER_API int pt_meter_component_temperature(pt_meter *m, int i, double *celsius);

/* Starts the clock (t = 0) and the sampler thread. */
PT_METER_API int pt_meter_start(pt_meter *m);
/* Stops the sampler; windows still open are ended at the stop time. */
PT_METER_API int pt_meter_stop(pt_meter *m);
/* Seconds since pt_meter_start on CLOCK_MONOTONIC. */
PT_METER_API double pt_meter_now(const pt_meter *m);
/* Takes one regular sample now (the sampler thread does this every interval). */
PT_METER_API int pt_meter_sample(pt_meter *m);

/* A labelled instant (reads every counter); returns the mark index. */
PT_METER_API int pt_meter_mark(pt_meter *m, const char *label);
PT_METER_API int pt_meter_mark_count(const pt_meter *m);
PT_METER_API int pt_meter_mark_read(const pt_meter *m, int i, char label[PT_METER_NAME_MAX], double *t_s);

/* Windows may overlap and nest. begin returns the window id. */
PT_METER_API int pt_meter_window_begin(pt_meter *m, const char *label);
PT_METER_API int pt_meter_window_end(pt_meter *m, int window);
/* Ends `window` and begins a new one labelled `label` at the same instant
 * (one read of the sources): consecutive epochs cut this way tile the
 * timeline with no gap. Returns the new window's id. */
PT_METER_API int pt_meter_window_cut(pt_meter *m, int window, const char *label);
PT_METER_API int pt_meter_window_count(const pt_meter *m);
PT_METER_API int pt_meter_window_read(const pt_meter *m, int window, pt_meter_window *out);
PT_METER_API int pt_meter_window_component(const pt_meter *m, int window, int component,
                                           pt_meter_energy *out);

/* Attributes CPU energy to process tree `pid` from now on (its CPU time over
 * all busy CPU time in each interval); pid <= 0 turns it off. */
PT_METER_API int pt_meter_attribute(pt_meter *m, int pid);
/* Sets component k's measured idle power (watts; NAN forgets it, falling back
 * to the source's model). Used by cpu-share attribution from then on. */
PT_METER_API int pt_meter_set_idle(pt_meter *m, int component, double idle_w);
/* Sets every component's idle power to its mean power over closed window w
 * (measured while the machine was idle, e.g. `measure --idle`, `study --idle`). */
PT_METER_API int pt_meter_idle_from_window(pt_meter *m, int window);

/* Called from the sampler thread after every regular sample with each
 * component's power (NAN when unknown) and unwrapped cumulative counter energy
 * (NAN when no counter). Set before pt_meter_start. */
typedef void (*pt_meter_sample_fn)(void *ctx, double t_s, int ncomp, const double *power_w,
                                   const double *counter_j);
PT_METER_API int pt_meter_set_sample_fn(pt_meter *m, pt_meter_sample_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
