/* data.c -- loading a study's data set by name, with the preset's slices. */
#include "study/data.h"

#include <stdlib.h>
#include <string.h>

#include "data/celeba.h"
#include "data/fmnist.h"
#include "data/pamap2.h"
#include "util/rng.h"
#include "util/str.h"

const char *pt_study_datasets(void) { return "fmnist, pamap2, celeba-id, celeba-attr, celeba"; }

/* A seeded random subset of at most limit samples, kept in dataset order. */
static int limit_view(pt_dataset *ds, int64_t limit, uint64_t seed, int64_t **rows_out) {
    *rows_out = NULL;
    if (limit <= 0 || ds->n <= limit) return 0;
    int64_t *perm = malloc((size_t)ds->n * sizeof *perm);
    int64_t *rows = malloc((size_t)limit * sizeof *rows);
    if (!perm || !rows) {
        free(perm);
        free(rows);
        return -1;
    }
    for (int64_t i = 0; i < ds->n; i++) perm[i] = i;
    pt_rng rng;
    pt_rng_seed(&rng, seed, 0x5e1ec7); /* the stream of slice choices */
    for (int64_t i = 0; i < limit; i++) { /* partial Fisher-Yates */
        int64_t j = i + (int64_t)pt_rng_below(&rng, (uint64_t)(ds->n - i));
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    /* sort the chosen indices so the view keeps the data's order */
    for (int64_t i = 1; i < limit; i++) {
        int64_t v = perm[i], k = i - 1;
        while (k >= 0 && perm[k] > v) perm[k + 1] = perm[k], k--;
        perm[k + 1] = v;
    }
    pt_dataset base = *ds;
    pt_dataset_subset(&base, perm, limit, rows, ds);
    free(perm);
    *rows_out = rows;
    return 0;
}

static int load_fmnist(const char *dir, pt_study_data *d, char *err, size_t errlen) {
    pt_fmnist *f = calloc(2, sizeof *f);
    if (!f) return pt_say(err, errlen, "out of memory"), -1;
    if (!dir) dir = PT_FMNIST_DEFAULT_DIR;
    if (pt_fmnist_load(dir, 1, &f[0], err, errlen) != 0 || pt_fmnist_load(dir, 0, &f[1], err, errlen) != 0) {
        pt_fmnist_free(&f[0]);
        free(f);
        return -1;
    }
    pt_fmnist_dataset(&f[0], 1, &d->train);
    pt_fmnist_dataset(&f[1], 0, &d->val);
    d->owner = f;
    d->model = "fmnist_cnn";
    d->task = PT_TASK_CLASSIFY;
    d->h = d->w = 28;
    d->c = 1;
    d->classes = PT_FMNIST_CLASSES;
    return 0;
}

static int load_pamap2(const char *dir, pt_study_data *d, char *err, size_t errlen) {
    if (!dir) return pt_say(err, errlen, "pamap2: --data DIR is needed (a folder with Protocol/subject1NN.dat)"), -1;
    pt_pamap2 *p = calloc(1, sizeof *p);
    if (!p) return pt_say(err, errlen, "out of memory"), -1;
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    if (pt_pamap2_load(dir, &o, p, err, errlen) != 0) {
        free(p);
        return -1;
    }
    pt_pamap2_dataset(p, PT_PAMAP2_TRAIN, &d->train);
    pt_pamap2_dataset(p, PT_PAMAP2_VAL, &d->val);
    d->owner = p;
    d->model = "pamap2_cnn";
    d->task = PT_TASK_CLASSIFY;
    d->h = 1;
    d->w = p->window;
    d->c = p->channels;
    d->classes = p->nclasses;
    return 0;
}

static int load_celeba(const char *which, const char *dir, int image_size, pt_study_data *d, char *err,
                       size_t errlen) {
    if (!dir) return pt_say(err, errlen, "%s: --data DIR is needed (a CelebA folder)", which), -1;
    pt_celeba *c = calloc(1, sizeof *c);
    if (!c) return pt_say(err, errlen, "out of memory"), -1;
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    if (image_size > 0) o.width = o.height = image_size;
    if (pt_celeba_load(dir, &o, c, err, errlen) != 0) {
        free(c);
        return -1;
    }
    pt_celeba_dataset(c, PT_CELEBA_TRAIN, &d->train);
    pt_celeba_dataset(c, PT_CELEBA_VAL, &d->val);
    d->owner = c;
    d->h = c->height;
    d->w = c->width;
    d->c = 3;
    if (!strcmp(which, "celeba-id")) {
        d->model = "celeba_id";
        d->task = PT_TASK_CLASSIFY;
        d->classes = PT_CELEBA_IDENTITIES;
        d->train.targets = d->val.targets = NULL;
    } else if (!strcmp(which, "celeba-attr")) {
        d->model = "celeba_attr";
        d->task = PT_TASK_MULTILABEL;
        d->classes = PT_CELEBA_ATTRS;
        d->train.label = d->val.label = NULL;
    } else {
        d->model = "celeba_multitask";
        d->task = PT_TASK_MULTITASK;
        d->classes = PT_CELEBA_IDENTITIES;
    }
    return 0;
}

const char *pt_study_dataset_model(const char *dataset) {
    static const char *const map[][2] = {{"fmnist", "fmnist_cnn"},       {"pamap2", "pamap2_cnn"},
                                         {"celeba-id", "celeba_id"},     {"celeba-attr", "celeba_attr"},
                                         {"celeba", "celeba_multitask"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(dataset, map[i][0])) return map[i][1];
    return NULL;
}

int pt_study_data_load(const char *dataset, const char *dir, int64_t train_limit, int64_t val_limit,
                       int image_size, uint64_t seed, pt_study_data *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    pt_strlcpy(out->dataset, dataset, sizeof out->dataset);
    int rc;
    if (!strcmp(dataset, "fmnist")) rc = load_fmnist(dir, out, err, errlen);
    else if (!strcmp(dataset, "pamap2")) rc = load_pamap2(dir, out, err, errlen);
    else if (!strcmp(dataset, "celeba-id") || !strcmp(dataset, "celeba-attr") || !strcmp(dataset, "celeba"))
        rc = load_celeba(dataset, dir, image_size, out, err, errlen);
    else {
        pt_say(err, errlen, "unknown dataset '%s' (datasets: %s)", dataset, pt_study_datasets());
        return -1;
    }
    if (rc != 0) return -1;
    if (limit_view(&out->train, train_limit, seed, &out->rows[0]) != 0 ||
        limit_view(&out->val, val_limit, seed + 1, &out->rows[1]) != 0) {
        pt_study_data_free(out);
        pt_say(err, errlen, "out of memory");
        return -1;
    }
    if (out->train.n == 0 || out->val.n == 0) {
        pt_say(err, errlen, "%s%s%s: no %s samples", dataset, dir ? " in " : "", dir ? dir : "",
               out->train.n == 0 ? "training" : "validation");
        pt_study_data_free(out);
        return -1;
    }
    return 0;
}

void pt_study_data_free(pt_study_data *d) {
    if (d->owner) {
        if (!strcmp(d->dataset, "fmnist")) {
            pt_fmnist *f = d->owner;
            pt_fmnist_free(&f[0]);
            pt_fmnist_free(&f[1]);
        } else if (!strcmp(d->dataset, "pamap2")) {
            pt_pamap2_free(d->owner);
        } else {
            pt_celeba_free(d->owner);
        }
        free(d->owner);
    }
    free(d->rows[0]);
    free(d->rows[1]);
    memset(d, 0, sizeof *d);
}
