/* test_tune.c -- tune's search on scripted runs (no training): the objectives
 * and their parsing, the learning-curve fit on known curves, exact mode's
 * guarantee against the full grid on hundreds of random grids, the moment a
 * run is stopped (when it passes the incumbent, never before), fast mode's
 * halving, the budget, and bad spaces. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study/tune.h"
#include "test.h"

/* ---- a scripted grid ------------------------------------------------------ */

#define NB 4
#define NL 4
#define MAXR 3
#define CAP 12

typedef struct {
    double epoch_j[CAP], acc[CAP], sec[CAP];
    int diverge_at; /* epoch whose loss blows up (0: never) */
} script;

typedef struct {
    int nbs, nlr, repeats, patience;
    double threshold;
    script runs[NB * NL][MAXR];
    /* what the runner saw */
    double spent;
    int calls, probes;
    int bad_stop; /* a stop asked for before the bound passed the incumbent */
    double check_incumbent; /* when >= 0: verify each stop against this (pruning test) */
} grid;

static uint64_t rng = 88172645463325252ULL;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* The full run, as the grid would train it: status, epochs, energy, target. */
static pt_tune_outcome full_outcome(const grid *g, const script *s) {
    pt_tune_outcome o = {PT_RUN_NOT_REACHED, 0, 0, 0, NAN, NAN};
    int armed = 0, since = 0;
    double best = -1;
    for (int e = 1; e <= CAP; e++) {
        o.epochs = e;
        o.energy_j += s->epoch_j[e - 1];
        o.seconds += s->sec[e - 1];
        if (s->diverge_at == e) {
            o.status = PT_RUN_DIVERGED;
            return o;
        }
        double a = s->acc[e - 1];
        if (!armed && a >= g->threshold) {
            armed = 1;
            o.target_energy_j = o.energy_j;
            o.target_seconds = o.seconds;
        }
        if (a > best) best = a, since = 0;
        else since++;
        if (armed && since >= g->patience) {
            o.status = PT_RUN_DONE;
            return o;
        }
    }
    o.status = armed ? PT_RUN_DONE : PT_RUN_NOT_REACHED;
    return o;
}

static void make_grid(grid *g, int repeats) {
    memset(g, 0, sizeof *g);
    g->nbs = NB;
    g->nlr = NL;
    g->repeats = repeats;
    g->patience = 3;
    g->threshold = 0.8;
    g->check_incumbent = -1;
    for (int i = 0; i < NB * NL; i++) {
        double ej = 1 + 9 * urand(), speed = urand() * 0.25, start = 0.3 + 0.3 * urand();
        int diverges = urand() < 0.15;
        for (int r = 0; r < repeats; r++) {
            script *s = &g->runs[i][r];
            double acc = start + 0.05 * urand();
            for (int e = 0; e < CAP; e++) {
                s->epoch_j[e] = ej * (0.9 + 0.2 * urand());
                s->sec[e] = s->epoch_j[e] / 100;
                acc += speed * (0.5 + urand()) / (1 + 0.3 * e);
                if (acc > 0.99) acc = 0.99;
                s->acc[e] = acc;
            }
            s->diverge_at = diverges ? 1 + (int)(urand() * 4) : 0;
        }
    }
}

static int sc_probe(void *ctx, int bs, double *jps, double *sps, double *spent, char *err, size_t errlen) {
    grid *g = ctx;
    (void)err;
    (void)errlen;
    int b = 0;
    while (b < NB && (16 << (2 * b)) != bs) b++;
    *jps = (b + 1) * 0.01; /* any order works; exactness must not depend on it */
    *sps = 0.001;
    *spent += 0.5;
    g->spent += 0.5;
    g->probes++;
    return 0;
}

/* Simulates training: the run as the grid would train it, replayed under the watch. */
static int sc_run(void *ctx, int setup, int bs, double lr, int repeat, pt_run_watch watch, void *wctx,
                  pt_tune_outcome *out, char *err, size_t errlen) {
    grid *g = ctx;
    (void)bs;
    (void)lr;
    (void)err;
    (void)errlen;
    g->calls++;
    const script *s = &g->runs[setup - 1][repeat - 1];
    pt_tune_outcome full = full_outcome(g, s);
    double acc[CAP];
    for (int e = 0; e < CAP; e++) acc[e] = s->diverge_at == e + 1 ? NAN : s->acc[e]; /* a diverged epoch never arms */
    pt_tune_epochs ep = {s->epoch_j, s->sec, acc, full.epochs, full.status};
    pt_tune_replay(&ep, g->threshold, watch, wctx, out);
    g->spent += out->energy_j;
    return 0;
}

static const int bss[NB] = {16, 64, 256, 1024};
static const double lrs[NL] = {0.1, 0.01, 0.001, 0.0001};

static void config(pt_tune_config *c, const grid *g, pt_tune_mode mode, const char *obj) {
    memset(c, 0, sizeof *c);
    char err[256];
    c->mode = mode;
    pt_objective_parse(obj, &c->objective, err, sizeof err);
    c->objective.pmax_w = 300;
    c->nbs = g->nbs;
    c->nlr = g->nlr;
    c->repeats = g->repeats;
    c->batch_sizes = bss;
    c->lrs = lrs;
    c->train_samples = 4096;
    c->max_epochs = CAP;
    c->threshold = g->threshold;
    c->z = 2;
}

/* The grid's answer: the minimum over setups of the mean objective. */
static double grid_best(const grid *g, const pt_objective *o, int *best, double *grid_j) {
    double bv = INFINITY;
    *best = -1;
    *grid_j = 0;
    for (int i = 0; i < g->nbs * g->nlr; i++) {
        double sum = 0;
        int ok = 1;
        for (int r = 0; r < g->repeats; r++) {
            pt_tune_outcome f = full_outcome(g, &g->runs[i][r]);
            *grid_j += f.energy_j;
            double v = pt_objective_run(o, &f);
            if (!isfinite(v)) ok = 0;
            else sum += v;
        }
        if (ok && sum / g->repeats < bv) bv = sum / g->repeats, *best = i;
    }
    return bv;
}

static void test_objectives(void) {
    pt_objective o;
    char err[256];
    CHECK(pt_objective_parse("energy-to-target", &o, err, sizeof err) == 0 && o.kind == PT_OBJ_ENERGY_TO_TARGET);
    CHECK(pt_objective_parse("total-energy", &o, err, sizeof err) == 0 && o.kind == PT_OBJ_TOTAL_ENERGY);
    CHECK(pt_objective_parse("cost:0.25", &o, err, sizeof err) == 0 && o.kind == PT_OBJ_COST && o.eta == 0.25);
    CHECK(pt_objective_parse("cost:1.5", &o, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "between 0 and 1");
    CHECK(pt_objective_parse("cost:", &o, err, sizeof err) == -1);
    CHECK(pt_objective_parse("joules", &o, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "'joules'");
    /* Zeus's cost on a run: eta*E + (1-eta)*P*T */
    pt_objective_parse("cost:0.5", &o, err, sizeof err);
    o.pmax_w = 200;
    pt_tune_outcome r = {PT_RUN_DONE, 5, 1000, 10, 600, 4};
    CHECK_NEAR(pt_objective_run(&o, &r), 0.5 * 600 + 0.5 * 200 * 4, 1e-12, 0);
    r.target_energy_j = NAN;
    CHECK(isinf(pt_objective_run(&o, &r)));
    pt_objective_parse("total-energy", &o, err, sizeof err);
    r.status = PT_RUN_NOT_REACHED;
    CHECK(isinf(pt_objective_run(&o, &r)));
    r.status = PT_RUN_DONE;
    CHECK(pt_objective_run(&o, &r) == 1000);
    /* lower bounds: energy so far until the target, then the known value */
    pt_run_progress p;
    memset(&p, 0, sizeof p);
    p.energy_j = 50;
    p.target_energy_j = NAN;
    pt_objective_parse("energy-to-target", &o, err, sizeof err);
    CHECK(pt_objective_lower(&o, &p) == 50);
    p.target_energy_j = 40;
    CHECK(pt_objective_lower(&o, &p) == 40);
}

static void test_curve(void) {
    double acc[6];
    for (int e = 1; e <= 6; e++) acc[e - 1] = 0.5 + 0.1 * log(e);
    pt_curve c;
    CHECK(pt_curve_fit(acc, 6, &c) == 0);
    CHECK_NEAR(c.a, 0.5, 0, 1e-12);
    CHECK_NEAR(c.b, 0.1, 0, 1e-12);
    CHECK_NEAR(c.s, 0, 0, 1e-9);
    CHECK_NEAR(pt_curve_epochs_to(&c, 0.8, 0), exp(3.0), 1e-9, 0);
    CHECK_NEAR(pt_curve_epochs_to(&c, 0.8, 2), exp(3.0), 1e-6, 0); /* no spread: z changes nothing */
    CHECK(pt_curve_epochs_to(&c, 0.5, 0) == 1);
    /* noisy: the optimistic side reaches sooner */
    double noisy[6] = {0.52, 0.55, 0.63, 0.62, 0.68, 0.67};
    CHECK(pt_curve_fit(noisy, 6, &c) == 0);
    CHECK(c.s > 0 && c.se_b > 0);
    double e0 = pt_curve_epochs_to(&c, 0.8, 0), e2 = pt_curve_epochs_to(&c, 0.8, 2);
    CHECK(isfinite(e0) && e2 < e0);
    /* flat or falling: never */
    double falling[4] = {0.6, 0.58, 0.55, 0.5};
    CHECK(pt_curve_fit(falling, 4, &c) == 0);
    CHECK(isinf(pt_curve_epochs_to(&c, 0.8, 0)));
    /* NaN epochs are skipped; one point is not a curve */
    double gaps[3] = {NAN, 0.6, NAN};
    CHECK(pt_curve_fit(gaps, 3, &c) == -1);
}

/* Exact mode finds the grid's optimum on every grid, for each objective. */
static void test_exact_guarantee(void) {
    static const char *objs[3] = {"energy-to-target", "total-energy", "cost:0.5"};
    int found = 0, agree = 0, none = 0;
    double spent = 0, full = 0;
    for (int t = 0; t < 300; t++) {
        grid g;
        make_grid(&g, 1 + t % 2);
        if (t % 10 == 9) g.threshold = 0.995; /* out of reach: no setup is feasible */
        pt_tune_config c;
        config(&c, &g, PT_TUNE_EXACT, objs[t % 3]);
        int best;
        double gj;
        double bv = grid_best(&g, &c.objective, &best, &gj);
        pt_tune_runner rn = {&g, sc_probe, sc_run};
        pt_tune_result res;
        char err[256];
        CHECK(pt_tune_search(&c, &rn, &res, err, sizeof err) == 0);
        if (best < 0) {
            none++;
            CHECK(res.best == -1);
            continue;
        }
        found++;
        if (res.best == best && res.best_value == bv) agree++;
        else
            fprintf(stderr, "grid %d (%s): search chose %d (%g), the grid %d (%g)\n", t, objs[t % 3], res.best,
                    res.best_value, best, bv);
        CHECK_NEAR(res.probe_j + res.runs_j, g.spent, 1e-9, 1e-9);
        spent += res.runs_j;
        full += gj;
    }
    CHECK(agree == found);
    CHECK(found > 100 && none > 0); /* the grids exercise both cases */
    CHECK(spent < full);
    fprintf(stderr, "exact: %d/%d grids agree with the full grid (%d without a feasible setup); runs spent %.1f%% "
                    "of the grids' energy\n",
            agree, found, none, 100 * spent / full);
}

/* A run is stopped at the first watch call whose bound passes the incumbent. */
typedef struct {
    pt_run_watch inner;
    void *inner_ctx;
    const pt_tune_config *cfg;
    double incumbent;
    double last_ok, stopped_at;
    int stopped;
} spy;

static int spy_watch(void *ctx, const pt_run_progress *p) {
    spy *s = ctx;
    int r = s->inner(s->inner_ctx, p);
    if (r) s->stopped = 1, s->stopped_at = p->energy_j;
    else s->last_ok = p->energy_j;
    return r;
}

static grid *spy_grid;
static spy spy_state;
static int spy_run(void *ctx, int setup, int bs, double lr, int repeat, pt_run_watch watch, void *wctx,
                   pt_tune_outcome *out, char *err, size_t errlen) {
    memset(&spy_state, 0, sizeof spy_state);
    spy_state.inner = watch;
    spy_state.inner_ctx = wctx;
    spy_state.last_ok = -1;
    return sc_run(ctx, setup, bs, lr, repeat, spy_watch, &spy_state, out, err, errlen);
}

static void test_pruning_moment(void) {
    /* two setups, one repeat: setup 1 reaches the target at epoch 2 (20 J);
       setup 2 never does and costs 8 J an epoch: it must stop in epoch 3,
       at the first quarter past 20 J (22 J), not before (20 J is not past) */
    grid g;
    make_grid(&g, 1);
    g.nbs = 1;
    g.nlr = 2;
    for (int e = 0; e < CAP; e++) {
        g.runs[0][0].epoch_j[e] = 10;
        g.runs[0][0].acc[e] = e >= 1 ? 0.9 : 0.5;
        g.runs[0][0].sec[e] = 1;
        g.runs[1][0].epoch_j[e] = 8;
        g.runs[1][0].acc[e] = 0.5;
        g.runs[1][0].sec[e] = 1;
    }
    g.runs[0][0].diverge_at = g.runs[1][0].diverge_at = 0;
    pt_tune_config c;
    config(&c, &g, PT_TUNE_EXACT, "energy-to-target");
    static const double two[2] = {0.001, 0.01}; /* setup 1 is searched first (the lr prior) */
    c.lrs = two;
    spy_grid = &g;
    pt_tune_runner rn = {&g, sc_probe, spy_run};
    pt_tune_result res;
    char err[256];
    CHECK(pt_tune_search(&c, &rn, &res, err, sizeof err) == 0);
    CHECK(res.best == 0 && res.best_value == 20);
    CHECK(res.setups[0].order == 1 && res.setups[1].order == 2);
    CHECK(res.setups[0].state == PT_SETUP_EVALUATED);
    CHECK(res.setups[0].epochs == 2); /* stopped at the target: its objective was known */
    CHECK(res.setups[1].state == PT_SETUP_PRUNED);
    CHECK(spy_state.stopped);
    CHECK_NEAR(spy_state.stopped_at, 22, 0, 1e-9);
    CHECK_NEAR(spy_state.last_ok, 20, 0, 1e-9); /* equal to the incumbent: not yet past it */
    CHECK(res.nstopped == 2);
}

static void test_fast_and_budget(void) {
    double fast_spent = 0, exact_spent = 0, worst = 0;
    int both = 0, within = 0;
    for (int t = 0; t < 200; t++) {
        grid g;
        make_grid(&g, 2);
        pt_tune_config c;
        pt_tune_runner rn = {&g, sc_probe, sc_run};
        pt_tune_result ex, fa;
        char err[256];
        config(&c, &g, PT_TUNE_EXACT, "energy-to-target");
        CHECK(pt_tune_search(&c, &rn, &ex, err, sizeof err) == 0);
        config(&c, &g, PT_TUNE_FAST, "energy-to-target");
        if (getenv("Z")) c.z = atof(getenv("Z"));
        CHECK(pt_tune_search(&c, &rn, &fa, err, sizeof err) == 0);
        if (fa.best >= 0) {
            CHECK(fa.setups[fa.best].state == PT_SETUP_EVALUATED);
            CHECK(fa.setups[fa.best].runs == 2); /* the chosen setup ran every repeat */
        }
        if (ex.best >= 0 && fa.best >= 0) {
            both++;
            double r = fa.best_value / ex.best_value - 1;
            CHECK(r >= -1e-12); /* nothing beats the optimum */
            if (r > worst) worst = r;
            within += r <= 0.10;
        }
        exact_spent += ex.runs_j + ex.probe_j;
        fast_spent += fa.runs_j + fa.probe_j;
    }
    CHECK(both > 100);
    CHECK(fast_spent < exact_spent);
    fprintf(stderr, "fast: %.1f%% of exact's energy on 200 grids; within 10%% of the optimum on %d of %d; worst "
                    "regret %.1f%%\n",
            100 * fast_spent / exact_spent, within, both, 100 * worst);
    /* a budget ends the search: at most one run past it */
    grid g;
    make_grid(&g, 1);
    pt_tune_config c;
    config(&c, &g, PT_TUNE_EXACT, "energy-to-target");
    c.budget_j = 15;
    pt_tune_runner rn = {&g, sc_probe, sc_run};
    pt_tune_result res;
    char err[256];
    CHECK(pt_tune_search(&c, &rn, &res, err, sizeof err) == 0);
    CHECK(res.budget_exhausted);
    CHECK(res.probe_j + res.runs_j <= 15 + 1e-9 + 10 * 1.1 / 4); /* a watch call's step past it at most */
    char adv[1024];
    pt_tune_advice(&c, &res, adv, sizeof adv);
    CHECK_CONTAINS(adv, "energy per epoch of batch");
}

static void test_bad_space(void) {
    grid g;
    make_grid(&g, 1);
    pt_tune_config c;
    config(&c, &g, PT_TUNE_EXACT, "energy-to-target");
    c.nbs = 0;
    pt_tune_runner rn = {&g, sc_probe, sc_run};
    pt_tune_result res;
    char err[256] = "";
    CHECK(pt_tune_search(&c, &rn, &res, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "the space");
    /* a batch larger than the data: its setups are infeasible without a probe or run */
    config(&c, &g, PT_TUNE_EXACT, "energy-to-target");
    c.train_samples = 100;
    g.probes = g.calls = 0;
    CHECK(pt_tune_search(&c, &rn, &res, err, sizeof err) == 0);
    CHECK(res.setups[15].state == PT_SETUP_INFEASIBLE && res.setups[15].runs == 0);
    CHECK(g.probes == 2); /* 16 and 64 only */
}

int main(void) {
    test_objectives();
    test_curve();
    test_exact_guarantee();
    test_pruning_moment();
    test_fast_and_budget();
    test_bad_space();
    return pt_test_finish("test_tune");
}
