/* cpu_backend.c -- the `cpu` backend's table, memory and dnnl helpers.
 * The backend object owns nothing beyond itself (impl: the chosen instruction
 * set's static pt_cpu_isa): every dnnl
 * engine, stream and primitive belongs to a layer state and is released by
 * the matching *_free, so destroying the backend is a plain free(). */
#include "nn/cpu/cpu_internal.h"

#include <omp.h>
#include <string.h>

#include "util/str.h"

void *pt_cpu_scratch_alloc(size_t bytes) {
    size_t sz = (bytes + 63) & ~(size_t)63;
    if (sz == 0) sz = 64;
    void *p = aligned_alloc(64, sz);
    PT_CPU_ALLOC_CHECK(p);
    memset(p, 0, sz);
    return p;
}

void pt_cpu_accumulate(const pt_backend *be, size_t n, const float *src, float *dst, int acc) {
    int nt = pt_cpu_threads(be);
    if (acc) {
#pragma omp parallel for simd schedule(static) num_threads(nt) if (n >= ((size_t)1 << 15))
        for (size_t i = 0; i < n; i++) dst[i] += src[i];
    } else {
#pragma omp parallel for simd schedule(static) num_threads(nt) if (n >= ((size_t)1 << 15))
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
    }
}

void pt_cpu_set_threads(const pt_backend *be) {
    int nt = pt_cpu_threads(be);
    if (omp_get_max_threads() != nt) omp_set_num_threads(nt);
}

/* ---- dnnl helpers -------------------------------------------------------- */

void pt_dnnl_ctx_init(pt_dnnl_ctx *c) {
    PT_DNNL_CHECK(dnnl_engine_create(&c->eng, dnnl_cpu, 0));
    PT_DNNL_CHECK(dnnl_stream_create(&c->strm, c->eng, dnnl_stream_default_flags));
}

void pt_dnnl_ctx_free(pt_dnnl_ctx *c) {
    if (c->strm) PT_DNNL_CHECK(dnnl_stream_destroy(c->strm));
    if (c->eng) PT_DNNL_CHECK(dnnl_engine_destroy(c->eng));
    c->strm = NULL;
    c->eng = NULL;
}

void pt_dnnl_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims, dnnl_format_tag_t tag) {
    PT_DNNL_CHECK(dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag));
}

dnnl_memory_t pt_dnnl_mem_none(const pt_dnnl_ctx *c, const dnnl_memory_desc_t *md) {
    dnnl_memory_t m = NULL;
    PT_DNNL_CHECK(dnnl_memory_create(&m, md, c->eng, DNNL_MEMORY_NONE));
    return m;
}

void pt_dnnl_set(dnnl_memory_t m, const void *p) {
    /* dnnl takes void *: inputs are only read by the primitives. */
    PT_DNNL_CHECK(dnnl_memory_set_data_handle(m, (void *)(uintptr_t)p));
}

void pt_dnnl_exec(const pt_backend *be, const pt_dnnl_ctx *c, dnnl_primitive_t p, int nargs,
                  const dnnl_exec_arg_t *args) {
    pt_cpu_set_threads(be);
    PT_DNNL_CHECK(dnnl_primitive_execute(p, c->strm, nargs, args));
    PT_DNNL_CHECK(dnnl_stream_wait(c->strm));
}

/* ---- memory ---------------------------------------------------------------- */

static void *cpu_alloc(pt_backend *be, size_t bytes) {
    (void)be;
    size_t sz = (bytes + 63) & ~(size_t)63;
    if (sz == 0) sz = 64;
    void *p = aligned_alloc(64, sz);
    if (p) memset(p, 0, sz);
    return p;
}

static void cpu_free(pt_backend *be, void *p) {
    (void)be;
    free(p);
}

static void cpu_copy(pt_backend *be, void *dst, const void *src, size_t bytes) {
    (void)be;
    if (bytes) memcpy(dst, src, bytes);
}

static void cpu_synchronize(pt_backend *be) { (void)be; }

static void cpu_destroy(pt_backend *be) { free(be); }

#define CPU_OPS(S) { \
    .name = "cpu", \
    .alloc = cpu_alloc, \
    .free = cpu_free, \
    .upload = cpu_copy, \
    .download = cpu_copy, \
    .synchronize = cpu_synchronize, \
    .conv_init = pt_cpu_conv_init, \
    .conv_free = pt_cpu_conv_free, \
    .conv_forward = pt_cpu_conv_forward, \
    .conv_backward_data = pt_cpu_conv_backward_data, \
    .conv_backward_weights = pt_cpu_conv_backward_weights, \
    .conv_weights_changed = pt_cpu_conv_weights_changed, \
    .linear_init = pt_cpu_linear_init, \
    .linear_free = pt_cpu_linear_free, \
    .linear_forward = pt_cpu_linear_forward, \
    .linear_backward_data = pt_cpu_linear_backward_data, \
    .linear_backward_weights = pt_cpu_linear_backward_weights, \
    .bn_forward_train = pt_cpu_bn_forward_train_##S, \
    .bn_forward_eval = pt_cpu_bn_forward_eval_##S, \
    .bn_backward = pt_cpu_bn_backward_##S, \
    .relu_forward = pt_cpu_relu_forward_##S, \
    .relu_backward = pt_cpu_relu_backward_##S, \
    .add_forward = pt_cpu_add_forward_##S, \
    .copy_grad = pt_cpu_copy_grad_##S, \
    .dropout_forward = pt_cpu_dropout_forward_##S, \
    .dropout_backward = pt_cpu_dropout_backward_##S, \
    .maxpool_init = pt_cpu_maxpool_init, \
    .maxpool_free = pt_cpu_maxpool_free, \
    .maxpool_forward = pt_cpu_maxpool_forward, \
    .maxpool_backward = pt_cpu_maxpool_backward, \
    .gap_forward = pt_cpu_gap_forward_##S, \
    .gap_backward = pt_cpu_gap_backward_##S, \
    .upsample_forward = pt_cpu_upsample_forward_##S, \
    .upsample_backward = pt_cpu_upsample_backward_##S, \
    .softmax_xent = pt_cpu_softmax_xent_##S, \
    .bce_logits = pt_cpu_bce_logits_##S, \
    .mse = pt_cpu_mse_##S, \
    .argmax_correct = pt_cpu_argmax_correct_##S, \
    .sgd_step = pt_cpu_sgd_step_##S, \
    .adam_step = pt_cpu_adam_step_##S, \
    .destroy = cpu_destroy, \
}

static const pt_backend_ops cpu_ops_base = CPU_OPS(base);
#ifdef PT_CPU_HAVE_AVX2
static const pt_backend_ops cpu_ops_avx2 = CPU_OPS(avx2);
#endif
#ifdef PT_CPU_HAVE_AVX512
static const pt_backend_ops cpu_ops_avx512 = CPU_OPS(avx512);
#endif

/* best first; each usable when this build compiled it and the CPU runs it.
 * avx512 is opt-in: on the AMD EPYC (Zen 4) VM we measure on, its copy of the
 * loops took more CPU time than avx2's (fmnist_cnn batch 256, 60 steps, one
 * thread: 2.21 s against 1.95 s, base 2.49 s; pamap2_cnn 2.08 / 1.96 / 2.17 s;
 * means of 3 interleaved runs): these loops are memory bound, and 512-bit
 * operations are split in two there. */
static const pt_cpu_isa cpu_isas[] = {
#ifdef PT_CPU_HAVE_AVX2
    {"avx2", 0, &cpu_ops_avx2, pt_cpu_pool_own_forward_avx2, pt_cpu_pool_own_backward_avx2},
#endif
#ifdef PT_CPU_HAVE_AVX512
    {"avx512", 1, &cpu_ops_avx512, pt_cpu_pool_own_forward_avx512, pt_cpu_pool_own_backward_avx512},
#endif
    {"base", 0, &cpu_ops_base, pt_cpu_pool_own_forward_base, pt_cpu_pool_own_backward_base},
};

static int isa_runs(const char *name) {
    __builtin_cpu_init();
    if (!strcmp(name, "avx512"))
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && isa_runs("avx2");
    if (!strcmp(name, "avx2"))
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return 1;
}

/* the instruction set for the own loops: POWERTRAIN_CPU_ISA when set (refused
 * when this build or CPU lacks it), else the best this CPU runs */
static const pt_cpu_isa *isa_choose(char *err, size_t errlen) {
    const char *want = getenv("POWERTRAIN_CPU_ISA");
    char avail[64] = "";
    for (size_t i = 0; i < sizeof cpu_isas / sizeof cpu_isas[0]; i++) {
        const pt_cpu_isa *k = &cpu_isas[i];
        if (!isa_runs(k->name)) continue;
        if (want && *want ? !strcmp(want, k->name) : !k->opt_in) return k;
        snprintf(avail + strlen(avail), sizeof avail - strlen(avail), "%s%s", *avail ? ", " : "", k->name);
    }
    if (err && errlen)
        snprintf(err, errlen, "cpu: POWERTRAIN_CPU_ISA=%s: not run here (this build and CPU: %s)", want, avail);
    return NULL;
}

const char *pt_backend_cpu_isa(const pt_backend *be) {
    return be && be->ops->name && !strcmp(be->ops->name, "cpu") ? pt_cpu_kern(be)->name : NULL;
}

pt_backend *pt_backend_cpu_create(int threads, char *err, size_t errlen) {
    if (threads < 0) {
        if (err && errlen) pt_strlcpy(err, "cpu: thread count must be >= 0", errlen);
        return NULL;
    }
    const dnnl_version_t *v = dnnl_version();
    if (!v || v->major != 2) {
        if (err && errlen) snprintf(err, errlen, "cpu: oneDNN %d.%d found at run time, 2.x required",
                                    v ? v->major : -1, v ? v->minor : -1);
        return NULL;
    }
    const pt_cpu_isa *isa = isa_choose(err, errlen);
    if (!isa) return NULL;
    pt_backend *be = calloc(1, sizeof *be);
    if (!be) {
        if (err && errlen) pt_strlcpy(err, "cpu: out of memory", errlen);
        return NULL;
    }
    be->ops = isa->ops;
    be->threads = threads > 0 ? threads : omp_get_num_procs();
    if (be->threads < 1) be->threads = 1;
    be->impl = (void *)(uintptr_t)isa; /* static: nothing to free */
    pt_cpu_set_threads(be);
    return be;
}
