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
#include "nn/resume.h"
#include "store/read.h"
#include "study/study.h"
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

/* Component k's figures over window win into a store component. */
static void epoch_component(pt_meter *m, int win, int k, pt_epoch_component *pc, pt_meter_component *c,
                            pt_meter_energy *e) {
    pt_meter_component_info(m, k, c);
    pt_meter_window_component(m, win, k, e);
    memset(pc, 0, sizeof *pc);
    pt_strlcpy(pc->name, c->name, sizeof pc->name);
    pt_strlcpy(pc->source, c->source, sizeof pc->source);
    pt_strlcpy(pc->method, pt_meter_method_name(e->method), sizeof pc->method);
    pc->energy_j = e->energy_j;
    pc->counter_j = e->counter_j;
    pc->eq1_j = e->eq1_j;
    pc->mean_w = e->mean_w;
    pc->peak_w = e->peak_w;
    pc->samples = e->samples;
    pc->degraded = e->degraded;
    pc->job_j = e->job_j;
    pt_strlcpy(pc->attribution, pt_meter_attribution_name(e->attribution), sizeof pc->attribution);
}

/* The epoch window's energy into a store row (components into comp[]): the
   machine's (energy_j, the method's figure) and the job's share beside it. */
void pt_train_epoch_energy(pt_meter *m, int win, pt_epoch_row *row, pt_epoch_component *comp, int maxcomp,
                         pt_meter_method *method) {
    row->energy_j = 0;
    row->eq1_j = row->counter_j = row->job_j = row->other_cpu_share = NAN;
    row->attribution = "whole";
    row->ncomponents = 0;
    *method = PT_METHOD_ESTIMATED;
    if (!m || win < 0) return;
    pt_meter_window w;
    if (pt_meter_window_read(m, win, &w) != 0) return;
    row->energy_j = w.energy_j;
    row->job_j = w.job_j;
    row->other_cpu_share = w.other_cpu_share;
    row->attribution = pt_meter_attribution_name(w.attribution);
    *method = w.method;
    double eq1 = 0, counter = 0;
    int have_counter = 0, nc = pt_meter_component_count(m);
    for (int k = 0; k < nc && row->ncomponents < maxcomp; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        epoch_component(m, win, k, &comp[row->ncomponents++], &c, &e);
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

/* v with 4 decimals, or `none` where it is not finite: no nan in front of a person */
static const char *num4(char *buf, size_t n, double v, const char *none) {
    if (isfinite(v)) snprintf(buf, n, "%.4f", v);
    else snprintf(buf, n, "%s", none);
    return buf;
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
    char l[24], w[24];
    fprintf(stderr, "\r\033[K%s epoch %d batch %ld/%ld loss %s  %s W  %.4f Wh  %.0f s", cfg->label ? cfg->label : "",
            epoch, batch, nbatches, num4(l, sizeof l, loss, "not finite"), num4(w, sizeof w, w_now, "-"),
            e / 3600.0, now - t0);
    fflush(stderr);
}

/* A run in flight: what pt_train_run's steps share. */
typedef struct {
    pt_optim *opt;
    pt_batcher *b;
    pt_epoch_component *comp; /* [maxcomp] the epoch's components */
    int maxcomp;
    acc_counts a;
    pt_stopper stop;
    double *hist;             /* for the watch: [cap] accuracy, then [cap] energy per finished epoch */
    pt_run_progress wp;
    int watched;              /* the watch asked to stop */
    int interrupted;
    int store_failed;
    double seconds_done;      /* whole epochs' seconds */
    double t0;
    long nbatches;
    int first_epoch;          /* 1, or the epoch after the checkpoint's */
    double last_beat;         /* when the claim's heartbeat was last refreshed */
    int claim_lost;           /* another process took the run over */
    int ckpt_failed;          /* a checkpoint could not be written (said once) */
    double machine_j;         /* the machine's energy of the stored epochs */
    double machine_to_target; /* of them, through the first epoch at the threshold; NAN until then */
} train_state;

/* An epoch's line: losses, accuracy, seconds, the job's energy and the machine's. */
static void epoch_line(const pt_train_config *cfg, const train_state *st, const pt_epoch_row *row) {
    char en[96];
    if (!isfinite(row->job_j))
        snprintf(en, sizeof en, "%.1f J machine, the job's share unknown (no idle power)", row->energy_j);
    else if (row->job_j < row->energy_j)
        snprintf(en, sizeof en, "%.1f J job of %.1f J machine", row->job_j, row->energy_j);
    else
        snprintf(en, sizeof en, "%.1f J", row->energy_j);
    if (cfg->progress >= 2) fputs("\r\033[K", stderr);
    char tl[24], vl[24], va[24];
    fprintf(stderr, "%s%sepoch %d: train loss %s, val loss %s, val acc %s, %.1f s, %s (%s)%s%s\n",
            cfg->label ? cfg->label : "", cfg->label ? ": " : "", row->epoch,
            num4(tl, sizeof tl, row->train_loss, "not finite"), num4(vl, sizeof vl, row->val_loss, "not finite"),
            num4(va, sizeof va, row->val_acc, "-"), row->seconds, en, row->method, st->stop.finished ? " -> " : "",
            st->stop.finished ? pt_run_status_name(st->stop.status) : "");
}

/* The energy a run decides on: the job's, or the machine's where that is unknown. */
static double decision_j(const pt_epoch_row *row) { return isfinite(row->job_j) ? row->job_j : row->energy_j; }

/* Flags the epoch contaminated when other processes used more than the
   configured share of the machine's CPU (or a billed GPU), and says so once per epoch. */
static void epoch_contamination(const pt_train_config *cfg, train_state *st, pt_train_result *res, int epoch,
                                pt_epoch_row *row) {
    double limit = cfg->contamination > 0 ? cfg->contamination : 0.1;
    int gpu = row->attribution && !strcmp(row->attribution, "gpu-share");
    row->contaminated = (isfinite(row->other_cpu_share) && row->other_cpu_share > limit) || gpu;
    if (!isfinite(row->job_j)) res->job_unknown = 1;
    st->machine_j += row->energy_j;
    if (!row->contaminated) return;
    res->contaminated++;
    if (cfg->progress < 1) return;
    if (cfg->progress >= 2) fputs("\r\033[K", stderr);
    fprintf(stderr, "%s%sepoch %d: other processes used %.0f%% of the CPU%s; energy attributed by %s share\n",
            cfg->label ? cfg->label : "", cfg->label ? ": " : "", epoch, 100 * row->other_cpu_share,
            gpu ? " and a billed GPU" : "", gpu ? "GPU" : "CPU");
}

/* Waits for the backend's queued work (a GPU's kernels) before the meter
   stamps an edge, so each window holds its own work and not the next's. */
static void drain(const pt_train_config *cfg) {
    pt_backend *be = cfg->net ? pt_net_backend(cfg->net) : NULL;
    if (be && be->ops->synchronize) be->ops->synchronize(be);
}

static double now_s(const pt_train_config *cfg) { return cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now(); }

static int watch_cap(const pt_train_config *cfg) { return cfg->stop.max_epochs > 0 ? cfg->stop.max_epochs : 1; }

/* The batch size against the data, the labels the task needs: 0 or -1 (err). */
static int train_check(const pt_train_config *cfg, int bs, char *err, size_t errlen) {
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
    return 0;
}

static void train_close(train_state *st) {
    free(st->hist);
    free(st->comp);
    free(st->a.host);
    if (st->b) pt_batcher_close(st->b);
    if (st->opt) pt_optim_free(st->opt);
}

/* The optimiser, the batcher, the buffers, the stopper: 0 or -1 (err, nothing held). */
static int train_open(const pt_train_config *cfg, int bs, train_state *st, char *err, size_t errlen) {
    memset(st, 0, sizeof *st);
    st->machine_to_target = NAN;
    st->opt = pt_optim_create(cfg->net, &cfg->optim, err, errlen);
    if (!st->opt) return -1;
    pt_batcher_config bc;
    pt_batcher_config_init(&bc);
    bc.batch_size = bs;
    bc.seed = cfg->seed;
    bc.drop_last = 1;
    st->b = pt_batcher_open(cfg->train, &bc, err, errlen);
    if (!st->b) {
        train_close(st);
        return -1;
    }
    st->maxcomp = cfg->meter ? pt_meter_component_count(cfg->meter) : 0;
    st->comp = calloc((size_t)(st->maxcomp > 0 ? st->maxcomp : 1), sizeof *st->comp);
    st->a.host = malloc((size_t)bs * pt_net_head_size(cfg->net, 0) * sizeof(float));
    if (cfg->watch) st->hist = malloc(2 * (size_t)watch_cap(cfg) * sizeof *st->hist);
    if (!st->comp || !st->a.host || (cfg->watch && !st->hist)) {
        pt_say(err, errlen, "out of memory");
        train_close(st);
        return -1;
    }
    pt_stop_init(&st->stop, &cfg->stop);
    st->wp.target_energy_j = st->wp.target_seconds = NAN;
    st->wp.val_acc = st->hist;
    st->wp.epoch_j = st->hist ? st->hist + watch_cap(cfg) : NULL;
    st->t0 = now_s(cfg);
    st->nbatches = (long)pt_batcher_batches(st->b);
    return 0;
}

/* Mid-epoch (at most every 50 ms): the watch sees the energy so far; 1 when it stops the run. */
static int watch_in_flight(const pt_train_config *cfg, train_state *st, int epoch, int win, double e0,
                           double *last_watch) {
    double now = now_s(cfg);
    if (now - *last_watch < 0.05) return 0;
    *last_watch = now;
    double in_flight = 0;
    pt_meter_window w;
    if (cfg->meter && win >= 0 && pt_meter_window_read(cfg->meter, win, &w) == 0) in_flight = w.energy_j;
    st->wp.epoch = epoch;
    st->wp.finished_epoch = 0;
    st->wp.energy_j = st->stop.energy_j + in_flight;
    st->wp.seconds = st->seconds_done + (now - e0);
    return cfg->watch(cfg->watch_ctx, &st->wp) != 0;
}

/* At most every PT_TRAIN_HEARTBEAT_S: the claim's heartbeat. 1 when another
   process took the run over (it stops now, leaving the run to them). */
static int train_heartbeat(const pt_train_config *cfg, train_state *st) {
    if (!cfg->store) return 0;
    double now = pt_clock_now();
    if (now - st->last_beat < PT_TRAIN_HEARTBEAT_S) return 0;
    st->last_beat = now;
    char e[512];
    if (pt_store_run_heartbeat(cfg->store, cfg->run_id, e, sizeof e) != 0) return 0; /* still ours (1), or busy (-1) */
    st->claim_lost = st->interrupted = 1;
    return 1;
}

/* One pass over the training batches; stops early on a non-finite loss
   (*bad_loss), Ctrl-C or the watch. Returns the mean training loss. */
static double train_pass(const pt_train_config *cfg, train_state *st, int epoch, int win, double e0, int *bad_loss) {
    double last_live = e0, last_watch = e0;
    memset(st->a.c, 0, sizeof st->a.c);
    memset(st->a.t, 0, sizeof st->a.t);
    pt_batcher_begin_epoch(st->b, epoch - 1);
    pt_batch bt;
    double loss_sum = 0;
    long nb = 0;
    *bad_loss = 0;
    while (pt_batcher_next(st->b, &bt) == 1) {
        double l = batch_step(cfg->net, cfg->task, cfg->alpha, &bt, 1, &st->a);
        loss_sum += l;
        nb++;
        if (!isfinite(l)) {
            *bad_loss = 1;
            break;
        }
        pt_net_zero_grad(cfg->net);
        pt_net_backward(cfg->net);
        pt_optim_step(st->opt);
        if ((cfg->interrupt && *cfg->interrupt) || train_heartbeat(cfg, st)) {
            st->interrupted = 1;
            break;
        }
        if (cfg->watch && watch_in_flight(cfg, st, epoch, win, e0, &last_watch)) {
            st->watched = 1;
            break;
        }
        if (cfg->progress >= 2) {
            double now = now_s(cfg);
            if (now - last_live > 0.5) {
                live_line(cfg, epoch, nb, st->nbatches, loss_sum / nb, st->t0, win, st->stop.energy_j);
                last_live = now;
            }
        }
    }
    return nb ? loss_sum / (double)nb : NAN;
}

/* After a whole epoch: the watch sees its accuracy and energy; 1 when it stops the run. */
static int watch_epoch(const pt_train_config *cfg, train_state *st, pt_train_result *res, int epoch, double val_acc,
                       double energy_j) {
    int cap = watch_cap(cfg);
    if (epoch <= cap) {
        st->hist[epoch - 1] = val_acc;
        st->hist[cap + epoch - 1] = energy_j;
    }
    st->wp.nacc = epoch < cap ? epoch : cap;
    st->wp.epoch = epoch;
    st->wp.finished_epoch = 1;
    st->wp.energy_j = st->stop.energy_j;
    st->wp.seconds = st->seconds_done;
    st->wp.target_energy_j = st->stop.energy_to_target_j;
    st->wp.target_seconds = res->seconds_to_target;
    return cfg->watch(cfg->watch_ctx, &st->wp) != 0;
}

/* After a stored epoch the run continues from: its checkpoint, atomically
   (a failure is said once; the run goes on, resumable from an older one). */
static void train_checkpoint(const pt_train_config *cfg, train_state *st, int epoch) {
    if (!cfg->checkpoint || st->stop.finished) return;
    char e[512];
    if (pt_resume_save(cfg->checkpoint, cfg->net, st->opt, epoch, e, sizeof e) == 0 || st->ckpt_failed) return;
    st->ckpt_failed = 1;
    fprintf(stderr, "powertrain: %s (the run goes on; a resume would repeat its epochs since)\n", e);
}

/* What the replay of a resumed run's stored epochs shares. */
typedef struct {
    const pt_train_config *cfg;
    train_state *st;
    pt_train_result *res;
    int keep; /* epochs to replay: 1..keep */
    int n;    /* contiguous epochs from 1 (counting pass) */
} replay_ctx;

static int count_epoch(void *vctx, const pt_store_epoch_row *e) {
    replay_ctx *c = vctx;
    if (e->epoch == c->n + 1) c->n++;
    return 0;
}

/* A stored epoch through the checkpoint's, fed to the stopper as when it ran. */
static int replay_epoch(void *vctx, const pt_store_epoch_row *e) {
    replay_ctx *c = vctx;
    train_state *st = c->st;
    if (e->epoch > c->keep) return 0;
    pt_stop_update(&st->stop, e->train_loss, e->val_loss, e->val_acc, e->energy_j);
    st->machine_j += e->machine_j;
    if (st->stop.target_epoch == e->epoch) st->machine_to_target = st->machine_j;
    c->res->contaminated += e->contaminated;
    st->seconds_done += e->seconds;
    if (st->stop.target_epoch == e->epoch) c->res->seconds_to_target = st->seconds_done;
    pt_meter_method m = pt_study_method_parse(e->method);
    if (m > c->res->method) c->res->method = m;
    int cap = watch_cap(c->cfg);
    if (st->hist && e->epoch <= cap) {
        st->hist[e->epoch - 1] = e->val_acc;
        st->hist[cap + e->epoch - 1] = e->energy_j;
        st->wp.nacc = e->epoch;
    }
    return 0;
}

/* Where the run starts: after its checkpoint's epoch when there is a usable
   one (the store's later epochs dropped, the kept ones replayed), else at
   epoch 1 with the run's stored epochs dropped. 0, or -1 (err). */
static int train_resume(const pt_train_config *cfg, train_state *st, pt_train_result *res, char *err, size_t errlen) {
    st->first_epoch = 1;
    if (!cfg->store) return 0;
    replay_ctx c = {cfg, st, res, 0, 0};
    if (cfg->checkpoint && pt_store_read_epochs(cfg->store, cfg->run_id, count_epoch, &c, err, errlen) != 0)
        return -1;
    if (c.n > 0) {
        char e[512];
        c.keep = pt_resume_load(cfg->checkpoint, cfg->net, st->opt, c.n, e, sizeof e);
        if (c.keep < 0) fprintf(stderr, "powertrain: %s; the run restarts from epoch 1\n", e);
        if (c.keep < 0) c.keep = 0;
    }
    if (pt_store_run_truncate(cfg->store, cfg->run_id, c.keep, err, errlen) != 0) return -1;
    if (c.keep > 0 && pt_store_read_epochs(cfg->store, cfg->run_id, replay_epoch, &c, err, errlen) != 0) return -1;
    st->first_epoch = c.keep + 1;
    res->resumed_epochs = c.keep;
    return 0;
}

/* One epoch: train, evaluate, its energy, its row in the store, the stopper,
   its line, the watch. Returns 1 when the run ends here. */
static int train_epoch(const pt_train_config *cfg, train_state *st, pt_train_result *res, int epoch, char *err,
                       size_t errlen) {
    char label[48], serr[512];
    snprintf(label, sizeof label, "epoch %d", epoch);
    drain(cfg);
    int win = cfg->meter ? pt_meter_window_begin(cfg->meter, label) : -1;
    double e0 = now_s(cfg);
    int bad_loss;
    double train_loss = train_pass(cfg, st, epoch, win, e0, &bad_loss);
    double val_loss = NAN, val_acc = NAN;
    if (!bad_loss && !st->interrupted && !st->watched &&
        pt_train_evaluate(cfg->net, cfg->task, cfg->alpha, cfg->val, &val_loss, &val_acc, err, errlen) != 0) {
        st->interrupted = 1; /* cannot evaluate: stop as failed */
        pt_strlcpy(res->reason, err, sizeof res->reason);
    }
    drain(cfg); /* the window holds the epoch's last kernels */
    if (win >= 0) pt_meter_window_end(cfg->meter, win);
    double seconds = now_s(cfg) - e0;
    pt_epoch_row row;
    memset(&row, 0, sizeof row);
    pt_meter_method m;
    pt_train_epoch_energy(cfg->meter, win, &row, st->comp, st->maxcomp, &m);
    if (st->interrupted || st->watched) {
        /* the epoch in flight is not a whole epoch: its energy counts, its row is not kept */
        st->stop.energy_j += decision_j(&row);
        st->machine_j += row.energy_j;
        if (!res->reason[0])
            pt_strlcpy(res->reason,
                       st->watched      ? "stopped by the search"
                       : st->claim_lost ? "another process took over this run's claim"
                                        : "interrupted",
                       sizeof res->reason);
        return 1;
    }
    row.epoch = epoch;
    row.seconds = seconds;
    row.train_loss = train_loss;
    row.val_loss = val_loss;
    row.val_acc = val_acc;
    row.method = pt_meter_method_name(m);
    row.components = st->comp;
    if (m > res->method) res->method = m;
    epoch_contamination(cfg, st, res, epoch, &row);
    if (cfg->store && pt_store_epoch_add(cfg->store, cfg->run_id, &row, serr, sizeof serr) != 0) {
        pt_strlcpy(res->reason, serr, sizeof res->reason);
        st->store_failed = 1;
        st->stop.energy_j += decision_j(&row);
        return 1;
    }
    pt_stop_update(&st->stop, train_loss, val_loss, val_acc, decision_j(&row));
    if (st->stop.target_epoch == epoch) st->machine_to_target = st->machine_j;
    train_checkpoint(cfg, st, epoch);
    st->seconds_done += seconds;
    if (st->stop.target_epoch == epoch) res->seconds_to_target = st->seconds_done;
    if (cfg->progress >= 1) epoch_line(cfg, st, &row);
    if (cfg->watch && !st->stop.finished && watch_epoch(cfg, st, res, epoch, val_acc, decision_j(&row))) {
        st->watched = 1;
        pt_strlcpy(res->reason, "stopped by the search", sizeof res->reason);
        return 1;
    }
    return 0;
}

/* The result from the stopper, and the run's row finished in the store
   (an interrupted run stays 'running' there, so --resume restarts it). */
static void train_finish(const pt_train_config *cfg, train_state *st, pt_train_result *res, char *err,
                         size_t errlen) {
    res->epochs = st->stop.epoch;
    res->best_val_acc = st->stop.best_val_acc;
    res->best_val_loss = st->stop.best_val_loss;
    res->energy_j = st->stop.energy_j;
    res->energy_to_target_j = st->stop.energy_to_target_j;
    res->machine_energy_j = st->machine_j;
    res->machine_energy_to_target_j = st->machine_to_target;
    res->seconds = now_s(cfg) - st->t0;
    if (st->watched && !st->interrupted && !st->store_failed) {
        res->status = PT_RUN_STOPPED;
    } else if (st->stop.finished && !st->interrupted && !st->store_failed) {
        res->status = st->stop.status;
        pt_strlcpy(res->reason, st->stop.reason, sizeof res->reason);
    } else {
        res->status = PT_RUN_FAILED;
    }
    if (!cfg->meter) res->method = PT_METHOD_ESTIMATED;
    res->claim_lost = st->claim_lost;
    if (cfg->store && st->interrupted && !st->claim_lost) {
        char serr[512]; /* resumable: another process may take it over at once */
        pt_store_run_release(cfg->store, cfg->run_id, serr, sizeof serr);
    }
    if (cfg->store && !st->store_failed && !st->interrupted) {
        char serr[512];
        pt_run_result rr = {res->status, res->epochs, res->best_val_acc, res->best_val_loss, res->machine_energy_j,
                            res->machine_energy_to_target_j, pt_meter_method_name(res->method),
                            res->reason, /* every end has its reason (runs.end_reason) */
                            res->job_unknown ? NAN : res->energy_j, res->job_unknown ? NAN : res->energy_to_target_j,
                            1};
        if (pt_store_run_finish(cfg->store, cfg->run_id, &rr, serr, sizeof serr) != 0) {
            pt_say(err, errlen, "%s", serr);
            res->status = PT_RUN_FAILED;
        } else if (cfg->checkpoint) {
            unlink(cfg->checkpoint); /* the run is over: nothing to resume */
        }
    }
}

int pt_train_run(const pt_train_config *cfg, pt_train_result *res, char *err, size_t errlen) {
    memset(res, 0, sizeof *res);
    res->status = PT_RUN_FAILED;
    res->best_val_acc = res->best_val_loss = res->energy_to_target_j = NAN;
    res->method = PT_METHOD_COUNTER;
    int bs = pt_net_batch(cfg->net);
    train_state st;
    if (train_check(cfg, bs, err, errlen) != 0 || train_open(cfg, bs, &st, err, errlen) != 0) return -1;
    res->seconds_to_target = NAN;
    if (train_resume(cfg, &st, res, err, errlen) != 0) {
        train_close(&st);
        return -1;
    }
    for (int epoch = st.first_epoch; !st.stop.finished; epoch++)
        if (train_epoch(cfg, &st, res, epoch, err, errlen)) break;
    train_finish(cfg, &st, res, err, errlen);
    train_close(&st);
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
    drain(cfg);
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
    drain(cfg);
    if (win >= 0) {
        pt_meter_window_end(cfg->meter, win);
        pt_meter_window w;
        if (pt_meter_window_read(cfg->meter, win, &w) == 0) {
            *energy_j = isfinite(w.job_j) ? w.job_j : w.energy_j; /* the job's, as runs decide */
            *method = w.method;
        }
    }
    *seconds = (cfg->meter ? pt_meter_now(cfg->meter) : pt_clock_now()) - t0;
    free(a.host);
    pt_batcher_close(b);
    pt_optim_free(opt);
    return 0;
}
