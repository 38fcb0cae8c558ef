/* grid.c -- a stored grid valued under an objective (grid.h). */
#include "study/grid.h"

#include <math.h>
#include <string.h>

#include "store/read.h"
#include "study/study.h"
#include "util/str.h"

typedef struct {
    pt_store *st;
    const pt_objective *o;
    double threshold;
    pt_grid *g;
    int cnt[PT_GRID_MAX_SETUPS], bad[PT_GRID_MAX_SETUPS];
    double sum[PT_GRID_MAX_SETUPS];
    int64_t study_id;
    char *err;
    size_t errlen;
} grid_load;

/* The setup of (bs, lr): its index, a new one, or -1 past the limit. */
static int grid_setup(pt_grid *g, const pt_store_train_row *r) {
    int k = 0;
    while (k < g->nsetups && !(g->setups[k].batch_size == r->batch_size && g->setups[k].lr == r->lr)) k++;
    if (k < g->nsetups) return k;
    if (k == PT_GRID_MAX_SETUPS) return -1;
    g->nsetups++;
    g->setups[k].setup = r->setup;
    g->setups[k].batch_size = r->batch_size;
    g->setups[k].lr = r->lr;
    return k;
}

static int grid_row(void *vctx, const pt_store_train_row *r) {
    grid_load *c = vctx;
    pt_grid *g = c->g;
    pt_tune_outcome out;
    memset(&out, 0, sizeof out);
    if (pt_run_status_parse(r->status, &out.status) != 0) out.status = PT_RUN_FAILED;
    out.energy_j = r->energy_j;
    out.target_energy_j = r->energy_to_target_j;
    out.target_seconds = c->o->kind == PT_OBJ_COST ? pt_store_target_seconds(c->st, r->id, c->threshold) : NAN;
    g->nruns++;
    g->grid_j += out.energy_j;
    pt_meter_method m = pt_study_method_parse(r->method);
    if (m > g->method) g->method = m;
    if (r->repeat > g->repeats) g->repeats = r->repeat;
    int k = grid_setup(g, r);
    if (k < 0) {
        pt_say(c->err, c->errlen, "%s: study %lld has more than %d setups (PT_GRID_MAX_SETUPS): not a grid tune reads",
               pt_store_path(c->st), (long long)c->study_id, PT_GRID_MAX_SETUPS);
        return -1;
    }
    double v = out.status == PT_RUN_RUNNING ? INFINITY : pt_objective_run(c->o, &out);
    c->cnt[k]++;
    if (isfinite(v)) c->sum[k] += v;
    else c->bad[k] = 1;
    return 0;
}

int pt_study_grid_load(pt_store *st, int64_t study_id, const pt_objective *o, double threshold, int need_repeats,
                       pt_grid *g, char *err, size_t errlen) {
    memset(g, 0, sizeof *g);
    g->best = -1;
    grid_load c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.o = o;
    c.threshold = threshold;
    c.g = g;
    c.study_id = study_id;
    c.err = err;
    c.errlen = errlen;
    if (pt_store_read_train_runs(st, study_id, grid_row, &c, err, errlen) != 0) return -1;
    for (int k = 0; k < g->nsetups; k++) {
        int whole = need_repeats > 0 ? c.cnt[k] >= need_repeats : c.cnt[k] > 0;
        g->setups[k].value = whole && !c.bad[k] ? c.sum[k] / c.cnt[k] : INFINITY;
        if (isfinite(g->setups[k].value) && (g->best < 0 || g->setups[k].value < g->setups[g->best].value))
            g->best = k;
    }
    return 0;
}

double pt_grid_value(const pt_grid *g, int batch_size, double lr) {
    for (int k = 0; k < g->nsetups; k++)
        if (g->setups[k].batch_size == batch_size && g->setups[k].lr == lr) return g->setups[k].value;
    return INFINITY;
}
