/* fmnist_entry.c -- Fashion-MNIST in the data registry: a study's train (60,000) and
 * val (the 10,000 test images) views, `data info`, no generator. */
#include <stdio.h>
#include <stdlib.h>

#include "data/fmnist.h"
#include "data/registry.h"
#include "util/str.h"

static int fmnist_open(const char *dir, int image_size, pt_data_views *out, char *err, size_t errlen) {
    (void)image_size;
    pt_fmnist *f = calloc(2, sizeof *f);
    if (!f) return pt_say(err, errlen, "out of memory"), -1;
    if (pt_fmnist_load(dir, 1, &f[0], err, errlen) != 0 || pt_fmnist_load(dir, 0, &f[1], err, errlen) != 0) {
        pt_fmnist_free(&f[0]);
        free(f);
        return -1;
    }
    pt_fmnist_dataset(&f[0], 1, &out->train);
    pt_fmnist_dataset(&f[1], 0, &out->val);
    out->owner = f;
    return 0;
}

static void fmnist_close(void *owner) {
    pt_fmnist *f = owner;
    pt_fmnist_free(&f[0]);
    pt_fmnist_free(&f[1]);
    free(f);
}

static const char *class_name(int c, void *ctx) {
    (void)ctx;
    return pt_fmnist_class_name(c);
}

static int fmnist_info(const char *dir, const char *cache_dir, const void *opts, int progress, char *err,
                       size_t errlen) {
    (void)cache_dir, (void)opts, (void)progress;
    pt_data_views d;
    if (fmnist_open(dir, 0, &d, err, errlen) != 0) return -1;
    const pt_fmnist *f = d.owner;
    float m, s;
    pt_dataset_channel_stats(&d.train, &m, &s);
    printf("dataset   fmnist (Fashion-MNIST)\n");
    printf("data      %s (gzip IDX: train-*, t10k-*)\n", dir);
    printf("samples   28x28x1 uint8 images (NHWC), 10 classes; train %lld, test %lld\n", (long long)f[0].n,
           (long long)f[1].n);
    printf("normalise x/255: mean %.5f, std %.5f (training images)\n", m, s);
    printf("cache     none (the IDX files are read directly)\n\n");
    const char *vn[2] = {"train", "test"};
    pt_dataset v[2] = {d.train, d.val};
    pt_data_print_splits(PT_FMNIST_CLASSES, class_name, NULL, v, 2, vn);
    fmnist_close(d.owner);
    return 0;
}

static void no_opts(void *opts) { (void)opts; }

static const pt_data_task tasks[] = {{"fmnist", "fmnist_cnn", PT_DATA_USE_LABEL}};

const pt_data_entry pt_data_fmnist = {
    .name = "fmnist",
    .summary = "Fashion-MNIST",
    .default_dir = PT_FMNIST_DEFAULT_DIR,
    .dir_hint = "the folder of the IDX files",
    .tasks = tasks,
    .ntasks = 1,
    .open = fmnist_open,
    .close = fmnist_close,
    .info_opts_size = 1,
    .info_init = no_opts,
    .info = fmnist_info,
};
