/* tune_run.c -- `powertrain tune` on real runs: the runner of tune.h over a
 * study (probes and runs stored in a study of kind "tune"), the comparison
 * with a stored regime grid (regret, savings; grid.h), and what it prints;
 * --replay searches a stored grid's runs instead. */
#include "study/tune_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/read.h"
#include "study/grid.h"
#include "util/grow.h"
#include "util/str.h"
#include "util/units.h"

/* ---- the runner over a study ---------------------------------------------------- */

typedef struct {
    pt_study *s;
    const pt_tune_opts *t;
    double probe_lr;
    pt_meter_method method; /* the weakest method of what was measured */
} tune_ctx;

static int tune_probe(void *vctx, int bs, double *j_per_step, double *s_per_step, double *spent_j, char *err,
                      size_t errlen) {
    tune_ctx *c = vctx;
    pt_study *s = c->s;
    const pt_study_config *cfg = s->cfg;
    char phase[32];
    snprintf(phase, sizeof phase, "probe-%d", bs);
    pt_run_info ri = {.study_id = s->study_id,
                      .setup = 0,
                      .batch_size = bs,
                      .lr = c->probe_lr,
                      .repeat = 1,
                      .phase = phase,
                      .device = cfg->device,
                      .host = s->host,
                      .cpu = s->cpu[0] ? s->cpu : NULL,
                      .gpu = s->gpu[0] ? s->gpu : NULL,
                      .config_json = "{}"};
    pt_run_status stt = PT_RUN_RUNNING;
    char ferr[512] = "";
    int64_t found = pt_store_run_find(s->store, &ri, &stt, ferr, sizeof ferr);
    if (found < 0 && ferr[0]) return pt_say(err, errlen, "%s", ferr), -1;
    double pe, psteps, psecs;
    if (found > 0 && stt == PT_RUN_DONE && /* resumed: the stored probe stands */
        pt_store_read_probe(s->store, found, &pe, &psteps, &psecs, ferr, sizeof ferr) == 1) {
        *j_per_step = pe / psteps;
        *s_per_step = psecs / psteps;
        *spent_j += pe;
        return 0;
    }
    int64_t rid = pt_store_run_begin(s->store, &ri, err, errlen);
    if (rid <= 0) return -1;
    const char *model = cfg->model ? cfg->model : s->data.model;
    char nerr[512];
    pt_net *net = pt_study_net(s, model, bs, cfg->seed, nerr, sizeof nerr);
    if (!net) return pt_say(err, errlen, "probe of batch %d: %s", bs, nerr), -1;
    pt_train_config tc;
    pt_study_train_config(s, net, c->probe_lr, cfg->seed, &tc);
    long steps = 0;
    double e = 0, secs = 0;
    pt_meter_method m = PT_METHOD_ESTIMATED;
    /* never more than half an epoch of steps (large batches: a few steps measure it), and 0.5 s */
    long want = c->t->probe_steps, half_epoch = (long)(s->data.train.n / bs / 2);
    if (want > half_epoch) want = half_epoch > 2 ? half_epoch : 2;
    int rc = pt_train_probe(&tc, want, 0.5, &steps, &e, &secs, &m, err, errlen);
    pt_net_free(net);
    if (rc != 0) return -1;
    if (cfg->interrupt && *cfg->interrupt) return pt_say(err, errlen, "interrupted"), -1;
    if (m > c->method) c->method = m;
    if (pt_store_probe_note(s->store, rid, steps, secs, err, errlen) != 0) return -1;
    pt_run_result rr = {PT_RUN_DONE, 0, NAN, NAN, e, NAN, pt_meter_method_name(m), NULL, e, NAN, 1};
    if (pt_store_run_finish(s->store, rid, &rr, err, errlen) != 0) return -1;
    *j_per_step = steps > 0 ? e / (double)steps : NAN;
    *s_per_step = steps > 0 ? secs / (double)steps : NAN;
    *spent_j += e;
    return 0;
}

static int tune_runner_run(void *vctx, int setup, int bs, double lr, int repeat, pt_run_watch watch, void *wctx,
                           pt_tune_outcome *out, char *err, size_t errlen) {
    tune_ctx *c = vctx;
    pt_study *s = c->s;
    const pt_study_config *cfg = s->cfg;
    if (cfg->progress)
        fprintf(stderr, "setup %d: batch %d, lr %g, repeat %d\n", setup, bs, lr, repeat);
    pt_setup_opts o = {NULL, -1, 0, NULL, NULL, NULL, 0, "\"search\":true", watch, wctx};
    pt_train_result res;
    int skipped = 0;
    if (pt_study_run_setup(s, setup, bs, lr, repeat, "train", &o, &res, &skipped, err, errlen) != 0) return -1;
    if (cfg->interrupt && *cfg->interrupt) return 1;
    out->status = res.status;
    out->epochs = res.epochs;
    out->energy_j = res.energy_j;
    out->seconds = res.seconds;
    out->target_energy_j = res.energy_to_target_j;
    out->target_seconds = res.seconds_to_target;
    if (res.method > c->method) c->method = res.method;
    if (skipped) { /* resumed: seconds to target from the stored epochs */
        pt_run_info key = {.study_id = s->study_id, .setup = setup, .repeat = repeat, .phase = "train"};
        pt_run_status stt;
        int64_t id = pt_store_run_find(s->store, &key, &stt, err, errlen);
        out->target_seconds = id > 0 ? pt_store_target_seconds(s->store, id, cfg->preset.threshold) : NAN;
        if (cfg->progress) fprintf(stderr, "  already %s in the store: skipped\n", pt_run_status_name(res.status));
    }
    return 0;
}

/* ---- the verb's work ------------------------------------------------------------------ */

static const char *state_name(pt_setup_state st) {
    switch (st) {
    case PT_SETUP_UNTRIED: return "not run";
    case PT_SETUP_EVALUATED: return "evaluated";
    case PT_SETUP_PRUNED: return "pruned";
    case PT_SETUP_INFEASIBLE: return "infeasible";
    case PT_SETUP_HALVED: return "halved";
    }
    return "?";
}

static void print_value(const pt_objective *o, double v, char *buf, size_t n) {
    if (isfinite(v) && o->kind == PT_OBJ_COST) snprintf(buf, n, "%.1f", v);
    else pt_fmt_j1(buf, n, v);
}

/* The regime study of the same configuration (the grid), or -1. */
static int64_t find_grid(pt_store *st, const pt_study_config *cfg, const char *model) {
    char base[PT_EXEC_JSON_MAX + 2048], ferr[512];
    pt_study_config_json(cfg, model, base, sizeof base);
    return pt_store_study_find(st, "regime", cfg->dataset, cfg->preset.name, base, ferr, sizeof ferr);
}

static void print_search(const pt_tune_config *tc, const pt_tune_result *res, const char *objname, const char *method,
                         int replay, pt_store *st, int64_t grid_id) {
    char v[48], gerr[512];
    printf("\nSetups (%s, method %s%s):\n", objname, method, replay ? ", replayed" : "");
    printf("%6s %6s %9s %11s %14s %11s %5s %7s\n", "setup", "batch", "lr", "state", "value", "spent J", "runs",
           "epochs");
    for (int i = 0; i < res->nsetups; i++) {
        const pt_tune_setup *su = &res->setups[i];
        print_value(&tc->objective, su->value, v, sizeof v);
        printf("%6d %6d %9g %11s %14s %11.1f %5d %7d%s\n", su->setup, su->batch_size, su->lr, state_name(su->state), v,
               su->spent_j, su->runs, su->epochs, i == res->best ? "  <- chosen" : "");
    }
    double search_j = res->probe_j + res->runs_j;
    printf("\n");
    if (res->best >= 0) {
        const pt_tune_setup *b = &res->setups[res->best];
        print_value(&tc->objective, res->best_value, v, sizeof v);
        printf("chosen: setup %d (batch %d, lr %g): %s %s, mean of %d repeats (%s)\n", b->setup, b->batch_size, b->lr,
               v, objname, tc->repeats, method);
    } else {
        printf("chosen: none: no setup reached the target%s\n", res->budget_exhausted ? " within the budget" : "");
    }
    printf("search energy: %.1f J (%s): probes %.1f J, %d runs of which %d stopped early by the search\n", search_j,
           method, res->probe_j, res->nruns, res->nstopped);
    printf("energy: the job's own share of the machine's where it is known (CPU share above idle, GPU "
           "utilisation share); the search decides on it\n");
    if (res->budget_exhausted)
        printf("budget: %.1f J spent of %.1f J: the search stopped early; the choice is the best so far, not "
               "guaranteed\n", search_j, tc->budget_j);
    if (res->interrupted) printf("interrupted: --resume continues the search\n");
    /* a stored grid of the same configuration: regret and savings */
    pt_grid *g = calloc(1, sizeof *g);
    if (grid_id > 0 && g &&
        pt_study_grid_load(st, grid_id, &tc->objective, tc->threshold, tc->repeats, g, gerr, sizeof gerr) == 0 &&
        g->best >= 0) {
        char gv[48];
        print_value(&tc->objective, g->setups[g->best].value, gv, sizeof gv);
        printf("grid: regime study %lld in this store (%d runs, %.1f J): best setup %d (batch %d, lr %g) at %s\n",
               (long long)grid_id, g->nruns, g->grid_j, g->setups[g->best].setup, g->setups[g->best].batch_size,
               g->setups[g->best].lr, gv);
        if (res->best >= 0) {
            double mine = pt_grid_value(g, res->setups[res->best].batch_size, res->setups[res->best].lr);
            double regret = mine / g->setups[g->best].value - 1;
            if (isfinite(mine))
                printf("regret: %.1f%% (the grid's own runs of the chosen setup vs its best)%s\n", 100 * regret,
                       regret == 0 ? ": the grid's optimum" : "");
            else
                printf("regret: unknown (the chosen setup did not reach the target in the grid's runs)\n");
        }
        printf("savings: the search spent %.1f%% of the grid's energy (%.1f J of %.1f J)\n",
               g->grid_j > 0 ? 100 * search_j / g->grid_j : NAN, search_j, g->grid_j);
    } else {
        printf("grid: no finished regime study of this configuration in %s: run `powertrain regime` with the same "
               "flags for regret and savings\n", pt_store_path(st));
    }
    free(g);
    char advice[2048];
    pt_tune_advice(tc, res, advice, sizeof advice);
    printf("\nWhat the search learnt:\n%s", advice);
    fflush(stdout);
}


/* ---- replay: the search over a stored grid's runs ------------------------------------ */

typedef struct {
    int64_t id;
    int batch_size, repeat, nep;
    double lr;
    pt_run_status status;
    double *j, *sec, *acc; /* per epoch */
} stored_run;

typedef struct {
    stored_run *runs;
    int n;
    size_t cap;
    int64_t train_n;
    long probe_steps;
    int no_probe; /* a grid around a command (--exec): searched without probes, as live */
    double threshold;
    pt_meter_method method;
} replay_ctx;

static int replay_probe(void *vctx, int bs, double *jps, double *sps, double *spent, char *err, size_t errlen) {
    replay_ctx *c = vctx;
    double j = 0, t = 0;
    int n = 0;
    for (int i = 0; i < c->n; i++)
        if (c->runs[i].batch_size == bs)
            for (int e = 0; e < c->runs[i].nep; e++) j += c->runs[i].j[e], t += c->runs[i].sec[e], n++;
    long steps = (long)(c->train_n / bs);
    if (!n || steps < 1) return pt_say(err, errlen, "replay: the grid has no epoch of batch %d", bs), -1;
    *jps = j / n / (double)steps;
    *sps = t / n / (double)steps;
    long want = c->probe_steps, half = steps / 2 > 2 ? steps / 2 : 2;
    if (want > half) want = half;
    *spent += *jps * (double)want; /* what a probe of that many steps would have cost */
    return 0;
}

static int replay_run(void *vctx, int setup, int bs, double lr, int repeat, pt_run_watch watch, void *wctx,
                      pt_tune_outcome *out, char *err, size_t errlen) {
    replay_ctx *c = vctx;
    const stored_run *r = NULL;
    for (int i = 0; i < c->n && !r; i++)
        if (c->runs[i].batch_size == bs && c->runs[i].lr == lr && c->runs[i].repeat == repeat) r = &c->runs[i];
    if (!r) return pt_say(err, errlen, "replay: the grid has no run of setup %d repeat %d", setup, repeat), -1;
    pt_tune_epochs ep = {r->j, r->sec, r->acc, r->nep, r->status};
    pt_tune_replay(&ep, c->threshold, watch, wctx, out);
    return 0;
}

/* ---- replay: loading the grid's finished runs ---------------------------------------- */

typedef struct {
    replay_ctx *c;
    stored_run *r;
    size_t cap; /* of r's epoch arrays */
    pt_store *st;
    char *err;
    size_t errlen;
} replay_load;

static int replay_epoch(void *vctx, const pt_store_epoch_row *e) {
    replay_load *l = vctx;
    stored_run *r = l->r;
    if ((size_t)r->nep == l->cap) { /* every epoch the run stored: the arrays grow */
        size_t oc = l->cap; /* one block: j[cap], sec[cap], acc[cap] */
        double *nj = pt_grow(r->j, 3 * sizeof(double), (size_t)r->nep, &l->cap, 16);
        if (!nj) return pt_say(l->err, l->errlen, "replay: out of memory"), -1;
        size_t nc = l->cap;
        memmove(nj + 2 * nc, nj + 2 * oc, (size_t)r->nep * sizeof(double));
        memmove(nj + nc, nj + oc, (size_t)r->nep * sizeof(double));
        r->j = nj;
        r->sec = nj + nc;
        r->acc = nj + 2 * nc;
    }
    r->j[r->nep] = e->energy_j;
    r->sec[r->nep] = e->seconds;
    r->acc[r->nep] = e->val_acc;
    r->nep++;
    return 0;
}

/* One finished train run of the grid with every epoch it stored. */
static int replay_run_row(void *vctx, const pt_store_train_row *row) {
    replay_load *l = vctx;
    replay_ctx *c = l->c;
    if (!strcmp(row->status, "running")) return 0; /* not an outcome */
    stored_run *nr = pt_grow(c->runs, sizeof *nr, (size_t)c->n, &c->cap, 64);
    if (!nr) return pt_say(l->err, l->errlen, "replay: out of memory"), -1;
    c->runs = nr;
    stored_run *r = &c->runs[c->n++];
    memset(r, 0, sizeof *r);
    r->id = row->id;
    r->batch_size = row->batch_size;
    r->lr = row->lr;
    r->repeat = row->repeat;
    if (pt_run_status_parse(row->status, &r->status) != 0) r->status = PT_RUN_FAILED;
    pt_meter_method mm = pt_study_method_parse(row->method[0] ? row->method : NULL);
    if (mm > c->method) c->method = mm;
    l->r = r;
    l->cap = 0;
    return pt_store_read_epochs(l->st, row->id, replay_epoch, l, l->err, l->errlen);
}

static int by_id(const void *a, const void *b) {
    int64_t x = ((const stored_run *)a)->id, y = ((const stored_run *)b)->id;
    return (x > y) - (x < y);
}

static void replay_free(replay_ctx *c) {
    for (int i = 0; i < c->n; i++) free(c->runs[i].j);
    free(c->runs);
    memset(c, 0, sizeof *c);
}

/* The search over the loaded runs, and what it prints. */
static int replay_search(pt_tune_config *tc, replay_ctx *c, const char *objname, const char *db, pt_store *st,
                         int64_t grid, char *err, size_t errlen) {
    pt_tune_runner rn = {c, c->no_probe ? NULL : replay_probe, replay_run};
    pt_tune_result *res = calloc(1, sizeof *res);
    if (!res) return pt_say(err, errlen, "out of memory"), -1;
    fprintf(stderr, "powertrain tune: replaying regime study %lld of %s (%d runs): nothing is trained or stored\n",
            (long long)grid, db, c->n);
    int rc = pt_tune_search(tc, &rn, res, err, errlen);
    if (rc >= 0) print_search(tc, res, objname, pt_meter_method_name(c->method), 1, st, grid);
    free(res);
    return rc;
}

static int tune_replay(const pt_study_config *cfg, const pt_tune_config *tc_in, const char *objname, long probe_steps,
                       char *err, size_t errlen) {
    pt_tune_config tc = *tc_in;
    pt_study_data data;
    memset(&data, 0, sizeof data);
    data.train.n = PT_EXEC_TRAIN_SAMPLES; /* --exec: the command's data is not ours to read */
    if (!cfg->exec.argv && pt_study_data_load(cfg->dataset, cfg->data_dir, cfg->preset.train_limit,
                                              cfg->preset.val_limit, cfg->preset.image_size, cfg->seed, &data, err,
                                              errlen) != 0)
        return -1;
    pt_store *st = pt_store_open_readonly(cfg->db, err, errlen);
    if (!st) {
        pt_study_data_free(&data);
        return -1;
    }
    int rc = -1;
    replay_ctx c;
    memset(&c, 0, sizeof c);
    int64_t grid = find_grid(st, cfg, data.model);
    if (grid <= 0) {
        pt_say(err, errlen, "--replay: %s holds no regime study of these flags (run `powertrain regime` with them first)",
               cfg->db);
        goto done;
    }
    c.train_n = data.train.n;
    c.threshold = cfg->preset.threshold;
    c.probe_steps = probe_steps;
    c.no_probe = cfg->exec.argv != NULL;
    c.method = PT_METHOD_COUNTER;
    tc.train_samples = data.train.n;
    replay_load l = {&c, NULL, 0, st, err, errlen};
    if (pt_store_read_train_runs(st, grid, replay_run_row, &l, err, errlen) == 0) {
        if (c.n > 1) qsort(c.runs, (size_t)c.n, sizeof *c.runs, by_id); /* the order the grid ran them */
        rc = replay_search(&tc, &c, objname, cfg->db, st, grid, err, errlen);
    }
done:
    replay_free(&c);
    pt_store_close(st);
    pt_study_data_free(&data);
    return rc;
}

/* ---- the verb ------------------------------------------------------------------------------ */

/* The study's "search" member of config_json: mode, objective, budget, probes, space. */
static void search_note(const pt_tune_opts *t, const pt_preset *p, const char *objname, char *note, size_t n) {
    char list[512] = "";
    size_t u = 0;
    for (int b = 0; b < p->nbs; b++) u += (size_t)snprintf(list + u, sizeof list - u, "%s%d", b ? "," : "", p->batch_sizes[b]);
    u += (size_t)snprintf(list + u, sizeof list - u, "],\"lrs\":[");
    for (int l = 0; l < p->nlr && u < sizeof list; l++)
        u += (size_t)snprintf(list + u, sizeof list - u, "%s%g", l ? "," : "", p->lrs[l]);
    char pmax[48] = "";
    if (t->objective.kind == PT_OBJ_COST && t->objective.pmax_w > 0)
        snprintf(pmax, sizeof pmax, ",\"pmax_w\":%g", t->objective.pmax_w);
    snprintf(note, n,
             "\"search\":{\"mode\":\"%s\",\"objective\":\"%s\",\"budget_j\":%g,\"probe_steps\":%ld,\"z\":%g%s,"
             "\"batch_sizes\":[%s]}",
             t->mode == PT_TUNE_FAST ? "fast" : "exact", objname, t->budget_j, t->probe_steps, t->z, pmax, list);
}

/* The search's config from the options and the preset (train_samples: the caller's). */
static void tune_config(const pt_tune_opts *t, const pt_preset *p, int progress, pt_tune_config *tc) {
    memset(tc, 0, sizeof *tc);
    tc->mode = t->mode;
    tc->objective = t->objective;
    tc->nbs = p->nbs;
    tc->nlr = p->nlr;
    tc->repeats = p->repeats;
    tc->batch_sizes = p->batch_sizes;
    tc->lrs = p->lrs;
    tc->max_epochs = p->max_epochs;
    tc->threshold = p->threshold;
    tc->budget_j = t->budget_j;
    tc->z = t->z > 0 ? t->z : 2;
    tc->progress = progress;
}

/* cost without --pmax: the billed devices' power limits. 0, or -1 with err. */
static int billed_pmax(pt_study *s, pt_objective *o, char *err, size_t errlen) {
    if (o->kind != PT_OBJ_COST || o->pmax_w > 0) return 0;
    for (int k = 0; k < pt_meter_component_count(s->meter); k++) {
        pt_meter_component c;
        pt_meter_component_info(s->meter, k, &c);
        if (c.billed) o->pmax_w += c.power_limit_w;
    }
    if (o->pmax_w > 0) return 0;
    pt_say(err, errlen, "--objective cost: the billed devices report no power limit; give --pmax W");
    return -1;
}

/* The live search: probes and runs trained into a study of kind "tune". */
static int tune_live(const pt_study_config *cfg, const pt_tune_opts *t, const char *objname, char *err, size_t errlen) {
    const pt_preset *p = &cfg->preset;
    pt_study s;
    if (pt_study_open(&s, cfg, "tune", err, errlen) != 0) return -1;
    pt_tune_config tc;
    tune_config(t, p, cfg->progress, &tc);
    tc.train_samples = cfg->exec.argv ? PT_EXEC_TRAIN_SAMPLES : s.data.train.n;
    int rc = -1;
    pt_tune_result *res = NULL;
    if (billed_pmax(&s, &tc.objective, err, errlen) != 0) goto done;
    tune_ctx ctx = {&s, t, p->lrs[0], PT_METHOD_COUNTER};
    for (int l = 1; l < p->nlr; l++)
        if (p->lrs[l] < ctx.probe_lr) ctx.probe_lr = p->lrs[l]; /* the gentlest: probes must not diverge */
    /* a command (--exec) is not probed: setups are ordered by what the runs show */
    pt_tune_runner rn = {&ctx, cfg->exec.argv ? NULL : tune_probe, tune_runner_run};
    fprintf(stderr,
            "powertrain tune: %s, preset %s, %s mode, objective %s, %d setups x %d repeats on %s into %s (study "
            "%lld)\n",
            cfg->dataset, p->name, t->mode == PT_TUNE_FAST ? "fast" : "exact", objname, p->nbs * p->nlr, p->repeats,
            cfg->device, cfg->db, (long long)s.study_id);
    res = calloc(1, sizeof *res);
    if (!res) {
        pt_say(err, errlen, "out of memory");
        goto done;
    }
    rc = pt_tune_search(&tc, &rn, res, err, errlen);
    if (rc >= 0)
        print_search(&tc, res, objname, pt_meter_method_name(ctx.method), 0, s.store,
                     find_grid(s.store, cfg, s.data.model));
done:
    free(res);
    pt_study_close(&s);
    return rc < 0 ? -1 : rc;
}

int pt_study_tune(const pt_study_config *cfg_in, const pt_tune_opts *t, char *err, size_t errlen) {
    pt_study_config cfg = *cfg_in;
    char objname[32], note[1024];
    pt_objective_format(&t->objective, objname, sizeof objname);
    search_note(t, &cfg.preset, objname, note, sizeof note);
    cfg.study_note = note;
    if (!t->replay) return tune_live(&cfg, t, objname, err, errlen);
    if (t->objective.kind == PT_OBJ_COST && !(t->objective.pmax_w > 0))
        return pt_say(err, errlen, "--replay with --objective cost: give --pmax W"), -1;
    pt_tune_config rc;
    tune_config(t, &cfg.preset, cfg.progress, &rc);
    return tune_replay(&cfg, &rc, objname, t->probe_steps, err, errlen);
}
