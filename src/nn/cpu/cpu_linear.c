/* cpu_linear.c -- the linear layer as three oneDNN sgemm calls on the plain
 * [out][in] weights (row-major, no reorders, no state); acc maps to beta. */
#include "nn/cpu/cpu_internal.h"

int pt_cpu_linear_init(pt_backend *be, void **state, int n, int in, int out) {
    (void)be;
    (void)n;
    (void)in;
    (void)out;
    *state = NULL;
    return 0;
}

void pt_cpu_linear_free(pt_backend *be, void *state) {
    (void)be;
    (void)state;
}

/* y[n][out] = x[n][in] . w[out][in]^T + b[out] */
void pt_cpu_linear_forward(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                           const float *b, float *y) {
    (void)state;
    float beta = 0.0f;
    if (b) {
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++) y[(size_t)i * out + o] = b[o];
        beta = 1.0f;
    }
    pt_cpu_set_threads(be);
    PT_DNNL_CHECK(dnnl_sgemm('N', 'T', n, out, in, 1.0f, x, in, w, in, beta, y, out));
}

/* dx[n][in] (+)= dy[n][out] . w[out][in] */
void pt_cpu_linear_backward_data(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                 const float *w, float *dx, int acc) {
    (void)state;
    pt_cpu_set_threads(be);
    PT_DNNL_CHECK(dnnl_sgemm('N', 'N', n, in, out, 1.0f, dy, out, w, in, acc ? 1.0f : 0.0f, dx, in));
}

/* dw[out][in] (+)= dy^T[out][n] . x[n][in]; db[out] (+)= sum_n dy[n][out] */
void pt_cpu_linear_backward_weights(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                    const float *dy, float *dw, float *db, int acc) {
    (void)state;
    pt_cpu_set_threads(be);
    PT_DNNL_CHECK(dnnl_sgemm('T', 'N', out, in, n, 1.0f, dy, out, x, in, acc ? 1.0f : 0.0f, dw, in));
    if (db) {
        if (!acc)
            for (int o = 0; o < out; o++) db[o] = 0.0f;
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++) db[o] += dy[(size_t)i * out + o];
    }
}
