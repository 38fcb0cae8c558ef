/* backend_ref.c -- the `ref` backend: every op of pt_backend_ops as plain,
 * obviously correct C loops over host memory. Single-threaded, double
 * accumulators for every reduction, gathers rather than scatters where a
 * gradient sums over several outputs. It is the oracle the other backends and
 * the gradient checks are tested against; speed is not a goal.
 *
 * Layouts (backend.h): activations NHWC ([n][h][w][c]); conv weights OIHW;
 * linear weights [out][in]. No per-layer state (init returns NULL state). */
#include "nn/backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory --------------------------------------------------------------- */

static void *ref_alloc(pt_backend *be, size_t bytes) {
    (void)be;
    size_t sz = (bytes + 63) / 64 * 64;
    if (sz == 0) sz = 64;
    void *p = aligned_alloc(64, sz);
    if (p) memset(p, 0, sz);
    return p;
}

static void ref_free(pt_backend *be, void *p) {
    (void)be;
    free(p);
}

static void ref_copy(pt_backend *be, void *dst, const void *src, size_t bytes) {
    (void)be;
    if (bytes) memmove(dst, src, bytes);
}

static void ref_synchronize(pt_backend *be) { (void)be; }

static void ref_destroy(pt_backend *be) { free(be); }

/* ---- convolution ---------------------------------------------------------- */

static int ref_conv_init(pt_backend *be, void **state, const pt_conv_shape *s) {
    (void)be;
    (void)s;
    *state = NULL;
    return 0;
}

static void ref_state_free(pt_backend *be, void *state) {
    (void)be;
    (void)state;
}

/* x [n][ih][iw][ic], w [oc][ic][kh][kw] -> y [n][oh][ow][oc]:
 * y[n][oy][ox][o] = b[o] + sum_{ky,kx,i} x[n][oy*sh-ph+ky][ox*sw-pw+kx][i] * w[o][i][ky][kx]
 * (w[o][i][ky][kx] for i = 0, 1, ... lies kh*kw apart) */
static void ref_conv_forward(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                             const float *b, float *y) {
    (void)be;
    (void)state;
    const int ic = s->ic, oc = s->oc, kh = s->kh, kw = s->kw, khw = kh * kw;
    for (int n = 0; n < s->n; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                float *yp = y + (((size_t)n * s->oh + oy) * s->ow + ox) * oc;
                for (int o = 0; o < oc; o++) {
                    double acc = b ? b[o] : 0.0;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * s->sh - s->ph + ky;
                        if (iy < 0 || iy >= s->ih) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * s->sw - s->pw + kx;
                            if (ix < 0 || ix >= s->iw) continue;
                            const float *xp = x + (((size_t)n * s->ih + iy) * s->iw + ix) * ic;
                            const float *wp = w + (size_t)o * ic * khw + ky * kw + kx;
                            for (int i = 0; i < ic; i++) acc += (double)xp[i] * wp[(size_t)i * khw];
                        }
                    }
                    yp[o] = (float)acc;
                }
            }
}

/* dy [n][oh][ow][oc], w -> dx [n][ih][iw][ic]: each dx gathers the outputs it fed,
 * dx[n][iy][ix][i] = sum over (ky, kx) with iy = oy*sh-ph+ky, ix = ox*sw-pw+kx
 * of sum_o dy[n][oy][ox][o] * w[o][i][ky][kx] */
static void ref_conv_backward_data(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                                   const float *w, float *dx, int acc) {
    (void)be;
    (void)state;
    const int ic = s->ic, oc = s->oc, kh = s->kh, kw = s->kw, khw = kh * kw;
    const size_t wo = (size_t)ic * khw; /* w[o][i][ky][kx] for o = 0, 1, ... */
    for (int n = 0; n < s->n; n++)
        for (int iy = 0; iy < s->ih; iy++)
            for (int ix = 0; ix < s->iw; ix++)
                for (int i = 0; i < ic; i++) {
                    double sum = 0.0;
                    for (int ky = 0; ky < kh; ky++) {
                        int ty = iy + s->ph - ky; /* = oy * sh */
                        if (ty < 0 || ty % s->sh) continue;
                        int oy = ty / s->sh;
                        if (oy >= s->oh) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int tx = ix + s->pw - kx;
                            if (tx < 0 || tx % s->sw) continue;
                            int ox = tx / s->sw;
                            if (ox >= s->ow) continue;
                            const float *dyp = dy + (((size_t)n * s->oh + oy) * s->ow + ox) * oc;
                            const float *wp = w + (size_t)i * khw + ky * kw + kx;
                            for (int o = 0; o < oc; o++) sum += (double)dyp[o] * wp[o * wo];
                        }
                    }
                    float *d = dx + (((size_t)n * s->ih + iy) * s->iw + ix) * ic + i;
                    *d = acc ? (float)(*d + sum) : (float)sum;
                }
}

/* x, dy -> dw [oc][ic][kh][kw], db [oc]:
 * dw[o][i][ky][kx] = sum_{n,oy,ox} dy[n][oy][ox][o] * x[n][oy*sh-ph+ky][ox*sw-pw+kx][i] */
static void ref_conv_backward_weights(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                      const float *dy, float *dw, float *db, int acc) {
    (void)be;
    (void)state;
    const int ic = s->ic, oc = s->oc, kh = s->kh, kw = s->kw;
    for (int o = 0; o < oc; o++)
        for (int i = 0; i < ic; i++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    double sum = 0.0;
                    for (int n = 0; n < s->n; n++)
                        for (int oy = 0; oy < s->oh; oy++) {
                            int iy = oy * s->sh - s->ph + ky;
                            if (iy < 0 || iy >= s->ih) continue;
                            const float *dyp = dy + ((size_t)n * s->oh + oy) * s->ow * oc + o; /* ox = 0 */
                            const float *xp = x + ((size_t)n * s->ih + iy) * s->iw * ic + i;   /* ix = 0 */
                            for (int ox = 0; ox < s->ow; ox++) {
                                int ix = ox * s->sw - s->pw + kx;
                                if (ix < 0 || ix >= s->iw) continue;
                                sum += (double)dyp[(size_t)ox * oc] * xp[(size_t)ix * ic];
                            }
                        }
                    float *d = dw + (((size_t)o * ic + i) * kh + ky) * kw + kx;
                    *d = acc ? (float)(*d + sum) : (float)sum;
                }
    if (db) {
        size_t rows = (size_t)s->n * s->oh * s->ow;
        for (int o = 0; o < oc; o++) {
            double sum = 0.0;
            for (size_t r = 0; r < rows; r++) sum += dy[r * oc + o];
            db[o] = acc ? (float)(db[o] + sum) : (float)sum;
        }
    }
}

static void ref_weights_changed(pt_backend *be, void *state) {
    (void)be;
    (void)state;
}

/* ---- linear ---------------------------------------------------------------- */

static int ref_linear_init(pt_backend *be, void **state, int n, int in, int out) {
    (void)be;
    (void)n;
    (void)in;
    (void)out;
    *state = NULL;
    return 0;
}

/* y[n][out] = x[n][in] . w[out][in]^T + b[out] */
static void ref_linear_forward(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                               const float *b, float *y) {
    (void)be;
    (void)state;
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++) {
            double acc = b ? b[o] : 0.0;
            for (int i = 0; i < in; i++) acc += (double)x[(size_t)r * in + i] * w[(size_t)o * in + i];
            y[(size_t)r * out + o] = (float)acc;
        }
}

/* dx[n][in] (+)= dy[n][out] . w[out][in] */
static void ref_linear_backward_data(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                     const float *w, float *dx, int acc) {
    (void)be;
    (void)state;
    for (int r = 0; r < n; r++)
        for (int i = 0; i < in; i++) {
            double sum = 0.0;
            for (int o = 0; o < out; o++) sum += (double)dy[(size_t)r * out + o] * w[(size_t)o * in + i];
            float *d = dx + (size_t)r * in + i;
            *d = acc ? (float)(*d + sum) : (float)sum;
        }
}

/* dw[out][in] (+)= dy^T . x, db[out] (+)= sum_n dy */
static void ref_linear_backward_weights(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                        const float *dy, float *dw, float *db, int acc) {
    (void)be;
    (void)state;
    for (int o = 0; o < out; o++) {
        for (int i = 0; i < in; i++) {
            double sum = 0.0;
            for (int r = 0; r < n; r++) sum += (double)dy[(size_t)r * out + o] * x[(size_t)r * in + i];
            float *d = dw + (size_t)o * in + i;
            *d = acc ? (float)(*d + sum) : (float)sum;
        }
        if (db) {
            double sum = 0.0;
            for (int r = 0; r < n; r++) sum += dy[(size_t)r * out + o];
            db[o] = acc ? (float)(db[o] + sum) : (float)sum;
        }
    }
}

/* ---- batch norm -------------------------------------------------------------- */

static void ref_bn_forward_train(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                                 const float *beta, float *running_mean, float *running_var, float momentum,
                                 float eps, float *save_mean, float *save_invstd, float *y) {
    (void)be;
    for (int j = 0; j < c; j++) {
        double mean = 0.0, var = 0.0;
        for (int r = 0; r < rows; r++) mean += x[(size_t)r * c + j];
        mean /= rows;
        for (int r = 0; r < rows; r++) {
            double d = x[(size_t)r * c + j] - mean;
            var += d * d;
        }
        double var_biased = var / rows;
        double var_unbiased = rows > 1 ? var / (rows - 1) : var_biased;
        double invstd = 1.0 / sqrt(var_biased + eps);
        for (int r = 0; r < rows; r++) {
            size_t k = (size_t)r * c + j;
            y[k] = (float)(gamma[j] * (x[k] - mean) * invstd + beta[j]);
        }
        save_mean[j] = (float)mean;
        save_invstd[j] = (float)invstd;
        running_mean[j] = (float)((1.0 - momentum) * running_mean[j] + (double)momentum * mean);
        running_var[j] = (float)((1.0 - momentum) * running_var[j] + (double)momentum * var_unbiased);
    }
}

static void ref_bn_forward_eval(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                                const float *beta, const float *running_mean, const float *running_var, float eps,
                                float *y) {
    (void)be;
    for (int j = 0; j < c; j++) {
        double invstd = 1.0 / sqrt((double)running_var[j] + eps);
        for (int r = 0; r < rows; r++) {
            size_t k = (size_t)r * c + j;
            y[k] = (float)(gamma[j] * (x[k] - (double)running_mean[j]) * invstd + beta[j]);
        }
    }
}

/* xhat = (x - mean) * invstd; dbeta = sum dy; dgamma = sum dy * xhat;
 * dx = gamma * invstd / N * (N * dy - dbeta - xhat * dgamma) */
static void ref_bn_backward(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma,
                            const float *save_mean, const float *save_invstd, float *dx, int acc_dx, float *dgamma,
                            float *dbeta, int acc_w) {
    (void)be;
    for (int j = 0; j < c; j++) {
        double mean = save_mean[j], invstd = save_invstd[j];
        double sdy = 0.0, sdyx = 0.0;
        for (int r = 0; r < rows; r++) {
            size_t k = (size_t)r * c + j;
            sdy += dy[k];
            sdyx += dy[k] * (x[k] - mean) * invstd;
        }
        if (dgamma) dgamma[j] = acc_w ? (float)(dgamma[j] + sdyx) : (float)sdyx;
        if (dbeta) dbeta[j] = acc_w ? (float)(dbeta[j] + sdy) : (float)sdy;
        if (dx) {
            double f = gamma[j] * invstd / rows;
            for (int r = 0; r < rows; r++) {
                size_t k = (size_t)r * c + j;
                double xhat = (x[k] - mean) * invstd;
                double v = f * ((double)rows * dy[k] - sdy - xhat * sdyx);
                dx[k] = acc_dx ? (float)(dx[k] + v) : (float)v;
            }
        }
    }
}

/* ---- element-wise ---------------------------------------------------------- */

static void ref_relu_forward(pt_backend *be, size_t n, const float *x, float *y) {
    (void)be;
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void ref_relu_backward(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc) {
    (void)be;
    for (size_t i = 0; i < n; i++) {
        float v = y[i] > 0.0f ? dy[i] : 0.0f;
        dx[i] = acc ? dx[i] + v : v;
    }
}

static void ref_add_forward(pt_backend *be, size_t n, const float *a, const float *b, float *y) {
    (void)be;
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

static void ref_copy_grad(pt_backend *be, size_t n, const float *src, float *dst, int acc) {
    (void)be;
    for (size_t i = 0; i < n; i++) dst[i] = acc ? dst[i] + src[i] : src[i];
}

static void ref_dropout_forward(pt_backend *be, size_t n, const float *x, const uint8_t *mask, float scale,
                                float *y) {
    (void)be;
    for (size_t i = 0; i < n; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

static void ref_dropout_backward(pt_backend *be, size_t n, const float *dy, const uint8_t *mask, float scale,
                                 float *dx, int acc) {
    (void)be;
    for (size_t i = 0; i < n; i++) {
        float v = mask[i] ? dy[i] * scale : 0.0f;
        dx[i] = acc ? dx[i] + v : v;
    }
}

/* ---- pooling ------------------------------------------------------------------ */

static int ref_maxpool_init(pt_backend *be, void **state, const pt_pool_shape *s) {
    (void)be;
    (void)s;
    *state = NULL;
    return 0;
}

/* Index (into x) of the first maximum of output (n, oy, ox, c)'s window;
 * padding never wins (it counts as -inf). -1 when the window is all padding. */
static ptrdiff_t ref_pool_argmax(const pt_pool_shape *s, const float *x, int n, int oy, int ox, int c) {
    ptrdiff_t best = -1;
    float bv = 0.0f;
    for (int ky = 0; ky < s->kh; ky++) {
        int iy = oy * s->sh - s->ph + ky;
        if (iy < 0 || iy >= s->ih) continue;
        for (int kx = 0; kx < s->kw; kx++) {
            int ix = ox * s->sw - s->pw + kx;
            if (ix < 0 || ix >= s->iw) continue;
            ptrdiff_t k = (ptrdiff_t)((((size_t)n * s->ih + iy) * s->iw + ix) * s->c + c);
            if (best < 0 || x[k] > bv) {
                best = k;
                bv = x[k];
            }
        }
    }
    return best;
}

static void ref_maxpool_forward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, float *y) {
    (void)be;
    (void)state;
    for (int n = 0; n < s->n; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++)
                for (int c = 0; c < s->c; c++) {
                    ptrdiff_t k = ref_pool_argmax(s, x, n, oy, ox, c);
                    y[(((size_t)n * s->oh + oy) * s->ow + ox) * s->c + c] = k >= 0 ? x[k] : 0.0f;
                }
}

/* dx[argmax] += dy (the first maximum of each window, as forward chose it) */
static void ref_maxpool_backward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, const float *y,
                                 const float *dy, float *dx, int acc) {
    (void)be;
    (void)state;
    (void)y;
    if (!acc) memset(dx, 0, (size_t)s->n * s->ih * s->iw * s->c * sizeof(float));
    for (int n = 0; n < s->n; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++)
                for (int c = 0; c < s->c; c++) {
                    ptrdiff_t k = ref_pool_argmax(s, x, n, oy, ox, c);
                    if (k >= 0) dx[k] += dy[(((size_t)n * s->oh + oy) * s->ow + ox) * s->c + c];
                }
}

/* x[n][hw][c] -> y[n][c] */
static void ref_gap_forward(pt_backend *be, int n, int hw, int c, const float *x, float *y) {
    (void)be;
    for (int r = 0; r < n; r++)
        for (int j = 0; j < c; j++) {
            double sum = 0.0;
            for (int p = 0; p < hw; p++) sum += x[((size_t)r * hw + p) * c + j];
            y[(size_t)r * c + j] = (float)(sum / hw);
        }
}

static void ref_gap_backward(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc) {
    (void)be;
    for (int r = 0; r < n; r++)
        for (int p = 0; p < hw; p++)
            for (int j = 0; j < c; j++) {
                float v = dy[(size_t)r * c + j] / (float)hw;
                float *d = dx + ((size_t)r * hw + p) * c + j;
                *d = acc ? *d + v : v;
            }
}

/* x[n][ih][iw][c] -> y[n][ih*fh][iw*fw][c] */
static void ref_upsample_forward(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *x,
                                 float *y) {
    (void)be;
    int oh = ih * fh, ow = iw * fw;
    for (int r = 0; r < n; r++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int j = 0; j < c; j++)
                    y[(((size_t)r * oh + oy) * ow + ox) * c + j] =
                        x[(((size_t)r * ih + oy / fh) * iw + ox / fw) * c + j];
}

static void ref_upsample_backward(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *dy,
                                  float *dx, int acc) {
    (void)be;
    int oh = ih * fh, ow = iw * fw;
    for (int r = 0; r < n; r++)
        for (int iy = 0; iy < ih; iy++)
            for (int ix = 0; ix < iw; ix++)
                for (int j = 0; j < c; j++) {
                    double sum = 0.0;
                    for (int a = 0; a < fh; a++)
                        for (int b = 0; b < fw; b++)
                            sum += dy[(((size_t)r * oh + iy * fh + a) * ow + ix * fw + b) * c + j];
                    float *d = dx + (((size_t)r * ih + iy) * iw + ix) * c + j;
                    *d = acc ? (float)(*d + sum) : (float)sum;
                }
}

/* ---- losses (mean over the batch; the returned loss is unscaled) ------------- */

/* loss = mean_n -log softmax(logits[n])[label[n]];
 * dlogits = (softmax - onehot) / n * scale. A label outside [0, k) contributes
 * nothing (the data layer validates labels; this only keeps memory safe). */
static float ref_softmax_xent(pt_backend *be, int n, int k, const float *logits, const int32_t *labels,
                              float *dlogits, float scale) {
    (void)be;
    double loss = 0.0;
    for (int r = 0; r < n; r++) {
        const float *z = logits + (size_t)r * k;
        double mx = z[0];
        for (int j = 1; j < k; j++)
            if (z[j] > mx) mx = z[j];
        double se = 0.0;
        for (int j = 0; j < k; j++) se += exp(z[j] - mx);
        double lse = mx + log(se);
        int y = labels[r];
        int ok = y >= 0 && y < k;
        if (ok) loss += lse - z[y];
        if (dlogits)
            for (int j = 0; j < k; j++)
                dlogits[(size_t)r * k + j] =
                    ok ? (float)((exp(z[j] - lse) - (j == y ? 1.0 : 0.0)) / n * scale) : 0.0f;
    }
    return (float)(loss / n);
}

/* loss = mean over n*k of max(z,0) - z*t + log(1 + exp(-|z|));
 * dlogits = (sigmoid(z) - t) / (n*k) * scale */
static float ref_bce_logits(pt_backend *be, int n, int k, const float *logits, const float *targets, float *dlogits,
                            float scale) {
    (void)be;
    size_t m = (size_t)n * k;
    double loss = 0.0;
    for (size_t i = 0; i < m; i++) {
        double z = logits[i], t = targets[i];
        loss += (z > 0 ? z : 0) - z * t + log1p(exp(-fabs(z)));
        if (dlogits) {
            double sg = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            dlogits[i] = (float)((sg - t) / (double)m * scale);
        }
    }
    return (float)(loss / (double)m);
}

/* loss = mean (p - t)^2; dpred = 2 (p - t) / n * scale */
static float ref_mse(pt_backend *be, size_t n, const float *pred, const float *target, float *dpred, float scale) {
    (void)be;
    double loss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i];
        loss += d * d;
        if (dpred) dpred[i] = (float)(2.0 * d / (double)n * scale);
    }
    return (float)(loss / (double)n);
}

/* argmax ties go to the first index */
static int ref_argmax_correct(pt_backend *be, int n, int k, const float *logits, const int32_t *labels) {
    (void)be;
    int correct = 0;
    for (int r = 0; r < n; r++) {
        const float *z = logits + (size_t)r * k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[best]) best = j;
        correct += best == labels[r];
    }
    return correct;
}

/* ---- optimizers (PyTorch's definitions, weight decay as L2 added to g) ------ */

/* g' = g + wd*w; mom = momentum*mom + g'; w -= lr*mom (mom unused when momentum = 0) */
static void ref_sgd_step(pt_backend *be, size_t n, float *w, const float *g, float *mom, float lr, float momentum,
                         float weight_decay) {
    (void)be;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + weight_decay * w[i];
        if (momentum != 0.0f && mom) {
            mom[i] = momentum * mom[i] + gi;
            gi = mom[i];
        }
        w[i] -= lr * gi;
    }
}

/* m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
static void ref_adam_step(pt_backend *be, size_t n, float *w, const float *g, float *m, float *v, float lr,
                          float beta1, float beta2, float eps, float weight_decay, int t) {
    (void)be;
    double bc1 = 1.0 - pow(beta1, t), bc2 = 1.0 - pow(beta2, t);
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + weight_decay * w[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
        v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        double mh = m[i] / bc1, vh = v[i] / bc2;
        w[i] = (float)(w[i] - lr * mh / (sqrt(vh) + eps));
    }
}

static const pt_backend_ops ref_ops = {
    .name = "ref",
    .alloc = ref_alloc,
    .free = ref_free,
    .upload = ref_copy,
    .download = ref_copy,
    .synchronize = ref_synchronize,
    .conv_init = ref_conv_init,
    .conv_free = ref_state_free,
    .conv_forward = ref_conv_forward,
    .conv_backward_data = ref_conv_backward_data,
    .conv_backward_weights = ref_conv_backward_weights,
    .conv_weights_changed = ref_weights_changed,
    .linear_init = ref_linear_init,
    .linear_free = ref_state_free,
    .linear_forward = ref_linear_forward,
    .linear_backward_data = ref_linear_backward_data,
    .linear_backward_weights = ref_linear_backward_weights,
    .bn_forward_train = ref_bn_forward_train,
    .bn_forward_eval = ref_bn_forward_eval,
    .bn_backward = ref_bn_backward,
    .relu_forward = ref_relu_forward,
    .relu_backward = ref_relu_backward,
    .add_forward = ref_add_forward,
    .copy_grad = ref_copy_grad,
    .dropout_forward = ref_dropout_forward,
    .dropout_backward = ref_dropout_backward,
    .maxpool_init = ref_maxpool_init,
    .maxpool_free = ref_state_free,
    .maxpool_forward = ref_maxpool_forward,
    .maxpool_backward = ref_maxpool_backward,
    .gap_forward = ref_gap_forward,
    .gap_backward = ref_gap_backward,
    .upsample_forward = ref_upsample_forward,
    .upsample_backward = ref_upsample_backward,
    .softmax_xent = ref_softmax_xent,
    .bce_logits = ref_bce_logits,
    .mse = ref_mse,
    .argmax_correct = ref_argmax_correct,
    .sgd_step = ref_sgd_step,
    .adam_step = ref_adam_step,
    .destroy = ref_destroy,
};

pt_backend *pt_backend_ref_create(int threads, char *err, size_t errlen) {
    pt_backend *be = calloc(1, sizeof *be);
    if (!be) {
        if (err) snprintf(err, errlen, "ref: out of memory");
        return NULL;
    }
    be->ops = &ref_ops;
    be->threads = threads;
    be->impl = NULL;
    return be;
}
