/* test_regime.c -- the regime study end to end on tiny synthetic PAMAP2:
 * every run stored with a final status, epochs and energy; kill -9 in the
 * middle then --resume gives the same finished runs, none duplicated, no
 * half-written epochs; bad flags exit 2 with one line and touch no stored
 * result. argv[1] is the powertrain binary. */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static const char *bin;
static char dir[] = "/tmp/pt-regime-XXXXXX";
static char data[512], db[512];

#include "cli_test.h"

#define GRID "--batch-sizes", "16,64", "--lrs", "0.01,0.0001", "--repeats", "2"

static void test_study(void) {
    char err[8192];
    char *args[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, GRID, "--max-epochs", "3",
                    "--patience", "2", "--threads", "1", "--db", db, "--quiet", "--idle", "0.2", NULL};
    CHECK(run(args, err, sizeof err) == 0);
    /* the idle baseline measured first is stored with every run */
    CHECK(q1("SELECT count(*) FROM runs WHERE json_extract(config_json, '$.idle_w') > 0") == 8);
    CHECK(q1("SELECT count(*) FROM runs") == 8);
    CHECK(q1("SELECT count(*) FROM runs WHERE status IN ('done','not_reached','diverged')") == 8);
    CHECK(q1("SELECT count(*) FROM runs WHERE epochs < 1 OR energy_j <= 0 OR method IS NULL") == 0);
    CHECK(q1("SELECT count(*) FROM epochs") == q1("SELECT sum(epochs) FROM runs"));
    CHECK(q1("SELECT count(DISTINCT setup) FROM runs") == 4);
    CHECK(q1("SELECT count(*) FROM runs WHERE host IS NULL OR device IS NULL") == 0);
    /* lr 0.01 learns this data within the cap */
    CHECK(q1("SELECT count(*) FROM runs WHERE lr=0.01 AND status='done'") >= 1);
    /* resuming a finished study trains nothing new */
    char *again[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, GRID, "--max-epochs", "3",
                     "--patience", "2", "--threads", "1", "--db", db, "--quiet", "--resume", NULL};
    double epochs_before = q1("SELECT count(*) FROM epochs");
    CHECK(run(again, err, sizeof err) == 0);
    CHECK(q1("SELECT count(*) FROM runs") == 8);
    CHECK(q1("SELECT count(*) FROM epochs") == epochs_before);
    CHECK(q1("SELECT count(*) FROM studies") == 1);
}

/* the progress line: runs done/total, elapsed, and once a run was measured
   what is left; the end: how many setups reached the target (also on resume) */
static void test_progress(void) {
    char err[8192], out[4096];
    snprintf(db, sizeof db, "%s/progress.db", dir);
    char *args[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, "--batch-sizes", "16", "--lrs",
                    "0.01,0.0001", "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--db", db, NULL};
    CHECK(run(args, err, sizeof err) == 0);
    CHECK_CONTAINS(err, "[1/2] setup 1: batch 16, lr 0.01, repeat 1; 0 s elapsed\n");
    CHECK_CONTAINS(err, "[2/2] setup 2: batch 16, lr 0.0001, repeat 1; ");
    CHECK_CONTAINS(err, "s left\n");
    CHECK(!strstr(err, "nan") && !strstr(err, " inf"));
    char *again[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, "--batch-sizes", "16", "--lrs",
                     "0.01,0.0001", "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--db", db, "--resume",
                     "--quiet", NULL};
    CHECK(run_capture(again, 1, out, sizeof out) == 0);
    double reached = q1("SELECT count(DISTINCT setup) FROM runs WHERE energy_to_target_j IS NOT NULL");
    char want[96];
    snprintf(want, sizeof want, "%.0f of 2 setups reached the target (val acc 0.8) in at least one of 1 repeats",
             reached);
    CHECK_CONTAINS(out, want);
}

static void test_kill_resume(void) {
    char err[8192];
    snprintf(db, sizeof db, "%s/kill.db", dir);
    char *args[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, GRID, "--max-epochs", "12",
                    "--patience", "12", "--threshold", "1.0", "--threads", "1", "--db", db, "--quiet", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        freopen("/dev/null", "w", stdout);
        execv(bin, args);
        _exit(99);
    }
    /* wait until two runs are finished and a third has epochs, then kill -9 */
    int waited = 0;
    for (; waited < 6000; waited++) { /* up to 5 minutes: sanitized builds on a shared machine are slow */
        usleep(50000);
        if (q1("SELECT count(*) FROM runs WHERE status != 'running'") >= 2 &&
            q1("SELECT count(*) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.status = 'running'") >= 1)
            break;
    }
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st));
    double finished = q1("SELECT count(*) FROM runs WHERE status != 'running'");
    double stamp = q1("SELECT sum(id * 1000 + epochs) FROM runs WHERE status != 'running'");
    fprintf(stderr, "killed with %.0f finished runs after %.1f s\n", finished, waited * 0.05);
    CHECK(finished >= 2 && finished < 8);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'running'") == 1);
    CHECK(q1("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1);

    char *resume[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, GRID, "--max-epochs", "12",
                      "--patience", "12", "--threshold", "1.0", "--threads", "1", "--db", db, "--quiet", "--resume",
                      NULL};
    CHECK(run(resume, err, sizeof err) == 0);
    CHECK(q1("SELECT count(*) FROM runs") == 8);
    CHECK(q1("SELECT count(*) FROM studies") == 1);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'running'") == 0);
    /* the runs finished before the kill are untouched */
    CHECK(q1("SELECT count(*) FROM runs WHERE status != 'running'") == 8);
    /* the runs finished before the kill (ids 1..finished: runs begin in order) are untouched */
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT sum(id * 1000 + epochs) FROM runs WHERE id <= %d", (int)finished);
    CHECK(q1(sql) == stamp);
    CHECK(q1("SELECT max(id) FROM runs") == 8);
    /* every run's epochs are whole and numbered 1..epochs */
    CHECK(q1("SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM epochs e WHERE e.run_id = r.id) != r.epochs") == 0);
    CHECK(q1("SELECT count(*) FROM runs r WHERE (SELECT max(epoch) FROM epochs e WHERE e.run_id = r.id) != r.epochs") ==
          0);
}

static void test_bad_flags(void) {
    char err[8192];
    snprintf(db, sizeof db, "%s/v9.db", dir);
    /* a store of another schema version */
    sqlite3 *d;
    sqlite3_open(db, &d);
    sqlite3_exec(d, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema_version','9');"
                    "CREATE TABLE runs(id INTEGER PRIMARY KEY, x); INSERT INTO runs VALUES(1, 'keep');",
                 NULL, NULL, NULL);
    sqlite3_close(d);
    struct {
        const char *flag, *value, *expect;
    } cases[] = {{"--batch-sizes", "-5", "--batch-sizes"},
                 {"--lrs", "0", "--lrs"},
                 {"--dataset", "mnist", "unknown dataset 'mnist'"},
                 {"--data", "/nonexistent/pamap2", "/nonexistent/pamap2"},
                 {"--preset", "huge", "--preset"},
                 {"--db", db, "schema version 9"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *args[12];
        int k = 0;
        args[k++] = (char *)bin;
        args[k++] = "regime";
        if (strcmp(cases[i].flag, "--dataset") != 0) {
            args[k++] = "--dataset";
            args[k++] = "pamap2";
        }
        if (strcmp(cases[i].flag, "--data") != 0) {
            args[k++] = "--data";
            args[k++] = data;
        }
        args[k++] = (char *)cases[i].flag;
        args[k++] = (char *)cases[i].value;
        if (strcmp(cases[i].flag, "--db") != 0) {
            args[k++] = "--db";
            args[k++] = db;
        }
        args[k] = NULL;
        int rc = run(args, err, sizeof err);
        CHECK(rc == 2);
        CHECK_CONTAINS(err, cases[i].expect);
        CHECK(lines(err) == 1);
        if (rc != 2 || lines(err) != 1) fprintf(stderr, "case %s %s: rc %d: %s\n", cases[i].flag, cases[i].value, rc, err);
    }
    /* nothing stored was touched */
    CHECK(q1("SELECT count(*) FROM runs WHERE x = 'keep'") == 1);
    CHECK(q1("SELECT value FROM meta WHERE key = 'schema_version'") == 9);
    char *train_args[] = {(char *)bin, "train", "--dataset", "pamap2", "--data", data, "--batch-size", "0", "--lr", "0.1", NULL};
    CHECK(run(train_args, err, sizeof err) == 2);
    CHECK_CONTAINS(err, "--batch-size");
    char *train_lr[] = {(char *)bin, "train", "--dataset", "pamap2", "--data", data, "--batch-size", "8", "--lr", "-1", NULL};
    CHECK(run(train_lr, err, sizeof err) == 2);
    CHECK_CONTAINS(err, "--lr");
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    snprintf(data, sizeof data, "%s/pamap2", dir);
    snprintf(db, sizeof db, "%s/r.db", dir);
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("POWERTRAIN_CACHE_DIR", cache, 1);
    char *synth[] = {(char *)bin, "synth", "pamap2", "--out", data, "--subjects", "4", "--seconds", "4",
                   "--difficulty", "0", NULL}; /* the easy set: this tests the machinery, not the data */
    CHECK(run(synth, NULL, 0) == 0);
    test_study();
    test_progress();
    test_kill_resume();
    test_bad_flags();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_regime");
}
