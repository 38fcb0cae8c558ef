/* cli.h -- shared pieces of the powertrain command: verbs, flag parsing, errors.
 * Exit codes: 0 success, 1 runtime failure, 2 usage error (bad flag or value). */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdio.h>

#include "powertrain/meter.h"

#define PT_EXIT_OK 0
#define PT_EXIT_FAIL 1
#define PT_EXIT_USAGE 2

/* The verbs: pt_cli_<verb>(argc, argv) with argv[0] the verb itself, each in
 * src/cli/cmd_<verb>.c (the study verbs share cmd_study.c) and listed in the
 * verb table of main.c; each returns the process exit status. */
int pt_cli_devices(int argc, char **argv);   /* cmd_devices.c */
int pt_cli_measure(int argc, char **argv);   /* cmd_measure.c */
int pt_cli_rapl_access(int argc, char **argv); /* cmd_rapl_access.c */
int pt_cli_report(int argc, char **argv);    /* cmd_report.c */
int pt_cli_models(int argc, char **argv);    /* cmd_models.c */
int pt_cli_train(int argc, char **argv);     /* cmd_study.c: train .. multitask */
/* A study kind of src/study/kind.c (regime, tune, pretrain, multitask): argv[0]
 * names it. cmd_study.c */
int pt_cli_study(int argc, char **argv);
int pt_cli_merge(int argc, char **argv);     /* cmd_merge.c */
int pt_cli_synth(int argc, char **argv);     /* cmd_synth.c */
int pt_cli_data(int argc, char **argv);      /* cmd_data.c */
/* A data registry option (data/registry.h) at argv[*i] into opts, as pt_cli_flag_value
 * (1 taken, 0 another argument, -1 bad: error printed). cmd_data.c */
struct pt_data_arg;
int pt_cli_data_arg(const char *verb, const struct pt_data_arg *a, int argc, char **argv, int *i, void *opts);

/* `powertrain ARGS...` (argv[0] the program): the verb table, the top-level help and
 * version; returns the process exit status. main.c */
int pt_cli_main(int argc, char **argv);

/* Check-only mode, for the CLI fuzz harness (tests/fuzz/fuzz_cli.c): every verb
 * parses and checks its arguments as always, then returns PT_EXIT_OK where its work
 * would begin: nothing trained, measured, probed, read from stdin or written (the
 * checks themselves only read: a --data folder's access(), --model's name). Off
 * unless set; the powertrain command never sets it. args.c */
void pt_cli_set_check_only(int on);
int pt_cli_check_only(void);

/* Prints "powertrain VERB: message" on stderr; returns code. */
int pt_cli_error(const char *verb, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Flag matching over argv[*i]: accepts "--name VALUE" and "--name=VALUE".
 * Returns 1 and sets *val when argv[*i] is the flag (advancing *i past a
 * separate value), 0 when it is another argument, -1 when the value is
 * missing (after printing the error). */
int pt_cli_flag_value(const char *verb, int argc, char **argv, int *i, const char *name,
                      const char **val);
/* Strict numbers with a range; print "powertrain VERB: NAME: ..." and return -1 when bad. */
int pt_cli_parse_double(const char *verb, const char *name, const char *s, double lo, double hi,
                        double *out);
int pt_cli_parse_long(const char *verb, const char *name, const char *s, long lo, long hi,
                      long *out);

/* Writes the meter's source list as a JSON array. */
void pt_cli_json_sources(FILE *f, const pt_meter *m);

#endif
