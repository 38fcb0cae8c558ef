/* test_dnnl.c -- the cpu (oneDNN) backend against the ref backend: every op of
 * the table on fresh random data of several shapes (1-D and 2-D convolution
 * with stride and padding, odd sizes, batch 1 and > 1, acc = 0 and 1, weights
 * changed in place and swapped), forward and backward.
 *
 * Errors: norm-wise ||cpu - ref|| / ||ref|| under 1e-4, and per element
 * |cpu - ref| <= 1e-4 * (|ref| + rms(ref)) (rms(ref) is the absolute floor).
 * The largest norm-wise error per op is printed at the end. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "test.h"

#define TOL 1e-4

static pt_backend *ref, *cpu;

/* ---- deterministic random numbers ---------------------------------------------- */

static uint64_t rng_state = 12345;
static double rng_uniform(void) { /* [0, 1) */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}
static void fill(float *p, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(lo + (hi - lo) * rng_uniform());
}

/* host memory usable by both backends (both are host backends; allocate with
 * the cpu backend's alloc as backend.h asks) */
static float *fbuf(size_t n) { return cpu->ops->alloc(cpu, n * sizeof(float)); }
static float *frand(size_t n) {
    float *p = fbuf(n);
    fill(p, n, -1.0, 1.0);
    return p;
}
static float *fdup(const float *src, size_t n) {
    float *p = fbuf(n);
    memcpy(p, src, n * sizeof(float));
    return p;
}
static void ffree(void *p) { cpu->ops->free(cpu, p); }

/* ---- error bookkeeping ------------------------------------------------------------ */

#define MAX_OPS 64
static struct {
    const char *op;
    double worst;
    int n;
} stats[MAX_OPS];
static int nstats;

static void record(const char *op, double e) {
    for (int i = 0; i < nstats; i++)
        if (!strcmp(stats[i].op, op)) {
            if (e > stats[i].worst) stats[i].worst = e;
            stats[i].n++;
            return;
        }
    if (nstats < MAX_OPS) {
        stats[nstats].op = op;
        stats[nstats].worst = e;
        stats[nstats].n = 1;
        nstats++;
    }
}

/* compares cpu output a with ref output b; what names the case on failure */
static void cmp(const char *op, const char *what, const float *a, const float *b, size_t n) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    double rms = n ? sqrt(den / (double)n) : 0.0;
    double rel = den > 0 ? sqrt(num / den) : sqrt(num);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(fabs((double)a[i] - b[i]) <= TOL * (fabs(b[i]) + rms) + 1e-30)) {
            if (!bad) first = i;
            bad++;
        }
    }
    record(op, rel);
    pt_test_checks++;
    if (!(rel < TOL) || bad) {
        pt_test_failures++;
        fprintf(stderr, "%s [%s]: rel %.3g, %zu of %zu elements off (first %zu: cpu %.9g ref %.9g)\n", op, what,
                rel, bad, n, first, n ? a[first] : 0.0f, n ? b[first] : 0.0f);
    }
}

/* ---- convolution ----------------------------------------------------------------- */

static void conv_case(int n, int ih, int iw, int ic, int oc, int kh, int kw, int sh, int sw, int ph, int pw,
                      int bias) {
    pt_conv_shape s = {.n = n, .ih = ih, .iw = iw, .ic = ic, .oc = oc, .kh = kh, .kw = kw,
                       .sh = sh, .sw = sw, .ph = ph, .pw = pw};
    s.oh = (ih + 2 * ph - kh) / sh + 1;
    s.ow = (iw + 2 * pw - kw) / sw + 1;
    char what[160];
    snprintf(what, sizeof what, "n%d %dx%dx%d->%d k%dx%d s%dx%d p%dx%d%s", n, ih, iw, ic, oc, kh, kw, sh, sw, ph, pw,
             bias ? " bias" : "");
    size_t nx = (size_t)n * ih * iw * ic, ny = (size_t)n * s.oh * s.ow * oc, nw = (size_t)oc * ic * kh * kw;
    void *st = NULL, *rst = NULL;
    CHECK(cpu->ops->conv_init(cpu, &st, &s) == 0);
    CHECK(ref->ops->conv_init(ref, &rst, &s) == 0);
    if (!st) return;
    float *x = frand(nx), *w = frand(nw), *b = bias ? frand((size_t)oc) : NULL;
    float *y = fbuf(ny), *ry = fbuf(ny);

    /* forward */
    cpu->ops->conv_forward(cpu, st, &s, x, w, b, y);
    ref->ops->conv_forward(ref, rst, &s, x, w, b, ry);
    cmp("conv_forward", what, y, ry, ny);

    /* backward data, acc = 0 then acc = 1 onto random contents */
    float *dy = frand(ny), *dx = frand(nx), *rdx = fdup(dx, nx);
    cpu->ops->conv_backward_data(cpu, st, &s, dy, w, dx, 0);
    ref->ops->conv_backward_data(ref, rst, &s, dy, w, rdx, 0);
    cmp("conv_backward_data", what, dx, rdx, nx);
    fill(dx, nx, -1, 1);
    memcpy(rdx, dx, nx * sizeof(float));
    cpu->ops->conv_backward_data(cpu, st, &s, dy, w, dx, 1);
    ref->ops->conv_backward_data(ref, rst, &s, dy, w, rdx, 1);
    cmp("conv_backward_data acc", what, dx, rdx, nx);

    /* backward weights, acc = 0 then 1 */
    float *dw = frand(nw), *rdw = fdup(dw, nw);
    float *db = bias ? frand((size_t)oc) : NULL, *rdb = bias ? fdup(db, (size_t)oc) : NULL;
    cpu->ops->conv_backward_weights(cpu, st, &s, x, dy, dw, db, 0);
    ref->ops->conv_backward_weights(ref, rst, &s, x, dy, rdw, rdb, 0);
    cmp("conv_backward_weights", what, dw, rdw, nw);
    if (bias) cmp("conv_backward_bias", what, db, rdb, (size_t)oc);
    /* deterministic: the same call again gives the same bits */
    float *dw2 = fbuf(nw), *db2 = bias ? fbuf((size_t)oc) : NULL;
    cpu->ops->conv_backward_weights(cpu, st, &s, x, dy, dw2, db2, 0);
    CHECK(memcmp(dw, dw2, nw * sizeof(float)) == 0);
    cpu->ops->conv_backward_weights(cpu, st, &s, x, dy, dw, db, 1);
    ref->ops->conv_backward_weights(ref, rst, &s, x, dy, rdw, rdb, 1);
    cmp("conv_backward_weights acc", what, dw, rdw, nw);
    if (bias) cmp("conv_backward_bias acc", what, db, rdb, (size_t)oc);

    /* weights changed in place (as the optimizer does), then announced */
    for (size_t i = 0; i < nw; i++) w[i] = w[i] * 0.5f + 0.1f * (float)rng_uniform();
    cpu->ops->conv_weights_changed(cpu, st);
    ref->ops->conv_weights_changed(ref, rst);
    fill(x, nx, -1, 1);
    cpu->ops->conv_forward(cpu, st, &s, x, w, b, y);
    ref->ops->conv_forward(ref, rst, &s, x, w, b, ry);
    cmp("conv_forward after weights_changed", what, y, ry, ny);
    cpu->ops->conv_backward_data(cpu, st, &s, dy, w, dx, 0);
    ref->ops->conv_backward_data(ref, rst, &s, dy, w, rdx, 0);
    cmp("conv_backward_data after weights_changed", what, dx, rdx, nx);

    /* another weight buffer (a different pointer) is picked up too */
    float *w2 = frand(nw);
    cpu->ops->conv_forward(cpu, st, &s, x, w2, b, y);
    ref->ops->conv_forward(ref, rst, &s, x, w2, b, ry);
    cmp("conv_forward other weights", what, y, ry, ny);

    ffree(x), ffree(w), ffree(w2), ffree(b), ffree(y), ffree(ry), ffree(dy), ffree(dx), ffree(rdx);
    ffree(dw), ffree(rdw), ffree(db), ffree(rdb), ffree(dw2), ffree(db2);
    cpu->ops->conv_free(cpu, st);
    ref->ops->conv_free(ref, rst);
}

static void test_conv(void) {
    /* 1-D (h = 1): NWC */
    conv_case(1, 1, 17, 3, 5, 1, 3, 1, 1, 0, 1, 1);
    conv_case(4, 1, 31, 6, 8, 1, 5, 1, 2, 0, 2, 0);
    conv_case(3, 1, 64, 40, 32, 1, 7, 1, 1, 0, 3, 1);
    conv_case(2, 1, 33, 16, 24, 1, 3, 1, 2, 0, 0, 1);
    /* 2-D: NHWC */
    conv_case(2, 9, 11, 3, 8, 3, 3, 2, 2, 1, 1, 1);
    conv_case(1, 7, 7, 16, 16, 1, 1, 1, 1, 0, 0, 0);
    conv_case(3, 8, 8, 4, 6, 3, 5, 1, 2, 1, 2, 1);
    conv_case(2, 19, 19, 3, 8, 7, 7, 2, 2, 3, 3, 0);   /* resnet stem */
    conv_case(2, 8, 8, 8, 16, 1, 1, 2, 2, 0, 0, 0);    /* resnet downsample */
    conv_case(2, 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 0);   /* resnet block */
    conv_case(1, 28, 28, 1, 8, 3, 3, 1, 1, 1, 1, 1);   /* fmnist first layer */
    conv_case(2, 6, 5, 32, 64, 3, 3, 2, 2, 1, 1, 1);
    /* 2x2 maps: oneDNN has no direct backward-weights kernel; the backend's
       im2col + sgemm path (resnet18's layer4) */
    conv_case(2, 2, 2, 512, 512, 3, 3, 1, 1, 1, 1, 0);
    conv_case(3, 2, 2, 64, 48, 3, 3, 1, 1, 1, 1, 1);
}

/* ---- linear ------------------------------------------------------------------------ */

static void linear_case(int n, int in, int out, int bias) {
    char what[64];
    snprintf(what, sizeof what, "n%d %d->%d%s", n, in, out, bias ? " bias" : "");
    void *st = NULL, *rst = NULL;
    CHECK(cpu->ops->linear_init(cpu, &st, n, in, out) == 0);
    CHECK(ref->ops->linear_init(ref, &rst, n, in, out) == 0);
    size_t nx = (size_t)n * in, ny = (size_t)n * out, nw = (size_t)in * out;
    float *x = frand(nx), *w = frand(nw), *b = bias ? frand((size_t)out) : NULL;
    float *y = frand(ny), *ry = fbuf(ny);
    cpu->ops->linear_forward(cpu, st, n, in, out, x, w, b, y);
    ref->ops->linear_forward(ref, rst, n, in, out, x, w, b, ry);
    cmp("linear_forward", what, y, ry, ny);
    float *dy = frand(ny);
    for (int acc = 0; acc < 2; acc++) {
        float *dx = frand(nx), *rdx = fdup(dx, nx);
        cpu->ops->linear_backward_data(cpu, st, n, in, out, dy, w, dx, acc);
        ref->ops->linear_backward_data(ref, rst, n, in, out, dy, w, rdx, acc);
        cmp(acc ? "linear_backward_data acc" : "linear_backward_data", what, dx, rdx, nx);
        float *dw = frand(nw), *rdw = fdup(dw, nw);
        float *db = bias ? frand((size_t)out) : NULL, *rdb = bias ? fdup(db, (size_t)out) : NULL;
        cpu->ops->linear_backward_weights(cpu, st, n, in, out, x, dy, dw, db, acc);
        ref->ops->linear_backward_weights(ref, rst, n, in, out, x, dy, rdw, rdb, acc);
        cmp(acc ? "linear_backward_weights acc" : "linear_backward_weights", what, dw, rdw, nw);
        if (bias) cmp(acc ? "linear_backward_bias acc" : "linear_backward_bias", what, db, rdb, (size_t)out);
        ffree(dx), ffree(rdx), ffree(dw), ffree(rdw), ffree(db), ffree(rdb);
    }
    ffree(x), ffree(w), ffree(b), ffree(y), ffree(ry), ffree(dy);
    cpu->ops->linear_free(cpu, st);
    ref->ops->linear_free(ref, rst);
}

static void test_linear(void) {
    linear_case(1, 7, 3, 1);
    linear_case(33, 65, 10, 1);
    linear_case(16, 512, 40, 0);
    linear_case(5, 1, 1, 1);
}

/* ---- batch norm ---------------------------------------------------------------------- */

/* off: a common offset, large against the spread (statistics without cancellation) */
static void bn_case(int rows, int c, double off) {
    char what[64];
    snprintf(what, sizeof what, "rows%d c%d off%g", rows, c, off);
    size_t nx = (size_t)rows * c;
    float *x = fbuf(nx);
    /* per-channel offsets and scales, so mean and variance matter */
    for (size_t i = 0; i < nx; i++) x[i] = (float)(off + 0.5 * (int)(i % c) - 1.0 + (1.0 + i % c) * (rng_uniform() - 0.5));
    float *gamma = frand((size_t)c), *beta = frand((size_t)c);
    float *rm = frand((size_t)c), *rv = fbuf((size_t)c);
    fill(rv, (size_t)c, 0.5, 2.0);
    float *rrm = fdup(rm, (size_t)c), *rrv = fdup(rv, (size_t)c);
    float *sm = fbuf((size_t)c), *si = fbuf((size_t)c), *rsm = fbuf((size_t)c), *rsi = fbuf((size_t)c);
    float *y = fbuf(nx), *ry = fbuf(nx);
    cpu->ops->bn_forward_train(cpu, rows, c, x, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, y);
    ref->ops->bn_forward_train(ref, rows, c, x, gamma, beta, rrm, rrv, 0.1f, 1e-5f, rsm, rsi, ry);
    cmp("bn_forward_train y", what, y, ry, nx);
    cmp("bn_forward_train save_mean", what, sm, rsm, (size_t)c);
    cmp("bn_forward_train save_invstd", what, si, rsi, (size_t)c);
    cmp("bn_forward_train running_mean", what, rm, rrm, (size_t)c);
    cmp("bn_forward_train running_var", what, rv, rrv, (size_t)c);

    cpu->ops->bn_forward_eval(cpu, rows, c, x, gamma, beta, rm, rv, 1e-5f, y);
    ref->ops->bn_forward_eval(ref, rows, c, x, gamma, beta, rrm, rrv, 1e-5f, ry);
    cmp("bn_forward_eval", what, y, ry, nx);

    float *dy = frand(nx);
    for (int acc = 0; acc < 2; acc++) {
        float *dx = frand(nx), *rdx = fdup(dx, nx);
        float *dg = frand((size_t)c), *rdg = fdup(dg, (size_t)c), *dbt = frand((size_t)c), *rdbt = fdup(dbt, (size_t)c);
        cpu->ops->bn_backward(cpu, rows, c, x, dy, gamma, rsm, rsi, dx, acc, dg, dbt, acc);
        ref->ops->bn_backward(ref, rows, c, x, dy, gamma, rsm, rsi, rdx, acc, rdg, rdbt, acc);
        cmp(acc ? "bn_backward dx acc" : "bn_backward dx", what, dx, rdx, nx);
        cmp(acc ? "bn_backward dgamma acc" : "bn_backward dgamma", what, dg, rdg, (size_t)c);
        cmp(acc ? "bn_backward dbeta acc" : "bn_backward dbeta", what, dbt, rdbt, (size_t)c);
        /* mixed flags and absent outputs */
        cpu->ops->bn_backward(cpu, rows, c, x, dy, gamma, rsm, rsi, NULL, 0, dg, dbt, !acc);
        ref->ops->bn_backward(ref, rows, c, x, dy, gamma, rsm, rsi, NULL, 0, rdg, rdbt, !acc);
        cmp("bn_backward weights only", what, dg, rdg, (size_t)c);
        cpu->ops->bn_backward(cpu, rows, c, x, dy, gamma, rsm, rsi, dx, !acc, NULL, NULL, 0);
        ref->ops->bn_backward(ref, rows, c, x, dy, gamma, rsm, rsi, rdx, !acc, NULL, NULL, 0);
        cmp("bn_backward dx only", what, dx, rdx, nx);
        ffree(dx), ffree(rdx), ffree(dg), ffree(rdg), ffree(dbt), ffree(rdbt);
    }
    ffree(x), ffree(gamma), ffree(beta), ffree(rm), ffree(rv), ffree(rrm), ffree(rrv), ffree(sm), ffree(si);
    ffree(rsm), ffree(rsi), ffree(y), ffree(ry), ffree(dy);
}

static void test_bn(void) {
    /* (not rows = 2: there dx = O(eps / var) by exact cancellation, below
       what any float32 evaluation resolves) */
    bn_case(3, 3, 0.0);
    bn_case(5, 17, 0.0);
    bn_case(2 * 64, 32, 0.0);
    bn_case(4096 + 3, 24, 0.0); /* above the threads' threshold, uneven split */
    bn_case(4096 + 3, 24, 100.0);
}

/* ---- element-wise ------------------------------------------------------------------------ */

static void elementwise_case(size_t n) {
    char what[32];
    snprintf(what, sizeof what, "n%zu", n);
    float *x = frand(n), *x2 = frand(n), *y = fbuf(n), *ry = fbuf(n), *dy = frand(n);
    uint8_t *mask = cpu->ops->alloc(cpu, n);
    for (size_t i = 0; i < n; i++) mask[i] = rng_uniform() < 0.7;
    cpu->ops->relu_forward(cpu, n, x, y);
    ref->ops->relu_forward(ref, n, x, ry);
    cmp("relu_forward", what, y, ry, n);
    cpu->ops->add_forward(cpu, n, x, x2, y);
    ref->ops->add_forward(ref, n, x, x2, ry);
    cmp("add_forward", what, y, ry, n);
    cpu->ops->dropout_forward(cpu, n, x, mask, 1.0f / 0.7f, y);
    ref->ops->dropout_forward(ref, n, x, mask, 1.0f / 0.7f, ry);
    cmp("dropout_forward", what, y, ry, n);
    for (int acc = 0; acc < 2; acc++) {
        float *dx = frand(n), *rdx = fdup(dx, n);
        cpu->ops->relu_backward(cpu, n, x, dy, dx, acc);
        ref->ops->relu_backward(ref, n, x, dy, rdx, acc);
        cmp(acc ? "relu_backward acc" : "relu_backward", what, dx, rdx, n);
        cpu->ops->copy_grad(cpu, n, dy, dx, acc);
        ref->ops->copy_grad(ref, n, dy, rdx, acc);
        cmp(acc ? "copy_grad acc" : "copy_grad", what, dx, rdx, n);
        cpu->ops->dropout_backward(cpu, n, dy, mask, 1.0f / 0.7f, dx, acc);
        ref->ops->dropout_backward(ref, n, dy, mask, 1.0f / 0.7f, rdx, acc);
        cmp(acc ? "dropout_backward acc" : "dropout_backward", what, dx, rdx, n);
        ffree(dx), ffree(rdx);
    }
    ffree(x), ffree(x2), ffree(y), ffree(ry), ffree(dy), ffree(mask);
}

static void test_elementwise(void) {
    elementwise_case(1);
    elementwise_case(1000);
    elementwise_case(100003);
}

/* ---- pooling and upsampling ----------------------------------------------------------------- */

/* ties = 1: the input goes through ReLU first and is rounded to a few levels,
 * so many windows hold equal maxima (zeros): the gradient must go to the
 * first maximum in window order, as ref's */
static void pool_case_t(int n, int ih, int iw, int c, int kh, int kw, int sh, int sw, int ph, int pw, int ties) {
    pt_pool_shape s = {.n = n, .ih = ih, .iw = iw, .c = c, .kh = kh, .kw = kw, .sh = sh, .sw = sw, .ph = ph, .pw = pw};
    s.oh = (ih + 2 * ph - kh) / sh + 1;
    s.ow = (iw + 2 * pw - kw) / sw + 1;
    char what[128];
    snprintf(what, sizeof what, "n%d %dx%dx%d k%dx%d s%dx%d p%dx%d%s", n, ih, iw, c, kh, kw, sh, sw, ph, pw,
             ties ? " ties" : "");
    void *st = NULL, *rst = NULL;
    CHECK(cpu->ops->maxpool_init(cpu, &st, &s) == 0);
    CHECK(ref->ops->maxpool_init(ref, &rst, &s) == 0);
    if (!st) return;
    size_t nx = (size_t)n * ih * iw * c, ny = (size_t)n * s.oh * s.ow * c;
    float *x = frand(nx), *y = fbuf(ny), *ry = fbuf(ny), *dy = frand(ny);
    if (ties)
        for (size_t i = 0; i < nx; i++) x[i] = x[i] > 0.0f ? floorf(x[i] * 3.0f) : 0.0f;
    cpu->ops->maxpool_forward(cpu, st, &s, x, y);
    ref->ops->maxpool_forward(ref, rst, &s, x, ry);
    cmp("maxpool_forward", what, y, ry, ny);
    for (int acc = 0; acc < 2; acc++) {
        float *dx = frand(nx), *rdx = fdup(dx, nx);
        cpu->ops->maxpool_backward(cpu, st, &s, x, y, dy, dx, acc);
        ref->ops->maxpool_backward(ref, rst, &s, x, ry, dy, rdx, acc);
        cmp(acc ? "maxpool_backward acc" : "maxpool_backward", what, dx, rdx, nx);
        ffree(dx), ffree(rdx);
    }
    ffree(x), ffree(y), ffree(ry), ffree(dy);
    cpu->ops->maxpool_free(cpu, st);
    ref->ops->maxpool_free(ref, rst);
}

static void pool_case(int n, int ih, int iw, int c, int kh, int kw, int sh, int sw, int ph, int pw) {
    pool_case_t(n, ih, iw, c, kh, kw, sh, sw, ph, pw, 0);
}

static void test_pool(void) {
    pool_case(1, 1, 16, 3, 1, 2, 1, 2, 0, 0);
    pool_case(3, 1, 31, 8, 1, 3, 1, 2, 0, 0);  /* odd: floor drops the tail */
    pool_case(2, 16, 16, 8, 3, 3, 2, 2, 1, 1); /* resnet's */
    pool_case(2, 7, 9, 5, 2, 2, 2, 2, 0, 0);
    pool_case(1, 28, 28, 4, 2, 2, 2, 2, 0, 0);
    pool_case_t(2, 1, 33, 8, 1, 3, 1, 2, 0, 1, 1);
    pool_case_t(2, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1);
    /* own loops (stride = kernel, no padding): ties, tails, above the thread threshold */
    pool_case_t(2, 7, 9, 5, 2, 2, 2, 2, 0, 0, 1);
    pool_case_t(8, 1, 128, 64, 1, 2, 1, 2, 0, 0, 1);
    pool_case_t(4, 15, 17, 40, 2, 2, 2, 2, 0, 0, 0);
    pool_case_t(2, 6, 9, 3, 2, 3, 2, 3, 0, 0, 1);
    pool_case_t(2, 8, 8, 8, 2, 2, 2, 2, 0, 0, 1);
}

static void test_gap_upsample(void) {
    const int cases[][6] = {{1, 1, 1, 3, 2, 1}, {3, 5, 7, 16, 2, 2}, {4, 1, 32, 64, 1, 2}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int n = cases[k][0], ih = cases[k][1], iw = cases[k][2], c = cases[k][3], fh = cases[k][4], fw = cases[k][5];
        char what[64];
        snprintf(what, sizeof what, "n%d %dx%dx%d f%dx%d", n, ih, iw, c, fh, fw);
        int hw = ih * iw;
        size_t nx = (size_t)n * hw * c, nu = nx * fh * fw;
        float *x = frand(nx), *g = fbuf((size_t)n * c), *rg = fbuf((size_t)n * c);
        cpu->ops->gap_forward(cpu, n, hw, c, x, g);
        ref->ops->gap_forward(ref, n, hw, c, x, rg);
        cmp("gap_forward", what, g, rg, (size_t)n * c);
        float *u = fbuf(nu), *ru = fbuf(nu);
        cpu->ops->upsample_forward(cpu, n, ih, iw, c, fh, fw, x, u);
        ref->ops->upsample_forward(ref, n, ih, iw, c, fh, fw, x, ru);
        cmp("upsample_forward", what, u, ru, nu);
        float *dg = frand((size_t)n * c), *du = frand(nu);
        for (int acc = 0; acc < 2; acc++) {
            float *dx = frand(nx), *rdx = fdup(dx, nx);
            cpu->ops->gap_backward(cpu, n, hw, c, dg, dx, acc);
            ref->ops->gap_backward(ref, n, hw, c, dg, rdx, acc);
            cmp(acc ? "gap_backward acc" : "gap_backward", what, dx, rdx, nx);
            cpu->ops->upsample_backward(cpu, n, ih, iw, c, fh, fw, du, dx, acc);
            ref->ops->upsample_backward(ref, n, ih, iw, c, fh, fw, du, rdx, acc);
            cmp(acc ? "upsample_backward acc" : "upsample_backward", what, dx, rdx, nx);
            ffree(dx), ffree(rdx);
        }
        ffree(x), ffree(g), ffree(rg), ffree(u), ffree(ru), ffree(dg), ffree(du);
    }
}

/* ---- losses, argmax -------------------------------------------------------------------------- */

static void test_losses(void) {
    const int shapes[][2] = {{1, 2}, {7, 12}, {64, 10}, {3, 40}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int n = shapes[k][0], kk = shapes[k][1];
        char what[32];
        snprintf(what, sizeof what, "n%d k%d", n, kk);
        size_t m = (size_t)n * kk;
        float *z = fbuf(m);
        fill(z, m, -4, 4);
        int32_t *lab = cpu->ops->alloc(cpu, (size_t)n * sizeof(int32_t));
        for (int i = 0; i < n; i++) lab[i] = (int32_t)(rng_uniform() * kk);
        if (n > 3) lab[2] = kk; /* out of range: contributes nothing (as ref) */
        float *d = fbuf(m), *rd = fbuf(m);
        float l = cpu->ops->softmax_xent(cpu, n, kk, z, lab, d, 0.7f);
        float rl = ref->ops->softmax_xent(ref, n, kk, z, lab, rd, 0.7f);
        cmp("softmax_xent loss", what, &l, &rl, 1);
        cmp("softmax_xent grad", what, d, rd, m);
        CHECK(cpu->ops->argmax_correct(cpu, n, kk, z, lab) == ref->ops->argmax_correct(ref, n, kk, z, lab));

        float *t = fbuf(m);
        for (size_t i = 0; i < m; i++) t[i] = rng_uniform() < 0.5 ? 0.0f : 1.0f;
        l = cpu->ops->bce_logits(cpu, n, kk, z, t, d, 0.3f);
        rl = ref->ops->bce_logits(ref, n, kk, z, t, rd, 0.3f);
        cmp("bce_logits loss", what, &l, &rl, 1);
        cmp("bce_logits grad", what, d, rd, m);
        ffree(z), ffree(lab), ffree(d), ffree(rd), ffree(t);
    }
    const size_t sizes[] = {1, 999, 70001};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char what[32];
        snprintf(what, sizeof what, "n%zu", n);
        float *p = frand(n), *t = frand(n), *d = fbuf(n), *rd = fbuf(n);
        float l = cpu->ops->mse(cpu, n, p, t, d, 1.0f);
        float rl = ref->ops->mse(ref, n, p, t, rd, 1.0f);
        cmp("mse loss", what, &l, &rl, 1);
        cmp("mse grad", what, d, rd, n);
        l = cpu->ops->mse(cpu, n, p, t, NULL, 1.0f);
        cmp("mse loss", what, &l, &rl, 1);
        ffree(p), ffree(t), ffree(d), ffree(rd);
    }
}

/* ---- optimizers --------------------------------------------------------------------------------- */

static void test_optimizers(void) {
    const size_t sizes[] = {5, 100003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char what[32];
        snprintf(what, sizeof what, "n%zu", n);
        const float moms[] = {0.0f, 0.9f};
        for (int mi = 0; mi < 2; mi++) {
            float *w = frand(n), *rw = fdup(w, n), *m = fbuf(n), *rm = fbuf(n);
            for (int step = 0; step < 3; step++) {
                float *g = frand(n);
                cpu->ops->sgd_step(cpu, n, w, g, m, 0.1f, moms[mi], 1e-4f);
                ref->ops->sgd_step(ref, n, rw, g, rm, 0.1f, moms[mi], 1e-4f);
                ffree(g);
            }
            cmp("sgd_step w", what, w, rw, n);
            cmp("sgd_step momentum", what, m, rm, n);
            ffree(w), ffree(rw), ffree(m), ffree(rm);
        }
        float *w = frand(n), *rw = fdup(w, n), *m = fbuf(n), *rm = fbuf(n), *v = fbuf(n), *rv = fbuf(n);
        for (int t = 1; t <= 3; t++) {
            float *g = frand(n);
            cpu->ops->adam_step(cpu, n, w, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, t == 2 ? 1e-2f : 0.0f, t);
            ref->ops->adam_step(ref, n, rw, g, rm, rv, 1e-3f, 0.9f, 0.999f, 1e-8f, t == 2 ? 1e-2f : 0.0f, t);
            ffree(g);
        }
        cmp("adam_step w", what, w, rw, n);
        cmp("adam_step m", what, m, rm, n);
        cmp("adam_step v", what, v, rv, n);
        ffree(w), ffree(rw), ffree(m), ffree(rm), ffree(v), ffree(rv);
    }
}

/* ---- the backend object -------------------------------------------------------------------------- */

static void test_create(void) {
    char err[256] = "";
    pt_backend *be = pt_backend_create("cpu", 2, err, sizeof err);
    CHECK(be != NULL);
    if (!be) {
        fprintf(stderr, "cpu backend: %s\n", err);
        return;
    }
    CHECK_STR(be->ops->name, "cpu");
    CHECK(be->threads == 2);
    CHECK_CONTAINS(pt_backend_available(), "cpu");
    /* every entry of the table is set */
    int all = 1;
    for (size_t off = offsetof(pt_backend_ops, alloc); off + sizeof(uintptr_t) <= sizeof(pt_backend_ops);
         off += sizeof(uintptr_t)) {
        uintptr_t word;
        memcpy(&word, (const char *)be->ops + off, sizeof word);
        all &= word != 0;
    }
    CHECK(all);
    float *p = be->ops->alloc(be, 100);
    CHECK(p && ((uintptr_t)p & 63) == 0);
    int zero = 1;
    for (int i = 0; p && i < 25; i++) zero &= p[i] == 0.0f;
    CHECK(zero);
    float src[3] = {1, 2, 3}, back[3] = {0};
    be->ops->upload(be, p, src, sizeof src);
    be->ops->synchronize(be);
    be->ops->download(be, back, p, sizeof back);
    CHECK(back[2] == 3.0f);
    be->ops->free(be, p);
    pt_backend_destroy(be);
    be = pt_backend_create("cpu", 0, err, sizeof err); /* 0 = all cores */
    CHECK(be && be->threads >= 1);
    pt_backend_destroy(be);
}

int main(void) {
    char err[256] = "";
    ref = pt_backend_create("ref", 1, err, sizeof err);
    cpu = pt_backend_create("cpu", 2, err, sizeof err);
    if (!ref || !cpu) {
        fprintf(stderr, "test_dnnl: cannot create backends: %s\n", err);
        return 1;
    }
    test_create();
    test_conv();
    test_linear();
    test_bn();
    test_elementwise();
    test_pool();
    test_gap_upsample();
    test_losses();
    test_optimizers();
    fprintf(stderr, "%-42s %6s %s\n", "op (cpu vs ref)", "cases", "max ||cpu-ref||/||ref||");
    for (int i = 0; i < nstats; i++) fprintf(stderr, "%-42s %6d %.3g\n", stats[i].op, stats[i].n, stats[i].worst);
    pt_backend_destroy(cpu);
    pt_backend_destroy(ref);
    return pt_test_finish("test_dnnl");
}
