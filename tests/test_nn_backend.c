/* test_nn_backend.c -- choosing backends by name; the ref backend's memory and
 * a few ops against hand-computed values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "test.h"

static void test_create(void) {
    char err[256];
    pt_backend *be = pt_backend_create("ref", 0, err, sizeof err);
    CHECK(be != NULL);
    if (be) {
        CHECK_STR(be->ops->name, "ref");
        char bus[32] = "x";
        CHECK(pt_backend_gpu(be, bus, sizeof bus, NULL, 0) == -1); /* a host backend */
        CHECK_STR(bus, "");
        pt_backend_destroy(be);
    }
    CHECK(pt_backend_create("nope", 0, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "unknown backend 'nope'");
    CHECK_CONTAINS(err, "ref");
    CHECK(pt_backend_create("cuda:4095", 0, err, sizeof err) == NULL); /* no machine has it */
    CHECK_CONTAINS(err, "cuda:4095");
    CHECK(pt_backend_create("cuda:x", 0, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "bad device");
    CHECK(pt_backend_gpu(NULL, NULL, 0, NULL, 0) == -1);
    CHECK(pt_backend_create(NULL, 0, err, sizeof err) == NULL);
    CHECK(pt_backend_create("ref", -1, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "threads");
    const char *av = pt_backend_available();
    CHECK(strncmp(av, "ref", 3) == 0);
    be = pt_backend_create("cpu", 1, err, sizeof err);
    if (strstr(av, "cpu")) {
        CHECK(be != NULL);
    } else {
        CHECK(be == NULL);
        CHECK_STR(err, "cpu: this build has no oneDNN");
    }
    pt_backend_destroy(be);
    pt_backend_destroy(NULL);
}

static void test_memory(void) {
    pt_backend *be = pt_backend_ref_create(0, NULL, 0);
    const pt_backend_ops *o = be->ops;
    float *p = o->alloc(be, 100);
    CHECK(p != NULL);
    CHECK(((uintptr_t)p & 63) == 0);
    int zero = 1;
    for (int i = 0; i < 25; i++) zero &= p[i] == 0.0f;
    CHECK(zero);
    float src[3] = {1, 2, 3}, back[3];
    o->upload(be, p, src, sizeof src);
    o->download(be, back, p, sizeof back);
    CHECK(back[2] == 3.0f);
    o->synchronize(be);
    o->free(be, p);
    void *z = o->alloc(be, 0);
    CHECK(z != NULL);
    o->free(be, z);
    pt_backend_destroy(be);
}

static void test_ops_by_hand(void) {
    pt_backend *be = pt_backend_ref_create(0, NULL, 0);
    const pt_backend_ops *o = be->ops;
    /* 1-D conv: x = [1 2 3 4] (1 channel), w = [1 0 -1], pad 1, stride 1 */
    pt_conv_shape s = {.n = 1, .ih = 1, .iw = 4, .ic = 1, .oc = 1, .kh = 1, .kw = 3, .sh = 1, .sw = 1,
                       .ph = 0, .pw = 1, .oh = 1, .ow = 4};
    float x[4] = {1, 2, 3, 4}, w[3] = {1, 0, -1}, b[1] = {0.5f}, y[4];
    void *st = NULL;
    CHECK(o->conv_init(be, &st, &s) == 0);
    o->conv_forward(be, st, &s, x, w, b, y);
    /* y[i] = x[i-1] - x[i+1] + 0.5 */
    CHECK_NEAR(y[0], -1.5, 0, 1e-6);
    CHECK_NEAR(y[1], -1.5, 0, 1e-6);
    CHECK_NEAR(y[2], -1.5, 0, 1e-6);
    CHECK_NEAR(y[3], 3.5, 0, 1e-6);
    o->conv_free(be, st);
    /* max pool 2-D 2x2 stride 2 over a 2x4 single-channel image */
    pt_pool_shape ps = {.n = 1, .ih = 2, .iw = 4, .c = 1, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .oh = 1, .ow = 2};
    float img[8] = {1, 5, 2, 0, 3, 4, 7, 6}, py[2], dpy[2] = {10, 20}, dimg[8];
    o->maxpool_forward(be, NULL, &ps, img, py);
    CHECK(py[0] == 5.0f && py[1] == 7.0f);
    o->maxpool_backward(be, NULL, &ps, img, py, dpy, dimg, 0);
    CHECK(dimg[1] == 10.0f && dimg[6] == 20.0f && dimg[0] == 0.0f && dimg[7] == 0.0f);
    /* softmax cross-entropy of equal logits is log(k) */
    float lg[4] = {0, 0, 0, 0}, dl[4];
    int32_t lab[1] = {2};
    CHECK_NEAR(o->softmax_xent(be, 1, 4, lg, lab, dl, 1.0f), log(4.0), 1e-6, 0);
    CHECK_NEAR(dl[2], -0.75, 0, 1e-6);
    CHECK_NEAR(dl[0], 0.25, 0, 1e-6);
    CHECK(o->argmax_correct(be, 1, 4, (float[]){0, 1, 3, 2}, lab) == 1);
    pt_backend_destroy(be);
}

int main(void) {
    test_create();
    test_memory();
    test_ops_by_hand();
    return pt_test_finish("test_nn_backend");
}
