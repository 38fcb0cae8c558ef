/* source.c -- the table of energy sources, allocation of sources and the
 * sysfs/procfs roots used by them. */
#include "meter/source.h"

#include <math.h>
#include <stdlib.h>

/* Order matters: a trace stands for the hardware; the estimate fills what
   the counters before it do not measure. */
const pt_source_entry pt_sources[] = {
    {"trace", PT_SOURCE_TRACE, pt_trace_open, pt_trace_unused},
    {"nvml", PT_SOURCE_NVML, pt_nvml_open, NULL},
    {"amdsmi", PT_SOURCE_AMDSMI, pt_amdsmi_open, NULL},
    {"rapl", PT_SOURCE_RAPL, pt_rapl_open, NULL},
    {"estimate", PT_SOURCE_ESTIMATE, pt_estimate_open, pt_estimate_unused},
};
const int pt_nsources = (int)(sizeof pt_sources / sizeof pt_sources[0]);
_Static_assert(sizeof pt_sources / sizeof pt_sources[0] <= PT_SOURCES_MAX, "raise PT_SOURCES_MAX");

pt_source *pt_source_alloc(const pt_source_ops *ops, int n) {
    pt_source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ops = ops;
    s->ncomp = n;
    s->comp = calloc((size_t)(n > 0 ? n : 1), sizeof *s->comp);
    s->has_power = calloc((size_t)(n > 0 ? n : 1), sizeof *s->has_power);
    if (!s->comp || !s->has_power) {
        pt_source_free(s);
        return NULL;
    }
    for (int i = 0; i < n; i++) s->comp[i].idle_w = NAN; /* no idle model unless the source has one */
    return s;
}

void pt_source_free(pt_source *src) {
    if (!src) return;
    free(src->comp);
    free(src->has_power);
    free(src);
}

const char *pt_sysfs_root(void) {
    const char *r = getenv("POWERTRAIN_SYSFS_ROOT");
    return r ? r : "";
}

const char *pt_proc_root(void) {
    const char *r = getenv("POWERTRAIN_PROC_ROOT");
    return r ? r : "";
}
