/* cuda_linear.c -- linear layers on cuBLAS (sgemm, column-major), bias by own
 * kernels. Row-major x[n][in] is column-major X (in x n), w[out][in] is W
 * (in x out), y[n][out] is Y (out x n):
 *   forward          Y  = W^T X              sgemm(T, N, out, n, in)
 *   backward data    dX = W dY    (+ dX)     sgemm(N, N, in, n, out)
 *   backward weights dW = X dY^T  (+ dW)     sgemm(N, T, in, out, n)
 *   bias gradient    db = column sums of dy[n][out] (deterministic kernel)
 * TF32 follows the backend (cuBLAS math mode set at creation). No state. */
#include "nn/cuda/cuda_internal.h"

int pt_cuda_linear_init(pt_backend *be, void **state, int n, int in, int out) {
    (void)be;
    (void)n;
    (void)in;
    (void)out;
    *state = NULL;
    return 0;
}

void pt_cuda_linear_free(pt_backend *be, void *state) {
    (void)be;
    (void)state;
}

static const float one = 1.0f, zero = 0.0f;

void pt_cuda_linear_forward(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                            const float *b, float *y) {
    (void)state;
    pt_cuda *c = pt_cuda_of(be);
    PT_CUBLAS_CHECK(cublasSgemm(c->cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, in, x, in, &zero, y, out));
    if (b) PT_CU_CHECK(pt_cuk_bias_add(c->stream, n, out, b, y));
}

void pt_cuda_linear_backward_data(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                  const float *w, float *dx, int acc) {
    (void)state;
    pt_cuda *c = pt_cuda_of(be);
    PT_CUBLAS_CHECK(
        cublasSgemm(c->cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out, &one, w, in, dy, out, acc ? &one : &zero, dx, in));
}

void pt_cuda_linear_backward_weights(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                     const float *dy, float *dw, float *db, int acc) {
    (void)state;
    pt_cuda *c = pt_cuda_of(be);
    PT_CUBLAS_CHECK(
        cublasSgemm(c->cublas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, n, &one, x, in, dy, out, acc ? &one : &zero, dw, in));
    if (db) {
        void *part = pt_cuda_buf_reserve(c, &c->red, pt_cuk_reduce_scratch(n, out));
        PT_CU_CHECK(pt_cuk_colsum(c->stream, n, out, dy, db, acc, part));
    }
}
