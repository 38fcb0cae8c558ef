/* cpu_loops.c -- the cpu backend's own loops (no dnnl calls): batch norm,
 * element-wise ops, pooling helpers, losses and optimizer steps. Plain
 * vectorisable C with OpenMP over the backend's thread count; reductions use a
 * static split over threads and double partial sums, so results depend only
 * on the data and the thread count (deterministic run to run).
 *
 * Batch norm is done here rather than with oneDNN's primitive: backend.h's
 * contract saves invstd (oneDNN saves the variance), updates running
 * statistics with the unbiased variance (oneDNN leaves them to the user),
 * accumulates into dx/dgamma/dbeta on request and has no per-layer state to
 * cache primitives in; on channels-last rows these loops are memory bound. */
#include "nn/cpu/cpu_internal.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* compiled once per instruction set: PT_CPU_ISA names the copy (cpu.cmake) */
#ifndef PT_CPU_ISA
#define PT_CPU_ISA base
#endif
#define PT_CPU_CAT_(a, b) a##_##b
#define PT_CPU_CAT(a, b) PT_CPU_CAT_(a, b)
#define FN(name) PT_CPU_CAT(pt_cpu_##name, PT_CPU_ISA)

/* below this many elements a loop runs on the calling thread only */
#define PAR_MIN ((size_t)1 << 15)

/* over n elements, nt threads (both locals at the use site) */
#define PAR_FOR_N _Pragma("omp parallel for simd schedule(static) num_threads(nt) if (n >= PAR_MIN)")

/* The channel counts the per-row loops (pooling, batch norm) are specialised
 * for: with c a constant the channel loops unroll (fmnist_cnn's 16 and 32
 * channels spent more in loop overhead than in the arithmetic). */
#define BY_C(c, CALL)                                                                                              \
    do {                                                                                                           \
        switch (c) {                                                                                               \
        case 16: CALL(16); break;                                                                                  \
        case 32: CALL(32); break;                                                                                  \
        case 64: CALL(64); break;                                                                                  \
        case 128: CALL(128); break;                                                                                \
        default: CALL(c); break;                                                                                   \
        }                                                                                                          \
    } while (0)
#define PT_INLINE static inline __attribute__((always_inline))

/* ---- element-wise ----------------------------------------------------------- */

void FN(relu_forward)(pt_backend *be, size_t n, const float *x, float *y) {
    int nt = pt_cpu_threads(be);
    PAR_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void FN(relu_backward)(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc) {
    int nt = pt_cpu_threads(be);
    if (acc) {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
    } else {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

void FN(add_forward)(pt_backend *be, size_t n, const float *a, const float *b, float *y) {
    int nt = pt_cpu_threads(be);
    PAR_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void FN(copy_grad)(pt_backend *be, size_t n, const float *src, float *dst, int acc) {
    if (!acc && src == dst) return;
    pt_cpu_accumulate(be, n, src, dst, acc);
}

void FN(dropout_forward)(pt_backend *be, size_t n, const float *x, const uint8_t *mask, float scale,
                            float *y) {
    int nt = pt_cpu_threads(be);
    PAR_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

void FN(dropout_backward)(pt_backend *be, size_t n, const float *dy, const uint8_t *mask, float scale,
                             float *dx, int acc) {
    int nt = pt_cpu_threads(be);
    if (acc) {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) dx[i] += mask[i] ? dy[i] * scale : 0.0f;
    } else {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
    }
}

/* ---- global average pooling and upsampling ------------------------------- */

/* x[n][hw][c] -> y[n][c] */
void FN(gap_forward)(pt_backend *be, int n, int hw, int c, const float *x, float *y) {
    int nt = pt_cpu_threads(be);
    float inv = 1.0f / (float)hw;
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)n * hw * c >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * c;
        const float *xi = x + (size_t)i * hw * c;
        for (int j = 0; j < c; j++) yi[j] = 0.0f;
        for (int p = 0; p < hw; p++) {
            const float *xp = xi + (size_t)p * c;
#pragma omp simd
            for (int j = 0; j < c; j++) yi[j] += xp[j];
        }
        for (int j = 0; j < c; j++) yi[j] *= inv;
    }
}

void FN(gap_backward)(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc) {
    int nt = pt_cpu_threads(be);
    float inv = 1.0f / (float)hw;
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)n * hw * c >= PAR_MIN)
    for (int i = 0; i < n; i++) {
        const float *dyi = dy + (size_t)i * c;
        for (int p = 0; p < hw; p++) {
            float *dxp = dx + ((size_t)i * hw + p) * c;
            if (acc) {
#pragma omp simd
                for (int j = 0; j < c; j++) dxp[j] += dyi[j] * inv;
            } else {
#pragma omp simd
                for (int j = 0; j < c; j++) dxp[j] = dyi[j] * inv;
            }
        }
    }
}

/* x[n][ih][iw][c] -> y[n][ih*fh][iw*fw][c] (nearest) */
void FN(upsample_forward)(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *x,
                             float *y) {
    int nt = pt_cpu_threads(be);
    int oh = ih * fh, ow = iw * fw;
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)n * oh * ow * c >= PAR_MIN)
    for (int r = 0; r < n * oh; r++) {
        int i = r / oh, oy = r % oh;
        const float *xr = x + ((size_t)i * ih + oy / fh) * iw * c;
        float *yr = y + (size_t)r * ow * c;
        for (int ox = 0; ox < ow; ox++) memcpy(yr + (size_t)ox * c, xr + (size_t)(ox / fw) * c, (size_t)c * sizeof(float));
    }
}

/* dx[n][ih][iw][c] (+)= sum of dy over each fh x fw block */
void FN(upsample_backward)(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *dy,
                              float *dx, int acc) {
    int nt = pt_cpu_threads(be);
    int ow = iw * fw;
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)n * ih * iw * c * fh * fw >= PAR_MIN)
    for (int r = 0; r < n * ih; r++) {
        int i = r / ih, iy = r % ih;
        for (int ix = 0; ix < iw; ix++) {
            float *d = dx + ((size_t)r * iw + ix) * c;
            if (!acc)
                for (int j = 0; j < c; j++) d[j] = 0.0f;
            for (int a = 0; a < fh; a++) {
                const float *src = dy + (((size_t)i * ih + iy) * fh + a) * ow * c;
                for (int b = 0; b < fw; b++) {
                    const float *sp = src + ((size_t)ix * fw + b) * c;
#pragma omp simd
                    for (int j = 0; j < c; j++) d[j] += sp[j];
                }
            }
        }
    }
}

/* ---- max pooling (cpu_pool.c's own path) ------------------------------------ */

/* below this many input elements the own pooling loops run on the calling thread */
#define POOL_PAR_MIN ((size_t)1 << 15)

/* own forward, output row r = (n, oy): per channel the first strict maximum
 * over the window, in the window's row-major order */
PT_INLINE void pool_fwd_row(const pt_pool_shape *s, const int c, const float *x, float *y, int r) {
    int n = r / s->oh, oy = r % s->oh;
    for (int ox = 0; ox < s->ow; ox++) {
        float *restrict yo = y + ((size_t)r * s->ow + ox) * c;
        const float *restrict x0 = x + (((size_t)n * s->ih + (size_t)oy * s->kh) * s->iw + (size_t)ox * s->kw) * c;
#pragma omp simd
        for (int j = 0; j < c; j++) yo[j] = x0[j];
        for (int ky = 0; ky < s->kh; ky++)
            for (int kx = 0; kx < s->kw; kx++) {
                if (ky == 0 && kx == 0) continue;
                const float *restrict xk = x0 + ((size_t)ky * s->iw + kx) * c;
#pragma omp simd
                for (int j = 0; j < c; j++) yo[j] = xk[j] > yo[j] ? xk[j] : yo[j];
            }
    }
}

/* own forward: one output row per iteration. No workspace: backward finds
 * each maximum's position again from x and y. */
void FN(pool_own_forward)(int nt, const pt_pool_shape *s, const float *x, float *y, size_t nx) {
    int rows = s->n * s->oh, c = s->c;
#pragma omp parallel for schedule(static) num_threads(nt) if (nx >= POOL_PAR_MIN)
    for (int r = 0; r < rows; r++) {
#define POOL_FWD_ROW(C) pool_fwd_row(s, C, x, y, r)
        BY_C(c, POOL_FWD_ROW);
#undef POOL_FWD_ROW
    }
}

/* own backward, output row r: dy goes to the first window position
 * (row-major) whose x equals y, the forward's argmax; every other dx element
 * of the window gets 0 */
PT_INLINE void pool_bwd_row(const pt_pool_shape *s, const int c, const float *x, const float *y, const float *dy,
                            float *dx, int acc, int r) {
    int n = r / s->oh, oy = r % s->oh;
    float rem[256]; /* per channel: dy not yet given to a position (c > 256: in slices) */
    for (int ox = 0; ox < s->ow; ox++) {
        size_t o = ((size_t)r * s->ow + ox) * c;
        size_t i0 = (((size_t)n * s->ih + (size_t)oy * s->kh) * s->iw + (size_t)ox * s->kw) * c;
        for (int j0 = 0; j0 < c; j0 += 256) {
            int cj = c - j0 < 256 ? c - j0 : 256;
            const float *restrict yo = y + o + j0, *restrict dyo = dy + o + j0;
#pragma omp simd
            for (int j = 0; j < cj; j++) rem[j] = dyo[j];
            for (int ky = 0; ky < s->kh; ky++)
                for (int kx = 0; kx < s->kw; kx++) {
                    size_t at = i0 + ((size_t)ky * s->iw + kx) * c + j0;
                    const float *restrict xk = x + at;
                    float *restrict dk = dx + at;
                    if (acc) {
#pragma omp simd
                        for (int j = 0; j < cj; j++) {
                            int hit = xk[j] == yo[j];
                            dk[j] += hit ? rem[j] : 0.0f;
                            rem[j] = hit ? 0.0f : rem[j];
                        }
                    } else {
#pragma omp simd
                        for (int j = 0; j < cj; j++) {
                            int hit = xk[j] == yo[j];
                            dk[j] = hit ? rem[j] : 0.0f;
                            rem[j] = hit ? 0.0f : rem[j];
                        }
                    }
                }
        }
    }
}

/* own backward (input rows or columns past the last window: 0, or left alone
 * with acc) */
void FN(pool_own_backward)(int nt, const pt_pool_shape *s, const float *x, const float *y, const float *dy,
                           float *dx, size_t nx, int acc) {
    int c = s->c;
    if (!acc && (s->oh * s->kh != s->ih || s->ow * s->kw != s->iw)) memset(dx, 0, nx * sizeof(float));
#pragma omp parallel for schedule(static) num_threads(nt) if (nx >= POOL_PAR_MIN)
    for (int r = 0; r < s->n * s->oh; r++) {
#define POOL_BWD_ROW(C) pool_bwd_row(s, C, x, y, dy, dx, acc, r)
        BY_C(c, POOL_BWD_ROW);
#undef POOL_BWD_ROW
    }
}

/* ---- batch norm -------------------------------------------------------------- */

/* Per-channel sums over rows with a static split over threads: part[t][k][c]
 * doubles, combined in thread order (deterministic for a thread count). Each
 * pass is one parallel region; the per-channel step between its loops runs on
 * one thread between barriers. */
static double *bn_parts(int nt, int c, int k) {
    double *p = calloc((size_t)nt * (size_t)c * (size_t)k, sizeof(double));
    PT_CPU_ALLOC_CHECK(p);
    return p;
}

/* Channel j's two sums over the T threads' parts ([t][2][c] of bn_parts),
 * added in thread order. */
static inline void bn_part_sums(const double *part, int T, int c, int j, double *s0, double *s1) {
    double a = 0.0, b = 0.0;
    for (int u = 0; u < T; u++) {
        a += part[(size_t)u * 2 * c + j];
        b += part[(size_t)u * 2 * c + c + j];
    }
    *s0 = a;
    *s1 = b;
}

/* thread t's rows [r0, r1): sums of d = x - x0 and d^2 (x0 = the first row,
 * a shift that keeps var = E[d^2] - E[d]^2 free of cancellation when the mean
 * is large against the spread) */
PT_INLINE void bn_stats_rows(const float *x, const int c, size_t r0, size_t r1, double *restrict s1,
                             double *restrict s2) {
    for (size_t r = r0; r < r1; r++) {
        const float *restrict xr = x + r * c;
#pragma omp simd
        for (int j = 0; j < c; j++) {
            double dd = (double)xr[j] - (double)x[j];
            s1[j] += dd;
            s2[j] += dd * dd;
        }
    }
}

/* y = x * a + sh over rows [r0, r1) */
PT_INLINE void bn_apply_rows(const float *x, const int c, size_t r0, size_t r1, const float *restrict a,
                             const float *restrict sh, float *y) {
    for (size_t r = r0; r < r1; r++) {
        const float *restrict xr = x + r * c;
        float *restrict yr = y + r * c;
#pragma omp simd
        for (int j = 0; j < c; j++) yr[j] = xr[j] * a[j] + sh[j];
    }
}

/* backward's sums over rows [r0, r1): dy, and dy * xhat */
PT_INLINE void bn_backward_sums(const float *x, const float *dy, const int c, size_t r0, size_t r1,
                                const float *restrict mean, const float *restrict invstd, double *restrict sb,
                                double *restrict sg) {
    for (size_t r = r0; r < r1; r++) {
        const float *restrict xr = x + r * c, *restrict dyr = dy + r * c;
#pragma omp simd
        for (int j = 0; j < c; j++) {
            float xh = (xr[j] - mean[j]) * invstd[j];
            sb[j] += dyr[j];
            sg[j] += (double)(dyr[j] * xh);
        }
    }
}

/* dx (+)= k1 * dy - k2 * (x - k3) - k4 over rows [r0, r1) */
PT_INLINE void bn_backward_dx(const float *x, const float *dy, const int c, size_t r0, size_t r1,
                              const float *const *k, float *dx, int acc) {
    const float *restrict k1 = k[0], *restrict k2 = k[1], *restrict k3 = k[2], *restrict k4 = k[3];
    for (size_t r = r0; r < r1; r++) {
        const float *restrict xr = x + r * c, *restrict dyr = dy + r * c;
        float *restrict dxr = dx + r * c;
        if (acc) {
#pragma omp simd
            for (int j = 0; j < c; j++) dxr[j] += k1[j] * dyr[j] - k2[j] * (xr[j] - k3[j]) - k4[j];
        } else {
#pragma omp simd
            for (int j = 0; j < c; j++) dxr[j] = k1[j] * dyr[j] - k2[j] * (xr[j] - k3[j]) - k4[j];
        }
    }
}

/* One pass for the statistics (bn_stats_rows), then y = x * a + sh. */
void FN(bn_forward_train)(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                             const float *beta, float *running_mean, float *running_var, float momentum,
                             float eps, float *save_mean, float *save_invstd, float *y) {
    int nt = pt_cpu_threads(be);
    int par = (size_t)rows * c >= PAR_MIN;
    if (!par) nt = 1;
    double *part = bn_parts(nt, c, 2); /* [t][2][c]: sum d, sum d^2 */
    float *a = malloc((size_t)c * 2 * sizeof(float));
    PT_CPU_ALLOC_CHECK(a);
    float *sh = a + c;
    const float *x0 = x;
#pragma omp parallel num_threads(nt) if (par)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        size_t r0 = (size_t)rows * t / T, r1 = (size_t)rows * (t + 1) / T;
        double *s1 = part + (size_t)t * 2 * c;
#define BN_STATS(C) bn_stats_rows(x, C, r0, r1, s1, s1 + (C))
        BY_C(c, BN_STATS);
#undef BN_STATS
#pragma omp barrier
#pragma omp single
        for (int j = 0; j < c; j++) {
            double m1, m2;
            bn_part_sums(part, T, c, j, &m1, &m2);
            m1 /= rows;
            double ss = m2 - m1 * m1 * rows; /* sum (x - mean)^2 */
            if (ss < 0.0) ss = 0.0;
            double var = ss / rows;
            float mean = (float)((double)x0[j] + m1);
            float invstd = (float)(1.0 / sqrt(var + (double)eps));
            double unbiased = rows > 1 ? ss / (rows - 1) : var;
            if (save_mean) save_mean[j] = mean;
            if (save_invstd) save_invstd[j] = invstd;
            if (running_mean) running_mean[j] = (1.0f - momentum) * running_mean[j] + momentum * mean;
            if (running_var) running_var[j] = (1.0f - momentum) * running_var[j] + momentum * (float)unbiased;
            float g = gamma ? gamma[j] : 1.0f, b = beta ? beta[j] : 0.0f;
            a[j] = g * invstd;
            sh[j] = b - mean * a[j];
        }
        /* (single's implied barrier) y = x * a + sh */
#define BN_APPLY(C) bn_apply_rows(x, C, r0, r1, a, sh, y)
        BY_C(c, BN_APPLY);
#undef BN_APPLY
    }
    free(a);
    free(part);
}

void FN(bn_forward_eval)(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                            const float *beta, const float *running_mean, const float *running_var, float eps,
                            float *y) {
    int nt = pt_cpu_threads(be);
    float *a = malloc((size_t)c * 2 * sizeof(float));
    PT_CPU_ALLOC_CHECK(a);
    float *sh = a + c;
    for (int j = 0; j < c; j++) {
        float invstd = (float)(1.0 / sqrt((double)running_var[j] + (double)eps));
        float g = gamma ? gamma[j] : 1.0f, b = beta ? beta[j] : 0.0f;
        a[j] = g * invstd;
        sh[j] = b - running_mean[j] * a[j];
    }
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)rows * c >= PAR_MIN)
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * c;
        float *yr = y + (size_t)r * c;
#pragma omp simd
        for (int j = 0; j < c; j++) yr[j] = xr[j] * a[j] + sh[j];
    }
    free(a);
}

/* xhat = (x - mean) * invstd; dbeta = sum dy; dgamma = sum dy * xhat;
 * dx = gamma * invstd / m * (m * dy - dbeta - xhat * dgamma). One parallel
 * region: the sums, the per-channel constants on one thread, then dx. */
void FN(bn_backward)(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, int acc_dx, float *dgamma,
                        float *dbeta, int acc_w) {
    int nt = pt_cpu_threads(be);
    int par = (size_t)rows * c >= PAR_MIN;
    if (!par) nt = 1;
    double *part = bn_parts(nt, c, 2); /* [t][2][c]: sum dy, sum dy*xhat */
    float *k1 = malloc((size_t)c * 4 * sizeof(float));
    PT_CPU_ALLOC_CHECK(k1);
    float *k2 = k1 + c, *k3 = k1 + 2 * c, *k4 = k1 + 3 * c;
#pragma omp parallel num_threads(nt) if (par)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        size_t r0 = (size_t)rows * t / T, r1 = (size_t)rows * (t + 1) / T;
        double *sb = part + (size_t)t * 2 * c;
#define BN_BSUMS(C) bn_backward_sums(x, dy, C, r0, r1, save_mean, save_invstd, sb, sb + (C))
        BY_C(c, BN_BSUMS);
#undef BN_BSUMS
#pragma omp barrier
#pragma omp single
        for (int j = 0; j < c; j++) {
            double b, g;
            bn_part_sums(part, T, c, j, &b, &g);
            float sumdy = (float)b, sumdyx = (float)g;
            if (dbeta) dbeta[j] = acc_w ? dbeta[j] + sumdy : sumdy;
            if (dgamma) dgamma[j] = acc_w ? dgamma[j] + sumdyx : sumdyx;
            /* dx = k1 * dy - k2 * (sumdy + xhat * sumdyx) = k1 * dy + k3 * x + k4 */
            float gm = gamma ? gamma[j] : 1.0f;
            float kk1 = gm * save_invstd[j], kk2 = kk1 / (float)rows;
            float kx = kk2 * sumdyx * save_invstd[j]; /* coefficient of (x - mean) */
            k1[j] = kk1;
            k2[j] = kx;
            k3[j] = save_mean[j];
            k4[j] = kk2 * sumdy;
        }
        if (dx) {
            const float *k[4] = {k1, k2, k3, k4};
#define BN_DX(C) bn_backward_dx(x, dy, C, r0, r1, k, dx, acc_dx)
            BY_C(c, BN_DX);
#undef BN_DX
        }
    }
    free(k1);
    free(part);
}

/* ---- losses ------------------------------------------------------------------ */

float FN(softmax_xent)(pt_backend *be, int n, int k, const float *logits, const int32_t *labels,
                          float *dlogits, float scale) {
    (void)be;
    double loss = 0.0;
    float g = scale / (float)n;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        float mx = z[0];
        for (int j = 1; j < k; j++) mx = z[j] > mx ? z[j] : mx;
        double s = 0.0;
        for (int j = 0; j < k; j++) s += exp((double)(z[j] - mx));
        double lse = (double)mx + log(s);
        int y = labels[i];
        int ok = y >= 0 && y < k; /* as ref: a label out of range contributes nothing */
        if (ok) loss += lse - (double)z[y];
        if (dlogits) {
            float *d = dlogits + (size_t)i * k;
            if (ok) {
                for (int j = 0; j < k; j++) d[j] = (float)((exp((double)z[j] - lse) - (j == y ? 1.0 : 0.0)) * g);
            } else {
                for (int j = 0; j < k; j++) d[j] = 0.0f;
            }
        }
    }
    return (float)(loss / n);
}

float FN(bce_logits)(pt_backend *be, int n, int k, const float *logits, const float *targets, float *dlogits,
                        float scale) {
    (void)be;
    size_t m = (size_t)n * k;
    double loss = 0.0;
    float g = scale / (float)m;
    for (size_t i = 0; i < m; i++) {
        double z = logits[i], t = targets[i];
        /* max(z, 0) - z t + log(1 + exp(-|z|)) */
        loss += (z > 0 ? z : 0) - z * t + log1p(exp(-fabs(z)));
        if (dlogits) {
            double sig = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            dlogits[i] = (float)(sig - t) * g;
        }
    }
    return (float)(loss / (double)m);
}

float FN(mse)(pt_backend *be, size_t n, const float *pred, const float *target, float *dpred, float scale) {
    int nt = pt_cpu_threads(be);
    double loss = 0.0;
    float g = 2.0f * scale / (float)n;
#pragma omp parallel for simd schedule(static) num_threads(nt) if (n >= PAR_MIN) reduction(+ : loss)
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        loss += (double)d * d;
        if (dpred) dpred[i] = d * g;
    }
    return (float)(loss / (double)n);
}

int FN(argmax_correct)(pt_backend *be, int n, int k, const float *logits, const int32_t *labels) {
    (void)be;
    int correct = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[best]) best = j;
        correct += best == labels[i];
    }
    return correct;
}

/* ---- optimizers (PyTorch's SGD and Adam; L2 weight decay added to g) ---------- */

void FN(sgd_step)(pt_backend *be, size_t n, float *w, const float *g, float *mom, float lr, float momentum,
                     float weight_decay) {
    int nt = pt_cpu_threads(be);
    if (momentum != 0.0f && mom) {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + weight_decay * w[i];
            float m = momentum * mom[i] + d;
            mom[i] = m;
            w[i] -= lr * m;
        }
    } else {
        PAR_FOR_N
        for (size_t i = 0; i < n; i++) w[i] -= lr * (g[i] + weight_decay * w[i]);
    }
}

void FN(adam_step)(pt_backend *be, size_t n, float *w, const float *g, float *m, float *v, float lr,
                      float beta1, float beta2, float eps, float weight_decay, int t) {
    int nt = pt_cpu_threads(be);
    float bc1 = (float)(1.0 - pow((double)beta1, t));
    float bc2 = (float)(1.0 - pow((double)beta2, t));
    float step = lr / bc1, rs = 1.0f / sqrtf(bc2);
    /* (no forced simd: sqrtf keeps errno semantics here) */
#pragma omp parallel for schedule(static) num_threads(nt) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + weight_decay * w[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * d;
        float vi = beta2 * v[i] + (1.0f - beta2) * d * d;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step * mi / (sqrtf(vi) * rs + eps);
    }
}
