// cuda_kernels.cu -- the cuda backend's own kernels: element-wise ops, bias
// and per-channel sums, weight reorders, batch norm, max pooling (first
// maximum, as ref), global average pooling, upsampling, the three losses,
// argmax accuracy and the optimizer steps. Plain C launchers are declared in
// cuda_kernels.h. Semantics follow backend_ref.c; reductions are deterministic
// (fixed grids, per-block partials in double added up in a fixed order).
#include "nn/cuda/cuda_kernels.h"

#include <math.h>

#define THREADS 256
#define RB_X 32       // channels per reduction block
#define RB_Y 8        // row lanes per reduction block
#define RED_GROUPS 256 // most row groups of a per-channel reduction
#define LOSS_BLOCKS 1024

static unsigned grid_for(size_t n) {
    size_t b = (n + THREADS - 1) / THREADS;
    if (b < 1) b = 1;
    if (b > (1u << 20)) b = 1u << 20; // grid-stride loops cover the rest
    return (unsigned)b;
}

#define FOR_N(i, n) for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

static int red_groups(int rows) {
    int g = (int)(((long long)rows + RB_Y * 32 - 1) / (RB_Y * 32));
    return g < 1 ? 1 : g > RED_GROUPS ? RED_GROUPS : g;
}

extern "C" size_t pt_cuk_reduce_scratch(int rows, int c) {
    size_t g = (size_t)red_groups(rows);
    return (2 * g * (size_t)c) * sizeof(double) + 8 * (size_t)c * sizeof(float) + 256;
}

extern "C" size_t pt_cuk_scalar_scratch(void) { return (LOSS_BLOCKS + 8) * sizeof(double); }

// ---- element-wise -----------------------------------------------------------------

// x and y may be one buffer (the net's in-place relu): no __restrict__
__global__ void k_relu_forward(size_t n, const float *x, float *y) {
    FOR_N(i, n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// dy and dx may be one buffer (in place, acc 0)
__global__ void k_relu_backward(size_t n, const float *__restrict__ y, const float *dy, float *dx, int acc) {
    FOR_N(i, n) {
        float v = y[i] > 0.0f ? dy[i] : 0.0f;
        dx[i] = acc ? dx[i] + v : v;
    }
}

__global__ void k_add(size_t n, const float *a, const float *b, float *y) { FOR_N(i, n) y[i] = a[i] + b[i]; }

__global__ void k_accumulate(size_t n, const float *src, float *dst) { FOR_N(i, n) dst[i] += src[i]; }

__global__ void k_dropout_forward(size_t n, const float *__restrict__ x, const uint8_t *__restrict__ mask,
                                  float scale, float *__restrict__ y) {
    FOR_N(i, n) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

__global__ void k_dropout_backward(size_t n, const float *__restrict__ dy, const uint8_t *__restrict__ mask,
                                   float scale, float *dx, int acc) {
    FOR_N(i, n) {
        float v = mask[i] ? dy[i] * scale : 0.0f;
        dx[i] = acc ? dx[i] + v : v;
    }
}

__global__ void k_bias_add(size_t n, int c, const float *__restrict__ b, float *y) { FOR_N(i, n) y[i] += b[i % c]; }

extern "C" cudaError_t pt_cuk_relu_forward(cudaStream_t s, size_t n, const float *x, float *y) {
    k_relu_forward<<<grid_for(n), THREADS, 0, s>>>(n, x, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_relu_backward(cudaStream_t s, size_t n, const float *y, const float *dy, float *dx,
                                            int acc) {
    k_relu_backward<<<grid_for(n), THREADS, 0, s>>>(n, y, dy, dx, acc);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_add(cudaStream_t s, size_t n, const float *a, const float *b, float *y) {
    k_add<<<grid_for(n), THREADS, 0, s>>>(n, a, b, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_accumulate(cudaStream_t s, size_t n, const float *src, float *dst) {
    k_accumulate<<<grid_for(n), THREADS, 0, s>>>(n, src, dst);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_dropout_forward(cudaStream_t s, size_t n, const float *x, const uint8_t *mask,
                                              float scale, float *y) {
    k_dropout_forward<<<grid_for(n), THREADS, 0, s>>>(n, x, mask, scale, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_dropout_backward(cudaStream_t s, size_t n, const float *dy, const uint8_t *mask,
                                               float scale, float *dx, int acc) {
    k_dropout_backward<<<grid_for(n), THREADS, 0, s>>>(n, dy, mask, scale, dx, acc);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_bias_add(cudaStream_t s, int rows, int c, const float *b, float *y) {
    size_t n = (size_t)rows * c;
    k_bias_add<<<grid_for(n), THREADS, 0, s>>>(n, c, b, y);
    return cudaGetLastError();
}

// ---- per-channel sums over [rows][c] -------------------------------------------------
// Block (RB_X, RB_Y): RB_X consecutive channels (coalesced) x RB_Y row lanes;
// grid (ceil(c / RB_X), groups). part[g][c] per sum.

__global__ void k_colsum_part(int rows, int c, const float *__restrict__ x, double *__restrict__ part) {
    __shared__ double sh[RB_Y][RB_X];
    int j = blockIdx.x * RB_X + threadIdx.x;
    double s = 0.0;
    if (j < c)
        for (long long r = (long long)blockIdx.y * RB_Y + threadIdx.y; r < rows; r += (long long)gridDim.y * RB_Y)
            s += x[r * c + j];
    sh[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < c) {
        double t = 0.0;
        for (int k = 0; k < RB_Y; k++) t += sh[k][threadIdx.x];
        part[(size_t)blockIdx.y * c + j] = t;
    }
}

__global__ void k_colsum_final(int c, int groups, const double *__restrict__ part, float *out, int acc) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= c) return;
    double t = 0.0;
    for (int g = 0; g < groups; g++) t += part[(size_t)g * c + j];
    out[j] = acc ? (float)(out[j] + t) : (float)t;
}

extern "C" cudaError_t pt_cuk_colsum(cudaStream_t s, int rows, int c, const float *x, float *out, int acc,
                                     void *part) {
    int g = red_groups(rows);
    dim3 grid((unsigned)((c + RB_X - 1) / RB_X), (unsigned)g), block(RB_X, RB_Y);
    k_colsum_part<<<grid, block, 0, s>>>(rows, c, x, (double *)part);
    k_colsum_final<<<(unsigned)((c + THREADS - 1) / THREADS), THREADS, 0, s>>>(c, g, (const double *)part, out, acc);
    return cudaGetLastError();
}

// ---- weight layouts -----------------------------------------------------------------------

__global__ void k_oihw_to_ohwi(size_t n, int ic, int khw, const float *__restrict__ src, float *__restrict__ dst) {
    FOR_N(e, n) { // e indexes dst [o][r][i]
        size_t i = e % ic, t = e / ic, r = t % khw, o = t / khw;
        dst[e] = src[(o * ic + i) * khw + r];
    }
}

__global__ void k_ohwi_to_oihw(size_t n, int ic, int khw, const float *__restrict__ src, float *dst, int acc) {
    FOR_N(e, n) { // e indexes dst [o][i][r]
        size_t r = e % khw, t = e / khw, i = t % ic, o = t / ic;
        float v = src[(o * khw + r) * ic + i];
        dst[e] = acc ? dst[e] + v : v;
    }
}

extern "C" cudaError_t pt_cuk_oihw_to_ohwi(cudaStream_t s, int oc, int ic, int khw, const float *src, float *dst) {
    size_t n = (size_t)oc * ic * khw;
    k_oihw_to_ohwi<<<grid_for(n), THREADS, 0, s>>>(n, ic, khw, src, dst);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_ohwi_to_oihw(cudaStream_t s, int oc, int ic, int khw, const float *src, float *dst,
                                           int acc) {
    size_t n = (size_t)oc * ic * khw;
    k_ohwi_to_oihw<<<grid_for(n), THREADS, 0, s>>>(n, ic, khw, src, dst, acc);
    return cudaGetLastError();
}

// ---- batch norm ----------------------------------------------------------------------------
// Scratch layout (part): [2][groups][c] doubles, then float coefficients [5][c].

static float *bn_coef(void *part, int rows, int c) {
    return (float *)((char *)part + 2 * (size_t)red_groups(rows) * c * sizeof(double));
}

// sums of x and x^2 (dy == NULL), or of dy and dy * xhat (backward)
__global__ void k_bn_part(int rows, int c, const float *__restrict__ x, const float *__restrict__ dy,
                          const float *__restrict__ mean, const float *__restrict__ invstd, double *__restrict__ part) {
    __shared__ double s1[RB_Y][RB_X], s2[RB_Y][RB_X];
    int j = blockIdx.x * RB_X + threadIdx.x;
    double a = 0.0, b = 0.0;
    if (j < c) {
        if (!dy) {
            for (long long r = (long long)blockIdx.y * RB_Y + threadIdx.y; r < rows; r += (long long)gridDim.y * RB_Y) {
                double v = x[r * c + j];
                a += v;
                b += v * v;
            }
        } else {
            double m = mean[j], is = invstd[j];
            for (long long r = (long long)blockIdx.y * RB_Y + threadIdx.y; r < rows; r += (long long)gridDim.y * RB_Y) {
                double g = dy[r * c + j];
                a += g;
                b += g * ((x[r * c + j] - m) * is);
            }
        }
    }
    s1[threadIdx.y][threadIdx.x] = a;
    s2[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && j < c) {
        double ta = 0.0, tb = 0.0;
        for (int k = 0; k < RB_Y; k++) ta += s1[k][threadIdx.x], tb += s2[k][threadIdx.x];
        part[(size_t)blockIdx.y * c + j] = ta;
        part[((size_t)gridDim.y + blockIdx.y) * c + j] = tb;
    }
}

__global__ void k_bn_forward_final(int rows, int c, int groups, const double *__restrict__ part,
                                   const float *__restrict__ gamma, float *running_mean, float *running_var,
                                   float momentum, float eps, float *save_mean, float *save_invstd, float *coef) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= c) return;
    double s = 0.0, ss = 0.0;
    for (int g = 0; g < groups; g++) s += part[(size_t)g * c + j], ss += part[((size_t)groups + g) * c + j];
    double mean = s / rows, var = ss / rows - mean * mean;
    if (var < 0.0) var = 0.0;
    double unbiased = rows > 1 ? var * rows / (rows - 1) : var;
    double invstd = 1.0 / sqrt(var + (double)eps);
    save_mean[j] = (float)mean;
    save_invstd[j] = (float)invstd;
    running_mean[j] = (float)((1.0 - momentum) * running_mean[j] + (double)momentum * mean);
    running_var[j] = (float)((1.0 - momentum) * running_var[j] + (double)momentum * unbiased);
    coef[j] = (float)mean;
    coef[c + j] = (float)(gamma[j] * invstd);
}

// y = (x - mean) * scale + beta with per-channel mean = coef[0..c), scale = coef[c..2c)
__global__ void k_bn_apply(size_t n, int c, const float *__restrict__ x, const float *__restrict__ coef,
                           const float *__restrict__ beta, float *__restrict__ y) {
    FOR_N(i, n) {
        int j = (int)(i % c);
        y[i] = (x[i] - coef[j]) * coef[c + j] + beta[j];
    }
}

__global__ void k_bn_forward_eval(size_t n, int c, const float *__restrict__ x, const float *__restrict__ gamma,
                                  const float *__restrict__ beta, const float *__restrict__ rm,
                                  const float *__restrict__ rv, float eps, float *__restrict__ y) {
    FOR_N(i, n) {
        int j = (int)(i % c);
        float is = 1.0f / sqrtf(rv[j] + eps);
        y[i] = gamma[j] * (x[i] - rm[j]) * is + beta[j];
    }
}

// dgamma, dbeta; coefficients for dx = A dy - B - C xhat: coef[2c..5c) = A, B, C
__global__ void k_bn_backward_final(int rows, int c, int groups, const double *__restrict__ part,
                                    const float *__restrict__ gamma, const float *__restrict__ invstd,
                                    float *dgamma, float *dbeta, int acc_w, float *coef) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= c) return;
    double sdy = 0.0, sdyx = 0.0;
    for (int g = 0; g < groups; g++) sdy += part[(size_t)g * c + j], sdyx += part[((size_t)groups + g) * c + j];
    if (dgamma) dgamma[j] = acc_w ? (float)(dgamma[j] + sdyx) : (float)sdyx;
    if (dbeta) dbeta[j] = acc_w ? (float)(dbeta[j] + sdy) : (float)sdy;
    double f = (double)gamma[j] * invstd[j] / rows;
    coef[2 * c + j] = (float)(f * rows);
    coef[3 * c + j] = (float)(f * sdy);
    coef[4 * c + j] = (float)(f * sdyx);
}

__global__ void k_bn_dx(size_t n, int c, const float *__restrict__ x, const float *__restrict__ dy,
                        const float *__restrict__ mean, const float *__restrict__ invstd,
                        const float *__restrict__ coef, float *dx, int acc) {
    FOR_N(i, n) {
        int j = (int)(i % c);
        float xhat = (x[i] - mean[j]) * invstd[j];
        float v = coef[2 * c + j] * dy[i] - coef[3 * c + j] - coef[4 * c + j] * xhat;
        dx[i] = acc ? dx[i] + v : v;
    }
}

extern "C" cudaError_t pt_cuk_bn_forward_train(cudaStream_t s, int rows, int c, const float *x, const float *gamma,
                                               const float *beta, float *running_mean, float *running_var,
                                               float momentum, float eps, float *save_mean, float *save_invstd,
                                               float *y, void *part) {
    int g = red_groups(rows);
    float *coef = bn_coef(part, rows, c);
    dim3 grid((unsigned)((c + RB_X - 1) / RB_X), (unsigned)g), block(RB_X, RB_Y);
    k_bn_part<<<grid, block, 0, s>>>(rows, c, x, NULL, NULL, NULL, (double *)part);
    k_bn_forward_final<<<(unsigned)((c + THREADS - 1) / THREADS), THREADS, 0, s>>>(
        rows, c, g, (const double *)part, gamma, running_mean, running_var, momentum, eps, save_mean, save_invstd,
        coef);
    size_t n = (size_t)rows * c;
    k_bn_apply<<<grid_for(n), THREADS, 0, s>>>(n, c, x, coef, beta, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_bn_forward_eval(cudaStream_t s, int rows, int c, const float *x, const float *gamma,
                                              const float *beta, const float *running_mean,
                                              const float *running_var, float eps, float *y) {
    size_t n = (size_t)rows * c;
    k_bn_forward_eval<<<grid_for(n), THREADS, 0, s>>>(n, c, x, gamma, beta, running_mean, running_var, eps, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_bn_backward(cudaStream_t s, int rows, int c, const float *x, const float *dy,
                                          const float *gamma, const float *save_mean, const float *save_invstd,
                                          float *dx, int acc_dx, float *dgamma, float *dbeta, int acc_w,
                                          void *part) {
    int g = red_groups(rows);
    float *coef = bn_coef(part, rows, c);
    dim3 grid((unsigned)((c + RB_X - 1) / RB_X), (unsigned)g), block(RB_X, RB_Y);
    k_bn_part<<<grid, block, 0, s>>>(rows, c, x, dy, save_mean, save_invstd, (double *)part);
    k_bn_backward_final<<<(unsigned)((c + THREADS - 1) / THREADS), THREADS, 0, s>>>(
        rows, c, g, (const double *)part, gamma, save_invstd, dgamma, dbeta, acc_w, coef);
    if (dx) {
        size_t n = (size_t)rows * c;
        k_bn_dx<<<grid_for(n), THREADS, 0, s>>>(n, c, x, dy, save_mean, save_invstd, coef, dx, acc_dx);
    }
    return cudaGetLastError();
}

// ---- pooling, upsampling -------------------------------------------------------------------

__global__ void k_maxpool_forward(size_t n, pt_pool_shape p, const float *__restrict__ x, float *__restrict__ y,
                                  int32_t *__restrict__ idx) {
    FOR_N(o, n) { // o indexes [n][oh][ow][c]
        int ch = (int)(o % p.c);
        size_t t = o / p.c;
        int ox = (int)(t % p.ow);
        t /= p.ow;
        int oy = (int)(t % p.oh);
        size_t b = t / p.oh;
        int best = -1;
        float bv = 0.0f;
        for (int ky = 0; ky < p.kh; ky++) {
            int iy = oy * p.sh - p.ph + ky;
            if (iy < 0 || iy >= p.ih) continue;
            for (int kx = 0; kx < p.kw; kx++) {
                int ix = ox * p.sw - p.pw + kx;
                if (ix < 0 || ix >= p.iw) continue;
                float v = x[((b * p.ih + iy) * p.iw + ix) * p.c + ch];
                if (best < 0 || v > bv) {
                    best = ky * p.kw + kx;
                    bv = v;
                }
            }
        }
        y[o] = best >= 0 ? bv : 0.0f;
        idx[o] = best;
    }
}

// gather: each input element sums dy over the windows whose first maximum it was
__global__ void k_maxpool_backward(size_t n, pt_pool_shape p, const int32_t *__restrict__ idx,
                                   const float *__restrict__ dy, float *dx, int acc) {
    FOR_N(i, n) { // i indexes [n][ih][iw][c]
        int ch = (int)(i % p.c);
        size_t t = i / p.c;
        int ix = (int)(t % p.iw);
        t /= p.iw;
        int iy = (int)(t % p.ih);
        size_t b = t / p.ih;
        int ty = iy + p.ph - p.kh + 1, tx = ix + p.pw - p.kw + 1;
        int oy0 = ty <= 0 ? 0 : (ty + p.sh - 1) / p.sh, oy1 = (iy + p.ph) / p.sh;
        int ox0 = tx <= 0 ? 0 : (tx + p.sw - 1) / p.sw, ox1 = (ix + p.pw) / p.sw;
        if (oy1 > p.oh - 1) oy1 = p.oh - 1;
        if (ox1 > p.ow - 1) ox1 = p.ow - 1;
        float s = 0.0f;
        for (int oy = oy0; oy <= oy1; oy++) {
            int ky = iy + p.ph - oy * p.sh;
            for (int ox = ox0; ox <= ox1; ox++) {
                int kx = ix + p.pw - ox * p.sw;
                size_t o = ((b * p.oh + oy) * p.ow + ox) * p.c + ch;
                if (idx[o] == ky * p.kw + kx) s += dy[o];
            }
        }
        dx[i] = acc ? dx[i] + s : s;
    }
}

__global__ void k_gap_forward(size_t n, int hw, int c, const float *__restrict__ x, float *__restrict__ y) {
    FOR_N(o, n) { // o indexes [n][c]
        size_t b = o / c;
        int j = (int)(o % c);
        double s = 0.0;
        for (int q = 0; q < hw; q++) s += x[(b * hw + q) * c + j];
        y[o] = (float)(s / hw);
    }
}

__global__ void k_gap_backward(size_t n, int hw, int c, const float *__restrict__ dy, float *dx, int acc) {
    FOR_N(i, n) { // i indexes [n][hw][c]
        int j = (int)(i % c);
        size_t b = i / ((size_t)hw * c);
        float v = dy[b * c + j] / (float)hw;
        dx[i] = acc ? dx[i] + v : v;
    }
}

__global__ void k_upsample_forward(size_t n, int ih, int iw, int c, int fh, int fw, const float *__restrict__ x,
                                   float *__restrict__ y) {
    int oh = ih * fh, ow = iw * fw;
    FOR_N(o, n) {
        int j = (int)(o % c);
        size_t t = o / c;
        int ox = (int)(t % ow);
        t /= ow;
        int oy = (int)(t % oh);
        size_t b = t / oh;
        y[o] = x[((b * ih + oy / fh) * iw + ox / fw) * c + j];
    }
}

__global__ void k_upsample_backward(size_t n, int ih, int iw, int c, int fh, int fw, const float *__restrict__ dy,
                                    float *dx, int acc) {
    int oh = ih * fh, ow = iw * fw;
    FOR_N(i, n) {
        int j = (int)(i % c);
        size_t t = i / c;
        int ix = (int)(t % iw);
        t /= iw;
        int iy = (int)(t % ih);
        size_t b = t / ih;
        float s = 0.0f;
        for (int a = 0; a < fh; a++)
            for (int q = 0; q < fw; q++) s += dy[((b * oh + (size_t)iy * fh + a) * ow + (size_t)ix * fw + q) * c + j];
        dx[i] = acc ? dx[i] + s : s;
    }
}

extern "C" cudaError_t pt_cuk_maxpool_forward(cudaStream_t s, pt_pool_shape p, const float *x, float *y,
                                              int32_t *idx) {
    size_t n = (size_t)p.n * p.oh * p.ow * p.c;
    k_maxpool_forward<<<grid_for(n), THREADS, 0, s>>>(n, p, x, y, idx);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_maxpool_backward(cudaStream_t s, pt_pool_shape p, const int32_t *idx, const float *dy,
                                               float *dx, int acc) {
    size_t n = (size_t)p.n * p.ih * p.iw * p.c;
    k_maxpool_backward<<<grid_for(n), THREADS, 0, s>>>(n, p, idx, dy, dx, acc);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_gap_forward(cudaStream_t s, int n, int hw, int c, const float *x, float *y) {
    size_t m = (size_t)n * c;
    k_gap_forward<<<grid_for(m), THREADS, 0, s>>>(m, hw, c, x, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_gap_backward(cudaStream_t s, int n, int hw, int c, const float *dy, float *dx,
                                           int acc) {
    size_t m = (size_t)n * hw * c;
    k_gap_backward<<<grid_for(m), THREADS, 0, s>>>(m, hw, c, dy, dx, acc);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_upsample_forward(cudaStream_t s, int n, int ih, int iw, int c, int fh, int fw,
                                               const float *x, float *y) {
    size_t m = (size_t)n * ih * fh * iw * fw * c;
    k_upsample_forward<<<grid_for(m), THREADS, 0, s>>>(m, ih, iw, c, fh, fw, x, y);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_upsample_backward(cudaStream_t s, int n, int ih, int iw, int c, int fh, int fw,
                                                const float *dy, float *dx, int acc) {
    size_t m = (size_t)n * ih * iw * c;
    k_upsample_backward<<<grid_for(m), THREADS, 0, s>>>(m, ih, iw, c, fh, fw, dy, dx, acc);
    return cudaGetLastError();
}

// ---- losses ---------------------------------------------------------------------------------

// block-wide sum of one double per thread (blockDim.x == THREADS), fixed order; result in thread 0
__device__ double block_sum(double v) {
    __shared__ double sh[THREADS];
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int w = THREADS / 2; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    return sh[0];
}

__global__ void k_sum_final(int nparts, const double *__restrict__ part, double *out) {
    double v = 0.0;
    for (int i = threadIdx.x; i < nparts; i += THREADS) v += part[i];
    double t = block_sum(v);
    if (threadIdx.x == 0) *out = t;
}

static unsigned loss_blocks(size_t work, size_t per_block) {
    size_t b = (work + per_block - 1) / per_block;
    return (unsigned)(b < 1 ? 1 : b > LOSS_BLOCKS ? LOSS_BLOCKS : b);
}

// one warp per row: loss_row = logsumexp(z) - z[label]
__global__ void k_softmax_xent(int n, int k, const float *__restrict__ logits, const int32_t *__restrict__ labels,
                               float *dlogits, float scale, double *part) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, wpb = THREADS / 32;
    double acc = 0.0;
    for (long long r = (long long)blockIdx.x * wpb + warp; r < n; r += (long long)gridDim.x * wpb) {
        const float *z = logits + r * k;
        float mx = -INFINITY;
        for (int j = lane; j < k; j += 32) mx = fmaxf(mx, z[j]);
        for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
        float se = 0.0f;
        for (int j = lane; j < k; j += 32) se += expf(z[j] - mx);
        for (int o = 16; o > 0; o >>= 1) se += __shfl_xor_sync(0xffffffffu, se, o);
        double lse = (double)mx + log((double)se);
        int y = labels[r];
        int ok = y >= 0 && y < k;
        if (lane == 0 && ok) acc += lse - z[y];
        if (dlogits)
            for (int j = lane; j < k; j += 32)
                dlogits[r * k + j] = ok ? (float)((exp((double)z[j] - lse) - (j == y ? 1.0 : 0.0)) / n * scale) : 0.0f;
    }
    double t = block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = t;
}

__global__ void k_bce_logits(size_t m, const float *__restrict__ logits, const float *__restrict__ targets,
                             float *dlogits, float scale, double *part) {
    double acc = 0.0;
    FOR_N(i, m) {
        double z = logits[i], t = targets[i];
        acc += (z > 0 ? z : 0) - z * t + log1p(exp(-fabs(z)));
        if (dlogits) {
            double sg = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            dlogits[i] = (float)((sg - t) / (double)m * scale);
        }
    }
    double t = block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = t;
}

__global__ void k_mse(size_t n, const float *__restrict__ pred, const float *__restrict__ target, float *dpred,
                      float scale, double *part) {
    double acc = 0.0;
    FOR_N(i, n) {
        float d = pred[i] - target[i];
        acc += (double)d * d;
        if (dpred) dpred[i] = (float)(2.0 * d / (double)n * scale);
    }
    double t = block_sum(acc);
    if (threadIdx.x == 0) part[blockIdx.x] = t;
}

// one warp per row: the first maximum (ties to the lowest index, as ref)
__global__ void k_argmax_correct(int n, int k, const float *__restrict__ logits, const int32_t *__restrict__ labels,
                                 int *count) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, wpb = THREADS / 32;
    for (long long r = (long long)blockIdx.x * wpb + warp; r < n; r += (long long)gridDim.x * wpb) {
        const float *z = logits + r * k;
        float bv = 0.0f;
        int bj = -1;
        for (int j = lane; j < k; j += 32)
            if (bj < 0 || z[j] > bv) bv = z[j], bj = j;
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_down_sync(0xffffffffu, bv, o);
            int oj = __shfl_down_sync(0xffffffffu, bj, o);
            if (oj >= 0 && (bj < 0 || ov > bv || (ov == bv && oj < bj))) bv = ov, bj = oj;
        }
        if (lane == 0 && bj == labels[r]) atomicAdd(count, 1);
    }
}

extern "C" cudaError_t pt_cuk_softmax_xent(cudaStream_t s, int n, int k, const float *logits, const int32_t *labels,
                                           float *dlogits, float scale, void *part, double *sum) {
    unsigned b = loss_blocks((size_t)n, THREADS / 32);
    k_softmax_xent<<<b, THREADS, 0, s>>>(n, k, logits, labels, dlogits, scale, (double *)part);
    k_sum_final<<<1, THREADS, 0, s>>>((int)b, (const double *)part, sum);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_bce_logits(cudaStream_t s, int n, int k, const float *logits, const float *targets,
                                         float *dlogits, float scale, void *part, double *sum) {
    size_t m = (size_t)n * k;
    unsigned b = loss_blocks(m, THREADS);
    k_bce_logits<<<b, THREADS, 0, s>>>(m, logits, targets, dlogits, scale, (double *)part);
    k_sum_final<<<1, THREADS, 0, s>>>((int)b, (const double *)part, sum);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_mse(cudaStream_t s, size_t n, const float *pred, const float *target, float *dpred,
                                  float scale, void *part, double *sum) {
    unsigned b = loss_blocks(n, THREADS);
    k_mse<<<b, THREADS, 0, s>>>(n, pred, target, dpred, scale, (double *)part);
    k_sum_final<<<1, THREADS, 0, s>>>((int)b, (const double *)part, sum);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_argmax_correct(cudaStream_t s, int n, int k, const float *logits,
                                             const int32_t *labels, int *count) {
    cudaError_t e = cudaMemsetAsync(count, 0, sizeof(int), s);
    if (e != cudaSuccess) return e;
    k_argmax_correct<<<loss_blocks((size_t)n, THREADS / 32), THREADS, 0, s>>>(n, k, logits, labels, count);
    return cudaGetLastError();
}

// ---- optimizers (PyTorch's definitions, as ref) ----------------------------------------------

__global__ void k_sgd_step(size_t n, float *w, const float *__restrict__ g, float *mom, float lr, float momentum,
                           float weight_decay) {
    FOR_N(i, n) {
        float gi = g[i] + weight_decay * w[i];
        if (momentum != 0.0f && mom) {
            mom[i] = momentum * mom[i] + gi;
            gi = mom[i];
        }
        w[i] -= lr * gi;
    }
}

__global__ void k_adam_step(size_t n, float *w, const float *__restrict__ g, float *m, float *v, float lr,
                            float beta1, float beta2, float eps, float weight_decay, double bc1, double bc2) {
    FOR_N(i, n) {
        float gi = g[i] + weight_decay * w[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        double mh = mi / bc1, vh = vi / bc2;
        w[i] = (float)(w[i] - lr * mh / (sqrt(vh) + eps));
    }
}

extern "C" cudaError_t pt_cuk_sgd_step(cudaStream_t s, size_t n, float *w, const float *g, float *mom, float lr,
                                       float momentum, float weight_decay) {
    k_sgd_step<<<grid_for(n), THREADS, 0, s>>>(n, w, g, mom, lr, momentum, weight_decay);
    return cudaGetLastError();
}

extern "C" cudaError_t pt_cuk_adam_step(cudaStream_t s, size_t n, float *w, const float *g, float *m, float *v,
                                        float lr, float beta1, float beta2, float eps, float weight_decay, double bc1,
                                        double bc2) {
    k_adam_step<<<grid_for(n), THREADS, 0, s>>>(n, w, g, m, v, lr, beta1, beta2, eps, weight_decay, bc1, bc2);
    return cudaGetLastError();
}
