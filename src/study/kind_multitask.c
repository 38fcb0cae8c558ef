/* kind_multitask.c -- `powertrain multitask`: attributes, identities and both on CelebA. */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "study/kind.h"

static int flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c, pt_kind_opts *o) {
    const char *v;
    int r;
    (void)o;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--alpha", &v))) {
        double a;
        if (r < 0 || pt_cli_parse_double(verb, "--alpha", v, 0.0001, 0.9999, &a)) return -1;
        c->alpha = (float)a;
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--encoder-weights", &v))) {
        if (r < 0) return -1;
        if (access(v, R_OK) != 0) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--encoder-weights %s: no such readable file", v);
            return -1;
        }
        c->encoder_weights = v;
        return 1;
    }
    return 0;
}

static int run(const pt_study_config *c, const pt_kind_opts *o, char *err, size_t errlen) {
    (void)o;
    return pt_study_multitask(c, err, errlen);
}

const pt_study_kind pt_kind_multitask = {
    .name = "multitask",
    .summary = "the CelebA multitask study (attributes, identities, both): multitask --data DIR",
    .help = "usage: powertrain multitask [--dataset celeba] --data DIR [--preset paper|quick] [options]\n\n"
            "The paper's multitask study on the resnet18 trunk: attributes only, identities\n"
            "only, and both (alpha * L_attr + (1 - alpha) * L_id), per setup x repeat.\n"
            "  --alpha A           weight of the attribute loss (default 0.5)\n"
            "  --encoder-weights FILE  resnet18 trunk weights (safetensors, timm/torchvision\n"
            "                      names; default: random initialisation, stored with the runs)\n",
    .dataset = "celeba",
    .slurm = 1,
    .slurm_dataset = "celeba",
    .slurm_dataset_why = "the study runs on celeba (both label sets)",
    .flag = flag,
    .run = run,
};
