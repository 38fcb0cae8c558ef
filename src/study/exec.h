/* exec.h -- the studies around a user's own trainer (`regime --exec -- CMD
 * ARGS...`, `tune --exec`): the command with its placeholders, its epochs
 * and validation metrics read from its output or the marks FIFO, and its
 * process group.
 *
 * Placeholders: {batch_size}, {lr}, {seed}, {repeat}, {run_dir},
 * {max_epochs} anywhere inside an argument are replaced by the setup's value;
 * the argument stays one argument (no shell ever sees it), so a value with
 * spaces, quotes or ';' reaches the command as it is. "{{" is a literal "{".
 * Any other {name} is refused when the flags are checked.
 *
 * Epochs, one way or the other (with --acc-regex the marks are not read, so
 * a trainer that does both is not counted twice):
 *   output  each line of the command's stdout or stderr matching
 *           --epoch-regex ends an epoch (default: --acc-regex); --acc-regex
 *           and --loss-regex (one group each) give its metrics from that line
 *           or a later one before the next epoch's; an accuracy above 1 is
 *           read as a percentage
 *   marks   `epoch_end N val_acc=0.83 val_loss=0.41` written to the FIFO
 *           named in POWERTRAIN_MARKS ends epoch N with those metrics
 * The command's output goes to RUN_DIR/output.log, not to the terminal. */
#ifndef PT_STUDY_EXEC_H
#define PT_STUDY_EXEC_H

#include <regex.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    char **argv;            /* the command after `--exec --` (NULL-terminated), NULL: powertrain's own models */
    int argc;
    const char *epoch_regex, *acc_regex, *loss_regex; /* NULL: not given */
    double grace_s;         /* SIGTERM, then SIGKILL after this many seconds (the CLI's default 10; 0: at once) */
} pt_exec_spec;

/* One setup's values for the placeholders. */
typedef struct {
    int batch_size, repeat, max_epochs;
    double lr;
    unsigned long long seed;
    const char *run_dir;
} pt_exec_values;

#define PT_EXEC_JSON_MAX 6000 /* the command's JSON in the study's config */
/* tune's stand-in for the training set's size with --exec (the command's data
 * is unknown to powertrain): every batch size has whole steps; no probe runs */
#define PT_EXEC_TRAIN_SAMPLES (1LL << 30)

/* The command and the regexes checked: known placeholders, each regex an
 * ERE (acc and loss with one group), the command on PATH, its JSON within
 * PT_EXEC_JSON_MAX. 0, or -1 with err naming the flag or argument. */
int pt_exec_check(const pt_exec_spec *e, char *err, size_t errlen);
/* ,"exec":{"argv":[...],"epoch_regex":...} (JSON-escaped) appended to the
 * object in json (its closing brace replaced). 0, or -1 when it does not fit. */
int pt_exec_config_json(const pt_exec_spec *e, char *json, size_t n);
/* The command's argv with the placeholders filled (NULL-terminated, each
 * string malloc'd): free with pt_exec_argv_free. NULL with err. */
char **pt_exec_argv(const pt_exec_spec *e, const pt_exec_values *v, char *err, size_t errlen);
void pt_exec_argv_free(char **argv);


/* ---- the command's process group (exec_proc.c) ---------------------------- */

typedef struct {
    pid_t pid;           /* the command, leader of its own process group */
    int out_fd;          /* its stdout and stderr, merged (-1 once at end) */
    int fifo_rd, fifo_wr; /* the marks FIFO (our writer keeps it open) */
    char fifo_dir[64], fifo_path[96];
    int exited, status;  /* the leader's wait status once exited */
} pt_exec_proc;

/* Starts argv in a new process group, stdout and stderr into one pipe,
 * POWERTRAIN_MARKS naming a new FIFO. 0, or -1 with err (nothing left). */
int pt_exec_proc_start(pt_exec_proc *p, char *const *argv, char *err, size_t errlen);
/* Reaps the leader when it has exited (sets exited, status); 1 when exited. */
int pt_exec_proc_reap(pt_exec_proc *p);
/* 1 while any process of the group is left (zombies of ours reaped first). */
int pt_exec_proc_alive(pt_exec_proc *p);
/* Sends sig to the whole group (and SIGCONT, so a stopped process sees it). */
void pt_exec_proc_kill(pt_exec_proc *p, int sig);
/* Closes the pipes and removes the FIFO (the group must be gone). */
void pt_exec_proc_close(pt_exec_proc *p);

#endif
