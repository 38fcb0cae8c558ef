/* load.c -- reads a results store into pt_report_data through the store's
 * readers (store/read.h): studies, runs (with the keys the report expects in
 * runs.config_json), per-component sums; then hands over to the analysis
 * (analyse.c; tune.c for the search section of tune studies). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "store/read.h"
#include "util/grow.h"
#include "util/str.h"

static void hardware_of(pt_report_run *r) {
    const char *h = r->gpu[0] ? r->gpu : r->cpu[0] ? r->cpu : r->device[0] ? r->device : "unknown hardware";
    pt_strlcpy(r->hardware, h, sizeof r->hardware);
}

typedef struct {
    pt_report_data *d;
    size_t cap; /* of the array being read */
    char *err;
    size_t errlen;
} loader;

static int out_of_memory(loader *l) {
    pt_say(l->err, l->errlen, "%s: out of memory", l->d->path);
    return -1;
}

static int add_study(void *vctx, const pt_store_study_row *row) {
    loader *l = vctx;
    pt_report_data *d = l->d;
    pt_report_study *ns = pt_grow(d->studies, sizeof *ns, (size_t)d->nstudies, &l->cap, 64);
    if (!ns) return out_of_memory(l);
    d->studies = ns;
    pt_report_study *s = &d->studies[d->nstudies++];
    memset(s, 0, sizeof *s);
    s->id = row->id;
    pt_strlcpy(s->kind, row->kind, sizeof s->kind);
    pt_strlcpy(s->dataset, row->dataset, sizeof s->dataset);
    pt_strlcpy(s->preset, row->preset, sizeof s->preset);
    pt_strlcpy(s->created_at, row->created_at, sizeof s->created_at);
    s->nruns = row->nruns;
    return 0;
}

static int add_run(void *vctx, const pt_store_run_row *row) {
    loader *l = vctx;
    pt_report_data *d = l->d;
    pt_report_run *nr = pt_grow(d->runs, sizeof *nr, (size_t)d->nruns, &l->cap, 64);
    if (!nr) return out_of_memory(l);
    d->runs = nr;
    pt_report_run *r = &d->runs[d->nruns++];
    memset(r, 0, sizeof *r);
    r->id = row->id;
    r->study_id = row->study_id;
    r->setup = row->setup;
    r->batch_size = row->batch_size;
    r->lr = row->lr;
    r->repeat = row->repeat;
    pt_strlcpy(r->phase, row->phase, sizeof r->phase);
    r->frozen = row->frozen;
    pt_strlcpy(r->status, row->status, sizeof r->status);
    r->epochs = row->epochs;
    r->best_val_acc = row->best_val_acc;
    r->energy_j = row->energy_j;
    r->energy_to_target_j = row->energy_to_target_j;
    /* an unfinished run: its epochs' methods */
    pt_strlcpy(r->method, row->method[0] ? row->method : row->epoch_methods[0] ? row->epoch_methods : "unknown",
               sizeof r->method);
    pt_strlcpy(r->device, row->device, sizeof r->device);
    pt_strlcpy(r->host, row->host, sizeof r->host);
    pt_strlcpy(r->cpu, row->cpu, sizeof r->cpu);
    pt_strlcpy(r->gpu, row->gpu, sizeof r->gpu);
    r->interval_ms = row->interval_ms;
    r->update_period_s = row->update_period_s;
    r->idle_w = row->idle_w;
    pt_strlcpy(r->versions, row->versions, sizeof r->versions);
    pt_strlcpy(r->encoder_weights, row->encoder_weights, sizeof r->encoder_weights);
    r->probe_steps = row->probe_steps;
    r->probe_seconds = row->probe_seconds;
    pt_strlcpy(r->end_reason, row->end_reason, sizeof r->end_reason);
    r->machine_energy_j = row->machine_energy_j;
    r->job_known = row->job_known;
    r->contaminated_epochs = row->contaminated_epochs;
    pt_strlcpy(r->attribution, row->attribution, sizeof r->attribution);
    r->contamination = isfinite(row->contamination) ? row->contamination : 0.1;
    r->disagree_epoch = r->disagree_target = NAN;
    hardware_of(r);
    return 0;
}

static int add_component(void *vctx, const pt_store_component_row *row) {
    loader *l = vctx;
    pt_report_data *d = l->d;
    pt_report_component *nc = pt_grow(d->comps, sizeof *nc, (size_t)d->ncomps, &l->cap, 64);
    if (!nc) return out_of_memory(l);
    d->comps = nc;
    pt_report_component *c = &d->comps[d->ncomps++];
    memset(c, 0, sizeof *c);
    c->study_id = row->study_id;
    pt_strlcpy(c->component, row->component, sizeof c->component);
    pt_strlcpy(c->source, row->source, sizeof c->source);
    pt_strlcpy(c->method, row->method, sizeof c->method);
    c->epochs = row->epochs;
    c->degraded_epochs = row->degraded_epochs;
    c->samples = row->samples;
    c->energy_j = row->energy_j;
    c->counter_j = row->counter_j;
    c->eq1_j = row->eq1_j;
    c->both_counter_j = row->both_counter_j;
    c->both_eq1_j = row->both_eq1_j;
    c->nboth = row->nboth;
    c->mean_w = row->mean_w;
    c->peak_w = row->peak_w;
    return 0;
}

/* The studies, then (when there is one) their runs and components. */
static int load_rows(pt_store *st, int64_t study_id, pt_report_data *d, char *err, size_t errlen) {
    loader l = {d, 0, err, errlen};
    if (pt_store_read_studies(st, study_id, add_study, &l, err, errlen) != 0) return -1;
    if (d->nstudies == 0) {
        if (study_id) pt_say(err, errlen, "%s: no study %lld in this store", d->path, (long long)study_id);
        else
            pt_say(err, errlen,
                "%s: the store holds no studies yet (run `powertrain regime`, `pretrain` or `multitask` "
                "first)",
                d->path);
        return -1;
    }
    l.cap = 0;
    if (pt_store_read_runs(st, study_id, add_run, &l, err, errlen) != 0) return -1;
    l.cap = 0;
    return pt_store_read_components(st, study_id, add_component, &l, err, errlen);
}

/* Notes on job energy (issue 18): the report compares the job's share where a
   run was attributed, and names the runs other processes disturbed. */
static void job_notes(pt_report_data *d) {
    double job = 0, machine = 0;
    int shared = 0, contaminated = 0;
    d->contamination_pct = 10;
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *r = &d->runs[i];
        if (r->attribution[0] && strcmp(r->attribution, "whole") != 0) shared++;
        if (isfinite(r->energy_j)) job += r->energy_j;
        if (isfinite(r->machine_energy_j)) machine += r->machine_energy_j;
        if (r->contaminated_epochs > 0) {
            if (!contaminated || 100 * r->contamination < d->contamination_pct)
                d->contamination_pct = 100 * r->contamination;
            d->ncontaminated_epochs += r->contaminated_epochs;
            if (contaminated++ < 8)
                pt_report_note(d, "contaminated: study %lld setup %d repeat %d (%s): %d epoch%s where other processes "
                               "used the machine; energy attributed by share",
                               (long long)r->study_id, r->setup, r->repeat, r->phase, r->contaminated_epochs,
                               r->contaminated_epochs == 1 ? "" : "s");
        }
    }
    if (shared)
        pt_report_note(d, "energy is the job's share of the machine's (%d runs attributed by CPU or GPU share): "
                       "%.1f J of the machine's %.1f J; comparisons and ratios use the job's", shared, job, machine);
    if (contaminated > 8) pt_report_note(d, "contaminated: %d more runs", contaminated - 8);
    d->ncontaminated = contaminated;
}

/* The setups whose repeats disagree, read once: their runs are marked before
   the analysis (which marks the setups from them), the notes come after the
   job's. */
typedef struct {
    pt_store_repeats_row *rows;
    int n, cap;
} disagree_rows;

static int disagree_add(void *ctx, const pt_store_repeats_row *row) {
    disagree_rows *g = ctx;
    if (g->n == g->cap) {
        int cap = g->cap ? 2 * g->cap : 16;
        pt_store_repeats_row *p = realloc(g->rows, (size_t)cap * sizeof *p);
        if (!p) return 0; /* out of memory: fewer marks (a mark, not a figure) */
        g->rows = p;
        g->cap = cap;
    }
    g->rows[g->n++] = *row;
    return 0;
}

/* row's runs marked with its ratios */
static void disagree_mark(pt_report_data *d, const pt_store_repeats_row *row) {
    d->ndisagree++;
    for (int i = 0; i < d->nruns; i++) {
        pt_report_run *r = &d->runs[i];
        if (r->study_id != row->study_id || r->setup != row->setup || r->frozen != row->frozen ||
            strcmp(r->phase, row->phase) != 0)
            continue;
        r->disagree_epoch = row->epoch_ratio;
        r->disagree_target = row->target_ratio;
    }
}

/* A setup whose repeats disagree by more than 1.5x, marked in the notes. */
static void disagree_note(pt_report_data *d, const pt_store_repeats_row *r) {
    char t[48] = "";
    if (isfinite(r->target_ratio)) snprintf(t, sizeof t, ", energy to target %.2fx", r->target_ratio);
    pt_report_note(d, "repeats disagree: study %lld setup %d (%s%s): %d repeats, energy per epoch %.2fx%s",
                   (long long)r->study_id, r->setup, r->phase, r->frozen ? ", frozen" : "", r->repeats,
                   r->epoch_ratio, t);
}

int pt_report_load(pt_store *st, int64_t study_id, pt_report_data *d, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    pt_strlcpy(d->path, pt_store_path(st), sizeof d->path);
    d->schema_version = pt_store_schema_version(st);
    if (load_rows(st, study_id, d, err, errlen) != 0) {
        pt_report_data_free(d);
        return -1;
    }
    /* a store whose query fails here marks nothing (the disagreement is a mark, not a figure) */
    disagree_rows g = {0};
    char derr[256];
    pt_store_read_disagreeing(st, study_id, 1.5, disagree_add, &g, derr, sizeof derr);
    for (int i = 0; i < g.n; i++) disagree_mark(d, &g.rows[i]);
    if (pt_report_analyse(d, err, errlen) != 0 || pt_report_tune_analyse(st, d, err, errlen) != 0) {
        free(g.rows);
        pt_report_data_free(d);
        return -1;
    }
    job_notes(d);
    for (int i = 0; i < g.n; i++) disagree_note(d, &g.rows[i]);
    free(g.rows);
    return 0;
}

void pt_report_data_free(pt_report_data *d) {
    free(d->studies);
    free(d->runs);
    free(d->comps);
    free(d->regimes);
    free(d->pretrains);
    free(d->multitasks);
    free(d->tunes);
    d->tunes = NULL;
    d->ntunes = 0;
    d->studies = NULL;
    d->runs = NULL;
    d->comps = NULL;
    d->regimes = NULL;
    d->pretrains = NULL;
    d->multitasks = NULL;
    d->nstudies = d->nruns = d->ncomps = d->nregimes = d->npretrains = d->nmultitasks = 0;
}
