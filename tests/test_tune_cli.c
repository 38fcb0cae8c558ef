/* test_tune_cli.c -- `powertrain tune` end to end on tiny synthetic PAMAP2
 * beside a regime grid of the same flags: probes stored, the search's runs
 * are the grid's runs cut short (the same accuracy epoch by epoch, never
 * longer), runs stopped at the target, regret and savings printed, --resume
 * trains nothing new, bad flags exit 2 with one line and store nothing.
 * argv[1] is the powertrain binary. */
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
static char dir[] = "/tmp/pt-tune-XXXXXX";
static char data[512], db[512];

#include "cli_test.h"


/* stdout into outbuf */
static int run_out(char *const args[], char *outbuf, size_t n) { return run_capture(args, 1, outbuf, n); }

/* 6 epochs: room past the epoch where the best setup first reaches the target, so the
   search can stop a run there (with 4 it may reach it only at the cap) */
#define COMMON "--dataset", "pamap2", "--data", data, "--repeats", "1", "--max-epochs", "6", "--patience", "2", \
               "--threads", "1", "--db", db, "--quiet"

static void test_tune_vs_grid(void) {
    char out[16384], err[8192];
    char *regime[] = {(char *)bin, "regime", COMMON, "--batch-sizes", "16,64", "--lrs", "0.01,0.0001", NULL};
    CHECK(run_out(regime, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "best setup by energy-to-target");
    if (strstr(out, "best setup by energy-to-target: setup")) /* its energy names its method */
        CHECK(strstr(out, " J (counter), mean") || strstr(out, " J (eq1), mean") || strstr(out, " J (estimated), mean"));
    char *tune[] = {(char *)bin, "tune", COMMON, "--space", "16,64:0.01,0.0001", "--mode", "exact", NULL};
    CHECK(run_out(tune, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "chosen: setup");
    CHECK_CONTAINS(out, "search energy:");
    CHECK_CONTAINS(out, "grid: regime study 1");
    CHECK_CONTAINS(out, "savings: the search spent");
    CHECK_CONTAINS(out, "What the search learnt:");
    CHECK(q1("SELECT count(*) FROM studies WHERE kind='tune'") == 1);
    /* one stored probe per batch size, with its steps */
    CHECK(q1("SELECT count(*) FROM runs r JOIN studies s ON s.id=r.study_id WHERE s.kind='tune' AND r.phase LIKE "
             "'probe-%' AND r.energy_j > 0 AND json_extract(r.config_json,'$.probe_steps') >= 2") == 2);
    /* the search's runs are the grid's runs, cut short: the same accuracy epoch by epoch */
    CHECK(q1("SELECT count(*) FROM runs r JOIN studies s ON s.id=r.study_id WHERE s.kind='tune' AND "
             "r.phase='train'") >= 1);
    CHECK(q1("SELECT count(*) FROM epochs te JOIN runs tr ON tr.id=te.run_id JOIN studies ts ON ts.id=tr.study_id "
             "AND ts.kind='tune' JOIN runs gr ON gr.study_id=1 AND gr.batch_size=tr.batch_size AND gr.lr=tr.lr AND "
             "gr.repeat=tr.repeat JOIN epochs ge ON ge.run_id=gr.id AND ge.epoch=te.epoch WHERE te.val_acc = "
             "ge.val_acc") == q1("SELECT count(*) FROM epochs te JOIN runs tr ON tr.id=te.run_id JOIN studies ts ON "
                                 "ts.id=tr.study_id AND ts.kind='tune'"));
    CHECK(q1("SELECT count(*) FROM epochs te JOIN runs tr ON tr.id=te.run_id JOIN studies ts ON ts.id=tr.study_id "
             "AND ts.kind='tune'") >= 1);
    /* the search never trains longer than the grid did */
    CHECK(q1("SELECT count(*) FROM runs tr JOIN studies ts ON ts.id=tr.study_id AND ts.kind='tune' JOIN runs gr ON "
             "gr.study_id=1 AND gr.batch_size=tr.batch_size AND gr.lr=tr.lr WHERE tr.phase='train' AND tr.epochs > "
             "gr.epochs") == 0);
    /* a run that reached the target was stopped there: its objective was known */
    CHECK(q1("SELECT count(*) FROM runs r JOIN studies s ON s.id=r.study_id WHERE s.kind='tune' AND "
             "r.status='stopped' AND r.energy_to_target_j > 0") >= 1);
    /* resuming a finished search trains nothing new */
    double runs = q1("SELECT count(*) FROM runs"), epochs = q1("SELECT count(*) FROM epochs");
    char *again[] = {(char *)bin, "tune", COMMON, "--space", "16,64:0.01,0.0001", "--mode", "exact", "--resume", NULL};
    CHECK(run_out(again, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "chosen: setup");
    CHECK(q1("SELECT count(*) FROM runs") == runs);
    CHECK(q1("SELECT count(*) FROM epochs") == epochs);
    /* replayed on the grid's own stored runs, exact mode's answer is the grid's optimum, and nothing is stored */
    double studies = q1("SELECT count(*) FROM studies");
    char *replay[] = {(char *)bin, "tune", COMMON, "--space", "16,64:0.01,0.0001", "--replay", NULL};
    CHECK(run_out(replay, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "replayed");
    if (strstr(out, "chosen: setup")) CHECK_CONTAINS(out, "regret: 0.0%");
    CHECK(q1("SELECT count(*) FROM studies") == studies);
    CHECK(q1("SELECT count(*) FROM runs") == runs);
    /* fast mode runs too, into its own study */
    char *fast[] = {(char *)bin, "tune", COMMON, "--space", "16,64:0.01,0.0001", "--mode", "fast", NULL};
    CHECK(run_out(fast, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "chosen:");
    CHECK(q1("SELECT count(*) FROM studies WHERE kind='tune' AND json_extract(config_json,'$.search.mode')='fast'") ==
          1);
    (void)err;
}

static void test_bad_flags(void) {
    char err[4096];
    double runs = q1("SELECT count(*) FROM runs");
    const char *bad[][2] = {{"--space", "16,64"},          {"--space", "16,x:0.1"}, {"--objective", "cost:7"},
                            {"--objective", "watts"},      {"--mode", "slow"},      {"--budget-j", "-5"},
                            {"--probe-steps", "0"},        {"--pmax", "300"},       {"--space", ":0.1"},
                            {"--space", "1,2,3,4,5,6,7,8,9:0.1"}, {"--space", "16:1,2,3,4,5,6,7,8,9"}};
    const char *want[] = {"--space", "--batch-sizes", "between 0 and 1", "--objective", "--mode", "--budget-j",
                          "--probe-steps", "--pmax", "--space",
                          "--space: at most 8 batch sizes and 8 learning rates (64 setups), got 9 x 1",
                          "--space: at most 8 batch sizes and 8 learning rates (64 setups), got 1 x 9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *args[] = {(char *)bin, "tune", "--dataset", "pamap2", "--data", data, "--db", db,
                        (char *)bad[i][0], (char *)bad[i][1], NULL};
        int rc = run(args, err, sizeof err);
        CHECK(rc == 2);
        CHECK(lines(err) == 1);
        CHECK_CONTAINS(err, want[i]);
        if (rc != 2 || lines(err) != 1) fprintf(stderr, "  %s %s -> %d: %s", bad[i][0], bad[i][1], rc, err);
    }
    CHECK(q1("SELECT count(*) FROM runs") == runs);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    snprintf(data, sizeof data, "%s/pamap2", dir);
    snprintf(db, sizeof db, "%s/t.db", dir);
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("POWERTRAIN_CACHE_DIR", cache, 1);
    char *synth[] = {(char *)bin, "synth", "pamap2", "--out", data, "--subjects", "4", "--seconds", "4",
                   "--difficulty", "0", NULL}; /* the easy set: this tests the machinery, not the data */
    CHECK(run(synth, NULL, 0) == 0);
    test_tune_vs_grid();
    test_bad_flags();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_tune_cli");
}
