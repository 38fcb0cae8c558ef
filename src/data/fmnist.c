/* fmnist.c -- loads Fashion-MNIST's gzip IDX files into uint8 images and labels. */
#include "data/fmnist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/idx.h"
#include "util/fs.h"

static const char *const class_names[PT_FMNIST_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

const char *pt_fmnist_class_name(int label) {
    return label >= 0 && label < PT_FMNIST_CLASSES ? class_names[label] : "?";
}

/* DIR/BASE.gz when it exists, else DIR/BASE (also read by zlib, compressed or not). */
static void find_file(char *path, size_t n, const char *dir, const char *base) {
    snprintf(path, n, "%s/%s.gz", dir, base);
    if (access(path, F_OK) == 0) return;
    snprintf(path, n, "%s/%s", dir, base);
    if (access(path, F_OK) == 0) return;
    snprintf(path, n, "%s/%s.gz", dir, base); /* the error names the usual file */
}

int pt_fmnist_load(const char *dir, int train, pt_fmnist *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (!dir) dir = PT_FMNIST_DEFAULT_DIR;
    /* a missing folder is named by its first file below; something else is refused here */
    if (access(dir, F_OK) == 0 && pt_check_dir(dir, err, errlen) != 0) return -1;
    const char *pre = train ? "train" : "t10k";
    char ipath[4096], lpath[4096], base[64];
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", pre);
    find_file(ipath, sizeof ipath, dir, base);
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", pre);
    find_file(lpath, sizeof lpath, dir, base);

    pt_idx im, lb;
    if (pt_idx_read(ipath, 3, &im, err, errlen) != 0) return -1;
    if (im.dims[1] != PT_FMNIST_ROWS || im.dims[2] != PT_FMNIST_COLS) {
        snprintf(err, errlen, "%s: images are %ux%u, expected 28x28", ipath, im.dims[1], im.dims[2]);
        pt_idx_free(&im);
        return -1;
    }
    if (pt_idx_read(lpath, 1, &lb, err, errlen) != 0) {
        pt_idx_free(&im);
        return -1;
    }
    if (lb.dims[0] != im.dims[0]) {
        snprintf(err, errlen, "%s: %u labels for the %u images of %s", lpath, lb.dims[0], im.dims[0],
                 ipath);
        pt_idx_free(&im);
        pt_idx_free(&lb);
        return -1;
    }
    for (uint32_t i = 0; i < lb.dims[0]; i++)
        if (lb.data[i] >= PT_FMNIST_CLASSES) {
            snprintf(err, errlen, "%s: label %u of item %u is not a class 0..9", lpath, lb.data[i], i);
            pt_idx_free(&im);
            pt_idx_free(&lb);
            return -1;
        }
    out->n = im.dims[0];
    out->rows = PT_FMNIST_ROWS;
    out->cols = PT_FMNIST_COLS;
    out->images = im.data;
    out->labels = lb.data;
    return 0;
}

void pt_fmnist_free(pt_fmnist *f) {
    free(f->images);
    free(f->labels);
    memset(f, 0, sizeof *f);
}

void pt_fmnist_dataset(const pt_fmnist *f, int train, pt_dataset *ds) {
    int shape[3] = {f->rows ? f->rows : PT_FMNIST_ROWS, f->cols ? f->cols : PT_FMNIST_COLS, 1};
    pt_dataset_init(ds, train ? "fmnist-train" : "fmnist-test", f->n, 3, shape, PT_DATA_U8,
                    f->images);
    ds->label = f->labels;
    ds->nclasses = PT_FMNIST_CLASSES;
    ds->scale = 1.0f / 255.0f;
    ds->mean[0] = PT_FMNIST_MEAN;
    ds->std[0] = PT_FMNIST_STD;
}
