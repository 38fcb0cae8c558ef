/* fuzz_powermetrics.c -- Apple powermetrics logs (src/meter/powermetrics.c) read
 * through the trace source. Input byte 0 picks what precedes the rest: 0 nothing
 * (the format is detected), 1 a plist document's head, 2 a text sample header,
 * so that arbitrary bytes reach both parsers. */
#include "meter/source.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const heads[] = {"", "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n<dict>\n",
                                        "*** Sampled system activity (x) (1000.5ms elapsed) ***\n"};
    if (size == 0) return 0;
    const char *head = heads[data[0] % 3];
    size_t hl = strlen(head), n = hl + size - 1;
    uint8_t *buf = malloc(n + 1);
    if (!buf) abort();
    memcpy(buf, head, hl);
    memcpy(buf + hl, data + 1, size - 1);
    const char *path = pt_fuzz_file("powermetrics", ".log", buf, n);
    free(buf);
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
        static const double ts[] = {0.0, 0.5, 1.0005, 1e9};
        for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) (void)s->ops->read(s, ts[k], 1, r);
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
