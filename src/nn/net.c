/* net.c -- the network: building the layer graph, planning its memory once
 * per batch size, initialisation, forward and backward (see net.h).
 *
 * Backward walks the layers in reverse creation order. A tensor's gradient is
 * written with acc = 0 by its first contributor and acc = 1 by later ones
 * (fan-out: residual adds, a trunk feeding two heads); views (flatten) share
 * their root's buffers and flags. A layer runs its weight-gradient op only
 * when it is trainable (parameters, group not frozen) and its data-gradient op
 * only when its input needs a gradient (some trainable layer at or before
 * it), so a frozen encoder does no backward work at all. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net_internal.h"
#include "util/rng.h"
#include "util/str.h"

static const char *const kind_names[] = {"input", "conv",    "bn",   "relu", "maxpool", "gap",
                                         "flatten", "linear", "dropout", "add", "upsample"};

int pt_net_fail(pt_net *net, const char *fmt, ...) {
    if (!net->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(net->err, sizeof net->err, fmt, ap);
        va_end(ap);
        net->failed = 1;
    }
    return -1;
}

int pt_net_seterr(pt_net *net, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(net->err, sizeof net->err, fmt, ap);
    va_end(ap);
    return -1;
}

const char *pt_net_error(const pt_net *net) { return net ? net->err : "no network"; }
const char *pt_net_name(const pt_net *net) { return net->name; }

pt_net *pt_net_create(const char *name) {
    pt_net *net = calloc(1, sizeof *net);
    if (!net) return NULL;
    pt_strlcpy(net->name, name ? name : "net", sizeof net->name);
    net->input = -1;
    pt_strlcpy(net->groups[0], PT_NET_DEFAULT_GROUP, sizeof net->groups[0]);
    net->ngroups = 1;
    return net;
}

/* ---- building ------------------------------------------------------------ */

/* a layer among the first n is named name */
static int name_taken(const pt_net *net, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(net->layers[i].name, name)) return 1;
    return 0;
}

static int valid_tensor(pt_net *net, int x, const char *what) {
    if (net->failed) return 0;
    if (net->plan_done) return pt_net_fail(net, "%s: the network is planned; no more layers", what), 0;
    if (x < 0 || x >= net->ntensors) return pt_net_fail(net, "%s: no tensor %d", what, x), 0;
    return 1;
}

/* appends a layer reading in[0..nin) and producing a new [h][w][c] tensor */
static pt_layer *add_layer(pt_net *net, pt_layer_kind kind, const int *in, int nin, int h, int w, int c) {
    if (h <= 0 || w <= 0 || c <= 0) {
        pt_net_fail(net, "%s: output shape %dx%dx%d is empty", kind_names[kind], h, w, c);
        return NULL;
    }
    if ((double)h * w * c > 1e9) {
        pt_net_fail(net, "%s: output shape %dx%dx%d is too large", kind_names[kind], h, w, c);
        return NULL;
    }
    if (net->nlayers == net->cap_layers) {
        int cap = net->cap_layers ? 2 * net->cap_layers : 32;
        pt_layer *p = realloc(net->layers, (size_t)cap * sizeof *p);
        if (!p) return pt_net_fail(net, "out of memory"), NULL;
        net->layers = p;
        net->cap_layers = cap;
    }
    if (net->ntensors == net->cap_tensors) {
        int cap = net->cap_tensors ? 2 * net->cap_tensors : 32;
        pt_tensor *p = realloc(net->tensors, (size_t)cap * sizeof *p);
        if (!p) return pt_net_fail(net, "out of memory"), NULL;
        net->tensors = p;
        net->cap_tensors = cap;
    }
    int li = net->nlayers++, ti = net->ntensors++;
    pt_layer *l = &net->layers[li];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->group = net->cur_group;
    for (int i = 0; i < nin; i++) l->in[i] = in[i];
    l->nin = nin;
    l->out = ti;
    l->state0 = -1;
    l->grad_fresh = 1;
    /* default name: <kind><k>, k counting layers of that kind */
    int k = 1;
    for (int i = 0; i < li; i++) k += net->layers[i].kind == kind;
    do snprintf(l->name, sizeof l->name, "%s%d", kind_names[kind], k++);
    while (name_taken(net, li, l->name));
    pt_tensor *t = &net->tensors[ti];
    memset(t, 0, sizeof *t);
    t->h = h, t->w = w, t->c = c;
    t->producer = li;
    t->root = ti;
    t->head = -1;
    return l;
}

static const pt_tensor *T(const pt_net *net, int x) { return &net->tensors[x]; }

int pt_net_input(pt_net *net, int h, int w, int c) {
    if (net->failed) return -1;
    if (net->input >= 0) return pt_net_fail(net, "input: a network has one input");
    pt_layer *l = add_layer(net, PT_L_INPUT, NULL, 0, h, w, c);
    if (!l) return -1;
    net->input = l->out;
    return l->out;
}

int pt_net_conv(pt_net *net, int x, int out_ch, int kh, int kw, int stride, int pad, int bias) {
    if (!valid_tensor(net, x, "conv")) return -1;
    const pt_tensor *t = T(net, x);
    if (out_ch <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0)
        return pt_net_fail(net, "conv: bad arguments (out %d, kernel %dx%d, stride %d, pad %d)", out_ch, kh, kw,
                           stride, pad);
    int one_d = t->h == 1 && kh == 1;
    pt_conv_shape s = {.ih = t->h, .iw = t->w, .ic = t->c, .oc = out_ch, .kh = kh, .kw = kw,
                       .sh = one_d ? 1 : stride, .sw = stride, .ph = one_d ? 0 : pad, .pw = pad};
    if (t->h + 2 * s.ph < kh || t->w + 2 * s.pw < kw)
        return pt_net_fail(net, "conv: kernel %dx%d larger than its padded input %dx%d", kh, kw, t->h + 2 * s.ph,
                           t->w + 2 * s.pw);
    s.oh = (t->h + 2 * s.ph - kh) / s.sh + 1;
    s.ow = (t->w + 2 * s.pw - kw) / s.sw + 1;
    pt_layer *l = add_layer(net, PT_L_CONV, &x, 1, s.oh, s.ow, out_ch);
    if (!l) return -1;
    l->cs = s;
    l->has_bias = bias != 0;
    return l->out;
}

int pt_net_batchnorm(pt_net *net, int x) {
    if (!valid_tensor(net, x, "bn")) return -1;
    const pt_tensor *t = T(net, x);
    pt_layer *l = add_layer(net, PT_L_BN, &x, 1, t->h, t->w, t->c);
    if (!l) return -1;
    l->momentum = 0.1f;
    l->eps = 1e-5f;
    return l->out;
}

int pt_net_relu(pt_net *net, int x) {
    if (!valid_tensor(net, x, "relu")) return -1;
    const pt_tensor *t = T(net, x);
    pt_layer *l = add_layer(net, PT_L_RELU, &x, 1, t->h, t->w, t->c);
    return l ? l->out : -1;
}

int pt_net_maxpool(pt_net *net, int x, int k, int stride, int pad) {
    if (!valid_tensor(net, x, "maxpool")) return -1;
    const pt_tensor *t = T(net, x);
    if (k <= 0 || stride <= 0 || pad < 0 || 2 * pad >= k + 1)
        return pt_net_fail(net, "maxpool: bad arguments (k %d, stride %d, pad %d)", k, stride, pad);
    int one_d = t->h == 1;
    pt_pool_shape s = {.ih = t->h, .iw = t->w, .c = t->c, .kh = one_d ? 1 : k, .kw = k, .sh = one_d ? 1 : stride,
                       .sw = stride, .ph = one_d ? 0 : pad, .pw = pad};
    if (t->h + 2 * s.ph < s.kh || t->w + 2 * s.pw < s.kw)
        return pt_net_fail(net, "maxpool: window %dx%d larger than its input %dx%d", s.kh, s.kw, t->h, t->w);
    s.oh = (t->h + 2 * s.ph - s.kh) / s.sh + 1;
    s.ow = (t->w + 2 * s.pw - s.kw) / s.sw + 1;
    pt_layer *l = add_layer(net, PT_L_MAXPOOL, &x, 1, s.oh, s.ow, t->c);
    if (!l) return -1;
    l->ps = s;
    return l->out;
}

int pt_net_gap(pt_net *net, int x) {
    if (!valid_tensor(net, x, "gap")) return -1;
    pt_layer *l = add_layer(net, PT_L_GAP, &x, 1, 1, 1, T(net, x)->c);
    return l ? l->out : -1;
}

int pt_net_flatten(pt_net *net, int x) {
    if (!valid_tensor(net, x, "flatten")) return -1;
    const pt_tensor *t = T(net, x);
    pt_layer *l = add_layer(net, PT_L_FLATTEN, &x, 1, 1, 1, t->h * t->w * t->c);
    if (!l) return -1;
    net->tensors[l->out].root = net->tensors[x].root;
    return l->out;
}

int pt_net_linear(pt_net *net, int x, int out, int bias) {
    if (!valid_tensor(net, x, "linear")) return -1;
    if (out <= 0) return pt_net_fail(net, "linear: %d outputs", out);
    const pt_tensor *t = T(net, x);
    int in = t->h * t->w * t->c;
    pt_layer *l = add_layer(net, PT_L_LINEAR, &x, 1, 1, 1, out);
    if (!l) return -1;
    l->lin_in = in;
    l->lin_out = out;
    l->has_bias = bias != 0;
    return l->out;
}

int pt_net_dropout(pt_net *net, int x, float p) {
    if (!valid_tensor(net, x, "dropout")) return -1;
    if (!(p >= 0.0f && p < 1.0f)) return pt_net_fail(net, "dropout: p = %g is outside [0, 1)", (double)p);
    const pt_tensor *t = T(net, x);
    pt_layer *l = add_layer(net, PT_L_DROPOUT, &x, 1, t->h, t->w, t->c);
    if (!l) return -1;
    l->p = p;
    return l->out;
}

int pt_net_add(pt_net *net, int a, int b) {
    if (!valid_tensor(net, a, "add") || !valid_tensor(net, b, "add")) return -1;
    const pt_tensor *ta = T(net, a), *tb = T(net, b);
    if (ta->h != tb->h || ta->w != tb->w || ta->c != tb->c)
        return pt_net_fail(net, "add: shapes differ: %dx%dx%d and %dx%dx%d", ta->h, ta->w, ta->c, tb->h, tb->w,
                           tb->c);
    int in[2] = {a, b};
    pt_layer *l = add_layer(net, PT_L_ADD, in, 2, ta->h, ta->w, ta->c);
    return l ? l->out : -1;
}

int pt_net_upsample(pt_net *net, int x, int fh, int fw) {
    if (!valid_tensor(net, x, "upsample")) return -1;
    if (fh <= 0 || fw <= 0) return pt_net_fail(net, "upsample: factors %dx%d", fh, fw);
    const pt_tensor *t = T(net, x);
    pt_layer *l = add_layer(net, PT_L_UPSAMPLE, &x, 1, t->h * fh, t->w * fw, t->c);
    if (!l) return -1;
    l->fh = fh;
    l->fw = fw;
    return l->out;
}

int pt_net_output(pt_net *net, int x) {
    if (!valid_tensor(net, x, "output")) return -1;
    if (x == net->input) return pt_net_fail(net, "output: the input cannot be a head");
    if (net->tensors[x].head >= 0) return pt_net_fail(net, "output: tensor %d is already head %d", x, net->tensors[x].head);
    int *h = realloc(net->heads, (size_t)(net->nheads + 1) * sizeof *h);
    if (!h) return pt_net_fail(net, "out of memory");
    net->heads = h;
    net->heads[net->nheads] = x;
    net->tensors[x].head = net->nheads;
    return net->nheads++;
}

int pt_net_name_last(pt_net *net, const char *name) {
    if (net->failed) return -1;
    if (net->nlayers == 0) return pt_net_fail(net, "name_last: no layer yet");
    if (net->plan_done) return pt_net_fail(net, "name_last: the network is planned");
    if (!name || !*name || strlen(name) >= PT_NET_NAME_MAX)
        return pt_net_fail(net, "name_last: empty or over-long name");
    pt_layer *l = &net->layers[net->nlayers - 1];
    if (strcmp(l->name, name) && name_taken(net, net->nlayers - 1, name))
        return pt_net_fail(net, "name_last: a layer is already named '%s'", name);
    pt_strlcpy(l->name, name, sizeof l->name);
    return 0;
}

static int find_group(const pt_net *net, const char *group) {
    if (!group || !*group) return 0;
    for (int i = 0; i < net->ngroups; i++)
        if (!strcmp(net->groups[i], group)) return i;
    return -1;
}

int pt_net_set_group(pt_net *net, const char *group) {
    if (net->failed) return -1;
    int g = find_group(net, group);
    if (g < 0) {
        if (net->ngroups == PT_NET_MAX_GROUPS) return pt_net_fail(net, "set_group: more than %d groups", PT_NET_MAX_GROUPS);
        if (strlen(group) >= PT_NET_NAME_MAX) return pt_net_fail(net, "set_group: over-long name");
        g = net->ngroups++;
        pt_strlcpy(net->groups[g], group, sizeof net->groups[g]);
    }
    net->cur_group = g;
    return 0;
}

int pt_net_freeze(pt_net *net, const char *group, int frozen) {
    int g = find_group(net, group);
    int used = 0;
    for (int i = 0; g >= 0 && i < net->nlayers; i++) used |= net->layers[i].group == g;
    if (!used) {
        return pt_net_seterr(net, "freeze: no layer in group '%s'", group ? group : "");
    }
    net->frozen[g] = frozen != 0;
    return 0;
}

int pt_net_layer_trainable(const pt_net *net, const pt_layer *l) {
    return l->nstate > 0 && !net->frozen[l->group];
}

/* ---- sizes ------------------------------------------------------------------ */

static size_t tsize(const pt_tensor *t) { return (size_t)t->h * t->w * t->c; }
static size_t align16(size_t floats) { return (floats + 15) / 16 * 16; } /* 64 bytes */

/* The live range of root r's gradient in layer indices, [lo, hi]: written
 * first by its last consumer's backward (hi; a head's by the loss, before
 * backward: hi = nlayers), read last by its producer's (lo). */
static void grad_range(const pt_net *net, int r, int *lo, int *hi) {
    *lo = *hi = net->tensors[r].producer;
    for (int li = 0; li < net->nlayers; li++)
        for (int k = 0; k < net->layers[li].nin; k++)
            if (net->tensors[net->layers[li].in[k]].root == r && li > *hi) *hi = li;
    for (int h = 0; h < net->nheads; h++)
        if (net->tensors[net->heads[h]].root == r) *hi = net->nlayers;
}

/* Activation gradients share slots: roots whose live ranges do not overlap
 * take the same buffer (greedy by decreasing hi, the order backward meets
 * them; a slot is as large as its largest occupant, rounded up to 16 floats
 * when align). Sets off[r] (floats) for every root but the input when off is
 * given; returns the floats of all slots for batch samples, or SIZE_MAX when
 * out of memory. A chain of layers needs about its two largest gradients. */
static size_t grads_layout(const pt_net *net, int batch, int align, size_t *off) {
    int n = net->ntensors, nslot = 0;
    int *lo = malloc((size_t)n * sizeof *lo), *hi = malloc((size_t)n * sizeof *hi);
    int *slot = malloc((size_t)n * sizeof *slot), *slot_lo = malloc((size_t)n * sizeof *slot_lo);
    size_t total = SIZE_MAX;
    if (!lo || !hi || !slot || !slot_lo) goto out;
    for (int r = 0; r < n; r++) {
        slot[r] = -1;
        if (net->tensors[r].root == r && r != net->input) grad_range(net, r, &lo[r], &hi[r]);
    }
    for (;;) {
        int r = -1; /* the unplaced root met first in backward */
        for (int i = 0; i < n; i++)
            if (net->tensors[i].root == i && i != net->input && slot[i] < 0 && (r < 0 || hi[i] > hi[r])) r = i;
        if (r < 0) break;
        int s = 0;
        while (s < nslot && slot_lo[s] <= hi[r]) s++; /* a slot whose occupants are all read before r is written */
        if (s == nslot) nslot++;
        slot[r] = s;
        slot_lo[s] = lo[r];
    }
    total = 0;
    for (int s = 0; s < nslot; s++) {
        size_t size = 0;
        for (int r = 0; r < n; r++)
            if (slot[r] == s && (size_t)batch * tsize(&net->tensors[r]) > size) size = (size_t)batch * tsize(&net->tensors[r]);
        if (align) size = align16(size);
        for (int r = 0; r < n; r++)
            if (slot[r] == s && off) off[r] = total;
        total += size;
    }
out:
    free(lo), free(hi), free(slot), free(slot_lo);
    return total;
}

size_t pt_net_activation_bytes(const pt_net *net, int with_grads) {
    size_t b = 0, g = 0;
    for (int i = 0; i < net->ntensors; i++) {
        const pt_tensor *t = &net->tensors[i];
        if (t->root != i) continue;
        b += tsize(t) * sizeof(float);
        if (i != net->input) g += tsize(t) * sizeof(float);
    }
    size_t shared = with_grads ? grads_layout(net, 1, 0, NULL) : 0;
    return b + (!with_grads ? 0 : shared != SIZE_MAX ? shared * sizeof(float) : g);
}

/* fills the state-tensor descriptions of layer l (count or write when out != NULL) */
static int layer_states(const pt_net *net, const pt_layer *l, pt_state *out) {
    int k = 0;
    pt_state s[4];
    memset(s, 0, sizeof s);
    if (l->kind == PT_L_CONV) {
        const pt_conv_shape *c = &l->cs;
        int one_d = c->ih == 1 && c->kh == 1;
        snprintf(s[k].name, sizeof s[k].name, "%s.weight", l->name);
        s[k].trainable = 1;
        s[k].ndim = one_d ? 3 : 4;
        s[k].shape[0] = c->oc, s[k].shape[1] = c->ic;
        if (one_d)
            s[k].shape[2] = c->kw;
        else
            s[k].shape[2] = c->kh, s[k].shape[3] = c->kw;
        s[k].count = (size_t)c->oc * c->ic * c->kh * c->kw;
        k++;
        if (l->has_bias) {
            snprintf(s[k].name, sizeof s[k].name, "%s.bias", l->name);
            s[k].trainable = 1, s[k].ndim = 1, s[k].shape[0] = c->oc, s[k].count = c->oc;
            k++;
        }
    } else if (l->kind == PT_L_LINEAR) {
        snprintf(s[k].name, sizeof s[k].name, "%s.weight", l->name);
        s[k].trainable = 1, s[k].ndim = 2, s[k].shape[0] = l->lin_out, s[k].shape[1] = l->lin_in;
        s[k].count = (size_t)l->lin_out * l->lin_in;
        k++;
        if (l->has_bias) {
            snprintf(s[k].name, sizeof s[k].name, "%s.bias", l->name);
            s[k].trainable = 1, s[k].ndim = 1, s[k].shape[0] = l->lin_out, s[k].count = l->lin_out;
            k++;
        }
    } else if (l->kind == PT_L_BN) {
        static const char *const sfx[4] = {"weight", "bias", "running_mean", "running_var"};
        int c = net->tensors[l->in[0]].c;
        for (; k < 4; k++) {
            snprintf(s[k].name, sizeof s[k].name, "%s.%s", l->name, sfx[k]);
            s[k].trainable = k < 2, s[k].ndim = 1, s[k].shape[0] = c, s[k].count = c;
        }
    }
    for (int i = 0; out && i < k; i++) {
        out[i] = s[i];
        out[i].layer = (int)(l - net->layers);
    }
    return k;
}

size_t pt_net_param_count(const pt_net *net, const char *group) {
    int g = group ? find_group(net, group) : -1;
    if (group && g < 0) return 0;
    size_t total = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const pt_layer *l = &net->layers[i];
        if (g >= 0 && l->group != g) continue;
        pt_state s[4];
        int k = layer_states(net, l, s);
        for (int j = 0; j < k; j++)
            if (s[j].trainable) total += s[j].count;
    }
    return total;
}

/* ---- planning ------------------------------------------------------------------ */

static void free_pools(pt_net *net) {
    pt_backend *be = net->be;
    if (!be) return;
    for (int i = 0; i < net->nlayers; i++) {
        pt_layer *l = &net->layers[i];
        if (l->bstate) {
            if (l->kind == PT_L_CONV) be->ops->conv_free(be, l->bstate);
            if (l->kind == PT_L_LINEAR) be->ops->linear_free(be, l->bstate);
            if (l->kind == PT_L_MAXPOOL) be->ops->maxpool_free(be, l->bstate);
            l->bstate = NULL;
        }
        free(l->mask_host);
        l->mask_host = NULL;
    }
    void **pools[] = {&net->pool_params, &net->pool_grads, &net->pool_stats, &net->pool_acts, &net->pool_other};
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        if (*pools[i]) be->ops->free(be, *pools[i]);
        *pools[i] = NULL;
    }
}

/* Pool sizes of a plan: floats, except `other` (bytes); every buffer 64-byte
 * aligned. Cursors: where carving the pools has got to (plan_layers goes on
 * from there with the bn statistics and the dropout masks). */
typedef struct {
    size_t params, stats, acts, agrads, other, max_head;
} plan_sizes;
typedef struct {
    float *stats;
    uint8_t *other;
} plan_cursor;

static int plan_validate(pt_net *net, const pt_backend *be, int batch) {
    if (net->failed) return -1;
    if (net->plan_done) return pt_net_fail(net, "plan: already planned for batch %d", net->batch);
    if (!be) return pt_net_fail(net, "plan: no backend");
    if (batch <= 0) return pt_net_fail(net, "plan: batch size %d", batch);
    if (net->input < 0) return pt_net_fail(net, "plan: no input");
    if (net->nheads == 0) return pt_net_fail(net, "plan: no output");
    for (int i = 0; i < net->nlayers; i++)
        if ((double)batch * tsize(&net->tensors[net->layers[i].out]) > 2e9)
            return pt_net_fail(net, "plan: %s: batch %d makes a tensor over 2^31 elements", net->layers[i].name,
                               batch);
    return 0;
}

/* the state tensors of every layer, in layer order */
static int plan_states(pt_net *net) {
    int ns = 0;
    for (int i = 0; i < net->nlayers; i++) ns += layer_states(net, &net->layers[i], NULL);
    net->states = calloc(ns ? (size_t)ns : 1, sizeof *net->states);
    net->head_target = calloc((size_t)net->nheads, sizeof *net->head_target);
    if (!net->states || !net->head_target) return pt_net_fail(net, "plan: out of memory");
    for (int i = 0; i < net->nlayers; i++) {
        pt_layer *l = &net->layers[i];
        l->state0 = net->nstates;
        l->nstate = layer_states(net, l, net->states + net->nstates);
        net->nstates += l->nstate;
    }
    return 0;
}

static plan_sizes plan_size(pt_net *net, int batch) {
    plan_sizes z = {0};
    for (int i = 0; i < net->nstates; i++) {
        if (net->states[i].trainable)
            z.params += align16(net->states[i].count);
        else
            z.stats += align16(net->states[i].count);
    }
    for (int i = 0; i < net->nlayers; i++) {
        const pt_layer *l = &net->layers[i];
        if (l->kind == PT_L_BN) z.stats += 2 * align16(net->tensors[l->out].c);
        if (l->kind == PT_L_DROPOUT) z.other += align16(((size_t)batch * tsize(&net->tensors[l->out]) + 3) / 4) * 4;
    }
    for (int i = 0; i < net->ntensors; i++) {
        const pt_tensor *t = &net->tensors[i];
        if (t->root != i) continue;
        z.acts += align16((size_t)batch * tsize(t));
    }
    size_t *off = calloc((size_t)net->ntensors, sizeof *off);
    z.agrads = off ? grads_layout(net, batch, 1, off) : SIZE_MAX;
    for (int i = 0; off && i < net->ntensors; i++) net->tensors[i].grad_off = off[i];
    free(off);
    for (int h = 0; h < net->nheads; h++) {
        size_t sz = tsize(&net->tensors[net->heads[h]]);
        if (sz > z.max_head) z.max_head = sz;
        z.other += align16((size_t)batch * sz) * sizeof(float);
    }
    z.other += align16((size_t)batch * z.max_head) * sizeof(float); /* zeros */
    return z;
}

/* the five pools on the backend, and net->mem */
static int plan_alloc(pt_net *net, pt_backend *be, int batch, const plan_sizes *z) {
    net->be = be;
    net->batch = batch;
    const pt_backend_ops *o = be->ops;
    net->pool_params = o->alloc(be, z->params * sizeof(float));
    net->pool_grads = o->alloc(be, z->params * sizeof(float));
    net->pool_stats = o->alloc(be, z->stats * sizeof(float));
    net->pool_acts = o->alloc(be, (z->acts + z->agrads) * sizeof(float));
    net->pool_other = o->alloc(be, z->other);
    if (!net->pool_params || !net->pool_grads || !net->pool_stats || !net->pool_acts || !net->pool_other) {
        free_pools(net);
        net->be = NULL;
        return pt_net_fail(net, "plan: out of %s memory for batch %d (%zu bytes)", be->ops->name, batch,
                           (z->params * 2 + z->stats + z->acts + z->agrads) * sizeof(float) + z->other);
    }
    net->mem.params = z->params * sizeof(float);
    net->mem.grads = z->params * sizeof(float);
    net->mem.stats = z->stats * sizeof(float);
    net->mem.activations = z->acts * sizeof(float);
    net->mem.act_grads = z->agrads * sizeof(float);
    net->mem.other = z->other;
    net->mem.total = net->mem.params + net->mem.grads + net->mem.stats + net->mem.activations + net->mem.act_grads +
                     net->mem.other;
    return 0;
}

/* states, tensors (views share their root's buffers), head targets, zeros */
static plan_cursor plan_carve(pt_net *net, int batch, const plan_sizes *z) {
    float *pp = net->pool_params, *pg = net->pool_grads, *pst = net->pool_stats, *pa = net->pool_acts;
    float *pag = pa + z->acts;
    uint8_t *po = net->pool_other;
    for (int i = 0; i < net->nstates; i++) {
        pt_state *s = &net->states[i];
        if (s->trainable) {
            s->data = pp, s->grad = pg;
            pp += align16(s->count), pg += align16(s->count);
        } else {
            s->data = pst;
            pst += align16(s->count);
        }
    }
    for (int i = 0; i < net->ntensors; i++) {
        pt_tensor *t = &net->tensors[i];
        if (t->root != i) continue;
        t->data = pa;
        pa += align16((size_t)batch * tsize(t));
        t->grad = i != net->input ? pag + t->grad_off : NULL;
    }
    for (int i = 0; i < net->ntensors; i++) {
        pt_tensor *t = &net->tensors[i];
        t->data = net->tensors[t->root].data;
        t->grad = net->tensors[t->root].grad;
    }
    for (int h = 0; h < net->nheads; h++) {
        net->head_target[h] = (float *)po;
        po += align16((size_t)batch * tsize(&net->tensors[net->heads[h]])) * sizeof(float);
    }
    net->zeros = (float *)po;
    po += align16((size_t)batch * z->max_head) * sizeof(float);
    return (plan_cursor){.stats = pst, .other = po};
}

/* per-layer backend state, bn statistics, dropout masks */
static int plan_layers(pt_net *net, pt_backend *be, int batch, plan_cursor cur) {
    const pt_backend_ops *o = be->ops;
    for (int i = 0; i < net->nlayers; i++) {
        pt_layer *l = &net->layers[i];
        int rc = 0;
        if (l->kind == PT_L_CONV) {
            l->cs.n = batch;
            rc = o->conv_init(be, &l->bstate, &l->cs);
        } else if (l->kind == PT_L_LINEAR) {
            rc = o->linear_init(be, &l->bstate, batch, l->lin_in, l->lin_out);
        } else if (l->kind == PT_L_MAXPOOL) {
            l->ps.n = batch;
            rc = o->maxpool_init(be, &l->bstate, &l->ps);
        } else if (l->kind == PT_L_BN) {
            size_t c = align16(net->tensors[l->out].c);
            l->save_mean = cur.stats;
            l->save_invstd = cur.stats + c;
            cur.stats += 2 * c;
        } else if (l->kind == PT_L_DROPOUT) {
            size_t m = (size_t)batch * tsize(&net->tensors[l->out]);
            l->mask = cur.other;
            cur.other += align16((m + 3) / 4) * 4;
            l->mask_host = malloc(m);
            if (!l->mask_host) rc = -1;
        }
        if (rc) {
            free_pools(net);
            net->be = NULL;
            return pt_net_fail(net, "plan: %s: the %s backend cannot set up this layer", l->name, be->ops->name);
        }
    }
    return 0;
}

/* the layer that reads tensor t when exactly one does and t is no head, else -1 */
static int only_reader(const pt_net *net, int t) {
    int p = -1, readers = 0;
    for (int i = 0; i < net->nlayers; i++)
        for (int k = 0; k < net->layers[i].nin; k++)
            if (net->layers[i].in[k] == t) readers++, p = i;
    return readers == 1 && net->tensors[t].head < 0 ? p : -1;
}

/* A relu whose only reader is a max pool runs after the pool instead. Max
 * commutes with relu, so both orders give the same outputs and, each window
 * taking its first maximum, the same gradients (a window whose maximum is not
 * positive passes no gradient either way); padding is skipped by every pool.
 * The relu, its backward and its output then cover the pooled tensor: half
 * of the elements in pamap2_cnn's 1-D pools, a quarter in the 2-D ones, and
 * the full-size relu output is never stored. Layers keep their names. */
static void plan_pool_before_relu(pt_net *net) {
    for (int r = 0; r < net->nlayers; r++) {
        if (net->layers[r].kind != PT_L_RELU) continue;
        int t1 = net->layers[r].out, p = only_reader(net, t1);
        if (p < 0 || net->layers[p].kind != PT_L_MAXPOOL) continue;
        int t0 = net->layers[r].in[0], t2 = net->layers[p].out;
        assert(p > r && net->tensors[t1].root == t1);
        pt_layer relu = net->layers[r];
        net->layers[r] = net->layers[p]; /* the pool: t0 -> t1, t1 now pooled */
        net->layers[r].in[0] = t0;
        net->layers[r].out = t1;
        net->layers[p] = relu; /* the relu: t1 -> t2 */
        net->layers[p].in[0] = t1;
        net->layers[p].out = t2;
        net->tensors[t1].h = net->tensors[t2].h;
        net->tensors[t1].w = net->tensors[t2].w;
    }
}

/* A relu whose input only it reads, made by a layer whose backward does not
 * read its own output (not a relu or max pool), runs in place: its output is
 * a view of its input (one buffer, one gradient; PyTorch's inplace=True).
 * Then every tensor's root is resolved again (a flatten of the relu's output
 * was a view of it). */
static void plan_relu_in_place(pt_net *net) {
    for (int r = 0; r < net->nlayers; r++) {
        const pt_layer *l = &net->layers[r];
        if (l->kind != PT_L_RELU) continue;
        int t = l->in[0];
        pt_layer_kind by = net->layers[net->tensors[t].producer].kind;
        if (only_reader(net, t) != r || t == net->input || net->tensors[t].root != t || by == PT_L_RELU ||
            by == PT_L_MAXPOOL)
            continue;
        net->tensors[l->out].root = t;
    }
    for (int i = 0; i < net->ntensors; i++) {
        int r = i;
        while (net->tensors[r].root != r) r = net->tensors[r].root;
        net->tensors[i].root = r;
    }
}

int pt_net_plan(pt_net *net, pt_backend *be, int batch) {
    if (plan_validate(net, be, batch)) return -1;
    plan_pool_before_relu(net);
    plan_relu_in_place(net);
    if (plan_states(net)) return -1;
    plan_sizes z = plan_size(net, batch);
    if (z.agrads == SIZE_MAX) return pt_net_fail(net, "plan: out of host memory for the gradient layout");
    if (plan_alloc(net, be, batch, &z)) return -1;
    if (plan_layers(net, be, batch, plan_carve(net, batch, &z))) return -1;
    net->plan_done = 1;
    return 0;
}

void pt_net_memory_get(const pt_net *net, pt_net_memory *m) { *m = net->mem; }

/* ---- random numbers (host, integer state: the same on every machine) ----------- */

/* uniform in (0, 1) from (key, i) */
static double unit(uint64_t key, uint64_t i) {
    uint64_t z = pt_mix64(key ^ pt_mix64(i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull));
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* state i's initial values into h: PyTorch's defaults. Conv and linear weights
   and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a = sqrt 5,
   fan_in = the weight's inputs per output), batch norm gamma 1, beta 0, running
   mean 0, running var 1. */
static void init_state(const pt_net *net, int i, uint64_t seed, float *h) {
    const pt_state *s = &net->states[i];
    const pt_layer *l = &net->layers[s->layer];
    const char *sfx = strrchr(s->name, '.') + 1;
    if (l->kind == PT_L_CONV || l->kind == PT_L_LINEAR) {
        const pt_state *w = &net->states[l->state0];
        double bound = 1.0 / sqrt((double)w->count / (double)w->shape[0]);
        uint64_t key = pt_mix64(seed ^ pt_mix64((uint64_t)i + 1));
        for (size_t j = 0; j < s->count; j++) h[j] = (float)(bound * (2.0 * unit(key, j) - 1.0));
    } else {
        float v = (!strcmp(sfx, "weight") || !strcmp(sfx, "running_var")) ? 1.0f : 0.0f;
        for (size_t j = 0; j < s->count; j++) h[j] = v;
    }
}

int pt_net_init(pt_net *net, uint64_t seed) {
    if (!net->plan_done) return pt_net_seterr(net, "init: plan the network first");
    net->seed = seed;
    net->train_steps = 0;
    size_t maxc = 1;
    for (int i = 0; i < net->nstates; i++)
        if (net->states[i].count > maxc) maxc = net->states[i].count;
    float *h = malloc(maxc * sizeof *h);
    if (!h) return pt_net_seterr(net, "init: out of memory");
    for (int i = 0; i < net->nstates; i++) {
        init_state(net, i, seed, h);
        net->be->ops->upload(net->be, net->states[i].data, h, net->states[i].count * sizeof(float));
    }
    free(h);
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i].kind == PT_L_CONV) net->be->ops->conv_weights_changed(net->be, net->layers[i].bstate);
    return 0;
}

/* ---- forward --------------------------------------------------------------------- */

static void make_mask(pt_net *net, pt_layer *l, size_t m) {
    uint64_t key = pt_mix64(net->seed ^ pt_mix64(net->train_steps * 0xD1B54A32D192ED03ull + (uint64_t)(l - net->layers) + 1));
    uint64_t keep_below = (uint64_t)((1.0 - (double)l->p) * 18446744073709551616.0 * (1.0 - 1e-16));
    for (size_t j = 0; j < m; j++) l->mask_host[j] = pt_mix64(key ^ pt_mix64(j + 0x9E3779B97F4A7C15ull)) < keep_below;
}

int pt_net_forward(pt_net *net, const float *x, int n, int train) {
    if (!net->plan_done) return pt_net_seterr(net, "forward: plan the network first");
    if (n < 1 || n > net->batch)
        return pt_net_seterr(net, "forward: %d samples, planned batch %d", n, net->batch);
    if (train && n != net->batch) {
        return pt_net_seterr(net,
                             "forward: a train step takes exactly the planned batch (%d samples, got %d); drop the "
                             "short last batch",
                             net->batch, n);
    }
    pt_backend *be = net->be;
    const pt_backend_ops *o = be->ops;
    const int N = net->batch;
    if (x) o->upload(be, net->tensors[net->input].data, x, (size_t)n * tsize(&net->tensors[net->input]) * sizeof(float));
    for (int i = 0; i < net->ntensors; i++) net->tensors[i].grad_set = 0;
    for (int i = 0; i < net->nlayers; i++) {
        pt_layer *l = &net->layers[i];
        const pt_tensor *in = l->nin ? &net->tensors[l->in[0]] : NULL, *out = &net->tensors[l->out];
        size_t m = (size_t)N * tsize(out);
        const pt_state *st = l->nstate ? &net->states[l->state0] : NULL;
        switch (l->kind) {
        case PT_L_INPUT:
        case PT_L_FLATTEN:
            break;
        case PT_L_CONV:
            o->conv_forward(be, l->bstate, &l->cs, in->data, st[0].data, l->has_bias ? st[1].data : NULL, out->data);
            break;
        case PT_L_LINEAR:
            o->linear_forward(be, l->bstate, N, l->lin_in, l->lin_out, in->data, st[0].data,
                              l->has_bias ? st[1].data : NULL, out->data);
            break;
        case PT_L_BN: {
            int rows = (int)((size_t)N * out->h * out->w);
            if (train)
                o->bn_forward_train(be, rows, out->c, in->data, st[0].data, st[1].data, st[2].data, st[3].data,
                                    l->momentum, l->eps, l->save_mean, l->save_invstd, out->data);
            else
                o->bn_forward_eval(be, rows, out->c, in->data, st[0].data, st[1].data, st[2].data, st[3].data,
                                   l->eps, out->data);
            break;
        }
        case PT_L_RELU:
            o->relu_forward(be, m, in->data, out->data);
            break;
        case PT_L_MAXPOOL:
            o->maxpool_forward(be, l->bstate, &l->ps, in->data, out->data);
            break;
        case PT_L_GAP:
            o->gap_forward(be, N, in->h * in->w, in->c, in->data, out->data);
            break;
        case PT_L_DROPOUT:
            if (train && l->p > 0.0f) {
                make_mask(net, l, m);
                o->upload(be, l->mask, l->mask_host, m);
                o->dropout_forward(be, m, in->data, l->mask, 1.0f / (1.0f - l->p), out->data);
            } else {
                o->copy_grad(be, m, in->data, out->data, 0);
            }
            break;
        case PT_L_ADD:
            o->add_forward(be, m, in->data, net->tensors[l->in[1]].data, out->data);
            break;
        case PT_L_UPSAMPLE:
            o->upsample_forward(be, N, in->h, in->w, in->c, l->fh, l->fw, in->data, out->data);
            break;
        }
    }
    net->fwd_n = n;
    net->fwd_train = train != 0;
    net->backward_done = 0;
    if (train) net->train_steps++;
    return 0;
}

/* ---- backward -------------------------------------------------------------------- */

/* the acc flag for writing tensor x's gradient, and marks it written */
static int take_acc(pt_net *net, int x) {
    pt_tensor *r = &net->tensors[net->tensors[x].root];
    int acc = r->grad_set;
    r->grad_set = 1;
    return acc;
}

static int needs(const pt_net *net, int x) { return net->tensors[x].needs_grad; }

/* one layer's backward: its weight gradients (when trainable) and the
 * gradients of those inputs that need one */
static void layer_backward(pt_net *net, pt_layer *l) {
    pt_backend *be = net->be;
    const pt_backend_ops *o = be->ops;
    const pt_tensor *out = &net->tensors[l->out];
    const pt_tensor *in = &net->tensors[l->in[0]];
    const float *dy = out->grad;
    const int N = net->batch;
    size_t m = (size_t)N * tsize(out);
    int train_w = pt_net_layer_trainable(net, l);
    int acc_w = !l->grad_fresh;
    const pt_state *st = l->nstate ? &net->states[l->state0] : NULL;
    int x = l->in[0];
    switch (l->kind) {
    case PT_L_INPUT:
    case PT_L_FLATTEN:
        break;
    case PT_L_CONV:
        if (train_w)
            o->conv_backward_weights(be, l->bstate, &l->cs, in->data, dy, st[0].grad,
                                     l->has_bias ? st[1].grad : NULL, acc_w);
        if (needs(net, x)) o->conv_backward_data(be, l->bstate, &l->cs, dy, st[0].data, in->grad, take_acc(net, x));
        break;
    case PT_L_LINEAR:
        if (train_w)
            o->linear_backward_weights(be, l->bstate, N, l->lin_in, l->lin_out, in->data, dy, st[0].grad,
                                       l->has_bias ? st[1].grad : NULL, acc_w);
        if (needs(net, x))
            o->linear_backward_data(be, l->bstate, N, l->lin_in, l->lin_out, dy, st[0].data, in->grad,
                                    take_acc(net, x));
        break;
    case PT_L_BN:
        if (train_w || needs(net, x)) {
            int rows = (int)((size_t)N * out->h * out->w);
            int acc_x = needs(net, x) ? take_acc(net, x) : 0;
            o->bn_backward(be, rows, out->c, in->data, dy, st[0].data, l->save_mean, l->save_invstd,
                           needs(net, x) ? in->grad : NULL, acc_x, train_w ? st[0].grad : NULL,
                           train_w ? st[1].grad : NULL, acc_w);
        }
        break;
    case PT_L_RELU: /* in place: the input's gradient is dy's buffer, already marked written */
        if (needs(net, x))
            o->relu_backward(be, m, out->data, dy, in->grad, in->root == out->root ? 0 : take_acc(net, x));
        break;
    case PT_L_MAXPOOL:
        if (needs(net, x))
            o->maxpool_backward(be, l->bstate, &l->ps, in->data, out->data, dy, in->grad, take_acc(net, x));
        break;
    case PT_L_GAP:
        if (needs(net, x)) o->gap_backward(be, N, in->h * in->w, in->c, dy, in->grad, take_acc(net, x));
        break;
    case PT_L_DROPOUT:
        if (needs(net, x)) {
            if (l->p > 0.0f)
                o->dropout_backward(be, m, dy, l->mask, 1.0f / (1.0f - l->p), in->grad, take_acc(net, x));
            else
                o->copy_grad(be, m, dy, in->grad, take_acc(net, x));
        }
        break;
    case PT_L_ADD:
        for (int k = 0; k < 2; k++)
            if (needs(net, l->in[k]))
                o->copy_grad(be, m, dy, net->tensors[l->in[k]].grad, take_acc(net, l->in[k]));
        break;
    case PT_L_UPSAMPLE:
        if (needs(net, x))
            o->upsample_backward(be, N, in->h, in->w, in->c, l->fh, l->fw, dy, in->grad, take_acc(net, x));
        break;
    }
    if (train_w) l->grad_fresh = 0;
}

int pt_net_backward(pt_net *net) {
    if (!net->plan_done) return pt_net_seterr(net, "backward: plan the network first");
    if (!net->fwd_n || !net->fwd_train) return pt_net_seterr(net, "backward: needs a forward in train mode first");
    if (net->backward_done) return pt_net_seterr(net, "backward: already done for this forward");
    for (int i = 0; i < net->nlayers; i++) {
        const pt_layer *l = &net->layers[i];
        int need = pt_net_layer_trainable(net, l);
        for (int k = 0; k < l->nin; k++) need |= net->tensors[l->in[k]].needs_grad;
        net->tensors[l->out].needs_grad = need;
    }
    for (int i = net->nlayers - 1; i >= 0; i--) {
        pt_layer *l = &net->layers[i];
        if (l->kind == PT_L_INPUT || l->kind == PT_L_FLATTEN) continue;
        if (!net->tensors[net->tensors[l->out].root].grad_set) continue; /* no gradient reached it */
        layer_backward(net, l);
    }
    net->backward_done = 1;
    return 0;
}

void pt_net_zero_grad(pt_net *net) {
    for (int i = 0; i < net->nlayers; i++) net->layers[i].grad_fresh = 1;
}

/* ---- accessors ----------------------------------------------------------------- */

int pt_net_batch(const pt_net *net) { return net->batch; }
pt_backend *pt_net_backend(const pt_net *net) { return net->be; }
uint64_t pt_net_train_steps(const pt_net *net) { return net->train_steps; }
void pt_net_set_train_steps(pt_net *net, uint64_t steps) { net->train_steps = steps; }
int pt_net_num_heads(const pt_net *net) { return net->nheads; }

size_t pt_net_tensor_shape(const pt_net *net, int x, int *h, int *w, int *c) {
    if (x < 0 || x >= net->ntensors) return 0;
    const pt_tensor *t = &net->tensors[x];
    if (h) *h = t->h;
    if (w) *w = t->w;
    if (c) *c = t->c;
    return tsize(t);
}

size_t pt_net_head_size(const pt_net *net, int head) {
    if (head < 0 || head >= net->nheads) return 0;
    return tsize(&net->tensors[net->heads[head]]);
}

float *pt_net_input_buffer(pt_net *net) {
    return net->plan_done ? net->tensors[net->input].data : NULL;
}

const float *pt_net_output_ptr(pt_net *net, int head) {
    if (!net->plan_done || head < 0 || head >= net->nheads) return NULL;
    return net->tensors[net->heads[head]].data;
}

int pt_net_output_read(pt_net *net, int head, float *host, int n) {
    if (!net->plan_done || head < 0 || head >= net->nheads || n < 0 || n > net->batch) {
        return pt_net_seterr(net, "output_read: bad head %d or row count %d", head, n);
    }
    const pt_tensor *t = &net->tensors[net->heads[head]];
    net->be->ops->download(net->be, host, t->data, (size_t)n * tsize(t) * sizeof(float));
    return 0;
}

float *pt_net_output_grad(pt_net *net, int head) {
    if (!net->plan_done || head < 0 || head >= net->nheads) return NULL;
    return net->tensors[net->heads[head]].grad;
}

void pt_net_output_grad_set(pt_net *net, int head) {
    if (net->plan_done && head >= 0 && head < net->nheads)
        net->tensors[net->tensors[net->heads[head]].root].grad_set = 1;
}

/* ---- state tensors ------------------------------------------------------------- */

int pt_net_state_count(const pt_net *net) { return net->nstates; }

int pt_net_state_at(const pt_net *net, int i, pt_net_state *s) {
    if (i < 0 || i >= net->nstates) return -1;
    const pt_state *p = &net->states[i];
    const pt_layer *l = &net->layers[p->layer];
    s->name = p->name;
    s->layer = l->name;
    s->group = net->groups[l->group];
    s->trainable = p->trainable;
    s->ndim = p->ndim;
    memcpy(s->shape, p->shape, sizeof s->shape);
    s->count = p->count;
    s->data = p->data;
    return 0;
}

int pt_net_state_find(const pt_net *net, const char *name) {
    for (int i = 0; i < net->nstates; i++)
        if (!strcmp(net->states[i].name, name)) return i;
    return -1;
}

int pt_net_state_read(pt_net *net, int i, float *host) {
    if (i < 0 || i >= net->nstates) return -1;
    net->be->ops->download(net->be, host, net->states[i].data, net->states[i].count * sizeof(float));
    return 0;
}

int pt_net_state_write(pt_net *net, int i, const float *host) {
    if (i < 0 || i >= net->nstates) return -1;
    const pt_state *s = &net->states[i];
    net->be->ops->upload(net->be, s->data, host, s->count * sizeof(float));
    const pt_layer *l = &net->layers[s->layer];
    if (l->kind == PT_L_CONV) net->be->ops->conv_weights_changed(net->be, l->bstate);
    return 0;
}

int pt_net_state_read_grad(pt_net *net, int i, float *host) {
    if (i < 0 || i >= net->nstates || !net->states[i].trainable) return -1;
    const pt_state *s = &net->states[i];
    if (net->layers[s->layer].grad_fresh) return -1;
    net->be->ops->download(net->be, host, s->grad, s->count * sizeof(float));
    return 0;
}

/* ---- the layer table ----------------------------------------------------------- */

static void fmt_bytes(char *b, size_t n, size_t v) {
    if (v >= 10u << 20)
        snprintf(b, n, "%.1f MiB", (double)v / 1048576.0);
    else if (v >= 10u << 10)
        snprintf(b, n, "%.1f KiB", (double)v / 1024.0);
    else
        snprintf(b, n, "%zu B", v);
}

void pt_net_print_table(const pt_net *net, FILE *f) {
    fprintf(f, "%s\n%-22s %-9s %-9s %-16s %12s\n", net->name, "layer", "kind", "group", "output", "params");
    for (int i = 0; i < net->nlayers; i++) {
        const pt_layer *l = &net->layers[i];
        const pt_tensor *t = &net->tensors[l->out];
        char shape[48];
        if (t->h == 1)
            snprintf(shape, sizeof shape, "%dx%d", t->w, t->c);
        else
            snprintf(shape, sizeof shape, "%dx%dx%d", t->h, t->w, t->c);
        pt_state s[4];
        int k = layer_states(net, l, s);
        size_t p = 0;
        for (int j = 0; j < k; j++) p += s[j].trainable ? s[j].count : 0;
        fprintf(f, "%-22s %-9s %-9s %-16s %12zu%s\n", l->name, kind_names[l->kind], net->groups[l->group], shape, p,
                t->head >= 0 ? "  (head)" : "");
    }
    char a[32], g[32];
    fmt_bytes(a, sizeof a, pt_net_activation_bytes(net, 0));
    fmt_bytes(g, sizeof g, pt_net_activation_bytes(net, 1));
    fprintf(f, "parameters: %zu\n", pt_net_param_count(net, NULL));
    for (int i = 1; i < net->ngroups; i++)
        fprintf(f, "  group %s: %zu%s\n", net->groups[i], pt_net_param_count(net, net->groups[i]),
                net->frozen[i] ? " (frozen)" : "");
    fprintf(f, "activations per sample: %zu bytes (%s), %zu with gradients (%s)\n", pt_net_activation_bytes(net, 0), a,
            pt_net_activation_bytes(net, 1), g);
}

void pt_net_free(pt_net *net) {
    if (!net) return;
    free_pools(net);
    free(net->layers);
    free(net->tensors);
    free(net->heads);
    free(net->states);
    free(net->head_target);
    free(net);
}
