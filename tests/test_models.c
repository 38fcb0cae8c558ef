/* test_models.c -- the paper's parameter counts (141,293; 11,176,512; 20,520),
 * the autoencoder sharing the classifier's encoder tensors, every model's
 * forward on the ref backend giving its head shapes, the dataset defaults
 * agreeing with the models', and checkpoints moving the encoder between them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/pamap2.h"
#include "models/models.h"
#include "nn/optim.h"
#include "test.h"

static pt_net *build(const char *name, const pt_model_opts *o) {
    char err[512] = "";
    pt_net *net = pt_model_build(name, o, err, sizeof err);
    if (!net) fprintf(stderr, "%s: %s\n", name, err);
    return net;
}

static void test_counts(void) {
    pt_net *n = build("pamap2_cnn", NULL);
    CHECK(n != NULL);
    if (n) {
        CHECK(pt_net_param_count(n, NULL) == 141293);
        CHECK(pt_net_param_count(n, "encoder") == 108992);
        pt_net_free(n);
    }
    n = build("resnet18", NULL);
    CHECK(n != NULL);
    if (n) {
        CHECK(pt_net_param_count(n, NULL) == 11176512);
        pt_net_free(n);
    }
    n = build("celeba_id", NULL);
    CHECK(n != NULL);
    if (n) {
        CHECK(pt_net_param_count(n, "head") == 20520);
        CHECK(pt_net_param_count(n, "encoder") == 11176512);
        pt_net_free(n);
    }
    n = build("celeba_multitask", NULL);
    CHECK(n != NULL);
    if (n) {
        CHECK(pt_net_param_count(n, "head_attr") == 20520);
        CHECK(pt_net_param_count(n, "head_id") == 20520);
        CHECK(pt_net_num_heads(n) == 2);
        pt_net_free(n);
    }
    n = build("fmnist_cnn", NULL);
    CHECK(n != NULL);
    if (n) {
        CHECK(pt_net_param_count(n, NULL) == 105962);
        pt_net_free(n);
    }
    char err[256];
    CHECK(pt_model_build("nope", NULL, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "unknown model 'nope'");
    CHECK_CONTAINS(err, "pamap2_cnn");
    /* the data defaults and the models' agree */
    CHECK(PT_MODEL_PAMAP2_CHANNELS == PT_PAMAP2_CHANNELS);
    CHECK(PT_MODEL_PAMAP2_WINDOW == PT_PAMAP2_WINDOW);
    CHECK(PT_MODEL_PAMAP2_CLASSES == PT_PAMAP2_CLASSES);
}

/* Every model plans and runs forward on ref with the expected head sizes. */
static void test_forward_shapes(pt_backend *be) {
    struct {
        const char *name;
        int h, w, c;
        int head0;
    } cases[] = {{"pamap2_cnn", 0, 0, 0, 12},      {"pamap2_ae", 0, 0, 0, 128 * 40},
                 {"fmnist_cnn", 0, 0, 0, 10},      {"resnet18", 32, 32, 3, 512},
                 {"celeba_attr", 32, 32, 3, 40},   {"celeba_multitask", 32, 40, 3, 40}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pt_model_opts o;
        pt_model_opts_default(&o);
        o.h = cases[i].h;
        o.w = cases[i].w;
        o.c = cases[i].c;
        pt_net *n = build(cases[i].name, &o);
        CHECK(n != NULL);
        if (!n) continue;
        CHECK(pt_net_plan(n, be, 2) == 0);
        CHECK(pt_net_init(n, 7) == 0);
        int h, w, c;
        pt_net_tensor_shape(n, 0, &h, &w, &c);
        size_t in = (size_t)h * w * c;
        float *x = malloc(2 * in * sizeof *x);
        for (size_t k = 0; k < 2 * in; k++) x[k] = (float)sin(0.37 * (double)k);
        CHECK(pt_net_forward(n, x, 2, 0) == 0);
        CHECK(pt_net_head_size(n, 0) == (size_t)cases[i].head0);
        size_t hs = pt_net_head_size(n, 0);
        float *y = malloc(2 * hs * sizeof *y);
        CHECK(pt_net_output_read(n, 0, y, 2) == 0);
        int finite = 1;
        for (size_t k = 0; k < 2 * hs; k++) finite &= isfinite(y[k]) != 0;
        CHECK(finite);
        free(x);
        free(y);
        pt_net_free(n);
    }
}

/* The autoencoder's encoder tensors are the classifier's, by name and shape. */
static void test_encoder_transfer(pt_backend *be) {
    pt_net *ae = build("pamap2_ae", NULL), *cls = build("pamap2_cnn", NULL);
    CHECK(ae && cls);
    if (!ae || !cls) return;
    CHECK(pt_net_param_count(ae, "encoder") == pt_net_param_count(cls, "encoder"));
    CHECK(pt_net_plan(ae, be, 2) == 0 && pt_net_plan(cls, be, 2) == 0);
    pt_net_init(ae, 1);
    pt_net_init(cls, 2);
    int moved = 0;
    for (int i = 0; i < pt_net_state_count(ae); i++) {
        pt_net_state s;
        pt_net_state_at(ae, i, &s);
        if (strcmp(s.group, "encoder") != 0) continue;
        int j = pt_net_state_find(cls, s.name);
        CHECK(j >= 0);
        if (j < 0) continue;
        pt_net_state t;
        pt_net_state_at(cls, j, &t);
        CHECK(t.count == s.count);
        float *buf = malloc(s.count * sizeof *buf);
        pt_net_state_read(ae, i, buf);
        CHECK(pt_net_state_write(cls, j, buf) == 0);
        float *back = malloc(s.count * sizeof *back);
        pt_net_state_read(cls, j, back);
        CHECK(memcmp(buf, back, s.count * sizeof *buf) == 0);
        free(buf);
        free(back);
        moved++;
    }
    CHECK(moved == 3 * 2 + 3 * 4); /* 3 convs (weight, bias), 3 bns (4 tensors) */
    CHECK(pt_net_freeze(cls, "encoder", 1) == 0);
    pt_net_free(ae);
    pt_net_free(cls);
}

int main(void) {
    char err[256];
    pt_backend *be = pt_backend_create("ref", 1, err, sizeof err);
    CHECK(be != NULL);
    test_counts();
    if (be) {
        test_forward_shapes(be);
        test_encoder_transfer(be);
        pt_backend_destroy(be);
    }
    return pt_test_finish("test_models");
}
