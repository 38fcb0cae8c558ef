/* slurm.h -- a study as a SLURM job array: one array task per setup x repeat,
 * each running powertrain into its own shard store, and a merge job that
 * depends on the array (afterany) and merges the shards into the study's
 * store with `powertrain merge --final`.
 *
 * Files, next to the store: DB.slurm/study<ID>/
 *   task.sbatch   the array (#SBATCH --array=LIST); task I runs
 *                 `EXE ARGV... --db LOCAL --task-index I --resume`, LOCAL on the
 *                 node's disk ($SLURM_TMPDIR, $TMPDIR or /tmp), copied to
 *                 shards/task-I.db when the task ends (killed ones included)
 *   merge.sbatch  `EXE merge --into DB --study ID --final shards/task-*.db`
 *   tasks.tsv     index, setup, batch size, lr, repeat of every task
 *   jobs          the job ids of the latest submission
 *   shards/, logs/
 * Scripts are written atomically; the powertrain binary is named by its
 * absolute path. Every path and flag goes into them as one single-quoted
 * shell word (pt_shell_quote), #SBATCH values too (sbatch 22.05 reads
 * single quotes, '\'' and # as a shell does); values sbatch or a script
 * cannot carry are refused (pt_slurm_check_study). Used by regime, pretrain and multitask (--slurm), and by
 * any verb that can run one task of a list (--task-index I). */
#ifndef PT_STUDY_SLURM_H
#define PT_STUDY_SLURM_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "study/study.h"

typedef struct {
    const char *partition, *account, *time; /* NULL: the cluster's default */
    int gpus_per_task, cpus_per_task;       /* 0: not asked */
    const char *const *sbatch_args;         /* more #SBATCH lines, e.g. "--qos=high" */
    int nsbatch_args;
} pt_slurm_options;

typedef struct {
    const char *exe;                     /* absolute path of powertrain (NULL: /proc/self/exe) */
    const char *db;                      /* the study's store (absolute or relative to the cwd) */
    int64_t study_id;                    /* the study the shards merge into */
    const char *name;                    /* the verb, for job names: "regime" */
    const char *const *argv;             /* the task command after the binary: VERB FLAGS... */
    int argc;
    const pt_study_task *tasks;          /* every task of the study: the array index is the position */
    int ntasks;
    const char *const *phases;           /* the runs of one task, by phase */
    int nphases;
    /* the study's identity (for finding a shard's study) */
    const char *kind, *dataset, *preset, *config_json;
} pt_slurm_study;

/* 0 when the options can go into #SBATCH lines, else -1 with err naming the
 * flag (an sbatch argument with a control character, a partition with a blank). */
int pt_slurm_check_options(const pt_slurm_options *o, char *err, size_t errlen);
/* 0 when the study's values can go into the scripts, else -1 with a one-line
 * err naming the flag: --db, the working directory, the binary and the tasks'
 * flags hold no control character (byte < 0x20 or 0x7f: a newline would start
 * a new script line), and --db and the working directory (#SBATCH --output
 * and --chdir) no backslash, which sbatch reads as an escape even inside
 * quotes. Every value is written quoted (pt_shell_quote). */
int pt_slurm_check_study(const pt_slurm_study *js, char *err, size_t errlen);
/* 1 when sbatch is on PATH. */
int pt_slurm_available(void);

/* DB.slurm/study<ID> for the study (absolute). */
void pt_slurm_dir(const pt_slurm_study *js, char *out, size_t n);

/* Which tasks still have to run: sel[i] = 1 when some run of task i is
 * neither finished (done, not_reached, diverged) in the target study nor in
 * the task's shard. target may be NULL (no store yet). Returns the number
 * selected, or -1 with err. */
int pt_slurm_pending(const pt_slurm_study *js, pt_store *target, int *sel, char *err, size_t errlen);

/* When the latest submission's array job (DIR/jobs) is still queued or
 * running (squeue), its id; else 0. */
long pt_slurm_active_array(const pt_slurm_study *js);

enum { PT_SLURM_WRITE = 0, PT_SLURM_DRY_RUN, PT_SLURM_SUBMIT };

/* The scripts for the tasks with sel[i] (NULL: all). PT_SLURM_DRY_RUN prints
 * them and the sbatch commands to out and writes nothing; PT_SLURM_WRITE
 * writes them and prints how to submit; PT_SLURM_SUBMIT writes them, submits
 * the array and the merge job (sbatch --parsable, --dependency=afterany) and
 * prints "array ID" and "merge ID" lines to out. 0, or -1 with err (2 for
 * bad options, e.g. an sbatch argument with a newline; 3 when the array was
 * submitted but the merge job was not: err says how to merge by hand).
 * The printed submit commands and that err quote their paths as shell words. */
int pt_slurm_run(const pt_slurm_study *js, const int *sel, const pt_slurm_options *o, int mode, FILE *out,
                 char *err, size_t errlen);

#endif
