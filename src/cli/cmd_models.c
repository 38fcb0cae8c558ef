/* cmd_models.c -- `powertrain models`: each model's layer table, parameter count
 * (per group) and activation bytes per sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/models.h"

static const char *models_help =
    "usage: powertrain models [NAME...] [--input HxWxC] [--classes K] [--brief]\n"
    "\n"
    "Prints each model's layer table (output shapes, parameters per layer), its\n"
    "trainable parameters in total and per group (encoder, classifier, heads),\n"
    "and the activation bytes per sample (forward, and with gradients).\n"
    "Without NAME, every model. --brief prints one line per model.\n";

int pt_cli_models(int argc, char **argv) {
    const char *verb = "models";
    pt_model_opts o;
    pt_model_opts_default(&o);
    int brief = 0;
    const char *names[32];
    int nnames = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(models_help, stdout);
            return PT_EXIT_OK;
        }
        if (!strcmp(argv[i], "--brief")) {
            brief = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--input", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (sscanf(v, "%dx%dx%d", &o.h, &o.w, &o.c) != 3 || o.h < 1 || o.w < 1 || o.c < 1 || o.h > 4096 ||
                o.w > 4096 || o.c > 4096)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--input: expected HxWxC (e.g. 1x128x40), got '%s'", v);
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--classes", &v))) {
            long k;
            if (r < 0 || pt_cli_parse_long(verb, "--classes", v, 1, 100000, &k)) return PT_EXIT_USAGE;
            o.classes = (int)k;
        } else if (argv[i][0] == '-') {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain models --help)", argv[i]);
        } else if (nnames < 32) {
            if (!pt_model_find(argv[i])) {
                char err[512];
                pt_model_build(argv[i], &o, err, sizeof err);
                return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
            }
            names[nnames++] = argv[i];
        }
    }
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    if (nnames == 0)
        for (int i = 0; i < pt_model_count(); i++) names[nnames++] = pt_model_at(i)->name;
    int rc = PT_EXIT_OK;
    for (int i = 0; i < nnames; i++) {
        const pt_model_info *mi = pt_model_find(names[i]);
        char err[512];
        pt_net *net = pt_model_build(names[i], &o, err, sizeof err);
        if (!net) {
            rc = pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
            continue;
        }
        size_t params = pt_net_param_count(net, NULL);
        size_t act = pt_net_activation_bytes(net, 0);
        if (brief) {
            printf("%-17s %12zu parameters  %10.1f KiB activations/sample  %s\n", mi->name, params, act / 1024.0,
                   mi->summary);
        } else {
            printf("== %s: %s (loss: %s)\n", mi->name, mi->summary, mi->loss);
            pt_net_print_table(net, stdout);
            putchar('\n');
        }
        pt_net_free(net);
    }
    return rc;
}
