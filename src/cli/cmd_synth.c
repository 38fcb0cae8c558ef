/* cmd_synth.c -- `powertrain synth NAME`: synthetic data sets in the real formats, for
 * every data set of the registry (data/registry.h) that has a generator. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/registry.h"

static void print_help(FILE *f) {
    char buf[64];
    int first = 1;
    for (int i = 0; i < pt_data_count(); i++) {
        const pt_data_entry *e = pt_data_at(i);
        if (!e->synth) continue;
        fprintf(f, "%s powertrain synth %s --out DIR", first ? "usage:" : "      ", e->name);
        for (int k = 0; k < e->nsynth_args; k++) fprintf(f, " [%s %s]", e->synth_args[k].flag, e->synth_args[k].value);
        fputs(" [--seed S]\n", f);
        first = 0;
    }
    fputs("\n"
          "Writes a synthetic data set in exactly the real files' format, with learnable\n"
          "structure; the same options give the same bytes.\n"
          "\n",
          f);
    for (int i = 0; i < pt_data_count(); i++) {
        const pt_data_entry *e = pt_data_at(i);
        if (!e->synth) continue;
        fputs(e->synth_help, f);
        for (int k = 0; k < e->nsynth_args; k++) {
            snprintf(buf, sizeof buf, "%s %s", e->synth_args[k].flag, e->synth_args[k].value);
            fprintf(f, "    %-19s%s\n", buf, e->synth_args[k].help);
        }
    }
    fputs("  --seed S             generator seed (default 1)\n", f);
}

static const pt_data_arg seed_arg = {"--seed", "S", PT_DATA_ARG_U64, 0, (double)LONG_MAX, 0, NULL};

/* Parses argv[2..] into opts: PT_EXIT_OK, -1 when --help was printed, or the usage code. */
static int parse_args(const char *verb, const pt_data_entry *e, int argc, char **argv, void *opts,
                      const char **out) {
    pt_data_arg seed = seed_arg;
    seed.offset = e->synth_seed_offset;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int r = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return -1;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--out", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            *out = v;
            continue;
        }
        if ((r = pt_cli_data_arg(verb, &seed, argc, argv, &i, opts))) {
            if (r < 0) return PT_EXIT_USAGE;
            continue;
        }
        for (int k = 0; k < e->nsynth_args && !r; k++)
            if ((r = pt_cli_data_arg(verb, &e->synth_args[k], argc, argv, &i, opts)) < 0) return PT_EXIT_USAGE;
        if (!r)
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain synth --help)", argv[i]);
    }
    return PT_EXIT_OK;
}

static int run_synth(const char *verb, const pt_data_entry *e, int argc, char **argv, void *opts) {
    const char *out = NULL;
    e->synth_init(opts);
    int rc = parse_args(verb, e, argc, argv, opts, &out);
    if (rc == -1) return PT_EXIT_OK;
    if (rc != PT_EXIT_OK) return rc;
    if (!out) return pt_cli_error(verb, PT_EXIT_USAGE, "--out DIR is required");
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    char err[1024];
    if (e->synth(out, opts, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    e->synth_done(out, opts);
    return PT_EXIT_OK;
}

int pt_cli_synth(int argc, char **argv) {
    const char *verb = "synth";
    if (argc < 2) {
        print_help(stderr);
        return PT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(stdout);
        return PT_EXIT_OK;
    }
    const pt_data_entry *e = pt_data_find(argv[1]);
    if (!e || !e->synth) {
        char names[256];
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown data set '%s' (%s)", argv[1],
                            pt_data_names(names, sizeof names, ", ", " or ", 1));
    }
    void *opts = calloc(1, e->synth_opts_size);
    if (!opts) return pt_cli_error(verb, PT_EXIT_FAIL, "out of memory");
    int rc = run_synth(verb, e, argc, argv, opts);
    free(opts);
    return rc;
}
