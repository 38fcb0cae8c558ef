/* cmd_study.c -- `powertrain train` (one run) and the studies of
 * study/kind.h (regime, pretrain, multitask, tune): flags, validation before
 * anything is touched, --slurm's scripts, Ctrl-C that leaves the study
 * resumable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/models.h"
#include "study/data.h"
#include "study/kind.h"
#include "study/slurm.h"
#include "study/study.h"
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
    "  --diverge-factor F  diverged: training loss above F x the first epoch's (default 10)\n"
    "  --chance-epochs N   not_reached \"stuck at chance\": best val acc still within 0.05\n"
    "                      of chance after N epochs (default 5; 0: never)\n"
    "  --seed S            weights and batch order (repeat r uses S + r - 1; default 1)\n"
    "  --db FILE           the results store (default results.db)\n"
    "  --interval MS       meter sampling interval (default 100)\n"
    "  --gpus all|LIST     GPUs to bill (default: those the job can see)\n"
    "  --idle S            measure S seconds of idle power first (stored with the runs;\n"
    "                      the job's share of CPU energy is billed above it)\n"
    "  --cooldown S        before each run after a trained one, wait until power is\n"
    "                      within 5% of idle (needs --idle), at most S seconds (stored)\n"
    "  --contamination F   an epoch where other processes used more than F of the\n"
    "                      machine's CPU is flagged contaminated (default 0.1)\n"
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

/* A study --dataset is a task of the data registry (study/data.h). */
static int is_dataset(const char *d) { return pt_study_dataset_model(d) != NULL; }

/* With --exec, --dataset only names the command's data in the store. */
static int exec_label(const char *v) {
    size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    return n > 0 && n < 64 && !v[n];
}

/* Counts the comma-separated values of s (at most a grid's worth is accepted). */
static int list_count(const char *s) {
    int n = 1;
    for (; *s; s++) n += *s == ',';
    return n;
}

/* The energy flags of train and the studies (idle, cooldown, contamination):
   1 when argv[*i] was one, 0 when not, -1 on a bad value (error printed). */
static int energy_flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c) {
    const char *v;
    int r;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--idle", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--idle", v, 0, 3600, &c->idle_s)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--cooldown", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--cooldown", v, 1, 86400, &c->cooldown_s)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--contamination", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--contamination", v, 0.001, 1, &c->contamination)) return -1;
    } else {
        return 0;
    }
    return 1;
}

/* Flags shared by train and regime. Returns 1 when argv[*i] was one, 0 when
   not, -1 on a bad value (error printed). */
/* --diverge-factor, --chance-epochs: 1 (taken), 0 (not these), -1 (said). */
static int stop_flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c) {
    const char *v;
    int r;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--diverge-factor", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--diverge-factor", v, 1.0001, 1e6, &c->diverge_factor)) return -1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--chance-epochs", &v))) {
        long n;
        if (r < 0 || pt_cli_parse_long(verb, "--chance-epochs", v, 0, 1000000, &n)) return -1;
        c->chance_epochs = n == 0 ? -1 : (int)n;
    } else {
        return 0;
    }
    return 1;
}

/* --dataset's value: a known data set, or with --exec a plain label. 0, or -1 (said). */
static int check_dataset(const char *verb, const pt_study_config *c, const char *v) {
    if (c->exec.argv ? exec_label(v) : is_dataset(v)) return 0;
    if (c->exec.argv)
        pt_cli_error(verb, PT_EXIT_USAGE, "--dataset '%s': with --exec, a name of letters, digits, '.', '_' or '-'", v);
    else
        pt_cli_error(verb, PT_EXIT_USAGE, "--dataset: unknown dataset '%s' (datasets: %s)", v, pt_study_datasets());
    return -1;
}

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
        if (r < 0 || check_dataset(verb, c, v) != 0) return -1;
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
    } else if ((r = stop_flag(verb, argc, argv, i, c))) {
        if (r < 0) return -1;
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
    } else {
        return energy_flag(verb, argc, argv, i, c);
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

static void catch_interrupt(void) {
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
}

/* The study's exit: 130 after Ctrl-C (resumable), 1 when every run failed, else 0. */
static int study_exit(const char *verb, int interrupted_rc) {
    if (interrupted_rc == 2) return PT_EXIT_FAIL; /* the study said so */
    if (interrupted_rc == 1) {
        fprintf(stderr, "powertrain %s: interrupted; finished runs are stored, rerun with --resume to continue\n",
                verb);
        return 130;
    }
    return PT_EXIT_OK;
}

/* `train`: one setup as study kind "train", its summary line on stdout;
   exit 1 when the run failed. */
static int run_single(const char *verb, pt_study_config *c, int bs, double lr) {
    char err[1024] = "";
    catch_interrupt();
    pt_study s;
    if (pt_study_open(&s, c, "train", err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    pt_train_result res;
    int skipped;
    int rc = pt_study_run_setup(&s, 0, bs, lr, 1, "train", NULL, &res, &skipped, err, sizeof err);
    if (rc == 0) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s: ", c->dataset);
        pt_study_say_result(stdout, prefix, &res);
        printf("%s: %.4f Wh; study %lld in %s\n", c->dataset, res.energy_j / 3600, (long long)s.study_id, c->db);
    }
    if (rc == 0 && (res.job_unknown || res.contaminated || res.machine_energy_j > res.energy_j))
        printf("energy: %s; the machine drew %.2f J in all; %d epoch%s contaminated by other processes\n",
               res.job_unknown ? "the machine's (the job's share is unknown: no idle power; pass --idle)"
                               : "the job's own share",
               res.machine_energy_j, res.contaminated, res.contaminated == 1 ? "" : "s");
    pt_study_close(&s);
    if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    if (res.status == PT_RUN_FAILED) return PT_EXIT_FAIL; /* its reason is on stderr, its summary above */
    return study_exit(verb, interrupted ? 1 : 0);
}

/* A study of kind k, trained here. */
static int run_kind(const pt_study_kind *k, const pt_study_config *c, const pt_kind_opts *o) {
    char err[1024] = "";
    catch_interrupt();
    int rc = k->run(c, o, err, sizeof err);
    if (rc < 0) return pt_cli_error(k->name, PT_EXIT_USAGE, "%s", err); /* nothing trained yet: usage */
    return study_exit(k->name, rc);
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
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    return run_single(verb, &c, (int)bs, lr);
}

/* --slurm's flags: the cluster's own, and the flags its tasks get (argv
   less the cluster's own, --db and --resume). */
typedef struct {
    int on, mode, threads_given, nsb;
    const char *flag;    /* the last cluster flag seen (they need --slurm) */
    pt_slurm_options so;
    const char **sbatch_args;
} slurm_args;

/* The study's row in the store: the study it would be (--dry-run, nothing
   written) or the one it is. Sets *existing when it was there already;
   returns the id, <= 0 on error (printed), *st the store held open. */
static int64_t slurm_study_row(const char *verb, const pt_study_config *c, const char *json, int mode, pt_store **st,
                               int *existing) {
    char err[2048] = "";
    int64_t study = -1;
    *existing = 0;
    if (mode == PT_SLURM_DRY_RUN) { /* nothing is written: the study it would be */
        if (access(c->db, F_OK) != 0) return 1;
        *st = pt_store_open_readonly(c->db, err, sizeof err);
        if (!*st) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err), -1;
        if (c->resume) study = pt_store_study_find(*st, verb, c->dataset, c->preset.name, json, err, sizeof err);
        if (study > 0) *existing = 1;
        else study = pt_store_count(*st, "studies", err, sizeof err) + 1;
    } else {
        *st = pt_store_open(c->db, 1, err, sizeof err);
        if (!*st) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err), -1;
        int created = 1;
        study = c->resume ? pt_store_study_get(*st, verb, c->dataset, c->preset.name, json, &created, err, sizeof err)
                          : pt_store_study_new(*st, verb, c->dataset, c->preset.name, json, err, sizeof err);
        *existing = !created;
    }
    if (study <= 0) pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    return study;
}

/* --resume: marks in sel the tasks still to run. Returns how many (0: all
   finished, said on stderr), -1 after printing the error. */
static int slurm_pending(const char *verb, const pt_study_config *c, const pt_slurm_study *js, pt_store *st,
                         int existing, int mode, int *sel) {
    char err[2048] = "";
    int n = pt_slurm_pending(js, existing ? st : NULL, sel, err, sizeof err);
    if (n < 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err), -1;
    if (n == 0) {
        char dir[4200];
        pt_slurm_dir(js, dir, sizeof dir);
        fprintf(stderr,
                "powertrain %s: study %lld: all %d tasks are finished (in %s or in %s/shards); nothing to "
                "submit\n",
                verb, (long long)js->study_id, js->ntasks, c->db, dir);
        return 0;
    }
    long active = mode == PT_SLURM_SUBMIT ? pt_slurm_active_array(js) : 0;
    if (active > 0)
        return pt_cli_error(verb, PT_EXIT_FAIL,
                            "study %lld: array job %ld is still queued or running; wait for it (squeue -j %ld) or "
                            "cancel it (scancel %ld) before --resume",
                            (long long)js->study_id, active, active, active),
               -1;
    return n;
}

/* Writes (and submits) the scripts; on failure no empty study is left behind. */
static int slurm_write(const char *verb, const pt_study_config *c, const pt_slurm_study *js, const int *sel,
                       const pt_slurm_options *so, int mode, int existing) {
    char err[2048] = "";
    int r = pt_slurm_run(js, sel, so, mode, stdout, err, sizeof err);
    if (r == 0) return PT_EXIT_OK;
    int rc = pt_cli_error(verb, r == 2 ? PT_EXIT_USAGE : PT_EXIT_FAIL, "%s", err);
    if (!existing && mode != PT_SLURM_DRY_RUN && r != 3) { /* nothing was submitted: no empty study left behind */
        char derr[512];
        pt_store *d = pt_store_open(c->db, 0, derr, sizeof derr);
        if (d) {
            pt_store_study_drop_empty(d, js->study_id, derr, sizeof derr);
            pt_store_close(d);
        }
    }
    return rc;
}

/* --slurm: the study's identity and tasks, its row in the store, the scripts. */
static int slurm_study(const pt_study_kind *k, pt_study_config *c, const char *const *targv, int targc,
                       const pt_slurm_options *so, int mode) {
    const char *verb = k->name;
    char err[2048] = "";
    if (pt_slurm_check_options(so, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    if (mode == PT_SLURM_SUBMIT && !pt_slurm_available())
        return pt_cli_error(verb, PT_EXIT_FAIL, "--submit: sbatch is not on PATH (is this a SLURM login node?)");
    if (k->slurm_dataset && strcmp(c->dataset, k->slurm_dataset) != 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s, not %s", k->slurm_dataset_why, c->dataset);
    char json[PT_EXEC_JSON_MAX + 2048];
    pt_study_config_json(c, c->exec.argv ? NULL : pt_study_dataset_model(c->dataset), json, sizeof json);
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
    int existing = 0, rc = PT_EXIT_FAIL;
    pt_slurm_study js = {.db = c->db, .name = verb, .argv = targv, .argc = targc, .tasks = tasks,
                         .ntasks = ntasks, .phases = phases, .nphases = nphases, .kind = verb,
                         .dataset = c->dataset, .preset = c->preset.name, .config_json = json};
    int64_t study = -1; /* values a script cannot carry are refused before the store is touched */
    if (pt_slurm_check_study(&js, err, sizeof err) != 0) rc = pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    else study = js.study_id = slurm_study_row(verb, c, json, mode, &st, &existing);
    for (int i = 0; i < ntasks; i++) sel[i] = 1;
    int pending = study <= 0 ? -1 : c->resume ? slurm_pending(verb, c, &js, st, existing, mode, sel) : ntasks;
    if (study <= 0 && !st) rc = PT_EXIT_USAGE; /* refused, or the store did not open */
    if (pending == 0) rc = PT_EXIT_OK;
    if (st) pt_store_close(st); /* the jobs write the store, not this process */
    if (pending > 0) rc = slurm_write(verb, c, &js, sel, so, mode, existing);
    free(tasks);
    free(sel);
    return rc;
}

/* The cluster's flags (taken only where the kind runs on SLURM): 1 taken, 0
   not one, -1 bad (error printed). */
static int slurm_flag(const char *verb, int argc, char **argv, int *i, slurm_args *sa) {
    const char *v;
    long n;
    int r;
    if (!strcmp(argv[*i], "--slurm")) {
        sa->on = 1;
        return 1;
    }
    if (!strcmp(argv[*i], "--submit") || !strcmp(argv[*i], "--dry-run")) {
        if (sa->flag && (!strcmp(sa->flag, "--submit") || !strcmp(sa->flag, "--dry-run")) && strcmp(sa->flag, argv[*i]))
            return pt_cli_error(verb, PT_EXIT_USAGE, "--submit and --dry-run exclude each other"), -1;
        sa->mode = !strcmp(argv[*i], "--submit") ? PT_SLURM_SUBMIT : PT_SLURM_DRY_RUN;
        sa->flag = argv[*i];
        return 1;
    }
    static const char *const text[] = {"--partition", "--account", "--time", "--sbatch-arg"};
    for (int t = 0; t < 4; t++) {
        if (!(r = pt_cli_flag_value(verb, argc, argv, i, text[t], &v))) continue;
        if (r < 0) return -1;
        if (t == 0) sa->so.partition = v;
        if (t == 1) sa->so.account = v;
        if (t == 2) sa->so.time = v;
        if (t == 3) sa->sbatch_args[sa->nsb++] = v;
        sa->flag = text[t];
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--gpus-per-task", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--gpus-per-task", v, 1, 64, &n)) return -1;
        sa->so.gpus_per_task = (int)n;
        sa->flag = "--gpus-per-task";
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--cpus-per-task", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--cpus-per-task", v, 1, 1024, &n)) return -1;
        sa->so.cpus_per_task = (int)n;
        sa->flag = "--cpus-per-task";
        return 1;
    }
    return 0;
}

/* What the flags every study shares set beyond the config (-1: not given). */
typedef struct {
    double threshold;
    long patience, max_epochs, repeats;
} study_overrides;

/* The grid's flags every study has: --preset, --batch-sizes, --lrs, --repeats. */
static int grid_flag(const char *verb, int argc, char **argv, int *i, pt_kind_opts *o, study_overrides *ov) {
    const char *v;
    int r;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--preset", &v))) {
        pt_preset tmp;
        if (r < 0) return -1;
        if (pt_preset_get(v, &tmp) != 0)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--preset: expected paper or quick, got '%s'", v), -1;
        o->preset = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--batch-sizes", &v))) {
        if (r < 0) return -1;
        o->bs_list = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--lrs", &v))) {
        if (r < 0) return -1;
        o->lr_list = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--repeats", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--repeats", v, 1, 100, &ov->repeats)) return -1;
    } else {
        return 0;
    }
    return 1;
}

static const char *exec_help =
    "\nAround your own trainer (each run is the command, placeholders filled):\n"
    "  --exec -- CMD ARGS...  {batch_size} {lr} {seed} {repeat} {run_dir} {max_epochs}\n"
    "                      in any argument are the setup's values (never through a\n"
    "                      shell); its output goes to {run_dir}/output.log\n"
    "  --acc-regex ERE     an output line with the epoch's validation accuracy in\n"
    "                      group 1 (above 1: a percentage); it ends the epoch unless\n"
    "                      --epoch-regex is given\n"
    "  --epoch-regex ERE   each matching line ends an epoch (its metrics on that line\n"
    "                      or a later one)\n"
    "  --loss-regex ERE    the validation loss in group 1 (optional)\n"
    "                      without regexes: lines 'epoch_end N val_acc=A val_loss=L'\n"
    "                      on the FIFO in $POWERTRAIN_MARKS (powertrain_meter.report_epoch)\n"
    "  --grace S           early stop: SIGTERM to the command's process group, SIGKILL\n"
    "                      S seconds later (default 10)\n"
    "  --dataset NAME      only names the command's data in the store (default exec)\n";

/* --exec and its flags (kinds with .exec): 1 taken, 0 not one, -1 bad (error printed). */
static int exec_flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c) {
    static const char *const re[3] = {"--epoch-regex", "--acc-regex", "--loss-regex"};
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--exec")) return 1; /* its command (after --) was taken by study_main */
    for (int k = 0; k < 3; k++) {
        if (!(r = pt_cli_flag_value(verb, argc, argv, i, re[k], &v))) continue;
        if (r < 0) return -1;
        if (k == 0) c->exec.epoch_regex = v;
        if (k == 1) c->exec.acc_regex = v;
        if (k == 2) c->exec.loss_regex = v;
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--grace", &v)))
        return r < 0 || pt_cli_parse_double(verb, "--grace", v, 0, 86400, &c->exec.grace_s) ? -1 : 1;
    return 0;
}

/* Flags of powertrain's own training, which --exec's command replaces: the one it is, or NULL. */
static const char *own_training_flag(const char *arg) {
    static const char *const own[] = {"--model", "--data", "--optimizer", "--device", "--threads"};
    for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
        if (pt_starts_with(arg, own[k]) && (arg[strlen(own[k])] == '\0' || arg[strlen(own[k])] == '='))
            return own[k];
    return NULL;
}

static void study_help(const pt_study_kind *k) {
    printf("%sCtrl-C stops after the batch in flight; --resume skips finished runs and\n"
           "restarts the one in flight.\n\n"
           "  --preset paper|quick  paper: 64..4096, patience 40; quick: data slices,\n"
           "                      batch sizes 16..128, patience 2, cap 15 (default quick;\n"
           "                      pretrain quick: 1 repeat, batch 16..512, 640 windows; multitask\n"
           "                      quick: 1 repeat, batch 16..128, 160 images at 24x24)\n"
           "  --batch-sizes LIST  e.g. 64,256,1024,4096\n"
           "  --lrs LIST          e.g. 0.1,0.01,0.001,0.0001\n"
           "  --repeats N         runs per setup (default 2)\n"
           "  --resume            continue the latest study of the same configuration\n%s%s%s",
           k->help, common_help, k->exec ? exec_help : "", k->slurm ? slurm_help : "");
}

/* One argument of a study (argv[*i], advancing *i past its value): 1 taken,
   0 help printed, -1 error printed. keep[] marks what the SLURM tasks get. */
static int study_arg(const pt_study_kind *k, int argc, char **argv, int *i, pt_study_config *c, pt_kind_opts *o,
                     study_overrides *ov, slurm_args *sa, char *keep) {
    const char *verb = k->name, *v;
    int r, i0 = *i, drop = 0;
    long n;
    if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h")) return study_help(k), 0;
    if (c->exec.argv && own_training_flag(argv[*i]))
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s does not apply with --exec (the command trains its own model)",
                            own_training_flag(argv[*i])), -1;
    if (k->exec && (r = exec_flag(verb, argc, argv, i, c))) {
        if (r < 0) return -1;
    } else if (k->slurm && (r = slurm_flag(verb, argc, argv, i, sa))) {
        if (r < 0) return -1;
        drop = 1;
    } else if (k->slurm && (r = pt_cli_flag_value(verb, argc, argv, i, "--task-index", &v))) {
        /* internal: the array task's index (see --slurm) */
        if (r < 0 || pt_cli_parse_long(verb, "--task-index", v, 0, 1000000, &n)) return -1;
        c->one_task = (int)n + 1;
    } else if ((r = common_flag(verb, argc, argv, i, c, &ov->threshold, &ov->patience, &ov->max_epochs))) {
        if (r < 0) return -1;
        if (!strcmp(argv[i0], "--resume") || pt_starts_with(argv[i0], "--db")) drop = 1;
        if (pt_starts_with(argv[i0], "--threads")) sa->threads_given = 1;
    } else if ((r = grid_flag(verb, argc, argv, i, o, ov)) || (k->flag && (r = k->flag(verb, argc, argv, i, c, o)))) {
        if (r < 0) return -1;
    } else {
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain %s --help)", argv[*i], verb), -1;
    }
    if (!drop)
        for (int j = i0; j <= *i; j++) keep[j] = 1;
    return 1;
}

/* index of the first value of v[0..n) that an earlier one equals, else -1 */
static int first_repeat(const double *v, int n) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < i; j++)
            if (v[i] == v[j]) return i;
    return -1;
}

/* A grid with a batch size or learning rate given twice is refused: it
   would train the same setup twice under two setup numbers. */
static int study_check_grid(const char *verb, const pt_study_config *c, const pt_kind_opts *o) {
    double bs[PT_STUDY_MAX_GRID];
    for (int i = 0; i < c->preset.nbs; i++) bs[i] = c->preset.batch_sizes[i];
    int b = first_repeat(bs, c->preset.nbs), l = first_repeat(c->preset.lrs, c->preset.nlr);
    if (b >= 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s: batch size %d is given twice in '%s'",
                            o->space_bs[0] ? "--space" : "--batch-sizes", c->preset.batch_sizes[b],
                            o->bs_list ? o->bs_list : "the preset");
    if (l >= 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s: learning rate %g is given twice in '%s'",
                            o->space_bs[0] ? "--space" : "--lrs", c->preset.lrs[l], o->lr_list ? o->lr_list : "the preset");
    return 0;
}

/* The preset, the grid and the overrides into c, checked the same for a run
   here and for --slurm; 0 or the exit code of the error printed. */
static int study_apply(const pt_study_kind *k, pt_study_config *c, pt_kind_opts *o, const study_overrides *ov) {
    const char *verb = k->name;
    pt_preset_study(o->preset, verb, &c->preset);
    int nbs = o->bs_list ? list_count(o->bs_list) : c->preset.nbs, nlr = o->lr_list ? list_count(o->lr_list) : c->preset.nlr;
    if (nbs > PT_STUDY_MAX_GRID || nlr > PT_STUDY_MAX_GRID) /* a grid past 8 x 8 is refused, never cut */
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s: at most %d batch sizes and %d learning rates (%d setups), got %d x %d",
                            o->space_bs[0] ? "--space" : nbs > PT_STUDY_MAX_GRID ? "--batch-sizes" : "--lrs",
                            PT_STUDY_MAX_GRID, PT_STUDY_MAX_GRID, PT_STUDY_MAX_GRID * PT_STUDY_MAX_GRID, nbs, nlr);
    if (o->bs_list && (c->preset.nbs = parse_list_int(o->bs_list, c->preset.batch_sizes, PT_STUDY_MAX_GRID)) < 1)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--batch-sizes: expected positive integers like 64,256, got '%s'",
                            o->bs_list);
    if (o->lr_list && (c->preset.nlr = parse_list_double(o->lr_list, c->preset.lrs, PT_STUDY_MAX_GRID)) < 1)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--lrs: expected learning rates > 0 like 0.01,0.001, got '%s'",
                            o->lr_list);
    int rc = study_check_grid(verb, c, o);
    if (rc) return rc;
    char err[512];
    if (c->exec.argv) {
        c->device = "exec"; /* the command chooses its device */
        if (pt_exec_check(&c->exec, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
        if ((c->exec.loss_regex || c->exec.epoch_regex) && !c->exec.acc_regex)
            return pt_cli_error(verb, PT_EXIT_USAGE, "%s needs --acc-regex (each epoch's validation accuracy)",
                                c->exec.epoch_regex ? "--epoch-regex" : "--loss-regex");
    } else if (pt_backend_check_name(c->device, err, sizeof err) != 0) {
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    }
    rc = k->check ? k->check(verb, c, o) : 0;
    if (rc) return rc;
    if (ov->repeats > 0) c->preset.repeats = (int)ov->repeats;
    if (ov->threshold >= 0) c->preset.threshold = ov->threshold;
    if (ov->patience > 0) c->preset.patience = (int)ov->patience;
    if (ov->max_epochs > 0) c->preset.max_epochs = (int)ov->max_epochs;
    int ntasks = pt_study_tasks(c, NULL);
    if (c->one_task > ntasks)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--task-index %d: the study has %d tasks (0..%d)", c->one_task - 1,
                            ntasks, ntasks - 1);
    return 0;
}

/* --slurm: the tasks' argv (the kept flags, and --threads from --cpus-per-task), then the scripts. */
static int study_slurm(const pt_study_kind *k, pt_study_config *c, int argc, char **argv, const char *keep,
                       slurm_args *sa) {
    const char *targv[argc + 4];
    int targc = 0;
    targv[targc++] = k->name;
    for (int j = 1; j < argc; j++)
        if (keep[j]) targv[targc++] = argv[j];
    char threads[32];
    if (sa->so.cpus_per_task > 0 && !sa->threads_given) { /* the task's cores, not the node's */
        snprintf(threads, sizeof threads, "%d", sa->so.cpus_per_task);
        targv[targc++] = "--threads";
        targv[targc++] = threads;
    }
    sa->so.sbatch_args = sa->sbatch_args;
    sa->so.nsbatch_args = sa->nsb;
    return slurm_study(k, c, targv, targc, &sa->so, sa->mode);
}

/* `--exec -- CMD ARGS...`: the command after the first "--" into c->exec
   (kept for --slurm's tasks). 0, or the exit code of the error printed. */
static int exec_command(const pt_study_kind *k, int argc, char **argv, pt_study_config *c, char *keep) {
    int dd = 0, flag = 0;
    for (int i = 1; i < argc && !dd; i++) {
        if (!strcmp(argv[i], "--")) dd = i;
        else if (!strcmp(argv[i], "--exec")) flag = i;
    }
    if (flag && !k->exec)
        return pt_cli_error(k->name, PT_EXIT_USAGE, "--exec: only regime and tune run around a command");
    if (!flag && dd)
        return pt_cli_error(k->name, PT_EXIT_USAGE, "unexpected '--' (a command after -- needs --exec)");
    if (!flag) return 0;
    if (!dd || dd == argc - 1)
        return pt_cli_error(k->name, PT_EXIT_USAGE, "--exec needs the command last: --exec -- CMD [ARGS...]");
    c->exec.argv = argv + dd + 1;
    c->exec.argc = argc - dd - 1;
    c->exec.grace_s = 10;
    for (int j = dd; j < argc; j++) keep[j] = 1;
    return 0;
}

/* `powertrain NAME ...` for the study kind NAME of study/kind.h. */
static int study_main(const char *name, int argc, char **argv) {
    const pt_study_kind *k = pt_study_kind_find(name);
    if (!k) return pt_cli_error("study", PT_EXIT_USAGE, "unknown study kind '%s'", name ? name : "");
    const char *verb = k->name;
    pt_study_config c;
    config_init(&c);
    c.dataset = k->dataset;
    pt_kind_opts o;
    memset(&o, 0, sizeof o);
    o.preset = "quick";
    if (k->defaults) k->defaults(&c, &o);
    study_overrides ov = {-1, -1, -1, -1};
    const char *sbatch_args[argc + 1];
    slurm_args sa = {.mode = PT_SLURM_WRITE, .sbatch_args = sbatch_args};
    char keep[argc + 1];
    memset(keep, 0, sizeof keep);
    int rc = exec_command(k, argc, argv, &c, keep);
    if (rc) return rc;
    if (c.exec.argv) argc -= c.exec.argc + 1; /* the flags end at the -- */
    for (int i = 1; i < argc; i++) {
        int r = study_arg(k, argc, argv, &i, &c, &o, &ov, &sa, keep);
        if (r <= 0) return r == 0 ? PT_EXIT_OK : PT_EXIT_USAGE;
    }
    if (!c.dataset && c.exec.argv) c.dataset = "exec";
    if (!c.dataset) return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset is required (%s)", pt_study_datasets());
    if (sa.flag && !sa.on)
        return pt_cli_error(verb, PT_EXIT_USAGE, "%s needs --slurm (see powertrain %s --help)", sa.flag, verb);
    if (sa.on && c.one_task > 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--task-index runs one task of a --slurm study; not with --slurm");
    rc = study_apply(k, &c, &o, &ov);
    if (rc) return rc;
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    if (sa.on) return study_slurm(k, &c, argc + (c.exec.argv ? c.exec.argc + 1 : 0), argv, keep, &sa);
    return run_kind(k, &c, &o);
}

int pt_cli_study(int argc, char **argv) { return study_main(argv[0], argc, argv); }
