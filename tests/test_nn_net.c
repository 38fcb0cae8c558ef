/* test_nn_net.c -- the network on the ref backend: end-to-end finite-difference
 * checks of every parameter's gradient through a residual block with two heads
 * (2-D, cross-entropy + BCE) and through a 1-D autoencoder (MSE to its input);
 * frozen groups (no update, and no weight- or data-gradient work: backend
 * calls are counted through a wrapping function table); train/eval
 * differences; determinism by seed; memory planned once (no allocation after
 * plan); gradient accumulation; the optimizer through the network; errors.
 * Where the cpu backend is built, the same residual network runs on it and is
 * compared with ref. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net.h"
#include "nn/optim.h"
#include "test.h"
#include "util/rng.h"

/* ---- a counting backend: ref's table with counters on the interesting ops ----- */

static pt_backend *ref_be;
static pt_backend_ops counting_ops;
static pt_backend counting_be;
static struct {
    int alloc, conv_bw, conv_bd, lin_bw, lin_bd, bn_bw, bn_bd, relu_b, pool_b, gap_b, sgd, adam, changed;
} calls;

static void *c_alloc(pt_backend *be, size_t n) {
    (void)be;
    calls.alloc++;
    return ref_be->ops->alloc(ref_be, n);
}
static void c_conv_bd(pt_backend *be, void *st, const pt_conv_shape *s, const float *dy, const float *w, float *dx,
                      int acc) {
    (void)be;
    calls.conv_bd++;
    ref_be->ops->conv_backward_data(ref_be, st, s, dy, w, dx, acc);
}
static void c_conv_bw(pt_backend *be, void *st, const pt_conv_shape *s, const float *x, const float *dy, float *dw,
                      float *db, int acc) {
    (void)be;
    calls.conv_bw++;
    ref_be->ops->conv_backward_weights(ref_be, st, s, x, dy, dw, db, acc);
}
static void c_lin_bd(pt_backend *be, void *st, int n, int in, int out, const float *dy, const float *w, float *dx,
                     int acc) {
    (void)be;
    calls.lin_bd++;
    ref_be->ops->linear_backward_data(ref_be, st, n, in, out, dy, w, dx, acc);
}
static void c_lin_bw(pt_backend *be, void *st, int n, int in, int out, const float *x, const float *dy, float *dw,
                     float *db, int acc) {
    (void)be;
    calls.lin_bw++;
    ref_be->ops->linear_backward_weights(ref_be, st, n, in, out, x, dy, dw, db, acc);
}
static void c_bn_b(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma,
                   const float *sm, const float *si, float *dx, int acc_dx, float *dg, float *db, int acc_w) {
    (void)be;
    if (dg || db) calls.bn_bw++;
    if (dx) calls.bn_bd++;
    ref_be->ops->bn_backward(ref_be, rows, c, x, dy, gamma, sm, si, dx, acc_dx, dg, db, acc_w);
}
static void c_relu_b(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc) {
    (void)be;
    calls.relu_b++;
    ref_be->ops->relu_backward(ref_be, n, y, dy, dx, acc);
}
static void c_pool_b(pt_backend *be, void *st, const pt_pool_shape *s, const float *x, const float *y,
                     const float *dy, float *dx, int acc) {
    (void)be;
    calls.pool_b++;
    ref_be->ops->maxpool_backward(ref_be, st, s, x, y, dy, dx, acc);
}
static void c_gap_b(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc) {
    (void)be;
    calls.gap_b++;
    ref_be->ops->gap_backward(ref_be, n, hw, c, dy, dx, acc);
}
static void c_sgd(pt_backend *be, size_t n, float *w, const float *g, float *m, float lr, float mo, float wd) {
    (void)be;
    calls.sgd++;
    ref_be->ops->sgd_step(ref_be, n, w, g, m, lr, mo, wd);
}
static void c_changed(pt_backend *be, void *st) {
    (void)be;
    calls.changed++;
    ref_be->ops->conv_weights_changed(ref_be, st);
}
static void c_destroy(pt_backend *be) { (void)be; }

static pt_backend *counting_backend(void) {
    counting_ops = *ref_be->ops;
    counting_ops.name = "counting";
    counting_ops.alloc = c_alloc;
    counting_ops.conv_backward_data = c_conv_bd;
    counting_ops.conv_backward_weights = c_conv_bw;
    counting_ops.linear_backward_data = c_lin_bd;
    counting_ops.linear_backward_weights = c_lin_bw;
    counting_ops.bn_backward = c_bn_b;
    counting_ops.relu_backward = c_relu_b;
    counting_ops.maxpool_backward = c_pool_b;
    counting_ops.gap_backward = c_gap_b;
    counting_ops.sgd_step = c_sgd;
    counting_ops.conv_weights_changed = c_changed;
    counting_ops.destroy = c_destroy;
    counting_be.ops = &counting_ops;
    return &counting_be;
}

/* ---- helpers ----------------------------------------------------------------- */

static uint64_t rng_state;
static double rng_uniform(void) { return (double)(pt_splitmix64(&rng_state) >> 11) / 9007199254740992.0; }
static void fill(float *p, size_t n, double lo, double hi) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(lo + (hi - lo) * rng_uniform());
}

/* reads every state tensor into one host array (sizes summed) */
static float *snapshot(pt_net *net, size_t *total) {
    size_t t = 0;
    pt_net_state s;
    for (int i = 0; i < pt_net_state_count(net); i++) pt_net_state_at(net, i, &s), t += s.count;
    float *h = malloc(t * sizeof *h), *p = h;
    for (int i = 0; i < pt_net_state_count(net); i++) {
        pt_net_state_at(net, i, &s);
        pt_net_state_read(net, i, p);
        p += s.count;
    }
    if (total) *total = t;
    return h;
}

/* ---- the residual two-head network ------------------------------------------ */

enum { RB = 3, RH = 5, RW = 5, RC = 2, KA = 4, KB = 3 };

/* x [5][5][2] -> conv3x3(3)+bn+relu = a -> conv3x3(3)+bn -> add(a) -> relu ->
 * maxpool 3 s2 p1 [3][3][3] -> head 0: gap -> linear 4 (xent);
 *                               head 1: flatten -> linear 3 (bce) */
static pt_net *residual_net(void) {
    pt_net *net = pt_net_create("residual");
    int x = pt_net_input(net, RH, RW, RC);
    pt_net_set_group(net, "trunk");
    int a = pt_net_conv(net, x, 3, 3, 3, 1, 1, 1);
    pt_net_name_last(net, "stem");
    a = pt_net_relu(net, pt_net_batchnorm(net, a));
    int b = pt_net_conv(net, a, 3, 3, 3, 1, 1, 0);
    b = pt_net_batchnorm(net, b);
    int y = pt_net_relu(net, pt_net_add(net, b, a));
    y = pt_net_maxpool(net, y, 3, 2, 1);
    pt_net_set_group(net, "heads");
    int h0 = pt_net_linear(net, pt_net_gap(net, y), KA, 1);
    pt_net_name_last(net, "fc_attr");
    int h1 = pt_net_linear(net, pt_net_flatten(net, y), KB, 1);
    pt_net_output(net, h0);
    pt_net_output(net, h1);
    return net;
}

static float rx[RB * RH * RW * RC], rtb[RB * KB];
static int32_t rlab[RB];

static double residual_loss(pt_net *net) {
    CHECK(pt_net_forward(net, rx, RB, 1) == 0);
    double l0 = pt_net_loss_xent(net, 0, rlab, RB, 0.7f);
    double l1 = pt_net_loss_bce(net, 1, rtb, RB, 0.3f);
    return 0.7 * l0 + 0.3 * l1;
}

/* every trainable state's gradient against central differences of the loss */
static void fd_check_all(const char *what, pt_net *net, double (*loss)(pt_net *)) {
    pt_net_zero_grad(net);
    loss(net);
    CHECK(pt_net_backward(net) == 0);
    int nbad = 0, nchk = 0;
    for (int i = 0; i < pt_net_state_count(net); i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        if (!s.trainable) continue;
        float *w = malloc(s.count * sizeof *w), *g = malloc(s.count * sizeof *g);
        pt_net_state_read(net, i, w);
        CHECK(pt_net_state_read_grad(net, i, g) == 0);
        size_t step = s.count > 12 ? s.count / 12 : 1;
        for (size_t j = 0; j < s.count; j += step) {
            const float eps = 1e-3f;
            float keep = w[j];
            w[j] = keep + eps;
            pt_net_state_write(net, i, w);
            double lp = loss(net);
            w[j] = keep - eps;
            pt_net_state_write(net, i, w);
            double lm = loss(net);
            w[j] = keep;
            pt_net_state_write(net, i, w);
            double num = (lp - lm) / (2.0 * eps);
            nchk++;
            pt_test_checks++;
            if (!(fabs(num - g[j]) <= 1e-3 + 3e-2 * fabs(num))) {
                pt_test_failures++;
                if (nbad++ < 8)
                    fprintf(stderr, "%s: %s[%zu]: analytic %.6g, numeric %.6g\n", what, s.name, j, (double)g[j], num);
            }
        }
        free(w);
        free(g);
    }
    CHECK(nchk > 30);
}

static void test_residual_fd(void) {
    rng_state = 11;
    fill(rx, sizeof rx / sizeof rx[0], -1, 1);
    for (int i = 0; i < RB; i++) rlab[i] = (int32_t)(rng_uniform() * KA);
    for (int i = 0; i < RB * KB; i++) rtb[i] = rng_uniform() < 0.5 ? 0.0f : 1.0f;
    pt_net *net = residual_net();
    CHECK(pt_net_plan(net, ref_be, RB) == 0);
    CHECK(pt_net_init(net, 5) == 0);
    CHECK(pt_net_num_heads(net) == 2);
    CHECK(pt_net_head_size(net, 0) == KA && pt_net_head_size(net, 1) == KB);
    CHECK(pt_net_state_find(net, "stem.weight") >= 0);
    CHECK(pt_net_state_find(net, "stem.bias") >= 0);
    CHECK(pt_net_state_find(net, "conv1.weight") < 0); /* the first conv is "stem" */
    CHECK(pt_net_state_find(net, "conv2.weight") >= 0);
    CHECK(pt_net_state_find(net, "conv2.bias") < 0);     /* created without bias */
    CHECK(pt_net_state_find(net, "bn2.running_var") >= 0);
    CHECK(pt_net_state_find(net, "fc_attr.weight") >= 0);
    CHECK(pt_net_state_find(net, "linear2.bias") >= 0);
    /* parameters: stem 3*2*9+3, bn 2*3, conv2 3*3*9, bn 2*3, fc 3*4+4, linear 27*3+3 */
    size_t expect = 57 + 6 + 81 + 6 + 16 + 84;
    CHECK(pt_net_param_count(net, NULL) == expect);
    CHECK(pt_net_param_count(net, "heads") == 100);
    CHECK(pt_net_param_count(net, "trunk") == expect - 100);
    CHECK(pt_net_param_count(net, "nope") == 0);
    fd_check_all("residual", net, residual_loss);
    pt_net_free(net);
}

/* ---- a 1-D autoencoder: conv k5 p2, bn, relu, maxpool 2, upsample 2, conv k3 p1,
 *      MSE to its own input -------------------------------------------------- */

enum { AB = 2, AW = 12, AC = 3 };
static float ax[AB * AW * AC];

static pt_net *ae_net(void) {
    pt_net *net = pt_net_create("ae");
    int x = pt_net_input(net, 1, AW, AC);
    pt_net_set_group(net, "encoder");
    int e = pt_net_conv(net, x, 4, 1, 5, 1, 2, 1);
    e = pt_net_maxpool(net, pt_net_relu(net, pt_net_batchnorm(net, e)), 2, 2, 0);
    e = pt_net_conv(net, e, 4, 1, 3, 2, 1, 1); /* [3][4] */
    pt_net_set_group(net, "decoder");
    int d = pt_net_upsample(net, e, 1, 4); /* [12][4] */
    d = pt_net_conv(net, d, AC, 1, 3, 1, 1, 1);
    pt_net_output(net, d);
    return net;
}

static double ae_loss(pt_net *net) {
    CHECK(pt_net_forward(net, ax, AB, 1) == 0);
    return pt_net_loss_mse(net, 0, NULL, AB, 1.0f);
}

static void test_autoencoder_fd(void) {
    rng_state = 12;
    fill(ax, sizeof ax / sizeof ax[0], -1, 1);
    pt_net *net = ae_net();
    CHECK(pt_net_plan(net, ref_be, AB) == 0);
    CHECK(pt_net_init(net, 9) == 0);
    int h, w, c;
    CHECK(pt_net_head_size(net, 0) == AW * AC);
    pt_net_state s;
    int i = pt_net_state_find(net, "conv1.weight");
    CHECK(i >= 0 && pt_net_state_at(net, i, &s) == 0);
    CHECK(s.ndim == 3 && s.shape[0] == 4 && s.shape[1] == AC && s.shape[2] == 5);
    CHECK_STR(s.group, "encoder");
    CHECK(pt_net_tensor_shape(net, 0, &h, &w, &c) == AW * AC && h == 1 && w == AW && c == AC);
    fd_check_all("autoencoder", net, ae_loss);
    pt_net_free(net);
}

/* ---- frozen groups: no update, no weight-gradient work, no wasted data-gradient work */

static void test_frozen(void) {
    rng_state = 13;
    fill(rx, sizeof rx / sizeof rx[0], -1, 1);
    pt_backend *be = counting_backend();
    memset(&calls, 0, sizeof calls);
    pt_net *net = residual_net();
    CHECK(pt_net_plan(net, be, RB) == 0);
    int allocs_after_plan = calls.alloc;
    CHECK(allocs_after_plan == 5); /* the network's pools */
    CHECK(pt_net_init(net, 1) == 0);
    char err[256];
    pt_optim *opt = pt_optim_create(net, &(pt_optim_config){.kind = PT_OPTIM_SGD, .lr = 0.1f, .momentum = 0.9f},
                                    err, sizeof err);
    CHECK(opt != NULL);
    CHECK(calls.alloc == allocs_after_plan + 1);
    CHECK(pt_net_freeze(net, "trunk", 1) == 0);
    CHECK(pt_net_freeze(net, "nope", 1) == -1);
    CHECK_CONTAINS(pt_net_error(net), "nope");

    size_t total;
    float *before = snapshot(net, &total);
    memset(&calls, 0, sizeof calls);
    for (int step = 0; step < 3; step++) {
        pt_net_zero_grad(net);
        residual_loss(net);
        CHECK(pt_net_backward(net) == 0);
        CHECK(pt_optim_step(opt) == 4); /* two linears, weight + bias each */
    }
    /* the trunk does nothing in backward: no conv, bn, relu, pool work at all */
    CHECK(calls.conv_bw == 0 && calls.conv_bd == 0);
    CHECK(calls.bn_bw == 0 && calls.bn_bd == 0);
    CHECK(calls.relu_b == 0 && calls.pool_b == 0);
    /* heads: weight gradients, but no data gradient (nothing trainable below) */
    CHECK(calls.lin_bw == 6 && calls.lin_bd == 0 && calls.gap_b == 0);
    CHECK(calls.sgd == 12);
    CHECK(calls.changed == 0); /* no conv weights changed */
    CHECK(calls.alloc == 0);   /* memory planned once */
    float *after = snapshot(net, NULL);
    /* trunk parameters bit-identical, head parameters moved; running stats move in train mode */
    size_t off = 0;
    int trunk_same = 1, heads_moved = 0;
    for (int i = 0; i < pt_net_state_count(net); i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        int same = !memcmp(before + off, after + off, s.count * sizeof(float));
        if (s.trainable && !strcmp(s.group, "trunk")) trunk_same &= same;
        if (!strcmp(s.group, "heads")) heads_moved += !same;
        off += s.count;
    }
    CHECK(trunk_same);
    CHECK(heads_moved == 4);
    free(before);
    free(after);
    float g[64];
    CHECK(pt_net_state_read_grad(net, pt_net_state_find(net, "stem.weight"), g) == -1);

    /* the heads frozen instead: trunk weight gradients; data gradients pass through the heads */
    CHECK(pt_net_freeze(net, "trunk", 0) == 0);
    CHECK(pt_net_freeze(net, "heads", 1) == 0);
    memset(&calls, 0, sizeof calls);
    pt_net_zero_grad(net);
    residual_loss(net);
    CHECK(pt_net_backward(net) == 0);
    CHECK(calls.lin_bw == 0 && calls.lin_bd == 2 && calls.gap_b == 1 && calls.pool_b == 1);
    CHECK(calls.conv_bw == 2);
    CHECK(calls.conv_bd == 1); /* the second conv only: the stem's input needs no gradient */
    CHECK(calls.bn_bw == 2 && calls.bn_bd == 2);
    CHECK(pt_optim_step(opt) == 7); /* stem w+b, bn1 2, conv2 w, bn2 2, nothing in heads */
    CHECK(calls.changed == 2);      /* both convs refreshed */
    CHECK(calls.alloc == 0);
    pt_optim_free(opt);
    pt_net_free(net);
}

/* ---- accumulation, the optimizer through the network, memory ----------------- */

static void test_accumulate_and_optim(void) {
    rng_state = 14;
    fill(rx, sizeof rx / sizeof rx[0], -1, 1);
    pt_net *net = residual_net();
    CHECK(pt_net_plan(net, ref_be, RB) == 0);
    CHECK(pt_net_plan(net, ref_be, RB) == -1); /* once */
    CHECK_CONTAINS(pt_net_error(net), "already planned");
    CHECK(pt_net_init(net, 2) == 0);
    int wi = pt_net_state_find(net, "stem.weight");
    float g1[54], g2[54], w0[54], w1[54];
    pt_net_zero_grad(net);
    residual_loss(net);
    CHECK(pt_net_backward(net) == 0);
    CHECK(pt_net_backward(net) == -1); /* once per forward */
    pt_net_state_read_grad(net, wi, g1);
    residual_loss(net); /* the same batch again, no zero_grad: gradients add */
    CHECK(pt_net_backward(net) == 0);
    pt_net_state_read_grad(net, wi, g2);
    int ok = 1;
    for (int j = 0; j < 54; j++) ok &= fabsf(g2[j] - 2 * g1[j]) <= 1e-5f * (1 + fabsf(g1[j]));
    CHECK(ok);
    /* plain SGD: w1 = w0 - lr * g */
    pt_optim *opt = pt_optim_create(net, &(pt_optim_config){.kind = PT_OPTIM_SGD, .lr = 0.5f}, NULL, 0);
    CHECK(pt_optim_memory(opt) == 0);
    pt_net_state_read(net, wi, w0);
    pt_optim_step(opt);
    pt_net_state_read(net, wi, w1);
    ok = 1;
    for (int j = 0; j < 54; j++) ok &= fabsf(w1[j] - (w0[j] - 0.5f * g2[j])) <= 1e-6f;
    CHECK(ok);
    pt_optim_free(opt);
    /* Adam state: m and v for every trainable parameter */
    char err[128];
    opt = pt_optim_create(net, &(pt_optim_config){.kind = PT_OPTIM_ADAM, .lr = 1e-3f}, err, sizeof err);
    CHECK(opt != NULL);
    CHECK(pt_optim_memory(opt) >= 2 * pt_net_param_count(net, NULL) * sizeof(float));
    pt_optim_free(opt);
    CHECK(pt_optim_create(net, &(pt_optim_config){.kind = PT_OPTIM_SGD, .lr = -1}, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "lr");

    /* memory: the pools add up, activations as planned */
    pt_net_memory m;
    pt_net_memory_get(net, &m);
    CHECK(m.total == m.params + m.grads + m.stats + m.activations + m.act_grads + m.other);
    CHECK(m.params >= pt_net_param_count(net, NULL) * sizeof(float));
    CHECK(m.params == m.grads);
    CHECK(m.activations >= RB * pt_net_activation_bytes(net, 0));
    CHECK(m.activations + m.act_grads >= RB * pt_net_activation_bytes(net, 1));
    /* x, stem, bn, conv2, bn, add, pool, relu, gap, fc, linear: flatten is a view,
     * and so is the first relu (in place over bn1's output, which only it reads:
     * plan_relu_in_place); the relu after add has the pool as its only reader, so
     * it runs after the pool, on 27 floats instead of 75 (plan_pool_before_relu),
     * and not in place (the pool's backward reads the pool's output) */
    size_t per = (50 + 5 * 75 + 27 + 27 + 3 + 4 + 3) * sizeof(float);
    CHECK(pt_net_activation_bytes(net, 0) == per);
    /* gradients share slots by live range [producer, last consumer] (heads: to the
     * end): three slots of 75 floats, not the 5 * 75 + 27 + 27 + 3 + 4 + 3 unshared */
    CHECK(pt_net_activation_bytes(net, 1) == per + 3 * 75 * sizeof(float));
    pt_net_free(net);
}

/* ---- train / eval, dropout, determinism --------------------------------------- */

static pt_net *dropout_net(void) {
    pt_net *net = pt_net_create("drop");
    int x = pt_net_input(net, 1, 8, 4);
    x = pt_net_batchnorm(net, pt_net_conv(net, x, 6, 1, 3, 1, 1, 1));
    x = pt_net_dropout(net, pt_net_flatten(net, x), 0.5f);
    pt_net_output(net, pt_net_linear(net, x, 5, 1));
    return net;
}

static void test_train_eval(void) {
    rng_state = 15;
    enum { B = 4, IN = 32, OUT = 5 };
    float x[B * IN], y1[B * OUT], y2[B * OUT], y3[B * OUT], y4[B * OUT];
    fill(x, B * IN, -1, 1);
    pt_net *a = dropout_net(), *b = dropout_net();
    CHECK(pt_net_plan(a, ref_be, B) == 0 && pt_net_plan(b, ref_be, B) == 0);
    CHECK(pt_net_init(a, 42) == 0 && pt_net_init(b, 42) == 0);
    /* same seed: same weights, same dropout masks */
    CHECK(pt_net_forward(a, x, B, 1) == 0 && pt_net_forward(b, x, B, 1) == 0);
    pt_net_output_read(a, 0, y1, B);
    pt_net_output_read(b, 0, y2, B);
    CHECK(!memcmp(y1, y2, sizeof y1));
    /* the next train step draws new masks */
    CHECK(pt_net_forward(a, x, B, 1) == 0);
    pt_net_output_read(a, 0, y3, B);
    CHECK(memcmp(y1, y3, sizeof y1) != 0);
    /* eval: deterministic, no dropout, running statistics */
    CHECK(pt_net_forward(a, x, B, 0) == 0);
    pt_net_output_read(a, 0, y3, B);
    CHECK(pt_net_forward(a, x, B, 0) == 0);
    pt_net_output_read(a, 0, y4, B);
    CHECK(!memcmp(y3, y4, sizeof y3));
    CHECK(memcmp(y1, y3, sizeof y1) != 0);
    /* eval of the first rows only equals those rows of a full eval */
    CHECK(pt_net_forward(a, x, 2, 0) == 0);
    pt_net_output_read(a, 0, y4, 2);
    CHECK(!memcmp(y3, y4, 2 * OUT * sizeof(float)));
    /* dropout rate near p: count zeros of the flattened activations through a
     * 0.5 dropout by comparing train outputs is indirect; check the running
     * mean moved away from 0 after train forwards instead */
    float rm[6];
    CHECK(pt_net_state_read(a, pt_net_state_find(a, "bn1.running_mean"), rm) == 0);
    int moved = 0;
    for (int j = 0; j < 6; j++) moved += rm[j] != 0.0f;
    CHECK(moved == 6);
    /* a different seed: different weights */
    CHECK(pt_net_init(b, 43) == 0);
    CHECK(pt_net_forward(b, x, B, 0) == 0);
    pt_net_output_read(b, 0, y4, B);
    CHECK(memcmp(y3, y4, sizeof y3) != 0);
    /* errors */
    CHECK(pt_net_forward(a, x, 2, 1) == -1);
    CHECK_CONTAINS(pt_net_error(a), "exactly the planned batch");
    CHECK(pt_net_forward(a, x, B + 1, 0) == -1);
    CHECK(pt_net_forward(a, x, B, 0) == 0);
    CHECK(pt_net_backward(a) == -1);
    CHECK_CONTAINS(pt_net_error(a), "train mode");
    int32_t bad[B] = {0, 1, 5, 2};
    CHECK(isnan(pt_net_loss_xent(a, 0, bad, B, 1.0f)));
    CHECK_CONTAINS(pt_net_error(a), "label 5 of row 2");
    CHECK(pt_net_correct(a, 0, bad, B) == -1);
    CHECK(isnan(pt_net_loss_xent(a, 3, bad, B, 1.0f)));
    CHECK(isnan(pt_net_loss_mse(a, 0, NULL, B, 1.0f))); /* head 5 wide, input 32 */
    float tg[B * OUT];
    for (int j = 0; j < B * OUT; j++) tg[j] = 0.5f;
    CHECK(isnan(pt_net_loss_bce(a, 0, tg, B, 1.0f)));
    pt_net_free(a);
    pt_net_free(b);
}

/* ---- building errors stick; the table --------------------------------------- */

static void test_build_errors(void) {
    pt_net *net = pt_net_create("bad");
    int x = pt_net_input(net, 4, 4, 3);
    CHECK(x == 0);
    CHECK(pt_net_input(net, 1, 1, 1) == -1);
    CHECK_CONTAINS(pt_net_error(net), "one input");
    CHECK(pt_net_conv(net, x, 4, 3, 3, 1, 1, 1) == -1); /* sticky */
    CHECK(pt_net_plan(net, ref_be, 2) == -1);
    pt_net_free(net);

    net = pt_net_create("bad2");
    x = pt_net_input(net, 4, 4, 3);
    CHECK(pt_net_conv(net, x, 4, 7, 7, 1, 0, 1) == -1);
    CHECK_CONTAINS(pt_net_error(net), "larger than");
    pt_net_free(net);

    net = pt_net_create("bad3");
    x = pt_net_input(net, 4, 4, 3);
    int y = pt_net_conv(net, x, 4, 1, 1, 1, 0, 1);
    CHECK(pt_net_add(net, x, y) == -1);
    CHECK_CONTAINS(pt_net_error(net), "shapes differ");
    pt_net_free(net);

    net = pt_net_create("bad4");
    x = pt_net_input(net, 4, 4, 3);
    y = pt_net_relu(net, x);
    pt_net_name_last(net, "r");
    pt_net_relu(net, y);
    CHECK(pt_net_name_last(net, "r") == -1);
    CHECK_CONTAINS(pt_net_error(net), "already named 'r'");
    pt_net_free(net);

    net = pt_net_create("bad5");
    x = pt_net_input(net, 4, 4, 3);
    CHECK(pt_net_plan(net, ref_be, 2) == -1);
    CHECK_CONTAINS(pt_net_error(net), "no output");
    pt_net_free(net);

    net = residual_net();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pt_net_print_table(net, f);
    fclose(f);
    CHECK_CONTAINS(buf, "stem");
    CHECK_CONTAINS(buf, "3x3x3");
    CHECK_CONTAINS(buf, "parameters: 250");
    CHECK_CONTAINS(buf, "group heads: 100");
    CHECK_CONTAINS(buf, "(head)");
    free(buf);
    pt_net_free(net);
}

/* ---- learning: the residual net fits a fixed batch -------------------------------- */

static void test_learns(void) {
    rng_state = 17;
    fill(rx, sizeof rx / sizeof rx[0], -1, 1);
    for (int i = 0; i < RB; i++) rlab[i] = i % KA;
    for (int i = 0; i < RB * KB; i++) rtb[i] = (float)((i * 7) % 2);
    pt_net *net = residual_net();
    CHECK(pt_net_plan(net, ref_be, RB) == 0 && pt_net_init(net, 4) == 0);
    pt_optim *opt = pt_optim_create(net, &(pt_optim_config){.kind = PT_OPTIM_ADAM, .lr = 0.02f}, NULL, 0);
    double first = 0, last = 0;
    for (int step = 0; step < 40; step++) {
        pt_net_zero_grad(net);
        last = residual_loss(net);
        if (step == 0) first = last;
        CHECK(pt_net_backward(net) == 0);
        pt_optim_step(opt);
    }
    CHECK(last < 0.3 * first);
    CHECK(pt_net_forward(net, rx, RB, 1) == 0);
    CHECK(pt_net_correct(net, 0, rlab, RB) == RB);
    pt_optim_free(opt);
    pt_net_free(net);
}

/* ---- the cpu backend against ref on whole networks ---------------------------------- */

/* trains a and b (same architecture, ref and cpu) side by side for 3 steps:
 * losses and every gradient agree to 1e-4 (norm-wise) */
static void compare_nets(const char *what, pt_net *a, pt_net *b, double (*loss)(pt_net *)) {
    pt_optim_config oc = {.kind = PT_OPTIM_ADAM, .lr = 1e-2f};
    pt_optim *oa = pt_optim_create(a, &oc, NULL, 0), *ob = pt_optim_create(b, &oc, NULL, 0);
    for (int step = 0; step < 3; step++) {
        pt_net_zero_grad(a), pt_net_zero_grad(b);
        double la = loss(a), lb = loss(b);
        CHECK_NEAR(lb, la, 1e-4, 1e-6);
        CHECK(pt_net_backward(a) == 0 && pt_net_backward(b) == 0);
        for (int i = 0; i < pt_net_state_count(a); i++) {
            pt_net_state s;
            pt_net_state_at(a, i, &s);
            if (!s.trainable) continue;
            float *ga = malloc(s.count * sizeof *ga), *gb = malloc(s.count * sizeof *gb);
            int ra = pt_net_state_read_grad(a, i, ga), rb = pt_net_state_read_grad(b, i, gb);
            CHECK(ra == rb);
            double num = 0, den = 0;
            for (size_t j = 0; ra == 0 && j < s.count; j++)
                num += (ga[j] - gb[j]) * (double)(ga[j] - gb[j]), den += ga[j] * (double)ga[j];
            /* the floor: a bias right before batch norm has a true gradient of 0 */
            if (!(sqrt(num) <= 1e-4 * sqrt(den) + 1e-6))
                fprintf(stderr, "%s: step %d: %s: gradient error norm %.3g, gradient norm %.3g\n", what, step,
                        s.name, sqrt(num), sqrt(den));
            CHECK(sqrt(num) <= 1e-4 * sqrt(den) + 1e-6);
            free(ga);
            free(gb);
        }
        pt_optim_step(oa), pt_optim_step(ob);
    }
    pt_optim_free(oa);
    pt_optim_free(ob);
}

static void test_cpu_matches_ref(void) {
    char err[256];
    pt_backend *cpu = pt_backend_create("cpu", 1, err, sizeof err);
    if (!cpu) {
        fprintf(stderr, "test_nn_net: skipping cpu vs ref (%s)\n", err);
        return;
    }
    rng_state = 16;
    fill(rx, sizeof rx / sizeof rx[0], -1, 1);
    fill(ax, sizeof ax / sizeof ax[0], -1, 1);
    pt_net *a = residual_net(), *b = residual_net();
    CHECK(pt_net_plan(a, ref_be, RB) == 0 && pt_net_plan(b, cpu, RB) == 0);
    CHECK(pt_net_init(a, 3) == 0 && pt_net_init(b, 3) == 0);
    compare_nets("residual", a, b, residual_loss);
    pt_net_free(a);
    pt_net_free(b);
    a = ae_net(), b = ae_net();
    CHECK(pt_net_plan(a, ref_be, AB) == 0 && pt_net_plan(b, cpu, AB) == 0);
    CHECK(pt_net_init(a, 8) == 0 && pt_net_init(b, 8) == 0);
    compare_nets("autoencoder", a, b, ae_loss);
    /* the decoder alone: a frozen encoder on cpu too */
    CHECK(pt_net_freeze(a, "encoder", 1) == 0 && pt_net_freeze(b, "encoder", 1) == 0);
    compare_nets("autoencoder, frozen encoder", a, b, ae_loss);
    pt_net_free(a);
    pt_net_free(b);
    pt_backend_destroy(cpu);
}

/* ---- a relu read only by a max pool runs after it (plan_pool_before_relu) ------ */

/* input 6x6x2, conv 3x3 p1 -> 4, relu, maxpool (k, stride, pad) -> 3x3x4,
 * flatten, linear 3; with relu_head the relu's output is also a head (read
 * twice: the layers run as declared) */
static pt_net *relu_pool_net(const int *pool, int relu_head) {
    pt_net *net = pt_net_create("relu_pool");
    int x = pt_net_input(net, 6, 6, 2);
    int r = pt_net_relu(net, pt_net_conv(net, x, 4, 3, 3, 1, 1, 1));
    int y = pt_net_linear(net, pt_net_flatten(net, pt_net_maxpool(net, r, pool[0], pool[1], pool[2])), 3, 1);
    pt_net_output(net, y);
    if (relu_head) pt_net_output(net, r);
    return net;
}

static void test_pool_before_relu(void) {
    static const int pools[2][3] = {{2, 2, 0}, {3, 2, 1}}; /* pamap2/fmnist's, resnet stem's (overlap, padding) */
    enum { N = 4 };
    float x[N * 72], ya[N * 3], yb[N * 3];
    int32_t lab[N] = {0, 1, 2, 1};
    rng_state = 21;
    fill(x, sizeof x / sizeof x[0], -1, 1);
    for (int c = 0; c < 2; c++) {
        pt_net *a = relu_pool_net(pools[c], 0), *b = relu_pool_net(pools[c], 1);
        CHECK(pt_net_plan(a, ref_be, N) == 0 && pt_net_plan(b, ref_be, N) == 0);
        CHECK(pt_net_init(a, 5) == 0 && pt_net_init(b, 5) == 0);
        /* a: x, conv, pool, relu (36 each), linear; b: the full-size relu runs in
         * place over the conv's output (its only reader), then the pool */
        CHECK(pt_net_activation_bytes(a, 0) == (72 + 144 + 36 + 36 + 3) * sizeof(float));
        CHECK(pt_net_activation_bytes(b, 0) == (72 + 144 + 36 + 3) * sizeof(float));
        CHECK(pt_net_forward(a, x, N, 1) == 0 && pt_net_forward(b, x, N, 1) == 0);
        CHECK(pt_net_output_read(a, 0, ya, N) == 0 && pt_net_output_read(b, 0, yb, N) == 0);
        CHECK(memcmp(ya, yb, sizeof ya) == 0); /* max and relu commute exactly */
        pt_net_zero_grad(a), pt_net_zero_grad(b);
        CHECK(pt_net_loss_xent(a, 0, lab, N, 1.0f) == pt_net_loss_xent(b, 0, lab, N, 1.0f));
        CHECK(pt_net_backward(a) == 0 && pt_net_backward(b) == 0);
        int same = pt_net_state_count(a) == pt_net_state_count(b) && pt_net_state_count(a) == 4;
        for (int i = 0; same && i < pt_net_state_count(a); i++) {
            float ga[108], gb[108];
            pt_net_state st;
            CHECK(pt_net_state_at(a, i, &st) == 0 && st.count <= 108);
            CHECK(pt_net_state_read_grad(a, i, ga) == 0 && pt_net_state_read_grad(b, i, gb) == 0);
            same &= memcmp(ga, gb, st.count * sizeof(float)) == 0;
            if (i == 0) { /* the conv's weights get a gradient, through the pool's first maxima */
                float mx = 0;
                for (size_t j = 0; j < st.count; j++) mx = fmaxf(mx, fabsf(ga[j]));
                CHECK(mx > 0);
            }
        }
        CHECK(same);
        pt_net_free(a);
        pt_net_free(b);
    }
}

/* PyTorch's default initialisation: conv and linear weights and biases uniform in
   +-1/sqrt(fan_in) (std bound/sqrt 3, mean 0, every value inside, biases not zero),
   batch norm gamma 1, beta 0, running var 1; a seed fixes it, another changes it. */
static void check_uniform(pt_net *net, const char *name, double fan_in) {
    int i = pt_net_state_find(net, name);
    pt_net_state st;
    CHECK(i >= 0 && pt_net_state_at(net, i, &st) == 0);
    float *h = malloc(st.count * sizeof *h);
    CHECK(h && pt_net_state_read(net, i, h) == 0);
    double bound = 1.0 / sqrt(fan_in), s1 = 0, s2 = 0, mx = 0;
    for (size_t j = 0; j < st.count; j++) {
        s1 += h[j], s2 += (double)h[j] * h[j];
        if (fabs(h[j]) > mx) mx = fabs(h[j]);
    }
    double n = (double)st.count, mean = s1 / n, sd = sqrt(s2 / n - mean * mean);
    CHECK(mx <= bound && mx > (st.count >= 400 ? 0.9 : 0.5) * bound);
    CHECK(fabs(mean) < 4 * bound / sqrt(3 * n));
    if (st.count >= 1000) CHECK(fabs(sd / (bound / sqrt(3.0)) - 1) < 0.05);
    free(h);
}

static void test_init(void) {
    pt_net *net = pt_net_create("init");
    int x = pt_net_input(net, 8, 8, 3);
    x = pt_net_batchnorm(net, pt_net_conv(net, x, 16, 3, 3, 1, 1, 1));
    x = pt_net_linear(net, pt_net_flatten(net, x), 40, 1);
    pt_net_output(net, x);
    CHECK(pt_net_plan(net, ref_be, 2) == 0 && pt_net_init(net, 3) == 0);
    int nst = pt_net_state_count(net);
    char names[8][48];
    for (int i = 0; i < nst && i < 8; i++) {
        pt_net_state st;
        CHECK(pt_net_state_at(net, i, &st) == 0);
        snprintf(names[i], sizeof names[i], "%s", st.name);
    }
    CHECK(nst == 8); /* conv w b, bn gamma beta mean var, linear w b */
    check_uniform(net, names[0], 3 * 3 * 3);
    check_uniform(net, names[1], 3 * 3 * 3);
    check_uniform(net, names[6], 8 * 8 * 16);
    check_uniform(net, names[7], 8 * 8 * 16);
    float bn[4][16], w1[432], w2[432];
    for (int k = 0; k < 4; k++) CHECK(pt_net_state_read(net, 2 + k, bn[k]) == 0);
    for (int j = 0; j < 16; j++) CHECK(bn[0][j] == 1.0f && bn[1][j] == 0.0f && bn[2][j] == 0.0f && bn[3][j] == 1.0f);
    CHECK(pt_net_state_read(net, 0, w1) == 0 && pt_net_init(net, 3) == 0 && pt_net_state_read(net, 0, w2) == 0);
    CHECK(memcmp(w1, w2, sizeof w1) == 0);
    CHECK(pt_net_init(net, 4) == 0 && pt_net_state_read(net, 0, w2) == 0);
    CHECK(memcmp(w1, w2, sizeof w1) != 0);
    pt_net_free(net);
}

int main(void) {
    char err[128];
    ref_be = pt_backend_create("ref", 1, err, sizeof err);
    if (!ref_be) return fprintf(stderr, "%s\n", err), 1;
    test_init();
    test_residual_fd();
    test_autoencoder_fd();
    test_frozen();
    test_accumulate_and_optim();
    test_train_eval();
    test_build_errors();
    test_learns();
    test_cpu_matches_ref();
    test_pool_before_relu();
    pt_backend_destroy(ref_be);
    return pt_test_finish("test_nn_net");
}
