/* load.c -- reads a results store into pt_report_data: studies, runs (with the
 * keys the report expects in runs.config_json), per-component sums; then hands
 * over to the analysis (analyse.c; tune.c for the search section of tune
 * studies). Read-only queries on the store's handle. */
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/str.h"

static void say(char *err, size_t n, const char *fmt, ...) {
    if (!err || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static void col_text(sqlite3_stmt *q, int i, char *dst, size_t n) {
    const unsigned char *t = sqlite3_column_text(q, i);
    pt_strlcpy(dst, t ? (const char *)t : "", n);
}

static double col_real(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* A JSON value of runs.config_json, read by SQLite's JSON functions; a
 * config that is not valid JSON reads as absent. */
#define CFG(key) "CASE WHEN json_valid(r.config_json) THEN json_extract(r.config_json,'$." key "') END"

static const char *runs_sql =
    "SELECT r.id, r.study_id, r.setup, r.batch_size, r.lr, r.repeat, r.phase, r.frozen, r.status, r.epochs,"
    " r.best_val_acc, r.energy_j, r.energy_to_target_j, r.method, r.device, r.host, r.cpu, r.gpu,"
    " " CFG("interval_ms") ", " CFG("update_period_s") ", " CFG("idle_w") ", " CFG("versions") ", "
    CFG("encoder_weights") ","
    " (SELECT group_concat(DISTINCT e.method) FROM epochs e WHERE e.run_id=r.id),"
    " " CFG("probe_steps") ", " CFG("probe_seconds")
    " FROM runs r WHERE (?1=0 OR r.study_id=?1) ORDER BY r.study_id, r.setup, r.batch_size, r.lr DESC,"
    " r.repeat, r.phase, r.frozen";

static const char *comps_sql =
    "SELECT r.study_id, c.component, c.source, c.method, count(*), sum(c.degraded), sum(c.samples),"
    " sum(c.energy_j), sum(c.counter_j), sum(c.eq1_j),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN c.counter_j END),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN c.eq1_j END),"
    " sum(CASE WHEN c.counter_j IS NOT NULL AND c.eq1_j IS NOT NULL THEN 1 ELSE 0 END),"
    " avg(c.mean_w), max(c.peak_w)"
    " FROM epoch_components c JOIN runs r ON r.id=c.run_id WHERE (?1=0 OR r.study_id=?1)"
    " GROUP BY r.study_id, c.component, c.source, c.method ORDER BY r.study_id, c.component, c.method";

static int grow(void **p, int *cap, int n, size_t sz) {
    if (n < *cap) return 0;
    int nc = *cap ? *cap * 2 : 64;
    void *np = realloc(*p, (size_t)nc * sz);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static void hardware_of(pt_report_run *r) {
    const char *h = r->gpu[0] ? r->gpu : r->cpu[0] ? r->cpu : r->device[0] ? r->device : "unknown hardware";
    pt_strlcpy(r->hardware, h, sizeof r->hardware);
}

int pt_report_load(pt_store *st, int64_t study_id, pt_report_data *d, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    pt_strlcpy(d->path, pt_store_path(st), sizeof d->path);
    sqlite3 *db = pt_store_db(st);
    sqlite3_stmt *q = NULL;
    int cap = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, kind, dataset, preset, created_at, (SELECT count(*) FROM runs r WHERE "
                           "r.study_id=s.id) FROM studies s WHERE (?1=0 OR id=?1) ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail_db;
    sqlite3_bind_int64(q, 1, study_id);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (grow((void **)&d->studies, &cap, d->nstudies, sizeof *d->studies)) goto fail_mem;
        pt_report_study *s = &d->studies[d->nstudies++];
        memset(s, 0, sizeof *s);
        s->id = sqlite3_column_int64(q, 0);
        col_text(q, 1, s->kind, sizeof s->kind);
        col_text(q, 2, s->dataset, sizeof s->dataset);
        col_text(q, 3, s->preset, sizeof s->preset);
        col_text(q, 4, s->created_at, sizeof s->created_at);
        s->nruns = sqlite3_column_int(q, 5);
    }
    if (rc != SQLITE_DONE) goto fail_db;
    sqlite3_finalize(q);
    q = NULL;
    if (d->nstudies == 0) {
        if (study_id) say(err, errlen, "%s: no study %lld in this store", d->path, (long long)study_id);
        else
            say(err, errlen,
                "%s: the store holds no studies yet (run `powertrain regime`, `pretrain` or `multitask` "
                "first)",
                d->path);
        pt_report_data_free(d);
        return -1;
    }

    cap = 0;
    if (sqlite3_prepare_v2(db, runs_sql, -1, &q, NULL) != SQLITE_OK) goto fail_db;
    sqlite3_bind_int64(q, 1, study_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (grow((void **)&d->runs, &cap, d->nruns, sizeof *d->runs)) goto fail_mem;
        pt_report_run *r = &d->runs[d->nruns++];
        memset(r, 0, sizeof *r);
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
        r->best_val_acc = col_real(q, 10);
        r->energy_j = col_real(q, 11);
        r->energy_to_target_j = col_real(q, 12);
        col_text(q, 13, r->method, sizeof r->method);
        if (!r->method[0]) col_text(q, 23, r->method, sizeof r->method); /* an unfinished run: its epochs' */
        if (!r->method[0]) pt_strlcpy(r->method, "unknown", sizeof r->method);
        col_text(q, 14, r->device, sizeof r->device);
        col_text(q, 15, r->host, sizeof r->host);
        col_text(q, 16, r->cpu, sizeof r->cpu);
        col_text(q, 17, r->gpu, sizeof r->gpu);
        r->interval_ms = col_real(q, 18);
        r->update_period_s = col_real(q, 19);
        r->idle_w = col_real(q, 20);
        col_text(q, 21, r->versions, sizeof r->versions);
        col_text(q, 22, r->encoder_weights, sizeof r->encoder_weights);
        r->probe_steps = col_real(q, 24);
        r->probe_seconds = col_real(q, 25);
        hardware_of(r);
    }
    if (rc != SQLITE_DONE) goto fail_db;
    sqlite3_finalize(q);
    q = NULL;

    cap = 0;
    if (sqlite3_prepare_v2(db, comps_sql, -1, &q, NULL) != SQLITE_OK) goto fail_db;
    sqlite3_bind_int64(q, 1, study_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (grow((void **)&d->comps, &cap, d->ncomps, sizeof *d->comps)) goto fail_mem;
        pt_report_component *c = &d->comps[d->ncomps++];
        memset(c, 0, sizeof *c);
        c->study_id = sqlite3_column_int64(q, 0);
        col_text(q, 1, c->component, sizeof c->component);
        col_text(q, 2, c->source, sizeof c->source);
        col_text(q, 3, c->method, sizeof c->method);
        c->epochs = sqlite3_column_int(q, 4);
        c->degraded_epochs = sqlite3_column_int(q, 5);
        c->samples = (long)sqlite3_column_int64(q, 6);
        c->energy_j = col_real(q, 7);
        c->counter_j = col_real(q, 8);
        c->eq1_j = col_real(q, 9);
        c->both_counter_j = col_real(q, 10);
        c->both_eq1_j = col_real(q, 11);
        c->nboth = sqlite3_column_int(q, 12);
        c->mean_w = col_real(q, 13);
        c->peak_w = col_real(q, 14);
    }
    if (rc != SQLITE_DONE) goto fail_db;
    sqlite3_finalize(q);
    q = NULL;

    if (pt_report_analyse(d, err, errlen) != 0 || pt_report_tune_analyse(st, d, err, errlen) != 0) {
        pt_report_data_free(d);
        return -1;
    }
    return 0;
fail_db:
    say(err, errlen, "%s: reading the store: %s", d->path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    pt_report_data_free(d);
    return -1;
fail_mem:
    say(err, errlen, "%s: out of memory", d->path);
    sqlite3_finalize(q);
    pt_report_data_free(d);
    return -1;
}

void pt_report_data_free(pt_report_data *d) {
    free(d->studies);
    free(d->runs);
    free(d->comps);
    free(d->regimes);
    free(d->pretrains);
    free(d->multitasks);
    free(d->tunes);
    d->tunes = NULL;
    d->ntunes = 0;
    d->studies = NULL;
    d->runs = NULL;
    d->comps = NULL;
    d->regimes = NULL;
    d->pretrains = NULL;
    d->multitasks = NULL;
    d->nstudies = d->nruns = d->ncomps = d->nregimes = d->npretrains = d->nmultitasks = 0;
}
