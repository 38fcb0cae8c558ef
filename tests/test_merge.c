/* test_merge.c -- `powertrain merge`: shard stores (written here through the
 * store API) merged into one store; a second merge adds nothing; hosts, GPUs,
 * epochs and components kept; a shard of schema version 2 accepted; finished runs never replaced by
 * unfinished ones and unfinished ones replaced by finished ones; --final;
 * shards of another schema version or another study refused with one line
 * naming the file, exit 2, nothing written. argv[1] is the powertrain binary. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

static const char *bin;
static char dir[] = "/tmp/pt-merge-XXXXXX";
static char out[8192], errbuf[8192];

static const char *path(const char *name) {
    static char buf[8][600];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void slurp(const char *file, char *buf, size_t n) {
    buf[0] = '\0';
    FILE *f = fopen(file, "r");
    if (!f) return;
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = '\0';
    fclose(f);
}

/* powertrain merge ARGS...; stdout in out, stderr in errbuf; the exit code. */
static int merge7(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5, const char *a6,
                  const char *a7) {
    const char *args[] = {bin, "merge", a1, a2, a3, a4, a5, a6, a7, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(path("out.txt"), "w", stdout) || !freopen(path("err.txt"), "w", stderr)) _exit(98);
        execv(bin, (char *const *)args);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    slurp(path("out.txt"), out, sizeof out);
    slurp(path("err.txt"), errbuf, sizeof errbuf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
#define merge(a1, a2, a3, a4, a5, a6) merge7(a1, a2, a3, a4, a5, a6, NULL)

static double q1(const char *db, const char *sql) {
    sqlite3 *d;
    double v = -1;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(d);
        return -1;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(d, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_type(q, 0) == SQLITE_NULL ? -2 : sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(d);
    return v;
}

static const char *CONFIG = "{\"model\":\"pamap2_cnn\",\"max_epochs\":3}";

/* A shard: one study (config), one run of (setup, repeat) with `epochs`
 * epochs, finished as `status` (PT_RUN_RUNNING leaves it running), on host. */
static void make_shard(const char *file, const char *config, int setup, int repeat, int epochs, pt_run_status status,
                       const char *host) {
    char err[512];
    pt_store *st = pt_store_open(file, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return;
    int64_t study = pt_store_study_get(st, "regime", "pamap2", "quick", config, NULL, err, sizeof err);
    pt_run_info ri = {.study_id = study, .setup = setup, .batch_size = 16, .lr = 0.01, .repeat = repeat,
                      .phase = "train", .device = "cpu", .host = host, .cpu = "Test CPU", .gpu = "Test GPU",
                      .config_json = "{\"seed\":1}"};
    int64_t run = pt_store_run_begin(st, &ri, err, sizeof err);
    CHECK(run > 0);
    for (int e = 1; e <= epochs; e++) {
        pt_epoch_component c;
        memset(&c, 0, sizeof c);
        strcpy(c.name, "gpu-0");
        strcpy(c.source, "nvml");
        strcpy(c.method, "counter");
        c.energy_j = c.counter_j = 10.0 * e;
        c.eq1_j = 9.5 * e;
        c.mean_w = c.peak_w = 100;
        c.samples = 5;
        pt_epoch_row r = {.epoch = e, .seconds = 0.1, .train_loss = 1.0 / e, .val_loss = 1.0 / e, .val_acc = 0.5,
                          .energy_j = 10.0 * e, .eq1_j = 9.5 * e, .counter_j = 10.0 * e, .method = "counter",
                          .ncomponents = 1, .components = &c};
        CHECK(pt_store_epoch_add(st, run, &r, err, sizeof err) == 0);
    }
    if (status != PT_RUN_RUNNING) {
        pt_run_result rr = {status, epochs, 0.5, 1.0, 10.0 * epochs, NAN, "counter",
                            status == PT_RUN_FAILED ? "out of memory on the node" : NULL, NAN, NAN, 0};
        CHECK(pt_store_run_finish(st, run, &rr, err, sizeof err) == 0);
    }
    pt_store_close(st);
}

static int lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    char t[600];
    snprintf(t, sizeof t, "%s", path("t.db"));
    make_shard(path("a.db"), CONFIG, 1, 1, 2, PT_RUN_DONE, "node-a");
    make_shard(path("b.db"), CONFIG, 2, 1, 1, PT_RUN_RUNNING, "node-b");

    /* first merge: both runs with their epochs, components and hosts */
    CHECK(merge("--into", t, path("a.db"), path("b.db"), NULL, NULL) == 0);
    CHECK_CONTAINS(out, "2 runs added, 0 replaced, 0 unchanged; 3 epochs\n");
    CHECK(strstr(out, "samples") == NULL);
    CHECK(q1(t, "SELECT count(*) FROM studies") == 1);
    CHECK(q1(t, "SELECT count(*) FROM studies WHERE kind='regime' AND dataset='pamap2' AND preset='quick' AND "
                "config_json='{\"model\":\"pamap2_cnn\",\"max_epochs\":3}'") == 1);
    CHECK(q1(t, "SELECT count(*) FROM runs") == 2);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=1 AND host='node-a' AND status='done' AND gpu='Test GPU' AND "
                "cpu='Test CPU' AND energy_j=20") == 1);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=2 AND host='node-b' AND status='running'") == 1);
    CHECK(q1(t, "SELECT count(*) FROM epochs") == 3);
    CHECK(q1(t, "SELECT count(*) FROM epoch_components") == 3);
    CHECK(q1(t, "SELECT sum(eq1_j) FROM epoch_components") == 9.5 * 4);
    CHECK(q1(t, "SELECT count(*) FROM sqlite_master WHERE name='samples'") == 0);
    CHECK(q1(t, "SELECT value FROM meta WHERE key='schema_version'") == PT_STORE_SCHEMA_VERSION);
    CHECK(q1(t, "SELECT count(*) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.setup = 1") == 2);

    /* merging again adds nothing */
    double stamp = q1(t, "SELECT sum(id * 1000 + epochs) FROM runs");
    CHECK(merge("--into", t, path("a.db"), path("b.db"), NULL, NULL) == 0);
    CHECK_CONTAINS(out, "0 runs added, 0 replaced, 2 unchanged; 0 epochs");
    CHECK(q1(t, "SELECT count(*) FROM runs") == 2);
    CHECK(q1(t, "SELECT count(*) FROM epochs") == 3);
    CHECK(q1(t, "SELECT sum(id * 1000 + epochs) FROM runs") == stamp);

    /* a finished copy replaces the unfinished run; an unfinished one never replaces a finished run */
    make_shard(path("c.db"), CONFIG, 2, 1, 4, PT_RUN_NOT_REACHED, "node-c");
    make_shard(path("d.db"), CONFIG, 1, 1, 5, PT_RUN_RUNNING, "node-d");
    make_shard(path("e.db"), CONFIG, 1, 1, 1, PT_RUN_FAILED, "node-e");
    CHECK(merge("--into", t, path("c.db"), path("d.db"), path("e.db"), NULL) == 0);
    CHECK_CONTAINS(out, "0 runs added, 1 replaced, 2 unchanged");
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=2 AND host='node-c' AND status='not_reached' AND epochs=4") ==
          1);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=1 AND host='node-a' AND status='done' AND epochs=2") == 1);
    CHECK(q1(t, "SELECT count(*) FROM epochs") == 6);
    CHECK(q1(t, "SELECT count(*) FROM epoch_components") == 6);
    /* a failed run's reason (schema 4: runs.end_reason) is copied with it */
    CHECK(merge("--into", path("reason.db"), path("e.db"), NULL, NULL, NULL) == 0);
    CHECK(q1(path("reason.db"), "SELECT count(*) FROM runs WHERE status='failed' AND "
                                "end_reason='out of memory on the node'") == 1);

    /* --final: a run a killed task left running is stored as failed; a later finished copy replaces it */
    make_shard(path("f.db"), CONFIG, 3, 2, 2, PT_RUN_RUNNING, "node-f");
    CHECK(merge7("--into", t, "--study", "1", "--final", path("f.db"), NULL) == 0);
    CHECK_CONTAINS(out, "1 unfinished run stored as failed");
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=3 AND repeat=2 AND status='failed' AND epochs=2") == 1);
    make_shard(path("g.db"), CONFIG, 3, 2, 3, PT_RUN_DONE, "node-g");
    CHECK(merge("--into", t, path("g.db"), NULL, NULL, NULL) == 0);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE setup=3 AND repeat=2 AND status='done' AND host='node-g'") == 1);
    CHECK(q1(t, "SELECT count(*) FROM runs") == 3);

    /* refusals: exit 2, one line naming the file, nothing written (not even the good shard before it) */
    stamp = q1(t, "SELECT sum(id * 1000 + epochs) FROM runs");
    double nepochs = q1(t, "SELECT count(*) FROM epochs");
    make_shard(path("h.db"), CONFIG, 4, 1, 1, PT_RUN_DONE, "node-h"); /* good, new */
    sqlite3 *d;
    sqlite3_open(path("v9.db"), &d);
    sqlite3_exec(d, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema_version','9');",
                 NULL, NULL, NULL);
    sqlite3_close(d);
    CHECK(merge("--into", t, path("h.db"), path("v9.db"), NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "v9.db");
    CHECK_CONTAINS(errbuf, "schema version 9");
    CHECK(lines(errbuf) == 1);
    make_shard(path("other.db"), "{\"model\":\"pamap2_cnn\",\"max_epochs\":7}", 1, 1, 1, PT_RUN_DONE, "x");
    CHECK(merge("--into", t, path("h.db"), path("other.db"), NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "other.db: a shard of another study");
    CHECK_CONTAINS(errbuf, "max_epochs 7, not 3");
    CHECK(lines(errbuf) == 1);
    CHECK(merge7("--into", t, "--study", "1", path("other.db"), NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "other.db");
    CHECK(lines(errbuf) == 1);
    CHECK(merge("--into", t, path("h.db"), path("missing.db"), NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "missing.db: no such file");
    CHECK(merge("--into", t, path("h.db"), t, NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "is the store being merged into");
    CHECK(merge7("--into", t, "--study", "7", path("h.db"), NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "no study 7");
    CHECK(q1(t, "SELECT sum(id * 1000 + epochs) FROM runs") == stamp);
    CHECK(q1(t, "SELECT count(*) FROM epochs") == nepochs);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE host='node-h'") == 0);
    /* a target of another schema version is refused and untouched */
    CHECK(merge("--into", path("v9.db"), path("h.db"), NULL, NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "schema version 9");
    CHECK(q1(path("v9.db"), "SELECT count(*) FROM sqlite_master WHERE name='runs'") == 0);
    /* a new target is not created when a shard is bad */
    CHECK(merge("--into", path("new.db"), path("other.db"), path("h.db"), NULL, NULL) == 2);
    CHECK(access(path("new.db"), F_OK) != 0);
    CHECK(merge7("--into", path("new.db"), "--study", "1", path("h.db"), NULL, NULL) == 2);
    CHECK(access(path("new.db"), F_OK) != 0);
    /* usage */
    CHECK(merge(path("h.db"), NULL, NULL, NULL, NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "--into");
    CHECK(merge("--into", t, NULL, NULL, NULL, NULL) == 2);
    CHECK_CONTAINS(errbuf, "no shard");
    CHECK(merge("--help", NULL, NULL, NULL, NULL, NULL) == 0);
    CHECK_CONTAINS(out, "--into FILE");
    /* the good shard alone merges */
    CHECK(merge("--into", t, path("h.db"), NULL, NULL, NULL) == 0);
    CHECK(q1(t, "SELECT count(*) FROM runs WHERE host='node-h'") == 1);
    CHECK(q1(t, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1);

    /* a shard of schema version 2 (tests/golden/failed.db, by the code of ffdf6f6) merges into a new store */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s/failed.db' '%s'", PT_GOLDEN_DIR, path("v2.db"));
    CHECK(system(cmd) == 0);
    CHECK(q1(path("v2.db"), "SELECT value FROM meta WHERE key='schema_version'") == 2);
    CHECK(merge("--into", path("from2.db"), path("v2.db"), NULL, NULL, NULL) == 0);
    CHECK(q1(path("from2.db"), "SELECT count(*) FROM runs") == q1(path("v2.db"), "SELECT count(*) FROM runs"));
    CHECK(q1(path("from2.db"), "SELECT count(*) FROM epochs") == q1(path("v2.db"), "SELECT count(*) FROM epochs"));
    CHECK(q1(path("from2.db"), "SELECT value FROM meta WHERE key='schema_version'") == PT_STORE_SCHEMA_VERSION);
    CHECK(q1(path("v2.db"), "SELECT value FROM meta WHERE key='schema_version'") == 2); /* the shard untouched */
    CHECK(q1(path("from2.db"), "SELECT count(*) FROM runs WHERE end_reason IS NULL") ==
          q1(path("v2.db"), "SELECT count(*) FROM runs")); /* no column in the shard: no reason */

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_merge");
}
