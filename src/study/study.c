/* study.c -- presets, the shared state of a study (store, data, backend,
 * meter), one stored run of a setup, and the regime grid. */
#include "study/study.h"

#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <strings.h>
#include <unistd.h>

#include "meter/meter_internal.h"
#include "models/models.h"
#include "nn/checkpoint.h"
#include "study/exec_run.h"
#include "store/read.h"
#include "study/grid.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/ompwait.h"
#include "util/str.h"

int pt_preset_get(const char *name, pt_preset *p) {
    memset(p, 0, sizeof *p);
    static const double lrs[4] = {0.1, 0.01, 0.001, 0.0001};
    p->nlr = 4;
    memcpy(p->lrs, lrs, sizeof lrs);
    p->nbs = 4;
    p->repeats = 2;
    p->threshold = 0.8;
    if (!strcmp(name, "paper")) {
        static const int bs[4] = {64, 256, 1024, 4096};
        memcpy(p->batch_sizes, bs, sizeof bs);
        p->patience = 40;
        p->max_epochs = 1000;
        p->chance_epochs = 5;
    } else if (!strcmp(name, "quick")) { /* README, "The quick preset": why these numbers */
        static const int bs[4] = {16, 32, 64, 128};
        memcpy(p->batch_sizes, bs, sizeof bs);
        p->patience = 2;
        p->max_epochs = 15;
        p->chance_epochs = 3;
        p->train_limit = 4096;
        p->val_limit = 512;
    } else {
        return -1;
    }
    pt_strlcpy(p->name, name, sizeof p->name);
    return 0;
}

int pt_preset_study(const char *name, const char *kind, pt_preset *p) {
    if (pt_preset_get(name, p) != 0) return -1;
    if (strcmp(name, "quick") != 0 || !kind) return 0;
    if (!strcmp(kind, "pretrain")) { /* 4 phases per setup: under a third of the data per run */
        static const int bs[4] = {16, 64, 256, 512};
        memcpy(p->batch_sizes, bs, sizeof bs);
        p->patience = 3;
        p->max_epochs = 15;
        p->repeats = 1;
        p->train_limit = 640;
        p->val_limit = 256;
    } else if (!strcmp(kind, "multitask")) { /* resnet18 on 2 cores: small images, small slices */
        static const int bs[4] = {16, 32, 64, 128}; /* batch 8 is per-step overhead on CPU */
        memcpy(p->batch_sizes, bs, sizeof bs);
        p->patience = 3;
        p->max_epochs = 15;
        p->repeats = 1;
        p->train_limit = 160;
        p->val_limit = 64;
        p->image_size = 24;
    }
    return 0;
}

/* s as a JSON string into buf (pt_json_sbuf); "" when it does not fit. */
static const char *json_text(char *buf, size_t n, const char *s) {
    return pt_json_sbuf(buf, n, s ? s : "") < n ? buf : "\"\"";
}

void pt_study_config_json(const pt_study_config *cfg, const char *model, char *json, size_t n) {
    char m[1024], d[1024];
    snprintf(json, n,
             "{\"model\":%s,\"device\":%s,\"optimizer\":\"%s\",\"seed\":%llu,\"repeats\":%d,"
             "\"threshold\":%g,\"patience\":%d,\"max_epochs\":%d,\"train_limit\":%lld,\"val_limit\":%lld}",
             json_text(m, sizeof m, cfg->model ? cfg->model : model), json_text(d, sizeof d, cfg->device),
             cfg->optimizer == PT_OPTIM_SGD ? "sgd" : "adam", (unsigned long long)cfg->seed, cfg->preset.repeats,
             cfg->preset.threshold, cfg->preset.patience, cfg->preset.max_epochs, (long long)cfg->preset.train_limit,
             (long long)cfg->preset.val_limit);
    if (cfg->preset.image_size > 0 && strlen(json) + 32 < n) /* only where it applies: older studies resume */
        snprintf(json + strlen(json) - 1, n - strlen(json) + 1, ",\"image_size\":%d}", cfg->preset.image_size);
    pt_exec_config_json(&cfg->exec, json, n); /* checked to fit (pt_exec_check) */
}

int pt_study_multitask_note(const pt_study_config *cfg, char *note, size_t n) {
    char w[PT_STUDY_NOTE_MAX];
    if (pt_json_sbuf(w, sizeof w, cfg->encoder_weights ? cfg->encoder_weights : "random") >= sizeof w) return -1;
    int len = snprintf(note, n, "\"encoder_weights\":%s,\"alpha\":%g", w, cfg->alpha > 0 ? cfg->alpha : 0.5);
    return len >= 0 && (size_t)len < n ? 0 : -1;
}

int pt_study_tasks(const pt_study_config *cfg, pt_study_task *tasks) {
    const pt_preset *p = &cfg->preset;
    int n = 0;
    for (int r = 1; r <= p->repeats; r++)
        for (int b = 0; b < p->nbs; b++)
            for (int l = 0; l < p->nlr; l++, n++)
                if (tasks) tasks[n] = (pt_study_task){b * p->nlr + l + 1, p->batch_sizes[b], p->lrs[l], r};
    return n;
}

int pt_study_phases(const char *kind, const char *const **phases) {
    static const char *const regime[] = {"train"}, *const pretrain[] = {"pretrain", "frozen", "unfrozen", "baseline"},
                             *const multitask[] = {"attr", "id", "both"};
    if (!strcmp(kind, "regime")) return *phases = regime, 1;
    if (!strcmp(kind, "pretrain")) return *phases = pretrain, 4;
    if (!strcmp(kind, "multitask")) return *phases = multitask, 3;
    return 0;
}

/* Only the cluster task asked for runs (cfg->one_task), else every one. */
static int in_task(const pt_study_config *cfg, int setup, int repeat) {
    if (cfg->one_task <= 0) return 1;
    const pt_preset *p = &cfg->preset;
    return (repeat - 1) * p->nbs * p->nlr + setup - 1 == cfg->one_task - 1;
}

static void describe_hardware(pt_study *s) {
    /* on a SLURM node, the node's name as SLURM knows it */
    const char *node = getenv("SLURMD_NODENAME");
    if (node && *node) pt_strlcpy(s->host, node, sizeof s->host);
    else gethostname(s->host, sizeof s->host - 1);
    s->cpu[0] = s->gpu[0] = '\0';
    if (!s->meter) return;
    for (int k = 0; k < pt_meter_component_count(s->meter); k++) {
        pt_meter_component c;
        pt_meter_component_info(s->meter, k, &c);
        if (c.kind == PT_KIND_CPU && !s->cpu[0]) pt_strlcpy(s->cpu, c.model, sizeof s->cpu);
        if (c.kind == PT_KIND_GPU) {
            size_t n = strlen(s->gpu);
            snprintf(s->gpu + n, sizeof s->gpu - n, "%s%s", n ? ", " : "", c.model);
        }
    }
}

/* How the cpu backend's OpenMP threads wait, said once the study has opened. */
static void say_wait_policy(const pt_study *s) {
    int ours;
    const char *wait = pt_omp_wait_policy(&ours);
    if (s->cfg->progress && s->be && s->be->threads > 1)
        fprintf(stderr, "powertrain: OpenMP threads wait %s (OMP_WAIT_POLICY=%s%s)\n",
                !strcasecmp(wait, "PASSIVE") ? "passively, leaving idle cores to others" : "by spinning a while",
                wait, ours ? ", powertrain's default for a shared machine" : "");
}

/* The backend, the data and the meter (idle measured): all but the store. 0, or -1 with err. */
static void temps_at_open(pt_study *s); /* below, with the cooldown */

static int study_open_base(pt_study *s, const pt_study_config *cfg, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->study_id = -1;
    /* the device first: a missing GPU is one line, before any data is read;
       a study around a command (--exec) has neither: the command trains */
    s->be = cfg->exec.argv ? NULL : pt_backend_create(cfg->device, cfg->threads, err, errlen);
    if (!s->be && !cfg->exec.argv) goto fail;
    if (!cfg->exec.argv && pt_study_data_load(cfg->dataset, cfg->data_dir, cfg->preset.train_limit, cfg->preset.val_limit,
                           cfg->preset.image_size, cfg->seed, &s->data, err, errlen) != 0)
        goto fail;
    pt_meter_config mc;
    pt_meter_config_init(&mc);
    if (cfg->interval_ms) mc.interval_ms = cfg->interval_ms;
    mc.gpus = cfg->gpus;
    /* training on a GPU without --gpus: bill exactly that GPU (by PCI bus id,
       so CUDA_VISIBLE_DEVICES' renumbering cannot mislead NVML's indices) */
    char bus[32];
    if (!mc.gpus && s->be && pt_backend_gpu(s->be, bus, sizeof bus, NULL, 0) >= 0 && bus[0]) {
        pt_strlcpy(s->gpu_bill, bus, sizeof s->gpu_bill);
        mc.gpus = s->gpu_bill;
    }
    mc.quiet_short_windows = 1; /* epochs are stored with their figures; no warning per epoch */
    mc.attribute_pid = (int)getpid(); /* job energy: this process tree's share */
    s->meter = pt_meter_open(&mc);
    /* in-process training: the process's own CPU time, no /proc scan; an --exec
       command is a child, and the tree is scanned for it */
    if (s->meter && !cfg->exec.argv) pt_meter_set_self_only(s->meter, 1);
    if (!s->meter || pt_meter_start(s->meter) != 0) {
        pt_say(err, errlen, "meter: %s", pt_meter_last_error());
        goto fail;
    }
    describe_hardware(s);
    s->idle_w = s->cool_w = NAN;
    if (cfg->cooldown_s > 0 && !(cfg->idle_s > 0)) {
        pt_say(err, errlen, "--cooldown needs --idle S: the idle power to cool down to");
        goto fail;
    }
    if (cfg->idle_s > 0) { /* the machine's draw before any training, billed components */
        if (cfg->progress) fprintf(stderr, "powertrain: measuring %.1f s of idle first...\n", cfg->idle_s);
        int w = pt_meter_window_begin(s->meter, "idle");
        pt_sleep(cfg->idle_s);
        pt_meter_window_end(s->meter, w);
        pt_meter_window iw;
        if (w >= 0 && pt_meter_window_read(s->meter, w, &iw) == 0 && iw.end_s > iw.start_s) {
            s->idle_w = iw.energy_j / (iw.end_s - iw.start_s);
            pt_meter_idle_from_window(s->meter, w); /* the job's share is billed above it */
            if (cfg->progress)
                fprintf(stderr, "powertrain: idle %.2f W (%s)\n", s->idle_w, pt_meter_method_name(iw.method));
        }
    }
    if (cfg->cooldown_s > 0) temps_at_open(s);
    return 0;
fail:
    pt_study_close(s);
    return -1;
}

/* The store and the study row of this kind and config (found with resume). 0, or -1 with err. */
static int study_open_store(pt_study *s, const char *kind, char *err, size_t errlen) {
    const pt_study_config *cfg = s->cfg;
    s->store = pt_store_open(cfg->db, 1, err, errlen);
    if (!s->store) goto fail;
    if (cfg->one_task > 0) pt_store_claims_private(s->store); /* a cluster task's own shard (slurm.c) */
    char json[PT_EXEC_JSON_MAX + 2048];
    pt_study_config_json(cfg, s->data.model, json, sizeof json);
    if (cfg->study_note && strlen(json) + strlen(cfg->study_note) + 2 < sizeof json)
        snprintf(json + strlen(json) - 1, sizeof json - strlen(json) + 1, ",%s}", cfg->study_note);
    if (cfg->resume)
        s->study_id = pt_store_study_get(s->store, kind, cfg->dataset, cfg->preset.name, json, NULL, err, errlen);
    else
        s->study_id = pt_store_study_new(s->store, kind, cfg->dataset, cfg->preset.name, json, err, errlen);
    if (s->study_id <= 0) goto fail;
    return 0;
fail:
    pt_study_close(s);
    return -1;
}

int pt_study_open(pt_study *s, const pt_study_config *cfg, const char *kind, char *err, size_t errlen) {
    if (study_open_base(s, cfg, err, errlen) != 0 || study_open_store(s, kind, err, errlen) != 0) return -1;
    say_wait_policy(s);
    return 0;
}

void pt_study_close(pt_study *s) {
    if (s->store) pt_store_close(s->store);
    if (s->meter) pt_meter_close(s->meter);
    if (s->be) pt_backend_destroy(s->be);
    pt_study_data_free(&s->data);
    memset(s, 0, sizeof *s);
}

pt_net *pt_study_net(pt_study *s, const char *model, int batch_size, uint64_t seed, char *err, size_t errlen) {
    pt_model_opts mo;
    pt_model_opts_default(&mo);
    mo.h = s->data.h;
    mo.w = s->data.w;
    mo.c = s->data.c;
    mo.classes = s->data.classes;
    if (s->data.train.n > 0 && batch_size > s->data.train.n) { /* before planning memory for it */
        pt_say(err, errlen, "batch size %d exceeds the %lld training samples", batch_size,
               (long long)s->data.train.n);
        return NULL;
    }
    pt_net *net = pt_model_build(model, &mo, err, errlen);
    if (net && (pt_net_plan(net, s->be, batch_size) != 0 || pt_net_init(net, seed) != 0)) {
        pt_say(err, errlen, "%s", pt_net_error(net));
        pt_net_free(net);
        net = NULL;
    }
    return net;
}

void pt_study_train_config(const pt_study *s, pt_net *net, double lr, uint64_t seed, pt_train_config *tc) {
    const pt_study_config *cfg = s->cfg;
    memset(tc, 0, sizeof *tc);
    tc->net = net;
    tc->task = s->data.task;
    tc->alpha = cfg->alpha > 0 ? cfg->alpha : 0.5f;
    tc->train = &s->data.train;
    tc->val = &s->data.val;
    tc->optim.kind = cfg->optimizer;
    tc->optim.lr = (float)lr;
    tc->optim.momentum = cfg->optimizer == PT_OPTIM_SGD ? 0.9f : 0;
    tc->seed = seed;
    tc->meter = s->meter;
    tc->interrupt = cfg->interrupt;
    tc->contamination = cfg->contamination;
}

pt_meter_method pt_study_method_parse(const char *name) {
    if (name && !strcmp(name, "counter")) return PT_METHOD_COUNTER;
    if (name && !strcmp(name, "eq1")) return PT_METHOD_EQ1;
    return PT_METHOD_ESTIMATED; /* unknown reads as the weakest: never overstate */
}

/* The last cooldown's figures as config_json members: seconds waited, power
   reached, whether it came back, and per billed GPU its temperature at the
   study's start and at the cooldown's end ("unavailable" where unread). */
static void cooldown_json(const pt_study *s, char *out, size_t n) {
    size_t u = (size_t)snprintf(out, n, ",\"cooldown_s\":%.1f,\"cooldown_w\":%.4g,\"cooled\":%s", s->cool_waited_s,
                                s->cool_w, s->cool_reached ? "true" : "false");
    if (s->ngpu_temp <= 0 || u >= n) return;
    u += (size_t)snprintf(out + u, n - u, ",\"cooldown_gpu_c\":[");
    for (int i = 0; i < s->ngpu_temp && u < n; i++) {
        pt_meter_component c;
        if (pt_meter_component_info(s->meter, s->gpu_comp[i], &c) != 0) c.name[0] = '\0';
        char t0[32] = "\"unavailable\"", t1[32] = "\"unavailable\"";
        if (isfinite(s->temp0_c[i])) snprintf(t0, sizeof t0, "%.1f", s->temp0_c[i]);
        if (isfinite(s->temp_c[i])) snprintf(t1, sizeof t1, "%.1f", s->temp_c[i]);
        u += (size_t)snprintf(out + u, n - u, "%s{\"gpu\":\"%.40s\",\"start\":%s,\"end\":%s}", i ? "," : "",
                              strpbrk(c.name, "\"\\") ? "?" : c.name, t0, t1);
    }
    if (u < n) snprintf(out + u, n - u, "]");
}

/* The run's config_json: sampling, seed, threads, version, the slowest billed
   update period measured so far, the idle power, the caller's note. */
static void run_config_json(const pt_study *s, int repeat, const char *note, char *json, size_t len) {
    const pt_study_config *cfg = s->cfg;
    double period = 0;
    for (int k = 0; k < pt_meter_component_count(s->meter); k++) {
        pt_meter_component c;
        pt_meter_component_info(s->meter, k, &c);
        if (c.billed && c.update_period_s > period) period = c.update_period_s;
    }
    char per[2048] = "";
    int ours;
    const char *wait = pt_omp_wait_policy(&ours);
    if (period > 0) snprintf(per, sizeof per, ",\"update_period_s\":%.4g", period);
    if (isfinite(s->idle_w)) snprintf(per + strlen(per), sizeof per - strlen(per), ",\"idle_w\":%.4g", s->idle_w);
    snprintf(per + strlen(per), sizeof per - strlen(per), ",\"contamination\":%g",
             cfg->contamination > 0 ? cfg->contamination : 0.1);
    if (s->cfg->cooldown_s > 0 && isfinite(s->cool_w)) cooldown_json(s, per + strlen(per), sizeof per - strlen(per));
    if (strlen(wait) < 16 && !strpbrk(wait, "\"\\"))
        snprintf(per + strlen(per), sizeof per - strlen(per), ",\"omp_wait_policy\":\"%s%s\"", wait,
                 ours ? " (default)" : "");
    snprintf(json, len, "{\"interval_ms\":%u,\"seed\":%llu,\"threads\":%d,\"versions\":\"powertrain %s\"%s%s%s}",
             cfg->interval_ms ? cfg->interval_ms : 100, (unsigned long long)(cfg->seed + (uint64_t)repeat - 1),
             s->be ? s->be->threads : 0, PT_METER_VERSION, per, note ? "," : "", note ? note : "");
}

/* A run finished earlier: its stored result stands. */
static int stored_result(pt_study *s, int64_t run, pt_train_result *res, char *err, size_t errlen) {
    pt_run_result rr;
    if (pt_store_run_result(s->store, run, &rr, err, errlen) != 0) return -1;
    res->status = rr.status;
    res->epochs = rr.epochs;
    res->best_val_acc = rr.best_val_acc;
    res->best_val_loss = rr.best_val_loss;
    /* decisions are on the job's energy; the machine's where it is unknown */
    int job = isfinite(rr.job_energy_j);
    res->energy_j = job ? rr.job_energy_j : rr.energy_j;
    res->energy_to_target_j = job ? rr.job_energy_to_target_j : rr.energy_to_target_j;
    res->machine_energy_j = rr.energy_j;
    res->machine_energy_to_target_j = rr.energy_to_target_j;
    res->method = pt_study_method_parse(rr.method);
    return 0;
}

/* The setup's net: built, loaded from o->load_path, o->freeze frozen. NULL
   with *net_out still to free (or NULL) and terr said when it cannot be. */
static pt_net *setup_net(pt_study *s, const pt_setup_opts *o, const char *model, int batch_size, int repeat,
                         pt_net **net_out, char *terr, size_t tlen) {
    pt_net *net = *net_out = pt_study_net(s, model, batch_size, s->cfg->seed + (uint64_t)repeat - 1, terr, tlen);
    if (!net) return NULL;
    if (o->load_path) {
        int loaded = pt_net_load(net, o->load_path, PT_LOAD_ALLOW_MISSING | PT_LOAD_ALLOW_UNEXPECTED, terr, tlen);
        if (loaded == 0) pt_say(terr, tlen, "%s: no tensor matches %s's names", o->load_path, model);
        if (loaded <= 0) return NULL;
    }
    if (o->freeze && pt_net_freeze(net, o->freeze, 1) != 0) {
        pt_say(terr, tlen, "%s: no group '%s' to freeze", model, o->freeze);
        return NULL;
    }
    return net;
}

/* A dry run of o's checkpoint (o->load_path, given by flag) into its model
   on batch 1, as setup_net loads it: 0 (also without one), or -1 with err
   "FLAG: <why>" naming the file. Nothing is stored. */
static int check_load(pt_study *s, const pt_setup_opts *o, const char *flag, char *err, size_t errlen) {
    if (!o->load_path) return 0;
    const char *model = o->model ? o->model : s->cfg->model ? s->cfg->model : s->data.model;
    char terr[512] = "";
    pt_net *net;
    int ok = setup_net(s, o, model, 1, 1, &net, terr, sizeof terr) != NULL;
    pt_net_free(net);
    if (ok) return 0;
    for (char *c = terr; *c; c++) /* one line */
        if (*c == '\n') *c = ' ';
    if (strstr(terr, o->load_path)) pt_say(err, errlen, "%s: %s", flag, terr);
    else pt_say(err, errlen, "%s %s: %s", flag, o->load_path, terr);
    return -1;
}

/* Trains net as run rid (stopping by the preset), then saves it to
   o->save_path. Returns 0, -1 when it could not train (terr). */
static int setup_train(pt_study *s, const pt_setup_opts *o, pt_net *net, const char *model, int setup,
                       int batch_size, double lr, int repeat, const char *phase, int64_t rid, const char *ckpt,
                       pt_train_result *res, char *terr, size_t tlen) {
    const pt_study_config *cfg = s->cfg;
    pt_train_config tc;
    pt_study_train_config(s, net, lr, cfg->seed + (uint64_t)repeat - 1, &tc);
    char label[128];
    snprintf(label, sizeof label, "setup %d (batch %d, lr %g) repeat %d", setup, batch_size, lr, repeat);
    if (o->task >= 0) tc.task = (pt_task)o->task;
    pt_stop_config_default(&tc.stop);
    tc.stop.threshold = cfg->preset.threshold;
    tc.stop.patience = cfg->preset.patience;
    tc.stop.max_epochs = cfg->preset.max_epochs;
    if (cfg->diverge_factor > 0) tc.stop.diverge_factor = cfg->diverge_factor;
    int chance = cfg->chance_epochs ? cfg->chance_epochs : cfg->preset.chance_epochs;
    if (chance != 0) tc.stop.chance_epochs = chance < 0 ? 0 : chance;
    if (tc.task == PT_TASK_CLASSIFY && pt_net_head_size(net, 0) > 1)
        tc.stop.chance = 1.0 / (double)pt_net_head_size(net, 0); /* "stuck at chance" */
    if (o->stop_on_loss) tc.stop.mode = PT_STOP_LOSS;
    tc.store = s->store;
    tc.run_id = rid;
    tc.checkpoint = ckpt;
    tc.progress = cfg->progress;
    tc.label = label;
    tc.watch = o->watch;
    tc.watch_ctx = o->watch_ctx;
    if (pt_train_run(&tc, res, terr, tlen) != 0) return -1;
    if (o->save_path && res->status != PT_RUN_FAILED) {
        const char *meta[] = {"model", model, "phase", phase, NULL};
        if (pt_net_save(net, o->save_path, meta, terr, tlen) != 0) {
            /* the run itself is stored; without its checkpoint the next phases fail clearly */
            fprintf(stderr, "powertrain: %s\n", terr);
        }
    }
    return 0;
}

/* Every billed GPU's temperature now into out (NAN: unavailable). */
static void gpu_temps(pt_study *s, double *out) {
    for (int i = 0; i < s->ngpu_temp; i++)
        if (pt_meter_component_temperature(s->meter, s->gpu_comp[i], &out[i]) != 0) out[i] = NAN;
}

/* At open with --cooldown: the billed GPUs and their temperatures, which each
   cooldown waits to come back to (within 2 C). */
static void temps_at_open(pt_study *s) {
    s->ngpu_temp = 0;
    for (int k = 0; k < pt_meter_component_count(s->meter) && s->ngpu_temp < PT_STUDY_GPUS; k++) {
        pt_meter_component c;
        if (pt_meter_component_info(s->meter, k, &c) == 0 && c.billed && c.kind == PT_KIND_GPU)
            s->gpu_comp[s->ngpu_temp++] = k;
    }
    gpu_temps(s, s->temp0_c);
    for (int i = 0; i < s->ngpu_temp; i++) s->temp_c[i] = NAN;
}

/* 1 when every GPU whose temperature is known at open and now is within 2 C
   above it (an unavailable temperature does not hold the cooldown) */
static int temps_back(pt_study *s) {
    gpu_temps(s, s->temp_c);
    for (int i = 0; i < s->ngpu_temp; i++)
        if (isfinite(s->temp0_c[i]) && isfinite(s->temp_c[i]) && s->temp_c[i] > s->temp0_c[i] + 2) return 0;
    return 1;
}

/* the cooldown's line: power, time, and the hottest GPU against its start */
static void cooldown_say(const pt_study *s) {
    char gpu[96] = "";
    int hot = -1;
    for (int i = 0; i < s->ngpu_temp; i++)
        if (isfinite(s->temp_c[i]) && isfinite(s->temp0_c[i]) &&
            (hot < 0 || s->temp_c[i] - s->temp0_c[i] > s->temp_c[hot] - s->temp0_c[hot]))
            hot = i;
    if (hot >= 0) snprintf(gpu, sizeof gpu, ", GPU %.0f C (%.0f C at the start)", s->temp_c[hot], s->temp0_c[hot]);
    else if (s->ngpu_temp > 0) snprintf(gpu, sizeof gpu, ", GPU temperature unavailable");
    fprintf(stderr, "powertrain: cooldown: %.1f W (%s) after %.0f s (idle %.1f W)%s%s\n", s->cool_w,
            pt_meter_method_name(s->cool_method), s->cool_waited_s, s->idle_w, gpu,
            s->cool_reached ? "" : ": not back (5% of idle, 2 C) at the maximum wait");
}

/* Waits, in 1 s windows, until the billed power is within 5% of the idle
   power measured at open and every billed GPU within 2 C of its temperature
   then, at most cfg->cooldown_s; the figures go into the next run's
   config_json. */
static void cooldown(pt_study *s) {
    const pt_study_config *cfg = s->cfg;
    s->hot = s->cool_reached = 0;
    s->cool_waited_s = 0;
    s->cool_w = NAN;
    for (int i = 0; i < s->ngpu_temp; i++) s->temp_c[i] = NAN;
    while (s->cool_waited_s < cfg->cooldown_s && !(cfg->interrupt && *cfg->interrupt)) {
        int w = pt_meter_window_begin(s->meter, "cooldown");
        pt_sleep(1.0);
        pt_meter_window win;
        if (w < 0 || pt_meter_window_end(s->meter, w) != 0 || pt_meter_window_read(s->meter, w, &win) != 0 ||
            !(win.end_s > win.start_s))
            break;
        s->cool_waited_s += win.end_s - win.start_s;
        s->cool_w = win.energy_j / (win.end_s - win.start_s);
        s->cool_method = win.method;
        int temps_ok = temps_back(s); /* read every window: the end's temperatures are stored */
        if (s->cool_w <= 1.05 * s->idle_w && temps_ok) {
            s->cool_reached = 1;
            break;
        }
    }
    if (cfg->progress) cooldown_say(s);
}

/* A run another process trains: left to it (status running, reason who). */
static void busy_result(const pt_run_claim *c, pt_train_result *res) {
    res->status = PT_RUN_RUNNING;
    res->best_val_acc = res->best_val_loss = res->energy_to_target_j = NAN;
    res->method = PT_METHOD_ESTIMATED;
    snprintf(res->reason, sizeof res->reason, "being trained by %.100s (heartbeat %.0f s ago)", c->owner,
             c->heartbeat_age_s);
}

static int checkpoint_dir(const pt_study *s, char *out, size_t n, char *err, size_t errlen);

/* The study's checkpoint folders: DB.checkpoints and DB.checkpoints/study<id>. */
static void checkpoint_folders(const pt_study *s, char *base, size_t bn, char *dir, size_t dn) {
    snprintf(base, bn, "%s.checkpoints", s->cfg->db);
    snprintf(dir, dn, "%s.checkpoints/study%lld", s->cfg->db, (long long)s->study_id);
}

/* DB.checkpoints/study<id>/run<rid>.resume (its folder created). 0 or -1. */
static int resume_path(const pt_study *s, int64_t rid, char *out, size_t n, char *err, size_t errlen) {
    char dir[4300];
    if (checkpoint_dir(s, dir, sizeof dir, err, errlen) != 0) return -1;
    snprintf(out, n, "%s/run%lld.resume", dir, (long long)rid);
    return 0;
}

/* After run ckpt's training: the temp files a killed writer of its
   checkpoint left (util/fs.c names them "<path>.tmp.<hex>"; the run is ours,
   nobody else writes them), then the checkpoint folders once empty (a
   finished run removes its checkpoint): nothing is left beside the store
   when nothing is resumable. */
static void checkpoint_tidy(const pt_study *s, const char *ckpt) {
    char dir[4300], tmp[4400];
    const char *slash = strrchr(ckpt, '/');
    size_t dl = slash ? (size_t)(slash - ckpt) : 0;
    snprintf(dir, sizeof dir, "%.*s", (int)dl, ckpt);
    snprintf(tmp, sizeof tmp, "%s.tmp.", slash ? slash + 1 : ckpt); /* a name prefix, no pattern */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, tmp, strlen(tmp)) != 0) continue;
        char full[4700];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        unlink(full);
    }
    if (d) closedir(d);
    char base[4200];
    checkpoint_folders(s, base, sizeof base, dir, sizeof dir);
    if (rmdir(dir) == 0) rmdir(base); /* fails while another study keeps a file there */
}

int pt_study_run_setup(pt_study *s, int setup, int batch_size, double lr, int repeat, const char *phase,
                       const pt_setup_opts *o, pt_train_result *res, int *skipped, char *err, size_t errlen) {
    const pt_study_config *cfg = s->cfg;
    pt_setup_opts none = {NULL, -1, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL};
    if (!o) o = &none;
    memset(res, 0, sizeof *res);
    *skipped = 0;
    char json[PT_STUDY_NOTE_MAX + 2560];
    if (cfg->cooldown_s > 0 && s->hot) cooldown(s);
    run_config_json(s, repeat, o->note, json, sizeof json);
    pt_run_info ri = {.study_id = s->study_id,
                      .setup = setup,
                      .batch_size = batch_size,
                      .lr = lr,
                      .repeat = repeat,
                      .phase = phase,
                      .frozen = o->frozen,
                      .device = cfg->device,
                      .host = s->host,
                      .cpu = s->cpu[0] ? s->cpu : NULL,
                      .gpu = s->gpu[0] ? s->gpu : NULL,
                      .config_json = json};
    pt_run_claim claim;
    if (pt_store_run_claim(s->store, &ri, &claim, err, errlen) != 0) return -1;
    if (claim.state == PT_CLAIM_FINISHED) {
        char base[4200], dir[4300], stale[4400]; /* a process killed between a run's end and its
                                                     checkpoint's removal left it */
        checkpoint_folders(s, base, sizeof base, dir, sizeof dir);
        snprintf(stale, sizeof stale, "%s/run%lld.resume", dir, (long long)claim.run_id);
        if (unlink(stale) == 0) checkpoint_tidy(s, stale);
        return *skipped = 1, stored_result(s, claim.run_id, res, err, errlen);
    }
    if (claim.state == PT_CLAIM_BUSY) return *skipped = 2, busy_result(&claim, res), 0;
    int64_t rid = claim.run_id;
    char ckpt[4400] = "";
    if (!o->watch && !cfg->exec.argv && resume_path(s, rid, ckpt, sizeof ckpt, err, errlen) != 0) return -1;
    if (claim.state == PT_CLAIM_RESUMED && cfg->progress)
        fprintf(stderr, "  resuming run %lld (%d epochs stored%s%s)\n", (long long)rid, claim.epochs,
                claim.owner[0] ? "; its owner " : "", claim.owner[0] ? claim.owner : "");
    char terr[512] = "";
    const char *model = o->model ? o->model : cfg->model ? cfg->model : s->data.model;
    pt_net *net = NULL;
    pt_exec_job job = {rid, setup, batch_size, repeat, lr, o->watch, o->watch_ctx};
    int ok = cfg->exec.argv ? pt_exec_run(s, &job, res, terr, sizeof terr) == 0 /* around the user's command */
                            : setup_net(s, o, model, batch_size, repeat, &net, terr, sizeof terr) != NULL &&
                                  setup_train(s, o, net, model, setup, batch_size, lr, repeat, phase, rid,
                                              ckpt[0] ? ckpt : NULL, res, terr, sizeof terr) == 0;
    pt_net_free(net);
    if (ckpt[0] && !res->claim_lost) checkpoint_tidy(s, ckpt);
    s->hot = 1;
    if (ok && res->claim_lost) { /* another process took it over: theirs to finish */
        *skipped = 2;
        res->status = PT_RUN_RUNNING;
        return 0;
    }
    if (!ok) { /* could not train: stored as failed with what it cost (nothing) */
        int named = strcmp(phase, "train") != 0; /* the reason is also stored: runs.end_reason */
        fprintf(stderr, "powertrain: setup %d repeat %d%s%s%s failed: %s\n", setup, repeat, named ? " (" : "",
                named ? phase : "", named ? ")" : "", terr);
        pt_run_result rr = {PT_RUN_FAILED, 0, NAN, NAN, 0, NAN, "estimated", terr, 0, NAN, 1};
        if (pt_store_run_finish(s->store, rid, &rr, err, errlen) != 0) return -1;
        res->status = PT_RUN_FAILED;
        pt_strlcpy(res->reason, terr, sizeof res->reason);
    }
    return 0;
}

void pt_study_say_result(FILE *f, const char *prefix, const pt_train_result *res) {
    char acc[32] = "no accuracy", target[48] = "target not reached";
    if (isfinite(res->best_val_acc)) snprintf(acc, sizeof acc, "best val acc %.4f", res->best_val_acc);
    if (isfinite(res->energy_to_target_j)) snprintf(target, sizeof target, "to target %.1f J", res->energy_to_target_j);
    fprintf(f, "%s%s after %d epochs%s%.100s%s, %s, %.1f J (%s), %s\n", prefix, pt_run_status_name(res->status),
            res->epochs, res->reason[0] ? " (" : "", res->reason, res->reason[0] ? ")" : "", acc,
            isfinite(res->energy_j) ? res->energy_j : 0, pt_meter_method_name(res->method), target);
}

/* One phase of one setup, with its progress lines. 0, 1 (interrupted), -1. */
static int run_phase(pt_study *s, int k, int total, int setup, int bs, double lr, int repeat, const char *phase,
                     const pt_setup_opts *o, pt_train_result *res, char *err, size_t errlen) {
    const pt_study_config *cfg = s->cfg;
    int skipped;
    if (cfg->progress)
        fprintf(stderr, "[%d/%d] setup %d: batch %d, lr %g, repeat %d%s%s%s%s\n", k, total, setup, bs, lr, repeat,
                strcmp(phase, "train") ? ", " : "", strcmp(phase, "train") ? phase : "", s->eta[0] ? "; " : "",
                s->eta);
    if (pt_study_run_setup(s, setup, bs, lr, repeat, phase, o, res, &skipped, err, errlen) != 0) return -1;
    if (skipped != 2) s->nruns++; /* a run left to another process is theirs to count */
    if (res->status == PT_RUN_FAILED) s->nfailed++;
    if (cfg->progress) {
        if (skipped == 2)
            fprintf(stderr, "  %s: left to it\n", res->reason);
        else if (skipped)
            fprintf(stderr, "  already %s in the store: skipped\n", pt_run_status_name(res->status));
        else
            pt_study_say_result(stderr, "  -> ", res);
    }
    return cfg->interrupt && *cfg->interrupt ? 1 : 0;
}

/* The study's outcome: rc, or 2 when every run of it failed (said on stderr). */
/* One line per setup whose repeats disagree (more than 1.5x). */
static int say_disagreeing(void *ctx, const pt_store_repeats_row *r) {
    (void)ctx;
    fprintf(stderr, "powertrain: setup %d%s%s: its %d repeats disagree: energy per epoch %.2fx", r->setup,
            strcmp(r->phase, "train") ? " " : "", strcmp(r->phase, "train") ? r->phase : "", r->repeats,
            r->epoch_ratio);
    if (isfinite(r->target_ratio)) fprintf(stderr, ", energy to target %.2fx", r->target_ratio);
    fprintf(stderr, " (largest over smallest; a disturbed machine, or a setup that varies)\n");
    return 0;
}

static int study_outcome(pt_study *s, const char *kind, int rc) {
    char derr[256];
    if (rc == 0 && s->store) pt_store_read_disagreeing(s->store, s->study_id, 1.5, say_disagreeing, NULL, derr, sizeof derr);
    if (rc != 0 || s->nruns == 0 || s->nfailed < s->nruns) return rc;
    fprintf(stderr, "powertrain %s: every one of the %d runs failed (reasons above); nothing was trained\n", kind,
            s->nruns);
    return 2;
}

/* The ETA of a regime grid from the runs trained so far: a remaining run is
   expected to take what the trained runs of its setup took (measured epoch
   times of the same batch size and learning rate), else of its batch size,
   else the mean trained run. */
typedef struct {
    double t0, secs[PT_STUDY_MAX_GRID][PT_STUDY_MAX_GRID];
    int n[PT_STUDY_MAX_GRID][PT_STUDY_MAX_GRID];
} regime_eta;

static double eta_guess(const regime_eta *e, const pt_preset *p, int b, int l) {
    double sb = 0, sa = 0;
    int nb = 0, na = 0;
    for (int i = 0; i < p->nbs; i++)
        for (int j = 0; j < p->nlr; j++) {
            sa += e->secs[i][j], na += e->n[i][j];
            if (i == b) sb += e->secs[i][j], nb += e->n[i][j];
        }
    if (e->n[b][l]) return e->secs[b][l] / e->n[b][l];
    return nb ? sb / nb : na ? sa / na : NAN;
}

/* s->eta before task (r, b, l): elapsed and, once a run was trained, what is left */
static void eta_say(pt_study *s, const regime_eta *e, const pt_preset *p, int r0, int b0, int l0) {
    double left = 0, el = pt_clock_now() - e->t0;
    for (int r = r0; r <= p->repeats; r++)
        for (int b = 0; b < p->nbs; b++)
            for (int l = 0; l < p->nlr; l++)
                if (r > r0 || b > b0 || (b == b0 && l >= l0)) left += eta_guess(e, p, b, l);
    if (isfinite(left))
        snprintf(s->eta, sizeof s->eta, "%.0f s elapsed, about %.0f s left", el, left);
    else snprintf(s->eta, sizeof s->eta, "%.0f s elapsed", el);
}

/* Where a regime grid walk stands: the ETA's measured times, the setups that
   reached the target, and the runs left to another process (busy[(r-1) *
   setups + setup - 1]) to go back to once. */
typedef struct {
    regime_eta eta;
    int reached[PT_STUDY_MAX_GRID * PT_STUDY_MAX_GRID];
    unsigned char *busy;
    int k, total;
} regime_walk;

/* One pass over the grid. The first marks the runs left to another process;
   the second (retry = 1) goes back to just those: a run whose owner has died
   since is taken over, one still trained elsewhere is left. 0, 1 (interrupted), -1. */
static int regime_pass(pt_study *s, regime_walk *w, int retry, char *err, size_t errlen) {
    const pt_study_config *cfg = s->cfg;
    const pt_preset *p = &cfg->preset;
    int rc = 0;
    for (int r = 1; r <= p->repeats && rc == 0; r++)
        for (int b = 0; b < p->nbs && rc == 0; b++)
            for (int l = 0; l < p->nlr && rc == 0; l++) {
                int setup = b * p->nlr + l + 1, i = (r - 1) * p->nbs * p->nlr + setup - 1;
                if (!in_task(cfg, setup, r) || (retry && !w->busy[i])) continue;
                pt_train_result res;
                if (cfg->one_task <= 0 && !retry) eta_say(s, &w->eta, p, r, b, l);
                double t = pt_clock_now();
                rc = run_phase(s, retry ? w->k : ++w->k, w->total, setup, p->batch_sizes[b], p->lrs[l], r, "train",
                               NULL, &res, err, errlen);
                if (res.epochs > res.resumed_epochs && res.status != PT_RUN_RUNNING)
                    w->eta.secs[b][l] += pt_clock_now() - t, w->eta.n[b][l]++;
                w->reached[setup - 1] |= isfinite(res.energy_to_target_j);
                w->busy[i] = rc == 0 && res.status == PT_RUN_RUNNING;
            }
    return rc;
}

int pt_study_regime(const pt_study_config *cfg, char *err, size_t errlen) {
    pt_study s;
    if (pt_study_open(&s, cfg, "regime", err, errlen) != 0) return -1;
    const pt_preset *p = &cfg->preset;
    int total = cfg->one_task > 0 ? 1 : p->nbs * p->nlr * p->repeats, rc = 0;
    fprintf(stderr, "powertrain regime: %s, preset %s, %d runs (%d setups x %d repeats) on %s into %s (study %lld)\n",
            cfg->dataset, p->name, total, p->nbs * p->nlr, p->repeats, cfg->device, cfg->db, (long long)s.study_id);
    regime_walk *w = calloc(1, sizeof *w);
    if (w) w->busy = calloc((size_t)(p->nbs * p->nlr * p->repeats), 1);
    if (!w || !w->busy) rc = -1, pt_say(err, errlen, "out of memory");
    if (w) w->eta.t0 = pt_clock_now(), w->total = total;
    if (rc == 0) rc = regime_pass(&s, w, 0, err, errlen);
    if (rc == 0) rc = regime_pass(&s, w, 1, err, errlen);
    s.eta[0] = '\0';
    if (rc == 0 && cfg->one_task <= 0) {
        int n = 0;
        for (int i = 0; i < p->nbs * p->nlr; i++) n += w->reached[i];
        printf("%d of %d setups reached the target (val acc %g) in at least one of %d repeats\n", n,
               p->nbs * p->nlr, p->threshold, p->repeats);
    }
    if (w) free(w->busy);
    free(w);
    if (rc == 0) { /* the grid's best setups, as tune compares against them */
        static const char *objs[2] = {"energy-to-target", "total-energy"};
        pt_grid *g = calloc(1, sizeof *g);
        for (int i = 0; i < 2 && g; i++) {
            pt_objective o;
            char oerr[256];
            pt_objective_parse(objs[i], &o, oerr, sizeof oerr);
            if (pt_study_grid_load(s.store, s.study_id, &o, p->threshold, p->repeats, g, oerr, sizeof oerr) != 0)
                break;
            if (g->best < 0) printf("best setup by %s: none (no setup reached the target in every repeat)\n", objs[i]);
            else
                printf("best setup by %s: setup %d (batch %d, lr %g): %.1f J (%s), mean of %d repeats; grid %.1f J "
                       "in %d runs\n",
                       objs[i], g->setups[g->best].setup, g->setups[g->best].batch_size, g->setups[g->best].lr,
                       g->setups[g->best].value, pt_meter_method_name(g->method), p->repeats, g->grid_j, g->nruns);
        }
        free(g);
    }
    rc = study_outcome(&s, "regime", rc);
    pt_study_close(&s);
    return rc;
}

/* DB.checkpoints/study<id>/ (created) */
static int checkpoint_dir(const pt_study *s, char *out, size_t n, char *err, size_t errlen) {
    char base[4200];
    checkpoint_folders(s, base, sizeof base, out, n);
    if ((mkdir(base, 0777) != 0 && errno != EEXIST) || (mkdir(out, 0777) != 0 && errno != EEXIST)) {
        pt_say(err, errlen, "cannot create %s: %s", out, strerror(errno));
        return -1;
    }
    return 0;
}

int pt_study_pretrain(const pt_study_config *cfg, char *err, size_t errlen) {
    if (strcmp(cfg->dataset, "pamap2") != 0) {
        pt_say(err, errlen, "pretrain: the autoencoder study runs on pamap2, not %s", cfg->dataset);
        return -1;
    }
    pt_study s;
    if (pt_study_open(&s, cfg, "pretrain", err, errlen) != 0) return -1;
    char dir[4400];
    if (checkpoint_dir(&s, dir, sizeof dir, err, errlen) != 0) {
        pt_study_close(&s);
        return -1;
    }
    const pt_preset *p = &cfg->preset;
    int nsetups = p->nbs * p->nlr, total = (cfg->one_task > 0 ? 1 : nsetups * p->repeats) * 4, k = 0, rc = 0;
    pt_meter_method method = PT_METHOD_COUNTER; /* the weakest method among the runs */
    fprintf(stderr, "powertrain pretrain: %s, preset %s, %d runs (%d setups x %d repeats x 4 phases) on %s into %s "
                    "(study %lld)\n",
            cfg->dataset, p->name, total, nsetups, p->repeats, cfg->device, cfg->db, (long long)s.study_id);
    double *e_enc = calloc((size_t)nsetups, sizeof *e_enc), *e_frozen = calloc((size_t)nsetups, sizeof *e_frozen),
           *e_base = calloc((size_t)nsetups, sizeof *e_base), *e_unfrozen = calloc((size_t)nsetups, sizeof *e_unfrozen);
    for (int r = 1; r <= p->repeats && rc == 0 && e_enc && e_frozen && e_base && e_unfrozen; r++)
        for (int b = 0; b < p->nbs && rc == 0; b++)
            for (int l = 0; l < p->nlr && rc == 0; l++) {
                int setup = b * p->nlr + l + 1, bs = p->batch_sizes[b];
                double lr = p->lrs[l];
                if (!in_task(cfg, setup, r)) continue;
                char ckpt[4600];
                snprintf(ckpt, sizeof ckpt, "%s/setup%d-repeat%d-autoencoder.safetensors", dir, setup, r);
                pt_setup_opts ae = {"pamap2_ae", PT_TASK_RECONSTRUCT, 1, NULL, NULL, ckpt, 0, NULL, NULL, NULL};
                pt_setup_opts frozen = {"pamap2_cnn", PT_TASK_CLASSIFY, 0, ckpt, "encoder", NULL, 1, NULL, NULL, NULL};
                pt_setup_opts unfrozen = {"pamap2_cnn", PT_TASK_CLASSIFY, 0, ckpt, NULL, NULL, 0, NULL, NULL, NULL};
                pt_setup_opts base = {"pamap2_cnn", PT_TASK_CLASSIFY, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL};
                struct {
                    const char *phase;
                    const pt_setup_opts *o;
                    double *sum;
                } ph[4] = {{"pretrain", &ae, e_enc}, {"frozen", &frozen, e_frozen}, {"unfrozen", &unfrozen, e_unfrozen},
                           {"baseline", &base, e_base}};
                for (int i = 0; i < 4 && rc == 0; i++) {
                    pt_train_result res;
                    rc = run_phase(&s, ++k, total, setup, bs, lr, r, ph[i].phase, ph[i].o, &res, err, errlen);
                    ph[i].sum[setup - 1] += res.energy_j / p->repeats;
                    if (res.method > method) method = res.method;
                    if (i == 0 && rc == 0 && res.status == PT_RUN_RUNNING) i = 2; /* another process pretrains
                        this setup: its frozen and unfrozen phases need that encoder, so they are its too */
                }
            }
    if (rc == 0 && e_enc && e_frozen && e_base && e_unfrozen && cfg->one_task <= 0) { /* a task sees one setup */
        fprintf(stderr, "\nEquation (2): cycles until pretraining pays back (frozen encoder; energy means over "
                        "repeats; method %s)\n", pt_meter_method_name(method));
        fprintf(stderr, "%6s %6s %9s %12s %12s %12s %12s %10s\n", "setup", "batch", "lr", "E_enc J", "E_frozen J",
                "E_unfrozen J", "E_base J", "break-even");
        for (int b = 0; b < p->nbs; b++)
            for (int l = 0; l < p->nlr; l++) {
                int i = b * p->nlr + l;
                double x = pt_break_even(e_enc[i], e_base[i], e_frozen[i]);
                char xs[32];
                if (isinf(x)) snprintf(xs, sizeof xs, "never");
                else snprintf(xs, sizeof xs, "%.2f", x);
                fprintf(stderr, "%6d %6d %9g %12.1f %12.1f %12.1f %12.1f %10s\n", i + 1, p->batch_sizes[b], p->lrs[l],
                        e_enc[i], e_frozen[i], e_unfrozen[i], e_base[i], xs);
            }
    }
    free(e_enc);
    free(e_frozen);
    free(e_unfrozen);
    free(e_base);
    rc = study_outcome(&s, "pretrain", rc);
    pt_study_close(&s);
    return rc;
}

int pt_study_multitask(const pt_study_config *cfg, char *err, size_t errlen) {
    if (strcmp(cfg->dataset, "celeba") != 0) {
        pt_say(err, errlen, "multitask: the study runs on celeba (both label sets), not %s", cfg->dataset);
        return -1;
    }
    char note[PT_STUDY_NOTE_MAX];
    if (pt_study_multitask_note(cfg, note, sizeof note) != 0) {
        pt_say(err, errlen, "multitask: the encoder weights path is too long to record in the store");
        return -1;
    }
    pt_setup_opts types[3] = {
        {"celeba_attr", PT_TASK_MULTILABEL, 0, cfg->encoder_weights, NULL, NULL, 0, note, NULL, NULL},
        {"celeba_id", PT_TASK_CLASSIFY, 0, cfg->encoder_weights, NULL, NULL, 0, note, NULL, NULL},
        {"celeba_multitask", PT_TASK_MULTITASK, 0, cfg->encoder_weights, NULL, NULL, 0, note, NULL, NULL}};
    pt_study s;
    if (study_open_base(&s, cfg, err, errlen) != 0) return -1;
    for (int t = 0; t < 3; t++) /* a bad --encoder-weights is one error before any run, not 3 failed per setup */
        if (check_load(&s, &types[t], "--encoder-weights", err, errlen) != 0) {
            pt_study_close(&s);
            return -1;
        }
    if (study_open_store(&s, "multitask", err, errlen) != 0) return -1;
    const pt_preset *p = &cfg->preset;
    int total = (cfg->one_task > 0 ? 1 : p->nbs * p->nlr * p->repeats) * 3, k = 0, rc = 0;
    fprintf(stderr, "powertrain multitask: %s, preset %s, %d runs (%d setups x %d repeats x 3 types) on %s into %s "
                    "(study %lld); encoder %s\n",
            cfg->dataset, p->name, total, p->nbs * p->nlr, p->repeats, cfg->device, cfg->db, (long long)s.study_id,
            cfg->encoder_weights ? cfg->encoder_weights : "randomly initialised");
    static const char *names[3] = {"attr", "id", "both"};
    for (int r = 1; r <= p->repeats && rc == 0; r++)
        for (int b = 0; b < p->nbs && rc == 0; b++)
            for (int l = 0; l < p->nlr && rc == 0; l++)
                for (int t = 0; t < 3 && rc == 0; t++) {
                    if (!in_task(cfg, b * p->nlr + l + 1, r)) continue;
                    pt_train_result res;
                    rc = run_phase(&s, ++k, total, b * p->nlr + l + 1, p->batch_sizes[b], p->lrs[l], r, names[t],
                                   &types[t], &res, err, errlen);
                }
    rc = study_outcome(&s, "multitask", rc);
    pt_study_close(&s);
    return rc;
}
