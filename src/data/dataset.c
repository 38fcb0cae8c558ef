/* dataset.c -- generic data set views: init, subsets, random splits, channel
 * statistics and class counts (see dataset.h). */
#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

int pt_dataset_init(pt_dataset *ds, const char *name, int64_t n, int rank, const int *shape,
                    pt_data_type type, const void *x) {
    memset(ds, 0, sizeof *ds);
    if (rank < 2 || rank > 3 || n < 0) return -1;
    int64_t e = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 1) return -1;
        ds->shape[i] = shape[i];
        e *= shape[i];
    }
    if (shape[rank - 1] > PT_DATA_MAX_CHANNELS) return -1;
    ds->name = name;
    ds->n = n;
    ds->rank = rank;
    ds->sample_elems = e;
    ds->channels = shape[rank - 1];
    ds->type = type;
    ds->x = x;
    ds->scale = 1.0f;
    for (int c = 0; c < PT_DATA_MAX_CHANNELS; c++) {
        ds->mean[c] = 0.0f;
        ds->std[c] = 1.0f;
    }
    return 0;
}

void pt_dataset_subset(const pt_dataset *base, const int64_t *idx, int64_t n, int64_t *rows_out,
                       pt_dataset *out) {
    for (int64_t i = 0; i < n; i++) rows_out[i] = pt_dataset_row(base, idx[i]);
    *out = *base;
    out->n = n;
    out->rows = rows_out;
}

void pt_dataset_split(const pt_dataset *base, double val_fraction, uint64_t seed, int64_t *rows,
                      pt_dataset *train, pt_dataset *val) {
    int64_t n = base->n;
    if (!(val_fraction >= 0)) val_fraction = 0;
    if (val_fraction > 1) val_fraction = 1;
    int64_t nval = (int64_t)llround((double)n * val_fraction);
    /* mark: a partial Fisher-Yates picks nval indices for validation */
    int64_t *perm = malloc((size_t)(n > 0 ? n : 1) * sizeof *perm);
    unsigned char *isval = calloc((size_t)(n > 0 ? n : 1), 1);
    if (!perm || !isval) abort();
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    pt_rng r;
    pt_rng_seed(&r, seed, 0x5b117);
    for (int64_t i = 0; i < nval; i++) {
        int64_t j = i + (int64_t)pt_rng_below(&r, (uint64_t)(n - i));
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        isval[perm[i]] = 1;
    }
    int64_t ntr = 0, nv = 0;
    int64_t *trows = rows, *vrows = rows + (n - nval);
    for (int64_t i = 0; i < n; i++) {
        if (isval[i]) vrows[nv++] = pt_dataset_row(base, i);
        else trows[ntr++] = pt_dataset_row(base, i);
    }
    free(perm);
    free(isval);
    *train = *base;
    train->n = ntr;
    train->rows = trows;
    *val = *base;
    val->n = nv;
    val->rows = vrows;
}

void pt_dataset_channel_stats(const pt_dataset *ds, float *mean, float *std) {
    int C = ds->channels;
    double s[PT_DATA_MAX_CHANNELS] = {0}, ss[PT_DATA_MAX_CHANNELS] = {0};
    int64_t per = ds->sample_elems / C;
    for (int64_t i = 0; i < ds->n; i++) {
        int64_t r = pt_dataset_row(ds, i);
        if (ds->type == PT_DATA_U8) {
            const uint8_t *p = pt_dataset_raw(ds, r);
            for (int64_t k = 0; k < per; k++)
                for (int c = 0; c < C; c++) {
                    double v = p[k * C + c];
                    s[c] += v;
                    ss[c] += v * v;
                }
        } else {
            const float *p = pt_dataset_raw(ds, r);
            for (int64_t k = 0; k < per; k++)
                for (int c = 0; c < C; c++) {
                    double v = p[k * C + c];
                    s[c] += v;
                    ss[c] += v * v;
                }
        }
    }
    double cnt = (double)ds->n * (double)per;
    for (int c = 0; c < C; c++) {
        double m = cnt > 0 ? s[c] / cnt : 0, var = cnt > 0 ? ss[c] / cnt - m * m : 1;
        if (var < 0) var = 0;
        double sd = sqrt(var) * ds->scale;
        mean[c] = (float)(m * ds->scale);
        std[c] = sd < 1e-6 ? 1.0f : (float)sd;
    }
}

void pt_dataset_set_norm(pt_dataset *ds, const float *mean, const float *std) {
    for (int c = 0; c < ds->channels; c++) {
        ds->mean[c] = mean[c];
        ds->std[c] = std[c];
    }
}

int pt_dataset_class_counts(const pt_dataset *ds, int64_t *counts) {
    if (ds->nclasses > 0) memset(counts, 0, (size_t)ds->nclasses * sizeof *counts);
    if (!ds->label) return -1;
    for (int64_t i = 0; i < ds->n; i++) {
        int l = ds->label[pt_dataset_row(ds, i)];
        if (l < ds->nclasses) counts[l]++;
    }
    return 0;
}
