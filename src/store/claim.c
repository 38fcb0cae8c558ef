/* claim.c -- several processes on one store share its grid (see store.h,
 * "Claims"): a run is claimed in one BEGIN IMMEDIATE transaction before it is
 * trained, its owner refreshes a heartbeat while it trains, and a running run
 * whose owner is gone is taken over, its stored epochs kept. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"

#define CLAIM_STALE_DEFAULT_S 90.0

double pt_store_claim_stale_s(void) {
    const char *e = getenv("POWERTRAIN_CLAIM_STALE_S");
    if (e && *e) {
        char *end;
        double v = strtod(e, &end);
        if (*end == '\0' && v > 0 && v < 1e9) return v;
    }
    return CLAIM_STALE_DEFAULT_S;
}

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pt_store_me(char *host, size_t n, long *pid) {
    if (gethostname(host, n) != 0) host[0] = '\0';
    host[n - 1] = '\0';
    *pid = (long)getpid();
}

/* 1 when the owner (host, pid, heartbeat) of a running run is gone: no owner,
   a stale heartbeat, or a pid of this host that no longer exists. */
static int owner_gone(const pt_store *st, const char *host, long pid, double heartbeat, double now) {
    char h[256];
    long mypid;
    pt_store_me(h, sizeof h, &mypid);
    if (!host || !*host || !(heartbeat > 0) || st->claims_private) return 1;
    if (now - heartbeat > pt_store_claim_stale_s()) return 1;
    if (strcmp(host, h) == 0 && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 1;
    return 0;
}

/* The run of info's key into out (run_id -1 when there is none). 0 or -1. */
static int claim_lookup(pt_store *st, const pt_run_info *info, pt_run_claim *out, char *host, size_t hn,
                        long *pid, double *heartbeat, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, status, epochs, owner_host, owner_pid, heartbeat FROM runs WHERE study_id=?1 "
                           "AND setup=?2 AND repeat=?3 AND phase=?4 AND frozen=?5",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "claiming a run");
    sqlite3_bind_int64(q, 1, info->study_id);
    sqlite3_bind_int(q, 2, info->setup);
    sqlite3_bind_int(q, 3, info->repeat);
    sqlite3_bind_text(q, 4, info->phase ? info->phase : "train", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, info->frozen);
    int rc = sqlite3_step(q);
    out->run_id = -1;
    host[0] = '\0';
    *pid = 0;
    *heartbeat = NAN;
    if (rc == SQLITE_ROW) {
        out->run_id = sqlite3_column_int64(q, 0);
        if (pt_run_status_parse((const char *)sqlite3_column_text(q, 1), &out->status) != 0)
            out->status = PT_RUN_FAILED;
        out->epochs = sqlite3_column_int(q, 2);
        col_text(q, 3, host, hn);
        *pid = (long)sqlite3_column_int64(q, 4);
        *heartbeat = col_or_nan(q, 5);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_fail(st, err, errlen, "claiming a run");
    return 0;
}

/* A new running run of info's key, owned by this process. 0 or -1. */
static int claim_insert(pt_store *st, const pt_run_info *info, double now, char *err, size_t errlen) {
    char host[256], started[32];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    store_now_iso(started, sizeof started);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO runs(study_id, setup, repeat, phase, frozen, batch_size, lr, device, host, "
                           "cpu, gpu, config_json, started_at, status, owner_host, owner_pid, heartbeat) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,'running',?14,?15,?16)",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "claiming a run");
    sqlite3_bind_int64(q, 1, info->study_id);
    sqlite3_bind_int(q, 2, info->setup);
    sqlite3_bind_int(q, 3, info->repeat);
    sqlite3_bind_text(q, 4, info->phase ? info->phase : "train", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, info->frozen);
    sqlite3_bind_int(q, 6, info->batch_size);
    sqlite3_bind_double(q, 7, info->lr);
    const char *texts[5] = {info->device, info->host, info->cpu, info->gpu, info->config_json};
    for (int i = 0; i < 5; i++)
        if (texts[i]) sqlite3_bind_text(q, 8 + i, texts[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, started, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 14, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 15, pid);
    sqlite3_bind_double(q, 16, now);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : store_fail(st, err, errlen, "claiming a run");
}

/* Run id's owner becomes this process (heartbeat now); the setup fields are
   refreshed from info. 0 or -1. */
static int claim_take(pt_store *st, int64_t id, const pt_run_info *info, double now, char *err, size_t errlen) {
    char host[256];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE runs SET owner_host=?2, owner_pid=?3, heartbeat=?4, device=?5, host=?6, cpu=?7, "
                           "gpu=?8, config_json=?9, end_reason=NULL WHERE id=?1 AND status='running'",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "claiming a run");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, pid);
    sqlite3_bind_double(q, 4, now);
    const char *texts[5] = {info->device, info->host, info->cpu, info->gpu, info->config_json};
    for (int i = 0; i < 5; i++)
        if (texts[i]) sqlite3_bind_text(q, 5 + i, texts[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE && sqlite3_changes(st->db) == 1 ? 0 : store_fail(st, err, errlen, "claiming a run");
}

/* The decision inside the claim's transaction. 0 or -1. */
static int claim_decide(pt_store *st, const pt_run_info *info, pt_run_claim *out, char *err, size_t errlen) {
    char host[256];
    long pid;
    double hb, now = wall_now();
    if (claim_lookup(st, info, out, host, sizeof host, &pid, &hb, err, errlen) != 0) return -1;
    if (out->run_id < 0) {
        if (claim_insert(st, info, now, err, errlen) != 0) return -1;
        out->run_id = sqlite3_last_insert_rowid(st->db);
        out->state = PT_CLAIM_NEW;
        out->status = PT_RUN_RUNNING;
        return 0;
    }
    if (host[0]) snprintf(out->owner, sizeof out->owner, "%s:%ld", host, pid);
    out->heartbeat_age_s = isfinite(hb) ? now - hb : NAN;
    if (out->status != PT_RUN_RUNNING) {
        out->state = PT_CLAIM_FINISHED;
        return 0;
    }
    char myhost[256];
    long mypid;
    pt_store_me(myhost, sizeof myhost, &mypid);
    int mine = host[0] && strcmp(host, myhost) == 0 && pid == mypid;
    if (!mine && !owner_gone(st, host, pid, hb, now)) {
        out->state = PT_CLAIM_BUSY;
        return 0;
    }
    out->state = PT_CLAIM_RESUMED;
    return claim_take(st, out->run_id, info, now, err, errlen);
}

int pt_store_run_claim(pt_store *st, const pt_run_info *info, pt_run_claim *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    out->run_id = -1;
    out->heartbeat_age_s = NAN;
    if (info->batch_size <= 0 || !(info->lr > 0))
        return pt_say(err, errlen, "%s: a run needs a positive batch size and learning rate", st->path), -1;
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "claiming a run");
    int rc = claim_decide(st, info, out, err, errlen);
    if (rc == 0 && sqlite3_exec(st->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(st, err, errlen, "claiming a run");
    if (rc != 0) sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
    return rc;
}

/* Runs one UPDATE of run id bound with this process's host (?2) and pid
   (?3); returns the rows changed, or -1 (err says what). */
static int update_mine(pt_store *st, const char *sql, int64_t id, double value, const char *what, char *err,
                       size_t errlen) {
    char host[256];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) return store_fail(st, err, errlen, what);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, pid);
    if (sqlite3_bind_parameter_count(q) >= 4) sqlite3_bind_double(q, 4, value);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return store_fail(st, err, errlen, what);
    return sqlite3_changes(st->db);
}

void pt_store_claims_private(pt_store *st) { st->claims_private = 1; }

int pt_store_run_heartbeat(pt_store *st, int64_t run_id, char *err, size_t errlen) {
    return update_mine(st,
                       "UPDATE runs SET heartbeat=?4 WHERE id=?1 AND status='running' AND owner_host=?2 AND "
                       "owner_pid=?3",
                       run_id, wall_now(), "refreshing a claim", err, errlen);
}

int pt_store_run_release(pt_store *st, int64_t run_id, char *err, size_t errlen) {
    int n = update_mine(st,
                        "UPDATE runs SET owner_host=NULL, owner_pid=NULL, heartbeat=NULL WHERE id=?1 AND "
                        "status='running' AND owner_host=?2 AND owner_pid=?3",
                        run_id, 0, "releasing a claim", err, errlen);
    return n < 0 ? -1 : 0;
}

int pt_store_run_owned(pt_store *st, int64_t run_id, char *err, size_t errlen) {
    char host[256];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT owner_host IS NULL OR (owner_host=?2 AND owner_pid=?3) FROM runs WHERE id=?1",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "checking a claim");
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, pid);
    int rc = sqlite3_step(q), owned = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_fail(st, err, errlen, "checking a claim");
    return owned;
}

/* One statement of the truncation, bound with the run id and keep. */
static int truncate_step(pt_store *st, const char *sql, int64_t id, int keep) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, keep);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

int pt_store_run_truncate(pt_store *st, int64_t run_id, int keep, char *err, size_t errlen) {
    if (keep < 0) keep = 0;
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "resuming a run");
    int owned = pt_store_run_owned(st, run_id, err, errlen);
    if (owned == 0) pt_say(err, errlen, "%s: run %lld is claimed by another process", st->path, (long long)run_id);
    int ok = owned == 1 &&
             truncate_step(st, "DELETE FROM epoch_components WHERE run_id=?1 AND epoch>?2", run_id, keep) == 0 &&
             truncate_step(st, "DELETE FROM epochs WHERE run_id=?1 AND epoch>?2", run_id, keep) == 0 &&
             truncate_step(st,
                           "UPDATE runs SET epochs=(SELECT count(*) FROM epochs WHERE run_id=?1 AND epoch<=?2), "
                           "energy_j=(SELECT coalesce(sum(energy_j),0) FROM epochs WHERE run_id=?1 AND epoch<=?2), "
                           "job_energy_j=(SELECT CASE WHEN count(job_j)=count(*) THEN coalesce(sum(job_j),0) END "
                           "FROM epochs WHERE run_id=?1 AND epoch<=?2), job_energy_to_target_j=NULL, "
                           "best_val_acc=NULL, best_val_loss=NULL, energy_to_target_j=NULL, method=NULL "
                           "WHERE id=?1 AND status='running'",
                           run_id, keep) == 0;
    if (!ok || sqlite3_exec(st->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
        if (owned != 0) store_fail(st, err, errlen, "resuming a run");
        sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}
