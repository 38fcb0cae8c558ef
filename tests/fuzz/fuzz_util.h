/* fuzz_util.h -- what the fuzz harnesses share: the input written to a temp file
 * (the readers take paths). One file per process, reused for every input. */
#ifndef PT_FUZZ_UTIL_H
#define PT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes data[0..size) to /tmp (or $TMPDIR)/pt_fuzz_<tag>_<pid><suffix>; returns the path
 * (a static buffer) or aborts: a harness that cannot write its input must not pass. */
static inline const char *pt_fuzz_file(const char *tag, const char *suffix, const uint8_t *data, size_t size) {
    static char path[512];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/pt_fuzz_%s_%ld%s", dir && *dir ? dir : "/tmp", tag, (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* With PT_FUZZ_VERBOSE set (replay), prints a reader's verdict on the input. */
static inline void pt_fuzz_note(const char *what) {
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("PT_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "  %s\n", what && *what ? what : "ok");
}

#endif
