/* meter.c -- the meter core: source discovery (the pt_sources table of
 * source.c, tried in order), the sampler thread, counter
 * unwrapping, windows and their energy arithmetic (counter and Equation 1).
 *
 * Timeline. Every read of the sources is either *regular* (the sampler
 * thread's periodic sample, or pt_meter_sample) or a *boundary* read (a mark,
 * a window begin or end). Counters are read and unwrapped on both kinds, so a
 * window's counter energy is exact at its boundaries. Power samples come from
 * regular reads only: the source's own power where it has one, else the
 * counter difference since the previous regular read divided by its duration.
 * A window's eq1 energy is the mean of the power samples taken in (t0, t1]
 * times t1 - t0 (the paper's Equation 1); with no sample inside, the last
 * known power stands in (samples = 0 says so).
 *
 * Failures. A component that was never read successfully has no data yet
 * (a trace that starts later): its empty reads are not failures. After that,
 * each component counts its failed reads and counter resets; a
 * window whose begin and end counts differ is degraded. A failed read leaves
 * the cumulative counter where it was, and a counter that goes backwards
 * without a wrap range adds nothing, so energy is never negative.
 *
 * Fork. A child of fork() has no sampler thread, and the meter's mutex may
 * have been held (by the sampler or another thread) at the instant of the
 * fork. A pthread_atfork child handler (registered once, by the first open)
 * advances fork_gen; a meter opened in another generation is inherited, and
 * every call on it fails with "unavailable" before touching its mutex, its
 * thread or its sources (pt_meter_now gives NAN, pt_meter_close does
 * nothing). The child cannot deadlock, nor count the energy the parent
 * counts; the parent's figures are its own memory. No prepare handler: fork
 * never waits for a sample (nor for a sample callback that forks).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "meter/proc.h"
#include "meter/source.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/str.h"

#define PT_PENDING_MAX 4

static _Thread_local char last_error[512];

/* Fork generation: 0 in the process that loaded the library, advanced in
   every child of fork() (the atfork child handler runs while the child has one
   thread, and nothing else writes it, so plain reads are race-free). */
static unsigned fork_gen;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void set_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

/* Runtime state of one component. */
typedef struct {
    pt_source *src;
    int idx;          /* index inside src */
    double cum_j;     /* unwrapped counter energy since the first read */
    double last_raw;  /* last raw counter value read */
    int have_raw;
    int have_ok;      /* a reading succeeded once: before, not-ok means "no data yet" */
    double reg_cum_j; /* cum_j at the previous regular read */
    double reg_t;     /* time of the previous regular read */
    int have_reg;
    double power_w;   /* last power sample, NAN when none yet */
    double peak_all_w;
    long fails;       /* failed reads + counter resets so far */
    int warned_fail, warned_wrap;
    /* update period: mean time between changes of the reading */
    double last_val, last_change_t, sum_change_dt;
    long nchange;
    int have_val, have_change;
    double idle_set_w; /* measured idle power (pt_meter_set_idle), NAN when not set */
    double last_ratio; /* job share of the latest attributed interval, NAN before one */
} comp_state;

/* Per-window, per-component accumulators. */
typedef struct {
    double cum0, cum1;   /* counter at begin and end */
    double sum_w, peak_w;
    long n;
    long fails0, fails1;
    double process_j;
    double attr_e, attr_job; /* attributed intervals: machine and job energy */
    int attr_unknown;        /* an interval whose idle power was unknown */
    int gpu_shared;          /* an interval where another process used this GPU */
} wcomp;

typedef struct {
    char label[PT_METER_NAME_MAX];
    double t0, t1;
    int open, short_window;
    unsigned long long other_jif, cap_jif; /* other processes' busy and total CPU jiffies */
    wcomp *c; /* ncomp entries */
} window;

typedef struct {
    char label[PT_METER_NAME_MAX];
    double t;
} mark;

struct pt_meter {
    pt_meter_config cfg;
    char gpus_buf[512], trace_buf[4096];
    pt_meter_source sinfo[PT_SOURCES_MAX];
    int nsources;
    pt_source *src[PT_SOURCES_MAX];
    int nsrc; /* opened sources */
    comp_state *cs;
    pt_meter_component *cinfo; /* copies of the sources' descriptors */
    int ncomp;
    pt_reading *rbuf; /* per source scratch, sized to the largest */
    double *pbuf, *cbuf;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, thread_started, stopping;
    double interval_s;
    pt_meter_clock_fn clock;
    void *clock_ctx;
    double origin; /* clock value at start (or open) */
    double last_t; /* time of the latest read */

    window *win;
    int nwin;
    size_t capwin;
    mark *marks;
    int nmarks;
    size_t capmarks;

    pt_meter_sample_fn sample_fn;
    void *sample_ctx;

    /* spacing of regular samples, to tell a real update period from the
       sampling interval itself */
    double reg_last_t, reg_sum_dt;
    long reg_n;
    int have_reg_t;

    /* warnings queued under mu, emitted by unlock() */
    char pending[PT_PENDING_MAX][512];
    int npending;

    /* process attribution: CPU jiffies at the previous regular read, and the
       shares of the latest interval (job's of busy time, of capacity; others') */
    unsigned long long tree_prev, busy_prev, total_prev;
    int have_attr, sh_ok;
    double sh_busy, sh_cores, sh_other;
    pt_meter_tree_fn tree_fn; /* tests: stands for pt_proc_tree_jiffies */
    pt_tree_reader tree_rd;   /* the attributed tree's stat files, kept open */
    pt_cpu_reader stat_rd;    /* /proc/stat, kept open (opened at the first use) */
    int self_only;            /* pt_meter_set_self_only */
    void *tree_ctx;

    unsigned gen; /* fork_gen at open: another value means inherited across fork */
    long pid;     /* the process that opened it, for the message */
};

static void fork_child(void) { fork_gen++; }

static void fork_register(void) { pthread_atfork(NULL, NULL, fork_child); }

/* 1 (with the error set) when m was inherited across fork: the caller returns
   at once, touching nothing the parent's threads may have held or changed. */
static int inherited(const pt_meter *m) {
    if (m->gen == fork_gen) return 0;
    set_error("meter unavailable: it was inherited across fork() from process %ld; "
              "a child's copy is inert (open a new meter in the child)", m->pid);
    return 1;
}

static double default_clock(void *ctx) {
    (void)ctx;
    return pt_clock_now();
}

/* Warnings are queued under the mutex and handed to the callback by unlock()
   after the mutex is released, so a callback may call the meter. */
static void warn(pt_meter *m, const char *fmt, ...) {
    if (m->npending == PT_PENDING_MAX) return; /* at most a few per call: the rest are repeats */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->pending[m->npending++], sizeof m->pending[0], fmt, ap);
    va_end(ap);
}

static void unlock(pt_meter *m) {
    int n = m->npending;
    char msgs[PT_PENDING_MAX][512];
    if (n) memcpy(msgs, m->pending, (size_t)n * sizeof msgs[0]);
    m->npending = 0;
    pthread_mutex_unlock(&m->mu);
    for (int i = 0; i < n; i++) {
        if (m->cfg.warn) m->cfg.warn(m->cfg.warn_ctx, msgs[i]);
        else fprintf(stderr, "powertrain-meter: warning: %s\n", msgs[i]);
    }
}

const char *pt_meter_version(void) { return PT_METER_VERSION; }
const char *pt_meter_last_error(void) { return last_error; }

const char *pt_meter_method_name(pt_meter_method m) {
    switch (m) {
    case PT_METHOD_COUNTER: return "counter";
    case PT_METHOD_EQ1: return "eq1";
    case PT_METHOD_ESTIMATED: return "estimated";
    }
    return "?";
}

const char *pt_meter_attribution_name(pt_meter_attribution a) {
    switch (a) {
    case PT_ATTR_WHOLE: return "whole";
    case PT_ATTR_CPU_SHARE: return "cpu-share";
    case PT_ATTR_GPU_SHARE: return "gpu-share";
    case PT_ATTR_UNKNOWN: return "unknown";
    }
    return "?";
}

const char *pt_meter_kind_name(pt_meter_kind k) {
    switch (k) {
    case PT_KIND_CPU: return "cpu";
    case PT_KIND_DRAM: return "dram";
    case PT_KIND_GPU: return "gpu";
    case PT_KIND_PSYS: return "psys";
    case PT_KIND_OTHER: return "other";
    }
    return "?";
}

void pt_meter_config_init(pt_meter_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->interval_ms = 100;
    cfg->sources = PT_SOURCE_ALL;
}

static double now_abs(const pt_meter *m) { return m->clock(m->clock_ctx); }

double pt_meter_now(const pt_meter *m) { return inherited(m) ? NAN : now_abs(m) - m->origin; }

/* ---- discovery -------------------------------------------------------- */

static void add_status(pt_meter *m, const char *name, int available, const char *status) {
    pt_meter_source *s = &m->sinfo[m->nsources++];
    pt_strlcpy(s->name, name, sizeof s->name);
    s->available = available;
    pt_strlcpy(s->status, status, sizeof s->status);
}

/* Runs one source's open; returns -1 only on a hard configuration error. */
static int try_source(pt_meter *m, const char *name, int rc, pt_source *src, const char *why) {
    char status[sizeof m->sinfo[0].status];
    if (rc == -2) {
        set_error("%s", why);
        return -1;
    }
    if (rc == 0 && src && src->ncomp > 0) {
        snprintf(status, sizeof status, "ok: %d component%s", src->ncomp, src->ncomp == 1 ? "" : "s");
        add_status(m, name, 1, status);
        m->src[m->nsrc++] = src;
    } else {
        if (rc == 0 && src) src->ops->close(src);
        snprintf(status, sizeof status, "unavailable: %s", why[0] ? why : "no components");
        add_status(m, name, 0, status);
        /* the one refusal a user can fix for good: said once, also to studies
           and the binding, which do not print the source list */
        if (strstr(why, "permission denied")) warn(m, "%s unavailable: %s", name, why);
    }
    return 0;
}

static int has_kind(const pt_meter *m, pt_meter_kind kind) {
    for (int s = 0; s < m->nsrc; s++)
        for (int i = 0; i < m->src[s]->ncomp; i++)
            if (m->src[s]->comp[i].kind == kind && m->src[s]->comp[i].billed) return 1;
    return 0;
}

/* Checks the configuration; -1 with the error set when it is out of range. */
static int validate_config(const pt_meter_config *cfg) {
    if (cfg->interval_ms > 60000) {
        set_error("sampling interval %u ms is out of range (1..60000 ms)", cfg->interval_ms);
        return -1;
    }
    if (cfg->cpu_tdp_w < 0 || !isfinite(cfg->cpu_tdp_w)) {
        set_error("CPU TDP must be a positive number of watts");
        return -1;
    }
    return 0;
}

/* Keeps the meter's own copies of the strings the config points at. */
static int own_config(pt_meter *m, pt_meter_config cfg) {
    if (cfg.gpus) {
        if (pt_strlcpy(m->gpus_buf, cfg.gpus, sizeof m->gpus_buf) >= sizeof m->gpus_buf) {
            set_error("--gpus list is too long");
            return -1;
        }
        cfg.gpus = m->gpus_buf;
    }
    if (cfg.trace_path) {
        pt_strlcpy(m->trace_buf, cfg.trace_path, sizeof m->trace_buf);
        cfg.trace_path = m->trace_buf;
        /* A replayed trace stands for the hardware unless sources were chosen. */
        if (cfg.sources == PT_SOURCE_ALL) cfg.sources = PT_SOURCE_TRACE;
    }
    m->cfg = cfg;
    return 0;
}

static void init_sync(pt_meter *m) {
    m->clock = default_clock;
    m->interval_s = m->cfg.interval_ms / 1000.0;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* Tries every source of the table in order; -1 on a hard configuration error. */
static int open_sources(pt_meter *m) {
    for (int e = 0; e < pt_nsources; e++) {
        const pt_source_entry *se = &pt_sources[e];
        pt_source_needs needs = {!has_kind(m, PT_KIND_CPU), !has_kind(m, PT_KIND_DRAM)};
        const char *unused = se->unused ? se->unused(&m->cfg, &needs) : NULL;
        if (unused) {
            add_status(m, se->name, 0, unused);
        } else if (!(m->cfg.sources & se->flag)) {
            add_status(m, se->name, 0, "not selected");
        } else {
            char why[512] = "";
            pt_source *src = NULL;
            int rc = se->open(&m->cfg, &needs, &src, why, sizeof why);
            if (try_source(m, se->name, rc, src, why) != 0) return -1;
        }
    }
    return 0;
}

/* Lays the opened sources' components out in one array (cs, cinfo) and sizes
   the read buffers. */
static int build_components(pt_meter *m) {
    int n = 0, maxc = 1;
    for (int s = 0; s < m->nsrc; s++) {
        n += m->src[s]->ncomp;
        if (m->src[s]->ncomp > maxc) maxc = m->src[s]->ncomp;
    }
    m->ncomp = n;
    m->cs = calloc((size_t)(n ? n : 1), sizeof *m->cs);
    m->cinfo = calloc((size_t)(n ? n : 1), sizeof *m->cinfo);
    m->rbuf = calloc((size_t)maxc, sizeof *m->rbuf);
    m->pbuf = calloc((size_t)(n ? n : 1), sizeof *m->pbuf);
    m->cbuf = calloc((size_t)(n ? n : 1), sizeof *m->cbuf);
    if (!m->cs || !m->cinfo || !m->rbuf || !m->pbuf || !m->cbuf) {
        set_error("out of memory");
        return -1;
    }
    int k = 0;
    for (int s = 0; s < m->nsrc; s++)
        for (int i = 0; i < m->src[s]->ncomp; i++, k++) {
            m->cs[k].src = m->src[s];
            m->cs[k].idx = i;
            m->cs[k].power_w = NAN;
            m->cs[k].idle_set_w = NAN;
            m->cs[k].last_ratio = NAN;
            m->cinfo[k] = m->src[s]->comp[i];
            if (m->cinfo[k].kind == PT_KIND_PSYS) m->cinfo[k].billed = 0;
        }
    return 0;
}

pt_meter *pt_meter_open(const pt_meter_config *cfg_in) {
    pt_meter_config cfg;
    if (cfg_in) cfg = *cfg_in;
    else pt_meter_config_init(&cfg);
    if (validate_config(&cfg) != 0) return NULL;
    pthread_once(&fork_once, fork_register);
    pt_meter *m = calloc(1, sizeof *m);
    if (!m) {
        set_error("out of memory");
        return NULL;
    }
    m->gen = fork_gen;
    m->pid = (long)getpid();
    m->stat_rd.file.fd = -1;
    pt_proc_tree_init(&m->tree_rd);
    if (own_config(m, cfg) != 0) {
        free(m);
        return NULL;
    }
    init_sync(m);
    if (open_sources(m) != 0 || build_components(m) != 0) {
        pt_meter_close(m);
        return NULL;
    }
    m->origin = now_abs(m);
    pthread_mutex_lock(&m->mu);
    unlock(m); /* hands the warnings of the opens to the callback */
    return m;
}

int pt_meter_set_clock(pt_meter *m, pt_meter_clock_fn fn, void *ctx) {
    if (m && inherited(m)) return -1;
    if (!m || !fn || m->running) {
        set_error("pt_meter_set_clock: bad argument or meter already started");
        return -1;
    }
    m->clock = fn;
    m->clock_ctx = ctx;
    m->origin = now_abs(m);
    return 0;
}

int pt_meter_set_self_only(pt_meter *m, int on) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    m->self_only = on != 0;
    m->have_attr = m->sh_ok = 0; /* a new baseline in the new units */
    unlock(m);
    return 0;
}

int pt_meter_set_tree_fn(pt_meter *m, pt_meter_tree_fn fn, void *ctx) {
    if (m && inherited(m)) return -1;
    if (!m || m->running) {
        set_error("pt_meter_set_tree_fn: bad argument or meter already started");
        return -1;
    }
    m->tree_fn = fn;
    m->tree_ctx = ctx;
    return 0;
}

int pt_meter_source_count(const pt_meter *m) { return inherited(m) ? -1 : m->nsources; }

int pt_meter_source_info(const pt_meter *m, int i, pt_meter_source *out) {
    if (inherited(m)) return -1;
    if (i < 0 || i >= m->nsources) {
        set_error("source index %d out of range", i);
        return -1;
    }
    *out = m->sinfo[i];
    return 0;
}

int pt_meter_component_count(const pt_meter *m) { return inherited(m) ? -1 : m->ncomp; }

int pt_meter_component_info(const pt_meter *m, int i, pt_meter_component *out) {
    if (inherited(m)) return -1;
    if (i < 0 || i >= m->ncomp) {
        set_error("component index %d out of range", i);
        return -1;
    }
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    *out = m->cinfo[i];
    const comp_state *c = &m->cs[i];
    out->update_period_s = c->nchange > 0 ? c->sum_change_dt / (double)c->nchange : 0;
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    return 0;
}

int pt_meter_component_temperature(pt_meter *m, int i, double *celsius) {
    if (inherited(m) || i < 0 || i >= m->ncomp || !celsius) return -1;
    pthread_mutex_lock(&m->mu);
    pt_source *src = m->cs[i].src;
    int rc = src->ops->temperature ? src->ops->temperature(src, m->cs[i].idx, celsius) : -1;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

/* The CPU shares of the interval since the previous regular read (sh_*):
   the attributed process tree's share of busy CPU time and of the machine's
   CPU capacity, and the other processes' share of the capacity; folds the
   others' jiffies into the open windows. Returns 1 when the shares are known. */
static int attribution_share(pt_meter *m, double t) {
    unsigned long long tree;
    pt_cpu_times ct;
    int pid = m->cfg.attribute_pid;
    /* the meter's own process (studies): its CPU time without a scan of /proc */
    int self = m->self_only && pid == (int)m->pid && !m->tree_fn;
    if (!m->stat_rd.file.path) (void)pt_proc_cpu_open(&m->stat_rd); /* reads retry */
    if ((m->tree_fn ? m->tree_fn(m->tree_ctx, pid, &tree)
         : self     ? pt_proc_self_jiffies(&tree)
                    : pt_proc_tree_read(&m->tree_rd, pid, &tree)) != 0 ||
        pt_proc_cpu_read(&m->stat_rd, &ct) != 0)
        return m->sh_ok = 0;
    if (m->have_attr && ct.total > m->total_prev && ct.busy >= m->busy_prev) {
        double dt = (double)(tree > m->tree_prev ? tree - m->tree_prev : 0);
        double db = (double)(ct.busy - m->busy_prev), dc = (double)(ct.total - m->total_prev);
        if (dt > db) dt = db; /* tree and machine are read a moment apart */
        m->sh_busy = db > 0 ? dt / db : 0;
        m->sh_cores = dt / dc;
        m->sh_other = (db - dt) / dc;
        m->sh_ok = 1;
        for (int w = 0; w < m->nwin; w++)
            if (m->win[w].open && t > m->win[w].t0) {
                m->win[w].other_jif += (unsigned long long)(db - dt);
                m->win[w].cap_jif += ct.total - m->total_prev;
            }
    } /* else: no jiffy elapsed: the previous interval's shares stand */
    if (!m->have_attr || ct.total > m->total_prev) {
        m->tree_prev = tree;
        m->busy_prev = ct.busy;
        m->total_prev = ct.total;
    }
    m->have_attr = 1;
    return m->sh_ok;
}

/* Idle power of component k: measured, else the source's model, else NAN. */
static double idle_of(const pt_meter *m, int k) {
    return isfinite(m->cs[k].idle_set_w) ? m->cs[k].idle_set_w : m->cinfo[k].idle_w;
}

/* The job's part of component k's energy e over an interval of dt seconds
   (see pt_meter_attribution); NAN when unknown. *unknown and *gpu_shared say why. */
static double job_energy(const pt_meter *m, int k, const pt_reading *r, double e, double dt, int *unknown,
                         int *gpu_shared) {
    pt_meter_kind kind = m->cinfo[k].kind;
    *unknown = *gpu_shared = 0;
    if (kind == PT_KIND_GPU) {
        if (!r->foreign || !isfinite(r->job_share)) return e;
        *gpu_shared = 1;
        return e * r->job_share;
    }
    if (kind != PT_KIND_CPU && kind != PT_KIND_DRAM) return e;
    double idle = idle_of(m, k);
    if (!isfinite(idle)) {
        *unknown = 1;
        return NAN;
    }
    double idle_e = idle * dt, dyn = e - idle_e;
    if (dyn < 0) dyn = 0;
    double job = dyn * m->sh_busy + idle_e * m->sh_cores;
    return job < e ? job : e;
}

/* Folds the job's part of interval energy e (dt seconds, ending at t) of
   component k into the open windows. Needs known CPU shares. */
static void attribute_interval(pt_meter *m, int k, const pt_reading *r, double t, double e, double dt) {
    pt_meter_kind kind = m->cinfo[k].kind;
    if (m->cfg.attribute_pid <= 0 || !isfinite(e) || !(dt > 0)) return;
    if ((kind == PT_KIND_CPU || kind == PT_KIND_DRAM) && !m->sh_ok) return; /* shares not known yet */
    int unknown, shared;
    double job = job_energy(m, k, r, e, dt, &unknown, &shared);
    if (isfinite(job) && e > 0) m->cs[k].last_ratio = job / e;
    for (int w = 0; w < m->nwin; w++) {
        window *win = &m->win[w];
        if (!win->open || !(t > win->t0)) continue;
        wcomp *wc = &win->c[k];
        wc->attr_e += e;
        if (isfinite(job)) wc->attr_job += job;
        wc->attr_unknown |= unknown;
        wc->gpu_shared |= shared;
    }
}

/* Adds a counter reading to the unwrapped cumulative energy. */
static void unwrap_counter(comp_state *c, const pt_meter_component *info, double raw) {
    if (c->have_raw) {
        double d = raw - c->last_raw;
        if (d < 0) {
            if (info->wrap_j > 0) d += info->wrap_j;
            if (d < 0) { /* reset without a wrap range: add nothing */
                d = 0;
                c->fails++;
            }
        }
        c->cum_j += d;
    }
    c->last_raw = raw;
    c->have_raw = 1;
}

/* Records power sample p of component k at t in the meter and the open windows. */
static void add_power_sample(pt_meter *m, int k, double t, double p) {
    comp_state *c = &m->cs[k];
    const pt_meter_component *info = &m->cinfo[k];
    c->power_w = p;
    if (!(c->peak_all_w >= p)) c->peak_all_w = p;
    for (int w = 0; w < m->nwin; w++) {
        window *win = &m->win[w];
        if (!win->open || !(t > win->t0)) continue;
        wcomp *wc = &win->c[k];
        wc->sum_w += p;
        wc->n++;
        if (!(wc->peak_w >= p)) wc->peak_w = p;
    }
    if (info->wrap_j > 0 && !c->warned_wrap && p > 0 && m->interval_s > 0.5 * info->wrap_j / p) {
        c->warned_wrap = 1;
        warn(m, "%s: the %.3f s interval exceeds half the counter's wrap time (%.1f s at %.1f W); "
             "wraps may be missed: use a shorter --interval",
             info->name, m->interval_s, info->wrap_j / p, p);
    }
}

/* Tracks how often the reading val changes (the component's update period). */
static void track_update_period(comp_state *c, double t, double val) {
    if (c->have_val && val != c->last_val) {
        if (c->have_change) {
            c->sum_change_dt += t - c->last_change_t;
            c->nchange++;
        }
        c->last_change_t = t;
        c->have_change = 1;
    }
    c->last_val = val;
    c->have_val = 1;
}

/* A regular read of component k (power sample, attribution, update period). */
static void regular_reading(pt_meter *m, int k, const pt_reading *r, int has_power, double t,
                            int attr_ok, double attr_share) {
    comp_state *c = &m->cs[k];
    const pt_meter_component *info = &m->cinfo[k];
    double interval_e = NAN; /* energy since the previous regular read */
    double p = NAN, dt = c->have_reg ? t - c->reg_t : NAN;
    if (has_power) p = r->power_w;
    else if (info->has_counter && c->have_reg && t > c->reg_t) p = (c->cum_j - c->reg_cum_j) / (t - c->reg_t);
    if (c->have_reg && t > c->reg_t) {
        if (info->has_counter) interval_e = c->cum_j - c->reg_cum_j;
        else if (isfinite(p)) interval_e = p * (t - c->reg_t);
    }
    c->reg_cum_j = c->cum_j;
    c->reg_t = t;
    c->have_reg = 1;
    if (isfinite(p)) add_power_sample(m, k, t, p);
    attribute_interval(m, k, r, t, interval_e, dt);
    if (attr_ok && info->kind == PT_KIND_CPU && isfinite(interval_e)) {
        for (int w = 0; w < m->nwin; w++)
            if (m->win[w].open && t > m->win[w].t0) m->win[w].c[k].process_j += attr_share * interval_e;
    }
    track_update_period(c, t, info->has_counter ? r->energy_j : r->power_w);
}

/* Folds reading r of component k into the meter; fills pbuf[k] and cbuf[k]. */
static void take_reading(pt_meter *m, int k, const pt_reading *r, int has_power, double t, int regular,
                         int attr_ok, double attr_share) {
    comp_state *c = &m->cs[k];
    const pt_meter_component *info = &m->cinfo[k];
    if (!r->ok && !c->have_ok) { /* e.g. a trace that starts later */
        m->pbuf[k] = NAN;
        m->cbuf[k] = NAN;
        return;
    }
    if (!r->ok) {
        c->fails++;
        if (!c->warned_fail) {
            c->warned_fail = 1;
            warn(m, "%s (%s): read failed at t=%.3f s; windows spanning it are marked degraded",
                 info->name, info->source, t);
        }
        m->pbuf[k] = NAN;
        m->cbuf[k] = info->has_counter ? c->cum_j : NAN;
        return;
    }
    c->have_ok = 1;
    if (info->has_counter) unwrap_counter(c, info, r->energy_j);
    if (regular) regular_reading(m, k, r, has_power, t, attr_ok, attr_share);
    else if (has_power && isfinite(r->power_w)) c->power_w = r->power_w;
    m->pbuf[k] = c->power_w;
    m->cbuf[k] = info->has_counter ? c->cum_j : NAN;
}

/* One read of every source at time t (relative). Caller holds mu. */
static void read_all(pt_meter *m, double t, int regular) {
    int k = 0;
    double attr_share = 0;
    int attr_ok = 0;
    if (regular && m->cfg.attribute_pid > 0) {
        attr_ok = attribution_share(m, t);
        attr_share = m->sh_busy;
    }
    for (int s = 0; s < m->nsrc; s++) {
        pt_source *src = m->src[s];
        src->job_pid = m->cfg.attribute_pid;
        for (int i = 0; i < src->ncomp; i++) m->rbuf[i] = (pt_reading){0, 0, NAN, NAN, 0};
        src->ops->read(src, t, regular, m->rbuf);
        for (int i = 0; i < src->ncomp; i++, k++)
            take_reading(m, k, &m->rbuf[i], src->has_power[i], t, regular, attr_ok, attr_share);
    }
    m->last_t = t;
}

static void regular_sample_locked(pt_meter *m) {
    double t = pt_meter_now(m);
    if (m->have_reg_t && t > m->reg_last_t) {
        m->reg_sum_dt += t - m->reg_last_t;
        m->reg_n++;
    }
    m->reg_last_t = t;
    m->have_reg_t = 1;
    read_all(m, t, 1);
    if (m->sample_fn) m->sample_fn(m->sample_ctx, t, m->ncomp, m->pbuf, m->cbuf);
}

int pt_meter_sample(pt_meter *m) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    regular_sample_locked(m);
    unlock(m);
    return 0;
}

static void *sampler_main(void *arg) {
    pt_meter *m = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long step_ns = (long)m->cfg.interval_ms * 1000000L;
    pthread_mutex_lock(&m->mu);
    while (!m->stopping) {
        next.tv_nsec += step_ns;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        int rc = 0;
        while (!m->stopping && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&m->cv, &m->mu, &next);
        if (m->stopping) break;
        regular_sample_locked(m);
        if (m->npending) { /* hand warnings over without the lock */
            unlock(m);
            pthread_mutex_lock(&m->mu);
        }
        /* If we fell behind (a slow source), skip the missed ticks. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
            next = now;
    }
    unlock(m);
    return NULL;
}

int pt_meter_start(pt_meter *m) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    if (m->running) {
        unlock(m);
        set_error("meter already started");
        return -1;
    }
    m->origin = now_abs(m);
    m->running = 1;
    m->stopping = 0;
    regular_sample_locked(m); /* t = 0: baselines for counters and utilisation */
    unlock(m);
    if (m->cfg.interval_ms > 0) {
        if (pthread_create(&m->thread, NULL, sampler_main, m) != 0) {
            set_error("cannot start the sampler thread: %s", strerror(errno));
            m->running = 0;
            return -1;
        }
        m->thread_started = 1;
    }
    return 0;
}

static void end_window_locked(pt_meter *m, window *w, double t);

int pt_meter_stop(pt_meter *m) {
    if (inherited(m)) return -1;
    if (!m->running) return 0;
    if (m->thread_started) {
        pthread_mutex_lock(&m->mu);
        m->stopping = 1;
        pthread_cond_broadcast(&m->cv);
        unlock(m);
        pthread_join(m->thread, NULL);
        m->thread_started = 0;
    }
    pthread_mutex_lock(&m->mu);
    int any = 0;
    for (int w = 0; w < m->nwin; w++) any |= m->win[w].open;
    if (any) {
        double t = pt_meter_now(m);
        read_all(m, t, 0);
        for (int w = 0; w < m->nwin; w++)
            if (m->win[w].open) end_window_locked(m, &m->win[w], t);
    }
    m->running = 0;
    unlock(m);
    return 0;
}

void pt_meter_close(pt_meter *m) {
    if (!m || inherited(m)) return; /* a child's copy: left to the process's exit */
    pt_meter_stop(m);
    for (int s = 0; s < m->nsrc; s++) m->src[s]->ops->close(m->src[s]);
    for (int w = 0; w < m->nwin; w++) free(m->win[w].c);
    free(m->win);
    free(m->marks);
    free(m->cs);
    free(m->cinfo);
    free(m->rbuf);
    free(m->pbuf);
    free(m->cbuf);
    pt_proc_cpu_close(&m->stat_rd);
    pt_proc_tree_close(&m->tree_rd);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}

int pt_meter_attribute(pt_meter *m, int pid) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    m->cfg.attribute_pid = pid > 0 ? pid : 0;
    m->have_attr = m->sh_ok = 0;
    if (m->running && pid > 0) attribution_share(m, pt_meter_now(m)); /* the baseline */
    unlock(m);
    return 0;
}

int pt_meter_set_idle(pt_meter *m, int k, double idle_w) {
    if (inherited(m)) return -1;
    if (k < 0 || k >= m->ncomp || idle_w < 0 || isinf(idle_w)) {
        set_error("pt_meter_set_idle: component %d or idle power %g W out of range", k, idle_w);
        return -1;
    }
    pthread_mutex_lock(&m->mu);
    m->cs[k].idle_set_w = idle_w;
    m->cinfo[k].idle_w = isfinite(idle_w) ? idle_w : m->cs[k].src->comp[m->cs[k].idx].idle_w;
    unlock(m);
    return 0;
}

int pt_meter_idle_from_window(pt_meter *m, int w) {
    if (inherited(m)) return -1;
    pt_meter_window win;
    if (pt_meter_window_read(m, w, &win) != 0) return -1;
    double dur = win.end_s - win.start_s;
    if (win.open || !(dur > 0)) {
        set_error("window %d is open or empty: no idle power from it", w);
        return -1;
    }
    for (int k = 0; k < m->ncomp; k++) {
        pt_meter_energy e;
        if (pt_meter_window_component(m, w, k, &e) == 0 && isfinite(e.machine_j))
            pt_meter_set_idle(m, k, e.machine_j / dur);
    }
    return 0;
}

int pt_meter_set_sample_fn(pt_meter *m, pt_meter_sample_fn fn, void *ctx) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    m->sample_fn = fn;
    m->sample_ctx = ctx;
    unlock(m);
    return 0;
}

/* ---- marks and windows ------------------------------------------------ */

int pt_meter_mark(pt_meter *m, const char *label) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    mark *nm = pt_grow(m->marks, sizeof *nm, (size_t)m->nmarks, &m->capmarks, 16);
    if (!nm) {
        unlock(m);
        set_error("out of memory");
        return -1;
    }
    m->marks = nm;
    double t = pt_meter_now(m);
    read_all(m, t, 0);
    mark *mk = &m->marks[m->nmarks];
    pt_strlcpy(mk->label, label ? label : "", sizeof mk->label);
    mk->t = t;
    int id = m->nmarks++;
    unlock(m);
    return id;
}

int pt_meter_mark_count(const pt_meter *m) {
    if (inherited(m)) return -1;
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    int n = m->nmarks;
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    return n;
}

int pt_meter_mark_read(const pt_meter *m, int i, char label[PT_METER_NAME_MAX], double *t_s) {
    if (inherited(m)) return -1;
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    int ok = i >= 0 && i < m->nmarks;
    if (ok) {
        if (label) pt_strlcpy(label, m->marks[i].label, PT_METER_NAME_MAX);
        if (t_s) *t_s = m->marks[i].t;
    }
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    if (!ok) {
        set_error("mark index %d out of range", i);
        return -1;
    }
    return 0;
}

/* Allocates the next window (not yet begun). NULL on no memory. Holds mu. */
static window *new_window_locked(pt_meter *m, const char *label) {
    window *nw = pt_grow(m->win, sizeof *nw, (size_t)m->nwin, &m->capwin, 16);
    if (!nw) return NULL;
    m->win = nw;
    window *w = &m->win[m->nwin];
    memset(w, 0, sizeof *w);
    w->c = calloc((size_t)(m->ncomp ? m->ncomp : 1), sizeof *w->c);
    if (!w->c) return NULL;
    pt_strlcpy(w->label, label ? label : "", sizeof w->label);
    return w;
}

/* Begins w at t after the boundary read; fails0 are the failure counts taken
   before that read, so a failed read at the boundary marks w degraded. */
static void begin_window_locked(pt_meter *m, window *w, double t, const long *fails0) {
    w->t0 = t;
    w->t1 = t;
    w->open = 1;
    for (int k = 0; k < m->ncomp; k++) {
        w->c[k].fails0 = fails0 ? fails0[k] : m->cs[k].fails;
        w->c[k].cum0 = m->cs[k].cum_j;
        w->c[k].peak_w = NAN;
    }
    m->nwin++;
}

/* Shared by begin and cut: end (when cut >= 0) and begin at one boundary read. */
static int begin_at_boundary(pt_meter *m, int cut, const char *label) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    if (!m->running) {
        unlock(m);
        set_error("the meter is not started");
        return -1;
    }
    if (cut >= 0 && (cut >= m->nwin || !m->win[cut].open)) {
        unlock(m);
        set_error("window %d is not open", cut);
        return -1;
    }
    window *w = new_window_locked(m, label);
    long *fails0 = malloc((size_t)(m->ncomp ? m->ncomp : 1) * sizeof *fails0);
    if (!w || !fails0) {
        free(fails0);
        unlock(m);
        set_error("out of memory");
        return -1;
    }
    for (int k = 0; k < m->ncomp; k++) fails0[k] = m->cs[k].fails;
    double t = pt_meter_now(m);
    read_all(m, t, 0);
    if (cut >= 0) end_window_locked(m, &m->win[cut], t);
    int id = m->nwin;
    begin_window_locked(m, w, t, fails0);
    free(fails0);
    unlock(m);
    return id;
}

int pt_meter_window_begin(pt_meter *m, const char *label) { return begin_at_boundary(m, -1, label); }

int pt_meter_window_cut(pt_meter *m, int window_id, const char *label) {
    return begin_at_boundary(m, window_id, label);
}

static void end_window_locked(pt_meter *m, window *w, double t) {
    w->t1 = t;
    w->open = 0;
    for (int k = 0; k < m->ncomp; k++) {
        w->c[k].cum1 = m->cs[k].cum_j;
        w->c[k].fails1 = m->cs[k].fails;
    }
    double dur = w->t1 - w->t0;
    for (int k = 0; k < m->ncomp; k++) {
        const comp_state *c = &m->cs[k];
        if (!m->cinfo[k].billed || c->nchange == 0) continue;
        double period = c->sum_change_dt / (double)c->nchange;
        /* A reading that changed at (nearly) every sample has a period of at
           most the sampling interval: unknown, so no verdict. */
        double spacing = m->reg_n > 0 ? m->reg_sum_dt / (double)m->reg_n : 0;
        if (period > 1.5 * spacing && dur < 2 * period) {
            w->short_window = 1;
            if (!m->cfg.quiet_short_windows)
                warn(m, "window '%s' lasted %.3f s, shorter than two update periods of %s (%.3f s): "
                     "its energy is uncertain", w->label, dur, m->cinfo[k].name, period);
            break;
        }
    }
}

int pt_meter_window_end(pt_meter *m, int id) {
    if (inherited(m)) return -1;
    pthread_mutex_lock(&m->mu);
    if (id < 0 || id >= m->nwin || !m->win[id].open) {
        unlock(m);
        set_error("window %d is not open", id);
        return -1;
    }
    double t = pt_meter_now(m);
    read_all(m, t, 0);
    end_window_locked(m, &m->win[id], t);
    unlock(m);
    return 0;
}

int pt_meter_window_count(const pt_meter *m) {
    if (inherited(m)) return -1;
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    int n = m->nwin;
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    return n;
}

/* The window's other_cpu_share: its intervals' jiffies, else the latest interval's. */
static double other_share(const pt_meter *m, const window *w) {
    if (m->cfg.attribute_pid <= 0) return NAN;
    if (w->cap_jif > 0) return (double)w->other_jif / (double)w->cap_jif;
    return m->sh_ok ? m->sh_other : NAN;
}

/* job_j and attribution of component k over window w into e (machine_j set).
   The window's share of job energy in its attributed intervals scales its
   machine energy, so job_j <= machine_j at any edge. Caller holds mu. */
static void job_of_window(const pt_meter *m, const window *w, int k, pt_meter_energy *e) {
    const wcomp *wc = &w->c[k];
    pt_meter_kind kind = m->cinfo[k].kind;
    double ratio = wc->attr_e > 0 ? wc->attr_job / wc->attr_e : m->cs[k].last_ratio;
    e->other_cpu_share = other_share(m, w);
    e->gpu_shared = wc->gpu_shared;
    e->attribution = PT_ATTR_WHOLE;
    e->job_j = e->machine_j;
    if (m->cfg.attribute_pid <= 0) return;
    if (kind == PT_KIND_GPU) {
        if (!wc->gpu_shared) return;
        e->attribution = PT_ATTR_GPU_SHARE;
    } else if (kind == PT_KIND_CPU || kind == PT_KIND_DRAM) {
        e->attribution = PT_ATTR_CPU_SHARE;
        if (wc->attr_unknown || !isfinite(idle_of(m, k))) ratio = NAN;
    } else {
        return;
    }
    if (!isfinite(ratio)) e->attribution = PT_ATTR_UNKNOWN;
    e->job_j = isfinite(ratio) ? e->machine_j * ratio : NAN;
}

/* Energy of component k over window w. Caller holds mu. */
static void component_energy(const pt_meter *m, const window *w, int k, pt_meter_energy *e) {
    const pt_meter_component *info = &m->cinfo[k];
    const comp_state *c = &m->cs[k];
    const wcomp *wc = &w->c[k];
    double t1 = w->open ? m->last_t : w->t1;
    if (t1 < w->t0) t1 = w->t0;
    double dur = t1 - w->t0;
    double cum1 = w->open ? c->cum_j : wc->cum1;
    long fails1 = w->open ? c->fails : wc->fails1;
    memset(e, 0, sizeof *e);
    e->method = info->method;
    e->counter_j = info->has_counter ? cum1 - wc->cum0 : NAN;
    e->samples = wc->n;
    if (wc->n > 0) {
        e->mean_w = wc->sum_w / (double)wc->n;
        e->peak_w = wc->peak_w;
    } else {
        e->mean_w = c->power_w; /* the last known power stands in */
        e->peak_w = c->power_w;
    }
    e->eq1_j = isfinite(e->mean_w) ? e->mean_w * dur : NAN;
    e->energy_j = info->method == PT_METHOD_COUNTER ? e->counter_j : e->eq1_j;
    if (!isfinite(e->energy_j)) e->energy_j = 0;
    e->process_j = m->cfg.attribute_pid > 0 && info->kind == PT_KIND_CPU ? wc->process_j : NAN;
    e->degraded = fails1 != wc->fails0;
    e->machine_j = e->energy_j;
    job_of_window(m, w, k, e);
}

int pt_meter_window_component(const pt_meter *m, int id, int k, pt_meter_energy *out) {
    if (inherited(m)) return -1;
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    int ok = id >= 0 && id < m->nwin && k >= 0 && k < m->ncomp;
    if (ok) component_energy(m, &m->win[id], k, out);
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    if (!ok) {
        set_error("window %d or component %d out of range", id, k);
        return -1;
    }
    return 0;
}

int pt_meter_window_read(const pt_meter *m, int id, pt_meter_window *out) {
    if (inherited(m)) return -1;
    pthread_mutex_lock((pthread_mutex_t *)&m->mu);
    if (id < 0 || id >= m->nwin) {
        pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
        set_error("window %d out of range", id);
        return -1;
    }
    const window *w = &m->win[id];
    memset(out, 0, sizeof *out);
    pt_strlcpy(out->label, w->label, sizeof out->label);
    out->start_s = w->t0;
    out->end_s = w->open ? (m->last_t > w->t0 ? m->last_t : w->t0) : w->t1;
    out->open = w->open;
    out->short_window = w->short_window;
    out->method = PT_METHOD_COUNTER;
    out->process_j = m->cfg.attribute_pid > 0 ? 0 : NAN;
    out->other_cpu_share = other_share(m, w);
    for (int k = 0; k < m->ncomp; k++) {
        pt_meter_energy e;
        component_energy(m, w, k, &e);
        out->degraded |= e.degraded;
        if (!m->cinfo[k].billed) continue;
        out->energy_j += e.energy_j;
        out->job_j += e.job_j;
        out->gpu_shared |= e.gpu_shared;
        if (e.attribution > out->attribution) out->attribution = e.attribution;
        if (e.method > out->method) out->method = e.method;
        if (isfinite(e.process_j)) out->process_j += e.process_j;
    }
    out->machine_j = out->energy_j;
    pthread_mutex_unlock((pthread_mutex_t *)&m->mu);
    return 0;
}
