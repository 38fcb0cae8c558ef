/* test_batcher.c -- batches: every sample once per epoch, deterministic by seed and
 * independent of prefetch, normalisation of uint8 and float data, labels and targets,
 * drop_last, restarting an epoch midway; dataset splits and statistics. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/batcher.h"
#include "data/dataset.h"
#include "test.h"

#define N 103

/* runs one epoch, returns the concatenated rows and x */
static int64_t run_epoch(pt_batcher *b, int epoch, int64_t *rows, float *x, int64_t elems,
                         int32_t *labels) {
    pt_batcher_begin_epoch(b, epoch);
    pt_batch bt;
    int64_t got = 0, k = 0;
    while (pt_batcher_next(b, &bt) == 1) {
        CHECK(bt.index == k);
        k++;
        memcpy(rows + got, bt.rows, (size_t)bt.n * sizeof *rows);
        memcpy(x + got * elems, bt.x, (size_t)(bt.n * elems) * sizeof *x);
        if (labels && bt.label) memcpy(labels + got, bt.label, (size_t)bt.n * sizeof *labels);
        got += bt.n;
    }
    CHECK(k == pt_batcher_batches(b));
    return got;
}

int main(void) {
    /* uint8 images 4x3x2 (H, W, C) */
    static uint8_t img[N * 24];
    static uint8_t lab[N], tgt[N * 3];
    for (int i = 0; i < N * 24; i++) img[i] = (uint8_t)((i * 31) % 256);
    for (int i = 0; i < N; i++) {
        lab[i] = (uint8_t)(i % 5);
        for (int t = 0; t < 3; t++) tgt[i * 3 + t] = (uint8_t)((i >> t) & 1);
    }
    int shape[3] = {4, 3, 2};
    pt_dataset ds;
    CHECK(pt_dataset_init(&ds, "t", N, 3, shape, PT_DATA_U8, img) == 0);
    CHECK(ds.sample_elems == 24 && ds.channels == 2);
    ds.label = lab;
    ds.nclasses = 5;
    ds.targets = tgt;
    ds.ntargets = 3;
    ds.scale = 1.0f / 255;
    ds.mean[0] = 0.5f;
    ds.std[0] = 0.25f;
    ds.mean[1] = 0.1f;
    ds.std[1] = 2.0f;

    char err[256];
    pt_batcher_config bc;
    pt_batcher_config_init(&bc);
    CHECK(bc.batch_size == 64 && bc.shuffle == 1 && bc.prefetch == 2);
    bc.batch_size = 10;
    bc.seed = 42;
    static int64_t rows_a[N], rows_b[N], rows_c[N];
    static float xa[N * 24], xb[N * 24], xc[N * 24];
    static int32_t la[N];

    pt_batcher *b = pt_batcher_open(&ds, &bc, err, sizeof err);
    CHECK(b != NULL);
    CHECK(pt_batcher_batches(b) == 11);
    CHECK(run_epoch(b, 0, rows_a, xa, 24, la) == N);
    /* each sample exactly once; x, labels match the rows */
    {
        int seen[N] = {0};
        int bad = 0;
        for (int i = 0; i < N; i++) {
            seen[rows_a[i]]++;
            int64_t r = rows_a[i];
            if (la[i] != lab[r]) bad++;
            for (int k = 0; k < 24; k++) {
                int c = k % 2;
                float want = ((float)img[r * 24 + k] / 255 - ds.mean[c]) / ds.std[c];
                if (fabsf(xa[i * 24 + k] - want) > 1e-5f) bad++;
            }
        }
        for (int i = 0; i < N; i++) CHECK(seen[i] == 1);
        CHECK(bad == 0);
        int ident = 1;
        for (int i = 0; i < N; i++) ident &= rows_a[i] == i;
        CHECK(!ident); /* shuffled */
    }
    /* a second epoch is a different order; epoch 0 again is the same order */
    CHECK(run_epoch(b, 1, rows_b, xb, 24, NULL) == N);
    CHECK(memcmp(rows_a, rows_b, sizeof rows_a) != 0);
    CHECK(run_epoch(b, 0, rows_b, xb, 24, NULL) == N);
    CHECK(memcmp(rows_a, rows_b, sizeof rows_a) == 0);
    CHECK(memcmp(xa, xb, sizeof xa) == 0);
    /* restarting an epoch midway */
    pt_batcher_begin_epoch(b, 3);
    pt_batch bt;
    CHECK(pt_batcher_next(b, &bt) == 1);
    CHECK(pt_batcher_next(b, &bt) == 1);
    CHECK(run_epoch(b, 0, rows_b, xb, 24, NULL) == N);
    CHECK(memcmp(rows_a, rows_b, sizeof rows_a) == 0);
    /* after the epoch: 0 until the next begin */
    CHECK(pt_batcher_next(b, &bt) == 0);
    pt_batcher_close(b);

    /* without prefetch: identical batches */
    bc.prefetch = 0;
    b = pt_batcher_open(&ds, &bc, err, sizeof err);
    CHECK(b && pt_batcher_next(b, &bt) == 0); /* no epoch begun */
    CHECK(run_epoch(b, 0, rows_c, xc, 24, NULL) == N);
    CHECK(memcmp(rows_a, rows_c, sizeof rows_a) == 0);
    CHECK(memcmp(xa, xc, sizeof xa) == 0);
    pt_batcher_close(b);

    /* another seed: another order; deep prefetch: same as shallow */
    bc.seed = 43;
    bc.prefetch = 7;
    b = pt_batcher_open(&ds, &bc, err, sizeof err);
    CHECK(run_epoch(b, 0, rows_c, xc, 24, NULL) == N);
    CHECK(memcmp(rows_a, rows_c, sizeof rows_a) != 0);
    pt_batcher_close(b);

    /* no shuffle, drop_last, targets */
    bc.shuffle = 0;
    bc.drop_last = 1;
    bc.prefetch = 1;
    bc.batch_size = 25;
    b = pt_batcher_open(&ds, &bc, err, sizeof err);
    CHECK(pt_batcher_batches(b) == 4);
    pt_batcher_begin_epoch(b, 5);
    int64_t k = 0;
    while (pt_batcher_next(b, &bt) == 1) {
        CHECK(bt.n == 25);
        CHECK(bt.rows[0] == k * 25 && bt.rows[24] == k * 25 + 24);
        CHECK(bt.targets != NULL);
        int64_t r = bt.rows[3];
        for (int t = 0; t < 3; t++) CHECK(bt.targets[3 * 3 + t] == (float)((r >> t) & 1));
        CHECK(bt.label[7] == lab[bt.rows[7]]);
        k++;
    }
    CHECK(k == 4);
    pt_batcher_close(b);

    /* batch larger than the set: one batch of all samples */
    bc.drop_last = 0;
    bc.batch_size = 1000;
    b = pt_batcher_open(&ds, &bc, err, sizeof err);
    CHECK(pt_batcher_batches(b) == 1);
    pt_batcher_begin_epoch(b, 0);
    CHECK(pt_batcher_next(b, &bt) == 1 && bt.n == N);
    CHECK(pt_batcher_next(b, &bt) == 0);
    pt_batcher_close(b);

    /* bad configs */
    bc.batch_size = 0;
    CHECK(pt_batcher_open(&ds, &bc, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "batch size 0");
    bc.batch_size = 4;
    pt_dataset empty = ds;
    empty.n = 0;
    CHECK(pt_batcher_open(&empty, &bc, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "t: empty data set");

    /* float NWC data (W = 5, C = 3), a split, stats from the train part */
    static float fx[N * 15];
    for (int i = 0; i < N * 15; i++) fx[i] = (float)(i % 15) + (float)i * 1e-3f;
    int fshape[2] = {5, 3};
    pt_dataset fd, tr, va;
    CHECK(pt_dataset_init(&fd, "f", N, 2, fshape, PT_DATA_F32, fx) == 0);
    fd.label = lab;
    fd.nclasses = 5;
    static int64_t split_rows[N];
    pt_dataset_split(&fd, 0.2, 9, split_rows, &tr, &va);
    CHECK(va.n == 21 && tr.n == 82);
    {
        int seen[N] = {0};
        for (int64_t i = 0; i < tr.n; i++) seen[pt_dataset_row(&tr, i)]++;
        for (int64_t i = 0; i < va.n; i++) seen[pt_dataset_row(&va, i)]++;
        for (int i = 0; i < N; i++) CHECK(seen[i] == 1);
        for (int64_t i = 1; i < tr.n; i++) CHECK(tr.rows[i] > tr.rows[i - 1]);
    }
    pt_dataset tr2, va2;
    static int64_t split_rows2[N];
    pt_dataset_split(&fd, 0.2, 9, split_rows2, &tr2, &va2);
    CHECK(memcmp(split_rows, split_rows2, sizeof split_rows) == 0);
    float mean[3], sd[3];
    pt_dataset_channel_stats(&tr, mean, sd);
    {
        double s = 0, ss = 0;
        for (int64_t i = 0; i < tr.n; i++)
            for (int w = 0; w < 5; w++) {
                double v = fx[pt_dataset_row(&tr, i) * 15 + w * 3 + 1];
                s += v;
                ss += v * v;
            }
        double m = s / (tr.n * 5);
        CHECK_NEAR(mean[1], m, 1e-5, 1e-6);
        CHECK_NEAR(sd[1], sqrt(ss / (tr.n * 5) - m * m), 1e-4, 1e-6);
    }
    pt_dataset_set_norm(&va, mean, sd);
    int64_t idx[2] = {0, 5};
    float out[30];
    int32_t ol[2];
    pt_batcher_fill(&va, idx, 2, out, ol, NULL);
    int64_t r5 = pt_dataset_row(&va, 5);
    CHECK_NEAR(out[15 + 7], (fx[r5 * 15 + 7] - mean[1]) / sd[1], 1e-5, 1e-5);
    CHECK(ol[1] == lab[r5]);
    int64_t counts[5];
    CHECK(pt_dataset_class_counts(&fd, counts) == 0);
    CHECK(counts[0] == 21 && counts[4] == 20);
    /* subset of a subset maps to base rows */
    int64_t sub_idx[2] = {1, 3}, sub_rows[2];
    pt_dataset sub;
    pt_dataset_subset(&va, sub_idx, 2, sub_rows, &sub);
    CHECK(sub.n == 2 && sub_rows[0] == va.rows[1] && sub_rows[1] == va.rows[3]);
    /* bad shapes */
    int bad_shape[3] = {2, 0, 1};
    CHECK(pt_dataset_init(&fd, "x", 1, 3, bad_shape, PT_DATA_U8, img) == -1);
    int wide[2] = {2, 65};
    CHECK(pt_dataset_init(&fd, "x", 1, 2, wide, PT_DATA_U8, img) == -1);
    return pt_test_finish("test_batcher");
}
