/* backend.c -- choosing a compute backend by name at run time ("ref", "cpu",
 * "cuda[:N]"), and the names compiled into this build. */
#include "nn/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "cuda" -> 0, "cuda:N" -> N (decimal, 0..4095); -1 when malformed */
static int cuda_index(const char *name) {
    if (!strcmp(name, "cuda")) return 0;
    const char *d = name + 5;
    if (!*d || strlen(d) > 4) return -1;
    for (const char *p = d; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    int v = atoi(d);
    return v <= 4095 ? v : -1;
}

int pt_backend_check_name(const char *name, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    if (!name || !*name) {
        if (err) snprintf(err, errlen, "backend: no name given (available: %s)", pt_backend_available());
        return -1;
    }
    if (!strcmp(name, "ref")) return 0;
    if (!strcmp(name, "cpu")) {
#ifdef PT_HAVE_DNNL
        return 0;
#else
        if (err) snprintf(err, errlen, "cpu: this build has no oneDNN");
        return -1;
#endif
    }
    if (!strcmp(name, "cuda") || !strncmp(name, "cuda:", 5)) {
        if (cuda_index(name) < 0) {
            if (err) snprintf(err, errlen, "%s: bad device (cuda or cuda:N, N a CUDA device index)", name);
            return -1;
        }
#ifdef PT_HAVE_CUDA
        return 0;
#else
        if (err) snprintf(err, errlen, "%s: this build has no CUDA backend", name);
        return -1;
#endif
    }
    if (err) snprintf(err, errlen, "unknown backend '%s' (available: %s)", name, pt_backend_available());
    return -1;
}

pt_backend *pt_backend_create(const char *name, int threads, char *err, size_t errlen) {
    if (pt_backend_check_name(name, err, errlen) != 0) return NULL;
    if (threads < 0) {
        if (err) snprintf(err, errlen, "%s: threads must be >= 0 (0 = all cores), got %d", name, threads);
        return NULL;
    }
    if (!strcmp(name, "ref")) return pt_backend_ref_create(threads, err, errlen);
#ifdef PT_HAVE_DNNL
    if (!strcmp(name, "cpu")) return pt_backend_cpu_create(threads, err, errlen);
#endif
#ifdef PT_HAVE_CUDA
    return pt_backend_cuda_create(name, cuda_index(name), threads, err, errlen); /* cuda[:N], checked above */
#else
    return NULL; /* not reached: the name check refused it */
#endif
}

void pt_backend_destroy(pt_backend *be) {
    if (be) be->ops->destroy(be);
}

int pt_backend_gpu(const pt_backend *be, char *bus_id, size_t bus_len, char *desc, size_t desc_len) {
    if (bus_id && bus_len) bus_id[0] = '\0';
    if (desc && desc_len) desc[0] = '\0';
#ifdef PT_HAVE_CUDA
    if (be && !strcmp(be->ops->name, "cuda")) return pt_backend_cuda_info(be, bus_id, bus_len, desc, desc_len);
#else
    (void)be;
#endif
    return -1;
}

const char *pt_backend_available(void) {
#if defined(PT_HAVE_DNNL) && defined(PT_HAVE_CUDA)
    return "ref,cpu,cuda";
#elif defined(PT_HAVE_DNNL)
    return "ref,cpu";
#elif defined(PT_HAVE_CUDA)
    return "ref,cuda";
#else
    return "ref";
#endif
}
