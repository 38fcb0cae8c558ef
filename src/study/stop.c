/* stop.c -- the stopping rule of a training run (threshold early stopping,
 * loss-monitored early stopping, divergence, the cap) and Equation (2). */
#include "study/stop.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void pt_stop_config_default(pt_stop_config *c) {
    memset(c, 0, sizeof *c);
    c->mode = PT_STOP_ACCURACY;
    c->threshold = 0.8;
    c->patience = 40;
    c->max_epochs = 1000;
    c->diverge_factor = 10.0;
    c->chance_epochs = 5;
    c->chance_margin = 0.05;
}

void pt_stop_init(pt_stopper *s, const pt_stop_config *cfg) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->best_val_acc = NAN;
    s->best_val_loss = NAN;
    s->first_train_loss = NAN;
    s->energy_to_target_j = NAN;
    s->status = PT_RUN_RUNNING;
    if (cfg->mode == PT_STOP_LOSS) s->armed = 1;
}

static int finish(pt_stopper *s, pt_run_status st, const char *why) {
    s->finished = 1;
    s->status = st;
    snprintf(s->reason, sizeof s->reason, "%s", why);
    return 1;
}

int pt_stop_update(pt_stopper *s, double train_loss, double val_loss, double val_acc, double energy_j) {
    if (s->finished) return 1;
    s->epoch++;
    if (isfinite(energy_j)) s->energy_j += energy_j;
    if (s->epoch == 1) s->first_train_loss = train_loss;
    /* divergence first: a NaN/Inf or exploding loss stops at once */
    if (!isfinite(train_loss) || (s->cfg.mode == PT_STOP_LOSS && !isfinite(val_loss)))
        return finish(s, PT_RUN_DIVERGED, "loss is not finite");
    if (s->epoch > 1 && isfinite(s->first_train_loss) && s->first_train_loss > 0 &&
        train_loss > s->cfg.diverge_factor * s->first_train_loss) {
        char why[128];
        snprintf(why, sizeof why, "loss %.3g exceeds %gx the first epoch's %.3g", train_loss, s->cfg.diverge_factor,
                 s->first_train_loss);
        return finish(s, PT_RUN_DIVERGED, why);
    }
    int improved = 0;
    if (s->cfg.mode == PT_STOP_ACCURACY) {
        if (!s->armed && val_acc >= s->cfg.threshold) {
            s->armed = 1;
            s->target_epoch = s->epoch;
            s->energy_to_target_j = s->energy_j;
        }
        if (s->best_epoch == 0 || val_acc > s->best_val_acc + s->cfg.min_delta) improved = 1;
    } else {
        if (s->best_epoch == 0 || val_loss < s->best_val_loss - s->cfg.min_delta) improved = 1;
    }
    if (improved) {
        s->best_epoch = s->epoch;
        s->best_val_acc = val_acc;
        s->best_val_loss = val_loss;
        s->since_best = 0;
    } else {
        s->since_best++;
    }
    if (s->armed && s->since_best >= s->cfg.patience) {
        char why[128];
        snprintf(why, sizeof why, "%d epochs without improvement", s->since_best);
        return finish(s, PT_RUN_DONE, why);
    }
    if (!s->armed && s->cfg.mode == PT_STOP_ACCURACY && s->cfg.chance > 0 && s->cfg.chance_epochs > 0 &&
        s->epoch >= s->cfg.chance_epochs && !(s->best_val_acc > s->cfg.chance + s->cfg.chance_margin)) {
        char why[128];
        snprintf(why, sizeof why, "stuck at chance (best val acc %.3f after %d epochs, chance %.3f)",
                 s->best_val_acc, s->epoch, s->cfg.chance);
        return finish(s, PT_RUN_NOT_REACHED, why);
    }
    if (s->epoch >= s->cfg.max_epochs) {
        if (s->armed) return finish(s, PT_RUN_DONE, "epoch cap reached after the target");
        return finish(s, PT_RUN_NOT_REACHED, "epoch cap reached below the threshold");
    }
    return 0;
}

double pt_break_even(double e_enc, double e_enc_class, double e_class) {
    double den = e_enc_class - e_class;
    if (!(den > 0)) return INFINITY;
    return e_enc / den;
}
