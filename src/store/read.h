/* read.h -- the reads of the results store that reports and `tune` need,
 * as plain structs: one row at a time through a typed callback (each row is
 * valid only during the call; copy what you keep), or a struct filled.
 *
 * Every reader returns 0 when all rows were read, -1 with a one-line err
 * (naming the file) when a query failed, or the first nonzero value a
 * callback returned (it stops the read; the callback sets its own err).
 * study_id 0 means every study where a reader takes one. Values the store
 * holds as NULL read as NAN (numbers) or "" (text). */
#ifndef PT_STORE_READ_H
#define PT_STORE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
    int64_t id;
    char kind[16], dataset[64], preset[32], created_at[32];
    int nruns;
} pt_store_study_row;

/* Studies by id, with their number of runs. */
int pt_store_read_studies(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_study_row *row),
                          void *ctx, char *err, size_t errlen);

typedef struct {
    int64_t id, study_id;
    int setup, batch_size, repeat, frozen, epochs;
    double lr;
    char phase[24], status[16];
    char method[16];        /* the run's, "" while unfinished */
    char epoch_methods[16]; /* its epochs' distinct methods, comma-separated ("" when none) */
    double best_val_acc, energy_j, energy_to_target_j;
    char device[32], host[128], cpu[160], gpu[160];
    /* members of runs.config_json (NAN / "" when absent or not JSON) */
    double interval_ms, update_period_s, idle_w, probe_steps, probe_seconds;
    char versions[256], encoder_weights[256];
    char end_reason[512]; /* why a failed run failed ("" when not stored, or a store older than version 4) */
    /* energy_j and energy_to_target_j are the job's (what reports and tune decide on); the
       machine's (every process's) beside them. Equal where the job's is unknown or the store
       is older than version 6 (attribution "whole"). */
    double machine_energy_j, machine_energy_to_target_j;
    int job_known;            /* 1: energy_j is the job's share; 0: the machine's stands in */
    int contaminated_epochs;  /* epochs where other processes used the machine (version 6 on) */
    char attribution[48];     /* its epochs' distinct attributions ("whole", "cpu-share", ...) */
    double contamination;     /* runs.config_json "contamination": the others' CPU share that flagged an
                                 epoch (NAN: not stored, i.e. the default 0.1) */
} pt_store_run_row;

/* Runs ordered by study, setup, batch size, lr descending, repeat, phase, frozen. */
int pt_store_read_runs(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_run_row *row), void *ctx,
                       char *err, size_t errlen);

/* One component (name, source, method) of one study, summed over its epochs. */
typedef struct {
    int64_t study_id;
    char component[64], source[16], method[16];
    int epochs, degraded_epochs;
    long samples;                      /* meter samples behind the figures */
    double energy_j, counter_j, eq1_j; /* sums (NAN when none) */
    double both_counter_j, both_eq1_j; /* over the epochs with both figures */
    int nboth;
    double mean_w, peak_w;
} pt_store_component_row;

/* Ordered by study, component, method. */
int pt_store_read_components(pt_store *st, int64_t study_id,
                             int (*fn)(void *ctx, const pt_store_component_row *row), void *ctx, char *err,
                             size_t errlen);

/* A run of phase "train" of a grid (a regime study, or tune's own runs). */
typedef struct {
    int64_t id;
    int setup, batch_size, repeat;
    double lr;
    char status[16], method[16];
    double energy_j, energy_to_target_j; /* the job's; the machine's where unknown or before version 6 */
} pt_store_train_row;

/* The runs of phase "train" of one study, ordered by setup and repeat. */
int pt_store_read_train_runs(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_train_row *row),
                             void *ctx, char *err, size_t errlen);

typedef struct {
    int epoch;
    double seconds, energy_j, val_acc;
    double train_loss, val_loss; /* NAN when not measured */
    char method[16];             /* "counter", "eq1", "estimated" */
    double machine_j;            /* the machine's energy; energy_j is the job's where known */
    int contaminated;
} pt_store_epoch_row;

/* A setup whose repeats disagree: the largest over the smallest energy per
 * epoch, and energy to target (NAN when fewer than two repeats reached it). */
typedef struct {
    int64_t study_id;
    int setup, frozen, repeats;
    char phase[24];
    double epoch_ratio, target_ratio;
} pt_store_repeats_row;

/* Setups (phase, frozen) of study_id (0: every study) with at least two
 * finished or stopped repeats whose energy per epoch or energy to target
 * differ by more than `ratio` (the job's energy where known). */
int pt_store_read_disagreeing(pt_store *st, int64_t study_id, double ratio,
                              int (*fn)(void *ctx, const pt_store_repeats_row *row), void *ctx, char *err,
                              size_t errlen);

/* A run's epochs in order. */
int pt_store_read_epochs(pt_store *st, int64_t run_id, int (*fn)(void *ctx, const pt_store_epoch_row *row),
                         void *ctx, char *err, size_t errlen);

/* Seconds through the run's first epoch with val_acc >= threshold; NAN when
 * none (or on a failed query). */
double pt_store_target_seconds(pt_store *st, int64_t run_id, double threshold);

/* The "search" settings of a tune study (its config_json) and its grid. */
#define PT_STORE_MAX_SPACE 16
typedef struct {
    int repeats;                /* 1 when absent */
    double threshold, budget_j, probe_steps, z, pmax_w; /* NAN when absent */
    char mode[16], objective[32];
    int64_t grid_id;            /* the newest regime study of the same dataset, preset and config_json
                                   without "search"; 0: none */
    int batch_sizes[PT_STORE_MAX_SPACE], nbs; /* the searched space (the first PT_STORE_MAX_SPACE of each) */
    double lrs[PT_STORE_MAX_SPACE];
    int nlr;
} pt_store_search;

/* 1 with *out filled, 0 when the study's config_json holds no "search"
 * object, -1 with err. */
int pt_store_read_search(pt_store *st, int64_t study_id, pt_store_search *out, char *err, size_t errlen);

/* A tune probe run's stored figures: 1 with its energy, steps and seconds
 * (runs.config_json's probe_steps > 0), 0 when it has none, -1 with err. */
int pt_store_read_probe(pt_store *st, int64_t run_id, double *energy_j, double *steps, double *seconds, char *err,
                        size_t errlen);

#endif
