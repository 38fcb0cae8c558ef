/* tune_run.c -- `powertrain tune` on real runs: the runner of tune.h over a
 * study (probes and runs stored in a study of kind "tune"), the comparison
 * with a stored regime grid (regret, savings), and what it prints. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study/study.h"
#include "util/str.h"
#include "util/units.h"

/* ---- stored grids ----------------------------------------------------------- */

/* Seconds through the first epoch at the threshold, NAN when none. */
static double target_seconds(sqlite3 *db, int64_t run_id, double threshold) {
    sqlite3_stmt *q = NULL;
    double t = NAN;
    if (sqlite3_prepare_v2(db,
                           "SELECT sum(seconds) FROM epochs WHERE run_id=?1 AND epoch <= "
                           "(SELECT min(epoch) FROM epochs WHERE run_id=?1 AND val_acc >= ?2)",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_double(q, 2, threshold - 1e-12);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) t = sqlite3_column_double(q, 0);
    }
    sqlite3_finalize(q);
    return t;
}

static double col_or_nan(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

int pt_study_grid_load(pt_store *st, int64_t study_id, const pt_objective *o, double threshold, int need_repeats,
                       pt_grid *g, char *err, size_t errlen) {
    memset(g, 0, sizeof *g);
    g->best = -1;
    sqlite3 *db = pt_store_db(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, setup, batch_size, lr, repeat, status, energy_j, energy_to_target_j FROM runs "
                           "WHERE study_id=? AND phase='train' ORDER BY setup, repeat",
                           -1, &q, NULL) != SQLITE_OK) {
        pt_say(err, errlen, "%s: %s", pt_store_path(st), sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(q, 1, study_id);
    int cnt[64] = {0}, bad[64] = {0};
    double sum[64] = {0};
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        int bs = sqlite3_column_int(q, 2);
        double lr = sqlite3_column_double(q, 3);
        int rep = sqlite3_column_int(q, 4);
        pt_tune_outcome out;
        memset(&out, 0, sizeof out);
        if (pt_run_status_parse((const char *)sqlite3_column_text(q, 5), &out.status) != 0) out.status = PT_RUN_FAILED;
        out.energy_j = sqlite3_column_double(q, 6);
        out.target_energy_j = col_or_nan(q, 7);
        out.target_seconds = o->kind == PT_OBJ_COST ? target_seconds(db, id, threshold) : NAN;
        g->nruns++;
        g->grid_j += out.energy_j;
        if (rep > g->repeats) g->repeats = rep;
        int k = 0;
        while (k < g->nsetups && !(g->setups[k].batch_size == bs && g->setups[k].lr == lr)) k++;
        if (k == g->nsetups) {
            if (k == 64) continue;
            g->nsetups++;
            g->setups[k].setup = sqlite3_column_int(q, 1);
            g->setups[k].batch_size = bs;
            g->setups[k].lr = lr;
        }
        double v = out.status == PT_RUN_RUNNING ? INFINITY : pt_objective_run(o, &out);
        cnt[k]++;
        if (isfinite(v)) sum[k] += v;
        else bad[k] = 1;
    }
    sqlite3_finalize(q);
    for (int k = 0; k < g->nsetups; k++) {
        int whole = need_repeats > 0 ? cnt[k] >= need_repeats : cnt[k] > 0;
        g->setups[k].value = whole && !bad[k] ? sum[k] / cnt[k] : INFINITY;
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
    sqlite3 *db = pt_store_db(s->store);
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
    if (found > 0 && stt == PT_RUN_DONE) { /* resumed: the stored probe stands */
        sqlite3_stmt *q = NULL;
        int ok = 0;
        if (sqlite3_prepare_v2(db,
                               "SELECT energy_j, json_extract(config_json,'$.probe_steps'), "
                               "json_extract(config_json,'$.probe_seconds'), method FROM runs WHERE id=?",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, found);
            if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_double(q, 1) > 0) {
                *j_per_step = sqlite3_column_double(q, 0) / sqlite3_column_double(q, 1);
                *s_per_step = sqlite3_column_double(q, 2) / sqlite3_column_double(q, 1);
                *spent_j += sqlite3_column_double(q, 0);
                ok = 1;
            }
        }
        sqlite3_finalize(q);
        if (ok) return 0;
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
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "UPDATE runs SET config_json=json_set(config_json,'$.probe_steps',?,'$.probe_seconds',?) "
                           "WHERE id=?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, steps);
        sqlite3_bind_double(q, 2, secs);
        sqlite3_bind_int64(q, 3, rid);
        sqlite3_step(q);
    }
    sqlite3_finalize(q);
    pt_run_result rr = {PT_RUN_DONE, 0, NAN, NAN, e, NAN, pt_meter_method_name(m)};
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
        out->target_seconds = id > 0 ? target_seconds(pt_store_db(s->store), id, cfg->preset.threshold) : NAN;
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
    char base[2048];
    pt_study_config_json(cfg, model, base, sizeof base);
    sqlite3_stmt *q = NULL;
    int64_t grid_id = -1;
    if (sqlite3_prepare_v2(pt_store_db(st),
                           "SELECT id FROM studies WHERE kind='regime' AND dataset=? AND preset=? AND config_json=? "
                           "ORDER BY id DESC LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, cfg->dataset, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, cfg->preset.name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, base, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) grid_id = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return grid_id;
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
    int batch_size, repeat, nep;
    double lr;
    pt_run_status status;
    double *j, *sec, *acc; /* per epoch */
} stored_run;

typedef struct {
    stored_run *runs;
    int n;
    int64_t train_n;
    long probe_steps;
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

static int tune_replay(const pt_study_config *cfg, const pt_tune_config *tc_in, const char *objname, long probe_steps,
                       char *err, size_t errlen) {
    pt_tune_config tc = *tc_in;
    pt_study_data data;
    if (pt_study_data_load(cfg->dataset, cfg->data_dir, cfg->preset.train_limit, cfg->preset.val_limit,
                           cfg->preset.image_size, cfg->seed, &data, err, errlen) != 0)
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
    sqlite3_stmt *q = NULL;
    if (grid <= 0) {
        pt_say(err, errlen, "--replay: %s holds no regime study of these flags (run `powertrain regime` with them first)",
               cfg->db);
        goto done;
    }
    c.train_n = data.train.n;
    c.threshold = cfg->preset.threshold;
    c.probe_steps = probe_steps;
    tc.train_samples = data.train.n;
    c.runs = calloc(256, sizeof *c.runs);
    if (!c.runs) goto done;
    if (sqlite3_prepare_v2(pt_store_db(st),
                           "SELECT r.id, r.batch_size, r.lr, r.repeat, r.status, r.method FROM runs r WHERE "
                           "r.study_id=? AND r.phase='train' AND r.status != 'running'",
                           -1, &q, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(q, 1, grid);
    c.method = PT_METHOD_COUNTER;
    while (sqlite3_step(q) == SQLITE_ROW && c.n < 256) {
        stored_run *r = &c.runs[c.n];
        int64_t id = sqlite3_column_int64(q, 0);
        r->batch_size = sqlite3_column_int(q, 1);
        r->lr = sqlite3_column_double(q, 2);
        r->repeat = sqlite3_column_int(q, 3);
        if (pt_run_status_parse((const char *)sqlite3_column_text(q, 4), &r->status) != 0) r->status = PT_RUN_FAILED;
        const char *m = (const char *)sqlite3_column_text(q, 5);
        pt_meter_method mm = pt_study_method_parse(m);
        if (mm > c.method) c.method = mm;
        sqlite3_stmt *e = NULL;
        int cap = cfg->preset.max_epochs > 0 ? cfg->preset.max_epochs : 1;
        r->j = calloc((size_t)cap * 3, sizeof(double));
        if (!r->j) break;
        r->sec = r->j + cap;
        r->acc = r->j + 2 * cap;
        if (sqlite3_prepare_v2(pt_store_db(st), "SELECT energy_j, seconds, val_acc FROM epochs WHERE run_id=? ORDER BY epoch",
                               -1, &e, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(e, 1, id);
            while (sqlite3_step(e) == SQLITE_ROW && r->nep < cap) {
                r->j[r->nep] = sqlite3_column_double(e, 0);
                r->sec[r->nep] = sqlite3_column_double(e, 1);
                r->acc[r->nep] = sqlite3_column_type(e, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(e, 2);
                r->nep++;
            }
        }
        sqlite3_finalize(e);
        c.n++;
    }
    sqlite3_finalize(q);
    q = NULL;
    goto search;
sqlfail:
    pt_say(err, errlen, "%s: %s", cfg->db, sqlite3_errmsg(pt_store_db(st)));
    goto done;
search:;
    pt_tune_runner rn = {&c, replay_probe, replay_run};
    pt_tune_result *res = calloc(1, sizeof *res);
    if (!res) goto done;
    fprintf(stderr, "powertrain tune: replaying regime study %lld of %s (%d runs): nothing is trained or stored\n",
            (long long)grid, cfg->db, c.n);
    rc = pt_tune_search(&tc, &rn, res, err, errlen);
    if (rc >= 0) print_search(&tc, res, objname, pt_meter_method_name(c.method), 1, st, grid);
    free(res);
done:
    sqlite3_finalize(q);
    for (int i = 0; i < c.n; i++) free(c.runs[i].j);
    free(c.runs);
    pt_store_close(st);
    pt_study_data_free(&data);
    return rc;
}

int pt_study_tune(const pt_study_config *cfg_in, const pt_tune_opts *t, char *err, size_t errlen) {
    pt_study_config cfg = *cfg_in;
    const pt_preset *p = &cfg.preset;
    char objname[32], note[1024], list[512] = "";
    pt_objective_format(&t->objective, objname, sizeof objname);
    size_t u = 0;
    for (int b = 0; b < p->nbs; b++) u += (size_t)snprintf(list + u, sizeof list - u, "%s%d", b ? "," : "", p->batch_sizes[b]);
    u += (size_t)snprintf(list + u, sizeof list - u, "],\"lrs\":[");
    for (int l = 0; l < p->nlr && u < sizeof list; l++)
        u += (size_t)snprintf(list + u, sizeof list - u, "%s%g", l ? "," : "", p->lrs[l]);
    char pmax[48] = "";
    if (t->objective.kind == PT_OBJ_COST && t->objective.pmax_w > 0)
        snprintf(pmax, sizeof pmax, ",\"pmax_w\":%g", t->objective.pmax_w);
    snprintf(note, sizeof note,
             "\"search\":{\"mode\":\"%s\",\"objective\":\"%s\",\"budget_j\":%g,\"probe_steps\":%ld,\"z\":%g%s,"
             "\"batch_sizes\":[%s]}",
             t->mode == PT_TUNE_FAST ? "fast" : "exact", objname, t->budget_j, t->probe_steps, t->z, pmax, list);
    cfg.study_note = note;
    if (t->replay) {
        pt_tune_config rc;
        memset(&rc, 0, sizeof rc);
        rc.mode = t->mode;
        rc.objective = t->objective;
        if (rc.objective.kind == PT_OBJ_COST && !(rc.objective.pmax_w > 0))
            return pt_say(err, errlen, "--replay with --objective cost: give --pmax W"), -1;
        rc.nbs = p->nbs;
        rc.nlr = p->nlr;
        rc.repeats = p->repeats;
        rc.batch_sizes = p->batch_sizes;
        rc.lrs = p->lrs;
        rc.max_epochs = p->max_epochs;
        rc.threshold = p->threshold;
        rc.budget_j = t->budget_j;
        rc.z = t->z > 0 ? t->z : 2;
        rc.progress = cfg.progress;
        return tune_replay(&cfg, &rc, objname, t->probe_steps, err, errlen);
    }
    pt_study s;
    if (pt_study_open(&s, &cfg, "tune", err, errlen) != 0) return -1;
    pt_tune_config tc;
    memset(&tc, 0, sizeof tc);
    tc.mode = t->mode;
    tc.objective = t->objective;
    if (tc.objective.kind == PT_OBJ_COST && !(tc.objective.pmax_w > 0)) {
        for (int k = 0; k < pt_meter_component_count(s.meter); k++) {
            pt_meter_component c;
            pt_meter_component_info(s.meter, k, &c);
            if (c.billed) tc.objective.pmax_w += c.power_limit_w;
        }
        if (!(tc.objective.pmax_w > 0)) {
            pt_say(err, errlen, "--objective cost: the billed devices report no power limit; give --pmax W");
            pt_study_close(&s);
            return -1;
        }
    }
    tc.nbs = p->nbs;
    tc.nlr = p->nlr;
    tc.repeats = p->repeats;
    tc.batch_sizes = p->batch_sizes;
    tc.lrs = p->lrs;
    tc.train_samples = s.data.train.n;
    tc.max_epochs = p->max_epochs;
    tc.threshold = p->threshold;
    tc.budget_j = t->budget_j;
    tc.z = t->z > 0 ? t->z : 2;
    tc.progress = cfg.progress;
    tune_ctx ctx = {&s, t, p->lrs[0], PT_METHOD_COUNTER};
    for (int l = 1; l < p->nlr; l++)
        if (p->lrs[l] < ctx.probe_lr) ctx.probe_lr = p->lrs[l]; /* the gentlest: probes must not diverge */
    pt_tune_runner rn = {&ctx, tune_probe, tune_runner_run};
    fprintf(stderr,
            "powertrain tune: %s, preset %s, %s mode, objective %s, %d setups x %d repeats on %s into %s (study "
            "%lld)\n",
            cfg.dataset, p->name, t->mode == PT_TUNE_FAST ? "fast" : "exact", objname, p->nbs * p->nlr, p->repeats,
            cfg.device, cfg.db, (long long)s.study_id);
    pt_tune_result *res = calloc(1, sizeof *res);
    if (!res) {
        pt_say(err, errlen, "out of memory");
        pt_study_close(&s);
        return -1;
    }
    int rc = pt_tune_search(&tc, &rn, res, err, errlen);
    if (rc < 0) {
        free(res);
        pt_study_close(&s);
        return -1;
    }
    const char *method = pt_meter_method_name(ctx.method);
    print_search(&tc, res, objname, method, 0, s.store, find_grid(s.store, &cfg, s.data.model));
    free(res);
    pt_study_close(&s);
    return rc;
}
