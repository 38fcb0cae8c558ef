/* cmd_data.c -- `powertrain data info`: what a data set holds (samples per class and
 * split, shape, normalisation, cache location), loading it the way training will.
 * The data sets, their options and their descriptions come from the data registry
 * (data/registry.h); pt_cli_data_arg parses a registry option (also for synth). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/registry.h"

static void print_help(FILE *f) {
    char names[256], buf[64];
    fprintf(f, "usage: powertrain data info --dataset %s [--data DIR] [options]\n",
            pt_data_names(names, sizeof names, "|", "|", 0));
    fputs("\n"
          "Loads a data set as training would (building its cache on first use) and prints\n"
          "samples per class and split, the sample shape, the normalisation and the cache.\n"
          "\n",
          f);
    fputs("  --data DIR          the data directory", f);
    for (int i = 0; i < pt_data_count(); i++)
        if (pt_data_at(i)->default_dir) fprintf(f, " (%s default: %s)", pt_data_at(i)->name, pt_data_at(i)->default_dir);
    fputs("\n"
          "  --cache-dir DIR     cache directory (default $POWERTRAIN_CACHE_DIR, else\n"
          "                      $XDG_CACHE_HOME/powertrain, else ~/.cache/powertrain)\n"
          "  --no-cache          neither read nor write a cache\n",
          f);
    for (int i = 0; i < pt_data_count(); i++) {
        const pt_data_entry *e = pt_data_at(i);
        if (e->ninfo_args) fprintf(f, "%s:\n", e->name);
        for (int k = 0; k < e->ninfo_args; k++) {
            const pt_data_arg *a = &e->info_args[k];
            snprintf(buf, sizeof buf, "%s%s%s", a->flag, a->value ? " " : "", a->value ? a->value : "");
            fprintf(f, "  %-20s%s\n", buf, a->help);
        }
    }
}

int pt_cli_data_arg(const char *verb, const pt_data_arg *a, int argc, char **argv, int *i, void *opts) {
    char *field = (char *)opts + a->offset;
    if (a->kind == PT_DATA_ARG_SWITCH) {
        if (strcmp(argv[*i], a->flag) != 0) return 0;
        *(int *)field = 1;
        return 1;
    }
    const char *v;
    int r = pt_cli_flag_value(verb, argc, argv, i, a->flag, &v);
    if (r <= 0) return r;
    long n;
    double d;
    switch (a->kind) {
    case PT_DATA_ARG_STR: *(const char **)field = v; break;
    case PT_DATA_ARG_DOUBLE:
        if (pt_cli_parse_double(verb, a->flag, v, a->lo, a->hi, &d)) return -1;
        *(double *)field = d;
        break;
    default:
        /* a hi beyond long (the seed's 2^63-1, rounded up as a double) means LONG_MAX */
        if (pt_cli_parse_long(verb, a->flag, v, (long)a->lo, a->hi >= (double)LONG_MAX ? LONG_MAX : (long)a->hi,
                              &n))
            return -1;
        if (a->kind == PT_DATA_ARG_INT) *(int *)field = (int)n;
        else if (a->kind == PT_DATA_ARG_U64) *(uint64_t *)field = (uint64_t)n;
        else *(long *)field = n;
    }
    return 1;
}

/* An option of any data set (each keeps its own): 1 taken, 0 none's, -1 bad. */
static int take_info_arg(const char *verb, int argc, char **argv, int *i, void **opts) {
    int taken = 0, next = *i;
    for (int e = 0; e < pt_data_count(); e++)
        for (int k = 0; k < pt_data_at(e)->ninfo_args; k++) {
            int j = *i;
            int r = pt_cli_data_arg(verb, &pt_data_at(e)->info_args[k], argc, argv, &j, opts[e]);
            if (r < 0) return -1;
            if (r > 0) taken = 1, next = j;
        }
    *i = next;
    return taken;
}

typedef struct {
    const char *dataset, *dir, *cache_dir;
    void *opts[16]; /* per registry entry */
} info_args;

/* Parses argv[2..]: PT_EXIT_OK, -1 when --help was printed, or the usage code. */
static int parse_args(const char *verb, int argc, char **argv, info_args *a) {
    for (int i = 2; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return -1;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--dataset", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            a->dataset = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--data", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            a->dir = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--cache-dir", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            a->cache_dir = v;
        } else if (!strcmp(argv[i], "--no-cache")) {
            a->cache_dir = "";
        } else if ((r = take_info_arg(verb, argc, argv, &i, a->opts))) {
            if (r < 0) return PT_EXIT_USAGE;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain data --help)", argv[i]);
        }
    }
    return PT_EXIT_OK;
}

/* Picks the data set and folder, then describes it. */
static int run_info(const char *verb, const info_args *a) {
    char names[256], err[2048];
    if (!a->dataset)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset %s is required", pt_data_names(names, sizeof names, "|", "|", 0));
    const pt_data_entry *e = pt_data_find(a->dataset);
    int idx = 0;
    while (e && pt_data_at(idx) != e) idx++;
    const char *dir = a->dir ? a->dir : e ? e->default_dir : NULL;
    if (!dir) return pt_cli_error(verb, PT_EXIT_USAGE, "--data DIR is required for %s", a->dataset);
    if (!e)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset: unknown data set '%s' (%s)", a->dataset,
                            pt_data_names(names, sizeof names, ", ", " or ", 0));
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    int rc = e->info(dir, a->cache_dir, a->opts[idx], isatty(2), err, sizeof err);
    if (rc == -2) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    return PT_EXIT_OK;
}

int pt_cli_data(int argc, char **argv) {
    const char *verb = "data";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? PT_EXIT_USAGE : PT_EXIT_OK;
    }
    if (strcmp(argv[1], "info") != 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown subcommand '%s' (try powertrain data info)", argv[1]);
    info_args a = {0};
    int rc = PT_EXIT_OK;
    for (int e = 0; e < pt_data_count() && e < 16; e++) {
        a.opts[e] = calloc(1, pt_data_at(e)->info_opts_size);
        if (!a.opts[e]) rc = pt_cli_error(verb, PT_EXIT_FAIL, "out of memory");
        else pt_data_at(e)->info_init(a.opts[e]);
    }
    if (rc == PT_EXIT_OK) rc = parse_args(verb, argc, argv, &a);
    if (rc == -1) rc = PT_EXIT_OK;
    else if (rc == PT_EXIT_OK) rc = run_info(verb, &a);
    for (int e = 0; e < 16; e++) free(a.opts[e]);
    return rc;
}
