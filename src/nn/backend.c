/* backend.c -- choosing a compute backend by name at run time ("ref", "cpu",
 * "cuda[:N]"), and the names compiled into this build. */
#include "nn/backend.h"

#include <stdio.h>
#include <string.h>

pt_backend *pt_backend_create(const char *name, int threads, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    if (!name || !*name) {
        if (err) snprintf(err, errlen, "backend: no name given (available: %s)", pt_backend_available());
        return NULL;
    }
    if (threads < 0) {
        if (err) snprintf(err, errlen, "%s: threads must be >= 0 (0 = all cores), got %d", name, threads);
        return NULL;
    }
    if (!strcmp(name, "ref")) return pt_backend_ref_create(threads, err, errlen);
    if (!strcmp(name, "cpu")) {
#ifdef PT_HAVE_DNNL
        return pt_backend_cpu_create(threads, err, errlen);
#else
        if (err) snprintf(err, errlen, "cpu: this build has no oneDNN");
        return NULL;
#endif
    }
    if (!strcmp(name, "cuda") || !strncmp(name, "cuda:", 5)) {
        if (err) snprintf(err, errlen, "%s: this build has no CUDA backend", name);
        return NULL;
    }
    if (err) snprintf(err, errlen, "unknown backend '%s' (available: %s)", name, pt_backend_available());
    return NULL;
}

void pt_backend_destroy(pt_backend *be) {
    if (be) be->ops->destroy(be);
}

const char *pt_backend_available(void) {
#ifdef PT_HAVE_DNNL
    return "ref,cpu";
#else
    return "ref";
#endif
}
