/* train.c -- one training run: the epoch loop (training pass + validation pass
 * in one meter window), losses and accuracy per task, the stopping rule,
 * progress lines, and each epoch committed to the store. */
#include "study/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/batcher.h"
#include "util/clock.h"
#include "util/str.h"

const char *pt_task_name(pt_task t) {
    switch (t) {
    case PT_TASK_CLASSIFY: return "classify";
    case PT_TASK_MULTILABEL: return "multilabel";
    case PT_TASK_MULTITASK: return "multitask";
    case PT_TASK_RECONSTRUCT: return "reconstruct";
    }
    return "?";
}

/* Correct predictions over predictions, per head. */
typedef struct {
    long c[2], t[2];
    float *host; /* n x k scratch for multi-label outputs */
} acc_counts;

static double acc_value(pt_task task, const acc_counts *a) {
    double a0 = a->t[0] ? (double)a->c[0] / (double)a->t[0] : NAN;
    double a1 = a->t[1] ? (double)a->c[1] / (double)a->t[1] : NAN;
    switch (task) {
    case PT_TASK_CLASSIFY:
    case PT_TASK_MULTILABEL: return a0;
    case PT_TASK_MULTITASK: return a0 < a1 ? a0 : a1;
    case PT_TASK_RECONSTRUCT: return NAN;
    }
    return NAN;
}

/* correct bits of a multi-label head: (logit > 0) == (target > 0.5) */
static void count_bits(pt_net *net, int head, const float *targets, int n, acc_counts *a, int slot) {
    size_t k = pt_net_head_size(net, head);
    if (pt_net_output_read(net, head, a->host, n) != 0) return;
    for (size_t i = 0; i < (size_t)n * k; i++) a->c[slot] += (a->host[i] > 0) == (targets[i] > 0.5f);
    a->t[slot] += (long)((size_t)n * k);
}

/* Forward (train or eval), loss with gradients set in train mode, counts.
   Returns the batch's mean loss. */
static double batch_step(pt_net *net, pt_task task, float alpha, const pt_batch *b, int train, acc_counts *a) {
    int n = (int)b->n;
    if (pt_net_forward(net, b->x, n, train) != 0) return NAN;
    double loss = NAN;
    switch (task) {
    case PT_TASK_CLASSIFY:
        loss = pt_net_loss_xent(net, 0, b->label, n, 1.0f);
        a->c[0] += pt_net_correct(net, 0, b->label, n);
        a->t[0] += n;
        break;
    case PT_TASK_MULTILABEL:
        loss = pt_net_loss_bce(net, 0, b->targets, n, 1.0f);
        count_bits(net, 0, b->targets, n, a, 0);
        break;
    case PT_TASK_MULTITASK: {
        double la = pt_net_loss_bce(net, 0, b->targets, n, alpha);
        double li = pt_net_loss_xent(net, 1, b->label, n, 1.0f - alpha);
        loss = alpha * la + (1.0 - alpha) * li;
        count_bits(net, 0, b->targets, n, a, 0);
        a->c[1] += pt_net_correct(net, 1, b->label, n);
        a->t[1] += n;
        break;
    }
    case PT_TASK_RECONSTRUCT: loss = pt_net_loss_mse(net, 0, NULL, n, 1.0f); break;
    }
    return loss;
}

int pt_train_evaluate(pt_net *net, pt_task task, float alpha, const pt_dataset *ds, double *loss, double *acc,
                      char *err, size_t errlen) {
    pt_batcher_config bc;
    pt_batcher_config_init(&bc);
    bc.batch_size = pt_net_batch(net);
    bc.shuffle = 0;
    bc.prefetch = 1;
    pt_batcher *b = pt_batcher_open(ds, &bc, err, errlen);
    if (!b) return -1;
    acc_counts a;
    memset(&a, 0, sizeof a);
    a.host = malloc((size_t)pt_net_batch(net) * pt_net_head_size(net, 0) * sizeof(float));
    if (!a.host) {
        pt_batcher_close(b);
        pt_say(err, errlen, "out of memory");
        return -1;
    }
    pt_batcher_begin_epoch(b, 0);
    pt_batch bt;
    double sum = 0;
    long n = 0;
    while (pt_batcher_next(b, &bt) == 1) {
        double l = batch_step(net, task, alpha, &bt, 0, &a);
        sum += l * (double)bt.n;
        n += (long)bt.n;
    }
    pt_batcher_close(b);
    free(a.host);
    *loss = n ? sum / (double)n : NAN;
    *acc = acc_value(task, &a);
    return 0;
}

/* The epoch window's energy into a store row (components into comp[]). */
static void epoch_energy(pt_meter *m, int win, pt_epoch_row *row, pt_epoch_component *comp, int maxcomp,
                         pt_meter_method *method) {
    row->energy_j = 0;
    row->eq1_j = NAN;
    row->counter_j = NAN;
    row->ncomponents = 0;
    *method = PT_METHOD_ESTIMATED;
    if (!m || win < 0) return;
    pt_meter_window w;
    if (pt_meter_window_read(m, win, &w) != 0) return;
    row->energy_j = w.energy_j;
    *method = w.method;
    double eq1 = 0, counter = 0;
    int have_counter = 0, nc = pt_meter_component_count(m);
    for (int k = 0; k < nc && row->ncomponents < maxcomp; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, win, k, &e);
        pt_epoch_component *pc = &comp[row->ncomponents++];
        memset(pc, 0, sizeof *pc);
        pt_strlcpy(pc->name, c.name, sizeof pc->name);
        pt_strlcpy(pc->source, c.source, sizeof pc->source);
        pt_strlcpy(pc->method, pt_meter_method_name(e.method), sizeof pc->method);
        pc->energy_j = e.energy_j;
        pc->counter_j = e.counter_j;
        pc->eq1_j = e.eq1_j;
        pc->mean_w = e.mean_w;
        pc->peak_w = e.peak_w;
        pc->samples = e.samples;
        pc->degraded = e.degraded;
        if (!c.billed) continue;
        if (isfinite(e.eq1_j)) eq1 += e.eq1_j;
        if (isfinite(e.counter_j)) {
            counter += e.counter_j;
            have_counter = 1;
        }
    }
    row->eq1_j = eq1;
    row->counter_j = have_counter ? counter : NAN;
}

static void live_line(const pt_train_config *cfg, int epoch, long batch, long nbatches, double loss, double t0,
                      int win, double energy_before) {
    double now = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
    double e = energy_before;
    double w_now = NAN;
    if (cfg->meter && win >= 0) {
        pt_meter_window w;
        if (pt_meter_window_read(cfg->meter, win, &w) == 0) {
            e += w.energy_j;
            if (w.end_s > w.start_s) w_now = w.energy_j / (w.end_s - w.start_s);
        }
    }
    fprintf(stderr, "\r\033[K%s epoch %d batch %ld/%ld loss %.4f  %.0f W  %.4f Wh  %.0f s", cfg->label ? cfg->label : "",
            epoch, batch, nbatches, loss, w_now, e / 3600.0, now - t0);
    fflush(stderr);
}

int pt_train_run(const pt_train_config *cfg, pt_train_result *res, char *err, size_t errlen) {
    memset(res, 0, sizeof *res);
    res->status = PT_RUN_FAILED;
    res->best_val_acc = res->best_val_loss = res->energy_to_target_j = NAN;
    res->method = PT_METHOD_COUNTER;
    pt_net *net = cfg->net;
    int bs = pt_net_batch(net);
    if (cfg->train->n < bs) {
        pt_say(err, errlen, "batch size %d exceeds the %lld training samples", bs, (long long)cfg->train->n);
        return -1;
    }
    if ((cfg->task == PT_TASK_CLASSIFY || cfg->task == PT_TASK_MULTITASK) && !cfg->train->label) {
        pt_say(err, errlen, "%s: the data set has no class labels", pt_task_name(cfg->task));
        return -1;
    }
    if ((cfg->task == PT_TASK_MULTILABEL || cfg->task == PT_TASK_MULTITASK) && !cfg->train->targets) {
        pt_say(err, errlen, "%s: the data set has no multi-label targets", pt_task_name(cfg->task));
        return -1;
    }
    pt_optim *opt = pt_optim_create(net, &cfg->optim, err, errlen);
    if (!opt) return -1;
    pt_batcher_config bc;
    pt_batcher_config_init(&bc);
    bc.batch_size = bs;
    bc.seed = cfg->seed;
    bc.drop_last = 1;
    pt_batcher *b = pt_batcher_open(cfg->train, &bc, err, errlen);
    if (!b) {
        pt_optim_free(opt);
        return -1;
    }
    int maxcomp = cfg->meter ? pt_meter_component_count(cfg->meter) : 0;
    pt_epoch_component *comp = calloc((size_t)(maxcomp > 0 ? maxcomp : 1), sizeof *comp);
    acc_counts a;
    memset(&a, 0, sizeof a);
    a.host = malloc((size_t)bs * pt_net_head_size(net, 0) * sizeof(float));
    if (!comp || !a.host) {
        pt_say(err, errlen, "out of memory");
        free(comp);
        free(a.host);
        pt_batcher_close(b);
        pt_optim_free(opt);
        return -1;
    }
    pt_stopper stop;
    pt_stop_init(&stop, &cfg->stop);
    /* for the watch: accuracy and energy per finished epoch */
    double *hist = cfg->watch ? malloc(2 * (size_t)(cfg->stop.max_epochs > 0 ? cfg->stop.max_epochs : 1) * sizeof *hist)
                              : NULL;
    if (cfg->watch && !hist) {
        pt_say(err, errlen, "out of memory");
        free(comp);
        free(a.host);
        pt_batcher_close(b);
        pt_optim_free(opt);
        return -1;
    }
    pt_run_progress wp;
    memset(&wp, 0, sizeof wp);
    wp.target_energy_j = wp.target_seconds = NAN;
    wp.val_acc = hist;
    wp.epoch_j = hist ? hist + (cfg->stop.max_epochs > 0 ? cfg->stop.max_epochs : 1) : NULL;
    int watched = 0;          /* the watch asked to stop */
    double seconds_done = 0;  /* whole epochs' seconds */
    res->seconds_to_target = NAN;
    double t0 = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
    long nbatches = (long)pt_batcher_batches(b);
    int interrupted = 0;
    char serr[512];
    int store_failed = 0;

    for (int epoch = 1; !stop.finished; epoch++) {
        char label[48];
        snprintf(label, sizeof label, "epoch %d", epoch);
        int win = cfg->meter ? pt_meter_window_begin(cfg->meter, label) : -1;
        double e0 = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
        double last_live = e0, last_watch = e0;
        /* training pass */
        memset(a.c, 0, sizeof a.c);
        memset(a.t, 0, sizeof a.t);
        pt_batcher_begin_epoch(b, epoch - 1);
        pt_batch bt;
        double loss_sum = 0;
        long nb = 0;
        int bad_loss = 0;
        while (pt_batcher_next(b, &bt) == 1) {
            double l = batch_step(net, cfg->task, cfg->alpha, &bt, 1, &a);
            loss_sum += l;
            nb++;
            if (!isfinite(l)) {
                bad_loss = 1;
                break;
            }
            pt_net_zero_grad(net);
            pt_net_backward(net);
            pt_optim_step(opt);
            if (cfg->interrupt && *cfg->interrupt) {
                interrupted = 1;
                break;
            }
            if (cfg->watch) {
                double now = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
                if (now - last_watch >= 0.05) {
                    last_watch = now;
                    double in_flight = 0;
                    pt_meter_window w;
                    if (cfg->meter && win >= 0 && pt_meter_window_read(cfg->meter, win, &w) == 0) in_flight = w.energy_j;
                    wp.epoch = epoch;
                    wp.finished_epoch = 0;
                    wp.energy_j = stop.energy_j + in_flight;
                    wp.seconds = seconds_done + (now - e0);
                    if (cfg->watch(cfg->watch_ctx, &wp)) {
                        watched = 1;
                        break;
                    }
                }
            }
            if (cfg->progress >= 2) {
                double now = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
                if (now - last_live > 0.5) {
                    live_line(cfg, epoch, nb, nbatches, loss_sum / nb, t0, win, stop.energy_j);
                    last_live = now;
                }
            }
        }
        double train_loss = nb ? loss_sum / (double)nb : NAN;
        double val_loss = NAN, val_acc = NAN;
        if (!bad_loss && !interrupted && !watched &&
            pt_train_evaluate(net, cfg->task, cfg->alpha, cfg->val, &val_loss, &val_acc, err, errlen) != 0) {
            interrupted = 1; /* cannot evaluate: stop as failed */
            pt_strlcpy(res->reason, err, sizeof res->reason);
        }
        if (win >= 0) pt_meter_window_end(cfg->meter, win);
        double seconds = (cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now()) - e0;
        pt_epoch_row row;
        memset(&row, 0, sizeof row);
        pt_meter_method m;
        epoch_energy(cfg->meter, win, &row, comp, maxcomp, &m);
        if (interrupted || watched) {
            /* the epoch in flight is not a whole epoch: its energy counts, its row is not kept */
            stop.energy_j += row.energy_j;
            if (!res->reason[0])
                pt_strlcpy(res->reason, watched ? "stopped by the search" : "interrupted", sizeof res->reason);
            break;
        }
        row.epoch = epoch;
        row.seconds = seconds;
        row.train_loss = train_loss;
        row.val_loss = val_loss;
        row.val_acc = val_acc;
        row.method = pt_meter_method_name(m);
        row.components = comp;
        if (m > res->method) res->method = m;
        if (cfg->store && pt_store_epoch_add(cfg->store, cfg->run_id, &row, serr, sizeof serr) != 0) {
            pt_strlcpy(res->reason, serr, sizeof res->reason);
            store_failed = 1;
            stop.energy_j += row.energy_j;
            break;
        }
        pt_stop_update(&stop, train_loss, val_loss, val_acc, row.energy_j);
        seconds_done += seconds;
        if (stop.target_epoch == epoch) res->seconds_to_target = seconds_done;
        if (cfg->progress >= 1) {
            if (cfg->progress >= 2) fputs("\r\033[K", stderr);
            fprintf(stderr, "%s%sepoch %d: train loss %.4f, val loss %.4f, val acc %.4f, %.1f s, %.1f J (%s)%s%s\n",
                    cfg->label ? cfg->label : "", cfg->label ? ": " : "", epoch, train_loss, val_loss, val_acc,
                    seconds, row.energy_j, row.method, stop.finished ? " -> " : "",
                    stop.finished ? pt_run_status_name(stop.status) : "");
        }
        if (cfg->watch && !stop.finished) {
            int cap = cfg->stop.max_epochs > 0 ? cfg->stop.max_epochs : 1;
            if (epoch <= cap) {
                hist[epoch - 1] = val_acc;
                hist[cap + epoch - 1] = row.energy_j;
            }
            wp.nacc = epoch < cap ? epoch : cap;
            wp.epoch = epoch;
            wp.finished_epoch = 1;
            wp.energy_j = stop.energy_j;
            wp.seconds = seconds_done;
            wp.target_energy_j = stop.energy_to_target_j;
            wp.target_seconds = res->seconds_to_target;
            if (cfg->watch(cfg->watch_ctx, &wp)) {
                watched = 1;
                pt_strlcpy(res->reason, "stopped by the search", sizeof res->reason);
                break;
            }
        }
    }
    res->epochs = stop.epoch;
    res->best_val_acc = stop.best_val_acc;
    res->best_val_loss = stop.best_val_loss;
    res->energy_j = stop.energy_j;
    res->energy_to_target_j = stop.energy_to_target_j;
    res->seconds = (cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now()) - t0;
    if (watched && !interrupted && !store_failed) {
        res->status = PT_RUN_STOPPED;
    } else if (stop.finished && !interrupted && !store_failed) {
        res->status = stop.status;
        pt_strlcpy(res->reason, stop.reason, sizeof res->reason);
    } else {
        res->status = PT_RUN_FAILED;
    }
    if (!cfg->meter) res->method = PT_METHOD_ESTIMATED;
    /* an interrupted run stays 'running' in the store, so --resume restarts it */
    if (cfg->store && !store_failed && !interrupted) {
        pt_run_result rr = {res->status, res->epochs, res->best_val_acc, res->best_val_loss, res->energy_j,
                            res->energy_to_target_j, pt_meter_method_name(res->method)};
        if (pt_store_run_finish(cfg->store, cfg->run_id, &rr, serr, sizeof serr) != 0) {
            pt_say(err, errlen, "%s", serr);
            res->status = PT_RUN_FAILED;
        }
    }
    free(hist);
    free(comp);
    free(a.host);
    pt_batcher_close(b);
    pt_optim_free(opt);
    return 0;
}

int pt_train_probe(const pt_train_config *cfg, long min_steps, double min_seconds, long *steps, double *energy_j,
                   double *seconds, pt_meter_method *method, char *err, size_t errlen) {
    *steps = 0;
    *energy_j = *seconds = 0;
    *method = PT_METHOD_ESTIMATED;
    pt_net *net = cfg->net;
    int bs = pt_net_batch(net);
    if (cfg->train->n < bs) {
        pt_say(err, errlen, "batch size %d exceeds the %lld training samples", bs, (long long)cfg->train->n);
        return -1;
    }
    pt_optim *opt = pt_optim_create(net, &cfg->optim, err, errlen);
    if (!opt) return -1;
    pt_batcher_config bc;
    pt_batcher_config_init(&bc);
    bc.batch_size = bs;
    bc.seed = cfg->seed;
    bc.drop_last = 1;
    pt_batcher *b = pt_batcher_open(cfg->train, &bc, err, errlen);
    acc_counts a;
    memset(&a, 0, sizeof a);
    a.host = malloc((size_t)bs * pt_net_head_size(net, 0) * sizeof(float));
    if (!b || !a.host) {
        if (b) pt_say(err, errlen, "out of memory");
        free(a.host);
        if (b) pt_batcher_close(b);
        pt_optim_free(opt);
        return -1;
    }
    int win = cfg->meter ? pt_meter_window_begin(cfg->meter, "probe") : -1;
    double t0 = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now(), now = t0;
    int epoch = 0, stop = 0;
    while (!stop) {
        pt_batcher_begin_epoch(b, epoch++);
        pt_batch bt;
        int any = 0;
        while (pt_batcher_next(b, &bt) == 1) {
            any = 1;
            batch_step(net, cfg->task, cfg->alpha, &bt, 1, &a);
            pt_net_zero_grad(net);
            pt_net_backward(net);
            pt_optim_step(opt);
            ++*steps;
            now = cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now();
            if ((*steps >= min_steps && now - t0 >= min_seconds) || *steps >= 10 * min_steps ||
                (cfg->interrupt && *cfg->interrupt)) {
                stop = 1;
                break;
            }
        }
        if (!any) break;
    }
    if (win >= 0) {
        pt_meter_window_end(cfg->meter, win);
        pt_meter_window w;
        if (pt_meter_window_read(cfg->meter, win, &w) == 0) {
            *energy_j = w.energy_j;
            *method = w.method;
        }
    }
    *seconds = (cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now()) - t0;
    free(a.host);
    pt_batcher_close(b);
    pt_optim_free(opt);
    return 0;
}
