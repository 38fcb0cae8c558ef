/* test_train.c -- one training run end to end on tiny synthetic data: a
 * replayed 50 W trace as the meter (so every epoch's energy is 50 W x its
 * seconds, eq1), the run stored epoch by epoch, the stopping statuses, and
 * an interrupted run left resumable. */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/models.h"
#include "study/train.h"
#include "test.h"

static char dir[] = "/tmp/pt-train-XXXXXX";

/* 3 classes of 1-D signals (w=16, c=4): the class sets which channel carries a
   positive offset, plus noise. Learnable in an epoch or two. */
typedef struct {
    float *x;
    uint8_t *label;
    pt_dataset ds;
} toy;

static void toy_make(toy *t, int n, uint64_t seed) {
    int w = 16, c = 4;
    t->x = malloc((size_t)n * w * c * sizeof *t->x);
    t->label = malloc((size_t)n);
    uint64_t s = seed * 2654435761u + 1;
    for (int i = 0; i < n; i++) {
        int cls = i % 3;
        t->label[i] = (uint8_t)cls;
        for (int k = 0; k < w * c; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            float noise = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
            t->x[(size_t)i * w * c + k] = noise + ((k % c) == cls ? 1.5f : 0.0f);
        }
    }
    int shape[2] = {w, c};
    pt_dataset_init(&t->ds, "toy", n, 2, shape, PT_DATA_F32, t->x);
    t->ds.label = t->label;
    t->ds.nclasses = 3;
}

static void toy_free(toy *t) {
    free(t->x);
    free(t->label);
}

static pt_meter *trace_meter(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/trace.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "t_seconds,component,watts\n0,gpu-0,50\n");
    fclose(f);
    pt_meter_config mc;
    pt_meter_config_init(&mc);
    mc.trace_path = path;
    mc.interval_ms = 5;
    pt_meter *m = pt_meter_open(&mc);
    if (m) pt_meter_start(m);
    return m;
}

static pt_net *toy_net_p(pt_backend *be, int batch, float dropout) {
    pt_model_opts o;
    pt_model_opts_default(&o);
    o.w = 16;
    o.c = 4;
    o.classes = 3;
    o.dropout = dropout;
    char err[256];
    pt_net *net = pt_model_build("pamap2_cnn", &o, err, sizeof err);
    if (!net || pt_net_plan(net, be, batch) != 0 || pt_net_init(net, 3) != 0) return NULL;
    return net;
}

static pt_net *toy_net(pt_backend *be, int batch) { return toy_net_p(be, batch, 0); }

/* Every state tensor of net, concatenated, into a new buffer (*n floats). */
static float *weights(pt_net *net, size_t *n) {
    size_t total = 0;
    for (int i = 0; i < pt_net_state_count(net); i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        total += s.count;
    }
    float *w = malloc(total * sizeof *w + 1), *p = w;
    for (int i = 0; w && i < pt_net_state_count(net); i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        pt_net_state_read(net, i, p);
        p += s.count;
    }
    *n = total;
    return w;
}

/* The watch of the run to interrupt: raises the flag once epoch 3 is under way or done. */
static int interrupt_in_epoch3(void *ctx, const pt_run_progress *p) {
    if (p->epoch >= 3) *(volatile sig_atomic_t *)ctx = 1;
    return 0;
}

/* Rows of run rid's epochs, their distinct epochs, and their energy sum. */
static void stored_epochs(const char *db, int64_t rid, int *rows, int *distinct, double *sum) {
    sqlite3 *h;
    sqlite3_stmt *q;
    *rows = *distinct = 0;
    *sum = NAN;
    sqlite3_open(db, &h);
    if (sqlite3_prepare_v2(h, "SELECT count(*), count(DISTINCT epoch), sum(energy_j) FROM epochs WHERE run_id=?1", -1,
                           &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, rid);
        if (sqlite3_step(q) == SQLITE_ROW) {
            *rows = sqlite3_column_int(q, 0);
            *distinct = sqlite3_column_int(q, 1);
            *sum = sqlite3_column_double(q, 2);
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
}

/* Resume from a training checkpoint: a run interrupted in epoch 3 and
 * continued by a fresh process-like start (a new net, the checkpoint loaded)
 * ends with exactly the weights of an uninterrupted run, dropout and Adam
 * (or SGD momentum) included; its stored epochs are 1..N once each and its
 * energy their sum. A damaged checkpoint restarts the run from epoch 1,
 * which ends the same. */
static void test_resume(pt_backend *be, pt_optim_kind kind) {
    toy tr, va;
    toy_make(&tr, 64, 1);
    toy_make(&va, 24, 2);
    pt_meter *m = trace_meter();
    char path[256], ckpt[300], err[512];
    snprintf(path, sizeof path, "%s/resume-%s-%d.db", dir, be->ops->name, (int)kind);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", path);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    pt_net *net = toy_net_p(be, 16, 0.25f);
    CHECK(m && st && net);
    if (!m || !st || !net) return;
    int64_t sid = pt_store_study_get(st, "train", "toy", "", "{}", NULL, err, sizeof err);
    pt_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.net = net;
    tc.task = PT_TASK_CLASSIFY;
    tc.train = &tr.ds;
    tc.val = &va.ds;
    tc.optim.kind = kind;
    tc.optim.lr = kind == PT_OPTIM_ADAM ? 0.01f : 0.05f;
    tc.optim.momentum = kind == PT_OPTIM_SGD ? 0.9f : 0.0f;
    pt_stop_config_default(&tc.stop);
    tc.stop.threshold = 1.01; /* never: every run trains 5 epochs */
    tc.stop.max_epochs = 5;
    tc.seed = 5;
    tc.meter = m;
    tc.store = st;
    pt_train_result res;
    size_t n = 0, n2 = 0;
    /* A: uninterrupted */
    pt_run_info ri = {.study_id = sid, .setup = 1, .batch_size = 16, .lr = 0.01, .repeat = 1};
    tc.run_id = pt_store_run_begin(st, &ri, err, sizeof err);
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0 && res.status == PT_RUN_NOT_REACHED && res.epochs == 5);
    float *wa = weights(net, &n);
    /* B: interrupted in epoch 3, its checkpoint kept, its claim given back */
    for (int damaged = 0; damaged < 2; damaged++) {
        pt_net_init(net, 3);
        ri.setup = 2 + damaged;
        tc.run_id = pt_store_run_begin(st, &ri, err, sizeof err);
        volatile sig_atomic_t flag = 0;
        tc.interrupt = &flag;
        tc.watch = interrupt_in_epoch3;
        tc.watch_ctx = (void *)&flag;
        tc.checkpoint = ckpt;
        CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0 && res.status == PT_RUN_FAILED);
        CHECK(access(ckpt, F_OK) == 0);
        if (damaged) {
            FILE *f = fopen(ckpt, "r+b");
            fseek(f, 200, SEEK_SET);
            fputs("damage", f);
            fclose(f);
        }
        /* C: a fresh start of the same run */
        pt_net_free(net);
        net = tc.net = toy_net_p(be, 16, 0.25f);
        pt_run_claim c;
        CHECK(pt_store_run_claim(st, &ri, &c, err, sizeof err) == 0 && c.state == PT_CLAIM_RESUMED);
        CHECK(c.epochs >= 2 && c.epochs <= 3);
        tc.interrupt = NULL;
        tc.watch = NULL;
        CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
        CHECK(res.status == PT_RUN_NOT_REACHED && res.epochs == 5);
        CHECK(res.resumed_epochs == (damaged ? 0 : c.epochs));
        float *wc = weights(net, &n2);
        CHECK(wa && wc && n == n2 && memcmp(wa, wc, n * sizeof *wa) == 0);
        free(wc);
        int rows, distinct;
        double sum;
        stored_epochs(path, c.run_id, &rows, &distinct, &sum);
        CHECK(rows == 5 && distinct == 5);
        CHECK_NEAR(sum, res.energy_j, 1e-9, 1e-9);
        CHECK(access(ckpt, F_OK) != 0); /* the run is over: removed */
    }
    free(wa);
    pt_net_free(net);
    pt_store_close(st);
    pt_meter_close(m);
    toy_free(&tr);
    toy_free(&va);
}

static void test_run(pt_backend *be) {
    toy tr, va;
    toy_make(&tr, 64, 1);
    toy_make(&va, 24, 2);
    pt_meter *m = trace_meter();
    CHECK(m != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/r.db", dir);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    pt_net *net = toy_net(be, 16);
    CHECK(net != NULL);
    if (!m || !st || !net) return;
    int64_t sid = pt_store_study_get(st, "train", "toy", "", "{}", NULL, err, sizeof err);
    pt_run_info ri = {.study_id = sid, .setup = 1, .batch_size = 16, .lr = 0.01, .repeat = 1};
    int64_t rid = pt_store_run_begin(st, &ri, err, sizeof err);
    pt_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.net = net;
    tc.task = PT_TASK_CLASSIFY;
    tc.train = &tr.ds;
    tc.val = &va.ds;
    tc.optim.kind = PT_OPTIM_ADAM;
    tc.optim.lr = 0.01f;
    pt_stop_config_default(&tc.stop);
    tc.stop.patience = 2;
    tc.stop.max_epochs = 8;
    tc.seed = 5;
    tc.meter = m;
    tc.store = st;
    tc.run_id = rid;
    pt_train_result res;
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
    fprintf(stderr, "toy run: %s after %d epochs, best acc %.3f, %.2f J, to target %.2f J (%s)\n",
            pt_run_status_name(res.status), res.epochs, res.best_val_acc, res.energy_j, res.energy_to_target_j,
            pt_meter_method_name(res.method));
    CHECK(res.status == PT_RUN_DONE);
    CHECK(res.best_val_acc >= 0.8);
    CHECK(res.epochs >= 3 && res.epochs <= 8);
    CHECK(res.method == PT_METHOD_EQ1);
    CHECK(isfinite(res.energy_to_target_j) && res.energy_to_target_j <= res.energy_j);
    /* the store holds every epoch, each 50 W x its seconds, summing to the run */
    sqlite3 *db; /* the store has no SQL in its API: a connection of our own */
    sqlite3_open(pt_store_path(st), &db);
    sqlite3_stmt *q;
    int rows = 0, exact = 1;
    double sum = 0;
    sqlite3_prepare_v2(db, "SELECT epoch, seconds, energy_j, eq1_j, method FROM epochs WHERE run_id=?1 ORDER BY epoch",
                       -1, &q, NULL);
    sqlite3_bind_int64(q, 1, rid);
    while (sqlite3_step(q) == SQLITE_ROW) {
        rows++;
        double sec = sqlite3_column_double(q, 1), e = sqlite3_column_double(q, 2);
        /* the window spans the epoch's seconds (measured just outside it) */
        if (!(fabs(e - 50.0 * sec) <= 0.02 * 50.0 * sec + 0.05)) exact = 0;
        if (strcmp((const char *)sqlite3_column_text(q, 4), "eq1") != 0) exact = 0;
        sum += e;
    }
    sqlite3_finalize(q);
    CHECK(rows == res.epochs);
    CHECK(exact);
    CHECK_NEAR(sum, res.energy_j, 1e-9, 1e-9);
    double stored = NAN;
    char status[32] = "";
    sqlite3_prepare_v2(db, "SELECT energy_j, status FROM runs WHERE id=?1", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, rid);
    if (sqlite3_step(q) == SQLITE_ROW) {
        stored = sqlite3_column_double(q, 0);
        snprintf(status, sizeof status, "%s", sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    CHECK_NEAR(stored, res.energy_j, 1e-9, 1e-9);
    CHECK_STR(status, "done");

    /* not reached: a threshold no model meets, capped at 2 epochs */
    pt_net_init(net, 4);
    ri.setup = 2;
    rid = pt_store_run_begin(st, &ri, err, sizeof err);
    tc.run_id = rid;
    tc.stop.threshold = 1.01;
    tc.stop.max_epochs = 2;
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
    CHECK(res.status == PT_RUN_NOT_REACHED);
    CHECK(res.epochs == 2);
    CHECK(res.energy_j > 0);
    CHECK(isnan(res.energy_to_target_j));

    /* diverged: a huge learning rate on SGD blows the loss up */
    pt_net_init(net, 5);
    ri.setup = 3;
    rid = pt_store_run_begin(st, &ri, err, sizeof err);
    tc.run_id = rid;
    tc.optim.kind = PT_OPTIM_SGD;
    tc.optim.lr = 1e8f;
    tc.stop.threshold = 0.8;
    tc.stop.max_epochs = 8;
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
    CHECK(res.status == PT_RUN_DIVERGED);
    CHECK(res.epochs <= 2);

    /* interrupted: the result is failed, the stored run stays running */
    pt_net_init(net, 6);
    ri.setup = 4;
    rid = pt_store_run_begin(st, &ri, err, sizeof err);
    tc.run_id = rid;
    tc.optim.kind = PT_OPTIM_ADAM;
    tc.optim.lr = 0.01f;
    volatile sig_atomic_t stopflag = 1;
    tc.interrupt = &stopflag;
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
    CHECK(res.status == PT_RUN_FAILED);
    pt_run_status rs = PT_RUN_DONE;
    CHECK(pt_store_run_find(st, &ri, &rs, err, sizeof err) == rid && rs == PT_RUN_RUNNING);

    /* a batch larger than the data is refused up front */
    pt_net *big = toy_net(be, 128);
    tc.net = big;
    tc.interrupt = NULL;
    CHECK(big != NULL && pt_train_run(&tc, &res, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "exceeds");
    pt_net_free(big);

    pt_net_free(net);
    pt_store_close(st);
    pt_meter_close(m);
    toy_free(&tr);
    toy_free(&va);
}

/* A backend whose work completes late (issue 18): its synchronize waits
 * 0.15 s, as a GPU drains its queue. The epoch windows are stamped after it:
 * each epoch's window ends after the drain that preceded it, so the window
 * holds the late work (and its energy, 50 W x its seconds). */
static pt_meter *late_meter;
static double late_done[64];
static int nlate;
static void late_synchronize(pt_backend *be) {
    (void)be;
    usleep(150000);
    if (nlate < 64) late_done[nlate++] = pt_meter_now(late_meter);
}

static void test_late_backend(pt_backend *ref) {
    static pt_backend_ops ops;
    ops = *ref->ops;
    ops.synchronize = late_synchronize;
    pt_backend late = *ref;
    late.ops = &ops;
    toy tr, va;
    toy_make(&tr, 32, 1);
    toy_make(&va, 12, 2);
    late_meter = trace_meter();
    pt_net *net = toy_net(&late, 16);
    CHECK(late_meter != NULL && net != NULL);
    if (!late_meter || !net) return;
    nlate = 0;
    pt_train_config tc;
    memset(&tc, 0, sizeof tc);
    tc.net = net;
    tc.task = PT_TASK_CLASSIFY;
    tc.train = &tr.ds;
    tc.val = &va.ds;
    tc.optim.kind = PT_OPTIM_ADAM;
    tc.optim.lr = 0.01f;
    pt_stop_config_default(&tc.stop);
    tc.stop.max_epochs = 2;
    tc.stop.patience = 10;
    tc.seed = 5;
    tc.meter = late_meter;
    pt_train_result res;
    char err[512];
    CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
    CHECK(res.epochs == 2);
    int epochs = 0;
    for (int w = 0; w < pt_meter_window_count(late_meter); w++) {
        pt_meter_window win;
        if (pt_meter_window_read(late_meter, w, &win) != 0 || strncmp(win.label, "epoch ", 6) != 0) continue;
        epochs++;
        /* a drain finished inside the window, just before its end (the end is stamped after it) */
        int drained = 0;
        for (int i = 0; i < nlate; i++)
            if (late_done[i] > win.start_s && late_done[i] <= win.end_s && win.end_s - late_done[i] < 0.05) drained = 1;
        CHECK(drained);
        CHECK(win.end_s - win.start_s >= 0.15);
        CHECK_NEAR(win.energy_j, 50 * (win.end_s - win.start_s), 0.05, 0.5);
    }
    CHECK(epochs == 2);
    CHECK(nlate >= 4); /* each epoch's two edges */
    pt_net_free(net);
    pt_meter_close(late_meter);
    toy_free(&tr);
    toy_free(&va);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    char err[256];
    pt_backend *be = pt_backend_create("ref", 1, err, sizeof err);
    CHECK(be != NULL);
    if (be) {
        test_run(be);
        test_late_backend(be);
        test_resume(be, PT_OPTIM_ADAM);
        test_resume(be, PT_OPTIM_SGD);
        pt_backend_destroy(be);
    }
    be = pt_backend_create("cpu", 2, err, sizeof err); /* the oneDNN backend, where built */
    if (be) {
        test_resume(be, PT_OPTIM_ADAM);
        pt_backend_destroy(be);
    } else {
        fprintf(stderr, "cpu backend unavailable (%s): resume checked on ref only\n", err);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_train");
}
