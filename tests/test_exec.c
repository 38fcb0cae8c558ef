/* test_exec.c -- `regime --exec` and `tune --exec` around a scripted trainer
 * (tests/exec/trainer.sh: each setup's accuracy per epoch is fixed, so every
 * run's end is known): each run ends as the script dictates, early stopping
 * ends the trainer at the right epoch (its own log), no process of it is
 * left, a crash is failed with its exit status and last lines, an epoch
 * without accuracy fails, placeholder values with spaces, quotes and ';'
 * reach the command as one argument, the report renders, and tune (live and
 * --replay) finds the grid's optimum.
 *   test_exec POWERTRAIN TRAINER_SH */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static const char *bin, *trainer;
static char dir[512], db[1024];

#include "cli_test.h"

static double pt_test_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The trainer's worker: "sleep 2999.<our pid>", so a test run beside this one is not counted. */
static char worker[32];

/* Processes whose command line is this run's worker's. */
static int workers_alive(void) {
    DIR *d = opendir("/proc");
    int n = 0;
    size_t wl = strlen(worker);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[64] = "";
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        if (k == 6 + wl + 1 && !memcmp(buf, "sleep", 6) && !memcmp(buf + 6, worker, wl + 1)) n++;
    }
    if (d) closedir(d);
    return n;
}

/* The last epoch the trainer's log says setup (bs, lr) finished, -1 none;
   *ended: it reached its own end line. */
static int last_done(const char *log, const char *bs_lr, int *ended) {
    FILE *f = fopen(log, "r");
    char line[256], want[64], end[64];
    int last = -1;
    snprintf(want, sizeof want, "done %s ", bs_lr);
    snprintf(end, sizeof end, "end %s", bs_lr);
    *ended = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, want, strlen(want))) last = atoi(line + strlen(want));
        if (!strncmp(line, end, strlen(end))) *ended = 1;
    }
    if (f) fclose(f);
    return last;
}

static double run_q(int setup, const char *col) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE setup = %d ORDER BY id DESC LIMIT 1", col, setup);
    return q1(sql);
}

static int reason_has(int setup, const char *like) {
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE setup = %d AND end_reason LIKE '%s'", setup, like);
    return q1(sql) == 1;
}

/* regime --exec over the 6 scripted setups in MODE (regex or marks). */
static int regime(const char *mode, const char *log, char *errbuf, size_t n) {
    char *args[] = {(char *)bin, "regime", "--db", db, "--batch-sizes", "16,32", "--lrs", "0.1,0.01,0.001",
                    "--repeats", "1", "--patience", "2", "--max-epochs", "6", "--grace", "2", "--epoch-regex",
                    "^epoch [0-9]+ done", "--acc-regex", "val_acc=([^ ]+)", "--loss-regex", "val_loss=([^ ]+)",
                    "--exec", "--", (char *)trainer, (char *)mode, (char *)log, "{batch_size}", "{lr}",
                    "{max_epochs}", "{run_dir}", "x; touch INJECTED '{lr}\" $(id) {seed}/{repeat} {{b}", NULL};
    if (!strcmp(mode, "marks")) /* no regexes: the marks FIFO */
        memmove(&args[16], &args[22], sizeof args - 22 * sizeof *args);
    return run(args, errbuf, n);
}

/* Every run as the script dictates, the early stop in the trainer's log. */
static void check_runs(const char *log) {
    CHECK(q1("SELECT COUNT(*) FROM runs") == 6);
    CHECK(run_q(1, "status = 'done'") == 1 && run_q(1, "epochs") == 4); /* target at 2, patience 2 */
    CHECK(run_q(2, "status = 'done'") == 1 && run_q(2, "epochs") == 6); /* the cap after the target */
    CHECK(run_q(3, "status = 'not_reached'") == 1 && run_q(3, "epochs") == 6);
    CHECK(reason_has(3, "epoch cap reached below the threshold%")); /* every end has its reason */
    CHECK(run_q(4, "status = 'diverged'") == 1 && run_q(4, "epochs") == 2);
    CHECK(run_q(5, "status = 'failed'") == 1 && reason_has(5, "exit status 3 after 1 epochs%CUDA out of memory%"));
    CHECK(run_q(6, "status = 'failed'") == 1 && reason_has(6, "epoch 1 reported no accuracy%"));
    CHECK(q1("SELECT COUNT(*) FROM runs WHERE energy_j > 0") == 6); /* every run's energy counts */
    CHECK(run_q(1, "energy_to_target_j < energy_j") == 1);
    CHECK(run_q(5, "energy_to_target_j IS NULL") == 1); /* a crashed run answers nothing */
    CHECK(q1("SELECT COUNT(*) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.setup = 1") == 4);
    CHECK(q1("SELECT val_acc FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.setup = 1 AND e.epoch = 2") == 0.85);
    int ended;
    CHECK(last_done(log, "16 0.1", &ended) == 4 && !ended); /* stopped after epoch 4, before epoch 5 ended */
    CHECK(last_done(log, "16 0.001", &ended) == 6);
    CHECK(last_done(log, "32 0.01", &ended) == 1 && !ended);
    CHECK(workers_alive() == 0); /* the trainer's group is gone with it */
}

static void test_regime_regex(void) {
    char log[700], err[65536];
    snprintf(db, sizeof db, "%s/regex.db", dir);
    snprintf(log, sizeof log, "%s/regex.log", dir);
    int rc = regime("regex", log, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s", err);
    CHECK(rc == 0);
    check_runs(log);
    CHECK(strstr(err, "setup 5 (batch 32, lr 0.01) repeat 1 failed: exit status 3") != NULL); /* said at once */
    CHECK(q1("SELECT json_extract(config_json, '$.exec.acc_regex') = 'val_acc=([^ ]+)' FROM studies") == 1);
    CHECK(q1("SELECT json_valid(config_json) FROM studies") == 1);
    char out[700];
    snprintf(out, sizeof out, "%s/report", dir);
    char *rep[] = {(char *)bin, "report", "--db", db, "--out", out, NULL};
    CHECK(run(rep, err, sizeof err) == 0);
    char html[800];
    snprintf(html, sizeof html, "%s/report.html", out);
    struct stat sb;
    CHECK(stat(html, &sb) == 0 && sb.st_size > 1000);
}

/* The marks FIFO, into a store whose path needs quoting: {run_dir} and the
   last argument arrive whole, nothing is injected. */
static void test_regime_marks(void) {
    char sub[700], log[800], err[65536];
    snprintf(sub, sizeof sub, "%s/it's \"a\" dir; touch INJECTED", dir);
    CHECK(mkdir(sub, 0777) == 0);
    snprintf(db, sizeof db, "%s/r $(id).db", sub);
    snprintf(log, sizeof log, "%s/marks.log", dir);
    int rc = regime("marks", log, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s", err);
    CHECK(rc == 0);
    check_runs(log);
    char args[2000], want[2000], got[4000] = "";
    snprintf(args, sizeof args, "%s.runs/study1/setup1-repeat1/args.txt", db);
    FILE *f = fopen(args, "r");
    CHECK(f != NULL);
    if (f) {
        size_t k = fread(got, 1, sizeof got - 1, f);
        got[k] = '\0';
        fclose(f);
    }
    snprintf(want, sizeof want, "marks\n%s\n16\n0.1\n6\n%s.runs/study1/setup1-repeat1\nx; touch INJECTED '0.1\" $(id) 1/1 {b}\n",
             log, db);
    CHECK(!strcmp(got, want));
    CHECK(access("INJECTED", F_OK) != 0);
}

/* tune --exec (live, exact) and tune --replay of the regex grid: setup 1 either way. */
static void test_tune(void) {
    char log[700], out[65536], regex_db[1024], regex_log[700];
    snprintf(regex_db, sizeof regex_db, "%s/regex.db", dir);
    snprintf(regex_log, sizeof regex_log, "%s/regex.log", dir); /* the command is the grid's, to the letter */
    snprintf(db, sizeof db, "%s/tune.db", dir);
    snprintf(log, sizeof log, "%s/tune.log", dir);
    char *args[] = {(char *)bin, "tune", "--db", db, "--space", "16,32:0.1,0.01,0.001", "--repeats", "1",
                    "--patience", "2", "--max-epochs", "6", "--grace", "2", "--exec", "--", (char *)trainer,
                    "marks", log, "{batch_size}", "{lr}", "{max_epochs}", "{run_dir}", NULL};
    int rc = run_capture(args, 1, out, sizeof out);
    CHECK(rc == 0);
    CHECK(strstr(out, "chosen: setup 1 (batch 16, lr 0.1)") != NULL);
    CHECK(q1("SELECT COUNT(*) FROM runs WHERE status = 'stopped'") >= 1); /* stopped at the target by the search */
    CHECK(workers_alive() == 0);
    char *rp[] = {(char *)bin, "tune", "--db", regex_db, "--space", "16,32:0.1,0.01,0.001", "--repeats", "1",
                  "--patience", "2", "--max-epochs", "6", "--grace", "2", "--epoch-regex", "^epoch [0-9]+ done",
                  "--acc-regex", "val_acc=([^ ]+)", "--loss-regex", "val_loss=([^ ]+)", "--replay", "--exec", "--",
                  (char *)trainer, "regex", regex_log, "{batch_size}", "{lr}", "{max_epochs}", "{run_dir}",
                  "x; touch INJECTED '{lr}\" $(id) {seed}/{repeat} {{b}", NULL};
    rc = run_capture(rp, 1, out, sizeof out);
    if (rc != 0) fprintf(stderr, "%s", out);
    CHECK(rc == 0 && strstr(out, "chosen: setup 1 (batch 16, lr 0.1)") != NULL);
}

/* A trainer that ignores SIGTERM (its worker too) is killed after --grace;
   the energy runs until it is gone. */
static void test_grace(void) {
    char script[700], err[8192];
    snprintf(script, sizeof script, "%s/stubborn.sh", dir);
    FILE *f = fopen(script, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("#!/bin/sh\ntrap '' TERM\nsleep \"$PT_EXEC_WORKER\" &\ne=0\nwhile :; do\n  e=$((e + 1))\n  sleep 0.2\n"
          "  echo \"epoch_end $e val_acc=0.9\" > \"$POWERTRAIN_MARKS\"\ndone\n", f);
    fclose(f);
    chmod(script, 0755);
    snprintf(db, sizeof db, "%s/grace.db", dir);
    char *args[] = {(char *)bin, "regime", "--db", db, "--batch-sizes", "16", "--lrs", "0.1", "--repeats", "1",
                    "--patience", "1", "--grace", "1.5", "--quiet", "--exec", "--", script, NULL};
    double t0 = pt_test_now();
    CHECK(run(args, err, sizeof err) == 0);
    double took = pt_test_now() - t0;
    CHECK(took >= 1.5 + 0.4); /* two epochs, then the whole grace period */
    CHECK(run_q(1, "status = 'done'") == 1 && run_q(1, "epochs") == 2);
    CHECK(q1("SELECT r.energy_j > SUM(e.energy_j) FROM runs r JOIN epochs e ON e.run_id = r.id") == 1);
    CHECK(workers_alive() == 0);
}

/* --slurm: the tasks' flags go before the --, the command stays last. */
static void test_slurm_line(void) {
    char out[65536];
    snprintf(db, sizeof db, "%s/slurm.db", dir);
    char *args[] = {(char *)bin, "regime", "--db", db, "--batch-sizes", "16", "--lrs", "0.1", "--repeats", "1",
                    "--slurm", "--dry-run", "--exec", "--", "/bin/echo", "a b", "{lr}", NULL};
    CHECK(run_capture(args, 1, out, sizeof out) == 0);
    CHECK(strstr(out, "'--exec' --db \"$db\" --task-index \"$i\" --resume '--' '/bin/echo' 'a b' '{lr}' &\n") != NULL);
}

/* Two cluster tasks (--task-index) into shards, merged: the runs, their
   epochs and end reasons come through, and the merged store reports. */
static void test_tasks_merge(void) {
    char shard[2][700], log[700], err[65536], into[700];
    snprintf(log, sizeof log, "%s/tasks.log", dir);
    for (int t = 0; t < 2; t++) {
        snprintf(shard[t], sizeof shard[t], "%s/shard%d.db", dir, t);
        char idx[8];
        snprintf(idx, sizeof idx, "%d", t == 0 ? 0 : 3); /* setups 1 (done) and 4 (32, 0.01: the crash) */
        char *args[] = {(char *)bin, "regime", "--db", shard[t], "--batch-sizes", "16,32", "--lrs", "0.1,0.01",
                        "--repeats", "1", "--patience", "2", "--max-epochs", "6", "--grace", "2", "--quiet",
                        "--task-index", idx, "--exec", "--", (char *)trainer, "marks", log, "{batch_size}", "{lr}",
                        "{max_epochs}", "{run_dir}", NULL};
        CHECK(run(args, err, sizeof err) == (t == 0 ? 0 : 1)); /* the only run of task 3 fails */
    }
    snprintf(into, sizeof into, "%s/merged.db", dir);
    char *merge[] = {(char *)bin, "merge", "--into", into, shard[0], shard[1], NULL};
    CHECK(run(merge, err, sizeof err) == 0);
    snprintf(db, sizeof db, "%s", into);
    CHECK(q1("SELECT COUNT(*) FROM runs") == 2);
    CHECK(run_q(1, "status = 'done'") == 1 && run_q(1, "epochs") == 4);
    CHECK(run_q(4, "status = 'failed'") == 1 && reason_has(4, "exit status 3%"));
    CHECK(q1("SELECT COUNT(*) FROM epochs") == 5);
    char out[700];
    snprintf(out, sizeof out, "%s/merged-report", dir);
    char *rep[] = {(char *)bin, "report", "--db", into, "--out", out, NULL};
    CHECK(run(rep, err, sizeof err) == 0);
}

/* Bad input: one line naming the flag, nothing run. */
static void test_refusals(void) {
    char err[4096];
    snprintf(db, sizeof db, "%s/bad.db", dir);
    char *unknown[] = {(char *)bin, "regime", "--db", db, "--exec", "--", "/bin/true", "{batchsize}", NULL};
    CHECK(run(unknown, err, sizeof err) == 2 && strstr(err, "unknown placeholder {batchsize}") && lines(err) == 1);
    char *group[] = {(char *)bin, "regime", "--db", db, "--acc-regex", "acc [0-9.]+", "--exec", "--", "/bin/true", NULL};
    CHECK(run(group, err, sizeof err) == 2 && strstr(err, "--acc-regex") && strstr(err, "one group"));
    char *missing[] = {(char *)bin, "regime", "--db", db, "--exec", "--", "no-such-trainer-xyz", NULL};
    CHECK(run(missing, err, sizeof err) == 2 && strstr(err, "cannot run 'no-such-trainer-xyz'"));
    char *model[] = {(char *)bin, "regime", "--db", db, "--model", "fmnist_cnn", "--exec", "--", "/bin/true", NULL};
    CHECK(run(model, err, sizeof err) == 2 && strstr(err, "--model does not apply with --exec"));
    char *nocmd[] = {(char *)bin, "regime", "--db", db, "--exec", NULL};
    CHECK(run(nocmd, err, sizeof err) == 2 && strstr(err, "--exec needs the command last"));
    char *pre[] = {(char *)bin, "pretrain", "--db", db, "--exec", "--", "/bin/true", NULL};
    CHECK(run(pre, err, sizeof err) == 2 && strstr(err, "only regime and tune"));
    CHECK(access(db, F_OK) != 0); /* nothing was stored */
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_exec POWERTRAIN TRAINER_SH\n");
        return 2;
    }
    bin = argv[1];
    trainer = argv[2];
    snprintf(dir, sizeof dir, "/tmp/pt_exec_XXXXXX");
    if (!mkdtemp(dir)) return 2;
    if (chdir(dir) != 0) return 2;
    setenv("POWERTRAIN_CLAIM_STALE_S", "90", 1);
    snprintf(worker, sizeof worker, "2999.%d", (int)getpid() % 100000);
    setenv("PT_EXEC_WORKER", worker, 1); /* the trainers' worker sleeps this long */
    test_refusals();
    test_regime_regex();
    test_regime_marks();
    test_tune();
    test_grace();
    test_slurm_line();
    test_tasks_merge();
    if (!pt_test_failures) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void)!system(cmd);
    }
    return pt_test_failures ? 1 : 0;
}
