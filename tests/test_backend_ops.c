/* test_backend_ops.c -- every op of src/nn/backend.h on every backend compiled
 * in, against `ref` (in the manner of ggml's test-backend-ops): fresh random
 * data of a list of shapes (1-D and 2-D convolution with stride and padding,
 * odd sizes, batch 1, max-pool ties, sizes that take the multi-block paths of
 * the cuda kernels), forward and backward, acc = 0 and 1, weights changed in
 * place and swapped. ref's own gradients are checked against finite
 * differences in test_nn_ref.c.
 *
 * One row per comparison: op, backend, shape, max error, ok / FAIL; a backend
 * that cannot be created here (cuda without a GPU, cpu without oneDNN) prints
 * one `skip` row per op. Error: norm-wise ||be - ref|| / ||ref|| under the op's
 * tolerance (tols[], host and device columns) and per element
 * |be - ref| <= tol * (|ref| + rms(ref)). Exits non-zero on any failure, and
 * when an op of the table has no row for a backend that ran (a new op must get
 * a case here). POWERTRAIN_TEST_BACKENDS="cpu,cuda:1" picks other backends. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "test.h"
#include "util/rng.h"

static pt_backend *ref, *dev;

/* ---- tolerances per op (host backends: cpu; device backends: cuda) ------------------- */

static const struct {
    const char *op;  /* prefix of a row's op */
    double host, device;
} tols[] = {
    {"conv_", 1e-4, 1e-3},          {"linear_", 1e-4, 1e-3},        {"bn_", 1e-4, 1e-3},
    {"relu_", 1e-6, 1e-5},          {"add_forward", 1e-6, 1e-5},    {"copy_grad", 1e-6, 1e-5},
    {"dropout_", 1e-6, 1e-5},       {"maxpool_forward", 1e-6, 1e-5}, {"maxpool_backward", 1e-4, 1e-3},
    {"gap_", 1e-4, 1e-3},           {"upsample_forward", 1e-6, 1e-5}, {"upsample_backward", 1e-4, 1e-3},
    {"softmax_xent", 1e-4, 1e-3},   {"bce_logits", 1e-4, 1e-3},     {"mse", 1e-4, 1e-3},
    {"argmax_correct", 0.0, 0.0},   {"sgd_step", 1e-4, 1e-3},       {"adam_step", 1e-4, 1e-3},
};

static double tol_of(const char *op) {
    int device = pt_backend_gpu(dev, NULL, 0, NULL, 0) >= 0;
    for (size_t i = 0; i < sizeof tols / sizeof tols[0]; i++)
        if (!strncmp(op, tols[i].op, strlen(tols[i].op))) return device ? tols[i].device : tols[i].host;
    fprintf(stderr, "test_backend_ops: no tolerance for op '%s'\n", op);
    exit(2);
}

/* the compute ops of backend.h (memory, the init and free entries and destroy are checked
 * by test_table): each must get a row on each backend that ran */
static const char *const table_ops[] = {
    "conv_forward", "conv_backward_data", "conv_backward_weights", "conv_weights_changed", "linear_forward",
    "linear_backward_data", "linear_backward_weights", "bn_forward_train", "bn_forward_eval", "bn_backward",
    "relu_forward", "relu_backward", "add_forward", "copy_grad", "dropout_forward", "dropout_backward",
    "maxpool_forward", "maxpool_backward", "gap_forward", "gap_backward", "upsample_forward",
    "upsample_backward", "softmax_xent", "bce_logits", "mse", "argmax_correct", "sgd_step", "adam_step",
};
#define N_TABLE_OPS (sizeof table_ops / sizeof table_ops[0])
static int op_rows[N_TABLE_OPS];

/* ---- random numbers, host buffers ----------------------------------------------------- */

static uint64_t rng_state = 20251117;
static double rng_uniform(void) { return (double)(pt_splitmix64(&rng_state) >> 11) / 9007199254740992.0; }
static void fill(float *p, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(lo + (hi - lo) * rng_uniform());
}
static float *hbuf(size_t n) { return calloc(n ? n : 1, sizeof(float)); }
static float *hrand(size_t n) {
    float *p = hbuf(n);
    fill(p, n, -1.0, 1.0);
    return p;
}

/* backend copies of host data (ref computes on the host copies), and back */
static void *D(const void *host, size_t bytes) {
    void *p = dev->ops->alloc(dev, bytes);
    if (!p) {
        fprintf(stderr, "test_backend_ops: %s: out of memory (%zu bytes)\n", dev->ops->name, bytes);
        exit(1);
    }
    if (host) dev->ops->upload(dev, p, host, bytes);
    return p;
}
static float *Df(const float *host, size_t n) { return D(host, n * sizeof(float)); }
static float *H(const float *d, size_t n) {
    float *p = hbuf(n);
    dev->ops->download(dev, p, d, n * sizeof(float));
    return p;
}
static void Dfree(void *p) { dev->ops->free(dev, p); }

/* ---- the table of results -------------------------------------------------------------- */

static void row(const char *op, const char *what, double err, int ok) {
    for (size_t i = 0; i < N_TABLE_OPS; i++)
        if (!strncmp(op, table_ops[i], strlen(table_ops[i])) &&
            (op[strlen(table_ops[i])] == 0 || op[strlen(table_ops[i])] == ' '))
            op_rows[i]++;
    if (!strncmp(op, "conv_forward after weights_changed", 34)) op_rows[3]++; /* conv_weights_changed */
    pt_test_checks++;
    if (!ok) pt_test_failures++;
    printf("%-42s %-8s %-36s %10.3g %s\n", op, dev->ops->name, what, err, ok ? "ok" : "FAIL");
}

static double rel_err(const float *a, const float *b, size_t n, double *rms) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    if (rms) *rms = n ? sqrt(den / (double)n) : 0.0;
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* host a (from the backend) against ref's b, norm-wise and per element */
static void cmp(const char *op, const char *what, const float *a, const float *b, size_t n) {
    double tol = tol_of(op), rms;
    double rel = rel_err(a, b, n, &rms);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)a[i] - b[i]) <= tol * (fabs(b[i]) + rms) + 1e-30)) {
            if (!bad) first = i;
            bad++;
        }
    int ok = rel <= tol && !bad;
    if (!ok)
        fprintf(stderr, "%s [%s]: rel %.3g, %zu of %zu elements off (first %zu: %s %.9g ref %.9g)\n", op, what, rel,
                bad, n, first, dev->ops->name, n ? a[first] : 0.0f, n ? b[first] : 0.0f);
    row(op, what, rel, ok);
}

/* backend buffer d against host ref b */
static void cmpd(const char *op, const char *what, const float *d, const float *b, size_t n) {
    float *a = H(d, n);
    cmp(op, what, a, b, n);
    free(a);
}

/* ---- convolution --------------------------------------------------------------------- */

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
    CHECK(dev->ops->conv_init(dev, &st, &s) == 0);
    CHECK(ref->ops->conv_init(ref, &rst, &s) == 0);
    if (!st) return;
    float *x = hrand(nx), *w = hrand(nw), *b = bias ? hrand((size_t)oc) : NULL;
    float *dx_ = Df(x, nx), *dw_ = Df(w, nw), *db_ = bias ? Df(b, (size_t)oc) : NULL;
    float *ry = hbuf(ny), *dy_dev = Df(NULL, ny);

    dev->ops->conv_forward(dev, st, &s, dx_, dw_, db_, dy_dev);
    ref->ops->conv_forward(ref, rst, &s, x, w, b, ry);
    cmpd("conv_forward", what, dy_dev, ry, ny);

    /* backward data, acc = 0 then 1 onto random contents */
    float *g = hrand(ny), *g_ = Df(g, ny);
    for (int acc = 0; acc < 2; acc++) {
        float *rdx = hrand(nx), *gx_ = Df(rdx, nx);
        dev->ops->conv_backward_data(dev, st, &s, g_, dw_, gx_, acc);
        ref->ops->conv_backward_data(ref, rst, &s, g, w, rdx, acc);
        cmpd(acc ? "conv_backward_data acc" : "conv_backward_data", what, gx_, rdx, nx);
        free(rdx);
        Dfree(gx_);
    }
    /* backward weights (and bias), acc = 0 then 1 */
    for (int acc = 0; acc < 2; acc++) {
        float *rdw = hrand(nw), *rdb = bias ? hrand((size_t)oc) : NULL;
        float *gw_ = Df(rdw, nw), *gb_ = bias ? Df(rdb, (size_t)oc) : NULL;
        dev->ops->conv_backward_weights(dev, st, &s, dx_, g_, gw_, gb_, acc);
        ref->ops->conv_backward_weights(ref, rst, &s, x, g, rdw, rdb, acc);
        cmpd(acc ? "conv_backward_weights acc" : "conv_backward_weights", what, gw_, rdw, nw);
        if (bias) cmpd(acc ? "conv_backward_bias acc" : "conv_backward_bias", what, gb_, rdb, (size_t)oc);
        free(rdw), free(rdb);
        Dfree(gw_), Dfree(gb_);
    }
    /* weights changed in place, announced (the optimizer's path) */
    for (size_t i = 0; i < nw; i++) w[i] = w[i] * 0.5f + 0.1f * (float)rng_uniform();
    dev->ops->upload(dev, dw_, w, nw * sizeof(float));
    dev->ops->conv_weights_changed(dev, st);
    ref->ops->conv_weights_changed(ref, rst);
    dev->ops->conv_forward(dev, st, &s, dx_, dw_, db_, dy_dev);
    ref->ops->conv_forward(ref, rst, &s, x, w, b, ry);
    cmpd("conv_forward after weights_changed", what, dy_dev, ry, ny);
    /* another weight buffer (a different pointer) is picked up too */
    float *w2 = hrand(nw), *w2_ = Df(w2, nw);
    dev->ops->conv_forward(dev, st, &s, dx_, w2_, db_, dy_dev);
    ref->ops->conv_forward(ref, rst, &s, x, w2, b, ry);
    cmpd("conv_forward other weights", what, dy_dev, ry, ny);
    float *rdx = hbuf(nx), *gx_ = Df(NULL, nx);
    dev->ops->conv_backward_data(dev, st, &s, g_, w2_, gx_, 0);
    ref->ops->conv_backward_data(ref, rst, &s, g, w2, rdx, 0);
    cmpd("conv_backward_data other weights", what, gx_, rdx, nx);

    free(x), free(w), free(b), free(ry), free(g), free(w2), free(rdx);
    Dfree(dx_), Dfree(dw_), Dfree(db_), Dfree(dy_dev), Dfree(g_), Dfree(w2_), Dfree(gx_);
    dev->ops->conv_free(dev, st);
    ref->ops->conv_free(ref, rst);
}

static void test_conv(void) {
    /* 1-D (h = 1): NWC */
    conv_case(1, 1, 17, 3, 5, 1, 3, 1, 1, 0, 1, 1);
    conv_case(4, 1, 31, 6, 8, 1, 5, 1, 2, 0, 2, 0);
    conv_case(3, 1, 64, 40, 32, 1, 7, 1, 1, 0, 3, 1); /* pamap2's first layer */
    conv_case(2, 1, 33, 16, 24, 1, 3, 1, 2, 0, 0, 1);
    /* many rows against a small kw * ic: the cpu backend's own backward weights
     * split the rows between its threads (partial sums reduced after); 1000 x 64
     * rows is more than one ~1 MiB im2col chunk per thread, 251 x 3 an odd split */
    conv_case(3, 1, 251, 3, 7, 1, 3, 1, 1, 0, 1, 1);
    conv_case(64, 1, 1000, 3, 7, 1, 3, 1, 1, 0, 1, 1);
    /* 2-D: NHWC */
    conv_case(2, 9, 11, 3, 8, 3, 3, 2, 2, 1, 1, 1);
    conv_case(1, 7, 7, 16, 16, 1, 1, 1, 1, 0, 0, 0);
    conv_case(3, 8, 8, 4, 6, 3, 5, 1, 2, 1, 2, 1);
    conv_case(2, 19, 19, 3, 8, 7, 7, 2, 2, 3, 3, 0);  /* resnet stem */
    conv_case(2, 8, 8, 8, 16, 1, 1, 2, 2, 0, 0, 0);   /* resnet downsample */
    conv_case(2, 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 0);  /* resnet block */
    conv_case(1, 28, 28, 1, 8, 3, 3, 1, 1, 1, 1, 1);  /* fmnist first layer (ic = 1) */
    conv_case(2, 6, 5, 32, 64, 3, 3, 2, 2, 1, 1, 1);
    conv_case(2, 2, 2, 512, 512, 3, 3, 1, 1, 1, 1, 0); /* resnet18's layer4 on small inputs */
    conv_case(3, 2, 2, 64, 48, 3, 3, 1, 1, 1, 1, 1);
    conv_case(2, 1, 1, 512, 40, 1, 1, 1, 1, 0, 0, 1);  /* the celeba head */
}

/* ---- linear ------------------------------------------------------------------------------ */

static void linear_case(int n, int in, int out, int bias) {
    char what[64];
    snprintf(what, sizeof what, "n%d %d->%d%s", n, in, out, bias ? " bias" : "");
    void *st = NULL, *rst = NULL;
    CHECK(dev->ops->linear_init(dev, &st, n, in, out) == 0);
    CHECK(ref->ops->linear_init(ref, &rst, n, in, out) == 0);
    size_t nx = (size_t)n * in, ny = (size_t)n * out, nw = (size_t)in * out;
    float *x = hrand(nx), *w = hrand(nw), *b = bias ? hrand((size_t)out) : NULL, *ry = hbuf(ny);
    float *x_ = Df(x, nx), *w_ = Df(w, nw), *b_ = bias ? Df(b, (size_t)out) : NULL, *y_ = Df(NULL, ny);
    dev->ops->linear_forward(dev, st, n, in, out, x_, w_, b_, y_);
    ref->ops->linear_forward(ref, rst, n, in, out, x, w, b, ry);
    cmpd("linear_forward", what, y_, ry, ny);
    float *g = hrand(ny), *g_ = Df(g, ny);
    for (int acc = 0; acc < 2; acc++) {
        float *rdx = hrand(nx), *dx_ = Df(rdx, nx);
        dev->ops->linear_backward_data(dev, st, n, in, out, g_, w_, dx_, acc);
        ref->ops->linear_backward_data(ref, rst, n, in, out, g, w, rdx, acc);
        cmpd(acc ? "linear_backward_data acc" : "linear_backward_data", what, dx_, rdx, nx);
        float *rdw = hrand(nw), *dw_ = Df(rdw, nw);
        float *rdb = bias ? hrand((size_t)out) : NULL, *db_ = bias ? Df(rdb, (size_t)out) : NULL;
        dev->ops->linear_backward_weights(dev, st, n, in, out, x_, g_, dw_, db_, acc);
        ref->ops->linear_backward_weights(ref, rst, n, in, out, x, g, rdw, rdb, acc);
        cmpd(acc ? "linear_backward_weights acc" : "linear_backward_weights", what, dw_, rdw, nw);
        if (bias) cmpd(acc ? "linear_backward_bias acc" : "linear_backward_bias", what, db_, rdb, (size_t)out);
        free(rdx), free(rdw), free(rdb);
        Dfree(dx_), Dfree(dw_), Dfree(db_);
    }
    free(x), free(w), free(b), free(ry), free(g);
    Dfree(x_), Dfree(w_), Dfree(b_), Dfree(y_), Dfree(g_);
    dev->ops->linear_free(dev, st);
    ref->ops->linear_free(ref, rst);
}

static void test_linear(void) {
    linear_case(1, 7, 3, 1);
    linear_case(33, 65, 10, 1);
    linear_case(16, 512, 40, 0);
    linear_case(5, 1, 1, 1);
    linear_case(4096, 128, 229, 1); /* pamap2's classifier at the paper's largest batch */
}

/* ---- batch norm ------------------------------------------------------------------------------- */

static void bn_case(int rows, int c, double off) {
    char what[64];
    snprintf(what, sizeof what, "rows%d c%d off%g", rows, c, off);
    size_t nx = (size_t)rows * c;
    float *x = hbuf(nx);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)(off + 0.5 * (int)(i % c) - 1.0 + (1.0 + i % c) * (rng_uniform() - 0.5));
    float *gamma = hrand((size_t)c), *beta = hrand((size_t)c), *rm = hrand((size_t)c), *rv = hbuf((size_t)c);
    fill(rv, (size_t)c, 0.5, 2.0);
    float *x_ = Df(x, nx), *gamma_ = Df(gamma, (size_t)c), *beta_ = Df(beta, (size_t)c);
    float *rm_ = Df(rm, (size_t)c), *rv_ = Df(rv, (size_t)c);
    float *sm_ = Df(NULL, (size_t)c), *si_ = Df(NULL, (size_t)c), *y_ = Df(NULL, nx);
    float *rsm = hbuf((size_t)c), *rsi = hbuf((size_t)c), *ry = hbuf(nx);
    dev->ops->bn_forward_train(dev, rows, c, x_, gamma_, beta_, rm_, rv_, 0.1f, 1e-5f, sm_, si_, y_);
    ref->ops->bn_forward_train(ref, rows, c, x, gamma, beta, rm, rv, 0.1f, 1e-5f, rsm, rsi, ry);
    cmpd("bn_forward_train y", what, y_, ry, nx);
    cmpd("bn_forward_train save_mean", what, sm_, rsm, (size_t)c);
    cmpd("bn_forward_train save_invstd", what, si_, rsi, (size_t)c);
    cmpd("bn_forward_train running_mean", what, rm_, rm, (size_t)c);
    cmpd("bn_forward_train running_var", what, rv_, rv, (size_t)c);
    dev->ops->bn_forward_eval(dev, rows, c, x_, gamma_, beta_, rm_, rv_, 1e-5f, y_);
    ref->ops->bn_forward_eval(ref, rows, c, x, gamma, beta, rm, rv, 1e-5f, ry);
    cmpd("bn_forward_eval", what, y_, ry, nx);
    /* backward from ref's saved statistics (the same on both sides) */
    dev->ops->upload(dev, sm_, rsm, (size_t)c * sizeof(float));
    dev->ops->upload(dev, si_, rsi, (size_t)c * sizeof(float));
    float *g = hrand(nx), *g_ = Df(g, nx);
    for (int acc = 0; acc < 2; acc++) {
        float *rdx = hrand(nx), *rdg = hrand((size_t)c), *rdb = hrand((size_t)c);
        float *dx_ = Df(rdx, nx), *dg_ = Df(rdg, (size_t)c), *db_ = Df(rdb, (size_t)c);
        dev->ops->bn_backward(dev, rows, c, x_, g_, gamma_, sm_, si_, dx_, acc, dg_, db_, acc);
        ref->ops->bn_backward(ref, rows, c, x, g, gamma, rsm, rsi, rdx, acc, rdg, rdb, acc);
        cmpd(acc ? "bn_backward dx acc" : "bn_backward dx", what, dx_, rdx, nx);
        cmpd(acc ? "bn_backward dgamma acc" : "bn_backward dgamma", what, dg_, rdg, (size_t)c);
        cmpd(acc ? "bn_backward dbeta acc" : "bn_backward dbeta", what, db_, rdb, (size_t)c);
        /* mixed flags and absent outputs */
        dev->ops->bn_backward(dev, rows, c, x_, g_, gamma_, sm_, si_, NULL, 0, dg_, db_, !acc);
        ref->ops->bn_backward(ref, rows, c, x, g, gamma, rsm, rsi, NULL, 0, rdg, rdb, !acc);
        cmpd("bn_backward weights only", what, dg_, rdg, (size_t)c);
        dev->ops->bn_backward(dev, rows, c, x_, g_, gamma_, sm_, si_, dx_, !acc, NULL, NULL, 0);
        ref->ops->bn_backward(ref, rows, c, x, g, gamma, rsm, rsi, rdx, !acc, NULL, NULL, 0);
        cmpd("bn_backward dx only", what, dx_, rdx, nx);
        free(rdx), free(rdg), free(rdb);
        Dfree(dx_), Dfree(dg_), Dfree(db_);
    }
    free(x), free(gamma), free(beta), free(rm), free(rv), free(rsm), free(rsi), free(ry), free(g);
    Dfree(x_), Dfree(gamma_), Dfree(beta_), Dfree(rm_), Dfree(rv_), Dfree(sm_), Dfree(si_), Dfree(y_), Dfree(g_);
}

static void test_bn(void) {
    bn_case(3, 3, 0.0);
    bn_case(5, 17, 0.0);
    bn_case(2 * 64, 32, 0.0);
    bn_case(4096 + 3, 24, 0.0);
    bn_case(4096 + 3, 24, 100.0);
    bn_case(70001, 64, 3.0);  /* every row group of the reduction in use */
    bn_case(300, 512, 0.0);   /* many channel blocks */
    bn_case(4096 + 5, 16, 1.0); /* the channel counts the cpu loops specialise (with 32, 64 above) */
    bn_case(1000, 128, 0.0);
}

/* ---- element-wise ------------------------------------------------------------------------------ */

static void elementwise_case(size_t n) {
    char what[32];
    snprintf(what, sizeof what, "n%zu", n);
    float *x = hrand(n), *x2 = hrand(n), *ry = hbuf(n), *g = hrand(n);
    uint8_t *mask = malloc(n);
    for (size_t i = 0; i < n; i++) mask[i] = rng_uniform() < 0.7;
    float *x_ = Df(x, n), *x2_ = Df(x2, n), *y_ = Df(NULL, n), *g_ = Df(g, n);
    uint8_t *mask_ = D(mask, n);
    dev->ops->relu_forward(dev, n, x_, y_);
    ref->ops->relu_forward(ref, n, x, ry);
    cmpd("relu_forward", what, y_, ry, n);
    dev->ops->add_forward(dev, n, x_, x2_, y_);
    ref->ops->add_forward(ref, n, x, x2, ry);
    cmpd("add_forward", what, y_, ry, n);
    dev->ops->dropout_forward(dev, n, x_, mask_, 1.0f / 0.7f, y_);
    ref->ops->dropout_forward(ref, n, x, mask, 1.0f / 0.7f, ry);
    cmpd("dropout_forward", what, y_, ry, n);
    for (int acc = 0; acc < 2; acc++) {
        float *rdx = hrand(n), *dx_ = Df(rdx, n);
        dev->ops->relu_backward(dev, n, x_, g_, dx_, acc);
        ref->ops->relu_backward(ref, n, x, g, rdx, acc);
        cmpd(acc ? "relu_backward acc" : "relu_backward", what, dx_, rdx, n);
        dev->ops->copy_grad(dev, n, g_, dx_, acc);
        ref->ops->copy_grad(ref, n, g, rdx, acc);
        cmpd(acc ? "copy_grad acc" : "copy_grad", what, dx_, rdx, n);
        dev->ops->dropout_backward(dev, n, g_, mask_, 1.0f / 0.7f, dx_, acc);
        ref->ops->dropout_backward(ref, n, g, mask, 1.0f / 0.7f, rdx, acc);
        cmpd(acc ? "dropout_backward acc" : "dropout_backward", what, dx_, rdx, n);
        free(rdx);
        Dfree(dx_);
    }
    /* relu in place (the net's, over a tensor only it reads): y over x, dx over dy */
    float *ip_ = Df(x, n), *ig_ = Df(g, n), *rg = hbuf(n);
    dev->ops->relu_forward(dev, n, ip_, ip_);
    ref->ops->relu_forward(ref, n, x, ry);
    cmpd("relu_forward in place", what, ip_, ry, n);
    dev->ops->relu_backward(dev, n, ip_, ig_, ig_, 0);
    ref->ops->relu_backward(ref, n, ry, g, rg, 0);
    cmpd("relu_backward in place", what, ig_, rg, n);
    free(rg);
    Dfree(ip_), Dfree(ig_);
    free(x), free(x2), free(ry), free(g), free(mask);
    Dfree(x_), Dfree(x2_), Dfree(y_), Dfree(g_), Dfree(mask_);
}

static void test_elementwise(void) {
    elementwise_case(1);
    elementwise_case(1000);
    elementwise_case(100003);
    elementwise_case((size_t)1 << 22);
}

/* ---- pooling and upsampling ---------------------------------------------------------------------- */

static void pool_case(int n, int ih, int iw, int c, int kh, int kw, int sh, int sw, int ph, int pw, int ties) {
    pt_pool_shape s = {.n = n, .ih = ih, .iw = iw, .c = c, .kh = kh, .kw = kw, .sh = sh, .sw = sw, .ph = ph, .pw = pw};
    s.oh = (ih + 2 * ph - kh) / sh + 1;
    s.ow = (iw + 2 * pw - kw) / sw + 1;
    char what[128];
    snprintf(what, sizeof what, "n%d %dx%dx%d k%dx%d s%dx%d p%dx%d%s", n, ih, iw, c, kh, kw, sh, sw, ph, pw,
             ties ? " ties" : "");
    void *st = NULL, *rst = NULL;
    CHECK(dev->ops->maxpool_init(dev, &st, &s) == 0);
    CHECK(ref->ops->maxpool_init(ref, &rst, &s) == 0);
    size_t nx = (size_t)n * ih * iw * c, ny = (size_t)n * s.oh * s.ow * c;
    float *x = hrand(nx), *ry = hbuf(ny), *g = hrand(ny);
    if (ties)
        for (size_t i = 0; i < nx; i++) x[i] = x[i] > 0.0f ? floorf(x[i] * 3.0f) : 0.0f;
    float *x_ = Df(x, nx), *y_ = Df(NULL, ny), *g_ = Df(g, ny);
    dev->ops->maxpool_forward(dev, st, &s, x_, y_);
    ref->ops->maxpool_forward(ref, rst, &s, x, ry);
    cmpd("maxpool_forward", what, y_, ry, ny);
    for (int acc = 0; acc < 2; acc++) {
        float *rdx = hrand(nx), *dx_ = Df(rdx, nx);
        dev->ops->maxpool_backward(dev, st, &s, x_, y_, g_, dx_, acc);
        ref->ops->maxpool_backward(ref, rst, &s, x, ry, g, rdx, acc);
        cmpd(acc ? "maxpool_backward acc" : "maxpool_backward", what, dx_, rdx, nx);
        free(rdx);
        Dfree(dx_);
    }
    free(x), free(ry), free(g);
    Dfree(x_), Dfree(y_), Dfree(g_);
    dev->ops->maxpool_free(dev, st);
    ref->ops->maxpool_free(ref, rst);
}

static void test_pool(void) {
    pool_case(1, 1, 16, 3, 1, 2, 1, 2, 0, 0, 0);
    pool_case(3, 1, 31, 8, 1, 3, 1, 2, 0, 0, 0);
    pool_case(2, 16, 16, 8, 3, 3, 2, 2, 1, 1, 0); /* resnet's */
    pool_case(2, 7, 9, 5, 2, 2, 2, 2, 0, 0, 0);
    pool_case(1, 28, 28, 4, 2, 2, 2, 2, 0, 0, 0);
    pool_case(2, 1, 33, 8, 1, 3, 1, 2, 0, 1, 1);
    pool_case(2, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1);   /* overlapping windows with ties */
    pool_case(2, 7, 9, 5, 2, 2, 2, 2, 0, 0, 1);
    pool_case(8, 1, 128, 64, 1, 2, 1, 2, 0, 0, 1);
    pool_case(2, 6, 9, 3, 2, 3, 2, 3, 0, 0, 1);
    pool_case(4, 45, 55, 64, 3, 3, 2, 2, 1, 1, 1); /* resnet's at 178x218 / 2, ties */
    pool_case(2, 4, 6, 300, 2, 2, 2, 2, 0, 0, 1);  /* own loops: channels in slices of 256, ties */
    pool_case(2, 8, 8, 16, 2, 2, 2, 2, 0, 0, 1);   /* the channel counts the own loops specialise */
    pool_case(3, 6, 6, 32, 2, 2, 2, 2, 0, 0, 1);
    pool_case(4, 1, 64, 128, 1, 2, 1, 2, 0, 0, 1);
}

static void test_gap_upsample(void) {
    const int cases[][6] = {{1, 1, 1, 3, 2, 1}, {3, 5, 7, 16, 2, 2}, {4, 1, 32, 64, 1, 2}, {16, 6, 7, 512, 1, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int n = cases[k][0], ih = cases[k][1], iw = cases[k][2], c = cases[k][3], fh = cases[k][4], fw = cases[k][5];
        char what[64];
        snprintf(what, sizeof what, "n%d %dx%dx%d f%dx%d", n, ih, iw, c, fh, fw);
        int hw = ih * iw;
        size_t nx = (size_t)n * hw * c, nu = nx * fh * fw, ng = (size_t)n * c;
        float *x = hrand(nx), *rg = hbuf(ng), *ru = hbuf(nu), *gg = hrand(ng), *gu = hrand(nu);
        float *x_ = Df(x, nx), *g_ = Df(NULL, ng), *u_ = Df(NULL, nu), *gg_ = Df(gg, ng), *gu_ = Df(gu, nu);
        dev->ops->gap_forward(dev, n, hw, c, x_, g_);
        ref->ops->gap_forward(ref, n, hw, c, x, rg);
        cmpd("gap_forward", what, g_, rg, ng);
        dev->ops->upsample_forward(dev, n, ih, iw, c, fh, fw, x_, u_);
        ref->ops->upsample_forward(ref, n, ih, iw, c, fh, fw, x, ru);
        cmpd("upsample_forward", what, u_, ru, nu);
        for (int acc = 0; acc < 2; acc++) {
            float *rdx = hrand(nx), *dx_ = Df(rdx, nx);
            dev->ops->gap_backward(dev, n, hw, c, gg_, dx_, acc);
            ref->ops->gap_backward(ref, n, hw, c, gg, rdx, acc);
            cmpd(acc ? "gap_backward acc" : "gap_backward", what, dx_, rdx, nx);
            dev->ops->upsample_backward(dev, n, ih, iw, c, fh, fw, gu_, dx_, acc);
            ref->ops->upsample_backward(ref, n, ih, iw, c, fh, fw, gu, rdx, acc);
            cmpd(acc ? "upsample_backward acc" : "upsample_backward", what, dx_, rdx, nx);
            free(rdx);
            Dfree(dx_);
        }
        free(x), free(rg), free(ru), free(gg), free(gu);
        Dfree(x_), Dfree(g_), Dfree(u_), Dfree(gg_), Dfree(gu_);
    }
}

/* ---- losses, argmax ------------------------------------------------------------------------------ */

static void test_losses(void) {
    const int shapes[][2] = {{1, 2}, {7, 12}, {64, 10}, {3, 40}, {4096, 12}, {9, 1000}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int n = shapes[k][0], kk = shapes[k][1];
        char what[32];
        snprintf(what, sizeof what, "n%d k%d", n, kk);
        size_t m = (size_t)n * kk;
        float *z = hbuf(m);
        fill(z, m, -4, 4);
        int32_t *lab = malloc((size_t)n * sizeof *lab);
        for (int i = 0; i < n; i++) lab[i] = (int32_t)(rng_uniform() * kk);
        if (n > 3) lab[2] = kk; /* out of range: contributes nothing (as ref) */
        if (kk > 2) z[1] = z[2]; /* a tie in row 0 */
        float *z_ = Df(z, m), *d_ = Df(NULL, m), *rd = hbuf(m);
        int32_t *lab_ = D(lab, (size_t)n * sizeof *lab);
        float l = dev->ops->softmax_xent(dev, n, kk, z_, lab_, d_, 0.7f);
        float rl = ref->ops->softmax_xent(ref, n, kk, z, lab, rd, 0.7f);
        cmp("softmax_xent loss", what, &l, &rl, 1);
        cmpd("softmax_xent grad", what, d_, rd, m);
        l = dev->ops->softmax_xent(dev, n, kk, z_, lab_, NULL, 1.0f); /* eval: no gradient */
        rl = ref->ops->softmax_xent(ref, n, kk, z, lab, NULL, 1.0f);
        cmp("softmax_xent loss", what, &l, &rl, 1);
        int dc = dev->ops->argmax_correct(dev, n, kk, z_, lab_), rc = ref->ops->argmax_correct(ref, n, kk, z, lab);
        row("argmax_correct", what, fabs((double)dc - rc), dc == rc);

        float *t = hbuf(m);
        for (size_t i = 0; i < m; i++) t[i] = rng_uniform() < 0.5 ? 0.0f : 1.0f;
        float *t_ = Df(t, m);
        l = dev->ops->bce_logits(dev, n, kk, z_, t_, d_, 0.3f);
        rl = ref->ops->bce_logits(ref, n, kk, z, t, rd, 0.3f);
        cmp("bce_logits loss", what, &l, &rl, 1);
        cmpd("bce_logits grad", what, d_, rd, m);
        free(z), free(lab), free(rd), free(t);
        Dfree(z_), Dfree(d_), Dfree(lab_), Dfree(t_);
    }
    const size_t sizes[] = {1, 999, 70001, (size_t)3 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char what[32];
        snprintf(what, sizeof what, "n%zu", n);
        float *p = hrand(n), *t = hrand(n), *rd = hbuf(n);
        float *p_ = Df(p, n), *t_ = Df(t, n), *d_ = Df(NULL, n);
        float l = dev->ops->mse(dev, n, p_, t_, d_, 1.0f);
        float rl = ref->ops->mse(ref, n, p, t, rd, 1.0f);
        cmp("mse loss", what, &l, &rl, 1);
        cmpd("mse grad", what, d_, rd, n);
        l = dev->ops->mse(dev, n, p_, t_, NULL, 1.0f);
        cmp("mse loss", what, &l, &rl, 1);
        free(p), free(t), free(rd);
        Dfree(p_), Dfree(t_), Dfree(d_);
    }
}

/* ---- optimizers ------------------------------------------------------------------------------------ */

static void test_optimizers(void) {
    const size_t sizes[] = {5, 100003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char what[32];
        snprintf(what, sizeof what, "n%zu", n);
        const float moms[] = {0.0f, 0.9f};
        for (int mi = 0; mi < 2; mi++) {
            float *w = hrand(n), *m = hbuf(n);
            float *w_ = Df(w, n), *m_ = Df(m, n);
            for (int step = 0; step < 3; step++) {
                float *g = hrand(n), *g_ = Df(g, n);
                dev->ops->sgd_step(dev, n, w_, g_, m_, 0.1f, moms[mi], 1e-4f);
                ref->ops->sgd_step(ref, n, w, g, m, 0.1f, moms[mi], 1e-4f);
                free(g);
                Dfree(g_);
            }
            cmpd("sgd_step w", what, w_, w, n);
            cmpd("sgd_step momentum", what, m_, m, n);
            free(w), free(m);
            Dfree(w_), Dfree(m_);
        }
        float *w = hrand(n), *m = hbuf(n), *v = hbuf(n);
        float *w_ = Df(w, n), *m_ = Df(m, n), *v_ = Df(v, n);
        for (int t = 1; t <= 3; t++) {
            float *g = hrand(n), *g_ = Df(g, n);
            dev->ops->adam_step(dev, n, w_, g_, m_, v_, 1e-3f, 0.9f, 0.999f, 1e-8f, t == 2 ? 1e-2f : 0.0f, t);
            ref->ops->adam_step(ref, n, w, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, t == 2 ? 1e-2f : 0.0f, t);
            free(g);
            Dfree(g_);
        }
        cmpd("adam_step w", what, w_, w, n);
        cmpd("adam_step m", what, m_, m, n);
        cmpd("adam_step v", what, v_, v, n);
        free(w), free(m), free(v);
        Dfree(w_), Dfree(m_), Dfree(v_);
    }
}

/* ---- the backend object: every entry set, memory -------------------------------------------- */

static void test_table(void) {
    int all = 1;
    for (size_t off = offsetof(pt_backend_ops, alloc); off + sizeof(uintptr_t) <= sizeof(pt_backend_ops);
         off += sizeof(uintptr_t)) {
        uintptr_t word;
        memcpy(&word, (const char *)dev->ops + off, sizeof word);
        all &= word != 0;
    }
    row("table (every entry set)", "-", all ? 0.0 : 1.0, all);
    float *p = dev->ops->alloc(dev, 100), back[25];
    dev->ops->download(dev, back, p, sizeof back);
    int zero = ((uintptr_t)p & 63) == 0;
    for (int i = 0; i < 25; i++) zero &= back[i] == 0.0f;
    float src[3] = {1, 2, 3};
    dev->ops->upload(dev, p, src, sizeof src);
    dev->ops->synchronize(dev);
    dev->ops->download(dev, back, p, sizeof src);
    zero &= back[2] == 3.0f;
    row("memory (aligned, zeroed, up/down)", "100 bytes", zero ? 0.0 : 1.0, zero);
    dev->ops->free(dev, p);
}

/* ---- one backend, every op -------------------------------------------------------------------- */

static int isa_unavailable; /* POWERTRAIN_CPU_ISA names a set this CPU or build lacks */

static void run_backend(const char *name) {
    char err[512] = "";
    dev = pt_backend_create(name, 2, err, sizeof err);
    const char *isa = getenv("POWERTRAIN_CPU_ISA");
    if (!strcmp(name, "cpu") && isa && *isa) {
        if (!dev) isa_unavailable = 1;
        else CHECK(!strcmp(pt_backend_cpu_isa(dev), isa)); /* the loops asked for are the ones tested */
    }
    if (dev && pt_backend_cpu_isa(dev)) fprintf(stderr, "cpu: own loops built for %s\n", pt_backend_cpu_isa(dev));
    if (!dev) {
        for (size_t i = 0; i < N_TABLE_OPS; i++) printf("%-42s %-8s %-36s %10s skip\n", table_ops[i], name, "-", "-");
        fprintf(stderr, "%s: skipped: %s\n", name, err);
        return;
    }
    memset(op_rows, 0, sizeof op_rows);
    test_table();
    test_conv();
    test_linear();
    test_bn();
    test_elementwise();
    test_pool();
    test_gap_upsample();
    test_losses();
    test_optimizers();
    for (size_t i = 0; i < N_TABLE_OPS; i++) {
        pt_test_checks++;
        if (!op_rows[i]) {
            pt_test_failures++;
            fprintf(stderr, "%s: op %s has no case in test_backend_ops.c\n", name, table_ops[i]);
        }
    }
    pt_backend_destroy(dev);
    dev = NULL;
}

int main(void) {
    char err[512] = "";
    ref = pt_backend_create("ref", 1, err, sizeof err);
    if (!ref) {
        fprintf(stderr, "test_backend_ops: %s\n", err);
        return 1;
    }
    const char *names = getenv("POWERTRAIN_TEST_BACKENDS");
    char list[256];
    snprintf(list, sizeof list, "%s", names && *names ? names : "cpu,cuda");
    printf("%-42s %-8s %-36s %10s %s\n", "op", "backend", "shape", "max error", "result");
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        run_backend(tok);
    pt_backend_destroy(ref);
    if (isa_unavailable) return 77; /* skip: nothing of that instruction set to test here */
    return pt_test_finish("test_backend_ops");
}
