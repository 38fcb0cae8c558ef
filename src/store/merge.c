/* merge.c -- merging shard stores (one per task of a study run on a cluster)
 * into one results store: shards checked first (schema version 1..current,
 * one study identity), then each copied in one transaction through ATTACH,
 * runs keyed by (setup, repeat, phase, frozen) so a second merge adds
 * nothing. The target is opened for writing, so it is upgraded first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "store/store_internal.h"
#include "util/grow.h"
#include "util/str.h"

typedef struct {
    char *kind, *dataset, *preset, *config_json;
    char created_at[40];
} identity;

static void identity_free(identity *id) {
    free(id->kind);
    free(id->dataset);
    free(id->preset);
    free(id->config_json);
    memset(id, 0, sizeof *id);
}

static char *dup_col(sqlite3_stmt *q, int i) {
    const unsigned char *t = sqlite3_column_text(q, i);
    return strdup(t ? (const char *)t : "");
}

static int identity_same(const identity *a, const identity *b) {
    return !strcmp(a->kind, b->kind) && !strcmp(a->dataset, b->dataset) && !strcmp(a->preset, b->preset) &&
           !strcmp(a->config_json, b->config_json);
}

/* The value of "key" in a flat JSON object (no nesting), copied into out;
 * 0, or -1 when absent. */
static int json_member(const char *json, const char *key, char *out, size_t n) {
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p) return -1;
    p += strlen(pat);
    size_t k = 0;
    int in_str = 0;
    for (; *p && (in_str || (*p != ',' && *p != '}')); p++) {
        if (*p == '"' && (k == 0 || p[-1] != '\\')) in_str = !in_str;
        if (k + 1 < n) out[k++] = *p;
    }
    out[k] = '\0';
    return 0;
}

/* "max_epochs 3, not 2; seed 2, not 1" over the members of a flat JSON object. */
static void json_diff(const char *a, const char *ref, char *out, size_t n) {
    out[0] = '\0';
    const char *p = a;
    while ((p = strchr(p, '"'))) {
        const char *e = strchr(p + 1, '"');
        if (!e || e[1] != ':') break;
        char key[64];
        size_t kl = (size_t)(e - p - 1) < sizeof key - 1 ? (size_t)(e - p - 1) : sizeof key - 1;
        memcpy(key, p + 1, kl);
        key[kl] = '\0';
        char va[128], vr[128];
        json_member(a, key, va, sizeof va);
        if (json_member(ref, key, vr, sizeof vr) != 0) pt_strlcpy(vr, "(none)", sizeof vr);
        if (strcmp(va, vr)) {
            size_t l = strlen(out);
            snprintf(out + l, n - l, "%s%s %s, not %s", l ? "; " : "", key, va, vr);
        }
        /* next member: past the value */
        p = e + 2;
        int in_str = 0;
        for (; *p && (in_str || (*p != ',' && *p != '}')); p++)
            if (*p == '"' && p[-1] != '\\') in_str = !in_str;
    }
    if (!out[0]) snprintf(out, n, "%s, not %s", a, ref);
}

/* "a pretrain study on pamap2 (preset quick), not ..." or the configuration members that differ. */
static void identity_differs(const identity *a, const identity *ref, char *out, size_t n) {
    if (strcmp(a->kind, ref->kind) || strcmp(a->dataset, ref->dataset) || strcmp(a->preset, ref->preset)) {
        pt_say(out, n, "a %s study on %s (preset %s), not the %s study on %s (preset %s)", a->kind, a->dataset,
               a->preset, ref->kind, ref->dataset, ref->preset);
    } else {
        char d[768];
        json_diff(a->config_json, ref->config_json, d, sizeof d);
        pt_say(out, n, "a %s study on %s with another configuration (%s)", a->kind, a->dataset, d);
    }
}

/* Reads the identity of the studies of an open store: 0 with *nid = 0 (no
 * study) or 1; -2 when its studies have different identities; -1 on a
 * read failure. study_id > 0 reads that study only (missing: *nid = 0). */
static int read_identity(pt_store *st, int64_t study_id, identity *out, int *nid, char *err, size_t errlen) {
    sqlite3 *db = st->db;
    sqlite3_stmt *q = NULL;
    memset(out, 0, sizeof *out);
    *nid = 0;
    const char *sql = study_id > 0 ? "SELECT kind, dataset, preset, config_json, created_at FROM studies WHERE id=?1"
                                   : "SELECT kind, dataset, preset, config_json, min(created_at) FROM studies "
                                     "GROUP BY kind, dataset, preset, config_json";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        pt_say(err, errlen, "%s: reading its studies: %s", pt_store_path(st), sqlite3_errmsg(db));
        return -1;
    }
    if (study_id > 0) sqlite3_bind_int64(q, 1, study_id);
    int rc, n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n++ == 0) {
            out->kind = dup_col(q, 0);
            out->dataset = dup_col(q, 1);
            out->preset = dup_col(q, 2);
            out->config_json = dup_col(q, 3);
            const unsigned char *c = sqlite3_column_text(q, 4);
            pt_strlcpy(out->created_at, c ? (const char *)c : "", sizeof out->created_at);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        identity_free(out);
        pt_say(err, errlen, "%s: reading its studies: %s", pt_store_path(st), sqlite3_errmsg(db));
        return -1;
    }
    if (n > 0 && (!out->kind || !out->dataset || !out->preset || !out->config_json)) {
        identity_free(out);
        pt_say(err, errlen, "%s: out of memory", pt_store_path(st));
        return -1;
    }
    if (n > 1) {
        pt_say(err, errlen, "%s: holds %d different studies; a shard holds one study (see powertrain merge --help)",
               pt_store_path(st), n);
        identity_free(out);
        return -2;
    }
    *nid = n;
    return 0;
}

static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* --- copying one shard ------------------------------------------------------ */

static int status_rank(const char *s) { /* unfinished < failed < finished */
    if (!strcmp(s, "running")) return 0;
    if (!strcmp(s, "failed")) return 1;
    return 2;
}

typedef struct {
    sqlite3 *db;
    const char *into, *shard;
    char *err;
    size_t errlen;
    int reason; /* the shard's runs have end_reason (version 4 on) */
    int job;    /* the shard has job energy (version 6 on); older runs read as 'whole' */
} merge_ctx;

/* 1 when the attached shard's runs table has the column end_reason. */
static int shard_has_column(sqlite3 *db, const char *column) {
    sqlite3_stmt *q = NULL;
    int has = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info('runs','shard') WHERE name=?1", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_bind_text(q, 1, column, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        has = sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    return has;
}

static int fail_db(merge_ctx *m, const char *what) {
    pt_say(m->err, m->errlen, "%s: %s from %s: %s", m->into, what, m->shard, sqlite3_errmsg(m->db));
    return -1;
}

/* Runs one statement with int64 parameters 1..n; -1 on failure. */
static int exec_ids(merge_ctx *m, const char *sql, const char *what, int n, const int64_t *v, long *changes) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK) return fail_db(m, what);
    for (int i = 0; i < n; i++) sqlite3_bind_int64(q, i + 1, v[i]);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return fail_db(m, what);
    if (changes) *changes += sqlite3_changes(m->db);
    return 0;
}

/* Copies shard run `src` into the target as run `dst` (a new id when 0) of
 * `study`. The run's row, epochs and components. */
static int copy_run(merge_ctx *m, int64_t src, int64_t dst, int64_t study, int final, pt_merge_stats *ms) {
    sqlite3_stmt *q = NULL;
    char sql[1400];
    snprintf(sql, sizeof sql,
             "INSERT INTO main.runs(id, study_id, setup, batch_size, lr, repeat, phase, frozen, status, "
             "epochs, best_val_acc, best_val_loss, energy_j, energy_to_target_j, method, device, host, "
             "cpu, gpu, config_json, started_at, finished_at, end_reason, job_energy_j, job_energy_to_target_j) "
             "SELECT ?1, ?2, setup, batch_size, lr, repeat, phase, frozen, "
             "CASE WHEN ?4 AND status='running' THEN 'failed' ELSE status END, "
             "epochs, best_val_acc, best_val_loss, energy_j, energy_to_target_j, method, device, host, "
             "cpu, gpu, config_json, started_at, finished_at, %s, %s FROM shard.runs WHERE id=?3",
             m->reason ? "end_reason" : "NULL",
             m->job ? "job_energy_j, job_energy_to_target_j" : "energy_j, energy_to_target_j");
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
        return fail_db(m, "copying a run");
    if (dst > 0) sqlite3_bind_int64(q, 1, dst);
    else sqlite3_bind_null(q, 1);
    sqlite3_bind_int64(q, 2, study);
    sqlite3_bind_int64(q, 3, src);
    sqlite3_bind_int(q, 4, final);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return fail_db(m, "copying a run");
    if (dst <= 0) dst = sqlite3_last_insert_rowid(m->db);
    int64_t v[2] = {dst, src};
    char esql[800], csql[800];
    snprintf(esql, sizeof esql,
             "INSERT INTO main.epochs(run_id, epoch, seconds, train_loss, val_loss, val_acc, energy_j, eq1_j, "
             "counter_j, method, job_j, machine_j, other_cpu_share, contaminated, attribution) SELECT ?1, epoch, "
             "seconds, train_loss, val_loss, val_acc, energy_j, eq1_j, counter_j, method, %s FROM shard.epochs "
             "WHERE run_id=?2 ORDER BY epoch",
             m->job ? "job_j, machine_j, other_cpu_share, contaminated, attribution"
                    : "energy_j, energy_j, NULL, 0, 'whole'");
    snprintf(csql, sizeof csql,
             "INSERT INTO main.epoch_components(run_id, epoch, component, source, method, energy_j, counter_j, "
             "eq1_j, mean_w, peak_w, samples, degraded, job_j, attribution) SELECT ?1, epoch, component, source, "
             "method, energy_j, counter_j, eq1_j, mean_w, peak_w, samples, degraded, %s FROM shard.epoch_components "
             "WHERE run_id=?2",
             m->job ? "job_j, attribution" : "energy_j, 'whole'");
    if (exec_ids(m, esql, "copying epochs", 2, v, &ms->epochs) ||
        exec_ids(m, csql, "copying epoch components", 2, v, NULL))
        return -1;
    return 0;
}

/* Creates the target study from ident when *study is 0. */
static int ensure_study(merge_ctx *m, int64_t *study, const identity *ident) {
    if (*study > 0) return 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(m->db,
                           "INSERT INTO main.studies(kind, dataset, preset, created_at, config_json) "
                           "VALUES(?1,?2,?3,?4,?5)",
                           -1, &q, NULL) != SQLITE_OK)
        return fail_db(m, "creating the study");
    sqlite3_bind_text(q, 1, ident->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, ident->dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ident->preset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, ident->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, ident->config_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return fail_db(m, "creating the study");
    *study = sqlite3_last_insert_rowid(m->db);
    return 0;
}

typedef struct {
    int64_t id;
    int rank, epochs, to_failed;
} shard_run;

/* The attached shard's runs (id, status rank, epochs); *runs malloc'd. */
static int read_shard_runs(merge_ctx *m, int final, shard_run **runs, size_t *n) {
    sqlite3_stmt *q = NULL;
    *runs = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT id, status, epochs FROM shard.runs ORDER BY id", -1, &q, NULL) != SQLITE_OK)
        return fail_db(m, "reading runs");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        shard_run *nr = pt_grow(*runs, sizeof *nr, *n, &cap, 64);
        if (!nr) {
            sqlite3_finalize(q);
            pt_say(m->err, m->errlen, "%s: out of memory merging %s", m->into, m->shard);
            return -1;
        }
        *runs = nr;
        const char *ss = (const char *)sqlite3_column_text(q, 1);
        shard_run r = {sqlite3_column_int64(q, 0), status_rank(ss ? ss : "running"), sqlite3_column_int(q, 2), 0};
        if (final && r.rank == 0) r.rank = 1, r.to_failed = 1;
        (*runs)[(*n)++] = r;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail_db(m, "reading runs");
}

enum { MERGE_KEEP = 0, MERGE_ADD = 1, MERGE_REPLACE = 2 };

/* What to do with shard run r against what the target holds for its key
 * (q: the prepared lookup); *dst the target's run. MERGE_*, or -1. */
static int decide(merge_ctx *m, sqlite3_stmt *q, int64_t study, const shard_run *r, int64_t *dst) {
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, study);
    sqlite3_bind_int64(q, 2, r->id);
    int rc = sqlite3_step(q), action = MERGE_KEEP;
    *dst = 0;
    if (rc == SQLITE_DONE) {
        action = MERGE_ADD;
    } else if (rc == SQLITE_ROW) {
        const char *ts = (const char *)sqlite3_column_text(q, 1);
        int t_rank = status_rank(ts ? ts : "running"), t_epochs = sqlite3_column_int(q, 2);
        *dst = sqlite3_column_int64(q, 0);
        if (t_rank < 2 && (r->rank > t_rank || (r->rank == t_rank && r->epochs > t_epochs))) action = MERGE_REPLACE;
    } else {
        action = fail_db(m, "reading runs");
    }
    sqlite3_reset(q);
    return action;
}

/* Merges the attached shard's runs into study *study (created from ident
 * when 0). Inside the caller's transaction. */
static int merge_runs(merge_ctx *m, int64_t *study, const identity *ident, int final, pt_merge_stats *ms) {
    if (ensure_study(m, study, ident) != 0) return -1;
    /* the shard's runs first: the copies change main.runs */
    shard_run *runs = NULL;
    size_t n = 0;
    if (read_shard_runs(m, final, &runs, &n) != 0) {
        free(runs);
        return -1;
    }
    /* each against what the target holds for its key by then */
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT t.id, t.status, t.epochs FROM shard.runs s JOIN main.runs t ON t.study_id=?1 AND "
                           "t.setup=s.setup AND t.repeat=s.repeat AND t.phase=s.phase AND t.frozen=s.frozen "
                           "WHERE s.id=?2",
                           -1, &q, NULL) != SQLITE_OK) {
        free(runs);
        return fail_db(m, "reading runs");
    }
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        int64_t dst = 0;
        int action = decide(m, q, *study, &runs[i], &dst);
        if (action < 0) ok = 0;
        if (action <= 0) {
            ms->unchanged += action == MERGE_KEEP;
            continue;
        }
        int64_t v[1] = {dst};
        if (action == MERGE_REPLACE && exec_ids(m, "DELETE FROM main.runs WHERE id=?1", "replacing a run", 1, v, NULL))
            ok = 0;
        if (ok && copy_run(m, runs[i].id, dst, *study, runs[i].to_failed, ms)) ok = 0;
        if (!ok) break;
        if (action == MERGE_ADD) ms->added++;
        else ms->replaced++;
        if (runs[i].to_failed) ms->failed_final++;
    }
    sqlite3_finalize(q);
    free(runs);
    return ok ? 0 : -1;
}

static int merge_one(sqlite3 *db, const char *into, const char *shard, int64_t *study, const identity *ident,
                     int final, pt_merge_stats *ms, char *err, size_t errlen) {
    merge_ctx m = {db, into, shard, err, errlen, 0, 0};
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS shard", -1, &q, NULL) != SQLITE_OK)
        return fail_db(&m, "attaching");
    sqlite3_bind_text(q, 1, shard, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return fail_db(&m, "attaching");
    m.reason = shard_has_column(db, "end_reason");
    m.job = shard_has_column(db, "job_energy_j");
    pt_merge_stats before = *ms;
    int64_t study_before = *study;
    int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) fail_db(&m, "beginning the merge");
    if (ok && merge_runs(&m, study, ident, final, ms) != 0) ok = 0;
    if (ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) ok = 0, fail_db(&m, "committing");
    if (!ok) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        *ms = before; /* nothing of this shard was kept */
        *study = study_before;
    }
    sqlite3_exec(db, "DETACH DATABASE shard", NULL, NULL, NULL);
    return ok ? 0 : -1;
}

/* Shard i: a regular file, not the target, not named twice, a store of
 * version 1..current of one study identity (ids[i], has[i]). 0, -2 bad
 * input, -1 failure. */
static int check_shard(const char *into, const char *const *shards, int i, identity *ids, int *has, char *err,
                       size_t errlen) {
    struct stat sb;
    if (stat(shards[i], &sb) != 0 || !S_ISREG(sb.st_mode))
        return pt_say(err, errlen, "%s: no such file (a shard store)", shards[i]), -2;
    if (same_file(shards[i], into)) return pt_say(err, errlen, "%s: is the store being merged into", shards[i]), -2;
    for (int j = 0; j < i; j++)
        if (same_file(shards[i], shards[j])) return pt_say(err, errlen, "%s: named twice", shards[i]), -2;
    char serr[1024] = "";
    pt_store *s = pt_store_open_readonly(shards[i], serr, sizeof serr);
    if (!s) return pt_say(err, errlen, "%s", serr), -2;
    int r = read_identity(s, 0, &ids[i], &has[i], err, errlen);
    pt_store_close(s);
    return r;
}

/* 1. every shard checked; *ref the first shard's identity (NULL: all empty). */
static int check_shards(const char *into, const char *const *shards, int nshards, identity *ids, int *has,
                        identity **ref, pt_merge_stats *ms, char *err, size_t errlen) {
    *ref = NULL;
    for (int i = 0; i < nshards; i++) {
        int r = check_shard(into, shards, i, ids, has, err, errlen);
        if (r != 0) return r;
        if (!has[i]) {
            ms->empty++;
        } else if (!*ref) {
            *ref = &ids[i];
        } else if (!identity_same(&ids[i], *ref)) {
            char why[1024];
            identity_differs(&ids[i], *ref, why, sizeof why);
            return pt_say(err, errlen, "%s: a shard of another study: %s", shards[i], why), -2;
        }
    }
    return 0;
}

/* 2. the target's study: opts->study_id (every shard must match it), else
 * the latest of the shards' identity, else 0 (created by the first copy). */
static int target_study(pt_store *target, const char *into, const char *const *shards, int nshards,
                        const identity *ids, const int *has, const identity *ref, int64_t want, int64_t *study,
                        char *err, size_t errlen) {
    *study = 0;
    if (want > 0) {
        identity tid;
        int n = 0, r = read_identity(target, want, &tid, &n, err, errlen);
        if (r != 0) return r;
        if (!n) return pt_say(err, errlen, "%s: no study %lld to merge into", into, (long long)want), -2;
        for (int i = 0; i < nshards; i++)
            if (has[i] && !identity_same(&ids[i], &tid)) {
                char why[1024];
                identity_differs(&ids[i], &tid, why, sizeof why);
                pt_say(err, errlen, "%s: a shard of another study than %s's study %lld: %s", shards[i], into,
                       (long long)want, why);
                identity_free(&tid);
                return -2;
            }
        identity_free(&tid);
        *study = want;
    } else if (ref) {
        char ferr[1024] = "";
        *study = pt_store_study_find(target, ref->kind, ref->dataset, ref->preset, ref->config_json, ferr, sizeof ferr);
        if (*study < 0 && ferr[0]) return pt_say(err, errlen, "%s", ferr), -1;
        if (*study < 0) *study = 0;
    }
    return 0;
}

int pt_store_merge(const char *into, const char *const *shards, int nshards, const pt_merge_options *opts,
                   pt_merge_stats *ms, char *err, size_t errlen) {
    pt_merge_options none = {0, 0};
    if (!opts) opts = &none;
    memset(ms, 0, sizeof *ms);
    identity *ref = NULL;
    identity *ids = calloc((size_t)(nshards > 0 ? nshards : 1), sizeof *ids);
    int *has = calloc((size_t)(nshards > 0 ? nshards : 1), sizeof *has);
    pt_store *target = NULL;
    int64_t study = 0;
    int rc = -2;
    if (!ids || !has) {
        pt_say(err, errlen, "%s: out of memory", into);
        rc = -1;
        goto out;
    }
    if (nshards < 1) {
        pt_say(err, errlen, "%s: no shard to merge", into);
        goto out;
    }
    if ((rc = check_shards(into, shards, nshards, ids, has, &ref, ms, err, errlen)) != 0) goto out;
    char terr[1024] = "";
    target = pt_store_open(into, opts->study_id <= 0, terr, sizeof terr); /* --study: FILE must exist */
    if (!target) {
        pt_say(err, errlen, "%s", terr);
        rc = -2;
        goto out;
    }
    if ((rc = target_study(target, into, shards, nshards, ids, has, ref, opts->study_id, &study, err, errlen)) != 0)
        goto out;
    /* 3. each shard in its own transaction */
    for (int i = 0; i < nshards && rc == 0; i++) {
        ms->shards++;
        if (has[i] && merge_one(target->db, into, shards[i], &study, &ids[i], opts->final, ms, err, errlen) != 0)
            rc = -1;
    }
    ms->study_id = study;
out:
    if (target) pt_store_close(target);
    for (int i = 0; ids && i < nshards; i++) identity_free(&ids[i]);
    free(ids);
    free(has);
    return rc;
}
