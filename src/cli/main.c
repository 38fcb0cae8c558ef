/* main.c -- `powertrain <verb>`: dispatch, top-level help and version. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "powertrain/meter.h"

static void usage(FILE *f) {
    fputs("usage: powertrain <verb> [options]\n"
          "\n"
          "Trains neural networks while measuring the energy the hardware draws,\n"
          "and measures the energy of any other program's training.\n"
          "\n"
          "verbs:\n"
          "  devices   list energy sources (NVML GPUs, RAPL zones, the estimate) and why\n"
          "            any is unavailable; measures each reading's update period\n"
          "  measure   run a command and report its energy per epoch and in total:\n"
          "            powertrain measure [options] -- CMD ARGS...\n"
          "\n"
          "`powertrain <verb> --help` describes a verb's options.\n"
          "Energy methods: counter (hardware energy counter), eq1 (mean sampled power x\n"
          "duration, the paper's Equation 1), estimated (a model, not a measurement).\n",
          f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return PT_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
        usage(stdout);
        return PT_EXIT_OK;
    }
    if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
        printf("powertrain %s (libpowertrain-meter %s)\n", PT_METER_VERSION, pt_meter_version());
        return PT_EXIT_OK;
    }
    if (!strcmp(verb, "devices")) return pt_cli_devices(argc - 1, argv + 1);
    if (!strcmp(verb, "measure")) return pt_cli_measure(argc - 1, argv + 1);
    fprintf(stderr, "powertrain: unknown verb '%s' (try powertrain --help)\n", verb);
    return PT_EXIT_USAGE;
}
