/* kind.h -- the study kinds of the CLI (regime, pretrain, multitask, tune):
 * one table (kind.c) of one entry per kind, each in its own kind_<name>.c,
 * like the model registry of src/models/. `powertrain <name>` parses the
 * flags every study shares, hands the rest to the kind's flag hook, checks
 * the result with its check hook and runs it with its run hook.
 *
 * Adding a kind: kind_<name>.c defining `const pt_study_kind pt_kind_<name>`,
 * one line in kind.c's table, one line in study.cmake's PT_STUDY_KINDS. The
 * CLI finds it by name (`powertrain <name>`, src/cli/main.c) and lists it in
 * `powertrain --help` in the table's order. */
#ifndef PT_STUDY_KIND_H
#define PT_STUDY_KIND_H

#include <stddef.h>

#include "study/study.h"
#include "study/tune_run.h"

/* What the flags of a study set beyond its pt_study_config. */
typedef struct {
    const char *preset;                         /* --preset (default quick) */
    const char *bs_list, *lr_list;              /* --batch-sizes, --lrs (or --space's halves) */
    char space_bs[256], space_lr[256];          /* tune's --space split at the colon */
    pt_tune_opts tune;                          /* tune's search */
    double pmax;                                /* tune's --pmax (0: not given) */
} pt_kind_opts;

typedef struct pt_study_kind {
    const char *name;            /* the verb and the store's study kind */
    const char *summary;         /* one line */
    const char *help;            /* the usage lines before the flags every study shares */
    const char *dataset;         /* the default --dataset, NULL: required */
    int slurm;                   /* --slurm (and the cluster's flags) apply */
    int exec;                    /* --exec -- CMD ARGS... (a study around the user's trainer) applies */
    const char *slurm_dataset;   /* --slurm: the only dataset it runs on (NULL: any) */
    const char *slurm_dataset_why; /* ... the error's words after "the ... runs on DATASET" */
    /* Sets the kind's defaults in o (c is already initialised); may be NULL. */
    void (*defaults)(pt_study_config *c, pt_kind_opts *o);
    /* argv[*i] as a flag of this kind: 1 taken, 0 not one, -1 bad (error
       printed). NULL: the kind has no flags of its own. */
    int (*flag)(const char *verb, int argc, char **argv, int *i, pt_study_config *c, pt_kind_opts *o);
    /* After the preset and the grid are set: 0, or the exit code of the error printed. May be NULL. */
    int (*check)(const char *verb, pt_study_config *c, pt_kind_opts *o);
    /* The study: 0 done, 1 interrupted (resumable), 2 every run failed (said on
       stderr), -1 setup problem (err; nothing trained). */
    int (*run)(const pt_study_config *c, const pt_kind_opts *o, char *err, size_t errlen);
} pt_study_kind;

/* The kind named name, NULL when there is none. */
const pt_study_kind *pt_study_kind_find(const char *name);
/* The number of kinds and the i-th (0 <= i < pt_study_kind_count()). */
int pt_study_kind_count(void);
const pt_study_kind *pt_study_kind_at(int i);

#endif
