/* registry.h -- the data sets powertrain knows, one table (registry.c), like the
 * model registry (models/models.h). `powertrain synth`, `powertrain data info` and a
 * study's --dataset all go through it.
 *
 * Each data set has one entry file (fmnist_entry.c, pamap2_entry.c, celeba_entry.c)
 * defining a const pt_data_entry: how to open it for training (train and validation
 * views), the tasks a study trains on it, what `data info` prints, and, where there
 * is one, its synthetic generator. Options of `data info` and `synth` are declared
 * as tables of pt_data_arg (flag, value, range, field of the entry's options struct);
 * the CLI parses them and prints their help. */
#ifndef PT_DATA_REGISTRY_H
#define PT_DATA_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

typedef enum {
    PT_DATA_ARG_LONG,   /* long, within [lo, hi] */
    PT_DATA_ARG_INT,    /* int, within [lo, hi] */
    PT_DATA_ARG_DOUBLE, /* double, within [lo, hi] */
    PT_DATA_ARG_U64,    /* uint64_t, within [lo, hi] (parsed as a long) */
    PT_DATA_ARG_STR,    /* const char * (pointing into argv) */
    PT_DATA_ARG_SWITCH  /* int, set to 1 by the bare flag */
} pt_data_arg_kind;

typedef struct pt_data_arg {
    const char *flag;   /* "--window" */
    const char *value;  /* "N" in the help; NULL for a switch */
    pt_data_arg_kind kind;
    double lo, hi;      /* a hi of (double)LONG_MAX or more: up to LONG_MAX */
    size_t offset;      /* of the field in the options struct */
    const char *help;   /* one line */
} pt_data_arg;

/* Which labels of the views a task trains on. */
typedef enum { PT_DATA_USE_LABEL, PT_DATA_USE_TARGETS, PT_DATA_USE_BOTH } pt_data_use;

typedef struct {
    const char *name;  /* a study's --dataset: "celeba-id" */
    const char *model; /* the model it trains by default: "celeba_id" */
    pt_data_use use;   /* LABEL: softmax on label; TARGETS: BCE on targets; BOTH: multitask */
} pt_data_task;

/* What open gives a study: two views into owner (freed by the entry's close). */
typedef struct {
    pt_dataset train, val;
    void *owner;
} pt_data_views;

typedef struct {
    const char *name;        /* "pamap2": --dataset of `data info`, `synth NAME` */
    const char *summary;     /* "PAMAP2 physical activity monitoring" */
    const char *default_dir; /* NULL: --data DIR is required */
    const char *dir_hint;    /* what --data names, for errors: "a CelebA folder" */
    const pt_data_task *tasks;
    int ntasks;
    /* dir: never NULL; image_size: width and height of images (0: the reader's default).
     * 0, or -1 with err naming the file. */
    int (*open)(const char *dir, int image_size, pt_data_views *out, char *err, size_t errlen);
    void (*close)(void *owner); /* frees owner itself too */
    /* `data info`: opts (info_opts_size bytes) set by info_init, then by the args. */
    const pt_data_arg *info_args;
    int ninfo_args;
    size_t info_opts_size;
    void (*info_init)(void *opts);
    /* Loads the set and prints its description on stdout (progress: may report
     * progress on stderr). 0; -1 failed, -2 a bad option (err says which). */
    int (*info)(const char *dir, const char *cache_dir, const void *opts, int progress, char *err,
                size_t errlen);
    /* `synth` (synth NULL: no generator): opts as for info; the seed at synth_seed_offset. */
    const char *synth_help;  /* lines under the data set in `synth --help` */
    const pt_data_arg *synth_args;
    int nsynth_args;
    size_t synth_opts_size, synth_seed_offset;
    void (*synth_init)(void *opts);
    int (*synth)(const char *dir, const void *opts, char *err, size_t errlen);
    void (*synth_done)(const char *dir, const void *opts); /* the line on stderr */
} pt_data_entry;

int pt_data_count(void);
const pt_data_entry *pt_data_at(int i);
const pt_data_entry *pt_data_find(const char *name);
/* The entry and task of a study's --dataset name, or NULL. */
const pt_data_entry *pt_data_find_task(const char *name, const pt_data_task **task);
/* The names, joined: "pamap2|celeba|fmnist" (sep "|", last "|"), "pamap2, celeba or
 * fmnist" (", ", " or "); synth_only: only those with a generator. */
const char *pt_data_names(char *buf, size_t n, const char *sep, const char *last, int synth_only);

/* For the entries' info: a table of samples per class (rows) and view (columns, 1..3),
 * and a "note      empty: ..." line when every view is empty. */
void pt_data_print_splits(int nclasses, const char *(*name)(int, void *), void *ctx,
                          const pt_dataset *views, int nviews, const char *const *vnames);

#endif
