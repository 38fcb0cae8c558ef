/* study_cli.c -- `powertrain train` (one run) and `powertrain regime` (the
 * batch size x learning rate grid): flags, validation before anything is
 * touched, Ctrl-C that leaves the study resumable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/models.h"
#include "study/slurm.h"
#include "study/study.h"
#include "study/tune_run.h"
#include "util/str.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends it at once */
    signal(SIGTERM, SIG_DFL);
}

static const char *common_help =
    "  --dataset D         fmnist, pamap2, celeba-id, celeba-attr or celeba\n"
    "  --data DIR          the data set's folder (fmnist: Debian's files by default)\n"
    "  --model M           a model of `powertrain models` (default: the dataset's)\n"
    "  --optimizer adam|sgd  constant learning rate (default adam; sgd with momentum 0.9)\n"
    "  --device D          backend: ref, cpu or cuda[:N] (default cpu when built with\n"
    "                      oneDNN, else ref); on cuda[:N] the meter bills that GPU\n"
    "                      only, unless --gpus is given\n"
    "  --threads N         CPU threads (default: all cores)\n"
    "  --threshold A       early stopping arms at validation accuracy A (default 0.8)\n"
    "  --patience N        epochs without improvement after arming (default: preset)\n"
    "  --max-epochs N      the cap (default: preset)\n"
    "  --seed S            weights and batch order (repeat r uses S + r - 1; default 1)\n"
    "  --db FILE           the results store (default results.db)\n"
    "  --interval MS       meter sampling interval (default 100)\n"
    "  --gpus all|LIST     GPUs to bill (default: those the job can see)\n"
    "  --idle S            measure S seconds of idle power first (stored with the runs)\n"
    "  --quiet             no per-epoch lines\n";

static int parse_list_int(const char *s, int *out, int max) {
    int n = 0;
    char buf[256];
    pt_strlcpy(buf, s, sizeof buf);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long v;
        if (n == max || pt_parse_long(tok, &v) != 0 || v < 1 || v > 1000000) return -1;
        out[n++] = (int)v;
    }
    return n;
}

static int parse_list_double(const char *s, double *out, int max) {
    int n = 0;
    char buf[256];
    pt_strlcpy(buf, s, sizeof buf);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        double v;
        if (n == max || pt_parse_double(tok, &v) != 0 || !(v > 0) || v > 100) return -1;
        out[n++] = v;
    }
    return n;
}

static int is_dataset(const char *d) {
    return !strcmp(d, "fmnist") || !strcmp(d, "pamap2") || !strcmp(d, "celeba-id") || !strcmp(d, "celeba-attr") ||
           !strcmp(d, "celeba");
}

/* Flags shared by train and regime. Returns 1 when argv[*i] was one, 0 when
   not, -1 on a bad value (error printed). */
static int common_flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c, double *threshold,
                       long *patience, long *max_epochs) {
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--quiet")) {
        c->progress = 0;
        return 1;
    }
    if (!strcmp(argv[*i], "--resume")) {
        c->resume = 1;
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--dataset", &v))) {
        if (r < 0) return -1;
        if (!is_dataset(v)) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--dataset: unknown dataset '%s' (datasets: %s)", v, pt_study_datasets());
            return -1;
        }
        c->dataset = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--data", &v))) {
        if (r < 0) return -1;
        if (access(v, R_OK | X_OK) != 0) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--data %s: no such readable folder", v);
            return -1;
        }
        c->data_dir = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--model", &v))) {
        if (r < 0) return -1;
        if (!pt_model_find(v)) {
            char err[256];
            pt_model_build(v, NULL, err, sizeof err);
            pt_cli_error(verb, PT_EXIT_USAGE, "--model: %s", err);
            return -1;
        }
        c->model = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--optimizer", &v))) {
        if (r < 0) return -1;
        if (!strcmp(v, "adam")) c->optimizer = PT_OPTIM_ADAM;
        else if (!strcmp(v, "sgd")) c->optimizer = PT_OPTIM_SGD;
        else {
            pt_cli_error(verb, PT_EXIT_USAGE, "--optimizer: expected adam or sgd, got '%s'", v);
            return -1;
        }
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--device", &v))) {
        if (r < 0) return -1;
        c->device = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--threads", &v))) {
        long t;
        if (r < 0 || pt_cli_parse_long(verb, "--threads", v, 1, 1024, &t)) return -1;
        c->threads = (int)t;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--threshold", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--threshold", v, 0, 1, threshold)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--patience", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--patience", v, 1, 100000, patience)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--max-epochs", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--max-epochs", v, 1, 1000000, max_epochs)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--seed", &v))) {
        long s;
        if (r < 0 || pt_cli_parse_long(verb, "--seed", v, 0, 2147483647L, &s)) return -1;
        c->seed = (uint64_t)s;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--db", &v))) {
        if (r < 0) return -1;
        c->db = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--interval", &v))) {
        long ms;
        if (r < 0 || pt_cli_parse_long(verb, "--interval", v, 1, 60000, &ms)) return -1;
        c->interval_ms = (unsigned)ms;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--gpus", &v))) {
        if (r < 0) return -1;
        c->gpus = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--idle", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--idle", v, 0, 3600, &c->idle_s)) return -1;
    } else {
        return 0;
    }
    return 1;
}

static const char *slurm_help =
    "\nOn a SLURM cluster (one array task per setup x repeat, each into its own shard\n"
    "store, then a merge job into --db; scripts in DB.slurm/study<ID>/):\n"
    "  --slurm             write the sbatch scripts instead of training here\n"
    "  --submit            ... and submit them (prints the array and merge job ids)\n"
    "  --dry-run           ... only print them (writes nothing)\n"
    "  --partition P, --account A, --time HH:MM:SS, --cpus-per-task N (also the\n"
    "                      tasks' --threads), --gpus-per-task N: the tasks' resources\n"
    "  --sbatch-arg ARG    one more sbatch option for both jobs (repeatable)\n"
    "  with --resume       only the tasks whose runs are neither finished in the\n"
    "                      store nor in their shard are submitted\n";

static void config_init(pt_study_config *c) {
    memset(c, 0, sizeof *c);
    c->device = strstr(pt_backend_available(), "cpu") ? "cpu" : "ref";
    c->optimizer = PT_OPTIM_ADAM;
    c->seed = 1;
    c->db = "results.db";
    c->progress = isatty(2) ? 2 : 1;
    c->interrupt = &interrupted;
    pt_preset_get("quick", &c->preset);
}

static pt_tune_opts tune_opts;

static int run_tune(const pt_study_config *c, char *err, size_t errlen) { return pt_study_tune(c, &tune_opts, err, errlen); }

static int run_study(const char *verb, pt_study_config *c, int single, int bs, double lr) {
    int (*study)(const pt_study_config *, char *, size_t) =
        !strcmp(verb, "pretrain")    ? pt_study_pretrain
        : !strcmp(verb, "multitask") ? pt_study_multitask
        : !strcmp(verb, "tune")      ? run_tune
                                     : pt_study_regime;
    char err[1024] = "";
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    int rc;
    if (single) {
        pt_study s;
        if (pt_study_open(&s, c, "train", err, sizeof err) != 0)
            return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
        pt_train_result res;
        int skipped;
        rc = pt_study_run_setup(&s, 0, bs, lr, 1, "train", NULL, &res, &skipped, err, sizeof err);
        if (rc == 0)
            printf("%s: %s after %d epochs, best val acc %.4f, energy %.2f J (%.4f Wh, %s), to target %.2f J; "
                   "study %lld in %s\n",
                   c->dataset, pt_run_status_name(res.status), res.epochs, res.best_val_acc, res.energy_j,
                   res.energy_j / 3600, pt_meter_method_name(res.method), res.energy_to_target_j,
                   (long long)s.study_id, c->db);
        pt_study_close(&s);
        if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        rc = interrupted ? 1 : 0;
    } else {
        rc = study(c, err, sizeof err);
        if (rc < 0) {
            /* nothing trained yet means a setup problem: usage */
            return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
        }
    }
    if (rc == 1) {
        fprintf(stderr, "powertrain %s: interrupted; finished runs are stored, rerun with --resume to continue\n",
                verb);
        return 130;
    }
    return PT_EXIT_OK;
}

int pt_cli_train(int argc, char **argv) {
    const char *verb = "train";
    pt_study_config c;
    config_init(&c);
    double threshold = 0.8;
    long patience = 40, max_epochs = 1000, bs = 0;
    double lr = 0;
    pt_preset_get("paper", &c.preset);
    c.preset.train_limit = c.preset.val_limit = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: powertrain train --dataset D --batch-size B --lr L [options]\n\n"
                   "Trains one setup, measuring every epoch's energy, into the results store.\n\n"
                   "  --batch-size B      training batch size (required)\n"
                   "  --lr L              constant learning rate (required)\n%s",
                   common_help);
            return PT_EXIT_OK;
        }
        if ((r = common_flag(verb, argc, argv, &i, &c, &threshold, &patience, &max_epochs))) {
            if (r < 0) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--batch-size", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--batch-size", v, 1, 1000000, &bs)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--lr", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--lr", v, 1e-12, 100, &lr)) return PT_EXIT_USAGE;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain train --help)", argv[i]);
        }
    }
    if (!c.dataset) return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset is required (%s)", pt_study_datasets());
    if (!bs) return pt_cli_error(verb, PT_EXIT_USAGE, "--batch-size is required");
    if (!(lr > 0)) return pt_cli_error(verb, PT_EXIT_USAGE, "--lr is required and must be > 0");
    c.preset.threshold = threshold;
    c.preset.patience = (int)patience;
    c.preset.max_epochs = (int)max_epochs;
    pt_strlcpy(c.preset.name, "custom", sizeof c.preset.name);
    return run_study(verb, &c, 1, (int)bs, lr);
}

/* --slurm: the study's identity and tasks, its row in the store, the scripts. */
static int slurm_study(const char *verb, pt_study_config *c, const char *const *targv, int targc,
                       const pt_slurm_options *so, int mode) {
    char err[2048] = "";
    if (pt_slurm_check_options(so, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    if (mode == PT_SLURM_SUBMIT && !pt_slurm_available())
        return pt_cli_error(verb, PT_EXIT_FAIL, "--submit: sbatch is not on PATH (is this a SLURM login node?)");
    if (!strcmp(verb, "pretrain") && strcmp(c->dataset, "pamap2") != 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "the autoencoder study runs on pamap2, not %s", c->dataset);
    if (!strcmp(verb, "multitask") && strcmp(c->dataset, "celeba") != 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "the study runs on celeba (both label sets), not %s", c->dataset);
    char json[1024];
    pt_study_config_json(c, pt_study_dataset_model(c->dataset), json, sizeof json);
    int ntasks = pt_study_tasks(c, NULL);
    pt_study_task *tasks = calloc((size_t)ntasks, sizeof *tasks);
    int *sel = calloc((size_t)ntasks, sizeof *sel);
    if (!tasks || !sel) {
        free(tasks);
        free(sel);
        return pt_cli_error(verb, PT_EXIT_FAIL, "out of memory");
    }
    pt_study_tasks(c, tasks);
    const char *const *phases;
    int nphases = pt_study_phases(verb, &phases);
    pt_store *st = NULL;
    int64_t study = -1, existing = 0;
    int rc = PT_EXIT_OK;
    if (mode == PT_SLURM_DRY_RUN) { /* nothing is written: the study it would be */
        if (access(c->db, F_OK) == 0) {
            st = pt_store_open_readonly(c->db, err, sizeof err);
            if (!st) {
                rc = pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
                goto out;
            }
            if (c->resume) study = pt_store_study_find(st, verb, c->dataset, c->preset.name, json, err, sizeof err);
            if (study > 0) existing = 1;
            else study = pt_store_count(st, "studies", err, sizeof err) + 1;
        } else {
            study = 1;
        }
    } else {
        st = pt_store_open(c->db, 1, err, sizeof err);
        if (!st) {
            rc = pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
            goto out;
        }
        int created = 1;
        study = c->resume ? pt_store_study_get(st, verb, c->dataset, c->preset.name, json, &created, err, sizeof err)
                          : pt_store_study_new(st, verb, c->dataset, c->preset.name, json, err, sizeof err);
        existing = !created;
    }
    if (study <= 0) {
        rc = pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        goto out;
    }
    pt_slurm_study js = {.exe = NULL,
                         .db = c->db,
                         .study_id = study,
                         .name = verb,
                         .argv = targv,
                         .argc = targc,
                         .tasks = tasks,
                         .ntasks = ntasks,
                         .phases = phases,
                         .nphases = nphases,
                         .kind = verb,
                         .dataset = c->dataset,
                         .preset = c->preset.name,
                         .config_json = json};
    for (int i = 0; i < ntasks; i++) sel[i] = 1;
    if (c->resume) {
        int n = pt_slurm_pending(&js, existing ? st : NULL, sel, err, sizeof err);
        if (n < 0) {
            rc = pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
            goto out;
        }
        if (n == 0) {
            char dir[4200];
            pt_slurm_dir(&js, dir, sizeof dir);
            fprintf(stderr,
                    "powertrain %s: study %lld: all %d tasks are finished (in %s or in %s/shards); nothing to "
                    "submit\n",
                    verb, (long long)study, ntasks, c->db, dir);
            goto out;
        }
        long active = mode == PT_SLURM_SUBMIT ? pt_slurm_active_array(&js) : 0;
        if (active > 0) {
            rc = pt_cli_error(verb, PT_EXIT_FAIL,
                              "study %lld: array job %ld is still queued or running; wait for it (squeue -j %ld) or "
                              "cancel it (scancel %ld) before --resume",
                              (long long)study, active, active, active);
            goto out;
        }
    }
    pt_store_close(st); /* the jobs write the store, not this process */
    st = NULL;
    int r = pt_slurm_run(&js, sel, so, mode, stdout, err, sizeof err);
    if (r != 0) {
        rc = pt_cli_error(verb, r == 2 ? PT_EXIT_USAGE : PT_EXIT_FAIL, "%s", err);
        if (!existing && mode != PT_SLURM_DRY_RUN && r != 3) { /* nothing was submitted: no empty study left behind */
            char derr[512];
            pt_store *d = pt_store_open(c->db, 0, derr, sizeof derr);
            if (d) {
                pt_store_study_drop_empty(d, study, derr, sizeof derr);
                pt_store_close(d);
            }
        }
    }
out:
    if (st) pt_store_close(st);
    free(tasks);
    free(sel);
    return rc;
}

static const char *study_help[4] = {
    "usage: powertrain regime --dataset D [--preset paper|quick] [options]\n\n"
    "The paper's training-regime study: every batch size x learning rate setup\n"
    "(Table 1) x repeats, each trained with threshold early stopping and every\n"
    "epoch's energy measured, into the results store.\n",
    "usage: powertrain pretrain [--dataset pamap2] --data DIR [--preset paper|quick] [options]\n\n"
    "The paper's pretraining study: per setup x repeat, (1) the autoencoder with\n"
    "early stopping on validation loss (its encoder saved beside the store), (2) the\n"
    "classifier on that encoder frozen, (3) unfrozen, (4) the classifier from scratch;\n"
    "Equation (2)'s break-even per setup (infinite when it never pays back).\n",
    "usage: powertrain multitask [--dataset celeba] --data DIR [--preset paper|quick] [options]\n\n"
    "The paper's multitask study on the resnet18 trunk: attributes only, identities\n"
    "only, and both (alpha * L_attr + (1 - alpha) * L_id), per setup x repeat.\n"
    "  --alpha A           weight of the attribute loss (default 0.5)\n"
    "  --encoder-weights FILE  resnet18 trunk weights (safetensors, timm/torchvision\n"
    "                      names; default: random initialisation, stored with the runs)\n",
    "usage: powertrain tune --dataset D [--space paper|BS_LIST:LR_LIST] [--mode exact|fast] [options]\n\n"
    "Finds the setup (batch size x learning rate) that reaches the target accuracy\n"
    "for the least energy without paying for the whole grid: a probe measures each\n"
    "batch size's energy per step, setups run cheapest-predicted first, and a run\n"
    "is stopped the moment it can no longer beat the best so far. Every probe and\n"
    "run is stored (study kind \"tune\"); with a regime study of the same flags in\n"
    "the store it also prints the regret and the savings against the full grid.\n"
    "  --space S           paper (the preset's 16 setups, default) or BS_LIST:LR_LIST,\n"
    "                      e.g. 64,256:0.01,0.001\n"
    "  --mode exact|fast   exact (default): never loses the grid's optimum on the same\n"
    "                      runs; fast: learning-curve predictions and halving over\n"
    "                      repeats, for more savings at a bounded risk\n"
    "  --objective O       energy-to-target (default), total-energy, or cost:ETA\n"
    "                      (Zeus: ETA * E + (1 - ETA) * P_max * T)\n"
    "  --pmax W            P_max for cost:ETA (default: the billed devices' limits)\n"
    "  --budget-j J        stop the search once it has spent J joules\n"
    "  --probe-steps N     steps per batch-size probe (default 200, quick 20; at most\n"
    "                      half an epoch; at least 0.5 s)\n"
    "  --z Z               fast mode's optimism in standard errors (default 2)\n"
    "  --replay            search the stored regime grid of the same flags instead of\n"
    "                      training: its runs' epochs are replayed, so the answer and\n"
    "                      the savings are on the very energies the grid measured\n"};

static int study_verb(const char *verb, int which, int argc, char **argv) {
    pt_study_config c;
    config_init(&c);
    if (which == 1) c.dataset = "pamap2";
    if (which == 2) c.dataset = "celeba";
    double threshold = -1;
    long patience = -1, max_epochs = -1, repeats = -1;
    const char *bs_list = NULL, *lr_list = NULL, *preset = "quick";
    char space_bs[256] = "", space_lr[256] = "";
    double pmax = 0;
    memset(&tune_opts, 0, sizeof tune_opts);
    tune_opts.z = 2;
    tune_opts.probe_steps = -1;
    /* --slurm: the flags the tasks get are argv less the cluster's own, --db and --resume */
    int slurm = 0, mode = PT_SLURM_WRITE, threads_given = 0, nsb = 0;
    const char *slurm_flag = NULL;
    pt_slurm_options so;
    memset(&so, 0, sizeof so);
    const char *sbatch_args[argc + 1], *targv[argc + 4];
    char keep[argc + 1];
    memset(keep, 0, sizeof keep);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r, i0 = i, drop = 0;
        long n;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("%sCtrl-C stops after the batch in flight; --resume skips finished runs and\n"
                   "restarts the one in flight.\n\n"
                   "  --preset paper|quick  paper: 64..4096, patience 40; quick: data slices,\n"
                   "                      batch sizes 16..1024, patience 3, cap 15 (default quick;\n"
                   "                      pretrain quick: 1 repeat, batch 16..512, 640 windows; multitask\n"
                   "                      quick: 1 repeat, batch 16..128, 160 images at 24x24)\n"
                   "  --batch-sizes LIST  e.g. 64,256,1024,4096\n"
                   "  --lrs LIST          e.g. 0.1,0.01,0.001,0.0001\n"
                   "  --repeats N         runs per setup (default 2)\n"
                   "  --resume            continue the latest study of the same configuration\n%s%s",
                   study_help[which], common_help, which < 3 ? slurm_help : "");
            return PT_EXIT_OK;
        }
        if (which < 3 && !strcmp(argv[i], "--slurm")) {
            slurm = drop = 1;
        } else if (which < 3 && (!strcmp(argv[i], "--submit") || !strcmp(argv[i], "--dry-run"))) {
            if (slurm_flag && (!strcmp(slurm_flag, "--submit") || !strcmp(slurm_flag, "--dry-run")) &&
                strcmp(slurm_flag, argv[i]))
                return pt_cli_error(verb, PT_EXIT_USAGE, "--submit and --dry-run exclude each other");
            mode = !strcmp(argv[i], "--submit") ? PT_SLURM_SUBMIT : PT_SLURM_DRY_RUN;
            slurm_flag = argv[i];
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--partition", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            so.partition = v;
            slurm_flag = "--partition";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--account", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            so.account = v;
            slurm_flag = "--account";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--time", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            so.time = v;
            slurm_flag = "--time";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--gpus-per-task", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--gpus-per-task", v, 1, 64, &n)) return PT_EXIT_USAGE;
            so.gpus_per_task = (int)n;
            slurm_flag = "--gpus-per-task";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--cpus-per-task", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--cpus-per-task", v, 1, 1024, &n)) return PT_EXIT_USAGE;
            so.cpus_per_task = (int)n;
            slurm_flag = "--cpus-per-task";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--sbatch-arg", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            sbatch_args[nsb++] = v;
            slurm_flag = "--sbatch-arg";
            drop = 1;
        } else if (which < 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--task-index", &v))) {
            /* internal: the array task's index (see --slurm) */
            if (r < 0 || pt_cli_parse_long(verb, "--task-index", v, 0, 1000000, &n)) return PT_EXIT_USAGE;
            c.one_task = (int)n + 1;
        } else if ((r = common_flag(verb, argc, argv, &i, &c, &threshold, &patience, &max_epochs))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (!strcmp(argv[i0], "--resume") || pt_starts_with(argv[i0], "--db")) drop = 1;
            if (pt_starts_with(argv[i0], "--threads")) threads_given = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--preset", &v))) {
            pt_preset tmp;
            if (r < 0) return PT_EXIT_USAGE;
            if (pt_preset_get(v, &tmp) != 0)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--preset: expected paper or quick, got '%s'", v);
            preset = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--batch-sizes", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            bs_list = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--lrs", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            lr_list = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--repeats", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--repeats", v, 1, 100, &repeats)) return PT_EXIT_USAGE;
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--space", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            const char *colon = strchr(v, ':');
            if (strcmp(v, "paper") != 0) {
                if (!colon || colon == v || !colon[1] || strlen(v) >= sizeof space_bs)
                    return pt_cli_error(verb, PT_EXIT_USAGE,
                                        "--space: expected paper or BS_LIST:LR_LIST like 64,256:0.01,0.001, got '%s'",
                                        v);
                memcpy(space_bs, v, (size_t)(colon - v));
                space_bs[colon - v] = '\0';
                pt_strlcpy(space_lr, colon + 1, sizeof space_lr);
                bs_list = space_bs;
                lr_list = space_lr;
            }
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--mode", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (!strcmp(v, "exact")) tune_opts.mode = PT_TUNE_EXACT;
            else if (!strcmp(v, "fast")) tune_opts.mode = PT_TUNE_FAST;
            else return pt_cli_error(verb, PT_EXIT_USAGE, "--mode: expected exact or fast, got '%s'", v);
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--objective", &v))) {
            char oerr[256];
            if (r < 0) return PT_EXIT_USAGE;
            if (pt_objective_parse(v, &tune_opts.objective, oerr, sizeof oerr) != 0)
                return pt_cli_error(verb, PT_EXIT_USAGE, "%s", oerr);
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--pmax", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--pmax", v, 0.001, 1e7, &pmax)) return PT_EXIT_USAGE;
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--budget-j", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--budget-j", v, 1e-9, 1e15, &tune_opts.budget_j))
                return PT_EXIT_USAGE;
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--probe-steps", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--probe-steps", v, 1, 1000000, &tune_opts.probe_steps))
                return PT_EXIT_USAGE;
        } else if (which == 3 && !strcmp(argv[i], "--replay")) {
            tune_opts.replay = 1;
        } else if (which == 3 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--z", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--z", v, 0, 10, &tune_opts.z)) return PT_EXIT_USAGE;
        } else if (which == 2 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--alpha", &v))) {
            double a;
            if (r < 0 || pt_cli_parse_double(verb, "--alpha", v, 0.0001, 0.9999, &a)) return PT_EXIT_USAGE;
            c.alpha = (float)a;
        } else if (which == 2 && (r = pt_cli_flag_value(verb, argc, argv, &i, "--encoder-weights", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (access(v, R_OK) != 0)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--encoder-weights %s: no such readable file", v);
            c.encoder_weights = v;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain %s --help)", argv[i], verb);
        }
        if (!drop)
            for (int k = i0; k <= i; k++) keep[k] = 1;
    }
    if (!c.dataset) return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset is required (%s)", pt_study_datasets());
    if (slurm_flag && !slurm)
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s needs --slurm (see powertrain %s --help)", slurm_flag, verb);
    if (slurm && c.one_task > 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--task-index runs one task of a --slurm study; not with --slurm");
    pt_preset_study(preset, verb, &c.preset);
    if (bs_list && (c.preset.nbs = parse_list_int(bs_list, c.preset.batch_sizes, PT_STUDY_MAX_GRID)) < 1)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--batch-sizes: expected positive integers like 64,256, got '%s'",
                            bs_list);
    if (lr_list && (c.preset.nlr = parse_list_double(lr_list, c.preset.lrs, PT_STUDY_MAX_GRID)) < 1)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--lrs: expected learning rates > 0 like 0.01,0.001, got '%s'",
                            lr_list);
    if (which == 3) {
        const char *space = bs_list ? "--space" : NULL;
        if (space && c.preset.nbs > 16)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--space: at most 16 batch sizes, got %d", c.preset.nbs);
        if (c.preset.nbs * c.preset.nlr > PT_TUNE_MAX_SETUPS)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--space: at most %d setups, got %d", PT_TUNE_MAX_SETUPS,
                                c.preset.nbs * c.preset.nlr);
        if (tune_opts.probe_steps < 0) tune_opts.probe_steps = !strcmp(preset, "quick") ? 20 : 200;
        if (pmax > 0) tune_opts.objective.pmax_w = pmax;
        if (pmax > 0 && tune_opts.objective.kind != PT_OBJ_COST)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--pmax applies to --objective cost:ETA only");
    }
    if (repeats > 0) c.preset.repeats = (int)repeats;
    if (threshold >= 0) c.preset.threshold = threshold;
    if (patience > 0) c.preset.patience = (int)patience;
    if (max_epochs > 0) c.preset.max_epochs = (int)max_epochs;
    if (c.one_task > pt_study_tasks(&c, NULL))
        return pt_cli_error(verb, PT_EXIT_USAGE, "--task-index %d: the study has %d tasks (0..%d)", c.one_task - 1,
                            pt_study_tasks(&c, NULL), pt_study_tasks(&c, NULL) - 1);
    if (slurm) {
        int targc = 0;
        targv[targc++] = verb;
        for (int k = 1; k < argc; k++)
            if (keep[k]) targv[targc++] = argv[k];
        char threads[32];
        if (so.cpus_per_task > 0 && !threads_given) { /* the task's cores, not the node's */
            snprintf(threads, sizeof threads, "%d", so.cpus_per_task);
            targv[targc++] = "--threads";
            targv[targc++] = threads;
        }
        so.sbatch_args = sbatch_args;
        so.nsbatch_args = nsb;
        return slurm_study(verb, &c, targv, targc, &so, mode);
    }
    return run_study(verb, &c, 0, 0, 0);
}

int pt_cli_regime(int argc, char **argv) { return study_verb("regime", 0, argc, argv); }
int pt_cli_pretrain(int argc, char **argv) { return study_verb("pretrain", 1, argc, argv); }
int pt_cli_multitask(int argc, char **argv) { return study_verb("multitask", 2, argc, argv); }
int pt_cli_tune(int argc, char **argv) { return study_verb("tune", 3, argc, argv); }
