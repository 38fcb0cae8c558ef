/* fuzz_cli.c -- the powertrain command's argument parsing: the input split into
 * arguments at NUL and newline bytes (each its own exact-size heap string, at most
 * 64; argv[0] "powertrain") and run through pt_cli_main (src/cli/main.c: the verb
 * table, every verb's flags and checks) in check-only mode (cli.h): each verb stops
 * where its work would begin, so nothing is trained, measured, read from stdin or
 * written. Exit status 0 (help, version, accepted) or 2 (usage) only: a check-only
 * run has no runtime failure. The verbs' help and error lines go to stdout and
 * stderr (make fuzz runs it with -close_fd_mask=3). */
#include "cli/cli.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pt_cli_set_check_only(1);
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    static char prog[] = "powertrain";
    argv[argc++] = prog;
    size_t start = 0;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
        if (i < size && data[i] != '\0' && data[i] != '\n') continue;
        if (i == size && start == size && size > 0) break; /* a trailing separator ends the list */
        char *a = malloc(i - start + 1);
        if (!a) abort();
        memcpy(a, data + start, i - start);
        a[i - start] = '\0';
        argv[argc++] = a;
        start = i + 1;
    }
    if (size == 0) free(argv[--argc]); /* no input: no arguments */
    argv[argc] = NULL;
    int rc = pt_cli_main(argc, argv);
    fflush(stdout);
    if (rc != PT_EXIT_OK && rc != PT_EXIT_USAGE) {
        fprintf(stderr, "fuzz_cli: exit status %d in check-only mode\n", rc);
        abort();
    }
    char note[32];
    snprintf(note, sizeof note, "exit %d", rc);
    pt_fuzz_note(note);
    for (int k = 1; k < argc; k++) free(argv[k]);
    return 0;
}
