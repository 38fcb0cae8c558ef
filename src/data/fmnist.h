/* fmnist.h -- Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of 10 clothing
 * classes, 60,000 train and 10,000 test, in gzip IDX files as Debian's
 * dataset-fashion-mnist installs them (/usr/share/datasets/fashion-mnist). */
#ifndef PT_DATA_FMNIST_H
#define PT_DATA_FMNIST_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

#define PT_FMNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define PT_FMNIST_ROWS 28
#define PT_FMNIST_COLS 28
#define PT_FMNIST_CLASSES 10
/* Mean and standard deviation of the 60,000 training images' pixels / 255
 * (computed by `powertrain data info --dataset fmnist`); the default normalisation. */
#define PT_FMNIST_MEAN 0.28604f
#define PT_FMNIST_STD 0.35302f

typedef struct {
    int64_t n;        /* images */
    int rows, cols;   /* 28, 28 */
    uint8_t *images;  /* n x rows x cols (NHWC with C = 1), 0 = background */
    uint8_t *labels;  /* n, 0..9 */
} pt_fmnist;

/* Loads DIR/{train,t10k}-images-idx3-ubyte[.gz] and the matching labels file
 * (train = 1: the 60,000 training images; 0: the 10,000 test images). dir NULL means
 * PT_FMNIST_DEFAULT_DIR. Magic numbers (0x803 images, 0x801 labels), 28x28 sizes,
 * equal counts and labels < 10 are validated. Returns 0, or -1 with a one-line error
 * naming the file in err (out is then empty; pt_fmnist_free on it is harmless). */
int pt_fmnist_load(const char *dir, int train, pt_fmnist *out, char *err, size_t errlen);
void pt_fmnist_free(pt_fmnist *f);

/* A view for the batcher: shape (28, 28, 1) uint8, labels with 10 classes,
 * scale 1/255, mean PT_FMNIST_MEAN, std PT_FMNIST_STD. Name "fmnist-train"/"fmnist-test". */
void pt_fmnist_dataset(const pt_fmnist *f, int train, pt_dataset *ds);

/* "T-shirt/top", "Trouser", ... "Ankle boot". */
const char *pt_fmnist_class_name(int label);

#endif
