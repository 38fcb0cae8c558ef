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
 *   and stopped), each setup's mean taken over its done runs. */
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
    int runs[PT_REPORT_MAX_REPEATS]; /* indices into pt_report_data.runs */
    int nrep;
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
} pt_report_regime;

typedef struct {
    int setup, batch_size;
    double lr;
    double enc_j, class_j, unfrozen_j, base_j; /* means over finished runs, NAN if none */
    double x;                                  /* Equation (2); INFINITY = never; NAN = missing parts */
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

typedef struct {
    char path[4096];
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
    double total_j; /* every run's energy */
    pt_report_methods total_methods;
    char notes[2048]; /* one line each: what could not be shown and why */
} pt_report_data;

/* Loads and analyses the store (study_id 0 = every study). Returns 0, or -1
 * with a one-line message (no studies, no such study, a query failed). */
int pt_report_load(pt_store *st, int64_t study_id, pt_report_data *d, char *err, size_t errlen);
void pt_report_data_free(pt_report_data *d);

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
