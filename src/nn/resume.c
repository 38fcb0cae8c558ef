/* resume.c -- training checkpoints (see resume.h). */
#include "nn/resume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn/safetensors.h"
#include "util/str.h"

#define RESUME_FORMAT "powertrain-resume"
#define RESUME_VERSION "1"

/* "optim.m/<name>" (k 0) or "optim.v/<name>" (k 1) */
static void buffer_name(char *out, size_t n, const char *state, int k) {
    snprintf(out, n, "optim.%c/%s", k ? 'v' : 'm', state);
}

/* The host copies and entries of every tensor to save: net states, then
 * optimizer buffers. Returns the number of entries, or -1 (out of memory). */
static int gather(pt_net *net, pt_optim *opt, pt_safetensors_entry *e, float **host, char (*names)[160],
                  int64_t (*shapes)[4]) {
    int ns = pt_net_state_count(net), n = 0;
    for (int i = 0; i < ns; i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        for (int k = -1; k < pt_optim_buffers(opt, i); k++) {
            float *h = host[n] = malloc(s.count * sizeof(float) + 1);
            if (!h) return -1;
            if (k < 0) {
                pt_net_state_read(net, i, h);
                pt_strlcpy(names[n], s.name, sizeof names[n]);
            } else {
                pt_optim_buffer_read(opt, i, k, h);
                buffer_name(names[n], sizeof names[n], s.name, k);
            }
            memcpy(shapes[n], s.shape, sizeof shapes[n]);
            e[n] = (pt_safetensors_entry){.name = names[n], .ndim = s.ndim, .shape = shapes[n], .data = h};
            n++;
        }
    }
    return n;
}

/* Adam's step counts as "t0,t1,...", one per state tensor. 0, or -1 when too long. */
static int steps_text(const pt_optim *opt, int ns, char *out, size_t n) {
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < ns; i++) {
        int k = snprintf(out + len, n - len, "%s%d", i ? "," : "", pt_optim_steps(opt, i));
        if (k < 0 || (size_t)k >= n - len) return -1;
        len += (size_t)k;
    }
    return 0;
}

int pt_resume_save(const char *path, pt_net *net, pt_optim *opt, int epoch, char *err, size_t errlen) {
    int ns = pt_net_state_count(net), max = 3 * ns, n = -1, rc = -1;
    pt_safetensors_entry *e = calloc((size_t)max + 1, sizeof *e);
    float **host = calloc((size_t)max + 1, sizeof *host);
    char(*names)[160] = calloc((size_t)max + 1, sizeof *names);
    int64_t(*shapes)[4] = calloc((size_t)max + 1, sizeof *shapes);
    size_t stepcap = (size_t)ns * 12 + 16;
    char *steps = malloc(stepcap);
    if (e && host && names && shapes && steps) n = gather(net, opt, e, host, names, shapes);
    if (n < 0 || steps_text(opt, ns, steps, stepcap) != 0) {
        pt_say(err, errlen, "%s: out of memory", path);
    } else {
        char sepoch[24], strain[24], sbatch[24];
        snprintf(sepoch, sizeof sepoch, "%d", epoch);
        snprintf(strain, sizeof strain, "%" PRIu64, pt_net_train_steps(net));
        snprintf(sbatch, sizeof sbatch, "%d", pt_net_batch(net));
        const char *meta[] = {"format", RESUME_FORMAT, "version", RESUME_VERSION, "net", pt_net_name(net),
                              "batch", sbatch, "epoch", sepoch, "train_steps", strain, "optim",
                              pt_optim_kind_name(opt), "optim_steps", steps, NULL};
        rc = pt_safetensors_write(path, e, n, meta, err, errlen);
    }
    for (int i = 0; host && i < max; i++) free(host[i]);
    free(host);
    free(names);
    free(shapes);
    free(e);
    free(steps);
    return rc;
}

/* A decimal integer in [lo, hi] from metadata text. 0, or -1. */
static int meta_int(const char *t, long long lo, long long hi, long long *out) {
    if (!t || !*t) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* The metadata checked against net, opt and max_epoch: epoch and train
   steps out, Adam's counts into steps[ns]. 0, or -1 with the mismatch in why. */
static int check_meta(const pt_safetensors *f, pt_net *net, pt_optim *opt, int max_epoch, long long *epoch,
                      long long *train_steps, int *steps, char *why, size_t wn) {
    const char *fmt = pt_safetensors_meta(f, "format"), *ver = pt_safetensors_meta(f, "version");
    const char *name = pt_safetensors_meta(f, "net"), *kind = pt_safetensors_meta(f, "optim");
    const char *list = pt_safetensors_meta(f, "optim_steps");
    long long batch = 0;
    if (!fmt || strcmp(fmt, RESUME_FORMAT) || !ver || strcmp(ver, RESUME_VERSION))
        return pt_say(why, wn, "not a powertrain training checkpoint (format %s, version %s)", fmt ? fmt : "none",
                      ver ? ver : "none"), -1;
    if (!name || strcmp(name, pt_net_name(net)) || meta_int(pt_safetensors_meta(f, "batch"), 1, 1 << 30, &batch) ||
        batch != pt_net_batch(net))
        return pt_say(why, wn, "a checkpoint of %s at batch %s, not of %s at batch %d", name ? name : "?",
                      pt_safetensors_meta(f, "batch") ? pt_safetensors_meta(f, "batch") : "?", pt_net_name(net),
                      pt_net_batch(net)), -1;
    if (!kind || strcmp(kind, pt_optim_kind_name(opt)))
        return pt_say(why, wn, "optimizer %s, not %s", kind ? kind : "none", pt_optim_kind_name(opt)), -1;
    if (meta_int(pt_safetensors_meta(f, "epoch"), 1, max_epoch, epoch))
        return pt_say(why, wn, "epoch %s is not one of the %d stored", pt_safetensors_meta(f, "epoch"), max_epoch), -1;
    if (meta_int(pt_safetensors_meta(f, "train_steps"), 0, INT64_MAX, train_steps))
        return pt_say(why, wn, "bad train_steps"), -1;
    int ns = pt_net_state_count(net), i = 0;
    for (const char *p = list; p && *p && i < ns; i++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 2000000000L || (*end && *end != ',')) break;
        steps[i] = (int)v;
        p = *end ? end + 1 : end;
    }
    if (i != ns) return pt_say(why, wn, "optim_steps does not hold one count per state tensor"), -1;
    return 0;
}

/* 1 when tensor t exists as F32 of exactly s's shape. */
static int fits(const pt_safetensors_tensor *t, const pt_net_state *s) {
    if (!t || !t->data || strcmp(t->dtype, "F32") || t->ndim != s->ndim || t->count != s->count) return 0;
    for (int d = 0; d < s->ndim; d++)
        if (t->shape[d] != s->shape[d]) return 0;
    return 1;
}

/* Every tensor the net and opt need is there and fits, and nothing else. 0, or -1 (why). */
static int check_tensors(const pt_safetensors *f, pt_net *net, pt_optim *opt, char *why, size_t wn) {
    int ns = pt_net_state_count(net), want = 0;
    char bn[200];
    for (int i = 0; i < ns; i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        for (int k = -1; k < pt_optim_buffers(opt, i); k++, want++) {
            if (k >= 0) buffer_name(bn, sizeof bn, s.name, k);
            const char *nm = k < 0 ? s.name : bn;
            if (!fits(pt_safetensors_find(f, nm), &s)) return pt_say(why, wn, "%s is missing or mis-shaped", nm), -1;
        }
    }
    if (pt_safetensors_count(f) != want)
        return pt_say(why, wn, "%d tensors where this run has %d", pt_safetensors_count(f), want), -1;
    return 0;
}

static void apply(const pt_safetensors *f, pt_net *net, pt_optim *opt, long long train_steps, const int *steps) {
    char bn[200];
    for (int i = 0; i < pt_net_state_count(net); i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        pt_net_state_write(net, i, pt_safetensors_find(f, s.name)->data);
        for (int k = 0; k < pt_optim_buffers(opt, i); k++) {
            buffer_name(bn, sizeof bn, s.name, k);
            pt_optim_buffer_write(opt, i, k, pt_safetensors_find(f, bn)->data);
        }
        pt_optim_set_steps(opt, i, steps[i]);
    }
    pt_net_set_train_steps(net, (uint64_t)train_steps);
}

int pt_resume_load(const char *path, pt_net *net, pt_optim *opt, int max_epoch, char *err, size_t errlen) {
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) return 0;
    pt_safetensors *f = pt_safetensors_open(path, err, errlen);
    if (!f) return -1;
    int ns = pt_net_state_count(net);
    int *steps = calloc((size_t)ns + 1, sizeof *steps);
    long long epoch = 0, train_steps = 0;
    char why[400] = "out of memory";
    int ok = steps && check_meta(f, net, opt, max_epoch, &epoch, &train_steps, steps, why, sizeof why) == 0 &&
             check_tensors(f, net, opt, why, sizeof why) == 0;
    if (ok) apply(f, net, opt, train_steps, steps);
    else pt_say(err, errlen, "%s: %s", path, why);
    free(steps);
    pt_safetensors_close(f);
    return ok ? (int)epoch : -1;
}
