/* test_store.c -- the results store: schema creation and version checks,
 * refusal of foreign files, runs restarted in place on resume, one
 * transaction per epoch, and a writer killed with SIGKILL mid-study leaving
 * only whole epochs. */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/read.h"
#include "store/store.h"
#include "test.h"

static char dir[] = "/tmp/pt-store-XXXXXX";

static pt_epoch_row make_epoch(int e, pt_epoch_component *comp) {
    memset(comp, 0, sizeof *comp);
    strcpy(comp->name, "gpu-0");
    strcpy(comp->source, "nvml");
    strcpy(comp->method, "counter");
    comp->energy_j = 10.0 * e;
    comp->counter_j = 10.0 * e;
    comp->eq1_j = 9.9 * e;
    comp->mean_w = 100;
    comp->peak_w = 120;
    comp->samples = 10;
    pt_epoch_row r = {.epoch = e,
                      .seconds = 0.1,
                      .train_loss = 1.0 / e,
                      .val_loss = 1.1 / e,
                      .val_acc = 0.5 + 0.1 * e,
                      .energy_j = 10.0 * e,
                      .eq1_j = 9.9 * e,
                      .counter_j = 10.0 * e,
                      .method = "counter",
                      .ncomponents = 1,
                      .components = comp};
    return r;
}

/* The store's API has no SQL: the tests open their own connection on its file. */
static double query_path(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *q;
    double v = NAN;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NAN;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static double query_double(pt_store *st, const char *sql) { return query_path(pt_store_path(st), sql); }

/* Runs sql on the file; SQLITE_OK or the error code. */
static int exec_path(const char *path, const char *sql) {
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return rc;
}

static void test_lifecycle(void) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/r.db", dir);
    CHECK(pt_store_open(path, 0, err, sizeof err) == NULL); /* no file, no create */
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    int created = -1;
    int64_t sid = pt_store_study_get(st, "regime", "fmnist", "quick", "{\"a\":1}", &created, err, sizeof err);
    CHECK(sid > 0 && created == 1);
    int64_t sid2 = pt_store_study_get(st, "regime", "fmnist", "quick", "{\"a\":1}", &created, err, sizeof err);
    CHECK(sid2 == sid && created == 0);
    int64_t sid3 = pt_store_study_get(st, "regime", "fmnist", "paper", "{\"a\":1}", &created, err, sizeof err);
    CHECK(sid3 != sid && created == 1);

    pt_run_info info = {.study_id = sid, .setup = 6, .batch_size = 256, .lr = 0.01, .repeat = 1, .phase = "train",
                        .device = "cpu", .host = "h", .cpu = "AMD EPYC", .gpu = NULL};
    pt_run_status status = PT_RUN_FAILED;
    CHECK(pt_store_run_find(st, &info, &status, err, sizeof err) == -1);
    int64_t rid = pt_store_run_begin(st, &info, err, sizeof err);
    CHECK(rid > 0);
    pt_epoch_component comp;
    for (int e = 1; e <= 3; e++) {
        pt_epoch_row row = make_epoch(e, &comp);
        CHECK(pt_store_epoch_add(st, rid, &row, err, sizeof err) == 0);
    }
    CHECK(pt_store_count(st, "epochs", err, sizeof err) == 3);
    CHECK(pt_store_count(st, "epoch_components", err, sizeof err) == 3);
    CHECK_NEAR(query_double(st, "SELECT energy_j FROM runs"), 60.0, 1e-12, 0);
    CHECK(query_double(st, "SELECT epochs FROM runs") == 3);
    /* the same epoch twice is refused, and nothing of it is kept */
    pt_epoch_row dup = make_epoch(3, &comp);
    CHECK(pt_store_epoch_add(st, rid, &dup, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "r.db");
    CHECK_NEAR(query_double(st, "SELECT energy_j FROM runs"), 60.0, 1e-12, 0);

    /* resume: beginning the unfinished run again restarts it in place */
    int64_t rid2 = pt_store_run_begin(st, &info, err, sizeof err);
    CHECK(rid2 == rid);
    CHECK(pt_store_count(st, "epochs", err, sizeof err) == 0);
    CHECK(pt_store_count(st, "epoch_components", err, sizeof err) == 0);
    CHECK(pt_store_count(st, "runs", err, sizeof err) == 1);
    CHECK(query_double(st, "SELECT energy_j FROM runs") == 0);
    for (int e = 1; e <= 2; e++) {
        pt_epoch_row row = make_epoch(e, &comp);
        CHECK(pt_store_epoch_add(st, rid, &row, err, sizeof err) == 0);
    }
    pt_run_result res = {.status = PT_RUN_NOT_REACHED, .epochs = 2, .best_val_acc = 0.7, .best_val_loss = 0.55,
                         .energy_j = 30.0, .energy_to_target_j = NAN, .method = "counter"};
    CHECK(pt_store_run_finish(st, rid, &res, err, sizeof err) == 0);
    CHECK(pt_store_run_find(st, &info, &status, err, sizeof err) == rid);
    CHECK(status == PT_RUN_NOT_REACHED);
    CHECK(isnan(query_double(st, "SELECT energy_to_target_j FROM runs")));
    pt_run_result back;
    CHECK(pt_store_run_result(st, rid, &back, err, sizeof err) == 0);
    CHECK(back.status == PT_RUN_NOT_REACHED && back.epochs == 2);
    CHECK_NEAR(back.energy_j, 30.0, 1e-12, 0);
    CHECK_NEAR(back.best_val_acc, 0.7, 1e-12, 0);
    CHECK(isnan(back.energy_to_target_j));
    CHECK_STR(back.method, "counter");
    CHECK(pt_store_run_result(st, 999, &back, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "no run 999");
    /* a finished run is not begun again, nor does it take epochs */
    CHECK(pt_store_run_begin(st, &info, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "already finished as not_reached");
    pt_epoch_row late = make_epoch(3, &comp);
    CHECK(pt_store_epoch_add(st, rid, &late, err, sizeof err) == -1);
    CHECK(pt_store_count(st, "epochs", err, sizeof err) == 2);
    /* bad runs */
    pt_run_info bad = info;
    bad.batch_size = -1;
    CHECK(pt_store_run_begin(st, &bad, err, sizeof err) == -1);
    bad = info;
    bad.lr = 0;
    CHECK(pt_store_run_begin(st, &bad, err, sizeof err) == -1);
    res.status = PT_RUN_RUNNING;
    CHECK(pt_store_run_finish(st, rid, &res, err, sizeof err) == -1);
    CHECK(pt_store_count(st, "nonsense", err, sizeof err) == -1);
    pt_store_close(st);

    /* read-only: reads work, writes are refused, nothing changes */
    pt_store *ro = pt_store_open_readonly(path, err, sizeof err);
    CHECK(ro != NULL);
    if (ro) {
        CHECK(pt_store_count(ro, "runs", err, sizeof err) == 1);
        CHECK(pt_store_study_new(ro, "regime", "x", "", "{}", err, sizeof err) == -1);
        pt_store_close(ro);
    }
    /* reopening keeps everything */
    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (st) {
        CHECK(pt_store_count(st, "runs", err, sizeof err) == 1);
        CHECK(pt_store_count(st, "studies", err, sizeof err) == 2);
        pt_store_close(st);
    }
    pt_run_status ps;
    CHECK(pt_run_status_parse("diverged", &ps) == 0 && ps == PT_RUN_DIVERGED);
    CHECK(pt_run_status_parse("bogus", &ps) == -1);
}

static void test_refusals(void) {
    char path[256], err[512];
    /* another schema version */
    snprintf(path, sizeof path, "%s/v9.db", dir);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (st) {
        pt_store_close(st);
        CHECK(exec_path(path, "UPDATE meta SET value='9' WHERE key='schema_version'") == SQLITE_OK);
    }
    CHECK(pt_store_open(path, 1, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "schema version 9");
    CHECK_CONTAINS(err, "v9.db");
    /* a SQLite file of something else */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(pt_store_open(path, 1, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "not a powertrain results store");
    /* ... and it is untouched */
    sqlite3_open(path, &db);
    sqlite3_stmt *q;
    int n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    CHECK(n == 1);
    /* not SQLite at all */
    snprintf(path, sizeof path, "%s/text.db", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough to have a header.....\n", f);
    fclose(f);
    CHECK(pt_store_open(path, 1, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "text.db");
}

/* Every value read from meta is checked: a schema_version that is NULL, text,
 * missing, negative, huge or of the wrong type is refused with an error that
 * names the file and the problem, opened for writing or read-only (report). */
static void test_bad_meta(void) {
    static const struct {
        const char *name, *sql, *says;
    } cases[] = {
        {"null.db", "INSERT INTO meta VALUES('schema_version',NULL);", "schema_version is NULL"},
        {"text.db", "INSERT INTO meta VALUES('schema_version','three');", "schema_version 'three'"},
        {"trail.db", "INSERT INTO meta VALUES('schema_version','3abc');", "schema_version '3abc'"},
        {"empty.db", "INSERT INTO meta VALUES('schema_version','');", "schema_version ''"},
        {"norow.db", "INSERT INTO meta VALUES('created_by','powertrain');", "no schema_version"},
        {"neg.db", "INSERT INTO meta VALUES('schema_version','-1');", "schema_version '-1'"},
        {"huge.db", "INSERT INTO meta VALUES('schema_version','99999999999999999999');", "schema_version '9999"},
        {"big.db", "INSERT INTO meta VALUES('schema_version',4294967299);", "schema version 4294967299"},
        {"real.db", "INSERT INTO meta VALUES('schema_version',2.5);", "schema_version 2.5"},
        {"blob.db", "INSERT INTO meta VALUES('schema_version',x'33');", "schema_version is a blob"},
        {"twice.db", "INSERT INTO meta VALUES('schema_version','3'),('schema_version','1');", "more than one"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256], sql[512], err[512];
        snprintf(path, sizeof path, "%s/meta-%s", dir, cases[i].name);
        snprintf(sql, sizeof sql, "CREATE TABLE meta(key TEXT, value); CREATE TABLE studies(id INTEGER); %s",
                 cases[i].sql);
        CHECK(exec_path(path, sql) == SQLITE_OK);
        for (int ro = 0; ro < 2; ro++) {
            err[0] = '\0';
            pt_store *st = ro ? pt_store_open_readonly(path, err, sizeof err) : pt_store_open(path, 0, err, sizeof err);
            CHECK(st == NULL);
            pt_store_close(st);
            CHECK_CONTAINS(err, cases[i].name);
            CHECK_CONTAINS(err, cases[i].says);
        }
        /* refused, not changed */
        CHECK(query_path(path, "SELECT count(*) FROM sqlite_master") == 2);
    }
}

/* The checks of a store on read-only media, run by an unprivileged user (a
 * child that drops root): a write open says "read-only" and names the file;
 * a read-only open (report) reads it without creating -wal or -shm files.
 * Returns the child's failed checks. */
static int readonly_checks(const char *path, const char *what) {
    char err[512], side[320];
    err[0] = '\0';
    pt_store *st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st == NULL);
    pt_store_close(st);
    CHECK_CONTAINS(err, "read-only");
    CHECK_CONTAINS(err, what);
    err[0] = '\0';
    st = pt_store_open_readonly(path, err, sizeof err);
    CHECK(st != NULL);
    if (!st) fprintf(stderr, "read-only open: %s\n", err);
    if (st) {
        CHECK(pt_store_schema_version(st) == PT_STORE_SCHEMA_VERSION);
        CHECK(pt_store_count(st, "studies", err, sizeof err) == 1);
        pt_store_close(st);
    }
    snprintf(side, sizeof side, "%s-shm", path);
    CHECK(access(side, F_OK) != 0);
    snprintf(side, sizeof side, "%s-wal", path);
    CHECK(access(side, F_OK) != 0);
    return pt_test_failures;
}

/* A store whose folder (and file) no one may write, or whose file alone is
 * read-only, opened by the user nobody. */
static void test_readonly_media(void) {
    char folder[256], path[300], err[512];
    snprintf(folder, sizeof folder, "%s/ro", dir);
    snprintf(path, sizeof path, "%s/s.db", folder);
    CHECK(mkdir(folder, 0755) == 0);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    CHECK(pt_store_study_new(st, "regime", "pamap2", "", "{}", err, sizeof err) > 0);
    pt_store_close(st);
    CHECK(chmod(dir, 0755) == 0 && chmod(path, 0444) == 0 && chmod(folder, 0555) == 0);
    for (int folder_writable = 0; folder_writable < 2; folder_writable++) {
        if (folder_writable) CHECK(chmod(folder, 0777) == 0); /* the file alone is read-only */
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(77);
            _exit(readonly_checks(path, "s.db") ? 1 : 0);
        }
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
            fprintf(stderr, "test_readonly_media: skipped (cannot drop root)\n");
            break;
        }
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(chmod(folder, 0755) == 0 && chmod(dir, 0700) == 0);
}

/* A child writes epochs as fast as it can and is killed mid-way: the store
 * holds only whole epochs, the run's totals match its epoch rows, and a
 * resume restarts the run without duplicates. */
static void test_kill9(void) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/k.db", dir);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    int64_t sid = pt_store_study_get(st, "regime", "synthetic", "quick", "{}", NULL, err, sizeof err);
    pt_store_close(st);
    int pfd[2];
    if (pipe(pfd) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        pt_store *s = pt_store_open(path, 0, err, sizeof err);
        if (!s) _exit(3);
        pt_run_info info = {.study_id = sid, .setup = 1, .batch_size = 64, .lr = 0.1, .repeat = 1};
        int64_t done_id = pt_store_run_begin(s, &info, err, sizeof err);
        pt_epoch_component c;
        pt_epoch_row r = make_epoch(1, &c);
        pt_store_epoch_add(s, done_id, &r, err, sizeof err);
        pt_run_result res = {.status = PT_RUN_DONE, .epochs = 1, .best_val_acc = 0.9, .energy_j = 10,
                             .energy_to_target_j = 10, .method = "counter"};
        pt_store_run_finish(s, done_id, &res, err, sizeof err);
        info.setup = 2;
        int64_t rid = pt_store_run_begin(s, &info, err, sizeof err);
        for (int e = 1; e < 1000000; e++) {
            pt_epoch_row row = make_epoch(e, &c);
            if (pt_store_epoch_add(s, rid, &row, err, sizeof err) != 0) _exit(4);
            if (e == 5) (void)!write(pfd[1], "x", 1); /* some epochs are in */
        }
        _exit(0);
    }
    close(pfd[1]);
    char ch;
    CHECK(read(pfd[0], &ch, 1) == 1);
    usleep(20000);
    kill(pid, SIGKILL);
    int wst;
    waitpid(pid, &wst, 0);
    close(pfd[0]);
    CHECK(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);

    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    double nep = query_double(st, "SELECT count(*) FROM epochs e JOIN runs r ON r.id=e.run_id WHERE r.setup=2");
    double run_epochs = query_double(st, "SELECT epochs FROM runs WHERE setup=2");
    double run_energy = query_double(st, "SELECT energy_j FROM runs WHERE setup=2");
    double sum_energy = query_double(st, "SELECT sum(e.energy_j) FROM epochs e JOIN runs r ON r.id=e.run_id WHERE r.setup=2");
    double ncomp = query_double(st, "SELECT count(*) FROM epoch_components c JOIN runs r ON r.id=c.run_id WHERE r.setup=2");
    CHECK(nep >= 5);
    CHECK(run_epochs == nep);
    CHECK(ncomp == nep);
    CHECK_NEAR(run_energy, sum_energy, 1e-9, 0);
    double maxe = query_double(st, "SELECT max(epoch) FROM epochs e JOIN runs r ON r.id=e.run_id WHERE r.setup=2");
    CHECK(maxe == nep); /* contiguous 1..n */
    double ok = query_double(st, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'");
    CHECK(ok == 1);
    /* resume: the finished run stays finished, the killed one restarts */
    pt_run_info info = {.study_id = sid, .setup = 1, .batch_size = 64, .lr = 0.1, .repeat = 1};
    pt_run_status s1 = PT_RUN_RUNNING, s2 = PT_RUN_DONE;
    CHECK(pt_store_run_find(st, &info, &s1, err, sizeof err) > 0 && s1 == PT_RUN_DONE);
    info.setup = 2;
    CHECK(pt_store_run_find(st, &info, &s2, err, sizeof err) > 0 && s2 == PT_RUN_RUNNING);
    CHECK(pt_store_run_begin(st, &info, err, sizeof err) > 0);
    CHECK(query_double(st, "SELECT count(*) FROM epochs e JOIN runs r ON r.id=e.run_id WHERE r.setup=2") == 0);
    CHECK(pt_store_count(st, "runs", err, sizeof err) == 2);
    fprintf(stderr, "kill -9 after %.0f whole epochs\n", nep);
    pt_store_close(st);
}

/* A store written by schema version 1 (hand-written, as that version made it)
 * is upgraded in place when opened for writing: its runs and epochs stay, the
 * epochs still reference their runs, and 'stopped' becomes a valid status;
 * read-only opens read it as it is. */
static void test_migrate_v1(void) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/v1.db", dir);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    const char *v1 =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES('schema_version','1'),('created_by','powertrain');"
        "CREATE TABLE studies(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, dataset TEXT NOT NULL,"
        "  preset TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, config_json TEXT NOT NULL DEFAULT '{}');"
        "CREATE TABLE runs(id INTEGER PRIMARY KEY,"
        "  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,"
        "  setup INTEGER NOT NULL DEFAULT 0, batch_size INTEGER NOT NULL, lr REAL NOT NULL,"
        "  repeat INTEGER NOT NULL DEFAULT 1, phase TEXT NOT NULL DEFAULT 'train', frozen INTEGER NOT NULL DEFAULT 0,"
        "  status TEXT NOT NULL CHECK(status IN ('running','done','not_reached','diverged','failed')),"
        "  epochs INTEGER NOT NULL DEFAULT 0, best_val_acc REAL, best_val_loss REAL,"
        "  energy_j REAL NOT NULL DEFAULT 0, energy_to_target_j REAL, method TEXT,"
        "  device TEXT, host TEXT, cpu TEXT, gpu TEXT, config_json TEXT,"
        "  started_at TEXT NOT NULL, finished_at TEXT, UNIQUE(study_id, setup, repeat, phase, frozen));"
        "CREATE TABLE epochs(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        "  epoch INTEGER NOT NULL, seconds REAL NOT NULL, train_loss REAL, val_loss REAL, val_acc REAL,"
        "  energy_j REAL NOT NULL, eq1_j REAL, counter_j REAL, method TEXT NOT NULL, PRIMARY KEY(run_id, epoch));"
        "CREATE TABLE epoch_components(run_id INTEGER NOT NULL, epoch INTEGER NOT NULL, component TEXT NOT NULL,"
        "  source TEXT NOT NULL, method TEXT NOT NULL, energy_j REAL, counter_j REAL, eq1_j REAL, mean_w REAL,"
        "  peak_w REAL, samples INTEGER, degraded INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY(run_id, epoch, component),"
        "  FOREIGN KEY(run_id, epoch) REFERENCES epochs(run_id, epoch) ON DELETE CASCADE);"
        "CREATE TABLE samples(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        "  t_s REAL NOT NULL, component TEXT NOT NULL, power_w REAL, counter_j REAL);"
        "CREATE INDEX runs_study ON runs(study_id);"
        "INSERT INTO studies VALUES(1,'regime','pamap2','quick','2026-01-01T00:00:00Z','{}');"
        "INSERT INTO runs(id,study_id,setup,batch_size,lr,status,epochs,energy_j,started_at)"
        "  VALUES(7,1,3,16,0.001,'done',2,12.5,'2026-01-01T00:00:00Z');"
        "INSERT INTO epochs VALUES(7,1,0.1,1,1,0.5,6,6,6,'counter'),(7,2,0.1,1,1,0.9,6.5,6.5,6.5,'counter');";
    CHECK(sqlite3_exec(db, v1, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE runs SET status='stopped' WHERE id=7", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    /* read-only: read as version 1, untouched */
    pt_store *ro = pt_store_open_readonly(path, err, sizeof err);
    CHECK(ro != NULL);
    pt_store_close(ro);
    pt_store *st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    CHECK(query_double(st, "SELECT value FROM meta WHERE key='schema_version'") == PT_STORE_SCHEMA_VERSION);
    CHECK(query_double(st, "SELECT count(*) FROM runs WHERE id=7 AND energy_j=12.5") == 1);
    CHECK(query_double(st, "SELECT count(*) FROM epochs WHERE run_id=7") == 2);
    CHECK(query_double(st, "SELECT count(*) FROM sqlite_master WHERE name='samples'") == 0);
    CHECK(exec_path(path, "UPDATE runs SET status='stopped' WHERE id=7") == SQLITE_OK);
    /* the epochs still cascade from the rebuilt runs table */
    CHECK(exec_path(path, "PRAGMA foreign_keys=ON; DELETE FROM runs WHERE id=7") == SQLITE_OK);
    CHECK(query_double(st, "SELECT count(*) FROM epochs") == 0);
    sqlite3 *h;
    sqlite3_stmt *q;
    CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(h, "SELECT sql FROM sqlite_master WHERE name='epochs'", -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK_CONTAINS((const char *)sqlite3_column_text(q, 0), "REFERENCES runs(id)");
    sqlite3_finalize(q);
    sqlite3_close(h);
    pt_store_close(st);
    pt_run_status ps;
    CHECK(pt_run_status_parse("stopped", &ps) == 0 && ps == PT_RUN_STOPPED);
}

/* A store written by schema version 2 (tests/golden/full.db, by the code of
 * ffdf6f6): read-only it is read as it is; opened for writing it is upgraded
 * to the current version (the samples table goes) and keeps every row. */
static void test_migrate_v2(void) {
    char path[256], cmd[700], err[512];
    snprintf(path, sizeof path, "%s/v2.db", dir);
    snprintf(cmd, sizeof cmd, "cp '%s/full.db' '%s'", PT_GOLDEN_DIR, path);
    CHECK(system(cmd) == 0);
    CHECK(query_path(path, "SELECT value FROM meta WHERE key='schema_version'") == 2);
    CHECK(query_path(path, "SELECT count(*) FROM sqlite_master WHERE name='samples'") == 1);
    double runs = query_path(path, "SELECT count(*) FROM runs"), epochs = query_path(path, "SELECT count(*) FROM epochs");
    double comps = query_path(path, "SELECT count(*) FROM epoch_components");
    double energy = query_path(path, "SELECT sum(energy_j) FROM runs");
    CHECK(runs > 0 && epochs > 0 && comps > 0);
    pt_store *ro = pt_store_open_readonly(path, err, sizeof err);
    CHECK(ro != NULL);
    if (ro) {
        CHECK(pt_store_count(ro, "runs", err, sizeof err) == (long)runs);
        pt_store_close(ro);
    }
    CHECK(query_path(path, "SELECT value FROM meta WHERE key='schema_version'") == 2);
    pt_store *st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    CHECK(query_double(st, "SELECT value FROM meta WHERE key='schema_version'") == PT_STORE_SCHEMA_VERSION);
    CHECK(query_double(st, "SELECT count(*) FROM sqlite_master WHERE name='samples'") == 0);
    CHECK(pt_store_count(st, "runs", err, sizeof err) == (long)runs);
    CHECK(pt_store_count(st, "epochs", err, sizeof err) == (long)epochs);
    CHECK(pt_store_count(st, "epoch_components", err, sizeof err) == (long)comps);
    CHECK_NEAR(query_double(st, "SELECT sum(energy_j) FROM runs"), energy, 1e-9, 0);
    CHECK(query_double(st, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'") == 1);
    /* 4: runs.end_reason, NULL for every run stored before it; 5: claims */
    CHECK(pt_store_schema_version(st) == PT_STORE_SCHEMA_VERSION);
    CHECK(query_double(st, "SELECT count(*) FROM pragma_table_info('runs') WHERE name='end_reason'") == 1);
    CHECK(query_double(st, "SELECT count(*) FROM runs WHERE end_reason IS NULL") == runs);
    pt_run_result back;
    CHECK(pt_store_run_result(st, (int64_t)query_double(st, "SELECT min(id) FROM runs"), &back, err, sizeof err) == 0);
    pt_store_close(st);
    /* and it reopens as a current store, untouched */
    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (st) pt_store_close(st);
}

static int count_reason(void *ctx, const pt_store_run_row *row) {
    if (row->end_reason[0]) ++*(int *)ctx;
    return 0;
}

/* A store of the schema-3 layout (full.db less its samples table, at version
 * 3): read-only it reads without end_reason; opened for writing it gains the
 * column (version 4), keeps every row, and a failed run's reason is stored
 * and read back. */
static void test_migrate_v3(void) {
    char path[256], cmd[700], err[512];
    snprintf(path, sizeof path, "%s/v3.db", dir);
    snprintf(cmd, sizeof cmd, "cp '%s/full.db' '%s'", PT_GOLDEN_DIR, path);
    CHECK(system(cmd) == 0);
    CHECK(exec_path(path, "DROP TABLE samples; UPDATE meta SET value='3' WHERE key='schema_version'") == SQLITE_OK);
    double runs = query_path(path, "SELECT count(*) FROM runs"), epochs = query_path(path, "SELECT count(*) FROM epochs");
    CHECK(runs > 0);
    pt_store *st = pt_store_open_readonly(path, err, sizeof err);
    CHECK(st != NULL);
    if (st) {
        int n = 0;
        CHECK(pt_store_schema_version(st) == 3);
        CHECK(pt_store_read_runs(st, 0, count_reason, &n, err, sizeof err) == 0 && n == 0);
        pt_store_close(st);
    }
    CHECK(query_path(path, "SELECT count(*) FROM pragma_table_info('runs') WHERE name='end_reason'") == 0);
    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    CHECK(query_double(st, "SELECT value FROM meta WHERE key='schema_version'") == PT_STORE_SCHEMA_VERSION);
    CHECK(query_double(st, "SELECT count(*) FROM pragma_table_info('runs') WHERE name='end_reason'") == 1);
    CHECK(pt_store_count(st, "runs", err, sizeof err) == (long)runs);
    CHECK(pt_store_count(st, "epochs", err, sizeof err) == (long)epochs);
    CHECK(query_double(st, "SELECT count(*) FROM runs WHERE end_reason IS NULL") == runs);
    int64_t id = (int64_t)query_double(st, "SELECT min(id) FROM runs");
    pt_run_result res = {.status = PT_RUN_FAILED, .method = "estimated", .reason = "batch size 200 exceeds the data"};
    CHECK(pt_store_run_finish(st, id, &res, err, sizeof err) == 0);
    int n = 0;
    CHECK(pt_store_read_runs(st, 0, count_reason, &n, err, sizeof err) == 0 && n == 1);
    pt_store_close(st);
    CHECK(query_path(path, "SELECT count(*) FROM runs WHERE end_reason='batch size 200 exceeds the data'") == 1);
    /* a new store has the column where an upgraded one has it: last */
    snprintf(path, sizeof path, "%s/v4new.db", dir);
    st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (st) pt_store_close(st);
    /* every column at the same place in a new store as in an upgraded one */
    char upgraded[256];
    snprintf(upgraded, sizeof upgraded, "%s/v3.db", dir);
    CHECK(query_path(path, "SELECT count(*) FROM pragma_table_info('runs')") ==
          query_path(upgraded, "SELECT count(*) FROM pragma_table_info('runs')"));
    CHECK(query_path(path, "SELECT max(cid) FROM pragma_table_info('runs') WHERE name IN ('end_reason','heartbeat')") ==
          query_path(upgraded, "SELECT max(cid) FROM pragma_table_info('runs') WHERE name IN ('end_reason','heartbeat')"));
    CHECK(query_path(path, "SELECT group_concat(name) = 'end_reason,owner_host,owner_pid,heartbeat,job_energy_j,job_energy_to_target_j' FROM "
                           "(SELECT name FROM pragma_table_info('runs') WHERE cid >= (SELECT cid FROM "
                           "pragma_table_info('runs') WHERE name='end_reason') ORDER BY cid)") == 1);
    CHECK(query_path(upgraded, "SELECT group_concat(name) = 'end_reason,owner_host,owner_pid,heartbeat,job_energy_j,job_energy_to_target_j' FROM "
                               "(SELECT name FROM pragma_table_info('runs') WHERE cid >= (SELECT cid FROM "
                               "pragma_table_info('runs') WHERE name='end_reason') ORDER BY cid)") == 1);
}

static int sum_epochs(void *ctx, const pt_store_epoch_row *row) {
    double *acc = ctx;
    acc[0] += row->energy_j;
    acc[1] += row->machine_j;
    acc[2] += row->contaminated;
    return 0;
}

static int check_whole(void *ctx, const pt_store_run_row *row) {
    int *bad = ctx;
    int same = (isnan(row->energy_j) && isnan(row->machine_energy_j)) || row->energy_j == row->machine_energy_j;
    if (!same || row->contaminated_epochs != 0 || (row->epochs > 0 && strcmp(row->attribution, "whole") != 0))
        ++*bad;
    return 0;
}

/* A store of the schema-5 layout (full.db with versions 3..5's changes made
 * by hand): opened for writing it gains job energy (version 6); every older
 * epoch, component and run reads as attribution 'whole' with job_j =
 * machine_j = energy_j, none contaminated; and the new columns stand where a
 * new store has them. */
static void test_migrate_v5(void) {
    char path[256], cmd[700], err[512];
    snprintf(path, sizeof path, "%s/v5.db", dir);
    snprintf(cmd, sizeof cmd, "cp '%s/full.db' '%s'", PT_GOLDEN_DIR, path);
    CHECK(system(cmd) == 0);
    CHECK(exec_path(path, "DROP TABLE samples; ALTER TABLE runs ADD COLUMN end_reason TEXT; "
                          "ALTER TABLE runs ADD COLUMN owner_host TEXT; ALTER TABLE runs ADD COLUMN owner_pid INTEGER; "
                          "ALTER TABLE runs ADD COLUMN heartbeat REAL; "
                          "UPDATE meta SET value='5' WHERE key='schema_version'") == SQLITE_OK);
    double epochs = query_path(path, "SELECT count(*) FROM epochs");
    double comps = query_path(path, "SELECT count(*) FROM epoch_components");
    double total = query_path(path, "SELECT sum(energy_j) FROM epochs");
    CHECK(epochs > 0 && comps > 0);
    pt_store *st = pt_store_open_readonly(path, err, sizeof err); /* read-only: read as version 5 */
    CHECK(st != NULL);
    if (st) {
        int bad = 0;
        CHECK(pt_store_schema_version(st) == 5);
        CHECK(pt_store_read_runs(st, 0, check_whole, &bad, err, sizeof err) == 0 && bad == 0);
        pt_store_close(st);
    }
    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    CHECK(pt_store_schema_version(st) == 6);
    CHECK(query_double(st, "SELECT count(*) FROM epochs WHERE job_j=energy_j AND machine_j=energy_j AND "
                           "attribution='whole' AND contaminated=0 AND other_cpu_share IS NULL") == epochs);
    CHECK(query_double(st, "SELECT count(*) FROM epoch_components WHERE job_j IS energy_j AND attribution='whole'") ==
          comps);
    CHECK(query_double(st, "SELECT count(*) FROM runs WHERE job_energy_j IS NOT energy_j OR "
                           "job_energy_to_target_j IS NOT energy_to_target_j") == 0);
    int bad = 0;
    CHECK(pt_store_read_runs(st, 0, check_whole, &bad, err, sizeof err) == 0 && bad == 0);
    double acc[3] = {0, 0, 0};
    int64_t run = (int64_t)query_double(st, "SELECT min(run_id) FROM epochs");
    CHECK(pt_store_read_epochs(st, run, sum_epochs, acc, err, sizeof err) == 0);
    CHECK(acc[0] > 0 && acc[0] == acc[1] && acc[2] == 0);
    CHECK(query_double(st, "SELECT sum(job_j) FROM epochs") == total);
    pt_store_close(st);
    /* the same columns in the same order as a new store's */
    char fresh[256];
    snprintf(fresh, sizeof fresh, "%s/v6new.db", dir);
    st = pt_store_open(fresh, 1, err, sizeof err);
    CHECK(st != NULL);
    if (st) pt_store_close(st);
    static const char *const tables[] = {"runs", "epochs", "epoch_components"};
    for (int i = 0; i < 3; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name IN ('job_j', "
                                  "'job_energy_j') AND cid = (SELECT max(cid) - %d FROM pragma_table_info('%s'))",
                 tables[i], i == 0 ? 1 : i == 1 ? 4 : 1, tables[i]);
        CHECK(query_path(fresh, sql) == 1);
        CHECK(query_path(path, sql) == 1);
    }
}

static int collect_disagree(void *ctx, const pt_store_repeats_row *r) {
    pt_store_repeats_row *out = ctx;
    if (out[0].repeats == 0) out[0] = *r;
    else out[1] = *r;
    return 0;
}

/* Repeats that disagree (issue 18): setup 1's two repeats used 10 and 25 J
 * per epoch of the job's energy (2.5x, the machine's 40 J each notwithstanding),
 * setup 2's 10 and 12 J (1.2x): only setup 1 is named. A running run never counts. */
static void test_disagreeing_repeats(void) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/repeats.db", dir);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    int64_t sid = pt_store_study_new(st, "regime", "synth", "quick", "{}", err, sizeof err);
    const double job[4] = {10, 25, 10, 12};
    for (int i = 0; i < 4; i++) {
        pt_run_info info = {.study_id = sid, .setup = 1 + i / 2, .batch_size = 32, .lr = 0.01, .repeat = 1 + i % 2};
        int64_t rid = pt_store_run_begin(st, &info, err, sizeof err);
        pt_epoch_component comp;
        for (int e = 1; e <= 2; e++) {
            pt_epoch_row row = make_epoch(e, &comp);
            row.energy_j = 40;
            row.job_j = job[i];
            row.attribution = "cpu-share";
            CHECK(pt_store_epoch_add(st, rid, &row, err, sizeof err) == 0);
        }
        pt_run_result res = {.status = PT_RUN_DONE, .epochs = 2, .energy_j = 80, .energy_to_target_j = 40,
                             .method = "counter", .job_energy_j = 2 * job[i], .job_energy_to_target_j = job[i],
                             .has_job = 1};
        CHECK(pt_store_run_finish(st, rid, &res, err, sizeof err) == 0);
    }
    pt_store_repeats_row rows[2];
    memset(rows, 0, sizeof rows);
    CHECK(pt_store_read_disagreeing(st, sid, 1.5, collect_disagree, rows, err, sizeof err) == 0);
    CHECK(rows[0].setup == 1 && rows[0].repeats == 2 && rows[1].repeats == 0);
    CHECK_NEAR(rows[0].epoch_ratio, 2.5, 1e-12, 0);
    CHECK_NEAR(rows[0].target_ratio, 2.5, 1e-12, 0);
    CHECK(query_double(st, "SELECT sum(job_energy_j) FROM runs") == 114);
    pt_store_close(st);
}

/* An upgrade step that fails is rolled back whole: a version-1 store whose
 * epochs reference a missing run stays at version 1, every row kept. */
static void test_migrate_rollback(void) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/v1bad.db", dir);
    CHECK(exec_path(path,
                    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "INSERT INTO meta VALUES('schema_version','1');"
                    "CREATE TABLE studies(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, dataset TEXT NOT NULL,"
                    "  preset TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, config_json TEXT NOT NULL);"
                    "CREATE TABLE runs(id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id),"
                    "  setup INTEGER NOT NULL DEFAULT 0, batch_size INTEGER NOT NULL, lr REAL NOT NULL,"
                    "  repeat INTEGER NOT NULL DEFAULT 1, phase TEXT NOT NULL DEFAULT 'train',"
                    "  frozen INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, epochs INTEGER NOT NULL DEFAULT 0,"
                    "  best_val_acc REAL, best_val_loss REAL, energy_j REAL NOT NULL DEFAULT 0,"
                    "  energy_to_target_j REAL, method TEXT, device TEXT, host TEXT, cpu TEXT, gpu TEXT,"
                    "  config_json TEXT, started_at TEXT NOT NULL, finished_at TEXT);"
                    "CREATE TABLE epochs(run_id INTEGER NOT NULL REFERENCES runs(id), epoch INTEGER NOT NULL,"
                    "  seconds REAL NOT NULL, train_loss REAL, val_loss REAL, val_acc REAL, energy_j REAL NOT NULL,"
                    "  eq1_j REAL, counter_j REAL, method TEXT NOT NULL, PRIMARY KEY(run_id, epoch));"
                    "CREATE TABLE samples(run_id INTEGER, t_s REAL);"
                    "INSERT INTO epochs VALUES(42,1,0.1,1,1,0.5,6,6,6,'counter');") == SQLITE_OK);
    CHECK(pt_store_open(path, 0, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "v1bad.db");
    CHECK_CONTAINS(err, "from schema version 1");
    CHECK(query_path(path, "SELECT value FROM meta WHERE key='schema_version'") == 1);
    CHECK(query_path(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('samples','runs')") == 2);
    CHECK(query_path(path, "SELECT count(*) FROM sqlite_master WHERE name='runs_v1'") == 0);
    CHECK(query_path(path, "SELECT count(*) FROM epochs") == 1);
}

/* Sets run rid's owner to host:pid with a heartbeat `age` seconds old. */
static void set_owner(const char *path, int64_t rid, const char *host, long pid, double age) {
    char sql[400];
    snprintf(sql, sizeof sql,
             "UPDATE runs SET owner_host='%s', owner_pid=%ld, heartbeat=(julianday('now')-2440587.5)*86400.0-%f WHERE id=%lld", host,
             pid, age, (long long)rid);
    CHECK(exec_path(path, sql) == SQLITE_OK);
}

/* Claims: a new run is ours; a live owner's (this host's live pid, or another
 * host's fresh heartbeat) is left alone and its epochs and finish are refused
 * to us; a dead pid of this host or a stale heartbeat is taken over with the
 * stored epochs kept; truncation keeps the first k epochs and their energy;
 * the heartbeat says when the claim was lost. */
static void test_claims(void) {
    char path[256], err[512], host[256];
    snprintf(path, sizeof path, "%s/claims.db", dir);
    gethostname(host, sizeof host);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    int created;
    int64_t sid = pt_store_study_get(st, "regime", "synth", "quick", "{}", &created, err, sizeof err);
    pt_run_info info = {.study_id = sid, .setup = 1, .batch_size = 32, .lr = 0.01, .repeat = 1, .phase = "train"};
    pt_run_claim c;
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_NEW && c.run_id > 0);
    int64_t rid = c.run_id;
    CHECK(query_double(st, "SELECT owner_pid FROM runs") == (double)getpid());
    CHECK(pt_store_run_heartbeat(st, rid, err, sizeof err) == 1);
    pt_epoch_component comp;
    for (int e = 1; e <= 3; e++) {
        pt_epoch_row row = make_epoch(e, &comp);
        CHECK(pt_store_epoch_add(st, rid, &row, err, sizeof err) == 0);
    }
    /* a live process of this host holds it (the parent of this test: alive) */
    set_owner(path, rid, host, (long)getppid(), 1);
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_BUSY);
    CHECK(c.run_id == rid && c.epochs == 3 && strstr(c.owner, host) && c.heartbeat_age_s < 60);
    CHECK(pt_store_run_begin(st, &info, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "being trained by");
    CHECK(pt_store_run_heartbeat(st, rid, err, sizeof err) == 0); /* lost */
    pt_epoch_row row4 = make_epoch(4, &comp);
    CHECK(pt_store_epoch_add(st, rid, &row4, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "claim");
    pt_run_result res = {.status = PT_RUN_DONE, .epochs = 3, .energy_j = 60, .method = "counter"};
    CHECK(pt_store_run_finish(st, rid, &res, err, sizeof err) == -1);
    CHECK(pt_store_run_truncate(st, rid, 1, err, sizeof err) == -1);
    CHECK(query_double(st, "SELECT count(*) FROM epochs") == 3);
    /* another host with a fresh heartbeat: busy; with a stale one: ours */
    set_owner(path, rid, "elsewhere", 1, 5);
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_BUSY);
    pt_store *own = pt_store_open(path, 0, err, sizeof err); /* a cluster task's private shard: ours at once */
    CHECK(own != NULL);
    if (own) {
        pt_store_claims_private(own);
        CHECK(pt_store_run_claim(own, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_RESUMED);
        pt_store_close(own);
    }
    set_owner(path, rid, "elsewhere", 1, pt_store_claim_stale_s() + 5);
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_RESUMED);
    CHECK(c.epochs == 3 && strcmp(c.owner, "elsewhere:1") == 0);
    CHECK(query_double(st, "SELECT count(*) FROM epochs") == 3); /* kept */
    /* a pid of this host that is gone: ours at once, whatever its heartbeat */
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    set_owner(path, rid, host, (long)child, 0);
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_RESUMED);
    CHECK(query_double(st, "SELECT owner_pid FROM runs") == (double)getpid());
    /* resume from a checkpoint after epoch 2: epoch 3 goes, with its energy */
    CHECK(pt_store_run_truncate(st, rid, 2, err, sizeof err) == 0);
    CHECK(query_double(st, "SELECT count(*) FROM epochs") == 2);
    CHECK(query_double(st, "SELECT count(*) FROM epoch_components") == 2);
    CHECK_NEAR(query_double(st, "SELECT energy_j FROM runs"), 30.0, 1e-12, 0);
    CHECK(query_double(st, "SELECT epochs FROM runs") == 2);
    CHECK(pt_store_run_release(st, rid, err, sizeof err) == 0);
    CHECK(isnan(query_double(st, "SELECT owner_pid FROM runs")));
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_RESUMED && c.owner[0] == 0);
    res.epochs = 2;
    CHECK(pt_store_run_finish(st, rid, &res, err, sizeof err) == 0);
    CHECK(isnan(query_double(st, "SELECT owner_pid FROM runs")));
    CHECK(pt_store_run_claim(st, &info, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_FINISHED);
    CHECK(c.status == PT_RUN_DONE);
    pt_store_close(st);
}

/* Six processes open one new store at once and find-or-create one study: all
 * succeed (one makes the schema, the others open it) and there is one study. */
static void test_open_race(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/race.db", dir);
    int gate[2];
    CHECK(pipe(gate) == 0);
    pid_t kids[6];
    for (int i = 0; i < 6; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char b, err[512];
            close(gate[1]);
            if (read(gate[0], &b, 1) != 0) _exit(3); /* all start when the gate closes */
            pt_store *st = pt_store_open(path, 1, err, sizeof err);
            if (!st) fprintf(stderr, "child %d: %s\n", i, err);
            int64_t sid = st ? pt_store_study_get(st, "regime", "synth", "quick", "{}", NULL, err, sizeof err) : -1;
            if (st && sid <= 0) fprintf(stderr, "child %d: %s\n", i, err);
            pt_store_close(st);
            _exit(sid > 0 ? 0 : 1);
        }
    }
    close(gate[0]);
    close(gate[1]);
    int ok = 0;
    for (int i = 0; i < 6; i++) {
        int w;
        waitpid(kids[i], &w, 0);
        ok += WIFEXITED(w) && WEXITSTATUS(w) == 0;
    }
    CHECK(ok == 6);
    CHECK(query_path(path, "SELECT count(*) FROM studies") == 1);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    test_lifecycle();
    test_refusals();
    test_bad_meta();
    test_readonly_media();
    test_migrate_v1();
    test_migrate_v2();
    test_migrate_v3();
    test_migrate_v5();
    test_disagreeing_repeats();
    test_migrate_rollback();
    test_kill9();
    test_claims();
    test_open_race();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_store");
}
