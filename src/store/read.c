/* read.c -- the store's reads for reports and `tune` (read.h): each query
 * prepared, bound, stepped into a plain row and handed to a callback. */
#include "store/read.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/str.h"

/* Prepares sql with int64 parameter ?1 = id; NULL with err. */
static sqlite3_stmt *prepare_id(pt_store *st, const char *sql, int64_t id, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
        store_fail(st, err, errlen, "reading the store");
        sqlite3_finalize(q);
        return NULL;
    }
    sqlite3_bind_int64(q, 1, id);
    return q;
}

/* Steps q to its end: fill(q, row) then fn(ctx, row) per row. */
#define READ_ROWS(st, q, rowtype, fill, fn, ctx, err, errlen)                                                   \
    do {                                                                                                         \
        int rc_, stop_ = 0;                                                                                      \
        while (!stop_ && (rc_ = sqlite3_step(q)) == SQLITE_ROW) {                                                \
            rowtype row_;                                                                                        \
            memset(&row_, 0, sizeof row_);                                                                       \
            fill(q, &row_);                                                                                      \
            stop_ = fn(ctx, &row_);                                                                              \
        }                                                                                                        \
        if (!stop_ && rc_ != SQLITE_DONE) stop_ = store_fail(st, err, errlen, "reading the store");             \
        sqlite3_finalize(q);                                                                                     \
        return stop_;                                                                                            \
    } while (0)

/* ---- studies ---------------------------------------------------------------------- */

static void fill_study(sqlite3_stmt *q, pt_store_study_row *s) {
    s->id = sqlite3_column_int64(q, 0);
    col_text(q, 1, s->kind, sizeof s->kind);
    col_text(q, 2, s->dataset, sizeof s->dataset);
    col_text(q, 3, s->preset, sizeof s->preset);
    col_text(q, 4, s->created_at, sizeof s->created_at);
    s->nruns = sqlite3_column_int(q, 5);
}

int pt_store_read_studies(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_study_row *row),
                          void *ctx, char *err, size_t errlen) {
    sqlite3_stmt *q = prepare_id(st,
                                 "SELECT id, kind, dataset, preset, created_at, (SELECT count(*) FROM runs r WHERE "
                                 "r.study_id=s.id) FROM studies s WHERE (?1=0 OR id=?1) ORDER BY id",
                                 study_id, err, errlen);
    if (!q) return -1;
    READ_ROWS(st, q, pt_store_study_row, fill_study, fn, ctx, err, errlen);
}

/* ---- runs ---------------------------------------------------------------------------- */

/* A JSON value of runs.config_json, read by SQLite's JSON functions; a
 * config that is not valid JSON reads as absent. */
#define CFG(key) "CASE WHEN json_valid(r.config_json) THEN json_extract(r.config_json,'$." key "') END"

/* REASON: r.end_reason, or NULL on a store older than version 4. JOB: the
   job's energy and energy to target, 1 when known, contaminated epochs and
   attributions (version 6), or the machine's figures, 0, 0 and 'whole'. */
#define JOB_V6                                                                                                     \
    " coalesce(r.job_energy_j, r.energy_j), CASE WHEN r.job_energy_j IS NULL THEN r.energy_to_target_j"          \
    " ELSE r.job_energy_to_target_j END, r.job_energy_j IS NOT NULL,"                                              \
    " (SELECT count(*) FROM epochs e WHERE e.run_id=r.id AND e.contaminated),"                                   \
    " (SELECT group_concat(DISTINCT e.attribution) FROM epochs e WHERE e.run_id=r.id)"
#define JOB_V5 " r.energy_j, r.energy_to_target_j, 0, 0, 'whole'"
#define RUNS_SQL(REASON, JOB)                                                                                      \
    "SELECT r.id, r.study_id, r.setup, r.batch_size, r.lr, r.repeat, r.phase, r.frozen, r.status, r.epochs," \
    " r.best_val_acc, r.energy_j, r.energy_to_target_j, r.method, r.device, r.host, r.cpu, r.gpu," \
    " " CFG("interval_ms") ", " CFG("update_period_s") ", " CFG("idle_w") ", " CFG("versions") ", " \
    CFG("encoder_weights") "," \
    " (SELECT group_concat(DISTINCT e.method) FROM epochs e WHERE e.run_id=r.id)," \
    " " CFG("probe_steps") ", " CFG("probe_seconds") ", " REASON ", " JOB ", " CFG("contamination")                \
    " FROM runs r WHERE (?1=0 OR r.study_id=?1) ORDER BY r.study_id, r.setup, r.batch_size, r.lr DESC,"           \
    " r.repeat, r.phase, r.frozen"
static const char *runs_sql = RUNS_SQL("r.end_reason", JOB_V6);
static const char *runs_sql_v5 = RUNS_SQL("r.end_reason", JOB_V5);
static const char *runs_sql_v3 = RUNS_SQL("NULL", JOB_V5);

static void fill_run(sqlite3_stmt *q, pt_store_run_row *r) {
    r->id = sqlite3_column_int64(q, 0);
    r->study_id = sqlite3_column_int64(q, 1);
    r->setup = sqlite3_column_int(q, 2);
    r->batch_size = sqlite3_column_int(q, 3);
    r->lr = sqlite3_column_double(q, 4);
    r->repeat = sqlite3_column_int(q, 5);
    col_text(q, 6, r->phase, sizeof r->phase);
    r->frozen = sqlite3_column_int(q, 7);
    col_text(q, 8, r->status, sizeof r->status);
    r->epochs = sqlite3_column_int(q, 9);
    r->best_val_acc = col_or_nan(q, 10);
    r->energy_j = col_or_nan(q, 11);
    r->energy_to_target_j = col_or_nan(q, 12);
    col_text(q, 13, r->method, sizeof r->method);
    col_text(q, 14, r->device, sizeof r->device);
    col_text(q, 15, r->host, sizeof r->host);
    col_text(q, 16, r->cpu, sizeof r->cpu);
    col_text(q, 17, r->gpu, sizeof r->gpu);
    r->interval_ms = col_or_nan(q, 18);
    r->update_period_s = col_or_nan(q, 19);
    r->idle_w = col_or_nan(q, 20);
    col_text(q, 21, r->versions, sizeof r->versions);
    col_text(q, 22, r->encoder_weights, sizeof r->encoder_weights);
    col_text(q, 23, r->epoch_methods, sizeof r->epoch_methods);
    r->probe_steps = col_or_nan(q, 24);
    r->probe_seconds = col_or_nan(q, 25);
    col_text(q, 26, r->end_reason, sizeof r->end_reason);
    r->machine_energy_j = r->energy_j;
    r->machine_energy_to_target_j = r->energy_to_target_j;
    r->energy_j = col_or_nan(q, 27);
    r->energy_to_target_j = col_or_nan(q, 28);
    r->job_known = sqlite3_column_int(q, 29);
    r->contaminated_epochs = sqlite3_column_int(q, 30);
    col_text(q, 31, r->attribution, sizeof r->attribution);
    r->contamination = col_or_nan(q, 32);
}

int pt_store_read_runs(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_run_row *row), void *ctx,
                       char *err, size_t errlen) {
    const char *sql = st->version >= 6 ? runs_sql : st->version >= 4 ? runs_sql_v5 : runs_sql_v3;
    sqlite3_stmt *q = prepare_id(st, sql, study_id, err, errlen);
    if (!q) return -1;
    READ_ROWS(st, q, pt_store_run_row, fill_run, fn, ctx, err, errlen);
}

/* ---- components ------------------------------------------------------------------------ */

static const char *comps_sql =
    "SELECT r.study_id, c.component, c.source, c.method, count(*), sum(c.degraded), sum(c.samples),"
    " sum(c.energy_j), sum(c.counter_j), sum(c.eq1_j),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN c.counter_j END),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN c.eq1_j END),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN 1 ELSE 0 END),"
    " avg(c.mean_w), max(c.peak_w)"
    " FROM epoch_components c JOIN runs r ON r.id=c.run_id WHERE (?1=0 OR r.study_id=?1)"
    " GROUP BY r.study_id, c.component, c.source, c.method ORDER BY r.study_id, c.component, c.method";

static void fill_component(sqlite3_stmt *q, pt_store_component_row *c) {
    c->study_id = sqlite3_column_int64(q, 0);
    col_text(q, 1, c->component, sizeof c->component);
    col_text(q, 2, c->source, sizeof c->source);
    col_text(q, 3, c->method, sizeof c->method);
    c->epochs = sqlite3_column_int(q, 4);
    c->degraded_epochs = sqlite3_column_int(q, 5);
    c->samples = (long)sqlite3_column_int64(q, 6);
    c->energy_j = col_or_nan(q, 7);
    c->counter_j = col_or_nan(q, 8);
    c->eq1_j = col_or_nan(q, 9);
    c->both_counter_j = col_or_nan(q, 10);
    c->both_eq1_j = col_or_nan(q, 11);
    c->nboth = sqlite3_column_int(q, 12);
    c->mean_w = col_or_nan(q, 13);
    c->peak_w = col_or_nan(q, 14);
}

int pt_store_read_components(pt_store *st, int64_t study_id,
                             int (*fn)(void *ctx, const pt_store_component_row *row), void *ctx, char *err,
                             size_t errlen) {
    sqlite3_stmt *q = prepare_id(st, comps_sql, study_id, err, errlen);
    if (!q) return -1;
    READ_ROWS(st, q, pt_store_component_row, fill_component, fn, ctx, err, errlen);
}

/* ---- grids and epochs ------------------------------------------------------------------ */

static void fill_train(sqlite3_stmt *q, pt_store_train_row *r) {
    r->id = sqlite3_column_int64(q, 0);
    r->setup = sqlite3_column_int(q, 1);
    r->batch_size = sqlite3_column_int(q, 2);
    r->lr = sqlite3_column_double(q, 3);
    r->repeat = sqlite3_column_int(q, 4);
    col_text(q, 5, r->status, sizeof r->status);
    r->energy_j = sqlite3_column_double(q, 6);
    r->energy_to_target_j = col_or_nan(q, 7);
    col_text(q, 8, r->method, sizeof r->method);
}

int pt_store_read_train_runs(pt_store *st, int64_t study_id, int (*fn)(void *ctx, const pt_store_train_row *row),
                             void *ctx, char *err, size_t errlen) {
    /* the job's energy, the machine's where unknown (or before version 6) */
    sqlite3_stmt *q = prepare_id(st,
                                 st->version >= 6
                                     ? "SELECT id, setup, batch_size, lr, repeat, status, coalesce(job_energy_j, "
                                       "energy_j), CASE WHEN job_energy_j IS NULL THEN energy_to_target_j ELSE "
                                       "job_energy_to_target_j END, method FROM runs WHERE study_id=?1 AND "
                                       "phase='train' ORDER BY setup, repeat"
                                     : "SELECT id, setup, batch_size, lr, repeat, status, energy_j, energy_to_target_j, "
                                       "method FROM runs WHERE study_id=?1 AND phase='train' ORDER BY setup, repeat",
                                 study_id, err, errlen);
    if (!q) return -1;
    READ_ROWS(st, q, pt_store_train_row, fill_train, fn, ctx, err, errlen);
}

/* ---- repeats that disagree ------------------------------------------------------------ */

#define DISAGREE_SQL(E, T)                                                                                         \
    "SELECT study_id, setup, frozen, phase, count(*), max(" E "/epochs)/min(" E "/epochs),"                      \
    " CASE WHEN count(" T ") > 1 THEN max(" T ")/min(" T ") END FROM runs"                                       \
    " WHERE (?1=0 OR study_id=?1) AND epochs > 0 AND status NOT IN ('failed','running') AND " E " > 0"          \
    " GROUP BY study_id, setup, phase, frozen HAVING count(*) > 1 AND"                                            \
    " (max(" E "/epochs) > ?2*min(" E "/epochs) OR coalesce(max(" T ") > ?2*min(" T "), 0))"                     \
    " ORDER BY study_id, setup, phase, frozen"
#define JOB_E "coalesce(job_energy_j, energy_j)"
#define JOB_T "CASE WHEN job_energy_j IS NULL THEN energy_to_target_j ELSE job_energy_to_target_j END"

static void fill_repeats(sqlite3_stmt *q, pt_store_repeats_row *r) {
    r->study_id = sqlite3_column_int64(q, 0);
    r->setup = sqlite3_column_int(q, 1);
    r->frozen = sqlite3_column_int(q, 2);
    col_text(q, 3, r->phase, sizeof r->phase);
    r->repeats = sqlite3_column_int(q, 4);
    r->epoch_ratio = col_or_nan(q, 5);
    r->target_ratio = col_or_nan(q, 6);
}

int pt_store_read_disagreeing(pt_store *st, int64_t study_id, double ratio,
                              int (*fn)(void *ctx, const pt_store_repeats_row *row), void *ctx, char *err,
                              size_t errlen) {
    const char *sql = st->version >= 6 ? DISAGREE_SQL(JOB_E, JOB_T) : DISAGREE_SQL("energy_j", "energy_to_target_j");
    sqlite3_stmt *q = prepare_id(st, sql, study_id, err, errlen);
    if (!q) return -1;
    sqlite3_bind_double(q, 2, ratio);
    READ_ROWS(st, q, pt_store_repeats_row, fill_repeats, fn, ctx, err, errlen);
}

static void fill_epoch(sqlite3_stmt *q, pt_store_epoch_row *e) {
    e->epoch = sqlite3_column_int(q, 0);
    e->energy_j = sqlite3_column_double(q, 1);
    e->seconds = sqlite3_column_double(q, 2);
    e->val_acc = col_or_nan(q, 3);
    e->train_loss = col_or_nan(q, 4);
    e->val_loss = col_or_nan(q, 5);
    col_text(q, 6, e->method, sizeof e->method);
    e->machine_j = sqlite3_column_double(q, 7);
    e->contaminated = sqlite3_column_int(q, 8);
}

int pt_store_read_epochs(pt_store *st, int64_t run_id, int (*fn)(void *ctx, const pt_store_epoch_row *row),
                         void *ctx, char *err, size_t errlen) {
    sqlite3_stmt *q = prepare_id(st,
                                 st->version >= 6 ? "SELECT epoch, coalesce(job_j, energy_j), seconds, val_acc, "
                                                    "train_loss, val_loss, method, energy_j, contaminated FROM epochs "
                                                    "WHERE run_id=?1 ORDER BY epoch"
                                                  : "SELECT epoch, energy_j, seconds, val_acc, train_loss, val_loss, "
                                                    "method, energy_j, 0 FROM epochs WHERE run_id=?1 ORDER BY epoch",
                                 run_id, err, errlen);
    if (!q) return -1;
    READ_ROWS(st, q, pt_store_epoch_row, fill_epoch, fn, ctx, err, errlen);
}

double pt_store_target_seconds(pt_store *st, int64_t run_id, double threshold) {
    sqlite3_stmt *q = NULL;
    double t = NAN;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT sum(seconds) FROM epochs WHERE run_id=?1 AND epoch <= "
                           "(SELECT min(epoch) FROM epochs WHERE run_id=?1 AND val_acc >= ?2)",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_double(q, 2, threshold - 1e-12);
        if (sqlite3_step(q) == SQLITE_ROW) t = col_or_nan(q, 0);
    }
    sqlite3_finalize(q);
    return t;
}

/* ---- tune: the search's settings and its probes ------------------------------------------ */

static const char *search_sql =
    "SELECT json_extract(s.config_json,'$.repeats'), json_extract(s.config_json,'$.threshold'),"
    " json_extract(s.config_json,'$.search.mode'), json_extract(s.config_json,'$.search.objective'),"
    " json_extract(s.config_json,'$.search.budget_j'), json_extract(s.config_json,'$.search.probe_steps'),"
    " json_extract(s.config_json,'$.search.z'), json_extract(s.config_json,'$.search.pmax_w'),"
    " (SELECT g.id FROM studies g WHERE g.kind='regime' AND g.dataset=s.dataset AND g.preset=s.preset"
    "   AND json_valid(g.config_json) AND json(g.config_json)=json_remove(s.config_json,'$.search')"
    "   ORDER BY g.id DESC LIMIT 1)"
    " FROM studies s WHERE s.id=?1 AND json_valid(s.config_json) AND"
    " json_type(s.config_json,'$.search')='object'";

static void fill_search(sqlite3_stmt *q, pt_store_search *t) {
    t->repeats = sqlite3_column_type(q, 0) == SQLITE_NULL ? 1 : sqlite3_column_int(q, 0);
    t->threshold = col_or_nan(q, 1);
    col_text(q, 2, t->mode, sizeof t->mode);
    col_text(q, 3, t->objective, sizeof t->objective);
    t->budget_j = col_or_nan(q, 4);
    t->probe_steps = col_or_nan(q, 5);
    t->z = col_or_nan(q, 6);
    t->pmax_w = col_or_nan(q, 7);
    t->grid_id = sqlite3_column_type(q, 8) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 8);
}

/* The members of the JSON array at `path` of the study's config_json. */
static void read_space(pt_store *st, int64_t study_id, const char *path, int *ints, double *reals, int *n) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT value FROM studies s, json_each(s.config_json,'%s') WHERE s.id=?1 ORDER BY key",
             path);
    sqlite3_stmt *q = prepare_id(st, sql, study_id, NULL, 0);
    *n = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW && *n < PT_STORE_MAX_SPACE) {
        if (ints) ints[*n] = sqlite3_column_int(q, 0);
        else reals[*n] = sqlite3_column_double(q, 0);
        (*n)++;
    }
    sqlite3_finalize(q);
}

int pt_store_read_search(pt_store *st, int64_t study_id, pt_store_search *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = prepare_id(st, search_sql, study_id, err, errlen);
    if (!q) return pt_say(err, errlen, "%s: reading study %lld: %s", st->path, (long long)study_id,
                          sqlite3_errmsg(st->db)), -1;
    int found = sqlite3_step(q) == SQLITE_ROW;
    if (found) fill_search(q, out);
    sqlite3_finalize(q);
    if (!found) return 0;
    read_space(st, study_id, "$.search.batch_sizes", out->batch_sizes, NULL, &out->nbs);
    read_space(st, study_id, "$.search.lrs", NULL, out->lrs, &out->nlr);
    return 1;
}

int pt_store_read_probe(pt_store *st, int64_t run_id, double *energy_j, double *steps, double *seconds, char *err,
                        size_t errlen) {
    sqlite3_stmt *q = prepare_id(st,
                                 "SELECT energy_j, json_extract(config_json,'$.probe_steps'), "
                                 "json_extract(config_json,'$.probe_seconds') FROM runs WHERE id=?1",
                                 run_id, err, errlen);
    if (!q) return -1;
    int found = 0;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_double(q, 1) > 0) {
        *energy_j = sqlite3_column_double(q, 0);
        *steps = sqlite3_column_double(q, 1);
        *seconds = sqlite3_column_double(q, 2);
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}
