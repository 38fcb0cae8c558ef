/* cli_test.h -- helpers for tests that run the powertrain binary: run it
 * with stderr captured, query its store, count lines. The including file
 * defines `bin`, `dir` (its temporary folder) and `db` before including. */
#ifndef PT_CLI_TEST_H
#define PT_CLI_TEST_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs bin with args; returns the exit code (128+signal). The stream
 * `capture` (1 stdout, 2 stderr) goes into buf (may be NULL), the other to
 * /dev/null. */
static int run_capture(char *const args[], int capture, char *buf, size_t n) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s.txt", dir, capture == 1 ? "stdout" : "stderr");
    pid_t pid = fork();
    if (pid == 0) {
        freopen(path, "w", capture == 1 ? stdout : stderr);
        freopen("/dev/null", "w", capture == 1 ? stderr : stdout);
        execv(bin, args);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    if (buf) {
        buf[0] = '\0';
        FILE *f = fopen(path, "r");
        if (f) {
            size_t k = fread(buf, 1, n - 1, f);
            buf[k] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* stderr into errbuf */
static int run(char *const args[], char *errbuf, size_t n) { return run_capture(args, 2, errbuf, n); }

static double q1(const char *sql) {
    sqlite3 *d;
    double v = -1;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(d); /* a failed open still allocates its handle */
        return -1;
    }
    sqlite3_busy_timeout(d, 5000);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(d, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(d);
    return v;
}

static inline int lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

#endif
