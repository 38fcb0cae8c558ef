/* kind_regime.c -- `powertrain regime`: the batch size x learning rate grid. */
#include "study/kind.h"

static int run(const pt_study_config *c, const pt_kind_opts *o, char *err, size_t errlen) {
    (void)o;
    return pt_study_regime(c, err, errlen);
}

const pt_study_kind pt_kind_regime = {
    .name = "regime",
    .summary = "the batch size x learning rate study (Table 1): regime --dataset D",
    .help = "usage: powertrain regime --dataset D [--preset paper|quick] [options]\n\n"
            "The paper's training-regime study: every batch size x learning rate setup\n"
            "(Table 1) x repeats, each trained with threshold early stopping and every\n"
            "epoch's energy measured, into the results store.\n",
    .slurm = 1,
    .exec = 1,
    .run = run,
};
