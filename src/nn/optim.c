/* optim.c -- SGD and Adam over a network's parameter tensors (see optim.h).
 * One backend call per parameter tensor; Adam keeps a step count per tensor
 * (a tensor skipped in a step does not advance, as in PyTorch). */
#include "nn/optim.h"

#include <stdio.h>
#include <stdlib.h>

#include "nn/net_internal.h"

struct pt_optim {
    pt_net *net;
    pt_optim_config cfg;
    void *pool;
    size_t bytes;
    float **m, **v; /* per state tensor (NULL for statistics or plain SGD) */
    int *t;         /* Adam steps per state tensor */
};

pt_optim *pt_optim_create(pt_net *net, const pt_optim_config *cfg, char *err, size_t errlen) {
    if (!net || !net->plan_done) {
        if (err) snprintf(err, errlen, "optim: plan the network first");
        return NULL;
    }
    pt_optim_config c = *cfg;
    if (c.kind == PT_OPTIM_ADAM && c.beta1 == 0.0f && c.beta2 == 0.0f && c.eps == 0.0f)
        c.beta1 = 0.9f, c.beta2 = 0.999f, c.eps = 1e-8f;
    int bad = !(c.lr > 0.0f) || !(c.weight_decay >= 0.0f) || (c.kind != PT_OPTIM_SGD && c.kind != PT_OPTIM_ADAM);
    if (c.kind == PT_OPTIM_SGD) bad |= !(c.momentum >= 0.0f && c.momentum < 1.0f);
    if (c.kind == PT_OPTIM_ADAM)
        bad |= !(c.beta1 >= 0.0f && c.beta1 < 1.0f && c.beta2 >= 0.0f && c.beta2 < 1.0f && c.eps > 0.0f);
    if (bad) {
        if (err)
            snprintf(err, errlen, "optim: bad settings (lr %g, momentum %g, weight decay %g, betas %g %g, eps %g)",
                     (double)c.lr, (double)c.momentum, (double)c.weight_decay, (double)c.beta1, (double)c.beta2,
                     (double)c.eps);
        return NULL;
    }
    pt_optim *o = calloc(1, sizeof *o);
    int ns = net->nstates;
    if (o) {
        o->m = calloc((size_t)ns + 1, sizeof *o->m);
        o->v = calloc((size_t)ns + 1, sizeof *o->v);
        o->t = calloc((size_t)ns + 1, sizeof *o->t);
    }
    if (!o || !o->m || !o->v || !o->t) {
        if (o) free(o->m), free(o->v), free(o->t);
        free(o);
        if (err) snprintf(err, errlen, "optim: out of memory");
        return NULL;
    }
    o->net = net;
    o->cfg = c;
    int per = c.kind == PT_OPTIM_ADAM ? 2 : (c.momentum > 0.0f ? 1 : 0);
    size_t floats = 0;
    for (int i = 0; i < ns; i++)
        if (net->states[i].trainable) floats += (size_t)per * ((net->states[i].count + 15) / 16 * 16);
    pt_backend *be = net->be;
    o->bytes = floats * sizeof(float);
    if (floats) {
        o->pool = be->ops->alloc(be, o->bytes);
        if (!o->pool) {
            if (err) snprintf(err, errlen, "optim: out of %s memory (%zu bytes)", be->ops->name, o->bytes);
            pt_optim_free(o);
            return NULL;
        }
        float *p = o->pool;
        for (int i = 0; i < ns; i++) {
            if (!net->states[i].trainable) continue;
            size_t a = (net->states[i].count + 15) / 16 * 16;
            if (per >= 1) o->m[i] = p, p += a;
            if (per == 2) o->v[i] = p, p += a;
        }
    }
    return o;
}

int pt_optim_step(pt_optim *o) {
    pt_net *net = o->net;
    pt_backend *be = net->be;
    const pt_optim_config *c = &o->cfg;
    int updated = 0;
    for (int li = 0; li < net->nlayers; li++) {
        const pt_layer *l = &net->layers[li];
        if (!pt_net_layer_trainable(net, l) || l->grad_fresh) continue;
        for (int i = l->state0; i < l->state0 + l->nstate; i++) {
            pt_state *s = &net->states[i];
            if (!s->trainable) continue;
            if (c->kind == PT_OPTIM_SGD)
                be->ops->sgd_step(be, s->count, s->data, s->grad, o->m[i], c->lr, c->momentum, c->weight_decay);
            else
                be->ops->adam_step(be, s->count, s->data, s->grad, o->m[i], o->v[i], c->lr, c->beta1, c->beta2, c->eps,
                                   c->weight_decay, ++o->t[i]);
            updated++;
        }
        if (l->kind == PT_L_CONV) be->ops->conv_weights_changed(be, l->bstate);
    }
    return updated;
}

size_t pt_optim_memory(const pt_optim *o) { return o->bytes; }

const char *pt_optim_kind_name(const pt_optim *o) { return o->cfg.kind == PT_OPTIM_ADAM ? "adam" : "sgd"; }

int pt_optim_buffers(const pt_optim *o, int i) {
    if (i < 0 || i >= o->net->nstates) return 0;
    return o->v[i] ? 2 : o->m[i] ? 1 : 0;
}

static float *buffer(const pt_optim *o, int i, int k) {
    if (i < 0 || i >= o->net->nstates || k < 0 || k > 1) return NULL;
    return k == 0 ? o->m[i] : o->v[i];
}

int pt_optim_buffer_read(const pt_optim *o, int i, int k, float *host) {
    float *b = buffer(o, i, k);
    if (!b) return -1;
    o->net->be->ops->download(o->net->be, host, b, o->net->states[i].count * sizeof(float));
    return 0;
}

int pt_optim_buffer_write(pt_optim *o, int i, int k, const float *host) {
    float *b = buffer(o, i, k);
    if (!b) return -1;
    o->net->be->ops->upload(o->net->be, b, host, o->net->states[i].count * sizeof(float));
    return 0;
}

int pt_optim_steps(const pt_optim *o, int i) { return i >= 0 && i < o->net->nstates ? o->t[i] : 0; }

void pt_optim_set_steps(pt_optim *o, int i, int steps) {
    if (i >= 0 && i < o->net->nstates) o->t[i] = steps;
}

void pt_optim_free(pt_optim *o) {
    if (!o) return;
    if (o->pool) o->net->be->ops->free(o->net->be, o->pool);
    free(o->m);
    free(o->v);
    free(o->t);
    free(o);
}
