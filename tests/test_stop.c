/* test_stop.c -- the stopping rule on scripted sequences (arming, patience,
 * the cap, divergence, loss mode) and Equation (2)'s break-even. */
#include <math.h>

#include "study/stop.h"
#include "test.h"

/* Feeds accuracies (loss 1.0, energy 10 J per epoch) until the rule stops;
   returns the number of epochs run. */
static int feed(pt_stopper *s, const double *acc, int n) {
    for (int i = 0; i < n; i++)
        if (pt_stop_update(s, 1.0, 1.0, acc[i], 10.0)) return i + 1;
    return n;
}

static pt_stop_config cfg_acc(int patience, int cap) {
    pt_stop_config c;
    pt_stop_config_default(&c);
    c.patience = patience;
    c.max_epochs = cap;
    return c;
}

int main(void) {
    pt_stopper s;
    pt_stop_config c = cfg_acc(3, 100);

    /* never armed below the threshold: improvements do not matter, the cap ends it */
    pt_stop_config cap5 = cfg_acc(2, 5);
    pt_stop_init(&s, &cap5);
    double low[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    CHECK(feed(&s, low, 6) == 5);
    CHECK(s.status == PT_RUN_NOT_REACHED);
    CHECK(s.target_epoch == 0);
    CHECK(isnan(s.energy_to_target_j));
    CHECK_NEAR(s.energy_j, 50.0, 0, 1e-12);

    /* arms at epoch 3 (0.8 >= 0.8), best 0.85 at epoch 4, stops 3 epochs later */
    pt_stop_init(&s, &c);
    double seq[] = {0.5, 0.7, 0.8, 0.85, 0.84, 0.85, 0.83, 0.9, 0.9};
    CHECK(feed(&s, seq, 9) == 7);
    CHECK(s.status == PT_RUN_DONE);
    CHECK(s.target_epoch == 3);
    CHECK_NEAR(s.energy_to_target_j, 30.0, 0, 1e-12);
    CHECK_NEAR(s.energy_j, 70.0, 0, 1e-12);
    CHECK(s.best_epoch == 4);
    CHECK_NEAR(s.best_val_acc, 0.85, 0, 1e-12);
    CHECK(pt_stop_update(&s, 1, 1, 0.99, 10) == 1); /* finished stays finished */
    CHECK(s.epoch == 7);

    /* improvements before arming reset patience but do not stop anything */
    pt_stop_init(&s, &c);
    double slow[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.81, 0.81, 0.81, 0.81};
    CHECK(feed(&s, slow, 10) == 10);
    CHECK(s.status == PT_RUN_DONE);
    CHECK(s.target_epoch == 7);

    /* armed, then the cap: done, not not_reached */
    pt_stop_config cap4 = cfg_acc(10, 4);
    pt_stop_init(&s, &cap4);
    double up[] = {0.9, 0.91, 0.92, 0.93};
    CHECK(feed(&s, up, 4) == 4);
    CHECK(s.status == PT_RUN_DONE);
    CHECK(s.target_epoch == 1);

    /* divergence: NaN at once, and loss over 10x the first epoch's */
    pt_stop_init(&s, &c);
    CHECK(pt_stop_update(&s, 2.0, 2.0, 0.3, 5) == 0);
    CHECK(pt_stop_update(&s, NAN, 2.0, 0.3, 5) == 1);
    CHECK(s.status == PT_RUN_DIVERGED);
    CHECK_NEAR(s.energy_j, 10.0, 0, 1e-12); /* its energy is kept */
    pt_stop_init(&s, &c);
    CHECK(pt_stop_update(&s, 2.0, 2.0, 0.3, 5) == 0);
    CHECK(pt_stop_update(&s, 19.9, 2.0, 0.3, 5) == 0);
    CHECK(pt_stop_update(&s, 20.1, 2.0, 0.3, 5) == 1);
    CHECK(s.status == PT_RUN_DIVERGED);
    CHECK_CONTAINS(s.reason, "10x");
    pt_stop_init(&s, &c);
    CHECK(pt_stop_update(&s, INFINITY, 2.0, 0.3, 5) == 1);
    CHECK(s.status == PT_RUN_DIVERGED);

    /* the factor is configurable: 3x stops at 6.1 after a first 2.0 */
    pt_stop_config c3 = c;
    c3.diverge_factor = 3;
    pt_stop_init(&s, &c3);
    CHECK(pt_stop_update(&s, 2.0, 2.0, 0.3, 5) == 0);
    CHECK(pt_stop_update(&s, 5.9, 2.0, 0.3, 5) == 0);
    CHECK(pt_stop_update(&s, 6.1, 2.0, 0.3, 5) == 1);
    CHECK(s.status == PT_RUN_DIVERGED);
    CHECK_CONTAINS(s.reason, "3x");

    /* stuck at chance (10 classes): 5 epochs within 0.05 of 0.1 -> not_reached */
    pt_stop_config ch = cfg_acc(3, 100);
    ch.chance = 0.1;
    pt_stop_init(&s, &ch);
    double stuck[] = {0.1, 0.12, 0.09, 0.148, 0.1, 0.1, 0.1};
    CHECK(feed(&s, stuck, 7) == 5);
    CHECK(s.status == PT_RUN_NOT_REACHED);
    CHECK_CONTAINS(s.reason, "stuck at chance");
    CHECK_NEAR(s.energy_j, 50.0, 0, 1e-12);
    /* one epoch above chance + margin: not stuck, the cap ends it */
    pt_stop_config ch8 = ch;
    ch8.max_epochs = 8;
    pt_stop_init(&s, &ch8);
    double learning[] = {0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    CHECK(feed(&s, learning, 9) == 8);
    CHECK(s.status == PT_RUN_NOT_REACHED);
    CHECK_CONTAINS(s.reason, "epoch cap");
    /* armed before chance_epochs: never stuck; chance 0 (off) or chance_epochs 0: never */
    pt_stop_init(&s, &ch);
    double quickly[] = {0.85, 0.1, 0.1, 0.1, 0.1, 0.1};
    CHECK(feed(&s, quickly, 6) == 4);
    CHECK(s.status == PT_RUN_DONE);
    pt_stop_config off = ch8;
    off.chance_epochs = 0;
    pt_stop_init(&s, &off);
    CHECK(feed(&s, stuck, 7) == 7 && !s.finished);

    /* loss mode (autoencoder): armed at once, patience on the validation loss */
    pt_stop_config lc = cfg_acc(2, 100);
    lc.mode = PT_STOP_LOSS;
    pt_stop_init(&s, &lc);
    double vl[] = {1.0, 0.8, 0.7, 0.75, 0.71, 0.6};
    int n = 0;
    for (int i = 0; i < 6; i++) {
        n++;
        if (pt_stop_update(&s, 1.0, vl[i], NAN, 1.0)) break;
    }
    CHECK(n == 5);
    CHECK(s.status == PT_RUN_DONE);
    CHECK(s.best_epoch == 3);
    CHECK_NEAR(s.best_val_loss, 0.7, 0, 1e-12);

    /* Equation (2) */
    CHECK_NEAR(pt_break_even(100, 30, 20), 10.0, 1e-12, 0);
    CHECK(isinf(pt_break_even(100, 20, 20)));
    CHECK(isinf(pt_break_even(100, 10, 20)));
    CHECK(pt_break_even(0, 30, 20) == 0);
    CHECK(isinf(pt_break_even(5, NAN, 1)));
    return pt_test_finish("test_stop");
}
