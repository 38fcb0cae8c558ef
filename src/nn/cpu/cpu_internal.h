/* cpu_internal.h -- shared pieces of the `cpu` backend (oneDNN 2.x + OpenMP).
 * Every dnnl call of the project lives in src/nn/cpu/; oneDNN 3.x support is
 * a change to this folder only.
 *
 * Files: cpu_backend.c (the table, memory, create), cpu_conv.c (convolution),
 * cpu_pool.c (max pooling), cpu_linear.c (linear via dnnl_sgemm),
 * cpu_loops.c (batch norm, element-wise ops, own pooling, losses, optimizers: OpenMP
 * loops, compiled once per instruction set). */
#ifndef PT_NN_DNNL_CPU_INTERNAL_H
#define PT_NN_DNNL_CPU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dnnl.h>
#include <dnnl_debug.h>

#include "nn/backend.h"

/* A failing dnnl call is an internal invariant (shapes were validated when the
 * network was planned): report file:line, the status and the call, abort. */
#define PT_DNNL_CHECK(call)                                                                       \
    do {                                                                                          \
        dnnl_status_t pt_st_ = (call);                                                            \
        if (pt_st_ != dnnl_success) {                                                             \
            fprintf(stderr, "%s:%d: oneDNN call failed (%s): %s\n", __FILE__, __LINE__,          \
                    dnnl_status2str(pt_st_), #call);                                              \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* Same for our own allocations inside the backend (fatal: no way to report). */
#define PT_CPU_ALLOC_CHECK(p)                                                                     \
    do {                                                                                          \
        if (!(p)) {                                                                               \
            fprintf(stderr, "%s:%d: cpu backend: out of memory (%s)\n", __FILE__, __LINE__, #p); \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* Resolved OpenMP thread count of a cpu backend (be->threads, >= 1). */
static inline int pt_cpu_threads(const pt_backend *be) { return be->threads > 0 ? be->threads : 1; }

/* Makes oneDNN's OpenMP regions in this thread use the backend's count. */
void pt_cpu_set_threads(const pt_backend *be);

/* 64-byte aligned, zeroed; aborts on failure (internal scratch only). */
void *pt_cpu_scratch_alloc(size_t bytes);

/* dst (+)= src over n floats, threaded for large n. */
void pt_cpu_accumulate(const pt_backend *be, size_t n, const float *src, float *dst, int acc);

/* A dnnl engine + in-order stream pair owned by one layer state. */
typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t strm;
} pt_dnnl_ctx;

void pt_dnnl_ctx_init(pt_dnnl_ctx *c);
void pt_dnnl_ctx_free(pt_dnnl_ctx *c);
/* Plain f32 memory desc from dims (in oneDNN's logical order) and a tag. */
void pt_dnnl_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims, dnnl_format_tag_t tag);
/* A memory object without a buffer (the handle is set per call). */
dnnl_memory_t pt_dnnl_mem_none(const pt_dnnl_ctx *c, const dnnl_memory_desc_t *md);
void pt_dnnl_set(dnnl_memory_t m, const void *p);
/* Runs a primitive on the context's stream and waits. */
void pt_dnnl_exec(const pt_backend *be, const pt_dnnl_ctx *c, dnnl_primitive_t p, int nargs,
                  const dnnl_exec_arg_t *args);

/* Entry points implemented by the files of this folder. */
int pt_cpu_conv_init(pt_backend *be, void **state, const pt_conv_shape *s);
void pt_cpu_conv_free(pt_backend *be, void *state);
void pt_cpu_conv_forward(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                         const float *b, float *y);
void pt_cpu_conv_backward_data(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                               const float *w, float *dx, int acc);
void pt_cpu_conv_backward_weights(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                  const float *dy, float *dw, float *db, int acc);
void pt_cpu_conv_weights_changed(pt_backend *be, void *state);

int pt_cpu_linear_init(pt_backend *be, void **state, int n, int in, int out);
void pt_cpu_linear_free(pt_backend *be, void *state);
void pt_cpu_linear_forward(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                           const float *b, float *y);
void pt_cpu_linear_backward_data(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                 const float *w, float *dx, int acc);
void pt_cpu_linear_backward_weights(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                    const float *dy, float *dw, float *db, int acc);

int pt_cpu_maxpool_init(pt_backend *be, void **state, const pt_pool_shape *s);
void pt_cpu_maxpool_free(pt_backend *be, void *state);
void pt_cpu_maxpool_forward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, float *y);
void pt_cpu_maxpool_backward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x,
                             const float *y, const float *dy, float *dx, int acc);

/* The own loops (cpu_loops.c), compiled once per instruction set S (base:
 * the build's target; avx2: + AVX2/FMA; avx512: + AVX-512 F/BW/VL/DQ) as
 * pt_cpu_<op>_<S>; pt_backend_cpu_create picks the best the CPU runs (or
 * POWERTRAIN_CPU_ISA) once, into the backend's ops table. The pool_own pair is
 * cpu_pool.c's own max pooling (stride = window, no padding), reached through
 * pt_cpu_kern(be). */
#define PT_CPU_LOOPS_DECLARE(S) \
    void pt_cpu_bn_forward_train_##S(pt_backend *be, int rows, int c, const float *x, const float *gamma, const float *beta, float *running_mean, float *running_var, float momentum, float eps, float *save_mean, float *save_invstd, float *y); \
    void pt_cpu_bn_forward_eval_##S(pt_backend *be, int rows, int c, const float *x, const float *gamma, const float *beta, const float *running_mean, const float *running_var, float eps, float *y); \
    void pt_cpu_bn_backward_##S(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma, const float *save_mean, const float *save_invstd, float *dx, int acc_dx, float *dgamma, float *dbeta, int acc_w); \
    void pt_cpu_relu_forward_##S(pt_backend *be, size_t n, const float *x, float *y); \
    void pt_cpu_relu_backward_##S(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc); \
    void pt_cpu_add_forward_##S(pt_backend *be, size_t n, const float *a, const float *b, float *y); \
    void pt_cpu_copy_grad_##S(pt_backend *be, size_t n, const float *src, float *dst, int acc); \
    void pt_cpu_dropout_forward_##S(pt_backend *be, size_t n, const float *x, const uint8_t *mask, float scale, float *y); \
    void pt_cpu_dropout_backward_##S(pt_backend *be, size_t n, const float *dy, const uint8_t *mask, float scale, float *dx, int acc); \
    void pt_cpu_gap_forward_##S(pt_backend *be, int n, int hw, int c, const float *x, float *y); \
    void pt_cpu_gap_backward_##S(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc); \
    void pt_cpu_upsample_forward_##S(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *x, float *y); \
    void pt_cpu_upsample_backward_##S(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *dy, float *dx, int acc); \
    float pt_cpu_softmax_xent_##S(pt_backend *be, int n, int k, const float *logits, const int32_t *labels, float *dlogits, float scale); \
    float pt_cpu_bce_logits_##S(pt_backend *be, int n, int k, const float *logits, const float *targets, float *dlogits, float scale); \
    float pt_cpu_mse_##S(pt_backend *be, size_t n, const float *pred, const float *target, float *dpred, float scale); \
    int pt_cpu_argmax_correct_##S(pt_backend *be, int n, int k, const float *logits, const int32_t *labels); \
    void pt_cpu_sgd_step_##S(pt_backend *be, size_t n, float *w, const float *g, float *mom, float lr, float momentum, float weight_decay); \
    void pt_cpu_adam_step_##S(pt_backend *be, size_t n, float *w, const float *g, float *m, float *v, float lr, float beta1, float beta2, float eps, float weight_decay, int t); \
    void pt_cpu_pool_own_forward_##S(int nt, const pt_pool_shape *s, const float *x, float *y, size_t nx); \
    void pt_cpu_pool_own_backward_##S(int nt, const pt_pool_shape *s, const float *x, const float *y, const float *dy, float *dx, size_t nx, int acc);
PT_CPU_LOOPS_DECLARE(base)
#ifdef PT_CPU_HAVE_AVX2
PT_CPU_LOOPS_DECLARE(avx2)
#endif
#ifdef PT_CPU_HAVE_AVX512
PT_CPU_LOOPS_DECLARE(avx512)
#endif

/* The instruction set a cpu backend runs its own loops with (be->impl). */
typedef struct {
    const char *name; /* "base", "avx2", "avx512" */
    int opt_in;       /* used only when POWERTRAIN_CPU_ISA names it */
    const pt_backend_ops *ops;
    void (*pool_own_forward)(int nt, const pt_pool_shape *s, const float *x, float *y, size_t nx);
    void (*pool_own_backward)(int nt, const pt_pool_shape *s, const float *x, const float *y, const float *dy,
                              float *dx, size_t nx, int acc);
} pt_cpu_isa;
static inline const pt_cpu_isa *pt_cpu_kern(const pt_backend *be) { return (const pt_cpu_isa *)be->impl; }

#endif
