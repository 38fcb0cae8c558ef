/* tune.c -- the search of `powertrain tune` over a runner: objectives, the
 * learning-curve fit, exact mode's bound and fast mode's halving (tune.h has
 * the argument for exactness). */
#include "study/tune.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

int pt_objective_parse(const char *s, pt_objective *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    if (!strcmp(s, "energy-to-target")) {
        o->kind = PT_OBJ_ENERGY_TO_TARGET;
        return 0;
    }
    if (!strcmp(s, "total-energy")) {
        o->kind = PT_OBJ_TOTAL_ENERGY;
        return 0;
    }
    if (!strncmp(s, "cost:", 5)) {
        char *end;
        double eta = strtod(s + 5, &end);
        if (end != s + 5 && !*end && eta >= 0 && eta <= 1) {
            o->kind = PT_OBJ_COST;
            o->eta = eta;
            return 0;
        }
        pt_say(err, errlen, "--objective %s: cost:ETA needs ETA between 0 and 1 (e.g. cost:0.5)", s);
        return -1;
    }
    pt_say(err, errlen, "--objective: expected energy-to-target, total-energy or cost:ETA, got '%s'", s);
    return -1;
}

void pt_objective_format(const pt_objective *o, char *buf, size_t n) {
    switch (o->kind) {
    case PT_OBJ_ENERGY_TO_TARGET: pt_strlcpy(buf, "energy-to-target", n); break;
    case PT_OBJ_TOTAL_ENERGY: pt_strlcpy(buf, "total-energy", n); break;
    case PT_OBJ_COST: snprintf(buf, n, "cost:%g", o->eta); break;
    }
}

static double cost(const pt_objective *o, double e, double t) { return o->eta * e + (1 - o->eta) * o->pmax_w * t; }

double pt_objective_run(const pt_objective *o, const pt_tune_outcome *r) {
    switch (o->kind) {
    case PT_OBJ_ENERGY_TO_TARGET: return isfinite(r->target_energy_j) ? r->target_energy_j : INFINITY;
    case PT_OBJ_TOTAL_ENERGY: return r->status == PT_RUN_DONE ? r->energy_j : INFINITY;
    case PT_OBJ_COST:
        return isfinite(r->target_energy_j) && isfinite(r->target_seconds)
                   ? cost(o, r->target_energy_j, r->target_seconds)
                   : INFINITY;
    }
    return INFINITY;
}

double pt_objective_lower(const pt_objective *o, const pt_run_progress *p) {
    int reached = isfinite(p->target_energy_j);
    switch (o->kind) {
    case PT_OBJ_ENERGY_TO_TARGET: return reached ? p->target_energy_j : p->energy_j;
    case PT_OBJ_TOTAL_ENERGY: return p->energy_j;
    case PT_OBJ_COST:
        return reached && isfinite(p->target_seconds) ? cost(o, p->target_energy_j, p->target_seconds)
                                                      : cost(o, p->energy_j, p->seconds);
    }
    return 0;
}

/* ---- the learning curve ------------------------------------------------ */

int pt_curve_fit(const double *acc, int n, pt_curve *c) {
    memset(c, 0, sizeof *c);
    double sx = 0, sy = 0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(acc[i])) sx += log(i + 1.0), sy += acc[i], m++;
    if (m < 2) return -1;
    double mx = sx / m, my = sy / m, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(acc[i])) {
            double dx = log(i + 1.0) - mx;
            sxx += dx * dx;
            sxy += dx * (acc[i] - my);
        }
    c->n = m;
    c->b = sxx > 0 ? sxy / sxx : 0;
    c->a = my - c->b * mx;
    if (m >= 3) {
        double sse = 0;
        for (int i = 0; i < n; i++)
            if (isfinite(acc[i])) {
                double r = acc[i] - (c->a + c->b * log(i + 1.0));
                sse += r * r;
            }
        c->s = sqrt(sse / (m - 2));
        c->se_b = sxx > 0 ? c->s / sqrt(sxx) : 0;
    }
    return 0;
}

double pt_curve_epochs_to(const pt_curve *c, double threshold, double z) {
    /* optimistic: the line z standard errors higher (intercept) and steeper (slope); with
       two points there is no spread to measure, so the slope's own size stands in for it */
    double se_b = c->n >= 3 ? c->se_b : fabs(c->b);
    double b = c->b + z * se_b, a = c->a + z * c->s;
    if (a >= threshold) return 1;
    if (!(b > 0)) return INFINITY;
    double e = exp((threshold - a) / b);
    return e < 1 ? 1 : e;
}

/* ---- replaying a trained run ------------------------------------------------ */

static void stopped(pt_tune_outcome *out, int epochs, const pt_run_progress *p) {
    out->status = PT_RUN_STOPPED;
    out->epochs = epochs;
    out->energy_j = p->energy_j;
    out->seconds = p->seconds;
    out->target_energy_j = p->target_energy_j;
    out->target_seconds = p->target_seconds;
}

void pt_tune_replay(const pt_tune_epochs *r, double threshold, pt_run_watch watch, void *wctx, pt_tune_outcome *out) {
    pt_run_progress p;
    memset(&p, 0, sizeof p);
    p.target_energy_j = p.target_seconds = NAN;
    p.val_acc = r->acc;
    p.epoch_j = r->j;
    double e_done = 0, t_done = 0;
    for (int e = 1; e <= r->nep; e++) {
        for (int q = 1; q <= 3; q++) { /* inside the epoch */
            p.epoch = e;
            p.finished_epoch = 0;
            p.energy_j = e_done + r->j[e - 1] * q / 4;
            p.seconds = t_done + r->sec[e - 1] * q / 4;
            if (watch(wctx, &p)) {
                stopped(out, e - 1, &p);
                return;
            }
        }
        e_done += r->j[e - 1];
        t_done += r->sec[e - 1];
        if (!isfinite(p.target_energy_j) && r->acc[e - 1] >= threshold - 1e-12) {
            p.target_energy_j = e_done;
            p.target_seconds = t_done;
        }
        if (e == r->nep) break; /* the run's own rule ended it here */
        p.nacc = e;
        p.finished_epoch = 1;
        p.energy_j = e_done;
        p.seconds = t_done;
        if (watch(wctx, &p)) {
            stopped(out, e, &p);
            return;
        }
    }
    out->status = r->status;
    out->epochs = r->nep;
    out->energy_j = e_done;
    out->seconds = t_done;
    out->target_energy_j = p.target_energy_j;
    out->target_seconds = p.target_seconds;
}

/* ---- the search ----------------------------------------------------------- */

enum { WHY_NONE = 0, WHY_PRUNED, WHY_AT_TARGET, WHY_PREDICTED, WHY_CANNOT_REACH, WHY_BUDGET };

typedef struct {
    const pt_tune_config *cfg;
    double base;      /* the setup's finished repeats' objectives, summed */
    int R;            /* repeats its mean is over */
    double incumbent; /* INFINITY: none yet */
    int fast;
    double budget_left; /* J for this run, 0: no budget */
    int why;
    double predicted;   /* fast mode: the optimistic prediction that stopped it */
} watch_state;

/* The optimistic objective a run would reach, from its epochs so far (fast mode);
   INFINITY when the curve says it cannot reach the target within the cap. */
static double predict(const pt_tune_config *cfg, const pt_run_progress *p) {
    pt_curve c;
    if (pt_curve_fit(p->val_acc, p->nacc, &c) != 0) return -INFINITY; /* no opinion */
    double e = pt_curve_epochs_to(&c, cfg->threshold, cfg->z);
    if (e > cfg->max_epochs) return INFINITY;
    double more = ceil(e) - p->nacc;
    if (more < 0) more = 0;
    double ep_j = INFINITY, ep_s = p->seconds / (p->nacc > 0 ? p->nacc : 1);
    for (int i = p->nacc - 2 < 0 ? 0 : p->nacc - 2; i < p->nacc; i++)
        if (p->epoch_j[i] < ep_j) ep_j = p->epoch_j[i]; /* the cheaper of the last two epochs */
    if (!isfinite(ep_j)) return -INFINITY;
    pt_run_progress q = *p;
    q.energy_j += more * ep_j;
    q.seconds += more * ep_s;
    q.target_energy_j = q.target_seconds = NAN;
    return pt_objective_lower(&cfg->objective, &q);
}

static int tune_watch(void *ctx, const pt_run_progress *p) {
    watch_state *w = ctx;
    const pt_objective *o = &w->cfg->objective;
    int reached = isfinite(p->target_energy_j);
    if (reached && o->kind != PT_OBJ_TOTAL_ENERGY) { /* its objective is known now */
        w->why = WHY_AT_TARGET;
        return 1;
    }
    if (w->budget_left > 0 && p->energy_j > w->budget_left) {
        w->why = WHY_BUDGET;
        return 1;
    }
    if (isfinite(w->incumbent) && (w->base + pt_objective_lower(o, p)) / w->R > w->incumbent) {
        w->why = WHY_PRUNED; /* it can no longer win */
        return 1;
    }
    if (w->fast && p->finished_epoch && !reached && p->nacc >= 2 && o->kind != PT_OBJ_TOTAL_ENERGY) {
        double v = predict(w->cfg, p);
        if (v == INFINITY) {
            w->why = WHY_CANNOT_REACH;
            w->predicted = v;
            return 1;
        }
        if (isfinite(w->incumbent) && (w->base + v) / w->R > w->incumbent) {
            w->why = WHY_PREDICTED;
            w->predicted = v;
            return 1;
        }
    }
    return 0;
}

typedef struct {
    int bs_idx, lr_idx;
    int k; /* epochs to target */
} sighting;

/* Search order: predicted cost = energy per epoch (probe) x epochs to target,
   the epochs guessed from what the runs so far showed. Exactness never depends
   on the order; only the savings do. */
static double score(const pt_tune_config *cfg, const pt_tune_result *res, const double *epoch_j, int b, int l,
                    const sighting *seen, int nseen, const int *diverged_lr, const int *unreached_lr) {
    double k = NAN, best_d = INFINITY;
    for (int i = 0; i < nseen; i++) /* the same learning rate at the nearest batch size */
        if (seen[i].lr_idx == l) {
            double d = fabs(log((double)cfg->batch_sizes[b] / cfg->batch_sizes[seen[i].bs_idx]));
            if (d < best_d) {
                best_d = d;
                k = seen[i].k * sqrt((double)cfg->batch_sizes[b] / cfg->batch_sizes[seen[i].bs_idx]);
            }
        }
    if (!isfinite(k)) {
        double lr_factor = 1 + fabs(log10(cfg->lrs[l]) - log10(1e-3));
        double kmed = 0;
        for (int i = 0; i < nseen; i++) kmed += seen[i].k;
        k = (nseen ? kmed / nseen : 2) * lr_factor;
    }
    if (diverged_lr[l]) k *= 8;
    if (unreached_lr[l]) k *= 4;
    (void)res;
    return epoch_j[b] * (k < 1 ? 1 : k);
}

static void say(const pt_tune_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const pt_tune_config *cfg, const char *fmt, ...) {
    if (!cfg->progress) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("tune: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static double spent(const pt_tune_result *r) { return r->probe_j + r->runs_j; }

/* Runs repeats [r0, r1] of setup su. Returns 0 (su updated: value = the mean
   over cfg->repeats when EVALUATED, else the state says why), 1 interrupted,
   -1 error, 2 budget spent. base: the sum of the objectives of repeats before r0. */
static int run_repeats(const pt_tune_config *cfg, const pt_tune_runner *rn, pt_tune_result *res, pt_tune_setup *su,
                       int r0, int r1, int R, double incumbent, int fast, double *base, sighting *seen, int *nseen,
                       int *diverged_lr, int *unreached_lr, int l_idx, int b_idx, char *err, size_t errlen) {
    for (int r = r0; r <= r1; r++) {
        if (cfg->budget_j > 0 && spent(res) >= cfg->budget_j) return 2;
        watch_state w = {cfg, *base, R, incumbent, fast, 0, WHY_NONE, NAN};
        if (cfg->budget_j > 0) w.budget_left = cfg->budget_j - spent(res);
        pt_tune_outcome out;
        memset(&out, 0, sizeof out);
        out.target_energy_j = out.target_seconds = NAN;
        int rc = rn->run(rn->ctx, su->setup, su->batch_size, su->lr, r, tune_watch, &w, &out, err, errlen);
        if (rc < 0) return -1;
        res->runs_j += out.energy_j;
        su->spent_j += out.energy_j;
        su->epochs += out.epochs;
        su->runs++;
        res->nruns++;
        if (rc == 1) return 1;
        if (out.status == PT_RUN_STOPPED) res->nstopped++;
        if (out.status == PT_RUN_DIVERGED) su->diverged++, diverged_lr[l_idx] = 1;
        double v = pt_objective_run(&cfg->objective, &out);
        if (w.why == WHY_BUDGET) return 2;
        if (isfinite(out.target_energy_j) && *nseen < PT_TUNE_MAX_SETUPS * 4) {
            sighting s = {b_idx, l_idx, out.epochs > 0 ? out.epochs : 1};
            seen[(*nseen)++] = s;
        }
        if (!isfinite(v)) {
            if (w.why == WHY_PRUNED || w.why == WHY_PREDICTED) {
                su->state = PT_SETUP_PRUNED;
                say(cfg, "setup %d (batch %d, lr %g) repeat %d: stopped after %d epochs at %.1f J: %s", su->setup,
                    su->batch_size, su->lr, r, out.epochs, out.energy_j,
                    w.why == WHY_PRUNED ? "it can no longer beat the incumbent"
                                        : "its optimistic prediction cannot beat the incumbent");
            } else {
                su->state = PT_SETUP_INFEASIBLE;
                if (out.status == PT_RUN_NOT_REACHED || w.why == WHY_CANNOT_REACH) unreached_lr[l_idx] = 1;
                say(cfg, "setup %d (batch %d, lr %g) repeat %d: %s after %d epochs, %.1f J", su->setup, su->batch_size,
                    su->lr, r, w.why == WHY_CANNOT_REACH ? "predicted not to reach the target within the cap"
                                                          : pt_run_status_name(out.status),
                    out.epochs, out.energy_j);
            }
            su->value = INFINITY;
            return 0;
        }
        *base += v;
        say(cfg, "setup %d (batch %d, lr %g) repeat %d: %.1f after %d epochs (spent %.1f J)", su->setup,
            su->batch_size, su->lr, r, v, out.epochs, out.energy_j);
    }
    return 0;
}

/* What the search's steps share: the probes' epoch energies, the runs seen
   reach the target, the learning rates that diverged or never reached it,
   the first repeats' energies (fast mode). */
typedef struct {
    double epoch_j[16];
    sighting seen[PT_TUNE_MAX_SETUPS * 4];
    int nseen, diverged_lr[16], unreached_lr[16];
    double base_of[PT_TUNE_MAX_SETUPS];
} search_state;

/* The space checked and its setups laid out (b * nlr + l): 0 or -1 (err). */
static int search_init(const pt_tune_config *cfg, pt_tune_result *res, char *err, size_t errlen) {
    memset(res, 0, sizeof *res);
    res->best = -1;
    res->best_value = INFINITY;
    int n = cfg->nbs * cfg->nlr;
    if (cfg->nbs < 1 || cfg->nlr < 1 || n > PT_TUNE_MAX_SETUPS || cfg->nbs > 16 || cfg->repeats < 1) {
        pt_say(err, errlen, "tune: the space must hold 1..%d setups (at most 16 batch sizes)", PT_TUNE_MAX_SETUPS);
        return -1;
    }
    res->nsetups = n;
    for (int b = 0; b < cfg->nbs; b++)
        for (int l = 0; l < cfg->nlr; l++) {
            pt_tune_setup *su = &res->setups[b * cfg->nlr + l];
            su->setup = b * cfg->nlr + l + 1;
            su->batch_size = cfg->batch_sizes[b];
            su->lr = cfg->lrs[l];
            su->value = INFINITY;
        }
    return 0;
}

/* 1. probes: energy per step of each batch size. 0, -1 (err), 2: the budget is spent. */
static int search_probe(const pt_tune_config *cfg, const pt_tune_runner *rn, pt_tune_result *res, search_state *ss,
                        char *err, size_t errlen) {
    for (int b = 0; b < cfg->nbs; b++) {
        int64_t steps = cfg->batch_sizes[b] > 0 ? cfg->train_samples / cfg->batch_sizes[b] : 0;
        res->j_per_step[b] = res->s_per_step[b] = NAN;
        ss->epoch_j[b] = INFINITY;
        if (steps < 1) { /* the batch exceeds the data: no run can train */
            for (int l = 0; l < cfg->nlr; l++) res->setups[b * cfg->nlr + l].state = PT_SETUP_INFEASIBLE;
            say(cfg, "batch %d exceeds the %lld training samples: its setups cannot run", cfg->batch_sizes[b],
                (long long)cfg->train_samples);
            continue;
        }
        if (!rn->probe) { /* no probes (a study around a command): every batch size alike at first */
            ss->epoch_j[b] = 1;
            continue;
        }
        if (cfg->budget_j > 0 && spent(res) >= cfg->budget_j) {
            res->budget_exhausted = 1;
            return 2;
        }
        if (rn->probe(rn->ctx, cfg->batch_sizes[b], &res->j_per_step[b], &res->s_per_step[b], &res->probe_j, err,
                      errlen) != 0)
            return -1;
        ss->epoch_j[b] = res->j_per_step[b] * (double)steps;
        say(cfg, "probe: batch %d: %.4g J per step, %.4g J per epoch (%lld steps)", cfg->batch_sizes[b],
            res->j_per_step[b], ss->epoch_j[b], (long long)steps);
    }
    return 0;
}

/* The untried setup of the lowest predicted score, -1: none left. */
static int search_pick(const pt_tune_config *cfg, const pt_tune_result *res, const search_state *ss) {
    int pick = -1;
    double ps = INFINITY;
    for (int i = 0; i < res->nsetups; i++) {
        if (res->setups[i].state != PT_SETUP_UNTRIED || res->setups[i].order) continue;
        int b = i / cfg->nlr, l = i % cfg->nlr;
        double sc = score(cfg, res, ss->epoch_j, b, l, ss->seen, ss->nseen, ss->diverged_lr, ss->unreached_lr);
        if (pick < 0 || sc < ps) pick = i, ps = sc;
    }
    return pick;
}

/* 2. exact: whole setups in predicted order; fast: first repeats in predicted
   order. 0, -1 (err), 1: interrupted. */
static int search_predicted(const pt_tune_config *cfg, const pt_tune_runner *rn, pt_tune_result *res,
                            search_state *ss, char *err, size_t errlen) {
    int fast = cfg->mode == PT_TUNE_FAST, R = cfg->repeats, order = 0;
    double incumbent = INFINITY;
    for (int pick; (pick = search_pick(cfg, res, ss)) >= 0;) {
        pt_tune_setup *su = &res->setups[pick];
        su->order = ++order;
        int b = pick / cfg->nlr, l = pick % cfg->nlr;
        int last = fast ? 1 : R;
        double base = 0;
        /* fast mode's first pass compares single first repeats */
        int rc = run_repeats(cfg, rn, res, su, 1, last, fast ? 1 : R, incumbent, fast, &base, ss->seen, &ss->nseen,
                             ss->diverged_lr, ss->unreached_lr, l, b, err, errlen);
        if (rc < 0) return -1;
        if (rc == 1) return res->interrupted = 1, 1;
        if (rc == 2) {
            res->budget_exhausted = 1;
            break;
        }
        if (su->state != PT_SETUP_UNTRIED) continue; /* pruned or infeasible */
        ss->base_of[pick] = base;
        double v = base / last;
        if (fast && R > 1) {
            su->value = v; /* first repeat's, for the halving */
            if (v < incumbent) incumbent = v;
            continue;
        }
        su->state = PT_SETUP_EVALUATED;
        su->value = v;
        if (v < incumbent) {
            incumbent = v;
            res->best = pick;
            res->best_value = v;
        }
    }
    return 0;
}

/* 3. fast mode with repeats: the better half (by first repeat's value) runs
   its other repeats under the exact bound. 0, -1 (err), 1: interrupted. */
static int search_halving(const pt_tune_config *cfg, const pt_tune_runner *rn, pt_tune_result *res,
                          search_state *ss, char *err, size_t errlen) {
    int R = cfg->repeats, cand[PT_TUNE_MAX_SETUPS], nc = 0;
    for (int i = 0; i < res->nsetups; i++)
        if (res->setups[i].state == PT_SETUP_UNTRIED && res->setups[i].order && isfinite(res->setups[i].value))
            cand[nc++] = i;
    for (int a = 1; a < nc; a++) /* by first repeat's value */
        for (int j = a; j > 0 && res->setups[cand[j]].value < res->setups[cand[j - 1]].value; j--) {
            int t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    int keep = (nc + 1) / 2;
    double incumbent = INFINITY;
    for (int j = 0; j < nc; j++) {
        pt_tune_setup *su = &res->setups[cand[j]];
        if (j >= keep) {
            su->state = PT_SETUP_HALVED;
            continue;
        }
        double base = ss->base_of[cand[j]];
        int rc = run_repeats(cfg, rn, res, su, 2, R, R, incumbent, 0, &base, ss->seen, &ss->nseen, ss->diverged_lr,
                             ss->unreached_lr, cand[j] % cfg->nlr, cand[j] / cfg->nlr, err, errlen);
        if (rc < 0) return -1;
        if (rc == 1) return res->interrupted = 1, 1;
        if (rc == 2) {
            res->budget_exhausted = 1;
            break;
        }
        if (su->state != PT_SETUP_UNTRIED) continue;
        su->state = PT_SETUP_EVALUATED;
        su->value = base / R;
        if (su->value < incumbent) {
            incumbent = su->value;
            res->best = cand[j];
            res->best_value = su->value;
        }
    }
    return 0;
}

int pt_tune_search(const pt_tune_config *cfg, const pt_tune_runner *rn, pt_tune_result *res, char *err,
                   size_t errlen) {
    if (search_init(cfg, res, err, errlen) != 0) return -1;
    search_state ss;
    memset(&ss, 0, sizeof ss);
    int rc = search_probe(cfg, rn, res, &ss, err, errlen);
    if (rc != 0) return rc == 2 ? 0 : -1;
    if ((rc = search_predicted(cfg, rn, res, &ss, err, errlen)) != 0) return rc;
    if (cfg->mode == PT_TUNE_FAST && cfg->repeats > 1 && !res->budget_exhausted &&
        (rc = search_halving(cfg, rn, res, &ss, err, errlen)) != 0)
        return rc;
    for (int i = 0; i < res->nsetups; i++) /* fast mode's first repeats that never got further */
        if (res->setups[i].state == PT_SETUP_UNTRIED && res->setups[i].order) res->setups[i].state = PT_SETUP_HALVED;
    assert(res->best < 0 || res->setups[res->best].state == PT_SETUP_EVALUATED);
    return 0;
}

void pt_tune_advice(const pt_tune_config *cfg, const pt_tune_result *res, char *buf, size_t n) {
    buf[0] = '\0';
    size_t used = 0;
#define ADD(...)                                                                                                       \
    do {                                                                                                               \
        if (used < n) used += (size_t)snprintf(buf + used, n - used, __VA_ARGS__);                                   \
    } while (0)
    /* energy per epoch across batch sizes, from the probes */
    int lo = -1, hi = -1;
    for (int b = 0; b < cfg->nbs; b++) {
        if (!isfinite(res->j_per_step[b])) continue;
        double e = res->j_per_step[b] * (double)(cfg->train_samples / cfg->batch_sizes[b]);
        double elo = lo < 0 ? 0 : res->j_per_step[lo] * (double)(cfg->train_samples / cfg->batch_sizes[lo]);
        double ehi = hi < 0 ? 0 : res->j_per_step[hi] * (double)(cfg->train_samples / cfg->batch_sizes[hi]);
        if (lo < 0 || e < elo) lo = b;
        if (hi < 0 || e > ehi) hi = b;
    }
    if (lo >= 0 && hi >= 0 && lo != hi) {
        double elo = res->j_per_step[lo] * (double)(cfg->train_samples / cfg->batch_sizes[lo]);
        double ehi = res->j_per_step[hi] * (double)(cfg->train_samples / cfg->batch_sizes[hi]);
        ADD("- batch %d costs %.1fx the energy per epoch of batch %d here\n", cfg->batch_sizes[hi], ehi / elo,
            cfg->batch_sizes[lo]);
    }
    for (int l = 0; l < cfg->nlr; l++) {
        int runs = 0, div = 0, infeasible = 0, tried = 0;
        for (int b = 0; b < cfg->nbs; b++) {
            const pt_tune_setup *su = &res->setups[b * cfg->nlr + l];
            runs += su->runs;
            div += su->diverged;
            if (su->runs) tried++;
            if (su->state == PT_SETUP_INFEASIBLE && su->runs) infeasible++;
        }
        if (div) ADD("- lr %g diverged in %d of %d runs\n", cfg->lrs[l], div, runs);
        else if (infeasible && infeasible == tried) ADD("- lr %g never reached the target (%d setups tried)\n", cfg->lrs[l], tried);
    }
    int untried = 0, pruned = 0;
    for (int i = 0; i < res->nsetups; i++) {
        untried += res->setups[i].runs == 0;
        pruned += res->setups[i].state == PT_SETUP_PRUNED;
    }
    ADD("- %d runs, %d stopped early by the search; %d setups pruned, %d never run\n", res->nruns, res->nstopped,
        pruned, untried);
#undef ADD
}
