/* loss.c -- losses on a network's heads: softmax cross-entropy on class
 * indices, BCE-with-logits on {0,1} targets, MSE (to a target or to the
 * network's own input), and argmax accuracy. Each uploads its targets into the
 * head's planned target buffer, calls the backend's loss op over the first n
 * rows, and after a train forward marks the head's gradient as set (rows past
 * n get zero gradient). */
#include <math.h>

#include "nn/net_internal.h"

/* checks (head, n) against the last forward; the head's tensor or NULL */
static pt_tensor *head_tensor(pt_net *net, const char *what, int head, int n) {
    if (!net->plan_done || !net->fwd_n) {
        pt_net_seterr(net, "%s: no forward yet", what);
        return NULL;
    }
    if (head < 0 || head >= net->nheads) {
        pt_net_seterr(net, "%s: no head %d (the network has %d)", what, head, net->nheads);
        return NULL;
    }
    if (n < 1 || n > net->fwd_n) {
        pt_net_seterr(net, "%s: %d rows, the last forward had %d", what, n, net->fwd_n);
        return NULL;
    }
    return &net->tensors[net->heads[head]];
}

static size_t tsize(const pt_tensor *t) { return (size_t)t->h * t->w * t->c; }

/* after a train forward: rows [n, batch) get zero gradient; the head is set */
static void finish_grad(pt_net *net, pt_tensor *t, int n) {
    if (!net->fwd_train) return;
    size_t k = tsize(t);
    if (n < net->batch) net->be->ops->copy_grad(net->be, (size_t)(net->batch - n) * k, net->zeros, t->grad + (size_t)n * k, 0);
    net->tensors[t->root].grad_set = 1;
}

static int check_labels(pt_net *net, const char *what, const int32_t *labels, int n, size_t k) {
    if (!labels) return pt_net_seterr(net, "%s: no labels", what);
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            return pt_net_seterr(net, "%s: label %d of row %d is outside [0, %zu)", what, (int)labels[i], i, k);
    return 0;
}

float pt_net_loss_xent(pt_net *net, int head, const int32_t *labels, int n, float scale) {
    pt_tensor *t = head_tensor(net, "loss_xent", head, n);
    if (!t) return NAN;
    size_t k = tsize(t);
    if (check_labels(net, "loss_xent", labels, n, k)) return NAN;
    pt_backend *be = net->be;
    be->ops->upload(be, net->head_target[head], labels, (size_t)n * sizeof(int32_t));
    float loss = be->ops->softmax_xent(be, n, (int)k, t->data, (const int32_t *)(void *)net->head_target[head], t->grad, scale);
    finish_grad(net, t, n);
    return loss;
}

float pt_net_loss_bce(pt_net *net, int head, const float *targets, int n, float scale) {
    pt_tensor *t = head_tensor(net, "loss_bce", head, n);
    if (!t) return NAN;
    size_t k = tsize(t);
    if (!targets) return pt_net_seterr(net, "loss_bce: no targets"), NAN;
    for (size_t i = 0; i < (size_t)n * k; i++)
        if (targets[i] != 0.0f && targets[i] != 1.0f)
            return pt_net_seterr(net, "loss_bce: target %zu of row %zu is %g, not 0 or 1", i % k, i / k,
                                 (double)targets[i]),
                   NAN;
    pt_backend *be = net->be;
    be->ops->upload(be, net->head_target[head], targets, (size_t)n * k * sizeof(float));
    float loss = be->ops->bce_logits(be, n, (int)k, t->data, net->head_target[head], t->grad, scale);
    finish_grad(net, t, n);
    return loss;
}

float pt_net_loss_mse(pt_net *net, int head, const float *target, int n, float scale) {
    pt_tensor *t = head_tensor(net, "loss_mse", head, n);
    if (!t) return NAN;
    size_t k = tsize(t);
    pt_backend *be = net->be;
    const float *tg;
    if (target) {
        be->ops->upload(be, net->head_target[head], target, (size_t)n * k * sizeof(float));
        tg = net->head_target[head];
    } else {
        const pt_tensor *in = &net->tensors[net->input];
        if (tsize(in) != k)
            return pt_net_seterr(net, "loss_mse: head %d has %zu values per sample, the input %zu", head, k, tsize(in)),
                   NAN;
        tg = in->data;
    }
    float loss = be->ops->mse(be, (size_t)n * k, t->data, tg, t->grad, scale);
    finish_grad(net, t, n);
    return loss;
}

int pt_net_correct(pt_net *net, int head, const int32_t *labels, int n) {
    pt_tensor *t = head_tensor(net, "correct", head, n);
    if (!t) return -1;
    size_t k = tsize(t);
    if (check_labels(net, "correct", labels, n, k)) return -1;
    pt_backend *be = net->be;
    be->ops->upload(be, net->head_target[head], labels, (size_t)n * sizeof(int32_t));
    return be->ops->argmax_correct(be, n, (int)k, t->data, (const int32_t *)(void *)net->head_target[head]);
}
