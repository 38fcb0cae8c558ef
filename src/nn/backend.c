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

#ifdef PT_HAVE_CUDA
#include <dlfcn.h>
#include <stdint.h>
#include <unistd.h>

/* The cuda backend is a module (src/nn/cuda/cuda.cmake), opened the first
 * time a cuda backend is asked for: processes that never train on a GPU never
 * map the CUDA runtime, cuBLAS or cuDNN. Looked for, in order: the file named
 * by POWERTRAIN_CUDA_MODULE; beside the program (or shared object) holding
 * this code; the install folder; the build tree that compiled it. */
typedef pt_backend *(*cuda_create_fn)(const char *, int, int, char *, size_t);
typedef int (*cuda_info_fn)(const pt_backend *, char *, size_t, char *, size_t);
static struct {
    int tried;
    cuda_create_fn create;
    cuda_info_fn info;
    char why[512];
} cuda_mod;

/* dlopen of path when it exists; 1 when the module is open (entries found) */
static int cuda_mod_try(const char *path) {
    if (!path || !*path || access(path, F_OK) != 0) return 0;
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        snprintf(cuda_mod.why, sizeof cuda_mod.why, "cannot load %s: %s", path, e ? e : "dlopen failed");
        return 0;
    }
    cuda_mod.create = (cuda_create_fn)(uintptr_t)dlsym(dl, "pt_backend_cuda_create");
    cuda_mod.info = (cuda_info_fn)(uintptr_t)dlsym(dl, "pt_backend_cuda_info");
    if (cuda_mod.create && cuda_mod.info) return 1;
    snprintf(cuda_mod.why, sizeof cuda_mod.why, "%s: not a powertrain cuda module (entry points missing)", path);
    cuda_mod.create = NULL;
    dlclose(dl);
    return 0;
}

/* 0 when the module is open; else -1 with cuda_mod.why set */
static int cuda_mod_load(void) {
    if (cuda_mod.tried) return cuda_mod.create ? 0 : -1;
    cuda_mod.tried = 1;
    snprintf(cuda_mod.why, sizeof cuda_mod.why, "the cuda module (%s) was not found", PT_CUDA_MODULE_NAME);
    const char *env = getenv("POWERTRAIN_CUDA_MODULE");
    if (env && *env) {
        if (cuda_mod_try(env)) return 0;
        if (access(env, F_OK) != 0) snprintf(cuda_mod.why, sizeof cuda_mod.why, "POWERTRAIN_CUDA_MODULE=%s: no such file", env);
        return -1;
    }
    Dl_info info;
    char beside[4096] = "";
    if (dladdr((void *)(uintptr_t)&pt_backend_create, &info) && info.dli_fname) {
        const char *slash = strrchr(info.dli_fname, '/');
        if (slash) snprintf(beside, sizeof beside, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname, PT_CUDA_MODULE_NAME);
    }
    const char *paths[] = {beside, PT_CUDA_MODULE_INSTALL, PT_CUDA_MODULE_BUILD};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (cuda_mod_try(paths[i])) return 0;
    return -1;
}

static pt_backend *cuda_create(const char *name, int device, int threads, char *err, size_t errlen) {
    if (cuda_mod_load() != 0) {
        if (err) snprintf(err, errlen, "%s: unavailable: %s", name, cuda_mod.why);
        return NULL;
    }
    return cuda_mod.create(name, device, threads, err, errlen);
}
#endif

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
    return cuda_create(name, cuda_index(name), threads, err, errlen); /* cuda[:N], checked above */
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
    if (be && !strcmp(be->ops->name, "cuda") && cuda_mod.info) return cuda_mod.info(be, bus_id, bus_len, desc, desc_len);
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
