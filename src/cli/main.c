/* main.c -- `powertrain <verb>`: dispatch, top-level help and version (pt_cli_main),
 * and main. The CLI fuzz harness compiles this file with PT_CLI_NO_MAIN (libFuzzer
 * brings its own main) and calls pt_cli_main. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "powertrain/meter.h"
#include "study/kind.h"
#include "util/ompwait.h"

/* The verbs: one line each (name, entry point, one-line summary for --help).
 * The line with no name stands for the study kinds of src/study/kind.c, listed
 * there in their table's order and run by pt_cli_study. */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} verbs[] = {
    {"devices", pt_cli_devices, "list energy sources and why any is unavailable"},
    {"measure", pt_cli_measure, "run a command, report its energy per epoch: measure [opts] -- CMD"},
    {"rapl-access", pt_cli_rapl_access, "RAPL without root: rapl-access --install (as root), --check, --uninstall"},
    {"report", pt_cli_report, "the paper's tables and figures from a results store (HTML, SVG, CSV, JSON)"},
    {"models", pt_cli_models, "each model's layer table, parameters and activation bytes"},
    {"train", pt_cli_train, "train one setup, measuring every epoch: train --dataset D --batch-size B --lr L"},
    {NULL, pt_cli_study, NULL}, /* here: the study kinds, from src/study/kind.c */
    {"merge", pt_cli_merge, "merge shard stores of a cluster study into one store: merge --into DB SHARD..."},
    {"synth", pt_cli_synth, "write a synthetic data set in the real format: synth pamap2|celeba --out DIR"},
    {"data", pt_cli_data, "describe a data set: data info --dataset pamap2|celeba|fmnist [--data DIR]"},
};

static void usage(FILE *f) {
    fputs("usage: powertrain <verb> [options]\n"
          "\n"
          "Trains neural networks while measuring the energy the hardware draws,\n"
          "and measures the energy of any other program's training.\n"
          "\n"
          "verbs:\n",
          f);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (verbs[i].name) {
            fprintf(f, "  %-11s %s\n", verbs[i].name, verbs[i].summary);
            continue;
        }
        for (int k = 0; k < pt_study_kind_count(); k++)
            fprintf(f, "  %-11s %s\n", pt_study_kind_at(k)->name, pt_study_kind_at(k)->summary);
    }
    fputs("\n"
          "`powertrain <verb> --help` (or `powertrain help <verb>`) describes a verb's options.\n"
          "Energy methods: counter (hardware energy counter), eq1 (mean sampled power x\n"
          "duration, the paper's Equation 1), estimated (a model, not a measurement).\n",
          f);
}

/* The entry point of verb, NULL when there is none. */
static int (*verb_find(const char *verb))(int, char **) {
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verbs[i].name && !strcmp(verb, verbs[i].name)) return verbs[i].run;
    return pt_study_kind_find(verb) ? pt_cli_study : NULL;
}

/* `powertrain help VERB`: the verb's own --help. */
static int help_verb(const char *verb) {
    int (*run)(int, char **) = verb_find(verb);
    if (!run) {
        fprintf(stderr, "powertrain: unknown verb '%s' (try powertrain --help)\n", verb);
        return PT_EXIT_USAGE;
    }
    char v[64], h[] = "--help";
    snprintf(v, sizeof v, "%s", verb);
    char *args[] = {v, h, NULL};
    return run(2, args);
}

int pt_cli_main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return PT_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "help") && argc > 2) return help_verb(argv[2]);
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
        usage(stdout);
        return PT_EXIT_OK;
    }
    if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
        printf("powertrain %s (libpowertrain-meter %s)\n", PT_METER_VERSION, pt_meter_version());
        return PT_EXIT_OK;
    }
    int (*run)(int, char **) = verb_find(verb);
    if (run) return run(argc - 1, argv + 1);
    fprintf(stderr, "powertrain: unknown verb '%s' (try powertrain --help)\n", verb);
    return PT_EXIT_USAGE;
}

#ifndef PT_CLI_NO_MAIN
int main(int argc, char **argv) {
    /* verbs that train in this process: OpenMP threads wait passively unless the
       user chose (src/util/ompwait.h); a re-exec, as libgomp reads it at load */
    if (argc > 1 && (!strcmp(argv[1], "train") || pt_study_kind_find(argv[1]))) pt_omp_wait_reexec(argv);
    return pt_cli_main(argc, argv);
}
#endif
