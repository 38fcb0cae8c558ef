/* estimate.c -- the estimate source: modelled CPU and DRAM power for when no
 * RAPL counter can be read. Every figure it gives is labelled estimated.
 *
 * CPU ("cpu"): P = idle + (TDP - idle) x u, with idle = 0.3 x TDP (the
 * model's assumption) and u the CPU utilisation of the whole machine from
 * /proc/stat: busy jiffies / total jiffies between consecutive regular reads.
 * The baseline is taken at open; until the first regular read that sees
 * jiffies advance, the power uses the utilisation since boot (busy / total of
 * the open-time snapshot), a better prior than 0 for a machine already busy.
 * The regular reads keep /proc/stat open and re-read it with pread (one
 * system call, no allocation per sample).
 * Non-regular reads (marks, window edges) return the last computed power and
 * leave the baseline alone, so extra reads never shorten an interval.
 * TDP: --cpu-tdp (cfg->cpu_tdp_w, all sockets) when given, else a small table
 * of common server and desktop parts matched by substring of the model name
 * (the longest matching entry wins; per socket, times the socket count), else
 * 10 W per logical CPU.
 *
 * DRAM ("dram"): 0.375 W per GB (1e9 bytes) of MemTotal, constant. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/proc.h"
#include "meter/source.h"
#include "util/str.h"

#define EST_IDLE_FRACTION 0.3
#define EST_DRAM_W_PER_GB 0.375
#define EST_W_PER_LOGICAL_CPU 10.0

/* Per-socket TDP in watts (vendor data sheets). */
static const struct {
    const char *part;
    double watts;
} tdp_table[] = {
    /* AMD EPYC */
    {"EPYC 7763", 280}, {"EPYC 7742", 225}, {"EPYC 7543", 225}, {"EPYC 9654", 360},
    {"EPYC 9554", 360}, {"EPYC 7302", 155}, {"EPYC 7713", 225}, {"EPYC 7H12", 280},
    {"EPYC 7702", 200}, {"EPYC 7502", 180}, {"EPYC 7452", 155}, {"EPYC 7402", 180},
    {"EPYC 7313", 155}, {"EPYC 7413", 180}, {"EPYC 7513", 200}, {"EPYC 9754", 360},
    /* Intel Xeon Scalable */
    {"Platinum 8380", 270}, {"Platinum 8380H", 250}, {"Platinum 8480+", 350},
    {"Platinum 8468", 350}, {"Platinum 8358", 250}, {"Platinum 8358P", 240},
    {"Platinum 8280", 205}, {"Platinum 8268", 205}, {"Platinum 8180", 205},
    {"Platinum 8168", 205}, {"Gold 6248", 150}, {"Gold 6248R", 205}, {"Gold 6338", 205},
    {"Gold 6342", 230}, {"Gold 6148", 150}, {"Gold 6130", 125}, {"Gold 6230", 125},
    {"Gold 6230R", 150}, {"Gold 6240", 150}, {"Gold 6240R", 165}, {"Gold 6252", 150},
    /* Intel Xeon E5 */
    {"E5-2680 v4", 120}, {"E5-2690 v4", 135}, {"E5-2698 v4", 135}, {"E5-2650 v4", 105},
    {"E5-2630 v4", 85}, {"E5-2680 v3", 120},
    /* desktop */
    {"i9-9900K", 95}, {"i7-8700K", 95}, {"i9-12900K", 125}, {"i9-13900K", 125},
    {"Ryzen 9 5950X", 105}, {"Ryzen 9 7950X", 170}, {"Ryzen 9 7950X3D", 120},
    {"Ryzen 7 5800X", 105}, {"Threadripper 3990X", 280},
};

typedef struct {
    int cpu;  /* component index or -1 */
    int dram; /* component index or -1 */
    double tdp_w, idle_w;
    pt_cpu_times base;
    pt_cpu_reader stat; /* <root>/proc/stat, kept open for regular reads */
    double cpu_w; /* last computed CPU power */
    double dram_w;
} est_impl;

static double power_at(const est_impl *e, double u) {
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    return e->idle_w + (e->tdp_w - e->idle_w) * u;
}

static int est_read(pt_source *src, double t_s, int regular, pt_reading *out) {
    (void)t_s;
    est_impl *e = src->impl;
    int any = 0;
    if (e->cpu >= 0) {
        pt_reading *r = &out[e->cpu];
        r->energy_j = 0;
        r->ok = 1;
        if (regular) {
            pt_cpu_times now;
            if (pt_proc_cpu_read(&e->stat, &now) != 0) {
                r->ok = 0;
            } else if (now.total < e->base.total || now.busy < e->base.busy) {
                e->base = now; /* counters went back (cannot happen on Linux): restart */
            } else if (now.total > e->base.total) {
                double dt = (double)(now.total - e->base.total);
                double db = (double)(now.busy - e->base.busy);
                e->cpu_w = power_at(e, db / dt);
                e->base = now;
            } /* no jiffy elapsed: keep the last power and the baseline */
        }
        r->power_w = r->ok ? e->cpu_w : 0;
        any |= r->ok;
    }
    if (e->dram >= 0) {
        pt_reading *r = &out[e->dram];
        r->ok = 1;
        r->energy_j = 0;
        r->power_w = e->dram_w;
        any = 1;
    }
    return any ? 0 : -1;
}

static void est_close(pt_source *src) {
    if (!src) return;
    est_impl *e = src->impl;
    if (e) pt_proc_cpu_close(&e->stat);
    free(e);
    pt_source_free(src);
}

static const pt_source_ops est_ops = {"estimate", est_read, est_close, NULL};

/* The longest table entry contained in model, or NULL. */
static int table_lookup(const char *model) {
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof tdp_table / sizeof tdp_table[0]; i++) {
        size_t len = strlen(tdp_table[i].part);
        if (len > best_len && strstr(model, tdp_table[i].part)) {
            best = (int)i;
            best_len = len;
        }
    }
    return best;
}

/* The CPU's TDP: --cpu-tdp, else the table by model, else per logical CPU;
   how says which. */
static double cpu_tdp(const pt_meter_config *cfg, const char *model, int sockets, char *how, size_t howlen) {
    int t;
    double tdp;
    if (cfg && cfg->cpu_tdp_w > 0) {
        tdp = cfg->cpu_tdp_w;
        pt_say(how, howlen, "TDP %g W (--cpu-tdp)", tdp);
    } else if ((t = table_lookup(model)) >= 0) {
        tdp = tdp_table[t].watts * sockets;
        pt_say(how, howlen, "TDP %g W: %s %g W x %d socket%s (table)", tdp, tdp_table[t].part,
               tdp_table[t].watts, sockets, sockets == 1 ? "" : "s");
    } else {
        int ncpu = pt_proc_ncpus();
        if (ncpu < 1) ncpu = 1;
        tdp = EST_W_PER_LOGICAL_CPU * ncpu;
        pt_say(how, howlen, "TDP %g W: %g W per logical CPU x %d (default; pass --cpu-tdp)", tdp,
               EST_W_PER_LOGICAL_CPU, ncpu);
    }
    return tdp;
}

/* The CPU's model, TDP and current power into e; -1 with problems set when
   /proc/stat cannot be read. */
static int probe_cpu(const pt_meter_config *cfg, est_impl *e, char *model, size_t modellen, char *note,
                     char *problems, size_t problemslen) {
    if (pt_proc_cpu_times(&e->base) != 0) {
        pt_say(problems, problemslen, "cannot read %s/proc/stat", pt_proc_root());
        return -1;
    }
    int sockets = 1;
    if (pt_proc_cpu_model(model, modellen, &sockets) != 0) {
        pt_strlcpy(model, "unknown CPU", modellen);
        sockets = 1;
    }
    char how[PT_METER_TEXT_MAX];
    e->tdp_w = cpu_tdp(cfg, model, sockets, how, sizeof how);
    e->idle_w = EST_IDLE_FRACTION * e->tdp_w;
    pt_say(note, PT_METER_TEXT_MAX, "%s; idle assumed 0.3 x TDP", how);
    e->cpu_w = e->base.total > 0 ? power_at(e, (double)e->base.busy / (double)e->base.total) : e->idle_w;
    return 0;
}

/* The DRAM's size and power into e; -1 with problems extended when MemTotal
   cannot be read. */
static int probe_dram(est_impl *e, double *mem_gb, char *note, char *problems, size_t problemslen) {
    *mem_gb = pt_proc_mem_total_gb();
    if (*mem_gb < 0) {
        size_t len = strlen(problems);
        pt_say(problems + len, problemslen - len, "%scannot read MemTotal of %s/proc/meminfo",
               len ? "; " : "", pt_proc_root());
        return -1;
    }
    e->dram_w = EST_DRAM_W_PER_GB * *mem_gb;
    pt_say(note, PT_METER_TEXT_MAX, "%g W per GB x %.1f GB MemTotal", EST_DRAM_W_PER_GB, *mem_gb);
    return 0;
}

/* Names the estimate's components (cpu at e->cpu, dram at e->dram). */
static void describe_components(pt_source *src, const est_impl *e, const char *model, double mem_gb,
                                const char *cpu_note, const char *dram_note) {
    if (e->cpu >= 0) {
        pt_meter_component *c = &src->comp[e->cpu];
        pt_strlcpy(c->name, "cpu", sizeof c->name);
        pt_strlcpy(c->model, model, sizeof c->model);
        pt_say(c->id, sizeof c->id, "%s/proc/stat", pt_proc_root());
        c->kind = PT_KIND_CPU;
        c->idle_w = e->idle_w; /* the model's own idle: job attribution's baseline */
        pt_strlcpy(c->note, cpu_note, sizeof c->note);
    }
    if (e->dram >= 0) {
        pt_meter_component *c = &src->comp[e->dram];
        pt_strlcpy(c->name, "dram", sizeof c->name);
        pt_say(c->model, sizeof c->model, "%.1f GB DRAM", mem_gb);
        pt_say(c->id, sizeof c->id, "%s/proc/meminfo", pt_proc_root());
        c->kind = PT_KIND_DRAM;
        c->idle_w = e->dram_w; /* constant: all of it is idle power */
        pt_strlcpy(c->note, dram_note, sizeof c->note);
    }
    for (int i = 0; i < src->ncomp; i++) {
        pt_meter_component *c = &src->comp[i];
        pt_strlcpy(c->source, "estimate", sizeof c->source);
        c->bus_id[0] = '\0';
        c->method = PT_METHOD_ESTIMATED;
        c->has_counter = 0;
        c->billed = 1;
        c->power_limit_w = 0;
        c->wrap_j = 0;
        c->update_period_s = 0;
        src->has_power[i] = 1;
    }
}

int pt_estimate_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out,
                     char *why, size_t whylen) {
    *out = NULL;
    int need_cpu = needs ? needs->need_cpu : 1;
    int need_dram = needs ? needs->need_dram : 1;
    if (!need_cpu && !need_dram) {
        pt_say(why, whylen, "not needed: RAPL counters cover the CPU and DRAM");
        return -1;
    }
    est_impl e;
    memset(&e, 0, sizeof e);
    e.cpu = e.dram = -1;
    char cpu_note[PT_METER_TEXT_MAX] = "", dram_note[PT_METER_TEXT_MAX] = "";
    char model[PT_METER_TEXT_MAX] = "unknown CPU";
    char problems[256] = "";
    double mem_gb = 0;
    int n = 0;
    if (need_cpu && probe_cpu(cfg, &e, model, sizeof model, cpu_note, problems, sizeof problems) == 0)
        e.cpu = n++;
    if (need_dram && probe_dram(&e, &mem_gb, dram_note, problems, sizeof problems) == 0) e.dram = n++;
    if (n == 0) {
        pt_say(why, whylen, "%s", problems);
        return -1;
    }
    pt_source *src = pt_source_alloc(&est_ops, n);
    est_impl *impl = malloc(sizeof *impl);
    if (!src || !impl) {
        free(impl);
        pt_source_free(src);
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    *impl = e;
    impl->stat.file.fd = -1;
    impl->stat.file.path = NULL;
    /* a failed open is retried by each read (and counted failed there) */
    if (impl->cpu >= 0) (void)pt_proc_cpu_open(&impl->stat);
    src->impl = impl;
    describe_components(src, &e, model, mem_gb, cpu_note, dram_note);
    *out = src;
    return 0;
}

/* The estimate fills only what no counter measures; a trace stands for the
 * hardware. Not selected comes first (NULL: the meter says so). */
const char *pt_estimate_unused(const pt_meter_config *cfg, const pt_source_needs *needs) {
    if (!(cfg->sources & PT_SOURCE_ESTIMATE)) return NULL;
    if (cfg->trace_path) return "not used: the trace stands for the hardware";
    if (!needs->need_cpu && !needs->need_dram) return "not needed: CPU and DRAM have energy counters";
    return NULL;
}
