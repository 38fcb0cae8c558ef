/* exec_run.h -- one run of a study around a user's trainer (`--exec`): the
 * command of one setup run in its own process group, its epochs (output
 * lines or marks, exec.h) cut into meter windows and stored as a built-in
 * run's are, the study's stopping rule applied by ending the group.
 *
 * Ends: the stopping rule's done / not_reached / diverged (the group gets
 * SIGTERM, SIGKILL after --grace); the command exiting 0 on its own: done
 * when the target was reached, else not_reached (failed when it reported no
 * epoch); exiting non-zero or by a signal on its own: failed, with its exit
 * status and last output lines as the reason; an epoch without an accuracy:
 * failed at once; the search's watch: stopped. Energy is billed until no
 * process of the group is left. */
#ifndef PT_STUDY_EXEC_RUN_H
#define PT_STUDY_EXEC_RUN_H

#include "study/study.h"

typedef struct {
    int64_t run_id; /* claimed (pt_store_run_claim); its stored epochs are dropped: a command restarts */
    int setup, batch_size, repeat;
    double lr;
    pt_run_watch watch; /* tune's search, or NULL */
    void *watch_ctx;
} pt_exec_job;

/* Runs the job's command to its end and stores it (finished, or still
 * running when interrupted). 0 with res filled (any status), or -1 with
 * terr when it could not start (the caller stores it as failed). */
int pt_exec_run(pt_study *s, const pt_exec_job *job, pt_train_result *res, char *terr, size_t tlen);

#endif
