/* test_slurm_quote.c -- what the SLURM scripts carry: pt_shell_quote gives one
 * shell word that sh reads back byte for byte (blanks, both quotes, $(...),
 * backticks, ;, #, %), cut output stays terminated; pt_find_control finds
 * bytes < 0x20 and 0x7f; pt_slurm_check_study refuses a control character in
 * --db, the binary or a task's flag (naming the flag) and a backslash in --db. */
#include <stdio.h>
#include <string.h>

#include "study/slurm.h"
#include "test.h"
#include "util/str.h"

/* s quoted, then echoed by sh: 1 when it comes back unchanged. */
static int round_trip(const char *s) {
    char q[1024], cmd[1200], got[1024] = "";
    pt_shell_quote(q, sizeof q, s);
    snprintf(cmd, sizeof cmd, "printf '%%s' %s", q);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    size_t n = fread(got, 1, sizeof got - 1, p);
    got[n] = '\0';
    int rc = pclose(p);
    return rc == 0 && strcmp(got, s) == 0;
}

static void test_quote(void) {
    char q[64];
    CHECK(pt_shell_quote(q, sizeof q, "a b") == 5);
    CHECK_STR(q, "'a b'");
    CHECK(pt_shell_quote(q, sizeof q, "it's") == 9);
    CHECK_STR(q, "'it'\\''s'");
    CHECK(pt_shell_quote(q, sizeof q, "") == 2);
    CHECK_STR(q, "''");
    CHECK(pt_shell_quote(NULL, 0, "abc") == 5); /* measures */
    CHECK(pt_shell_quote(q, 4, "abcdef") == 8); /* cut, terminated */
    CHECK_STR(q, "'ab");
    const char *words[] = {"/tmp/a b", "x'y", "\"dq\"", "$(touch pwned)", "`touch pwned`", "a; rm -rf b",
                           "#h %j %%", "'", "''", "\\n", "*?[a]", "~user", "-n"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        int ok = round_trip(words[i]);
        CHECK(ok);
        if (!ok) fprintf(stderr, "  did not read back: %s\n", words[i]);
    }
}

static void test_find_control(void) {
    CHECK(pt_find_control("plain path/with spaces 'and' \"q\"") == NULL);
    const char *s = "a\nb";
    CHECK(pt_find_control(s) == s + 1);
    CHECK(pt_find_control("tab\there") != NULL);
    CHECK(pt_find_control("del\x7f") != NULL);
    CHECK(pt_find_control("\x1b[0m") != NULL);
    CHECK(pt_find_control("caf\xc3\xa9") == NULL); /* UTF-8 is not a control character */
}

static void test_check_study(void) {
    const char *argv[] = {"regime", "--data", "d\tir", "--quiet"};
    pt_slurm_study js = {.db = "r.db", .name = "regime", .argv = argv, .argc = 2};
    char err[512] = "";
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == 0);
    js.argc = 4;
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == -1);
    CHECK(strstr(err, "--data 'd\\tir'") != NULL);
    CHECK(strchr(err, '\t') == NULL && strchr(err, '\n') == NULL); /* one line */
    js.argc = 2;
    js.db = "new\nline.db";
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == -1);
    CHECK(strstr(err, "--db 'new\\nline.db'") != NULL);
    js.db = "back\\slash.db";
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == -1);
    CHECK(strstr(err, "backslash") != NULL);
    js.db = "it's $(x) `y`; #z %j.db"; /* quoted, not refused */
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == 0);
    js.exe = "/opt/pt\r/powertrain";
    CHECK(pt_slurm_check_study(&js, err, sizeof err) == -1);
    CHECK(strstr(err, "binary") != NULL);
}

int main(void) {
    test_quote();
    test_find_control();
    test_check_study();
    return pt_test_finish("test_slurm_quote");
}
