/* report_fixture.h -- results stores with known values for the report tests,
 * written through the store API (test_report.c and the report_fixture tool
 * that the shell tests call).
 *
 * FIX_FULL:
 *  - study 1, regime, fmnist, GPU "NVIDIA H100 80GB HBM3", method counter: the
 *    16 setups of Table 1 x 2 repeats. Setup with batch index b (0..3) and lr
 *    index l (0..3): every epoch costs 100 (b+1) J; repeat 1 runs 10 + 5 l
 *    epochs, repeat 2 runs 12 + 5 l; energy to target = energy of all but the
 *    last 3 epochs. Exceptions: setup 1 repeat 2 failed (no epoch), setup 4
 *    repeat 2 not_reached, setup 16 repeat 2 diverged, setup 8 has a third
 *    repeat still running (2 epochs). So: best setup 1 (1000 J), worst 16
 *    (10000 J), ratio 10; setup 4 total 2600 J; setup 2 to-target 1300 J.
 *  - study 2, pretrain, pamap2, same GPU, counter: setups 1, 6, 11, 16 with
 *    (E_enc, frozen, unfrozen, baseline) = (1000,200,300,700) x=2,
 *    (3000,100,200,400) x=10, (2000,500,600,500) never, (1500,300,500,800) x=3,
 *    plus a failed frozen run (50 J) in setup 6 that no mean may count.
 *    Average setup: x = 1875 / (600 - 275); Table 2: frozen 275, unfrozen 400,
 *    savings 31.25 %.
 *  - study 3, multitask, celeba, CPU only (method estimated): attr (10 ep,
 *    1000 J) + (20 ep, 2400 J); id (5, 600) + (7, 700); both (4, 480) + (2, 200):
 *    energy per epoch 110 J for each type, epochs 15, 6, 3.
 *  Every run's config_json: {"interval_ms":100,"update_period_s":0.1,
 *  "idle_w":35.5,"versions":"powertrain 0.1.0","encoder_weights":"random"};
 *  every epoch a gpu-0 (or cpu) component with counter = E, eq1 = 0.98 E.
 * FIX_TUNE: `powertrain tune` beside its grid, fmnist, preset quick, GPU:
 *  - study 1, tune, config FIX_TUNE_BASE + "search" (fast, energy-to-target,
 *    2 repeats, batch sizes 64, 256 x lrs 0.1, 0.01, 0.001: setups 1..6);
 *    epochs cost 100 J at batch 64, 50 J at 256. Probes: batch 64 10 J
 *    (counter), batch 256 40 J (eq1), 20 steps each: 0.5 and 2 J per step.
 *    Runs: setup 5 two repeats stopped at the target after 6 epochs (300 J to
 *    target each): evaluated, value 300, chosen; setup 4 repeat 1 stopped at
 *    the target (350 J), repeat 2 stopped after 6 epochs without it: pruned;
 *    setup 2 stopped after 7 epochs without it: pruned; setup 1 diverged after
 *    1 epoch: infeasible; setup 6 one repeat at the target (250 J, cheaper
 *    than the chosen one): halved; setup 3 not run. Search energy 2350 J
 *    (weakest method eq1), 7 runs, 6 stopped.
 *  - study 2, regime, config FIX_TUNE_BASE (the grid), counter, 2 repeats:
 *    setup 1 diverged twice (300 J each); 2 done (to target 800, 1000); 3
 *    not reached twice (2000, 1200 J); 4 done (to target 300, 400): best, 350;
 *    5 done (to target 500, 550): 525; 6 done (to target 800) + not reached:
 *    infeasible. Grid energy 10000 J: regret 525 / 350 - 1 = 50 %, the search
 *    spent 23.5 % of the grid's energy.
 *  - study 3, regime, the same but threshold 0.8 (not the grid, though newer):
 *    one run of setup 5, 100 J.
 *  - study 4, tune, cost:0.5 without P_max, seed 2, threshold 0.52 (every run
 *    at the target after 2 epochs, 8 s), no grid: setups (64, 0.1) and
 *    (64, 0.01), two repeats each, to target 200 and 300 J: setup 1 wins for
 *    any P_max (less energy, same time).
 * FIX_ENDS: how runs end and the Pareto front: one regime study, fmnist, CPU,
 *  estimated; (setup, repeat): status, energy, best val acc, end reason:
 *  (1,1) not_reached 500 J 0.10 "stuck at chance ..."; (1,2) diverged 200 J
 *  0.12 "loss is not finite"; (2,1) done 1000 J 0.86; (2,2) done 1500 J 0.90;
 *  (3,1) done 900 J 0.88; (3,2) failed, no epoch, "out of memory";
 *  (4,1) not_reached 300 J 0.70 "epoch cap reached below the threshold".
 *  The front, by energy: (1,2), (4,1), (3,1), (2,2).
 * FIX_FAILED: one regime study whose 4 runs all failed.
 * FIX_EMPTY: a fresh store without studies.
 * FIX_OTHER_VERSION: a store whose schema version reads 9 (a future one). */
#ifndef PT_REPORT_FIXTURE_H
#define PT_REPORT_FIXTURE_H

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

enum { FIX_FULL = 0, FIX_FAILED = 1, FIX_EMPTY = 2, FIX_OTHER_VERSION = 3, FIX_TUNE = 4, FIX_ENDS = 5 };

#define FIX_GPU "NVIDIA H100 80GB HBM3"
#define FIX_CPU "AMD EPYC 7B13"
#define FIX_CFG                                                                                      \
    "{\"interval_ms\":100,\"update_period_s\":0.1,\"idle_w\":35.5,\"versions\":\"powertrain 0.1.0\"," \
    "\"encoder_weights\":\"random\"}"
#define FIX_TUNE_BASE                                                                                  \
    "{\"model\":\"mlp\",\"device\":\"cuda\",\"optimizer\":\"sgd\",\"seed\":1,\"repeats\":2,\"threshold\":0.9," \
    "\"patience\":3,\"max_epochs\":20,\"train_limit\":0,\"val_limit\":0}"
#define FIX_TUNE_SEARCH                                                                            \
    ",\"search\":{\"mode\":\"fast\",\"objective\":\"energy-to-target\",\"budget_j\":0,\"probe_steps\":20,\"z\":2," \
    "\"batch_sizes\":[64,256],\"lrs\":[0.1,0.01,0.001]}}"
#define FIX_PROBE_CFG "{\"probe_steps\":20,\"probe_seconds\":2.5}"

typedef struct {
    int setup, bs;
    double lr;
    int rep;
    const char *phase;
    int frozen;
    const char *gpu, *method;
    int epochs;
    double epoch_j;
    pt_run_status status;
    double target_j;
} fx_run;

/* a run with its best val acc (0: 0.85) and its runs.end_reason (NULL: none) */
typedef struct {
    fx_run run;
    double acc;
    const char *reason;
} fx_end;

/* cfg: runs.config_json (NULL: FIX_CFG); total_j: the run's energy (0: epochs x epoch_j);
   acc: its best val acc (0: 0.85); reason: its end reason (NULL: none) */
static int fx_add_full(pt_store *st, int64_t sid, const fx_run *x, const char *cfg, double total_j, double acc,
                       const char *reason, char *err, size_t n) {
    pt_run_info info = {.study_id = sid, .setup = x->setup, .batch_size = x->bs, .lr = x->lr, .repeat = x->rep,
                        .phase = x->phase, .frozen = x->frozen, .device = x->gpu ? "cuda" : "cpu",
                        .host = "node-7", .cpu = FIX_CPU, .gpu = x->gpu, .config_json = cfg ? cfg : FIX_CFG};
    int64_t rid = pt_store_run_begin(st, &info, err, n);
    if (rid < 0) return -1;
    for (int e = 1; e <= x->epochs; e++) {
        pt_epoch_component c;
        memset(&c, 0, sizeof c);
        strcpy(c.name, x->gpu ? "gpu-0" : "cpu");
        strcpy(c.source, x->gpu ? "nvml" : "estimate");
        strcpy(c.method, x->method);
        int counter = strcmp(x->method, "estimated") != 0;
        c.energy_j = x->epoch_j;
        c.counter_j = counter ? x->epoch_j : NAN;
        c.eq1_j = counter ? 0.98 * x->epoch_j : NAN;
        c.mean_w = 250;
        c.peak_w = 300;
        c.samples = 40;
        pt_epoch_row row = {.epoch = e, .seconds = 4, .train_loss = 1.0 / e, .val_loss = 1.1 / e,
                            .val_acc = 0.5 + 0.01 * e, .energy_j = x->epoch_j, .eq1_j = c.eq1_j,
                            .counter_j = c.counter_j, .method = x->method, .ncomponents = 1, .components = &c};
        if (pt_store_epoch_add(st, rid, &row, err, n) != 0) return -1;
    }
    if (x->status == PT_RUN_RUNNING) return 0;
    pt_run_result res = {.status = x->status, .epochs = x->epochs, .best_val_acc = acc > 0 ? acc : 0.85,
                         .best_val_loss = 0.4, .energy_j = total_j > 0 ? total_j : x->epochs * x->epoch_j,
                         .energy_to_target_j = x->target_j, .method = x->method, .reason = reason};
    return pt_store_run_finish(st, rid, &res, err, n);
}

static int fx_add_with(pt_store *st, int64_t sid, const fx_run *x, const char *cfg, double total_j, char *err,
                       size_t n) {
    return fx_add_full(st, sid, x, cfg, total_j, 0, NULL, err, n);
}

static int fx_add(pt_store *st, int64_t sid, const fx_run *x, char *err, size_t n) {
    return fx_add_with(st, sid, x, NULL, 0, err, n);
}

static int fixture_write(const char *path, int which, char *err, size_t n) {
    remove(path);
    pt_store *st = pt_store_open(path, 1, err, n);
    if (!st) return -1;
    int rc = 0;
    static const int bss[4] = {64, 256, 1024, 4096};
    static const double lrs[4] = {0.1, 0.01, 0.001, 0.0001};
    if (which == FIX_FULL) {
        int64_t sid = pt_store_study_get(st, "regime", "fmnist", "quick", "{}", NULL, err, n);
        for (int b = 0; b < 4 && rc == 0; b++)
            for (int l = 0; l < 4 && rc == 0; l++)
                for (int rep = 1; rep <= 2 && rc == 0; rep++) {
                    int setup = 4 * b + l + 1;
                    int epochs = 10 + 5 * l + (rep == 2 ? 2 : 0);
                    double e = 100.0 * (b + 1);
                    fx_run x = {setup, bss[b], lrs[l], rep, "train", 0, FIX_GPU, "counter", epochs, e, PT_RUN_DONE,
                                e * (epochs - 3)};
                    if (setup == 1 && rep == 2) x.epochs = 0, x.status = PT_RUN_FAILED, x.target_j = NAN;
                    if (setup == 4 && rep == 2) x.status = PT_RUN_NOT_REACHED, x.target_j = NAN;
                    if (setup == 16 && rep == 2) x.status = PT_RUN_DIVERGED, x.target_j = NAN;
                    rc = fx_add(st, sid, &x, err, n);
                }
        fx_run running = {8, 256, 0.0001, 3, "train", 0, FIX_GPU, "counter", 2, 200, PT_RUN_RUNNING, NAN};
        if (rc == 0) rc = fx_add(st, sid, &running, err, n);

        sid = pt_store_study_get(st, "pretrain", "pamap2", "quick", "{}", NULL, err, n);
        static const int setups[4] = {1, 6, 11, 16};
        static const double ej[4][4] = {
            {1000, 200, 300, 700}, {3000, 100, 200, 400}, {2000, 500, 600, 500}, {1500, 300, 500, 800}};
        static const char *phases[4] = {"pretrain", "frozen", "unfrozen", "baseline"};
        for (int k = 0; k < 4 && rc == 0; k++)
            for (int p = 0; p < 4 && rc == 0; p++) {
                int s = setups[k];
                fx_run x = {s, bss[(s - 1) / 4], lrs[(s - 1) % 4], 1, phases[p], p == 1, FIX_GPU, "counter", 10,
                            ej[k][p] / 10, PT_RUN_DONE, p == 0 ? NAN : ej[k][p] / 2};
                rc = fx_add(st, sid, &x, err, n);
            }
        fx_run failed = {6, 256, 0.01, 2, "frozen", 1, FIX_GPU, "counter", 1, 50, PT_RUN_FAILED, NAN};
        if (rc == 0) rc = fx_add(st, sid, &failed, err, n);

        sid = pt_store_study_get(st, "multitask", "celeba", "quick", "{}", NULL, err, n);
        static const char *types[3] = {"attr", "id", "both"};
        static const int ep[3][2] = {{10, 20}, {5, 7}, {4, 2}};
        static const double epj[3][2] = {{100, 120}, {120, 100}, {120, 100}};
        for (int t = 0; t < 3 && rc == 0; t++)
            for (int r = 0; r < 2 && rc == 0; r++) {
                fx_run x = {6, 256, 0.01, r + 1, types[t], 0, NULL, "estimated", ep[t][r], epj[t][r], PT_RUN_DONE,
                            NAN};
                rc = fx_add(st, sid, &x, err, n);
            }
    } else if (which == FIX_TUNE) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg, "%.*s%s", (int)strlen(FIX_TUNE_BASE) - 1, FIX_TUNE_BASE, FIX_TUNE_SEARCH);
        int64_t sid = pt_store_study_get(st, "tune", "fmnist", "quick", cfg, NULL, err, n);
        const pt_run_status S = PT_RUN_STOPPED;
        fx_run tune[] = {
            {5, 256, 0.01, 1, "train", 0, FIX_GPU, "counter", 6, 50, S, 300},
            {5, 256, 0.01, 2, "train", 0, FIX_GPU, "counter", 6, 50, S, 300},
            {4, 256, 0.1, 1, "train", 0, FIX_GPU, "counter", 7, 50, S, 350},
            {4, 256, 0.1, 2, "train", 0, FIX_GPU, "counter", 6, 50, S, NAN},
            {2, 64, 0.01, 1, "train", 0, FIX_GPU, "counter", 7, 100, S, NAN},
            {1, 64, 0.1, 1, "train", 0, FIX_GPU, "counter", 1, 100, PT_RUN_DIVERGED, NAN},
            {6, 256, 0.001, 1, "train", 0, FIX_GPU, "counter", 5, 50, S, 250},
        };
        fx_run probes[2] = {{0, 64, 0.001, 1, "probe-64", 0, FIX_GPU, "counter", 0, 0, PT_RUN_DONE, NAN},
                            {0, 256, 0.001, 1, "probe-256", 0, FIX_GPU, "eq1", 0, 0, PT_RUN_DONE, NAN}};
        for (int k = 0; k < 2 && rc == 0; k++) rc = fx_add_with(st, sid, &probes[k], FIX_PROBE_CFG, k ? 40 : 10, err, n);
        for (size_t k = 0; k < sizeof tune / sizeof tune[0] && rc == 0; k++) rc = fx_add(st, sid, &tune[k], err, n);
        sid = pt_store_study_get(st, "regime", "fmnist", "quick", FIX_TUNE_BASE, NULL, err, n);
        const pt_run_status D = PT_RUN_DONE, NR = PT_RUN_NOT_REACHED, DV = PT_RUN_DIVERGED;
        fx_run grid[] = {
            {1, 64, 0.1, 1, "train", 0, FIX_GPU, "counter", 3, 100, DV, NAN},
            {1, 64, 0.1, 2, "train", 0, FIX_GPU, "counter", 3, 100, DV, NAN},
            {2, 64, 0.01, 1, "train", 0, FIX_GPU, "counter", 10, 100, D, 800},
            {2, 64, 0.01, 2, "train", 0, FIX_GPU, "counter", 12, 100, D, 1000},
            {3, 64, 0.001, 1, "train", 0, FIX_GPU, "counter", 20, 100, NR, NAN},
            {3, 64, 0.001, 2, "train", 0, FIX_GPU, "counter", 12, 100, NR, NAN},
            {4, 256, 0.1, 1, "train", 0, FIX_GPU, "counter", 8, 50, D, 300},
            {4, 256, 0.1, 2, "train", 0, FIX_GPU, "counter", 10, 50, D, 400},
            {5, 256, 0.01, 1, "train", 0, FIX_GPU, "counter", 12, 50, D, 500},
            {5, 256, 0.01, 2, "train", 0, FIX_GPU, "counter", 13, 50, D, 550},
            {6, 256, 0.001, 1, "train", 0, FIX_GPU, "counter", 18, 50, D, 800},
            {6, 256, 0.001, 2, "train", 0, FIX_GPU, "counter", 19, 50, NR, NAN},
        };
        for (size_t k = 0; k < sizeof grid / sizeof grid[0] && rc == 0; k++) rc = fx_add(st, sid, &grid[k], err, n);
        /* the same dataset and preset, another threshold: not the grid */
        char other[1024];
        snprintf(other, sizeof other, "%s", FIX_TUNE_BASE);
        char *th = strstr(other, "0.9");
        if (th) th[2] = '8';
        sid = pt_store_study_get(st, "regime", "fmnist", "quick", other, NULL, err, n);
        fx_run decoy = {5, 256, 0.01, 1, "train", 0, FIX_GPU, "counter", 2, 50, D, 50};
        if (rc == 0) rc = fx_add(st, sid, &decoy, err, n);
        /* cost:0.5 without P_max */
        snprintf(cfg, sizeof cfg,
                 "{\"model\":\"mlp\",\"device\":\"cuda\",\"optimizer\":\"sgd\",\"seed\":2,\"repeats\":2,"
                 "\"threshold\":0.52,\"patience\":3,\"max_epochs\":20,\"train_limit\":0,\"val_limit\":0,"
                 "\"search\":{\"mode\":\"exact\",\"objective\":\"cost:0.5\",\"budget_j\":0,\"probe_steps\":20,"
                 "\"z\":2,\"batch_sizes\":[64],\"lrs\":[0.1,0.01]}}");
        sid = pt_store_study_get(st, "tune", "fmnist", "quick", cfg, NULL, err, n);
        fx_run cost[] = {
            {1, 64, 0.1, 1, "train", 0, FIX_GPU, "counter", 2, 100, S, 200},
            {1, 64, 0.1, 2, "train", 0, FIX_GPU, "counter", 2, 100, S, 200},
            {2, 64, 0.01, 1, "train", 0, FIX_GPU, "counter", 3, 100, S, 300},
            {2, 64, 0.01, 2, "train", 0, FIX_GPU, "counter", 3, 100, S, 300},
        };
        for (size_t k = 0; k < sizeof cost / sizeof cost[0] && rc == 0; k++) rc = fx_add(st, sid, &cost[k], err, n);
    } else if (which == FIX_ENDS) {
        int64_t sid = pt_store_study_get(st, "regime", "fmnist", "quick", "{}", NULL, err, n);
        const char *E = "estimated";
        fx_end ends[] = {
            {{1, 64, 0.1, 1, "train", 0, NULL, E, 5, 100, PT_RUN_NOT_REACHED, NAN}, 0.10,
             "stuck at chance (best val acc 0.100 after 5 epochs, chance 0.100)"},
            {{1, 64, 0.1, 2, "train", 0, NULL, E, 2, 100, PT_RUN_DIVERGED, NAN}, 0.12, "loss is not finite"},
            {{2, 64, 0.01, 1, "train", 0, NULL, E, 10, 100, PT_RUN_DONE, 700}, 0.86, "3 epochs without improvement"},
            {{2, 64, 0.01, 2, "train", 0, NULL, E, 10, 150, PT_RUN_DONE, 900}, 0.90, "3 epochs without improvement"},
            {{3, 64, 0.001, 1, "train", 0, NULL, E, 9, 100, PT_RUN_DONE, 600}, 0.88, "3 epochs without improvement"},
            {{3, 64, 0.001, 2, "train", 0, NULL, E, 0, 0, PT_RUN_FAILED, NAN}, 0, "out of memory"},
            {{4, 64, 0.0001, 1, "train", 0, NULL, E, 3, 100, PT_RUN_NOT_REACHED, NAN}, 0.70,
             "epoch cap reached below the threshold"},
        };
        for (size_t k = 0; k < sizeof ends / sizeof ends[0] && rc == 0; k++)
            rc = fx_add_full(st, sid, &ends[k].run, NULL, 0, ends[k].acc, ends[k].reason, err, n);
    } else if (which == FIX_FAILED) {
        int64_t sid = pt_store_study_get(st, "regime", "pamap2", "quick", "{}", NULL, err, n);
        for (int k = 0; k < 4 && rc == 0; k++) {
            fx_run x = {k + 1, 64, lrs[k], 1, "train", 0, FIX_GPU, "counter", k % 2, 10, PT_RUN_FAILED, NAN};
            rc = fx_add(st, sid, &x, err, n);
        }
    }
    pt_store_close(st);
    if (which == FIX_OTHER_VERSION) { /* the store has no SQL in its API: a connection of our own */
        sqlite3 *db;
        if (sqlite3_open(path, &db) == SQLITE_OK)
            sqlite3_exec(db, "UPDATE meta SET value='9' WHERE key='schema_version'", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    return rc;
}

#endif
