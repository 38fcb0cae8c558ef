/* report.h -- the results store turned into the paper's tables and figures:
 * a loaded, analysed view of a store (pt_report_data), carbon arithmetic, and
 * pt_report_write, which writes one self-contained HTML file, the SVG figures,
 * CSV and JSON of every table, and a Markdown summary.
 *
 * Units: joules everywhere inside; Wh / kWh only in what people read.
 * Every energy figure carries the method it was computed with (counter, eq1,
 * estimated); an estimate is never shown as a measurement.
 *
 * What counts where (written into the report's notes as well):
 * - energy per epoch (Fig. 3, Table 3): per run energy_j / epochs, then the mean
 *   over the runs of a cell; every run with at least one stored epoch counts
 *   (an epoch's energy is a measurement however the run ended);
 * - total energy, epochs, Table 2, break-even: the mean over *finished* runs
 *   (done, not_reached, diverged); failed and running runs are shown, not averaged;
 * - best-to-worst ratio: mean total energy of the worst over the best setup,
 *   among setups with at least one run that ended done (reached the threshold
 *   and stopped), each setup's mean taken over its done runs;
 * - studies of kind "tune" are not regime grids (their runs are cut short by
 *   the search, their probes are no setups): they get a search section of
 *   their own (pt_report_tune), never Fig. 3/4 or the ratio. */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

enum {
    PT_REPORT_HTML = 1,
    PT_REPORT_SVG = 2,
    PT_REPORT_CSV = 4,
    PT_REPORT_JSON = 8,
    PT_REPORT_MD = 16,
    PT_REPORT_ALL = 31
};

/* "html,svg,csv,json,md" (any subset, any order) -> bits. 0 or -1 (bad word). */
int pt_report_formats_parse(const char *list, unsigned *out);

#define PT_REPORT_MAX_SETUPS 64
#define PT_REPORT_MAX_REPEATS 32

typedef struct {
    int64_t id, study_id;
    int setup, batch_size, repeat, frozen, epochs;
    double lr;
    char phase[24], status[16], method[16];
    double best_val_acc, energy_j, energy_to_target_j; /* NAN where the store has NULL */
    char device[32], host[128], cpu[160], gpu[160];
    /* from runs.config_json, when present (NAN / "" otherwise):
     * {"interval_ms":100, "update_period_s":0.1, "idle_w":35.2,
     *  "versions":"powertrain 0.1.0, oneDNN 2.6", "encoder_weights":"random"} */
    double interval_ms, update_period_s, idle_w;
    char versions[256], encoder_weights[256];
    char hardware[160]; /* gpu, else cpu, else device, else "unknown hardware" */
    double probe_steps, probe_seconds; /* a tune probe's runs.config_json (NAN otherwise) */
    char end_reason[160]; /* why it ended (runs.end_reason; "" when not stored) */
    /* energy_j / energy_to_target_j are the job's share (what the report compares); the
       machine's (every process's) beside them; equal for runs billed whole */
    double machine_energy_j;
    int job_known, contaminated_epochs;
    char attribution[48]; /* the epochs' distinct attributions: "whole", "cpu-share", ... */
    double contamination; /* the others' CPU share that flagged its epochs (0.1 where not stored) */
    double disagree_epoch, disagree_target; /* its setup's repeats disagree (> 1.5x): the largest over the
                                               smallest energy per epoch and to target; NAN: they agree */
} pt_report_run;

typedef struct {
    int64_t id;
    char kind[16], dataset[64], preset[32], created_at[32];
    int nruns;
} pt_report_study;

/* One component of one study, summed over all its epochs. */
typedef struct {
    int64_t study_id;
    char component[64], source[16], method[16];
    int epochs, degraded_epochs;
    long samples;
    double energy_j, counter_j, eq1_j;    /* sums (NAN when none) */
    double both_counter_j, both_eq1_j;    /* over epochs with both figures */
    int nboth;
    double mean_w, peak_w;
} pt_report_component;

/* One setup (batch size x learning rate) of a regime group. */
typedef struct {
    int setup, batch_size;
    double lr;
    int nruns, nfinished, ndone, nnot_reached, ndiverged, nfailed, nrunning;
    double epoch_j;      /* mean energy per epoch */
    double epochs_mean;  /* over finished runs */
    double total_j;      /* mean total energy of finished runs */
    double done_total_j; /* mean total energy of done runs (the ratio's) */
    double target_j;     /* mean energy-to-target of the runs that reached it */
    int ntarget;
    /* the spread: least and greatest over the same runs as each mean (NAN when none) */
    double epoch_j_min, epoch_j_max, total_j_min, total_j_max, target_j_min, target_j_max;
    int nepoch, ntotal;  /* runs behind epoch_j and total_j */
    int runs[PT_REPORT_MAX_REPEATS]; /* indices into pt_report_data.runs */
    int nrep;
    int ncontaminated;   /* its runs with a contaminated epoch */
    double disagree_epoch, disagree_target; /* its repeats disagree (> 1.5x); NAN: they agree */
} pt_report_setup;

/* Methods of a set of runs, e.g. "counter" or "counter, eq1"; estimated when any is. */
typedef struct {
    char label[64];
    int estimated, mixed;
} pt_report_methods;

typedef struct {
    int study; /* index into studies */
    char hardware[160];
    pt_report_methods methods;
    pt_report_setup setups[PT_REPORT_MAX_SETUPS];
    int nsetups;
    int best, worst; /* setup indices, -1 when fewer than one setup qualifies */
    int nratio;      /* setups in the ratio */
    double ratio;    /* worst / best, NAN when nratio < 2 */
    int bs[16], nbs;
    double lr[16];
    int nlr;
    int nfailed_only; /* 1 when every run failed */
    int ncontaminated; /* its runs with a contaminated epoch */
    int ndisagree;     /* its setups whose repeats disagree */
} pt_report_regime;

typedef struct {
    int setup, batch_size;
    double lr;
    double enc_j, class_j, unfrozen_j, base_j; /* means over finished runs, NAN if none */
    double x;                                  /* Equation (2); INFINITY = never; NAN = missing parts */
    int ncontaminated;                         /* its runs with a contaminated epoch */
} pt_report_breakeven;

typedef struct {
    int study;
    char hardware[160];
    pt_report_methods methods;
    pt_report_breakeven rows[PT_REPORT_MAX_SETUPS];
    int nrows;
    int best, worst;       /* row indices with a break-even, -1 when none */
    pt_report_breakeven avg; /* energies averaged over the complete rows */
    int navg, nnever;
    double frozen_j, unfrozen_j, savings_pct; /* Table 2 */
    int nfrozen, nunfrozen;
    int ncontaminated; /* its runs with a contaminated epoch */
} pt_report_pretrain;

typedef struct {
    char type[8]; /* attr, id, both */
    double epoch_j, epochs;
    int nruns;
} pt_report_mttype;

typedef struct {
    int study;
    char hardware[160];
    pt_report_methods methods;
    pt_report_mttype types[3];
    char encoder_weights[256];
} pt_report_multitask;

/* --- studies of kind "tune" (`powertrain tune`): the search section ---------
 * Read from the store the way tune itself decides (src/study/tune.c): per run
 * the objective (energy-to-target: its energy to target; total-energy: its
 * energy when it ended done; cost:ETA: ETA E + (1 - ETA) P_max T, E and T to
 * target), infinite when the run has none. A setup of the search's space is
 * evaluated (every one of `repeats` repeats finite: its value is their mean),
 * pruned (a run the search stopped while its objective was still unknown),
 * infeasible (a run ended not reached, diverged or failed without a value),
 * halved (fewer runs than repeats, all finite: fast mode's halving or the
 * budget), running (a run still open: the search was interrupted) or not run. */
enum { PT_REPORT_OBJ_ENERGY_TO_TARGET = 0, PT_REPORT_OBJ_TOTAL_ENERGY = 1, PT_REPORT_OBJ_COST = 2 };

typedef struct {
    int setup, batch_size;
    double lr;
    char state[16];     /* evaluated, pruned, infeasible, halved, running, not run */
    int nruns, epochs;
    double value;       /* mean objective of its runs when all are finite (evaluated, halved); NAN otherwise,
                           and NAN for cost without a stored P_max */
    double target_j;    /* mean energy to target of the runs that reached it (NAN: none) */
    double mean_e, mean_t; /* means of the objective's energy and seconds (all runs finite) */
    double spent_j;     /* its runs' energy */
    int64_t first_run;  /* its first run's id: the search's order */
    pt_report_methods methods;
} pt_report_tune_setup;

typedef struct {
    int batch_size;
    double steps, seconds, energy_j, j_per_step; /* NAN where not stored */
    char method[16], status[16];
} pt_report_probe;

typedef struct {
    int study;
    char hardware[160];
    int has_search;      /* 0: the study's config_json holds no "search" member */
    char mode[16], objective[32];
    int obj;             /* PT_REPORT_OBJ_*, -1 unknown */
    double eta, pmax_w;  /* cost: pmax_w NAN when the store lacks it (tune measured the devices' limits) */
    double budget_j, z, threshold, probe_steps;
    int repeats;
    pt_report_tune_setup setups[PT_REPORT_MAX_SETUPS];
    int nsetups;
    int chosen;          /* setups index of the choice, -1 when none (or undecidable: cost without P_max) */
    int cost_unknown;    /* cost:ETA without a stored P_max: values unknown, the choice by dominance only */
    double chosen_value; /* NAN when unknown */
    pt_report_probe probes[16];
    int nprobes;
    double search_j, probe_j, runs_j; /* every run of the study: probes + search runs */
    int nruns, nstopped, nrunning;
    pt_report_methods methods; /* of every run of the search */
    char weakest[16];    /* the weakest of them: counter, then eq1, then estimated */
    /* the grid: the newest regime study of the same dataset, preset and config_json without "search" */
    int64_t grid_id;     /* 0: none */
    int grid_nruns, grid_best; /* grid_best: index into grid_setups, -1 none */
    double grid_j;       /* sum of the energy of its train runs */
    pt_report_methods grid_methods;
    int grid_nsetups;
    struct {
        int setup, batch_size;
        double lr, value, mean_e, mean_t; /* value INFINITY: not every repeat finished and feasible */
    } grid_setups[PT_REPORT_MAX_SETUPS];
    double grid_best_value;   /* NAN when unknown */
    double grid_chosen_value; /* the grid's own value of the chosen batch and lr (INFINITY: infeasible there) */
    double regret_pct;        /* NAN when unknown */
    double savings_pct;       /* 100 x search energy / grid energy */
} pt_report_tune;

typedef struct {
    char path[4096];
    int schema_version; /* the store's own (an old store is read as it is) */
    pt_report_study *studies;
    int nstudies;
    pt_report_run *runs; /* ordered by study, setup, repeat, phase */
    int nruns;
    pt_report_component *comps;
    int ncomps;
    pt_report_regime *regimes;
    int nregimes;
    pt_report_pretrain *pretrains;
    int npretrains;
    pt_report_multitask *multitasks;
    int nmultitasks;
    pt_report_tune *tunes; /* one per tune study */
    int ntunes;
    double total_j; /* every run's energy */
    pt_report_methods total_methods;
    char notes[2048]; /* one line each: what could not be shown and why */
    /* job energy (issue 18): every figure compares the job's share; runs with a contaminated
       epoch (other processes used more than `contamination_pct` % of the CPU, the least
       threshold among them) are marked in every figure and table and warned of first */
    int ncontaminated, ncontaminated_epochs, ndisagree; /* runs; their epochs; setups whose repeats disagree */
    double contamination_pct;
} pt_report_data;

/* Loads and analyses the store (study_id 0 = every study). Returns 0, or -1
 * with a one-line message (no studies, no such study, a query failed). */
int pt_report_load(pt_store *st, int64_t study_id, pt_report_data *d, char *err, size_t errlen);
void pt_report_data_free(pt_report_data *d);

/* The accuracy-energy Pareto front of a regime group: its runs with a
 * positive total energy and a best validation accuracy, of which no other
 * such run has at most the energy and at least the accuracy, one of them
 * strictly. Writes their indices into d->runs (at most max), by energy
 * ascending; returns how many. */
int pt_report_pareto(const pt_report_data *d, const pt_report_regime *g, int *idx, int max);

/* Equation (2): x = e_enc / (e_enc_class - e_class); INFINITY when the
 * denominator is not positive; NAN when an input is missing. */
double pt_report_break_even(double e_enc, double e_enc_class, double e_class);

/* --- carbon ----------------------------------------------------------------- */
typedef struct {
    const char *code, *name;
    double g_per_kwh;
} pt_carbon_region;

extern const char *const pt_carbon_source;   /* the intensity table's source and year */
const pt_carbon_region *pt_carbon_regions(int *n);
const pt_carbon_region *pt_carbon_find(const char *code); /* case-insensitive; NULL */
/* g CO2e = kWh x PUE x intensity */
double pt_carbon_grams(double energy_j, double pue, double g_per_kwh);
/* equivalents, with their sources */
extern const double pt_carbon_car_g_per_km;
extern const char *const pt_carbon_car_source;
extern const double pt_carbon_phone_charge_wh;
extern const char *const pt_carbon_phone_source;

/* --- the paper's own numbers (Tables 2 and 3), labelled as its hardware ---------- */
typedef struct {
    const char *hardware;
    double unfreeze_wh, freeze_wh, savings_pct; /* Table 2 as printed */
    double attr_mwh, id_mwh, both_mwh;          /* Table 3: energy per epoch */
    int attr_epochs, id_epochs, both_epochs;    /* Table 3: epochs */
} pt_report_paper_row;
const pt_report_paper_row *pt_report_paper(int *n);

/* --- writing ---------------------------------------------------------------- */
typedef struct {
    const char *out_dir;
    unsigned formats;       /* PT_REPORT_* bits */
    double intensity;       /* g CO2e/kWh given by the user, NAN = none */
    const char *region;     /* country code, NULL = none */
    double pue;             /* 1.0 default */
    FILE *md;               /* the Markdown summary goes here too (stdout), or NULL */
} pt_report_options;

void pt_report_options_init(pt_report_options *o);

/* Writes the files (each atomically) into o->out_dir, creating it. names gets
 * the written file names, one a line. Returns 0 or -1 with a message. */
int pt_report_write(const pt_report_data *d, const pt_report_options *o, char *names, size_t nameslen,
                    char *err, size_t errlen);

#endif
