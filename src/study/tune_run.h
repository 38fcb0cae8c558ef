/* tune_run.h -- `powertrain tune` on real runs (or --replay of a stored
 * grid). It builds on the study (study.h) and the search (tune.h); the
 * study does not include it (the dependency goes one way). */
#ifndef PT_STUDY_TUNE_RUN_H
#define PT_STUDY_TUNE_RUN_H

#include "study/study.h"
#include "study/tune.h"

/* tune: the search of tune.h on real runs of this study config, every probe
 * and run stored in a study of kind "tune"; prints the chosen setup, the
 * search's energy, and regret and savings against a stored regime grid of the
 * same configuration when there is one. 0, 1 interrupted, -1 error. */
typedef struct {
    pt_tune_mode mode;
    pt_objective objective; /* pmax_w 0: the billed devices' power limits */
    double budget_j;        /* 0: none */
    long probe_steps;       /* at least this many steps per probe (and 1 s) */
    double z;               /* fast mode's optimism (2) */
    int replay;             /* search the stored regime grid of the same flags instead of training:
                               its runs' epochs replayed, nothing trained or stored */
} pt_tune_opts;
int pt_study_tune(const pt_study_config *cfg, const pt_tune_opts *t, char *err, size_t errlen);

#endif
