/* dataset.h -- the data layer's generic data set: N samples of one fixed shape,
 * channels last, with an integer class label and/or a vector of {0,1} targets.
 *
 * A pt_dataset is a *view*: it points into memory owned by a reader (pt_fmnist,
 * pt_pamap2, pt_celeba) and stays valid while that owner lives. Copying the struct
 * copies the view. Splits are views with a row list (`rows`).
 *
 * Sample i of a view is row r = rows ? rows[i] : i of the underlying arrays:
 *   raw values   x + (offsets ? offsets[r] : r * sample_elems)
 *                                          (uint8 or float32 elements, row-major, channels
 *                                           last: (W, C) for 1-D data, (H, W, C) for images;
 *                                           offsets let overlapping windows share a series)
 *   class label  label[r]                  (0 .. nclasses-1), when label != NULL
 *   targets      targets + r * ntargets    ({0,1} bytes), when targets != NULL
 *
 * Normalisation, applied by the batcher: value = raw * scale, then
 * (value - mean[c]) / std[c] for channel c = element index % channels.
 * Statistics come from training data only (pt_dataset_channel_stats on the train view,
 * then pt_dataset_set_norm on every split). */
#ifndef PT_DATA_DATASET_H
#define PT_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#define PT_DATA_MAX_CHANNELS 64

typedef enum { PT_DATA_U8 = 0, PT_DATA_F32 = 1 } pt_data_type;

typedef struct {
    const char *name;        /* "fmnist-train", "pamap2-val", ... (static or owner's) */
    int64_t n;               /* samples in this view */
    int rank;                /* 2: (W, C); 3: (H, W, C) */
    int shape[3];            /* per-sample shape, channels last; unused dims 0 */
    int64_t sample_elems;    /* product of shape */
    int channels;            /* shape[rank-1] */
    pt_data_type type;       /* element type of x */
    const void *x;           /* rows x sample_elems raw values */
    const int64_t *rows;     /* NULL (identity) or n row numbers */
    const int64_t *offsets;  /* NULL, or the element offset in x of each row */
    const uint8_t *label;    /* class per row, or NULL */
    int nclasses;
    const uint8_t *targets;  /* ntargets {0,1} per row, or NULL */
    int ntargets;
    float scale;                       /* raw -> value multiplier (1/255 for images) */
    float mean[PT_DATA_MAX_CHANNELS];  /* per channel, after scale; default 0 */
    float std[PT_DATA_MAX_CHANNELS];   /* per channel, after scale; default 1 */
} pt_dataset;

/* Fills a view over whole arrays: rows NULL, scale 1, mean 0, std 1.
 * shape has rank entries (2 or 3). Returns 0, or -1 when the shape is invalid
 * (rank not 2/3, a dim < 1, more than PT_DATA_MAX_CHANNELS channels). */
int pt_dataset_init(pt_dataset *ds, const char *name, int64_t n, int rank, const int *shape,
                    pt_data_type type, const void *x);

/* Row of sample i (i in [0, n)). */
static inline int64_t pt_dataset_row(const pt_dataset *ds, int64_t i) {
    return ds->rows ? ds->rows[i] : i;
}

/* Raw values of row r (uint8_t or float, as type says). */
static inline const void *pt_dataset_raw(const pt_dataset *ds, int64_t r) {
    int64_t off = ds->offsets ? ds->offsets[r] : r * ds->sample_elems;
    return ds->type == PT_DATA_U8 ? (const void *)((const uint8_t *)ds->x + off)
                                  : (const void *)((const float *)ds->x + off);
}

/* A view of base restricted to base samples idx[0..n) (indices into base, not rows).
 * rows_out (n entries, caller-owned, must outlive the view) receives the row numbers. */
void pt_dataset_subset(const pt_dataset *base, const int64_t *idx, int64_t n, int64_t *rows_out,
                       pt_dataset *out);

/* Splits base at random (by seed) into val (round(n * val_fraction) samples) and train
 * (the rest). rows (base->n entries, caller-owned) holds both row lists. Both views keep
 * base's order of rows within them (sorted by sample index), so results do not depend
 * on the split's shuffle beyond membership. */
void pt_dataset_split(const pt_dataset *base, double val_fraction, uint64_t seed, int64_t *rows,
                      pt_dataset *train, pt_dataset *val);

/* Per-channel mean and standard deviation (population) of raw * scale over the view.
 * mean/std have ds->channels entries; a std below 1e-6 is reported as 1. */
void pt_dataset_channel_stats(const pt_dataset *ds, float *mean, float *std);
/* Sets the normalisation (channels entries each). */
void pt_dataset_set_norm(pt_dataset *ds, const float *mean, const float *std);

/* Samples per class (counts has nclasses entries, zeroed first). 0, or -1 when the view
 * has no labels (an empty view may have none: its counts are all 0). */
int pt_dataset_class_counts(const pt_dataset *ds, int64_t *counts);

#endif
