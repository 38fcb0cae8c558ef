/* data.c -- loading a study's data set by name (a task of the data registry,
 * data/registry.h), with the preset's slices. */
#include "study/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/registry.h"
#include "util/rng.h"
#include "util/str.h"

const char *pt_study_datasets(void) {
    static char names[256];
    if (names[0]) return names;
    for (int i = 0; i < pt_data_count(); i++)
        for (int t = 0; t < pt_data_at(i)->ntasks; t++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
                     pt_data_at(i)->tasks[t].name);
    return names;
}

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

const char *pt_study_dataset_model(const char *dataset) {
    const pt_data_task *t;
    return pt_data_find_task(dataset, &t) ? t->model : NULL;
}

/* Opens the data set of the task and sets the model, task and shape from the views. */
static int open_task(const char *dataset, const char *dir, int image_size, pt_study_data *d, char *err,
                     size_t errlen) {
    const pt_data_task *t;
    const pt_data_entry *e = pt_data_find_task(dataset, &t);
    if (!e) return pt_say(err, errlen, "unknown dataset '%s' (datasets: %s)", dataset, pt_study_datasets()), -1;
    if (!dir) dir = e->default_dir;
    if (!dir) return pt_say(err, errlen, "%s: --data DIR is needed (%s)", dataset, e->dir_hint), -1;
    pt_data_views v;
    if (e->open(dir, image_size, &v, err, errlen) != 0) return -1;
    d->train = v.train;
    d->val = v.val;
    d->owner = v.owner;
    d->model = t->model;
    static const pt_task tasks[] = {PT_TASK_CLASSIFY, PT_TASK_MULTILABEL, PT_TASK_MULTITASK};
    d->task = tasks[t->use];
    if (t->use == PT_DATA_USE_LABEL) d->train.targets = d->val.targets = NULL;
    if (t->use == PT_DATA_USE_TARGETS) d->train.label = d->val.label = NULL;
    d->classes = t->use == PT_DATA_USE_TARGETS ? d->train.ntargets : d->train.nclasses;
    int rank = d->train.rank;
    d->h = rank == 3 ? d->train.shape[0] : 1;
    d->w = d->train.shape[rank - 2];
    d->c = d->train.shape[rank - 1];
    return 0;
}

int pt_study_data_load(const char *dataset, const char *dir, int64_t train_limit, int64_t val_limit,
                       int image_size, uint64_t seed, pt_study_data *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    pt_strlcpy(out->dataset, dataset, sizeof out->dataset);
    if (open_task(dataset, dir, image_size, out, err, errlen) != 0) return -1;
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
    const pt_data_entry *e = pt_data_find_task(d->dataset, NULL);
    if (d->owner && e) e->close(d->owner);
    free(d->rows[0]);
    free(d->rows[1]);
    memset(d, 0, sizeof *d);
}
