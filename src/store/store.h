/* store.h -- the results store (SQLite): schema and its version, writes of
 * studies, runs and epochs, resume, and merging shards. The reads of reports
 * and of `tune` are in store/read.h. No module outside src/store/ sees SQL or
 * a sqlite3 handle.
 *
 * Durability: WAL journal, foreign keys on, every epoch committed in its own
 * transaction with its run's running totals, so a killed study loses at most
 * the epoch in flight. A run is keyed by (study, setup, repeat, phase,
 * frozen): beginning a run whose row exists and is unfinished restarts it in
 * place (its epochs are deleted in the same transaction), so a resumed study
 * never duplicates a run or an epoch.
 *
 * Every function returns 0 (or an id > 0) on success and -1 on failure with a
 * one-line message in err that names the database file. */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <stddef.h>
#include <stdint.h>

/* 2: runs.status may be 'stopped'. 3: no samples table (it was never
 * written). 4: runs.end_reason (why a failed run failed, NULL otherwise). 5: a running
 * run's claim (runs.owner_host, owner_pid, heartbeat).
 * An older store (version 1..4) is upgraded in place when opened
 * for writing, one transaction per version step (store.c: upgrades[]), and
 * read as it is when opened read-only. */
#define PT_STORE_SCHEMA_VERSION 6

typedef struct pt_store pt_store;

/* Opens (creating when create != 0) a store. Refuses a file of a newer schema
 * version or one that is not a powertrain store, touching nothing; refuses a
 * file or folder this process may not write with an error saying "read-only". */
pt_store *pt_store_open(const char *path, int create, char *err, size_t errlen);
/* Opens an existing store read-only (reports, merge's shards): works on a
 * file the user may not write (opened immutable: no -wal or -shm file is
 * made), never changes it; any version 1..current. */
pt_store *pt_store_open_readonly(const char *path, char *err, size_t errlen);
void pt_store_close(pt_store *st);
/* The schema version of the open file (older than PT_STORE_SCHEMA_VERSION
 * only when opened read-only). */
int pt_store_schema_version(const pt_store *st);
const char *pt_store_path(const pt_store *st);

/* Finds the latest study with the same kind, dataset, preset and config (a
 * resume), or creates one. *created says which. */
int64_t pt_store_study_get(pt_store *st, const char *kind, const char *dataset, const char *preset,
                           const char *config_json, int *created, char *err, size_t errlen);
/* The latest study with that kind, dataset, preset and config: its id, or
 * -1 with err empty when there is none (-1 with err set on a failure). */
int64_t pt_store_study_find(pt_store *st, const char *kind, const char *dataset, const char *preset,
                            const char *config_json, char *err, size_t errlen);
/* Deletes a study that has no runs (a cluster submission that failed);
 * 1 deleted, 0 kept (it has runs), -1 with err. */
int pt_store_study_drop_empty(pt_store *st, int64_t study_id, char *err, size_t errlen);
/* Always creates a new study. */
int64_t pt_store_study_new(pt_store *st, const char *kind, const char *dataset, const char *preset,
                           const char *config_json, char *err, size_t errlen);

typedef enum {
    PT_RUN_RUNNING = 0,
    PT_RUN_DONE,
    PT_RUN_NOT_REACHED,
    PT_RUN_DIVERGED,
    PT_RUN_FAILED,
    PT_RUN_STOPPED /* ended early by `tune`'s search: it could no longer win, or its objective was known */
} pt_run_status;

const char *pt_run_status_name(pt_run_status s); /* "running", "done", ... */
int pt_run_status_parse(const char *name, pt_run_status *out);

typedef struct {
    int64_t study_id;
    int setup;         /* Table 1 number, or 0 */
    int batch_size;
    double lr;
    int repeat;        /* 1-based */
    const char *phase; /* "train", "pretrain", "frozen", "unfrozen", "baseline", "attr", "id", "both", ... */
    int frozen;
    const char *device, *host, *cpu, *gpu; /* as measured (NULL = unknown) */
    const char *config_json;               /* anything else worth keeping, or NULL */
} pt_run_info;

/* Existing run of that key: returns its id and status (-1 and no error when
 * there is none: *status untouched). */
int64_t pt_store_run_find(pt_store *st, const pt_run_info *key, pt_run_status *status, char *err,
                          size_t errlen);

/* 1 when the study has a finished run (done, not_reached, diverged, stopped) of
 * that setup, repeat and phase; 0 when not; -1 with err. */
int pt_store_run_finished(pt_store *st, int64_t study_id, int setup, int repeat, const char *phase, char *err,
                          size_t errlen);

/* ---- claims: several processes share one store's grid --------------------------
 * A process claims a run before it trains it, in one BEGIN IMMEDIATE
 * transaction: the run's row names its owner (runs.owner_host, owner_pid) and
 * a heartbeat (unix seconds) that the owner refreshes while it trains
 * (pt_store_run_heartbeat, every few seconds). A running run is free when it
 * has no owner, when its heartbeat is older than the stale time
 * (pt_store_claim_stale_s), or when its owner is a pid of this host that no
 * longer exists; a free run is taken over with its stored epochs kept (the
 * trainer truncates them to its checkpoint: pt_store_run_truncate). A run
 * with a live owner is left to it. Epoch rows and a run's finish are
 * refused once another process holds the claim. Clocks of the hosts sharing
 * a store are assumed to agree to well under the stale time. */
typedef enum {
    PT_CLAIM_NEW = 0,  /* no run of that key: inserted, ours */
    PT_CLAIM_RESUMED,  /* an unfinished run with no live owner: ours now, its epochs kept */
    PT_CLAIM_BUSY,     /* a live owner trains it: left alone */
    PT_CLAIM_FINISHED  /* it ended earlier: status says how */
} pt_claim_state;

typedef struct {
    int64_t run_id;
    pt_claim_state state;
    pt_run_status status;   /* PT_CLAIM_FINISHED: how it ended; else running */
    int epochs;             /* epochs stored for it */
    char owner[300];        /* "host:pid" of its owner before this claim ("" = none) */
    double heartbeat_age_s; /* seconds since that owner's heartbeat; NAN = none */
} pt_run_claim;

/* A store this process alone writes (a SLURM task's shard, copied back
 * after a requeue): every other owner's claim counts as gone at once. */
void pt_store_claims_private(pt_store *st);
/* POWERTRAIN_CLAIM_STALE_S when set (> 0), else 90 seconds. */
double pt_store_claim_stale_s(void);
int pt_store_run_claim(pt_store *st, const pt_run_info *info, pt_run_claim *out, char *err, size_t errlen);
/* Refreshes this process's claim: 1 still ours, 0 lost (taken over), -1 error. */
int pt_store_run_heartbeat(pt_store *st, int64_t run_id, char *err, size_t errlen);
/* Gives the claim of an unfinished run back (an interrupted run): 0 or -1. */
int pt_store_run_release(pt_store *st, int64_t run_id, char *err, size_t errlen);
/* 1 when this process may write run_id (its claim, or no owner), 0 when not, -1 error. */
int pt_store_run_owned(pt_store *st, int64_t run_id, char *err, size_t errlen);
/* Keeps a claimed run's first `keep` epochs, deleting later ones with their
 * components, and its running totals (epochs, energy_j) those of the kept
 * ones: one transaction. 0, or -1 (not ours, or the database). */
int pt_store_run_truncate(pt_store *st, int64_t run_id, int keep, char *err, size_t errlen);

/* Claims a run and restarts it from its first epoch (its epoch rows are
 * deleted). A finished run, or one a live process holds, is an error. */
int64_t pt_store_run_begin(pt_store *st, const pt_run_info *info, char *err, size_t errlen);

typedef struct {
    char name[64];
    char source[16];
    char method[16];
    double energy_j, counter_j, eq1_j, mean_w, peak_w; /* NAN stored as NULL */
    long samples;
    int degraded;
    double job_j;        /* the job's share (NAN: unknown) */
    char attribution[16]; /* "whole", "cpu-share", "gpu-share", "unknown"; "": whole, job_j
                             not set (stored as energy_j) */
} pt_epoch_component;

typedef struct {
    int epoch; /* 1-based */
    double seconds;
    double train_loss, val_loss, val_acc; /* NAN = not measured */
    double energy_j;                      /* figure of `method` */
    double eq1_j, counter_j;              /* NAN = none */
    const char *method;                   /* "counter", "eq1", "estimated" */
    double job_j;                         /* the job's share of energy_j (machine_j); NAN: unknown */
    double other_cpu_share;               /* others' share of the machine's CPU, 0..1; NAN: unknown */
    int contaminated;                     /* others used more than the contamination threshold */
    const char *attribution;              /* "whole", "cpu-share", "gpu-share", "unknown"; NULL: whole,
                                             job_j not set (stored as energy_j) */
    int ncomponents;
    const pt_epoch_component *components;
} pt_epoch_row;

/* One transaction: the epoch row, its components, and the run's epochs and
 * energy so far. */
int pt_store_epoch_add(pt_store *st, int64_t run_id, const pt_epoch_row *row, char *err, size_t errlen);

typedef struct {
    pt_run_status status;
    int epochs;
    double best_val_acc, best_val_loss; /* of the best epoch; NAN when none */
    double energy_j;                    /* total until the stop */
    double energy_to_target_j;          /* until the first epoch at the threshold; NAN if never */
    const char *method;
    const char *reason; /* why it failed (runs.end_reason; NULL or "" = none); pt_store_run_result leaves it NULL */
    double job_energy_j, job_energy_to_target_j; /* the job's share of the two (NAN: unknown) */
    int has_job; /* 0: the job fields are not set: the run billed the whole machine ('whole') */
} pt_run_result;

int pt_store_run_finish(pt_store *st, int64_t run_id, const pt_run_result *res, char *err, size_t errlen);

/* Reads a run's stored result (method points into a static buffer of this
 * call's thread: copy it before the next call). 0, or -1 with err. */
int pt_store_run_result(pt_store *st, int64_t run_id, pt_run_result *out, char *err, size_t errlen);

/* A tune probe's measurement, kept in the run's config_json (probe_steps,
 * probe_seconds) so a resumed search reuses it (read.h: pt_store_read_probe).
 * 0, or -1 with err. */
int pt_store_probe_note(pt_store *st, int64_t run_id, long steps, double seconds, char *err, size_t errlen);

/* Counts rows (reports and tests): "studies", "runs", "epochs",
 * "epoch_components". -1 on error. */
long pt_store_count(pt_store *st, const char *table, char *err, size_t errlen);

/* Merges shard stores (each written by one task of a study run on a cluster)
 * into the store at `into` (created when missing). Runs are keyed by the
 * study's identity (kind, dataset, preset, config_json) and (setup, repeat,
 * phase, frozen), so merging a shard twice adds nothing. A run is copied
 * with its epochs and epoch components, its host, CPU and GPU as the shard
 * recorded them. A finished run (done, not_reached, diverged, stopped) in
 * the target is never replaced; an unfinished one (running, failed) is
 * replaced by the shard's when that is finished, or of the same status with
 * more epochs, or failed where the target's is running.
 *
 * Every shard is checked before anything is written: it must be a store of
 * schema version 1..PT_STORE_SCHEMA_VERSION whose studies all have one identity, the same for all
 * shards and, with study_id > 0, the same as that target study's. Each shard
 * is then merged in one transaction (rolled back on any error), so the
 * target never holds half a shard.
 *
 * Returns 0; -2 for bad input (a missing file, another schema version, a
 * shard of another study; err names the file); -1 for a failure while
 * merging (err says which). */
typedef struct {
    int64_t study_id; /* target study, or 0: the latest of the shards' identity, else a new one */
    int final;        /* the shards' writers have ended: a run still running in a shard is stored as failed */
} pt_merge_options;

typedef struct {
    int64_t study_id;                 /* the target study merged into (0 when every shard was empty) */
    long shards, empty;               /* shards read, shards without a study */
    long added, replaced, unchanged;  /* runs */
    long epochs;                      /* rows copied */
    long samples;                     /* always 0: schema 3 has no samples (src/cli/merge.c still prints it) */
    long failed_final;                /* runs stored as failed because of `final` */
} pt_merge_stats;

int pt_store_merge(const char *into, const char *const *shards, int nshards, const pt_merge_options *opts,
                   pt_merge_stats *stats, char *err, size_t errlen);

#endif
