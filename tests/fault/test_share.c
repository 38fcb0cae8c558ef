/* test_share.c -- two processes on one store share its grid (store.h,
 * "Claims"): started together with --resume, they find one study, each run
 * is trained by exactly one of them, both train some, and every epoch is
 * stored once. When one is killed with SIGKILL in the middle of a run, the
 * other takes that run over (its owner's pid is gone) and finishes the grid
 * alone. argv[1] is the powertrain binary. */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static const char *bin;
static char dir[] = "/tmp/pt-share-XXXXXX";
static char data[512], db[512];

#include "cli_test.h"

#define ARGS                                                                                                       \
    {(char *)bin, "regime", "--dataset", "pamap2", "--data", data, "--batch-sizes", "16,64", "--lrs", "0.01,0.001",  \
     "--repeats", "2", "--max-epochs", "4", "--patience", "4", "--threshold", "1.0", "--threads", "1", "--device",  \
     "cpu", "--db", db, "--resume", NULL}

/* Starts the study with stderr into dir/NAME.txt. */
static pid_t start(const char *name) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    char *args[] = ARGS;
    pid_t pid = fork();
    if (pid == 0) {
        freopen(path, "w", stderr);
        freopen("/dev/null", "w", stdout);
        execv(bin, args);
        _exit(99);
    }
    return pid;
}

/* Lines of dir/NAME.txt holding needle. */
static int count_lines(const char *name, const char *needle) {
    char path[600], line[1024];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
    if (f) fclose(f);
    return n;
}

static int exit_code(pid_t pid) {
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void check_whole(void) {
    CHECK(q1("SELECT count(*) FROM studies") == 1);
    CHECK(q1("SELECT count(*) FROM runs") == 8);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'running' OR owner_pid IS NOT NULL") == 0);
    CHECK(q1("SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM epochs e WHERE e.run_id = r.id) != r.epochs") == 0);
    CHECK(q1("SELECT count(*) FROM runs r WHERE abs((SELECT sum(energy_j) FROM epochs e WHERE e.run_id = r.id) - "
             "r.energy_j) > 1e-9 * (1 + r.energy_j)") == 0);
}

static void test_two_together(void) {
    snprintf(db, sizeof db, "%s/two.db", dir);
    pid_t a = start("a"), b = start("b");
    int ra = exit_code(a), rb = exit_code(b);
    CHECK(ra == 0 && rb == 0);
    if (ra != 0 || rb != 0) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "tail -5 '%s/a.txt' '%s/b.txt' >&2", dir, dir);
        if (system(cmd) != 0) fprintf(stderr, "no stderr\n");
    }
    check_whole();
    int ta = count_lines("a", "  -> "), tb = count_lines("b", "  -> ");
    int busy = count_lines("a", "left to it") + count_lines("b", "left to it");
    fprintf(stderr, "two processes: %d and %d runs trained, %d left to the other\n", ta, tb, busy);
    CHECK(ta + tb == 8); /* each run trained once */
    CHECK(ta >= 1 && tb >= 1);
}

static void test_one_killed(void) {
    snprintf(db, sizeof db, "%s/killed.db", dir);
    pid_t a = start("ka"), b = start("kb");
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE owner_pid = %d AND epochs >= 1", (int)a);
    int waited = 0;
    for (; waited < 3000 && q1(sql) < 1; waited++) usleep(50000);
    CHECK(waited < 3000);
    kill(a, SIGKILL);
    CHECK(exit_code(a) == 128 + SIGKILL);
    int rb = exit_code(b);
    CHECK(rb == 0); /* b took over a's run (at once, or on its retry pass) */
    if (rb != 0) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "tail -20 '%s/kb.txt' >&2", dir);
        if (system(cmd) != 0) fprintf(stderr, "no stderr of b\n");
    }
    check_whole();
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    snprintf(data, sizeof data, "%s/pamap2", dir);
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("POWERTRAIN_CACHE_DIR", cache, 1);
    char *synth[] = {(char *)bin, "synth", "pamap2", "--out", data, "--subjects", "4", "--seconds", "4",
                   "--difficulty", "0", NULL}; /* the easy set: this tests the machinery, not the data */
    CHECK(run(synth, NULL, 0) == 0);
    test_two_together();
    test_one_killed();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_share");
}
