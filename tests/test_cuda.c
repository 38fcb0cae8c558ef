/* test_cuda.c -- every model of the registry trained two steps forward +
 * backward + SGD on the cuda backend and on ref (outputs, losses, every
 * parameter gradient, every state tensor after the steps, eval outputs and
 * accuracy). fp32 with TF32 off (the backend's default). The single ops are
 * compared with ref by test_backend_ops.c.
 *
 * Errors per model tensor, norm-wise: the first forward's outputs and loss
 * < 1e-3; everything downstream of a backward pass (gradients, updated
 * weights, the second step, eval) < 1e-2. Why: max pooling sends a window's
 * gradient to its first maximum, and a near-tie that fp32 rounding decides
 * differently from ref's double sums moves one gradient to the neighbouring
 * pixel. resnet18 has ~130k pooling windows per batch of 4; one such flip is
 * ~0.4% of the stem's weight gradient norm (seen comparing the cpu backend
 * with ref the same way). Ties themselves (equal values) are held to 1e-3 by
 * the max-pooling cases of test_backend_ops. The worst error per model is
 * printed at the end.
 *
 * Exit 77 (skipped) where the backend cannot be created (no GPU here: the CPU
 * CI machines); tests/gpu/run.sh runs it on a GPU. POWERTRAIN_TEST_DEVICE
 * names another backend to run the same comparison on (e.g. cpu: a check of
 * this test itself on a machine without a GPU). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"
#include "nn/backend.h"
#include "nn/optim.h"
#include "test.h"
#include "util/rng.h"

#define TOL 1e-3
/* model values downstream of a backward pass (see the header) */
#define TOL_GRAD 1e-2

static pt_backend *ref, *dev;

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

/* ---- error bookkeeping ---------------------------------------------------------------- */

#define MAX_OPS 128
static struct {
    char op[64];
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
        snprintf(stats[nstats].op, sizeof stats[nstats].op, "%s", op);
        stats[nstats].worst = e;
        stats[nstats].n = 1;
        nstats++;
    }
}

/* ---- every model: two training steps and an eval forward on both backends ----------------------- */

/* per tensor: ||a - b|| <= TOL * (||b|| + floor * sqrt(n)), floor an absolute
 * rms (0 for outputs and states; for gradients, the rms of all the model's
 * gradients: a conv bias before batch norm has a gradient that is zero up to
 * rounding, whose relative error means nothing) */
static void cmp_tensor(const char *model, const char *what, const float *a, const float *b, size_t n, double floor,
                       double tol) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    double scale = sqrt(den) + floor * sqrt((double)n);
    double rel = scale > 0 ? sqrt(num) / scale : sqrt(num);
    char op[64];
    snprintf(op, sizeof op, "model %s%s", model, tol > TOL ? " (after backward)" : "");
    record(op, rel);
    pt_test_checks++;
    if (!(rel < tol)) {
        pt_test_failures++;
        fprintf(stderr, "model %s: %s: rel %.3g over %zu values (tolerance %g)\n", model, what, rel, n, tol);
    }
}

static void cmp_loss(const char *model, const char *what, double a, double b, double tol) {
    char op[64];
    snprintf(op, sizeof op, "model %s loss", model);
    double rel = fabs(a - b) / (fabs(b) > 1e-12 ? fabs(b) : 1.0);
    record(op, rel);
    pt_test_checks++;
    if (!(rel < tol)) {
        pt_test_failures++;
        fprintf(stderr, "model %s: %s loss %.9g, ref %.9g\n", model, what, a, b);
    }
}

/* the model's loss on both nets (train: sets the head gradients) */
static void model_loss(const pt_model_info *mi, pt_net *nets[2], int n, const int32_t *labels, const float *targets,
                       const float *hgrad, int step) {
    double loss[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        pt_net *net = nets[k];
        if (!strcmp(mi->loss, "xent"))
            loss[k] = pt_net_loss_xent(net, 0, labels, n, 1.0f);
        else if (!strcmp(mi->loss, "bce"))
            loss[k] = pt_net_loss_bce(net, 0, targets, n, 1.0f);
        else if (!strcmp(mi->loss, "mse"))
            loss[k] = pt_net_loss_mse(net, 0, NULL, n, 1.0f);
        else if (!strcmp(mi->loss, "bce+xent"))
            loss[k] = pt_net_loss_bce(net, 0, targets, n, 0.5f) + pt_net_loss_xent(net, 1, labels, n, 0.5f);
        else { /* "none": a fixed random gradient on the features */
            pt_backend *be = k ? dev : ref;
            be->ops->upload(be, pt_net_output_grad(net, 0), hgrad, (size_t)n * pt_net_head_size(net, 0) * sizeof(float));
            pt_net_output_grad_set(net, 0);
        }
    }
    char what[32];
    snprintf(what, sizeof what, "step %d", step);
    if (strcmp(mi->loss, "none")) cmp_loss(mi->name, what, loss[1], loss[0], step == 1 ? TOL : TOL_GRAD);
}

static void model_case(const pt_model_info *mi) {
    const int n = 4;
    char err[512] = "";
    pt_model_opts o;
    pt_model_opts_default(&o);
    pt_net *nets[2] = {pt_model_build(mi->name, &o, err, sizeof err), pt_model_build(mi->name, &o, err, sizeof err)};
    pt_optim *opt[2] = {NULL, NULL};
    CHECK(nets[0] && nets[1]);
    if (!nets[0] || !nets[1]) {
        fprintf(stderr, "model %s: %s\n", mi->name, err);
        goto out;
    }
    CHECK(pt_net_plan(nets[0], ref, n) == 0);
    CHECK(pt_net_plan(nets[1], dev, n) == 0);
    if (pt_net_init(nets[0], 7) != 0 || pt_net_init(nets[1], 7) != 0) {
        fprintf(stderr, "model %s: %s %s\n", mi->name, pt_net_error(nets[0]), pt_net_error(nets[1]));
        CHECK(0);
        goto out;
    }
    /* SGD: Adam's first steps move every weight by about lr whatever the size
       of its gradient, so gradients that are zero up to rounding (a conv bias
       before batch norm, ties) would make the two nets part; Adam's own
       arithmetic is checked op by op above */
    pt_optim_config oc = {.kind = PT_OPTIM_SGD, .lr = 0.001f, .momentum = 0.9f};
    for (int k = 0; k < 2; k++) {
        opt[k] = pt_optim_create(nets[k], &oc, err, sizeof err);
        CHECK(opt[k] != NULL);
    }
    if (!opt[0] || !opt[1]) goto out;
    size_t in = pt_net_tensor_shape(nets[0], 0, NULL, NULL, NULL);
    int nh = pt_net_num_heads(nets[0]);
    size_t h0 = pt_net_head_size(nets[0], 0), hl = pt_net_head_size(nets[0], nh - 1);
    float *x = hrand((size_t)n * in), *targets = hbuf((size_t)n * h0), *hgrad = hrand((size_t)n * h0);
    int32_t labels[4];
    for (int i = 0; i < n; i++) labels[i] = (int32_t)(rng_uniform() * (double)hl);
    for (size_t i = 0; i < (size_t)n * h0; i++) targets[i] = rng_uniform() < 0.5 ? 0.0f : 1.0f;
    for (size_t i = 0; i < (size_t)n * h0; i++) hgrad[i] *= 0.01f;
    double grms_all = 0.0;
    for (int step = 1; step <= 2; step++) {
        char what[96];
        for (int k = 0; k < 2; k++) CHECK(pt_net_forward(nets[k], x, n, 1) == 0);
        for (int h = 0; h < nh; h++) {
            size_t hs = pt_net_head_size(nets[0], h);
            float *a = hbuf((size_t)n * hs), *b = hbuf((size_t)n * hs);
            pt_net_output_read(nets[1], h, a, n);
            pt_net_output_read(nets[0], h, b, n);
            snprintf(what, sizeof what, "step %d head %d output", step, h);
            cmp_tensor(mi->name, what, a, b, (size_t)n * hs, 0.0, step == 1 ? TOL : TOL_GRAD);
            free(a), free(b);
        }
        model_loss(mi, nets, n, labels, targets, hgrad, step);
        for (int k = 0; k < 2; k++) {
            pt_net_zero_grad(nets[k]);
            CHECK(pt_net_backward(nets[k]) == 0);
        }
        int ns = pt_net_state_count(nets[0]);
        float **ga = calloc((size_t)ns, sizeof *ga), **gb = calloc((size_t)ns, sizeof *gb);
        double sq = 0.0;
        size_t cnt = 0;
        for (int i = 0; i < ns; i++) {
            pt_net_state st;
            pt_net_state_at(nets[0], i, &st);
            if (!st.trainable) continue;
            ga[i] = hbuf(st.count), gb[i] = hbuf(st.count);
            int ra = pt_net_state_read_grad(nets[1], i, ga[i]), rb = pt_net_state_read_grad(nets[0], i, gb[i]);
            CHECK(ra == rb);
            if (ra != 0 || rb != 0) {
                free(ga[i]), free(gb[i]);
                ga[i] = gb[i] = NULL;
                continue;
            }
            for (size_t j = 0; j < st.count; j++) sq += (double)gb[i][j] * gb[i][j];
            cnt += st.count;
        }
        double grms = cnt ? sqrt(sq / (double)cnt) : 0.0;
        grms_all = grms > grms_all ? grms : grms_all;
        for (int i = 0; i < ns; i++) {
            if (!ga[i]) continue;
            pt_net_state st;
            pt_net_state_at(nets[0], i, &st);
            snprintf(what, sizeof what, "step %d grad %s", step, st.name);
            cmp_tensor(mi->name, what, ga[i], gb[i], st.count, grms, TOL_GRAD);
            free(ga[i]), free(gb[i]);
        }
        free(ga), free(gb);
        for (int k = 0; k < 2; k++) pt_optim_step(opt[k]);
        for (int i = 0; i < ns; i++) {
            pt_net_state st;
            pt_net_state_at(nets[0], i, &st);
            float *a = hbuf(st.count), *b = hbuf(st.count);
            pt_net_state_read(nets[1], i, a);
            pt_net_state_read(nets[0], i, b);
            snprintf(what, sizeof what, "step %d state %s", step, st.name);
            /* a weight whose gradient is zero up to rounding moves by lr
               times that rounding: the floor is the steps' size */
            cmp_tensor(mi->name, what, a, b, st.count, 2.0 * oc.lr * grms_all, TOL_GRAD);
            free(a), free(b);
        }
    }
    /* eval: running statistics, dropout off; fewer rows than planned */
    for (int k = 0; k < 2; k++) CHECK(pt_net_forward(nets[k], x, n - 1, 0) == 0);
    for (int h = 0; h < nh; h++) {
        size_t hs = pt_net_head_size(nets[0], h);
        float *a = hbuf((size_t)(n - 1) * hs), *b = hbuf((size_t)(n - 1) * hs);
        pt_net_output_read(nets[1], h, a, n - 1);
        pt_net_output_read(nets[0], h, b, n - 1);
        cmp_tensor(mi->name, "eval output", a, b, (size_t)(n - 1) * hs, 0.0, TOL_GRAD);
        free(a), free(b);
    }
    if (!strcmp(mi->loss, "xent")) CHECK(pt_net_correct(nets[1], 0, labels, n - 1) == pt_net_correct(nets[0], 0, labels, n - 1));
    free(x), free(targets), free(hgrad);
out:
    for (int k = 0; k < 2; k++) {
        pt_optim_free(opt[k]);
        pt_net_free(nets[k]);
    }
}

static void test_models(void) {
    for (int i = 0; i < pt_model_count(); i++) model_case(pt_model_at(i));
}

int main(void) {
    char err[512] = "";
    const char *name = getenv("POWERTRAIN_TEST_DEVICE");
    if (!name || !*name) name = "cuda";
    ref = pt_backend_create("ref", 1, err, sizeof err);
    if (!ref) {
        fprintf(stderr, "test_cuda: %s\n", err);
        return 1;
    }
    dev = pt_backend_create(name, 0, err, sizeof err);
    if (!dev) {
        fprintf(stderr, "skipped: %s\n", err);
        pt_backend_destroy(ref);
        return 77;
    }
    char desc[512];
    if (pt_backend_gpu(dev, NULL, 0, desc, sizeof desc) >= 0) fprintf(stderr, "test_cuda: %s\n", desc);
    test_models();
    fprintf(stderr, "%-42s %6s %s\n", "model (device vs ref)", "cases", "max ||dev-ref||/||ref||");
    for (int i = 0; i < nstats; i++) fprintf(stderr, "%-42s %6d %.3g\n", stats[i].op, stats[i].n, stats[i].worst);
    pt_backend_destroy(dev);
    pt_backend_destroy(ref);
    return pt_test_finish("test_cuda");
}
