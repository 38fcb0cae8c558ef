/* batcher.c -- per-epoch shuffled, normalised float32 batches with a prefetch thread.
 *
 * Slots: prefetch + 1 batch buffers; batch k lives in slot k % nslots. The consumer
 * holds the batch it was last given (take - 1); the producer may fill batch k while
 * k - take < prefetch, so it never touches the held slot or an unread one. */
#include "data/batcher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

typedef struct {
    float *x;
    int32_t *label;
    float *targets;
    int64_t *rows;
    int64_t n, index;
} slot;

struct pt_batcher {
    pt_dataset ds;
    pt_batcher_config cfg;
    int64_t nbatches;
    int64_t *perm; /* this epoch's sample order */
    int nslots;
    slot *slots;
    /* per-channel affine maps for uint8 (a lookup table 256 x C) and float data */
    float *lut;
    float a[PT_DATA_MAX_CHANNELS], b[PT_DATA_MAX_CHANNELS];
    /* producer state (under mu) */
    pthread_t thread;
    int have_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_prod, cv_cons;
    int active, busy, quit;
    int64_t fill, take;
};

void pt_batcher_config_init(pt_batcher_config *cfg) {
    cfg->batch_size = 64;
    cfg->shuffle = 1;
    cfg->seed = 1;
    cfg->drop_last = 0;
    cfg->prefetch = 2;
}

static void fill_x(const pt_dataset *ds, const float *lut, const float *a, const float *b,
                   int64_t row, float *dst) {
    int C = ds->channels;
    int64_t e = ds->sample_elems;
    if (ds->type == PT_DATA_U8) {
        const uint8_t *src = pt_dataset_raw(ds, row);
        if (C == 1) {
            for (int64_t k = 0; k < e; k++) dst[k] = lut[src[k]];
        } else {
            for (int64_t k = 0; k < e; k += C)
                for (int c = 0; c < C; c++) dst[k + c] = lut[(size_t)c * 256 + src[k + c]];
        }
    } else {
        const float *src = pt_dataset_raw(ds, row);
        for (int64_t k = 0; k < e; k += C)
            for (int c = 0; c < C; c++) dst[k + c] = src[k + c] * a[c] + b[c];
    }
}

static void make_maps(const pt_dataset *ds, float *lut, float *a, float *b) {
    for (int c = 0; c < ds->channels; c++) {
        float inv = 1.0f / ds->std[c];
        a[c] = ds->scale * inv;
        b[c] = -ds->mean[c] * inv;
        if (lut)
            for (int v = 0; v < 256; v++)
                lut[(size_t)c * 256 + v] = ((float)v * ds->scale - ds->mean[c]) * inv;
    }
}

static void fill_rows(const pt_dataset *ds, const float *lut, const float *a, const float *b,
                      const int64_t *rows, int64_t n, float *x, int32_t *label, float *targets) {
    for (int64_t i = 0; i < n; i++) {
        int64_t r = rows[i];
        fill_x(ds, lut, a, b, r, x + i * ds->sample_elems);
        if (label && ds->label) label[i] = ds->label[r];
        if (targets && ds->targets)
            for (int t = 0; t < ds->ntargets; t++)
                targets[i * ds->ntargets + t] = ds->targets[r * ds->ntargets + t] ? 1.0f : 0.0f;
    }
}

void pt_batcher_fill(const pt_dataset *ds, const int64_t *idx, int64_t n, float *x, int32_t *label,
                     float *targets) {
    float a[PT_DATA_MAX_CHANNELS], b[PT_DATA_MAX_CHANNELS];
    float *lut = ds->type == PT_DATA_U8 ? malloc((size_t)ds->channels * 256 * sizeof *lut) : NULL;
    if (ds->type == PT_DATA_U8 && !lut) abort();
    make_maps(ds, lut, a, b);
    int64_t rows[256];
    for (int64_t off = 0; off < n; off += 256) {
        int64_t m = n - off < 256 ? n - off : 256;
        for (int64_t i = 0; i < m; i++) rows[i] = pt_dataset_row(ds, idx[off + i]);
        fill_rows(ds, lut, a, b, rows, m, x + off * ds->sample_elems, label ? label + off : NULL,
                  targets ? targets + off * ds->ntargets : NULL);
    }
    free(lut);
}

static void fill_batch(pt_batcher *bt, int64_t k) {
    slot *s = &bt->slots[k % bt->nslots];
    int64_t bs = bt->cfg.batch_size, start = k * bs;
    int64_t n = bt->ds.n - start < bs ? bt->ds.n - start : bs;
    for (int64_t i = 0; i < n; i++) s->rows[i] = pt_dataset_row(&bt->ds, bt->perm[start + i]);
    fill_rows(&bt->ds, bt->lut, bt->a, bt->b, s->rows, n, s->x, s->label, s->targets);
    s->n = n;
    s->index = k;
}

static void *producer(void *arg) {
    pt_batcher *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->quit && !(b->active && b->fill < b->nbatches && b->fill - b->take < b->cfg.prefetch))
            pthread_cond_wait(&b->cv_prod, &b->mu);
        if (b->quit) break;
        int64_t k = b->fill;
        b->busy = 1;
        pthread_mutex_unlock(&b->mu);
        fill_batch(b, k);
        pthread_mutex_lock(&b->mu);
        b->busy = 0;
        b->fill = k + 1;
        pthread_cond_broadcast(&b->cv_cons);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Frees the slots' buffers (slots may be NULL after a failed open), the
 * permutation, the lookup table and b itself. The thread and locks are the
 * caller's. */
static void batcher_free(pt_batcher *b) {
    if (b->slots)
        for (int i = 0; i < b->nslots; i++) {
            free(b->slots[i].x);
            free(b->slots[i].rows);
            free(b->slots[i].label);
            free(b->slots[i].targets);
        }
    free(b->slots);
    free(b->perm);
    free(b->lut);
    free(b);
}

pt_batcher *pt_batcher_open(const pt_dataset *ds, const pt_batcher_config *cfg, char *err,
                            size_t errlen) {
    if (cfg->batch_size < 1) {
        snprintf(err, errlen, "batch size %lld: must be at least 1", (long long)cfg->batch_size);
        return NULL;
    }
    if (ds->n < 1 || !ds->x) {
        snprintf(err, errlen, "%s: empty data set", ds->name ? ds->name : "data set");
        return NULL;
    }
    pt_batcher *b = calloc(1, sizeof *b);
    if (!b) goto oom;
    b->ds = *ds;
    b->cfg = *cfg;
    if (b->cfg.prefetch < 0) b->cfg.prefetch = 0;
    if (b->cfg.prefetch > 64) b->cfg.prefetch = 64;
    int64_t bs = cfg->batch_size;
    b->nbatches = cfg->drop_last ? ds->n / bs : (ds->n + bs - 1) / bs;
    if (bs > ds->n) bs = ds->n; /* buffers never need more than n samples */
    b->perm = malloc((size_t)ds->n * sizeof *b->perm);
    b->nslots = b->cfg.prefetch + 1;
    b->slots = calloc((size_t)b->nslots, sizeof *b->slots);
    if (!b->perm || !b->slots) goto oom;
    for (int i = 0; i < b->nslots; i++) {
        slot *s = &b->slots[i];
        s->x = malloc((size_t)bs * (size_t)ds->sample_elems * sizeof *s->x);
        s->rows = malloc((size_t)bs * sizeof *s->rows);
        if (!s->x || !s->rows) goto oom;
        if (ds->label && !(s->label = malloc((size_t)bs * sizeof *s->label))) goto oom;
        if (ds->targets && ds->ntargets > 0 &&
            !(s->targets = malloc((size_t)bs * (size_t)ds->ntargets * sizeof *s->targets)))
            goto oom;
    }
    if (ds->type == PT_DATA_U8 && !(b->lut = malloc((size_t)ds->channels * 256 * sizeof *b->lut)))
        goto oom;
    make_maps(&b->ds, b->lut, b->a, b->b);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv_prod, NULL);
    pthread_cond_init(&b->cv_cons, NULL);
    if (b->cfg.prefetch > 0) {
        if (pthread_create(&b->thread, NULL, producer, b) != 0) {
            b->cfg.prefetch = 0; /* fall back to synchronous preparation */
        } else {
            b->have_thread = 1;
        }
    }
    return b;
oom:
    snprintf(err, errlen, "out of memory for batches of %lld samples", (long long)cfg->batch_size);
    if (b) {
        batcher_free(b);
    }
    return NULL;
}

int64_t pt_batcher_batches(const pt_batcher *b) { return b->nbatches; }

void pt_batcher_begin_epoch(pt_batcher *b, int epoch) {
    pthread_mutex_lock(&b->mu);
    b->active = 0;
    while (b->busy) pthread_cond_wait(&b->cv_cons, &b->mu);
    int64_t n = b->ds.n;
    for (int64_t i = 0; i < n; i++) b->perm[i] = i;
    if (b->cfg.shuffle) {
        pt_rng r;
        pt_rng_seed(&r, b->cfg.seed, 0xe90c0000ull + (uint64_t)(epoch < 0 ? 0 : epoch));
        for (int64_t i = n - 1; i > 0; i--) {
            int64_t j = (int64_t)pt_rng_below(&r, (uint64_t)i + 1);
            int64_t t = b->perm[i];
            b->perm[i] = b->perm[j];
            b->perm[j] = t;
        }
    }
    b->fill = b->take = 0;
    b->active = 1;
    pthread_cond_broadcast(&b->cv_prod);
    pthread_mutex_unlock(&b->mu);
}

int pt_batcher_next(pt_batcher *b, pt_batch *out) {
    int64_t k;
    pthread_mutex_lock(&b->mu);
    if (!b->active || b->take >= b->nbatches) {
        pthread_mutex_unlock(&b->mu);
        return 0;
    }
    k = b->take;
    if (b->have_thread) {
        while (b->fill <= k) pthread_cond_wait(&b->cv_cons, &b->mu);
        b->take = k + 1;
        pthread_cond_broadcast(&b->cv_prod); /* the previously held slot is free */
        pthread_mutex_unlock(&b->mu);
    } else {
        pthread_mutex_unlock(&b->mu);
        fill_batch(b, k);
        b->take = b->fill = k + 1;
    }
    slot *s = &b->slots[k % b->nslots];
    out->n = s->n;
    out->index = s->index;
    out->x = s->x;
    out->label = b->ds.label ? s->label : NULL;
    out->targets = b->ds.targets && b->ds.ntargets > 0 ? s->targets : NULL;
    out->rows = s->rows;
    return 1;
}

void pt_batcher_close(pt_batcher *b) {
    if (!b) return;
    if (b->have_thread) {
        pthread_mutex_lock(&b->mu);
        b->quit = 1;
        pthread_cond_broadcast(&b->cv_prod);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv_prod);
    pthread_cond_destroy(&b->cv_cons);
    batcher_free(b);
}
