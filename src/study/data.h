/* data.h -- a study's data by name: the training and validation views, the
 * task and the model each dataset trains, with a preset's slices applied.
 *
 *   fmnist       Fashion-MNIST (Debian's files, or --data DIR); val = t10k;
 *                fmnist_cnn, softmax
 *   pamap2       PAMAP2 windows (40 x 128), leave-subjects-out split;
 *                pamap2_cnn, softmax
 *   celeba-id    CelebA, the 40 most frequent identities; celeba_id, softmax
 *   celeba-attr  the same images, 40 attributes; celeba_attr, BCE
 *   celeba       both (multitask); celeba_multitask */
#ifndef PT_STUDY_DATA_H
#define PT_STUDY_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "study/train.h"

typedef struct {
    char dataset[32];
    const char *model;  /* default model name */
    pt_task task;
    pt_dataset train, val;
    int h, w, c;        /* per-sample input shape for the model */
    int classes;
    /* owned */
    void *owner;
    int64_t *rows[2];
} pt_study_data;

/* Names accepted by --dataset, comma separated. */
const char *pt_study_datasets(void);
/* The model a dataset trains by default ("pamap2_cnn"), or NULL for an unknown name. */
const char *pt_study_dataset_model(const char *dataset);
/* Loads dataset from dir (NULL: the default place), keeping at most
 * train_limit / val_limit samples (0: all; a seeded random subset); CelebA
 * images at image_size x image_size (0: the reader's default). 0, or -1 with
 * err naming the dataset and folder. */
int pt_study_data_load(const char *dataset, const char *dir, int64_t train_limit, int64_t val_limit,
                       int image_size, uint64_t seed, pt_study_data *out, char *err, size_t errlen);
void pt_study_data_free(pt_study_data *d);

#endif
