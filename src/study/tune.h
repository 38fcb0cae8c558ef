/* tune.h -- the energy-aware search of `powertrain tune`: which setup (batch
 * size x learning rate) reaches the target for the least energy, found
 * without paying for the whole grid.
 *
 * The search is written against a runner (probe a batch size, train one run
 * under a watch), so the same code drives real training (tune_run.c) and the
 * scripted runs of the tests.
 *
 * Objectives, per run, then the mean over a setup's repeats:
 *   energy-to-target  energy through the first epoch at the threshold
 *                     (infinite when the run never reaches it)
 *   total-energy      the run's whole energy, when it ends done (else infinite)
 *   cost:ETA          Zeus's eta * E + (1 - eta) * P_max * T, E and T to target
 *
 * exact mode. Setups run one at a time, cheapest predicted first; the best
 * fully evaluated setup is the incumbent. A run's objective only grows while
 * it trains (energy and time never decrease), so the lower bound of its
 * setup's mean is (sum of its finished repeats + the run's value so far) / R.
 * The watch stops the run the moment that bound exceeds the incumbent: the
 * setup can no longer win. With the energy-to-target objective a run is also
 * stopped as soon as it reaches the target: its objective is known then.
 * Claim: on the same run outcomes (same seeds, same measured energies) exact
 * mode returns the grid's optimum. Proof: a setup is abandoned only when a
 * lower bound of its mean is strictly above a value that some setup attains,
 * so it is not the optimum; every other setup is evaluated whole, and the
 * minimum over evaluated setups is taken. Ties keep the first in search order
 * (the grid takes the first in Table 1's order).
 *
 * fast mode. Successive halving over repeats: every setup runs its first
 * repeat only, stopped early when its optimistic prediction (a learning
 * curve fitted to its epochs so far, see pt_curve) cannot beat the best
 * first repeat so far; then only the better half of the setups run their
 * other repeats, under exact mode's bound. The risk is bounded by the
 * prediction's width (z standard errors) and the halving.
 */
#ifndef PT_STUDY_TUNE_H
#define PT_STUDY_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "study/train.h"

typedef enum { PT_OBJ_ENERGY_TO_TARGET = 0, PT_OBJ_TOTAL_ENERGY, PT_OBJ_COST } pt_objective_kind;

typedef struct {
    pt_objective_kind kind;
    double eta;    /* cost: weight of energy, 0..1 */
    double pmax_w; /* cost: the billed devices' maximum power (W) */
} pt_objective;

/* "energy-to-target", "total-energy" or "cost:ETA". 0, or -1 with err. */
int pt_objective_parse(const char *s, pt_objective *o, char *err, size_t errlen);
/* "energy-to-target", "total-energy", "cost:0.5" */
void pt_objective_format(const pt_objective *o, char *buf, size_t n);

/* How a run ended, as the search sees it. */
typedef struct {
    pt_run_status status;
    int epochs;
    double energy_j, seconds;                /* what it cost */
    double target_energy_j, target_seconds;  /* NAN when it never reached the target */
} pt_tune_outcome;

/* The objective of one run (INFINITY when infeasible). */
double pt_objective_run(const pt_objective *o, const pt_tune_outcome *r);
/* A lower bound of a run's objective from its progress so far. */
double pt_objective_lower(const pt_objective *o, const pt_run_progress *p);

/* The learning curve of fast mode: acc(e) = a + b ln(e), least squares over
 * the epochs so far, with the residual spread s and the slope's standard
 * error se_b (both 0 with fewer than 3 epochs). */
typedef struct {
    double a, b, s, se_b;
    int n;
} pt_curve;

/* Fits acc[0..n-1] (epochs 1..n; NaN entries skipped). 0, or -1 with fewer
 * than 2 usable points. */
int pt_curve_fit(const double *acc, int n, pt_curve *c);
/* Epoch at which the curve reaches threshold (fractional, >= 1), with the
 * curve pushed z standard errors towards the optimistic side (z = 0: the fit
 * itself); INFINITY when it never does (slope <= 0). */
double pt_curve_epochs_to(const pt_curve *c, double threshold, double z);

typedef struct {
    void *ctx;
    /* Measures one batch size: joules and seconds per training step; adds the
       probe's own energy to *spent_j. 0, or -1 with err (ends the search).
       NULL: no probes (every batch size's epoch predicted alike). */
    int (*probe)(void *ctx, int batch_size, double *j_per_step, double *s_per_step, double *spent_j, char *err,
                 size_t errlen);
    /* Trains one run under the watch. 0 with out filled (any status), 1 when
       interrupted (the search stops, resumable), -1 with err. */
    int (*run)(void *ctx, int setup, int batch_size, double lr, int repeat, pt_run_watch watch, void *wctx,
               pt_tune_outcome *out, char *err, size_t errlen);
} pt_tune_runner;

/* A run already trained, epoch by epoch: a stored grid's (tune --replay) or
 * a test's script. */
typedef struct {
    const double *j, *sec, *acc; /* energy, seconds, validation accuracy per epoch (NaN: none) */
    int nep;                     /* epochs the run's own rule trained */
    pt_run_status status;        /* how it ended */
} pt_tune_epochs;

/* Replays a run under a watch as the trainer would call it: three times
 * inside each epoch (its energy drawn evenly), then after each epoch but the
 * last. out is the run's outcome, or the stopped one. */
void pt_tune_replay(const pt_tune_epochs *r, double threshold, pt_run_watch watch, void *wctx, pt_tune_outcome *out);

typedef enum { PT_TUNE_EXACT = 0, PT_TUNE_FAST = 1 } pt_tune_mode;

#define PT_TUNE_MAX_SETUPS 64

typedef struct {
    pt_tune_mode mode;
    pt_objective objective;
    int nbs, nlr, repeats;
    const int *batch_sizes;  /* setup = b * nlr + l + 1 (Table 1's numbering) */
    const double *lrs;
    int64_t train_samples;   /* steps per epoch = train_samples / batch size */
    int max_epochs;          /* the cap (fast mode's "cannot reach" test) */
    double threshold;        /* the target accuracy */
    double budget_j;         /* stop searching once this much is spent (0: none) */
    double z;                /* fast mode's optimism, in standard errors (2) */
    int progress;            /* print what the search decides */
} pt_tune_config;

typedef enum {
    PT_SETUP_UNTRIED = 0, /* never run (the budget ended the search, or fast mode's halving) */
    PT_SETUP_EVALUATED,   /* every repeat finished: value is its mean objective */
    PT_SETUP_PRUNED,      /* stopped: could no longer beat the incumbent */
    PT_SETUP_INFEASIBLE,  /* a repeat never reached the target (or diverged, or failed) */
    PT_SETUP_HALVED       /* fast mode: first repeat only, not in the better half */
} pt_setup_state;

typedef struct {
    int setup, batch_size;
    double lr;
    pt_setup_state state;
    double value;      /* mean objective (EVALUATED), else what is known: first repeat's or INFINITY */
    double spent_j;    /* this setup's runs' energy */
    int runs, diverged, epochs;
    int order;         /* position in the search (1-based; 0: never run) */
} pt_tune_setup;

typedef struct {
    int nsetups;
    pt_tune_setup setups[PT_TUNE_MAX_SETUPS];
    int best;                   /* index into setups, -1 when none reached the target */
    double best_value;
    double probe_j, runs_j;     /* the search's own energy: probes, runs */
    double j_per_step[16], s_per_step[16]; /* per batch size index, from the probes */
    int nruns, nstopped;
    int budget_exhausted, interrupted;
} pt_tune_result;

/* Runs the search. 0 (result filled, best may be -1), 1 interrupted (result
 * holds what was done), -1 with err. */
int pt_tune_search(const pt_tune_config *cfg, const pt_tune_runner *runner, pt_tune_result *res, char *err,
                   size_t errlen);

/* Short advice from what the search learnt (energy per epoch across batch
 * sizes, divergence per learning rate), one line each, into buf. */
void pt_tune_advice(const pt_tune_config *cfg, const pt_tune_result *res, char *buf, size_t n);

#endif
