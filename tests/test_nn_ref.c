/* test_nn_ref.c -- the ref backend's ops: central finite-difference gradient
 * checks of every layer and loss (fixed seeds, inputs kept away from kinks so
 * nothing is flaky), the acc flags, batch-norm running statistics, and the
 * optimizer steps against hand-computed values.
 *
 * A layer with output y is checked through L = sum_i y_i * r_i for a fixed
 * random r: backward with dy = r gives dL/dinput, compared with
 * (L(x + e) - L(x - e)) / 2e, L summed in double over the float forward. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "test.h"

static pt_backend *be;
#define OPS (be->ops)

/* ---- deterministic random numbers ------------------------------------------ */

static uint64_t rng_state;
static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }
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
/* values with |v| in [0.2, 1]: away from ReLU's kink at 0 */
static void fill_away_from_zero(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double v = 0.2 + 0.8 * rng_uniform();
        p[i] = (float)(rng_uniform() < 0.5 ? -v : v);
    }
}
/* a shuffled ladder 0.05 apart: no two values within a perturbation of each other */
static void fill_distinct(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(0.05 * (double)i - 0.025 * (double)n);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_uniform() * (double)i);
        float t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}
static float *falloc(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* ---- the finite-difference harness ----------------------------------------- */

typedef struct gc gc;
struct gc {
    void (*forward)(gc *g); /* recomputes g->y from the current inputs */
    float *y, *r;
    size_t ny;
    /* operands, used by the forward callbacks */
    const void *shape;
    float *a, *b, *c, *d, *e;
    float f1;
    int i1, i2, i3, i4, i5;
    size_t ny2;
};

static double gc_loss(gc *g) {
    g->forward(g);
    double s = 0.0;
    for (size_t i = 0; i < g->ny; i++) s += (double)g->y[i] * g->r[i];
    return s;
}

/* compares analytic[i] with the central difference of L in p[i], for up to
 * ~60 indices spread over p */
static void gc_check(const char *what, gc *g, float *p, size_t n, const float *analytic, float eps, double rtol,
                     double atol) {
    size_t step = n > 60 ? n / 60 : 1;
    int bad = 0;
    for (size_t i = 0; i < n; i += step) {
        float keep = p[i];
        p[i] = keep + eps;
        double lp = gc_loss(g);
        p[i] = keep - eps;
        double lm = gc_loss(g);
        p[i] = keep;
        double num = (lp - lm) / (2.0 * (double)eps);
        pt_test_checks++;
        if (!(fabs(num - analytic[i]) <= atol + rtol * fabs(num))) {
            if (bad++ < 5)
                fprintf(stderr, "%s: grad[%zu]: analytic %.7g, numeric %.7g\n", what, i, (double)analytic[i], num);
            pt_test_failures++;
        }
    }
    g->forward(g); /* leave y for the unperturbed inputs */
}

/* acc = 1 onto a buffer holding `base` must give base + the acc = 0 result */
static void check_acc(const char *what, const float *fresh, const float *accd, size_t n, float base) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) bad += fabsf(accd[i] - (fresh[i] + base)) > 1e-5f * (1.0f + fabsf(fresh[i]));
    if (bad) fprintf(stderr, "%s: acc=1 differs from acc=0 + base at %d places\n", what, bad);
    CHECK(bad == 0);
}

static void fill_const(float *p, size_t n, float v) {
    for (size_t i = 0; i < n; i++) p[i] = v;
}

/* ---- convolution (2-D, and 1-D as h = 1) ------------------------------------ */

static void conv_fwd(gc *g) { OPS->conv_forward(be, NULL, g->shape, g->a, g->b, g->c, g->y); }

static void check_conv(const char *what, pt_conv_shape s, int bias) {
    s.oh = (s.ih + 2 * s.ph - s.kh) / s.sh + 1;
    s.ow = (s.iw + 2 * s.pw - s.kw) / s.sw + 1;
    size_t nx = (size_t)s.n * s.ih * s.iw * s.ic, nw = (size_t)s.oc * s.ic * s.kh * s.kw;
    size_t ny = (size_t)s.n * s.oh * s.ow * s.oc;
    float *x = falloc(nx), *w = falloc(nw), *b = bias ? falloc(s.oc) : NULL, *y = falloc(ny), *r = falloc(ny);
    float *dx = falloc(nx), *dw = falloc(nw), *db = falloc(s.oc), *t = falloc(nx + nw);
    fill(x, nx, -1, 1);
    fill(w, nw, -1, 1);
    if (b) fill(b, s.oc, -1, 1);
    fill(r, ny, -1, 1);
    void *st = NULL;
    CHECK(OPS->conv_init(be, &st, &s) == 0);
    gc g = {.forward = conv_fwd, .y = y, .r = r, .ny = ny, .shape = &s, .a = x, .b = w, .c = b};
    g.forward(&g);
    OPS->conv_backward_data(be, st, &s, r, w, dx, 0);
    OPS->conv_backward_weights(be, st, &s, x, r, dw, b ? db : NULL, 0);
    char name[128];
    snprintf(name, sizeof name, "%s dx", what);
    gc_check(name, &g, x, nx, dx, 1e-2f, 2e-3, 2e-4);
    snprintf(name, sizeof name, "%s dw", what);
    gc_check(name, &g, w, nw, dw, 1e-2f, 2e-3, 2e-4);
    if (b) {
        snprintf(name, sizeof name, "%s db", what);
        gc_check(name, &g, b, s.oc, db, 1e-2f, 2e-3, 2e-4);
    }
    /* acc = 1 adds */
    fill_const(t, nx, 0.5f);
    OPS->conv_backward_data(be, st, &s, r, w, t, 1);
    check_acc(what, dx, t, nx, 0.5f);
    fill_const(t, nw, 0.5f);
    float *tb = falloc(s.oc);
    fill_const(tb, s.oc, 0.5f);
    OPS->conv_backward_weights(be, st, &s, x, r, t, b ? tb : NULL, 1);
    check_acc(what, dw, t, nw, 0.5f);
    if (b) check_acc(what, db, tb, s.oc, 0.5f);
    OPS->conv_free(be, st);
    free(tb);
    free(x), free(w), free(b), free(y), free(r), free(dx), free(dw), free(db), free(t);
}

static void test_conv(void) {
    rng_seed(1);
    check_conv("conv2d 3x3 s1 p1",
               (pt_conv_shape){.n = 2, .ih = 5, .iw = 6, .ic = 3, .oc = 4, .kh = 3, .kw = 3, .sh = 1, .sw = 1,
                               .ph = 1, .pw = 1},
               1);
    check_conv("conv2d 3x2 s2 p0",
               (pt_conv_shape){.n = 2, .ih = 7, .iw = 6, .ic = 2, .oc = 3, .kh = 3, .kw = 2, .sh = 2, .sw = 2},
               0);
    check_conv("conv2d 1x1 s2", (pt_conv_shape){.n = 3, .ih = 4, .iw = 4, .ic = 5, .oc = 2, .kh = 1, .kw = 1,
                                                 .sh = 2, .sw = 2},
               1);
    check_conv("conv2d 3x3 s2 p1 (odd)",
               (pt_conv_shape){.n = 1, .ih = 5, .iw = 7, .ic = 2, .oc = 3, .kh = 3, .kw = 3, .sh = 2, .sw = 2,
                               .ph = 1, .pw = 1},
               1);
    check_conv("conv1d k5 s1 p2", (pt_conv_shape){.n = 2, .ih = 1, .iw = 12, .ic = 3, .oc = 4, .kh = 1, .kw = 5,
                                                   .sh = 1, .sw = 1, .pw = 2},
               1);
    check_conv("conv1d k3 s2 p0",
               (pt_conv_shape){.n = 3, .ih = 1, .iw = 11, .ic = 2, .oc = 5, .kh = 1, .kw = 3, .sh = 1, .sw = 2},
               0);
}

/* ---- linear -------------------------------------------------------------------- */

static void linear_fwd(gc *g) { OPS->linear_forward(be, NULL, g->i1, g->i2, g->i3, g->a, g->b, g->c, g->y); }

static void test_linear(void) {
    rng_seed(2);
    int n = 3, in = 7, out = 5;
    float x[21], w[35], b[5], y[15], r[15], dx[21], dw[35], db[5], t[35], tb[5];
    fill(x, 21, -1, 1), fill(w, 35, -1, 1), fill(b, 5, -1, 1), fill(r, 15, -1, 1);
    void *st = NULL;
    CHECK(OPS->linear_init(be, &st, n, in, out) == 0);
    gc g = {.forward = linear_fwd, .y = y, .r = r, .ny = 15, .a = x, .b = w, .c = b, .i1 = n, .i2 = in, .i3 = out};
    g.forward(&g);
    OPS->linear_backward_data(be, st, n, in, out, r, w, dx, 0);
    OPS->linear_backward_weights(be, st, n, in, out, x, r, dw, db, 0);
    gc_check("linear dx", &g, x, 21, dx, 1e-2f, 2e-3, 2e-4);
    gc_check("linear dw", &g, w, 35, dw, 1e-2f, 2e-3, 2e-4);
    gc_check("linear db", &g, b, 5, db, 1e-2f, 2e-3, 2e-4);
    fill_const(t, 21, 0.5f);
    OPS->linear_backward_data(be, st, n, in, out, r, w, t, 1);
    check_acc("linear dx", dx, t, 21, 0.5f);
    fill_const(t, 35, 0.5f), fill_const(tb, 5, 0.5f);
    OPS->linear_backward_weights(be, st, n, in, out, x, r, t, tb, 1);
    check_acc("linear dw", dw, t, 35, 0.5f);
    check_acc("linear db", db, tb, 5, 0.5f);
    /* without bias: y = x w^T */
    g.c = NULL;
    g.forward(&g);
    CHECK_NEAR(y[0], (double)x[0] * w[0] + (double)x[1] * w[1] + (double)x[2] * w[2] + (double)x[3] * w[3] +
                         (double)x[4] * w[4] + (double)x[5] * w[5] + (double)x[6] * w[6],
               1e-5, 1e-6);
    OPS->linear_free(be, st);
}

/* ---- batch norm -------------------------------------------------------------- */

/* a: x, b: gamma, c: beta, d: running mean, e: running var (i1 rows, i2 channels) */
static float bn_save_mean[8], bn_save_invstd[8];
static void bn_fwd(gc *g) {
    OPS->bn_forward_train(be, g->i1, g->i2, g->a, g->b, g->c, g->d, g->e, 0.1f, 1e-5f, bn_save_mean, bn_save_invstd,
                          g->y);
}

static void test_bn(void) {
    rng_seed(3);
    enum { ROWS = 10, C = 4 };
    float x[ROWS * C], gamma[C], beta[C], rm[C] = {0}, rv[C] = {1, 1, 1, 1}, y[ROWS * C], r[ROWS * C];
    float dx[ROWS * C], dg[C], dbt[C], t[ROWS * C], tg[C], tb[C];
    fill(x, ROWS * C, -2, 2), fill(gamma, C, 0.5, 1.5), fill(beta, C, -1, 1), fill(r, ROWS * C, -1, 1);
    gc g = {.forward = bn_fwd, .y = y, .r = r, .ny = ROWS * C, .a = x, .b = gamma, .c = beta, .d = rm, .e = rv,
            .i1 = ROWS, .i2 = C};
    g.forward(&g);
    OPS->bn_backward(be, ROWS, C, x, r, gamma, bn_save_mean, bn_save_invstd, dx, 0, dg, dbt, 0);
    gc_check("bn dx", &g, x, ROWS * C, dx, 1e-3f, 1e-2, 1e-3);
    gc_check("bn dgamma", &g, gamma, C, dg, 1e-3f, 1e-2, 1e-3);
    gc_check("bn dbeta", &g, beta, C, dbt, 1e-3f, 1e-2, 1e-3);
    /* the output is normalised: per channel mean beta, biased std |gamma| */
    for (int j = 0; j < C; j++) {
        double m = 0, v = 0;
        for (int i = 0; i < ROWS; i++) m += y[i * C + j];
        m /= ROWS;
        for (int i = 0; i < ROWS; i++) v += (y[i * C + j] - m) * (y[i * C + j] - m);
        CHECK_NEAR(m, beta[j], 0, 1e-5);
        CHECK_NEAR(sqrt(v / ROWS), gamma[j], 1e-3, 1e-5);
    }
    fill_const(t, ROWS * C, 0.5f), fill_const(tg, C, 0.5f), fill_const(tb, C, 0.5f);
    OPS->bn_backward(be, ROWS, C, x, r, gamma, bn_save_mean, bn_save_invstd, t, 1, tg, tb, 1);
    check_acc("bn dx", dx, t, ROWS * C, 0.5f);
    check_acc("bn dgamma", dg, tg, C, 0.5f);
    check_acc("bn dbeta", dbt, tb, C, 0.5f);
    /* dx only (a frozen bn below trainable layers), and weights only */
    float dx2[ROWS * C];
    OPS->bn_backward(be, ROWS, C, x, r, gamma, bn_save_mean, bn_save_invstd, dx2, 0, NULL, NULL, 0);
    check_acc("bn dx only", dx, dx2, ROWS * C, 0.0f);
    OPS->bn_backward(be, ROWS, C, x, r, gamma, bn_save_mean, bn_save_invstd, NULL, 0, tg, tb, 0);
    check_acc("bn dgamma only", dg, tg, C, 0.0f);
}

/* running statistics by hand: x = [1 2 3 6] in one channel, momentum 0.1 */
static void test_bn_running(void) {
    float x[4] = {1, 2, 3, 6}, gamma[1] = {2}, beta[1] = {0.5f}, rm[1] = {0}, rv[1] = {1}, sm[1], si[1], y[4];
    OPS->bn_forward_train(be, 4, 1, x, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, y);
    CHECK_NEAR(sm[0], 3.0, 0, 1e-6);
    CHECK_NEAR(si[0], 1.0 / sqrt(3.5 + 1e-5), 1e-6, 0);
    CHECK_NEAR(rm[0], 0.3, 1e-6, 0);
    CHECK_NEAR(rv[0], 0.9 + 0.1 * 14.0 / 3.0, 1e-6, 0); /* unbiased variance 14/3 */
    CHECK_NEAR(y[3], 2.0 * 3.0 / sqrt(3.5 + 1e-5) + 0.5, 1e-6, 0);
    OPS->bn_forward_train(be, 4, 1, x, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, y);
    CHECK_NEAR(rm[0], 0.9 * 0.3 + 0.3, 1e-6, 0);
    /* eval uses the running statistics */
    float ye[4];
    OPS->bn_forward_eval(be, 4, 1, x, gamma, beta, rm, rv, 1e-5f, ye);
    CHECK_NEAR(ye[0], 2.0 * (1.0 - rm[0]) / sqrt(rv[0] + 1e-5) + 0.5, 1e-6, 1e-7);
    /* one row: the unbiased variance falls back to the biased one (0) */
    float one[1] = {4}, m1[1] = {0}, v1[1] = {1}, y1[1];
    OPS->bn_forward_train(be, 1, 1, one, gamma, beta, m1, v1, 0.5f, 1e-5f, sm, si, y1);
    CHECK(isfinite(v1[0]) && isfinite(y1[0]));
}

/* ---- element-wise -------------------------------------------------------- */

static void relu_fwd(gc *g) { OPS->relu_forward(be, g->ny, g->a, g->y); }
static void add_fwd(gc *g) { OPS->add_forward(be, g->ny, g->a, g->b, g->y); }
static uint8_t drop_mask[64];
static void dropout_fwd(gc *g) { OPS->dropout_forward(be, g->ny, g->a, drop_mask, g->f1, g->y); }

static void test_elementwise(void) {
    rng_seed(4);
    enum { N = 64 };
    float x[N], x2[N], y[N], r[N], dx[N], t[N];
    fill_away_from_zero(x, N), fill(x2, N, -1, 1), fill(r, N, -1, 1);
    gc g = {.forward = relu_fwd, .y = y, .r = r, .ny = N, .a = x, .b = x2};
    g.forward(&g);
    OPS->relu_backward(be, N, y, r, dx, 0);
    gc_check("relu dx", &g, x, N, dx, 1e-2f, 1e-3, 1e-4);
    fill_const(t, N, 0.5f);
    OPS->relu_backward(be, N, y, r, t, 1);
    check_acc("relu dx", dx, t, N, 0.5f);
    int nz = 0;
    for (int i = 0; i < N; i++) nz += y[i] == 0.0f;
    CHECK(nz > 10 && nz < 54); /* both sides exercised */

    /* add: d/da = d/db = dy; copy_grad forwards it */
    g.forward = add_fwd;
    g.forward(&g);
    OPS->copy_grad(be, N, r, dx, 0);
    gc_check("add da", &g, x, N, dx, 1e-2f, 1e-3, 1e-4);
    gc_check("add db", &g, x2, N, dx, 1e-2f, 1e-3, 1e-4);
    fill_const(t, N, 0.5f);
    OPS->copy_grad(be, N, r, t, 1);
    check_acc("copy_grad", dx, t, N, 0.5f);

    /* dropout with a fixed mask, scale 1/(1-p) */
    for (int i = 0; i < N; i++) drop_mask[i] = rng_uniform() >= 0.3;
    g.forward = dropout_fwd;
    g.f1 = 1.0f / 0.7f;
    g.forward(&g);
    for (int i = 0; i < N; i++) CHECK_NEAR(y[i], drop_mask[i] ? x[i] / 0.7 : 0.0, 1e-6, 1e-7);
    OPS->dropout_backward(be, N, r, drop_mask, g.f1, dx, 0);
    gc_check("dropout dx", &g, x, N, dx, 1e-2f, 1e-3, 1e-4);
    fill_const(t, N, 0.5f);
    OPS->dropout_backward(be, N, r, drop_mask, g.f1, t, 1);
    check_acc("dropout dx", dx, t, N, 0.5f);
}

/* ---- pooling and upsampling ------------------------------------------------ */

static void pool_fwd(gc *g) { OPS->maxpool_forward(be, NULL, g->shape, g->a, g->y); }

static void check_pool(const char *what, pt_pool_shape s) {
    s.oh = (s.ih + 2 * s.ph - s.kh) / s.sh + 1;
    s.ow = (s.iw + 2 * s.pw - s.kw) / s.sw + 1;
    size_t nx = (size_t)s.n * s.ih * s.iw * s.c, ny = (size_t)s.n * s.oh * s.ow * s.c;
    float *x = falloc(nx), *y = falloc(ny), *r = falloc(ny), *dx = falloc(nx), *t = falloc(nx);
    fill_distinct(x, nx), fill(r, ny, -1, 1);
    void *st = NULL;
    CHECK(OPS->maxpool_init(be, &st, &s) == 0);
    gc g = {.forward = pool_fwd, .y = y, .r = r, .ny = ny, .shape = &s, .a = x};
    g.forward(&g);
    OPS->maxpool_backward(be, st, &s, x, y, r, dx, 0);
    gc_check(what, &g, x, nx, dx, 1e-3f, 1e-2, 1e-3);
    fill_const(t, nx, 0.5f);
    OPS->maxpool_backward(be, st, &s, x, y, r, t, 1);
    check_acc(what, dx, t, nx, 0.5f);
    OPS->maxpool_free(be, st);
    free(x), free(y), free(r), free(dx), free(t);
}

static void gap_fwd(gc *g) { OPS->gap_forward(be, g->i1, g->i2, g->i3, g->a, g->y); }
static void up_fwd(gc *g) { OPS->upsample_forward(be, g->i1, g->i2, g->i3, g->i4, g->i5, 2, g->a, g->y); }

static void test_pool(void) {
    rng_seed(5);
    check_pool("maxpool2d 2x2 s2", (pt_pool_shape){.n = 2, .ih = 4, .iw = 6, .c = 3, .kh = 2, .kw = 2, .sh = 2,
                                                    .sw = 2});
    check_pool("maxpool2d 3x3 s2 p1", (pt_pool_shape){.n = 2, .ih = 5, .iw = 5, .c = 2, .kh = 3, .kw = 3, .sh = 2,
                                                       .sw = 2, .ph = 1, .pw = 1});
    check_pool("maxpool1d k2 s2", (pt_pool_shape){.n = 2, .ih = 1, .iw = 9, .c = 3, .kh = 1, .kw = 2, .sh = 1,
                                                   .sw = 2});
    check_pool("maxpool1d k3 s1", (pt_pool_shape){.n = 1, .ih = 1, .iw = 8, .c = 2, .kh = 1, .kw = 3, .sh = 1,
                                                   .sw = 1});

    /* global average pool x[2][6][3] -> y[2][3] */
    float x[36], y[6], r[6], dx[36], t[36];
    fill(x, 36, -1, 1), fill(r, 6, -1, 1);
    gc g = {.forward = gap_fwd, .y = y, .r = r, .ny = 6, .a = x, .i1 = 2, .i2 = 6, .i3 = 3};
    g.forward(&g);
    OPS->gap_backward(be, 2, 6, 3, r, dx, 0);
    gc_check("gap dx", &g, x, 36, dx, 1e-2f, 1e-3, 1e-4);
    fill_const(t, 36, 0.5f);
    OPS->gap_backward(be, 2, 6, 3, r, t, 1);
    check_acc("gap dx", dx, t, 36, 0.5f);

    /* upsample x[2][2][3][2] by (fh, 2) for fh = 1 (1-D) and 3 */
    for (int fh = 1; fh <= 3; fh += 2) {
        float ux[24], uy[24 * 6], ur[24 * 6], udx[24], ut[24];
        size_t ny = (size_t)24 * fh * 2;
        fill(ux, 24, -1, 1), fill(ur, ny, -1, 1);
        gc u = {.forward = up_fwd, .y = uy, .r = ur, .ny = ny, .a = ux, .i1 = 2, .i2 = 2, .i3 = 3, .i4 = 2, .i5 = fh};
        u.forward(&u);
        /* y[n][oy][ox][c] = x[n][oy/fh][ox/2][c] */
        CHECK(uy[((1 * 2 * fh + (2 * fh - 1)) * 6 + 5) * 2 + 1] == ux[((1 * 2 + 1) * 3 + 2) * 2 + 1]);
        OPS->upsample_backward(be, 2, 2, 3, 2, fh, 2, ur, udx, 0);
        gc_check("upsample dx", &u, ux, 24, udx, 1e-2f, 1e-3, 1e-4);
        fill_const(ut, 24, 0.5f);
        OPS->upsample_backward(be, 2, 2, 3, 2, fh, 2, ur, ut, 1);
        check_acc("upsample dx", udx, ut, 24, 0.5f);
    }
}

/* ---- losses ----------------------------------------------------------------- */

/* the loss itself is L (r = 1 over a one-element "output") */
static int32_t xent_labels[4];
static float loss_out[1], loss_one[1] = {1.0f}, loss_scale = 0.7f;
static void xent_fwd(gc *g) {
    loss_out[0] = loss_scale * OPS->softmax_xent(be, g->i1, g->i2, g->a, xent_labels, g->d, loss_scale);
}
static void bce_fwd(gc *g) { loss_out[0] = loss_scale * OPS->bce_logits(be, g->i1, g->i2, g->a, g->b, g->d, loss_scale); }
static void mse_fwd(gc *g) { loss_out[0] = loss_scale * OPS->mse(be, g->ny2, g->a, g->b, g->d, loss_scale); }

static void test_losses(void) {
    rng_seed(6);
    enum { N = 4, K = 5 };
    float z[N * K], tg[N * K], dz[N * K], scratch[N * K];
    fill(z, N * K, -3, 3);
    for (int i = 0; i < N; i++) xent_labels[i] = (int32_t)(rng_uniform() * K);
    gc g = {.forward = xent_fwd, .y = loss_out, .r = loss_one, .ny = 1, .a = z, .d = scratch, .i1 = N, .i2 = K};
    OPS->softmax_xent(be, N, K, z, xent_labels, dz, loss_scale);
    gc_check("softmax_xent", &g, z, N * K, dz, 1e-3f, 1e-2, 1e-4);
    /* each row of dlogits sums to 0 */
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < K; j++) s += dz[i * K + j];
        CHECK_NEAR(s, 0.0, 0, 1e-6);
    }
    /* large logits stay finite */
    float big[2] = {1000.0f, -1000.0f}, dbig[2];
    int32_t l1[1] = {1};
    float lb = OPS->softmax_xent(be, 1, 2, big, l1, dbig, 1.0f);
    CHECK_NEAR(lb, 2000.0, 1e-6, 0);
    CHECK_NEAR(dbig[1], -1.0, 0, 1e-6);

    for (int i = 0; i < N * K; i++) tg[i] = rng_uniform() < 0.5 ? 0.0f : 1.0f;
    g.forward = bce_fwd;
    g.b = tg;
    OPS->bce_logits(be, N, K, z, tg, dz, loss_scale);
    gc_check("bce_logits", &g, z, N * K, dz, 1e-3f, 1e-2, 1e-4);
    float bz[2] = {100.0f, -100.0f}, bt[2] = {0.0f, 1.0f}, bd[2];
    CHECK_NEAR(OPS->bce_logits(be, 1, 2, bz, bt, bd, 1.0f), 100.0, 1e-5, 0);
    CHECK_NEAR(OPS->bce_logits(be, 1, 1, (float[]){0.0f}, (float[]){1.0f}, bd, 1.0f), log(2.0), 1e-6, 0);

    g.forward = mse_fwd;
    g.ny2 = N * K;
    fill(tg, N * K, -1, 1);
    OPS->mse(be, N * K, z, tg, dz, loss_scale);
    gc_check("mse", &g, z, N * K, dz, 1e-3f, 1e-2, 1e-4);
    CHECK_NEAR(OPS->mse(be, 2, (float[]){1, 2}, (float[]){0, 4}, bd, 1.0f), 2.5, 1e-7, 0);
    CHECK_NEAR(bd[1], -2.0, 1e-7, 0);

    int32_t lab[3] = {0, 2, 1};
    float lg[9] = {3, 1, 2, 0, 0, 1, 5, 4, 4};
    CHECK(OPS->argmax_correct(be, 3, 3, lg, lab) == 2);
}

/* ---- optimizers against hand-computed values (Python, double) ----------------- */

static void test_optim(void) {
    float gs[3] = {0.5f, -0.25f, 0.5f};
    /* SGD lr 0.1, momentum 0.9, weight decay 0.01 */
    float w[2] = {1.0f, 1.0f}, mom[2] = {0, 0};
    const double sgd[3] = {0.949, 0.927151, 0.856559749};
    for (int t = 0; t < 3; t++) {
        float g[2] = {gs[t], gs[t]};
        OPS->sgd_step(be, 2, w, g, mom, 0.1f, 0.9f, 0.01f);
        CHECK_NEAR(w[0], sgd[t], 1e-6, 0);
        CHECK(w[1] == w[0]);
    }
    /* plain SGD, no momentum buffer */
    float w1[1] = {2.0f};
    OPS->sgd_step(be, 1, w1, (float[]){0.5f}, NULL, 0.1f, 0.0f, 0.0f);
    CHECK_NEAR(w1[0], 1.95, 1e-7, 0);
    /* Adam lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01, bias corrected */
    float aw[1] = {1.0f}, m[1] = {0}, v[1] = {0};
    const double adam[3] = {0.9000000019607843, 0.8712293476231743, 0.8119162554456542};
    for (int t = 0; t < 3; t++) {
        OPS->adam_step(be, 1, aw, &gs[t], m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, t + 1);
        CHECK_NEAR(aw[0], adam[t], 1e-6, 0);
    }
}

int main(void) {
    char err[128];
    be = pt_backend_create("ref", 1, err, sizeof err);
    if (!be) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_conv();
    test_linear();
    test_bn();
    test_bn_running();
    test_elementwise();
    test_pool();
    test_losses();
    test_optim();
    pt_backend_destroy(be);
    return pt_test_finish("test_nn_ref");
}
