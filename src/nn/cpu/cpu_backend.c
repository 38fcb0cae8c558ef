/* cpu_backend.c -- the `cpu` backend's table, memory and dnnl helpers.
 * The backend object owns nothing beyond itself (impl = NULL): every dnnl
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

static const pt_backend_ops cpu_ops = {
    .name = "cpu",
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .synchronize = cpu_synchronize,
    .conv_init = pt_cpu_conv_init,
    .conv_free = pt_cpu_conv_free,
    .conv_forward = pt_cpu_conv_forward,
    .conv_backward_data = pt_cpu_conv_backward_data,
    .conv_backward_weights = pt_cpu_conv_backward_weights,
    .conv_weights_changed = pt_cpu_conv_weights_changed,
    .linear_init = pt_cpu_linear_init,
    .linear_free = pt_cpu_linear_free,
    .linear_forward = pt_cpu_linear_forward,
    .linear_backward_data = pt_cpu_linear_backward_data,
    .linear_backward_weights = pt_cpu_linear_backward_weights,
    .bn_forward_train = pt_cpu_bn_forward_train,
    .bn_forward_eval = pt_cpu_bn_forward_eval,
    .bn_backward = pt_cpu_bn_backward,
    .relu_forward = pt_cpu_relu_forward,
    .relu_backward = pt_cpu_relu_backward,
    .add_forward = pt_cpu_add_forward,
    .copy_grad = pt_cpu_copy_grad,
    .dropout_forward = pt_cpu_dropout_forward,
    .dropout_backward = pt_cpu_dropout_backward,
    .maxpool_init = pt_cpu_maxpool_init,
    .maxpool_free = pt_cpu_maxpool_free,
    .maxpool_forward = pt_cpu_maxpool_forward,
    .maxpool_backward = pt_cpu_maxpool_backward,
    .gap_forward = pt_cpu_gap_forward,
    .gap_backward = pt_cpu_gap_backward,
    .upsample_forward = pt_cpu_upsample_forward,
    .upsample_backward = pt_cpu_upsample_backward,
    .softmax_xent = pt_cpu_softmax_xent,
    .bce_logits = pt_cpu_bce_logits,
    .mse = pt_cpu_mse,
    .argmax_correct = pt_cpu_argmax_correct,
    .sgd_step = pt_cpu_sgd_step,
    .adam_step = pt_cpu_adam_step,
    .destroy = cpu_destroy,
};

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
    pt_backend *be = calloc(1, sizeof *be);
    if (!be) {
        if (err && errlen) pt_strlcpy(err, "cpu: out of memory", errlen);
        return NULL;
    }
    be->ops = &cpu_ops;
    be->threads = threads > 0 ? threads : omp_get_num_procs();
    if (be->threads < 1) be->threads = 1;
    be->impl = NULL;
    pt_cpu_set_threads(be);
    return be;
}
