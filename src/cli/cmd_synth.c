/* cmd_synth.c -- `powertrain synth pamap2|celeba`: synthetic data sets in the real formats. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "data/synth.h"

static const char *synth_help =
    "usage: powertrain synth pamap2 --out DIR [--subjects N] [--seconds S] [--seed S]\n"
    "       powertrain synth celeba --out DIR [--identities N] [--images-per-id N] [--seed S]\n"
    "\n"
    "Writes a synthetic data set in exactly the real files' format, with learnable\n"
    "structure; the same options give the same bytes.\n"
    "\n"
    "  pamap2: DIR/Protocol/subject101.dat .. (54 columns at 100 Hz: activity models,\n"
    "          heart rate at ~9 Hz, IMU drop-outs as NaN)\n"
    "    --subjects N       1..9 (default 9)\n"
    "    --seconds S        mean seconds per activity (default 20)\n"
    "  celeba: DIR/img_align_celeba/*.jpg (178x218), list_attr_celeba.txt,\n"
    "          identity_CelebA.txt, list_eval_partition.txt (procedural faces)\n"
    "    --identities N     people, at least 40 (default 50)\n"
    "    --images-per-id N  images of each of the 40 most frequent people (default 30)\n"
    "  --seed S             generator seed (default 1)\n";

int pt_cli_synth(int argc, char **argv) {
    const char *verb = "synth";
    if (argc < 2) {
        fputs(synth_help, stderr);
        return PT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(synth_help, stdout);
        return PT_EXIT_OK;
    }
    const char *what = argv[1];
    int is_pamap2 = !strcmp(what, "pamap2"), is_celeba = !strcmp(what, "celeba");
    if (!is_pamap2 && !is_celeba)
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown data set '%s' (pamap2 or celeba)", what);
    pt_synth_pamap2_options po;
    pt_synth_pamap2_options_init(&po);
    pt_synth_celeba_options co;
    pt_synth_celeba_options_init(&co);
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int r;
        long n;
        double d;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(synth_help, stdout);
            return PT_EXIT_OK;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--out", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            out = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--seed", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--seed", v, 0, 0x7fffffffffffffffL, &n)) return PT_EXIT_USAGE;
            po.seed = co.seed = (uint64_t)n;
        } else if (is_pamap2 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--subjects", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--subjects", v, 1, 9, &n)) return PT_EXIT_USAGE;
            po.subjects = (int)n;
        } else if (is_pamap2 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--seconds", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--seconds", v, 2, 3600, &d)) return PT_EXIT_USAGE;
            po.seconds = d;
        } else if (is_celeba && (r = pt_cli_flag_value(verb, argc, argv, &i, "--identities", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--identities", v, 40, 10177, &n)) return PT_EXIT_USAGE;
            co.identities = (int)n;
        } else if (is_celeba && (r = pt_cli_flag_value(verb, argc, argv, &i, "--images-per-id", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--images-per-id", v, 1, 10000, &n)) return PT_EXIT_USAGE;
            co.images_per_id = (int)n;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain synth --help)",
                                argv[i]);
        }
    }
    if (!out) return pt_cli_error(verb, PT_EXIT_USAGE, "--out DIR is required");
    char err[1024];
    int rc = is_pamap2 ? pt_synth_pamap2(out, &po, err, sizeof err) : pt_synth_celeba(out, &co, err, sizeof err);
    if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    if (is_pamap2)
        fprintf(stderr, "powertrain synth: wrote %d PAMAP2 subjects to %s/Protocol (seed %llu)\n", po.subjects,
                out, (unsigned long long)po.seed);
    else
        fprintf(stderr, "powertrain synth: wrote a CelebA set of %d identities to %s (seed %llu)\n",
                co.identities, out, (unsigned long long)co.seed);
    return PT_EXIT_OK;
}
