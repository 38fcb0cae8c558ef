/* test_cli_check_only.c -- the check-only mode that fuzz_cli runs the CLI in
 * (cli.h pt_cli_set_check_only): every verb still refuses bad arguments with exit 2,
 * accepts good ones with exit 0, and touches nothing: no store, folder, JSON or
 * data file is made, nothing is trained or measured. Off, the same good arguments
 * do their work (synth writes its folder). Built from the powertrain command's own
 * sources (tests/fuzz/harnesses.cmake PT_FUZZ_SOURCES_cli). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "test.h"

static char dir[256];

/* pt_cli_main over "powertrain" and the NULL-terminated arguments. */
static int cli(const char *first, ...) {
    char *argv[64];
    int argc = 0;
    argv[argc++] = "powertrain";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return pt_cli_main(argc, argv);
}

static const char *in_dir(const char *name) {
    static char paths[8][512];
    static int k;
    char *p = paths[k++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void test_nothing_touched(void) {
    pt_cli_set_check_only(1);
    CHECK(cli("synth", "pamap2", "--out", in_dir("synth"), "--subjects", "1", "--seconds", "2", NULL) == 0);
    CHECK(!exists(in_dir("synth")));
    CHECK(cli("measure", "--out", in_dir("m"), "--json", in_dir("m.json"), "--", "sleep", "5", NULL) == 0);
    CHECK(!exists(in_dir("m")) && !exists(in_dir("m.json")));
    CHECK(cli("devices", "--json", in_dir("d.json"), "--period-s", "5", NULL) == 0);
    CHECK(!exists(in_dir("d.json")));
    CHECK(cli("train", "--dataset", "fmnist", "--batch-size", "64", "--lr", "0.01", "--db", in_dir("t.db"), NULL) == 0);
    CHECK(!exists(in_dir("t.db")));
    CHECK(cli("regime", "--dataset", "fmnist", "--db", in_dir("r.db"), NULL) == 0);
    CHECK(cli("regime", "--dataset", "fmnist", "--slurm", "--db", in_dir("r.db"), NULL) == 0);
    CHECK(!exists(in_dir("r.db")) && !exists(in_dir("r.db.slurm")));
    CHECK(cli("merge", "--into", in_dir("into.db"), in_dir("shard.db"), NULL) == 0);
    CHECK(!exists(in_dir("into.db")));
    CHECK(cli("report", "--db", in_dir("none.db"), "--out", in_dir("rep"), NULL) == 0);
    CHECK(!exists(in_dir("rep")));
    CHECK(cli("data", "info", "--dataset", "pamap2", "--data", in_dir("none"), "--cache-dir", in_dir("cache"), NULL) == 0);
    CHECK(!exists(in_dir("cache")));
    CHECK(cli("models", "fmnist_cnn", "--brief", NULL) == 0);
}

static void test_still_refused(void) {
    pt_cli_set_check_only(1);
    CHECK(cli("synth", "pamap2", NULL) == PT_EXIT_USAGE); /* --out is required */
    CHECK(cli("measure", "--interval", "0", "--", "true", NULL) == PT_EXIT_USAGE);
    CHECK(cli("measure", "--epoch-regex", "(", "--", "true", NULL) == PT_EXIT_USAGE); /* compiled in the checks */
    CHECK(cli("train", "--dataset", "fmnist", "--lr", "0.1", NULL) == PT_EXIT_USAGE);
    CHECK(cli("regime", "--dataset", "fmnist", "--lrs", "0.1,0.1", NULL) == PT_EXIT_USAGE);
    CHECK(cli("report", "--db", "x", NULL) == PT_EXIT_USAGE);
    CHECK(cli("merge", "--into", "x", NULL) == PT_EXIT_USAGE);
    CHECK(cli("nosuchverb", NULL) == PT_EXIT_USAGE);
}

static void test_off_does_the_work(void) {
    pt_cli_set_check_only(0);
    CHECK(!pt_cli_check_only());
    CHECK(cli("synth", "pamap2", "--out", in_dir("synth"), "--subjects", "1", "--seconds", "2", NULL) == 0);
    CHECK(exists(in_dir("synth")));
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pt_check_only_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    CHECK(!pt_cli_check_only()); /* off unless set */
    test_nothing_touched();
    test_still_refused();
    test_off_does_the_work();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return pt_test_finish("test_cli_check_only");
}
