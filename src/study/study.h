/* study.h -- presets, one stored run of a setup, and the regime study
 * (Table 1's batch size x learning rate grid with repeats).
 *
 * Presets only change numbers:
 *   paper  batch sizes 64,256,1024,4096; lrs 0.1,0.01,0.001,0.0001; 2 repeats;
 *          threshold 0.8, patience 40, cap 1000 epochs; all data
 *   quick  batch sizes 16,32,64,128 (enough steps per epoch for lr 0.0001 to
 *          reach the target within the cap); the same lrs; 2 repeats; threshold
 *          0.8, patience 2, cap 15, stuck at chance after 3 epochs; at most 4096
 *          training and 512 validation samples (pretrain and multitask shrink
 *          further, with patience 3: pt_preset_study). README: "The quick preset".
 * Setup numbers follow Table 1: setup = 4 * (batch size index) + lr index + 1. */
#ifndef PT_STUDY_STUDY_H
#define PT_STUDY_STUDY_H

#include <signal.h>
#include <stdio.h>
#include <stdint.h>

#include "nn/backend.h"
#include "powertrain/meter.h"
#include "store/store.h"
#include "study/data.h"
#include "study/exec.h"
#include "study/train.h"
#include "study/tune.h"

#define PT_STUDY_MAX_GRID 8

typedef struct {
    char name[16];
    int nbs, nlr;
    int batch_sizes[PT_STUDY_MAX_GRID];
    double lrs[PT_STUDY_MAX_GRID];
    int repeats;
    double threshold;
    int patience, max_epochs;
    int chance_epochs; /* not_reached "stuck at chance" after this many epochs near chance (stop.h) */
    int64_t train_limit, val_limit;
    int image_size;  /* CelebA images are image_size x image_size (0: the reader's 64) */
} pt_preset;

/* "paper" or "quick" as the regime study uses them; 0, or -1 for an unknown name. */
int pt_preset_get(const char *name, pt_preset *out);
/* The preset of one study kind ("regime", "pretrain", "multitask", "tune"):
 * paper is the paper's everywhere; quick shrinks the numbers of the two
 * longer studies so each ends within about 10 minutes on 2 cores:
 *   pretrain   1 repeat (64 runs: 16 setups x 4 phases), batch sizes
 *              16..512, 640 training and 256 validation windows
 *   multitask  1 repeat (48 runs: 16 setups x 3 types), batch sizes 16..128,
 *              160 training and 64 validation images at 24 x 24
 * 0, or -1 for an unknown name. */
int pt_preset_study(const char *name, const char *kind, pt_preset *out);

typedef struct {
    const char *dataset, *data_dir, *model; /* model NULL: the dataset's */
    const char *device;                     /* backend name: ref, cpu, cuda */
    int threads;
    pt_optim_kind optimizer;
    uint64_t seed;                          /* repeat r uses seed + r - 1 */
    pt_preset preset;
    int resume;
    const char *db;                         /* store path */
    unsigned interval_ms;                   /* meter */
    const char *gpus;
    int progress;                           /* 0, 1, 2 (terminal) */
    volatile sig_atomic_t *interrupt;
    double idle_s;                          /* measure this many seconds of idle first (0: none) */
    double contamination;                   /* others' CPU share flagging an epoch (0: 0.1) */
    double cooldown_s;                      /* > 0: before each run after a trained one, wait until the
                                               billed power is within 5% of idle, at most this long
                                               (needs idle_s) */
    float alpha;                            /* multitask: weight of the attribute loss (0.5) */
    const char *encoder_weights;            /* multitask: resnet18 trunk safetensors, or NULL */
    const char *study_note;                 /* extra members of the study's config_json (tune), or NULL */
    int one_task;                           /* 0: every task; k > 0: only task k - 1 (a cluster array task) */
    double diverge_factor;                  /* diverged: train loss > factor x epoch 1's (0: 10) */
    int chance_epochs;                      /* stuck at chance after N epochs (0: 5; < 0: never) */
    pt_exec_spec exec;                      /* exec.argv: each run is this command (exec.h), no model of ours */
} pt_study_config;

/* One line on f: PREFIX<status> after N epochs (<reason>), best val acc A,
 * E J (method), to target T J -- "target not reached" where there is none,
 * never nan. */
void pt_study_say_result(FILE *f, const char *prefix, const pt_train_result *res);

/* The study's config_json without study_note: what identifies a grid of the
 * same dataset, model, device, optimizer, seed and preset numbers (and, with
 * --exec, the command and its regexes). n: at least 8192 with --exec. */
void pt_study_config_json(const pt_study_config *cfg, const char *model, char *buf, size_t n);

/* The longest note (extra config_json members) of a run. */
#define PT_STUDY_NOTE_MAX 8192
/* A multitask run's note: "encoder_weights":<the path as a JSON string>,
 * "alpha":A. 0, or -1 when it does not fit in n. */
int pt_study_multitask_note(const pt_study_config *cfg, char *note, size_t n);

/* A study's tasks: one per setup x repeat (a pretrain task trains its 4
 * phases, a multitask task its 3 types), numbered from 0 in the order the
 * study runs them: task = (repeat - 1) * setups + setup - 1. */
typedef struct {
    int setup, batch_size;
    double lr;
    int repeat;
} pt_study_task;

/* The number of tasks of cfg's preset; fills tasks[0..n-1] when tasks != NULL. */
int pt_study_tasks(const pt_study_config *cfg, pt_study_task *tasks);
/* The runs (phases) each task of a study kind trains: "train"; "pretrain",
 * "frozen", "unfrozen", "baseline"; "attr", "id", "both". Returns their
 * number, or 0 for an unknown kind. */
int pt_study_phases(const char *kind, const char *const **phases);

/* The shared state of a study while it runs. */
#define PT_STUDY_GPUS 16 /* GPUs whose temperature a cooldown watches */

typedef struct {
    const pt_study_config *cfg;
    pt_study_data data;
    pt_backend *be;
    pt_meter *meter;
    pt_store *store;
    int64_t study_id;
    char host[128], cpu[160], gpu[160];
    double idle_w; /* billed idle power measured at open (--idle), NAN when not measured */
    char gpu_bill[64]; /* the GPU backend's PCI bus id the meter bills (no --gpus), else "" */
    int nruns, nfailed; /* runs of this invocation's studies (stored ones included), of them failed */
    char eta[96];       /* run_phase's progress: "12 s elapsed, about 40 s left" ("" none) */
    int hot;            /* a run was trained since the last cooldown */
    double cool_waited_s, cool_w; /* the last cooldown: seconds waited, power at its end (NAN: none) */
    pt_meter_method cool_method;  /* the method of cool_w */
    int cool_reached;   /* it came within 5% of idle (and the GPUs within 2 C of their start) */
    /* --cooldown with GPUs: the billed GPU components, their temperatures at open (what the
       cooldown waits to come back to) and at the last cooldown's end; NAN: unavailable */
    int ngpu_temp, gpu_comp[PT_STUDY_GPUS];
    double temp0_c[PT_STUDY_GPUS], temp_c[PT_STUDY_GPUS];
} pt_study;

/* Opens the store, the data, the backend and the meter; creates (or, with
 * resume, finds) the study row of this kind and config. 0, or -1 with err. */
int pt_study_open(pt_study *s, const pt_study_config *cfg, const char *kind, char *err, size_t errlen);
void pt_study_close(pt_study *s);

/* The model for the study's data, planned for batch_size and initialised
 * with seed; NULL with err. */
pt_net *pt_study_net(pt_study *s, const char *model, int batch_size, uint64_t seed, char *err, size_t errlen);
/* A training config of net on the study's data, optimizer, meter and Ctrl-C
 * flag (no stopping rule, store or progress: the caller adds those). */
void pt_study_train_config(const pt_study *s, pt_net *net, double lr, uint64_t seed, pt_train_config *tc);
/* "counter", "eq1", anything else: estimated (the weakest; never overstate). */
pt_meter_method pt_study_method_parse(const char *name);

/* How one phase of a setup trains (pretrain and multitask studies). */
typedef struct {
    const char *model;     /* NULL: the study's model */
    int task;              /* a pt_task, or -1 for the data's */
    int stop_on_loss;      /* early stopping on validation loss (autoencoders) */
    const char *load_path; /* start from this checkpoint's matching tensors, or NULL */
    const char *freeze;    /* group to freeze, or NULL */
    const char *save_path; /* save the trained network here, or NULL */
    int frozen;            /* the store's frozen flag */
    const char *note;      /* extra config_json member, e.g. "\"encoder_weights\":\"random\"" */
    pt_run_watch watch;    /* tune's search: may stop the run early (status 'stopped'), or NULL */
    void *watch_ctx;
} pt_setup_opts;

/* Trains one setup into the store unless it is already finished there
 * (*skipped = 1). 0 with res filled, or -1 with err for a failure that ends
 * the study (the store or the data broke). A run that cannot be trained
 * (e.g. its batch exceeds the data) is stored as failed and returns 0. */
int pt_study_run_setup(pt_study *s, int setup, int batch_size, double lr, int repeat, const char *phase,
                       const pt_setup_opts *o, pt_train_result *res, int *skipped, char *err, size_t errlen);

/* The studies. Each returns 0 when every run ended (whatever its status), 1
 * when interrupted (resumable), 2 when every run failed (said on stderr), -1
 * on error (nothing stored when an input, e.g. --encoder-weights, is bad).
 *   regime    every setup x repeat: one run ("train")
 *   pretrain  per setup x repeat (PAMAP2): the autoencoder ("pretrain", early
 *             stopping on validation loss, its encoder saved), the classifier on
 *             that encoder frozen ("frozen") and unfrozen ("unfrozen"), and the
 *             classifier from scratch ("baseline"); Equation 2 per setup
 *   multitask per setup x repeat (CelebA): attributes ("attr"), identities
 *             ("id") and both ("both", alpha) on the resnet18 trunk */
int pt_study_regime(const pt_study_config *cfg, char *err, size_t errlen);
int pt_study_pretrain(const pt_study_config *cfg, char *err, size_t errlen);
int pt_study_multitask(const pt_study_config *cfg, char *err, size_t errlen);

/* tune (the verb): study/tune_run.h. A stored grid valued under an objective: study/grid.h. */

#endif
