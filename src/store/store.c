/* store.c -- the SQLite results store: the schema (PT_STORE_SCHEMA_VERSION)
 * and its upgrades, studies, runs with resume-in-place, one transaction per
 * epoch, counts for reports and tests. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/str.h"

/* The runs columns versions 4, 5 and 6 added (appended by their upgrades, so the last). */
#define RUNS_V4_COLUMNS "  end_reason TEXT,\n"
#define RUNS_V5_COLUMNS "  owner_host TEXT, owner_pid INTEGER, heartbeat REAL,\n"
#define RUNS_V6_COLUMNS "  job_energy_j REAL DEFAULT 0, job_energy_to_target_j REAL,\n"
#define RUNS_ADDED_COLUMNS RUNS_V4_COLUMNS RUNS_V5_COLUMNS RUNS_V6_COLUMNS

static const char *schema_sql =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE studies(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL,\n"
    "  dataset TEXT NOT NULL,\n"
    "  preset TEXT NOT NULL DEFAULT '',\n"
    "  created_at TEXT NOT NULL,\n"
    "  config_json TEXT NOT NULL DEFAULT '{}');\n"
    "CREATE TABLE runs(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,\n"
    "  setup INTEGER NOT NULL DEFAULT 0,\n"
    "  batch_size INTEGER NOT NULL,\n"
    "  lr REAL NOT NULL,\n"
    "  repeat INTEGER NOT NULL DEFAULT 1,\n"
    "  phase TEXT NOT NULL DEFAULT 'train',\n"
    "  frozen INTEGER NOT NULL DEFAULT 0,\n"
    "  status TEXT NOT NULL CHECK(status IN ('running','done','not_reached','diverged','failed','stopped')),\n"
    "  epochs INTEGER NOT NULL DEFAULT 0,\n"
    "  best_val_acc REAL,\n"
    "  best_val_loss REAL,\n"
    "  energy_j REAL NOT NULL DEFAULT 0,\n"
    "  energy_to_target_j REAL,\n"
    "  method TEXT,\n"
    "  device TEXT, host TEXT, cpu TEXT, gpu TEXT,\n"
    "  config_json TEXT,\n"
    "  started_at TEXT NOT NULL,\n"
    "  finished_at TEXT,\n" RUNS_ADDED_COLUMNS
    "  UNIQUE(study_id, setup, repeat, phase, frozen));\n"
    "CREATE TABLE epochs(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  epoch INTEGER NOT NULL,\n"
    "  seconds REAL NOT NULL,\n"
    "  train_loss REAL, val_loss REAL, val_acc REAL,\n"
    "  energy_j REAL NOT NULL,\n"
    "  eq1_j REAL, counter_j REAL,\n"
    "  method TEXT NOT NULL,\n"
    "  job_j REAL, machine_j REAL, other_cpu_share REAL, contaminated INTEGER NOT NULL DEFAULT 0,\n"
    "  attribution TEXT,\n"
    "  PRIMARY KEY(run_id, epoch));\n"
    "CREATE TABLE epoch_components(\n"
    "  run_id INTEGER NOT NULL,\n"
    "  epoch INTEGER NOT NULL,\n"
    "  component TEXT NOT NULL,\n"
    "  source TEXT NOT NULL,\n"
    "  method TEXT NOT NULL,\n"
    "  energy_j REAL, counter_j REAL, eq1_j REAL, mean_w REAL, peak_w REAL,\n"
    "  samples INTEGER, degraded INTEGER NOT NULL DEFAULT 0,\n"
    "  job_j REAL, attribution TEXT,\n"
    "  PRIMARY KEY(run_id, epoch, component),\n"
    "  FOREIGN KEY(run_id, epoch) REFERENCES epochs(run_id, epoch) ON DELETE CASCADE);\n"
    "CREATE INDEX runs_study ON runs(study_id);\n";

static int exec(pt_store *st, const char *sql, char *err, size_t n) {
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pt_say(err, n, "%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void bind_real_or_null(sqlite3_stmt *s, int i, double v) {
    if (isfinite(v)) sqlite3_bind_double(s, i, v);
    else sqlite3_bind_null(s, i);
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v) {
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s, i);
}

static pt_store *store_open(const char *path, int create, int readonly, char *err, size_t errlen);

pt_store *pt_store_open(const char *path, int create, char *err, size_t errlen) {
    return store_open(path, create, 0, err, errlen);
}

pt_store *pt_store_open_readonly(const char *path, char *err, size_t errlen) {
    return store_open(path, 0, 1, err, errlen);
}

/* ---- schema upgrades ----------------------------------------------------------
 * upgrades[v - 1] takes a store from version v to v + 1. Each step is SQL run
 * inside its own transaction (begun and committed by upgrade_step, with the
 * foreign keys off and checked before the commit), so a store is either left
 * at version v untouched or is at v + 1 whole. A new version: bump
 * PT_STORE_SCHEMA_VERSION, change schema_sql, add one function and one line. */

/* 1 -> 2: the runs table gains the status 'stopped' (a run the search of
 * `tune` ended early). SQLite cannot change a CHECK constraint in place, so
 * the table is rebuilt (SQLite's 12-step ALTER recipe). */
static int upgrade_v1_stopped(pt_store *st, char *err, size_t errlen) {
    const char *runs_def = strstr(schema_sql, "CREATE TABLE runs(");
    const char *runs_end = runs_def ? strstr(runs_def, "CREATE TABLE epochs(") : NULL;
    const char *v4 = runs_end ? strstr(runs_def, RUNS_ADDED_COLUMNS) : NULL;
    if (!v4 || v4 > runs_end) return pt_say(err, errlen, "%s: internal: no runs table in the schema", st->path), -1;
    const char *after = v4 + strlen(RUNS_ADDED_COLUMNS); /* version 2's table: without later versions' columns */
    char sql[4096];
    int n = snprintf(sql, sizeof sql,
                     "ALTER TABLE runs RENAME TO runs_v1;\n%.*s%.*s"
                     "INSERT INTO runs SELECT * FROM runs_v1;\n"
                     "DROP TABLE runs_v1;\n"
                     "CREATE INDEX IF NOT EXISTS runs_study ON runs(study_id);\n",
                     (int)(v4 - runs_def), runs_def, (int)(runs_end - after), after);
    if (n < 0 || (size_t)n >= sizeof sql) return pt_say(err, errlen, "%s: internal: migration too long", st->path), -1;
    return exec(st, sql, err, errlen);
}

/* 2 -> 3: the samples table was created and never written: it goes. */
static int upgrade_v2_drop_samples(pt_store *st, char *err, size_t errlen) {
    return exec(st, "DROP TABLE IF EXISTS samples;", err, errlen);
}

/* 3 -> 4: runs.end_reason, why a failed run failed (NULL for older runs). */
static int upgrade_v3_end_reason(pt_store *st, char *err, size_t errlen) {
    return exec(st, "ALTER TABLE runs ADD COLUMN end_reason TEXT;", err, errlen);
}

/* 4 -> 5: the claim of a running run (store/claim.c): its owner and heartbeat. */
static int upgrade_v4_claims(pt_store *st, char *err, size_t errlen) {
    return exec(st,
                "ALTER TABLE runs ADD COLUMN owner_host TEXT; ALTER TABLE runs ADD COLUMN owner_pid INTEGER; "
                "ALTER TABLE runs ADD COLUMN heartbeat REAL;",
                err, errlen);
}

/* 5 -> 6: job energy beside machine energy (issue 18). Older rows billed the
   whole machine: they read as attribution 'whole' with job_j = machine_j. */
static int upgrade_v5_job_energy(pt_store *st, char *err, size_t errlen) {
    return exec(st,
                "ALTER TABLE epochs ADD COLUMN job_j REAL; ALTER TABLE epochs ADD COLUMN machine_j REAL; "
                "ALTER TABLE epochs ADD COLUMN other_cpu_share REAL; "
                "ALTER TABLE epochs ADD COLUMN contaminated INTEGER NOT NULL DEFAULT 0; "
                "ALTER TABLE epochs ADD COLUMN attribution TEXT; "
                "ALTER TABLE epoch_components ADD COLUMN job_j REAL; "
                "ALTER TABLE epoch_components ADD COLUMN attribution TEXT; "
                "ALTER TABLE runs ADD COLUMN job_energy_j REAL DEFAULT 0; "
                "ALTER TABLE runs ADD COLUMN job_energy_to_target_j REAL; "
                "UPDATE epochs SET job_j=energy_j, machine_j=energy_j, attribution='whole'; "
                "UPDATE epoch_components SET job_j=energy_j, attribution='whole'; "
                "UPDATE runs SET job_energy_j=energy_j, job_energy_to_target_j=energy_to_target_j;",
                err, errlen);
}

typedef int (*upgrade_fn)(pt_store *st, char *err, size_t errlen);
static const upgrade_fn upgrades[] = {
    upgrade_v1_stopped,      /* 1 -> 2 */
    upgrade_v2_drop_samples, /* 2 -> 3 */
    upgrade_v3_end_reason,   /* 3 -> 4 */
    upgrade_v4_claims,       /* 4 -> 5 */
    upgrade_v5_job_energy,   /* 5 -> 6 */
};
_Static_assert(sizeof upgrades / sizeof upgrades[0] == PT_STORE_SCHEMA_VERSION - 1,
               "one upgrade step per schema version");

/* 1 when a foreign key of the store dangles. */
static int foreign_keys_broken(pt_store *st) {
    sqlite3_stmt *q = NULL;
    int bad = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        bad = 1;
    sqlite3_finalize(q);
    return bad;
}

/* Version `from` -> from + 1 in one transaction. */
static int upgrade_step(pt_store *st, int from, char *err, size_t errlen) {
    char bump[96];
    snprintf(bump, sizeof bump, "UPDATE meta SET value='%d' WHERE key='schema_version';", from + 1);
    /* foreign_keys can only change outside a transaction; ALTER ... RENAME would
     * rewrite other tables' REFERENCES to the renamed table: keep them textual */
    if (exec(st, "PRAGMA foreign_keys=OFF; PRAGMA legacy_alter_table=ON; BEGIN IMMEDIATE;", err, errlen)) return -1;
    int rc = upgrades[from - 1](st, err, errlen);
    if (rc == 0) rc = exec(st, bump, err, errlen);
    if (rc == 0 && foreign_keys_broken(st)) {
        pt_say(err, errlen, "%s: the upgrade broke a reference", st->path);
        rc = -1;
    }
    if (rc == 0) rc = exec(st, "COMMIT;", err, errlen);
    if (rc != 0) {
        exec(st, "ROLLBACK;", NULL, 0);
        size_t l = err ? strlen(err) : 0;
        if (err && l < errlen)
            pt_say(err + l, errlen - l, " (upgrading the store from schema version %d; left at version %d)", from,
                   from);
    }
    exec(st, "PRAGMA legacy_alter_table=OFF;", NULL, 0);
    return rc;
}

/* Every step from `version` to PT_STORE_SCHEMA_VERSION. */
static int upgrade(pt_store *st, int version, char *err, size_t errlen) {
    for (int v = version; v < PT_STORE_SCHEMA_VERSION; v++)
        if (upgrade_step(st, v, err, errlen) != 0) return -1;
    return 0;
}

/* ---- opening ----------------------------------------------------------------------- */

static int count_tables(pt_store *st) {
    sqlite3_stmt *q = NULL;
    int ntables = -1;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        ntables = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return ntables;
}

/* A schema_version as text: decimal digits only, no sign, no spaces. */
static int parse_version_text(const char *t, long long *out) {
    if (!t || !*t || strlen(t) > 9) return -1;
    long long v = 0;
    for (const char *p = t; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

/* The one value of meta's schema_version row, whatever its SQL type, into
 * *out; -1 with the problem said (naming the file) when it is missing,
 * doubled, NULL, a blob, a fraction or text that is not a number. The
 * range is checked by the caller. */
static int schema_version(pt_store *st, long long *out, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q, NULL) != SQLITE_OK) {
        pt_say(err, errlen, "%s: not a powertrain results store (no meta table: %s)", st->path,
               sqlite3_errmsg(st->db));
        return -1;
    }
    int step = sqlite3_step(q);
    if (step != SQLITE_ROW) {
        pt_say(err, errlen, "%s: not a powertrain results store (no schema_version in meta%s%s)", st->path,
               step == SQLITE_DONE ? "" : ": ", step == SQLITE_DONE ? "" : sqlite3_errmsg(st->db));
        goto done;
    }
    const char *text = NULL;
    switch (sqlite3_column_type(q, 0)) { /* before any sqlite3_column_<type> converts it */
    case SQLITE_INTEGER: *out = sqlite3_column_int64(q, 0), rc = 0; break;
    case SQLITE_NULL: pt_say(err, errlen, "%s: broken results store: meta's schema_version is NULL", st->path); break;
    case SQLITE_BLOB: pt_say(err, errlen, "%s: broken results store: meta's schema_version is a blob", st->path); break;
    case SQLITE_FLOAT:
        pt_say(err, errlen, "%s: broken results store: meta's schema_version %g is not a whole number", st->path,
               sqlite3_column_double(q, 0));
        break;
    default:
        text = (const char *)sqlite3_column_text(q, 0);
        if (parse_version_text(text, out) == 0) rc = 0;
        else
            pt_say(err, errlen, "%s: broken results store: meta's schema_version '%.40s' is not a version number",
                   st->path, text ? text : "");
    }
    if (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
        pt_say(err, errlen, "%s: broken results store: meta holds more than one schema_version", st->path);
        rc = -1;
    }
done:
    sqlite3_finalize(q);
    return rc;
}

static int count_tables(pt_store *st);

/* An empty file becomes a store of this version: 0; 1 when another process
   made it a store first (both saw it empty: the write lock decides); -1. */
static int create_schema(pt_store *st, char *err, size_t errlen) {
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('schema_version','%d');", PT_STORE_SCHEMA_VERSION);
    if (exec(st, "PRAGMA journal_mode=WAL;", err, errlen) || exec(st, "BEGIN IMMEDIATE;", err, errlen)) return -1;
    int ntables = count_tables(st);
    if (ntables != 0) {
        exec(st, "ROLLBACK;", NULL, 0);
        if (ntables < 0) pt_say(err, errlen, "%s: cannot read: %s", st->path, sqlite3_errmsg(st->db));
        return ntables > 0 ? 1 : -1;
    }
    if (exec(st, schema_sql, err, errlen) || exec(st, sql, err, errlen) ||
        exec(st, "INSERT INTO meta VALUES('created_by','powertrain');COMMIT;", err, errlen)) {
        exec(st, "ROLLBACK;", NULL, 0);
        return -1;
    }
    st->version = PT_STORE_SCHEMA_VERSION;
    return 0;
}

/* An existing store: checked, and upgraded when opened for writing; a
 * read-only open reads any version from 1 as it is. */
static int check_version(pt_store *st, int readonly, char *err, size_t errlen) {
    long long read = 0;
    if (schema_version(st, &read, err, errlen) != 0) return -1;
    if (read < 1 || read > PT_STORE_SCHEMA_VERSION) {
        pt_say(err, errlen, "%s: results store schema version %lld; this powertrain reads version %d", st->path,
               read, PT_STORE_SCHEMA_VERSION);
        return -1;
    }
    int version = (int)read;
    st->version = version;
    if (readonly) return 0;
    if (upgrade(st, version, err, errlen) != 0) return -1;
    st->version = PT_STORE_SCHEMA_VERSION;
    return exec(st, "PRAGMA journal_mode=WAL;", err, errlen);
}

/* ---- read-only media ---------------------------------------------------------------
 * SQLite writes beside a store: its -wal and -shm files (and a journal) live
 * in the store's folder. Writing needs the file and the folder writable; a
 * read-only open of a store this process may not write is opened immutable
 * (no -wal or -shm file made or needed), unless a -wal file is there. */

/* The folder of path into buf ("." for a bare name). */
static void folder_of(const char *path, char *buf, size_t n) {
    const char *slash = strrchr(path, '/');
    if (!slash) pt_strlcpy(buf, ".", n);
    else if (slash == path) pt_strlcpy(buf, "/", n);
    else snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

static int may_write(const char *p) { return faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) == 0; }

static const char *why_not(int e) {
    return e == EROFS ? "a read-only file system" : "no write permission";
}

/* 0 when this process may write the store (or create it); else -1 with the
 * error saying "read-only" and naming the file and the cause. */
static int check_writable(const char *path, int create, char *err, size_t errlen) {
    char folder[sizeof ((pt_store *)0)->path];
    folder_of(path, folder, sizeof folder);
    int exists = access(path, F_OK) == 0;
    if (exists && !may_write(path)) {
        pt_say(err, errlen, "%s: read-only (%s on the file): cannot write the results store", path, why_not(errno));
        return -1;
    }
    if ((exists || create) && !may_write(folder)) {
        pt_say(err, errlen, "%s: read-only folder %s (%s): cannot %s the results store (SQLite keeps its -wal and "
                            "-shm files beside it)", path, folder, why_not(errno), exists ? "write" : "create");
        return -1;
    }
    return 0;
}

/* 1 when a read-only open should be immutable: the file or its folder may
 * not be written and no write-ahead log waits beside the store. */
static int open_immutable(const char *path) {
    char folder[sizeof ((pt_store *)0)->path], wal[sizeof folder + 8];
    folder_of(path, folder, sizeof folder);
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (access(wal, F_OK) == 0) return 0;
    return !may_write(path) || !may_write(folder);
}

/* "file:" URI of path with ?immutable=1 (bytes outside [A-Za-z0-9/._~-]
 * percent-encoded). 0, or -1 when it does not fit. */
static int immutable_uri(const char *path, char *buf, size_t n) {
    size_t o = (size_t)snprintf(buf, n, "%s", path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._~-", *p))
            buf[o++] = (char)*p;
        else o += (size_t)snprintf(buf + o, n - o, "%%%02X", *p);
    }
    buf[o] = '\0';
    if (o + 4 >= n) return -1;
    return (size_t)snprintf(buf + o, n - o, "?immutable=1") < n - o ? 0 : -1;
}

/* The SQLite connection: read-write (checked writable first), read-only, or
 * read-only immutable on read-only media. */
static int open_connection(pt_store *st, int create, int readonly, char *err, size_t errlen) {
    const char *path = st->path;
    if (!readonly && check_writable(path, create, err, errlen) != 0) return -1;
    char uri[3 * sizeof st->path + 32];
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    const char *name = path;
    if (readonly && open_immutable(path)) {
        if (immutable_uri(path, uri, sizeof uri) != 0)
            return pt_say(err, errlen, "%s: cannot open: path too long", path), -1;
        name = uri;
        flags |= SQLITE_OPEN_URI;
    }
    if (sqlite3_open_v2(name, &st->db, flags, NULL) != SQLITE_OK) {
        pt_say(err, errlen, "%s: cannot open: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        return -1;
    }
    if (!readonly && sqlite3_db_readonly(st->db, "main") == 1) {
        pt_say(err, errlen, "%s: read-only: SQLite cannot write the results store", path);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 10000);
    return 0;
}

/* The schema made (an empty file) or checked and upgraded. Switching to WAL
   and creating take locks SQLite will not wait for when another process
   races for them (it returns "locked" at once to avoid a deadlock): such a
   step is retried for up to 10 s. 0 or -1. */
static int settle(pt_store *st, int ntables, int readonly, char *err, size_t errlen) {
    for (int tries = 0;; tries++) {
        int made = ntables == 0 ? create_schema(st, err, errlen) : 1;
        if (made == 0 || (made == 1 && check_version(st, readonly, err, errlen) == 0)) return 0;
        int code = sqlite3_errcode(st->db) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || tries >= 500) return -1;
        usleep(20000);
        ntables = count_tables(st);
        if (ntables < 0) return pt_say(err, errlen, "%s: cannot read: %s", st->path, sqlite3_errmsg(st->db)), -1;
    }
}

static pt_store *store_open(const char *path, int create, int readonly, char *err, size_t errlen) {
    pt_store *st = calloc(1, sizeof *st);
    if (!st) {
        pt_say(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    pt_strlcpy(st->path, path, sizeof st->path);
    if (open_connection(st, create, readonly, err, errlen) != 0) goto fail;
    /* Is this an empty file, a powertrain store, or something else? */
    int ntables = count_tables(st);
    if (ntables < 0) {
        int code = sqlite3_errcode(st->db);
        if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN)
            pt_say(err, errlen, "%s: read-only and cannot be read without writing beside it (%s)", path,
                   sqlite3_errmsg(st->db));
        else
            pt_say(err, errlen, "%s: not a SQLite database (%s)", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    if (ntables == 0 && !create) {
        pt_say(err, errlen, "%s: empty database, not a powertrain results store", path);
        goto fail;
    }
    if (settle(st, ntables, readonly, err, errlen) != 0) goto fail;
    if (!readonly && exec(st, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;", err, errlen)) goto fail;
    return st;
fail:
    pt_store_close(st);
    return NULL;
}

void pt_store_close(pt_store *st) {
    if (!st) return;
    if (st->db) sqlite3_close(st->db);
    free(st);
}

const char *pt_store_path(const pt_store *st) { return st->path; }
int pt_store_schema_version(const pt_store *st) { return st->version; }

static const char *status_names[] = {"running", "done", "not_reached", "diverged", "failed", "stopped"};

const char *pt_run_status_name(pt_run_status s) {
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

int pt_run_status_parse(const char *name, pt_run_status *out) {
    for (int i = 0; i < (int)(sizeof status_names / sizeof status_names[0]); i++)
        if (!strcmp(name, status_names[i])) {
            *out = (pt_run_status)i;
            return 0;
        }
    return -1;
}

int64_t pt_store_study_find(pt_store *st, const char *kind, const char *dataset, const char *preset,
                            const char *config_json, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    int64_t id = -1;
    if (err && errlen) err[0] = '\0';
    if (!config_json) config_json = "{}";
    if (!preset) preset = "";
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id FROM studies WHERE kind=?1 AND dataset=?2 AND preset=?3 AND config_json=?4 "
                           "ORDER BY id DESC LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "looking up a study");
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, preset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, config_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_fail(st, err, errlen, "looking up a study");
    return id;
}

int64_t pt_store_study_get(pt_store *st, const char *kind, const char *dataset, const char *preset,
                           const char *config_json, int *created, char *err, size_t errlen) {
    char ferr[512] = "";
    if (exec(st, "BEGIN IMMEDIATE;", err, errlen)) return -1; /* two processes resuming at once find one study */
    int64_t id = pt_store_study_find(st, kind, dataset, preset, config_json, ferr, sizeof ferr);
    int made = 0;
    if (id < 0 && ferr[0]) pt_say(err, errlen, "%s", ferr);
    else if (id <= 0) made = (id = pt_store_study_new(st, kind, dataset, preset, config_json, err, errlen)) > 0;
    if (created) *created = made;
    if (id > 0 && exec(st, "COMMIT;", err, errlen) == 0) return id;
    sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
    return -1;
}

int pt_store_study_drop_empty(pt_store *st, int64_t study_id, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM studies WHERE id=?1 AND NOT EXISTS (SELECT 1 FROM runs WHERE study_id=?1)",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "deleting an empty study");
    sqlite3_bind_int64(q, 1, study_id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return store_fail(st, err, errlen, "deleting an empty study");
    return sqlite3_changes(st->db) > 0;
}

int64_t pt_store_study_new(pt_store *st, const char *kind, const char *dataset, const char *preset,
                           const char *config_json, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (!config_json) config_json = "{}";
    if (!preset) preset = "";
    char now[32];
    store_now_iso(now, sizeof now);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO studies(kind, dataset, preset, created_at, config_json) VALUES(?1,?2,?3,?4,?5)",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "creating a study");
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, preset, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, config_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return store_fail(st, err, errlen, "creating a study");
    return sqlite3_last_insert_rowid(st->db);
}

int64_t pt_store_run_find(pt_store *st, const pt_run_info *key, pt_run_status *status, char *err,
                          size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, status FROM runs WHERE study_id=?1 AND setup=?2 AND repeat=?3 AND phase=?4 "
                           "AND frozen=?5",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "looking up a run");
    sqlite3_bind_int64(q, 1, key->study_id);
    sqlite3_bind_int(q, 2, key->setup);
    sqlite3_bind_int(q, 3, key->repeat);
    sqlite3_bind_text(q, 4, key->phase ? key->phase : "train", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, key->frozen);
    int64_t id = -1;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(q, 0);
        if (status && pt_run_status_parse((const char *)sqlite3_column_text(q, 1), status) != 0)
            *status = PT_RUN_FAILED;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_fail(st, err, errlen, "looking up a run");
    if (err && errlen) err[0] = '\0';
    return id;
}

int pt_store_run_finished(pt_store *st, int64_t study_id, int setup, int repeat, const char *phase, char *err,
                          size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*) FROM runs WHERE study_id=?1 AND setup=?2 AND repeat=?3 AND phase=?4 "
                           "AND status IN ('done','not_reached','diverged','stopped')",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "looking up a run");
    sqlite3_bind_int64(q, 1, study_id);
    sqlite3_bind_int(q, 2, setup);
    sqlite3_bind_int(q, 3, repeat);
    sqlite3_bind_text(q, 4, phase, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), n = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (n < 0) return store_fail(st, err, errlen, "looking up a run");
    return n > 0;
}

int64_t pt_store_run_begin(pt_store *st, const pt_run_info *info, char *err, size_t errlen) {
    pt_run_claim c;
    if (pt_store_run_claim(st, info, &c, err, errlen) != 0) return -1;
    if (c.state == PT_CLAIM_FINISHED) {
        pt_say(err, errlen, "%s: run %lld (setup %d, repeat %d, %s) already finished as %s", st->path,
               (long long)c.run_id, info->setup, info->repeat, info->phase ? info->phase : "train",
               pt_run_status_name(c.status));
        return -1;
    }
    if (c.state == PT_CLAIM_BUSY) {
        pt_say(err, errlen, "%s: run %lld (setup %d, repeat %d, %s) is being trained by %s (heartbeat %.0f s ago)",
               st->path, (long long)c.run_id, info->setup, info->repeat, info->phase ? info->phase : "train",
               c.owner, c.heartbeat_age_s);
        return -1;
    }
    if (c.state == PT_CLAIM_RESUMED && pt_store_run_truncate(st, c.run_id, 0, err, errlen) != 0) return -1;
    return c.run_id;
}

/* The epoch's component rows (inside pt_store_epoch_add's transaction). 0, or -1. */
static int epoch_components_add(pt_store *st, int64_t run_id, const pt_epoch_row *row) {
    sqlite3_stmt *q = NULL;
    int rc;
    for (int i = 0; i < row->ncomponents; i++) {
        const pt_epoch_component *c = &row->components[i];
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO epoch_components(run_id, epoch, component, source, method, energy_j, "
                               "counter_j, eq1_j, mean_w, peak_w, samples, degraded, job_j, attribution) "
                               "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                               -1, &q, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int(q, 2, row->epoch);
        sqlite3_bind_text(q, 3, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, c->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, c->method, -1, SQLITE_STATIC);
        bind_real_or_null(q, 6, c->energy_j);
        bind_real_or_null(q, 7, c->counter_j);
        bind_real_or_null(q, 8, c->eq1_j);
        bind_real_or_null(q, 9, c->mean_w);
        bind_real_or_null(q, 10, c->peak_w);
        sqlite3_bind_int64(q, 11, c->samples);
        sqlite3_bind_int(q, 12, c->degraded);
        bind_real_or_null(q, 13, c->attribution[0] ? c->job_j : c->energy_j);
        sqlite3_bind_text(q, 14, c->attribution[0] ? c->attribution : "whole", -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        q = NULL;
        if (rc != SQLITE_DONE) return -1;
    }
    return 0;
}

int pt_store_epoch_add(pt_store *st, int64_t run_id, const pt_epoch_row *row, char *err, size_t errlen) {
    if (exec(st, "BEGIN IMMEDIATE;", err, errlen)) return -1;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO epochs(run_id, epoch, seconds, train_loss, val_loss, val_acc, energy_j, "
                           "eq1_j, counter_j, method, job_j, machine_j, other_cpu_share, contaminated, attribution) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?7,?12,?13,?14)",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail_db;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int(q, 2, row->epoch);
    sqlite3_bind_double(q, 3, row->seconds);
    bind_real_or_null(q, 4, row->train_loss);
    bind_real_or_null(q, 5, row->val_loss);
    bind_real_or_null(q, 6, row->val_acc);
    sqlite3_bind_double(q, 7, isfinite(row->energy_j) ? row->energy_j : 0);
    bind_real_or_null(q, 8, row->eq1_j);
    bind_real_or_null(q, 9, row->counter_j);
    sqlite3_bind_text(q, 10, row->method ? row->method : "estimated", -1, SQLITE_STATIC);
    double job = row->attribution ? row->job_j : row->energy_j; /* NULL: billed whole */
    bind_real_or_null(q, 11, job);
    bind_real_or_null(q, 12, row->other_cpu_share);
    sqlite3_bind_int(q, 13, row->contaminated);
    sqlite3_bind_text(q, 14, row->attribution ? row->attribution : "whole", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE) goto fail_db;
    if (epoch_components_add(st, run_id, row) != 0) goto fail_db;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE runs SET epochs=?2, energy_j=energy_j+?3, job_energy_j=job_energy_j+?6 "
                           "WHERE id=?1 AND status='running' AND "
                           PT_STORE_MINE(4, 5), -1, &q, NULL) != SQLITE_OK)
        goto fail_db;
    char host[256];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    sqlite3_bind_text(q, 4, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, pid);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int(q, 2, row->epoch);
    sqlite3_bind_double(q, 3, isfinite(row->energy_j) ? row->energy_j : 0);
    bind_real_or_null(q, 6, job); /* NULL: the run's job energy is unknown from now on */
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE || sqlite3_changes(st->db) != 1) {
        pt_say(err, errlen, "%s: run %lld is not running, or another process took over its claim", st->path,
               (long long)run_id);
        goto fail;
    }
    if (exec(st, "COMMIT;", err, errlen)) goto fail;
    return 0;
fail_db:
    store_fail(st, err, errlen, "storing an epoch");
fail:
    sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
    return -1;
}

int pt_store_run_finish(pt_store *st, int64_t run_id, const pt_run_result *res, char *err, size_t errlen) {
    if (res->status == PT_RUN_RUNNING) {
        pt_say(err, errlen, "%s: a run cannot finish as running", st->path);
        return -1;
    }
    char now[32];
    store_now_iso(now, sizeof now);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE runs SET status=?2, epochs=?3, best_val_acc=?4, best_val_loss=?5, energy_j=?6, "
                           "energy_to_target_j=?7, method=?8, finished_at=?9, end_reason=?10, job_energy_j=?13, "
                           "job_energy_to_target_j=?14, owner_host=NULL, "
                           "owner_pid=NULL, heartbeat=NULL WHERE id=?1 AND " PT_STORE_MINE(11, 12),
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "finishing a run");
    char host[256];
    long pid;
    pt_store_me(host, sizeof host, &pid);
    sqlite3_bind_text(q, 11, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 12, pid);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, pt_run_status_name(res->status), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, res->epochs);
    bind_real_or_null(q, 4, res->best_val_acc);
    bind_real_or_null(q, 5, res->best_val_loss);
    sqlite3_bind_double(q, 6, isfinite(res->energy_j) ? res->energy_j : 0);
    bind_real_or_null(q, 7, res->energy_to_target_j);
    bind_text_or_null(q, 8, res->method);
    sqlite3_bind_text(q, 9, now, -1, SQLITE_STATIC);
    bind_text_or_null(q, 10, res->reason && res->reason[0] ? res->reason : NULL);
    if (res->has_job) {
        bind_real_or_null(q, 13, res->job_energy_j);
        bind_real_or_null(q, 14, res->job_energy_to_target_j);
    } else { /* billed whole */
        sqlite3_bind_double(q, 13, isfinite(res->energy_j) ? res->energy_j : 0);
        bind_real_or_null(q, 14, res->energy_to_target_j);
    }
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return store_fail(st, err, errlen, "finishing a run");
    if (sqlite3_changes(st->db) != 1) {
        pt_say(err, errlen, "%s: no run %lld, or another process holds its claim", st->path, (long long)run_id);
        return -1;
    }
    return 0;
}

int pt_store_run_result(pt_store *st, int64_t run_id, pt_run_result *out, char *err, size_t errlen) {
    static _Thread_local char method[16];
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT status, epochs, best_val_acc, best_val_loss, energy_j, energy_to_target_j, method, "
                           "job_energy_j, job_energy_to_target_j FROM runs WHERE id=?1",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "reading a run");
    sqlite3_bind_int64(q, 1, run_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(q);
        if (rc == SQLITE_DONE) {
            pt_say(err, errlen, "%s: no run %lld", st->path, (long long)run_id);
            return -1;
        }
        return store_fail(st, err, errlen, "reading a run");
    }
    memset(out, 0, sizeof *out);
    if (pt_run_status_parse((const char *)sqlite3_column_text(q, 0), &out->status) != 0) out->status = PT_RUN_FAILED;
    out->epochs = sqlite3_column_int(q, 1);
    out->best_val_acc = col_or_nan(q, 2);
    out->best_val_loss = col_or_nan(q, 3);
    out->energy_j = col_or_nan(q, 4);
    out->energy_to_target_j = col_or_nan(q, 5);
    out->job_energy_j = col_or_nan(q, 7);
    out->job_energy_to_target_j = col_or_nan(q, 8);
    const unsigned char *m = sqlite3_column_text(q, 6);
    pt_strlcpy(method, m ? (const char *)m : "estimated", sizeof method);
    out->method = method;
    sqlite3_finalize(q);
    return 0;
}

int pt_store_probe_note(pt_store *st, int64_t run_id, long steps, double seconds, char *err, size_t errlen) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE runs SET config_json=json_set(config_json,'$.probe_steps',?2,'$.probe_seconds',?3) "
                           "WHERE id=?1",
                           -1, &q, NULL) != SQLITE_OK)
        return store_fail(st, err, errlen, "noting a probe");
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int64(q, 2, steps);
    sqlite3_bind_double(q, 3, seconds);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : store_fail(st, err, errlen, "noting a probe");
}

long pt_store_count(pt_store *st, const char *table, char *err, size_t errlen) {
    if (strcmp(table, "studies") && strcmp(table, "runs") && strcmp(table, "epochs") &&
        strcmp(table, "epoch_components")) {
        pt_say(err, errlen, "%s: no table '%s'", st->path, table);
        return -1;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *q = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (n < 0) store_fail(st, err, errlen, "counting rows");
    return n;
}
