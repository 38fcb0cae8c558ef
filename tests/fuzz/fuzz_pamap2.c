/* fuzz_pamap2.c -- the PAMAP2 .dat line parser (src/data/pamap2_parse.c) on arbitrary
 * bytes, plus pt_pamap2_parse_number on the raw input. */
#include "data/pamap2_parse.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *ctx, long long line, const double *values) {
    (void)line;
    volatile double s = 0;
    for (int i = 0; i < 54; i++) s += values[i];
    (void)s;
    return ++*(long long *)ctx > 100000; /* stop runaway inputs */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = pt_fuzz_file("pamap2", ".dat", data, size);
    long long rows = 0;
    char err[512];
    err[0] = '\0';
    long long n = pt_pamap2_parse_file(path, row, &rows, err, sizeof err);
    if (n < 0 && !err[0]) abort();
    pt_fuzz_note(n < 0 ? err : NULL);
    unlink(path);
    double v;
    (void)pt_pamap2_parse_number((const char *)data, (const char *)data + size, &v);
    return 0;
}
