/* stop.h -- when a training run stops, and how it ended.
 *
 * Accuracy mode (the classifiers): threshold early stopping. The rule arms at
 * the first epoch whose validation accuracy reaches the threshold (that epoch
 * is the target epoch: energy-to-target is the energy through it), then stops
 * after `patience` epochs without a new best accuracy -> done. Hitting
 * max_epochs ends as done when armed, else not_reached.
 * Loss mode (autoencoder pretraining): armed from the first epoch; stops after
 * `patience` epochs without a new lowest validation loss -> done; the cap
 * also gives done.
 * Both: a NaN/Inf loss, or a training loss over diverge_factor x the first
 * epoch's, ends the run at once as diverged. Every status keeps its energy.
 * Accuracy mode with chance > 0 (1 / classes): a run that has not reached the
 * threshold and whose best validation accuracy after chance_epochs epochs is
 * still within chance_margin of chance ends as not_reached, "stuck at chance"
 * (an lr 0.1 run that sits at 10% never recovers; the cap would only burn
 * energy). Every end has a short reason (s->reason).
 */
#ifndef PT_STUDY_STOP_H
#define PT_STUDY_STOP_H

#include "store/store.h"

typedef enum { PT_STOP_ACCURACY = 0, PT_STOP_LOSS = 1 } pt_stop_mode;

typedef struct {
    pt_stop_mode mode;
    double threshold;      /* accuracy mode: arms at val_acc >= threshold (0.8) */
    int patience;          /* epochs without improvement after arming (40) */
    int max_epochs;        /* the cap (> 0) */
    double diverge_factor; /* train loss > factor x first epoch's -> diverged (10) */
    double min_delta;      /* an improvement must exceed this (0) */
    double chance;         /* accuracy of guessing (1 / classes); 0: no stuck-at-chance rule */
    int chance_epochs;     /* epochs before a run can be stuck at chance (5; 0: never) */
    double chance_margin;  /* stuck: best val acc <= chance + margin (0.05) */
} pt_stop_config;

typedef struct {
    pt_stop_config cfg;
    int epoch;           /* epochs seen */
    int armed;
    int target_epoch;    /* first epoch at the threshold, 0 = none */
    int best_epoch;      /* epoch of the best metric, 0 = none */
    double best_val_acc, best_val_loss; /* metrics of the best epoch */
    int since_best;
    double first_train_loss;
    double energy_j;           /* total so far */
    double energy_to_target_j; /* NAN until the target epoch */
    int finished;
    pt_run_status status;      /* valid once finished */
    char reason[128];          /* why it stopped, for the progress line */
} pt_stopper;

/* the paper's: accuracy, 0.8, 40, cap 1000, 10x; chance off (0), 5 epochs, margin 0.05 */
void pt_stop_config_default(pt_stop_config *c);
void pt_stop_init(pt_stopper *s, const pt_stop_config *cfg);
/* Feeds one finished epoch; returns 1 when the run stops now (s->status set). */
int pt_stop_update(pt_stopper *s, double train_loss, double val_loss, double val_acc, double energy_j);

/* Equation (2): cycles until pretraining pays back,
 * x = E_enc / (E_enc+class - E_class); INFINITY when the denominator is not
 * positive (the pretrained classifier never costs less per cycle). */
double pt_break_even(double e_enc, double e_enc_class, double e_class);

#endif
