/* kind_pretrain.c -- `powertrain pretrain`: the autoencoder pretraining study on PAMAP2. */
#include "study/kind.h"

static int run(const pt_study_config *c, const pt_kind_opts *o, char *err, size_t errlen) {
    (void)o;
    return pt_study_pretrain(c, err, errlen);
}

const pt_study_kind pt_kind_pretrain = {
    .name = "pretrain",
    .summary = "the autoencoder pretraining study with break-even: pretrain --data DIR",
    .help = "usage: powertrain pretrain [--dataset pamap2] --data DIR [--preset paper|quick] [options]\n\n"
            "The paper's pretraining study: per setup x repeat, (1) the autoencoder with\n"
            "early stopping on validation loss (its encoder saved beside the store), (2) the\n"
            "classifier on that encoder frozen, (3) unfrozen, (4) the classifier from scratch;\n"
            "Equation (2)'s break-even per setup (infinite when it never pays back).\n",
    .dataset = "pamap2",
    .slurm = 1,
    .slurm_dataset = "pamap2",
    .slurm_dataset_why = "the autoencoder study runs on pamap2",
    .run = run,
};
