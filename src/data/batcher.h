/* batcher.h -- turns a pt_dataset into contiguous, normalised float32 batches:
 * a per-epoch shuffle fixed by (seed, epoch), and an optional prefetch thread that
 * prepares the next batches while the caller computes on the current one.
 *
 * Usage:
 *   pt_batcher_config bc; pt_batcher_config_init(&bc);
 *   bc.batch_size = 256; bc.seed = 7;
 *   pt_batcher *b = pt_batcher_open(&train_view, &bc, err, sizeof err);   // NULL: err
 *   for (int epoch = 0; epoch < E; epoch++) {
 *       pt_batcher_begin_epoch(b, epoch);
 *       pt_batch bt;
 *       while (pt_batcher_next(b, &bt) == 1) {
 *           // bt.x: bt.n x shape (NWC or NHWC) float32, normalised
 *           // bt.label: bt.n int32 classes (NULL when the set has none)
 *           // bt.targets: bt.n x ntargets float32 0/1 (NULL when none)
 *       }
 *   }
 *   pt_batcher_close(b);
 *
 * Determinism: batch contents depend only on (dataset, batch_size, shuffle, seed,
 * epoch, drop_last), never on prefetch or thread timing. Epoch e's order is a
 * Fisher-Yates permutation from a generator seeded by (seed, e); shuffle = 0 keeps
 * the view's order. A batch's buffers stay valid until the next pt_batcher_next,
 * pt_batcher_begin_epoch or pt_batcher_close call. The dataset's memory (not the view
 * struct, which is copied) must outlive the batcher. One consumer thread. */
#ifndef PT_DATA_BATCHER_H
#define PT_DATA_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

typedef struct {
    int64_t batch_size; /* >= 1 (default 64) */
    int shuffle;        /* 1 (default): a fresh permutation each epoch */
    uint64_t seed;      /* default 1 */
    int drop_last;      /* 1: leave out the final short batch (default 0) */
    int prefetch;       /* batches prepared ahead by a thread; 0: prepared in next() (default 2) */
} pt_batcher_config;

typedef struct {
    int64_t n;           /* samples in this batch (batch_size, or fewer for the last) */
    int64_t index;       /* batch number in the epoch, from 0 */
    float *x;            /* n x sample_elems, normalised */
    int32_t *label;      /* n classes, or NULL */
    float *targets;      /* n x ntargets values 0/1, or NULL */
    const int64_t *rows; /* the n dataset rows, in batch order */
} pt_batch;

typedef struct pt_batcher pt_batcher;

void pt_batcher_config_init(pt_batcher_config *cfg);
/* NULL with err filled on a bad config (batch_size < 1, empty view) or no memory. */
pt_batcher *pt_batcher_open(const pt_dataset *ds, const pt_batcher_config *cfg, char *err,
                            size_t errlen);
/* Batches per epoch: ceil(n / batch_size), or floor with drop_last. */
int64_t pt_batcher_batches(const pt_batcher *b);
/* Starts epoch (>= 0): discards what is left of the previous one, fixes the order. */
void pt_batcher_begin_epoch(pt_batcher *b, int epoch);
/* 1 with *out filled, 0 when the epoch is over (or none was begun). */
int pt_batcher_next(pt_batcher *b, pt_batch *out);
void pt_batcher_close(pt_batcher *b);

/* Fills one batch synchronously from explicit sample indices (into the view):
 * x (n x sample_elems), label (n or NULL), targets (n x ntargets or NULL). For
 * evaluation code and tests; the batcher uses the same routine. */
void pt_batcher_fill(const pt_dataset *ds, const int64_t *idx, int64_t n, float *x, int32_t *label,
                     float *targets);

#endif
