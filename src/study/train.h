/* train.h -- one training run: epochs of training and validation, each
 * inside one meter window, the stopping rule, and every epoch stored.
 *
 * An epoch is the training pass (shuffled batches of exactly the planned batch
 * size, the short last batch dropped) plus the validation pass (eval mode, all
 * samples). Its energy is the meter window around both. The run's result is
 * its best epoch's metrics, its total energy and its energy to target.
 *
 * With a store, the run is this process's claim (store.h, "Claims"): its
 * heartbeat is refreshed every PT_TRAIN_HEARTBEAT_S seconds, and a run whose
 * claim another process took over stops at once, leaving the run to it. */
#ifndef PT_STUDY_TRAIN_H
#define PT_STUDY_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "powertrain/meter.h"
#include "store/store.h"
#include "study/stop.h"

#define PT_TRAIN_HEARTBEAT_S 5.0

typedef enum {
    PT_TASK_CLASSIFY = 0,   /* head 0: softmax cross-entropy on the class label */
    PT_TASK_MULTILABEL = 1, /* head 0: BCE on the {0,1} targets; accuracy = correct bits */
    PT_TASK_MULTITASK = 2,  /* head 0 BCE on targets (alpha), head 1 softmax on labels (1-alpha);
                               accuracy = the lower of the two */
    PT_TASK_RECONSTRUCT = 3 /* head 0: MSE against the input (an autoencoder); no accuracy */
} pt_task;

const char *pt_task_name(pt_task t);

/* What a run has done so far, handed to a watch (tune's search). */
typedef struct {
    int epoch;                 /* the epoch in flight (mid-epoch) or just finished */
    int finished_epoch;        /* 1: called after the epoch's row was stored; 0: after a batch */
    double energy_j, seconds;  /* so far, the epoch in flight included */
    double target_energy_j;    /* through the first epoch at the threshold; NAN until then */
    double target_seconds;     /* likewise, seconds */
    const double *val_acc;     /* per finished epoch (nacc of them) */
    const double *epoch_j;     /* energy per finished epoch */
    int nacc;
} pt_run_progress;

/* Returns nonzero to stop the run now: it ends as 'stopped' with what it cost
 * (a partial epoch's energy counts, its row is not kept). */
typedef int (*pt_run_watch)(void *ctx, const pt_run_progress *p);

typedef struct {
    pt_net *net;             /* planned (its batch size is the run's) and initialised */
    pt_task task;
    float alpha;             /* multitask weight of the attribute loss (0.5) */
    const pt_dataset *train; /* normalised views */
    const pt_dataset *val;
    pt_optim_config optim;
    pt_stop_config stop;
    uint64_t seed;           /* batch order */
    pt_meter *meter;         /* started; NULL: no energy (figures 0, method estimated) */
    pt_store *store;         /* NULL: not stored */
    int64_t run_id;          /* begun by the caller (pt_store_run_begin) */
    int progress;            /* 0 quiet, 1 a line per epoch, 2 also a live line (terminal) */
    const char *label;       /* prefix of progress lines, e.g. "setup 6 repeat 1" */
    volatile sig_atomic_t *interrupt; /* when set: stop after the batch in flight; the result is
                                         failed, the stored run stays running (resumable) and its
                                         claim is given back */
    const char *checkpoint;  /* NULL, or the run's training checkpoint (nn/resume.h): when the file is
                                there, the run continues after its epoch (the store's later epochs
                                dropped); it is rewritten after every stored epoch and removed when
                                the run ends. Without one a stored run restarts from epoch 1. */
    pt_run_watch watch;      /* NULL, or called after each batch (at most every 50 ms) and epoch */
    void *watch_ctx;
    double contamination;    /* an epoch where other processes used more than this share of
                                the machine's CPU is contaminated (said, stored); 0: 0.1 */
} pt_train_config;

typedef struct {
    pt_run_status status;
    int epochs;
    double best_val_acc, best_val_loss;
    double energy_j, energy_to_target_j; /* the job's energy (the machine's where the job's share is
                                            unknown, job_unknown): what studies decide on */
    double machine_energy_j, machine_energy_to_target_j; /* the whole machine's (every process's) */
    int job_unknown;        /* some epoch's job energy was unknown (no idle power) */
    int contaminated;       /* epochs where other processes used more than the contamination share */
    pt_meter_method method; /* weakest method over the epochs */
    double seconds;
    double seconds_to_target; /* through the first epoch at the threshold; NAN when never */
    char reason[160];       /* why it stopped */
    int resumed_epochs;     /* epochs continued from the checkpoint (0: from the start) */
    int claim_lost;         /* another process took over the run's claim: it is theirs now */
} pt_train_result;

/* Runs to the end. Returns 0 with res filled (any status, failed included,
 * after storing what was done), or -1 when it could not start (err). */
int pt_train_run(const pt_train_config *cfg, pt_train_result *res, char *err, size_t errlen);

/* The probe of tune's search: trains the configured run (net, task, data,
 * optimizer, seed) for at least min_steps steps and at least min_seconds
 * (at most 10 x min_steps), inside one meter window, and reports the steps,
 * their energy, seconds and method. Nothing is stored. 0, or -1 with err. */
int pt_train_probe(const pt_train_config *cfg, long min_steps, double min_seconds, long *steps, double *energy_j,
                   double *seconds, pt_meter_method *method, char *err, size_t errlen);

/* Window win's energy into a store row's energy_j, eq1_j, counter_j and
 * components (into comp[0..maxcomp), billed ones summed); *method the
 * window's. A NULL meter or win < 0: 0 J, estimated. */
void pt_train_epoch_energy(pt_meter *m, int win, pt_epoch_row *row, pt_epoch_component *comp, int maxcomp,
                           pt_meter_method *method);

/* Evaluates the net on a view in eval mode: mean loss and accuracy (NAN for
 * reconstruction). 0, or -1 (err). */
int pt_train_evaluate(pt_net *net, pt_task task, float alpha, const pt_dataset *ds, double *loss,
                      double *acc, char *err, size_t errlen);

#endif
