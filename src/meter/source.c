/* source.c -- allocation of sources and the sysfs/procfs roots used by them. */
#include "meter/source.h"

#include <stdlib.h>

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
