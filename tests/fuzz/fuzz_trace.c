/* fuzz_trace.c -- the trace source (src/meter/trace.c): a power-trace CSV
 * "t_seconds,component,watts" on arbitrary bytes, opened and read at a few times. */
#include "meter/source.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = pt_fuzz_file("trace", ".csv", data, size);
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.trace_path = path;
    pt_source *s = NULL;
    char why[512];
    why[0] = '\0';
    int rc = pt_trace_open(&cfg, NULL, &s, why, sizeof why);
    if (rc == 0) {
        if (!s || s->ncomp < 1) abort();
        pt_reading *r = calloc((size_t)s->ncomp, sizeof *r);
        if (!r) abort();
        static const double ts[] = {0.0, 0.25, 1.0, 1e9, -1.0};
        for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) (void)s->ops->read(s, ts[k], (int)(k % 2), r);
        free(r);
        s->ops->close(s);
        pt_fuzz_note(NULL);
    } else if (!why[0]) {
        abort();
    } else {
        pt_fuzz_note(why);
    }
    unlink(path);
    return 0;
}
