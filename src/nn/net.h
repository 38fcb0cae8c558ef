/* net.h -- a network: a small graph of layers over channels-last tensors, its
 * memory planned once per (network, batch size) on one backend, forward and
 * backward in train or eval mode, loss helpers on its heads, named state
 * tensors (parameters and batch-norm statistics) for checkpoints.
 *
 * Building. Every tensor is per sample [h][w][c] (1-D data: h = 1, i.e. [w][c]
 * = NWC); the batch dimension n comes at plan time, so buffers are
 * [n][h][w][c]. Builder calls return the new tensor's id (>= 0), or -1: the
 * first error sticks (pt_net_error says what), later calls return -1 too and
 * pt_net_plan fails, so a model can be written without checking every call.
 * Layers consume tensors created before them (the creation order is the
 * execution order). One input; one or more outputs ("heads").
 *
 *   int x = pt_net_input(net, 1, 128, 40);          // 1-D: 128 samples x 40 channels
 *   x = pt_net_conv(net, x, 64, 1, 5, 1, 2, 1);     // -> [1][128][64]
 *   pt_net_name_last(net, "conv1");                 // state "conv1.weight", "conv1.bias"
 *   x = pt_net_relu(net, pt_net_batchnorm(net, x));
 *   x = pt_net_linear(net, pt_net_gap(net, x), 12, 1);
 *   pt_net_output(net, x);                          // head 0
 *   pt_net_plan(net, be, 256); pt_net_init(net, seed);
 *   step: pt_net_forward(net, xb, 256, 1); pt_net_loss_xent(net, 0, labels, 256, 1.0f);
 *         pt_net_zero_grad(net); pt_net_backward(net); pt_optim_step(opt);
 *
 * Gradients. pt_net_zero_grad marks every parameter gradient as empty: the
 * next backward writes it (acc = 0), further backwards add to it; the
 * optimizer skips a parameter whose gradient stayed empty (PyTorch's
 * set_to_none). A frozen group computes no weight gradients, and a layer with
 * no trainable parameter at or before it (e.g. a frozen encoder) does no
 * backward work at all, not even its data gradient.
 *
 * Batch. The batch size n fixed at plan time is the most a forward takes. A
 * train forward takes exactly n samples (drop the short last batch, the
 * batcher's drop_last); an eval forward takes 1..n (rows past n are left as
 * they were and ignored by the loss helpers).
 *
 * Determinism: pt_net_init(seed) fixes the weights; dropout masks depend on
 * (seed, train step, layer) only. */
#ifndef PT_NN_NET_H
#define PT_NN_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nn/backend.h"

typedef struct pt_net pt_net;

pt_net *pt_net_create(const char *name);
void pt_net_free(pt_net *net); /* frees its backend memory too (not the backend) */
/* The first error ("conv3: input has 12 channels ..."), or "" when none. */
const char *pt_net_error(const pt_net *net);
const char *pt_net_name(const pt_net *net);

/* ---- building (before pt_net_plan) ------------------------------------------ */

/* The input [h][w][c] (h = 1 for 1-D). Exactly one per network. */
int pt_net_input(pt_net *net, int h, int w, int c);
/* x [h][w][ic] -> [oh][ow][out_ch], oh = (h + 2 pad - kh) / stride + 1 (likewise
 * ow). Weight [out_ch][ic][kh][kw] (named with shape [out_ch][ic][kw] when
 * 1-D), bias [out_ch] when bias != 0. On a 1-D tensor (h = 1) with kh = 1 the
 * stride and padding act along w only. */
int pt_net_conv(pt_net *net, int x, int out_ch, int kh, int kw, int stride, int pad, int bias);
/* Batch norm over the channels (momentum 0.1, eps 1e-5, PyTorch's defaults):
 * weight (gamma) [c], bias (beta) [c], running_mean [c], running_var [c]. */
int pt_net_batchnorm(pt_net *net, int x);
int pt_net_relu(pt_net *net, int x);
/* Max pooling k x k, stride, padding (1-D tensors: k, stride, pad along w). */
int pt_net_maxpool(pt_net *net, int x, int k, int stride, int pad);
/* [h][w][c] -> [1][1][c] */
int pt_net_gap(pt_net *net, int x);
/* [h][w][c] -> [1][1][h*w*c] in channels-last order (a view, no copy). */
int pt_net_flatten(pt_net *net, int x);
/* [h][w][c] read as [h*w*c] -> [1][1][out]; weight [out][h*w*c], bias [out]. */
int pt_net_linear(pt_net *net, int x, int out, int bias);
/* Zeroes each element with probability p in train mode, scales the rest by
 * 1/(1-p); identity in eval mode. 0 <= p < 1. */
int pt_net_dropout(pt_net *net, int x, float p);
/* a + b, same shapes (residual connections). */
int pt_net_add(pt_net *net, int a, int b);
/* nearest-neighbour [h][w][c] -> [h*fh][w*fw][c] */
int pt_net_upsample(pt_net *net, int x, int fh, int fw);
/* Makes x a head; returns the head index (0, 1, ...). A tensor is at most one head. */
int pt_net_output(pt_net *net, int x);

/* Names the layer created last (its state tensors become "<name>.weight",
 * ...). Default names: "<kind><k>" ("conv1", "bn2", "linear1", ...). Names
 * are unique; 0, or -1 on a duplicate or over-long name. */
int pt_net_name_last(pt_net *net, const char *name);
/* Layers created from now on belong to group (NULL or "": the default group,
 * "main"). Groups are frozen and counted as a whole. */
int pt_net_set_group(pt_net *net, const char *group);
/* Frozen groups get no weight gradients and no optimizer updates (batch norm
 * in a frozen group still normalises with batch statistics in train mode).
 * Any time, also after planning. 0, or -1 when no layer is in that group. */
int pt_net_freeze(pt_net *net, const char *group, int frozen);

/* ---- planning and initialisation ---------------------------------------------- */

/* Validates the graph and allocates every pool on be for batch size n:
 * parameters, their gradients, batch-norm statistics, activations and their
 * gradients, dropout masks, loss targets; creates the backend's per-layer
 * state. Once per network: 0, or -1 (pt_net_error). */
int pt_net_plan(pt_net *net, pt_backend *be, int batch);
/* PyTorch's default initialisation: conv and linear weights and biases uniform in
 * +-1/sqrt(fan_in) (kaiming_uniform_ with a = sqrt 5; fan_in = in channels x kernel
 * for a conv, inputs for a linear layer), batch norm gamma 1, beta 0, running mean
 * 0, running var 1. After plan. */
int pt_net_init(pt_net *net, uint64_t seed);

typedef struct {
    size_t params;      /* weights, biases, gamma, beta */
    size_t grads;       /* their gradients */
    size_t stats;       /* batch norm running and saved statistics */
    size_t activations; /* every tensor, forward */
    size_t act_grads;   /* activation gradients (slots shared by gradients live at different times) */
    size_t other;       /* dropout masks, loss targets, the input */
    size_t total;       /* the sum: all the backend memory the network holds */
} pt_net_memory;
/* Exact bytes of the planned pools (all 0 before plan). */
void pt_net_memory_get(const pt_net *net, pt_net_memory *m);
/* Bytes of forward activations per sample (tensor outputs, views not counted);
 * with_grads adds their gradients. Known before plan. */
size_t pt_net_activation_bytes(const pt_net *net, int with_grads);

/* Trainable parameters (weights, biases, gamma, beta; not running statistics)
 * of a group, or of the whole network when group is NULL. */
size_t pt_net_param_count(const pt_net *net, const char *group);
/* One line per layer: name, kind, group, output shape, parameters; then totals
 * and activation bytes per sample. */
void pt_net_print_table(const pt_net *net, FILE *f);

/* ---- running -------------------------------------------------------------- */

/* x: host [n][h][w][c], or NULL when the input buffer (pt_net_input_buffer) was
 * filled directly. train: batch statistics, dropout on. 0, or -1. */
int pt_net_forward(pt_net *net, const float *x, int n, int train);
/* backward from the heads whose gradient a loss helper (or the caller, through
 * pt_net_output_grad) set since the last forward; needs a train forward. */
int pt_net_backward(pt_net *net);
void pt_net_zero_grad(pt_net *net);

int pt_net_batch(const pt_net *net);   /* planned batch size */
pt_backend *pt_net_backend(const pt_net *net); /* the backend it is planned on; NULL before */
/* Train forwards so far: with the init seed, what fixes the next dropout
 * masks. A training checkpoint saves it and sets it back (nn/resume.h). */
uint64_t pt_net_train_steps(const pt_net *net);
void pt_net_set_train_steps(pt_net *net, uint64_t steps);
int pt_net_num_heads(const pt_net *net);
/* per-sample shape of a tensor or head; returns h*w*c (0 for a bad id) */
size_t pt_net_tensor_shape(const pt_net *net, int tensor, int *h, int *w, int *c);
size_t pt_net_head_size(const pt_net *net, int head);
float *pt_net_input_buffer(pt_net *net);            /* backend memory [n][h][w][c] */
const float *pt_net_output_ptr(pt_net *net, int head); /* backend memory [n][size] */
/* Copies the first n rows of a head to host memory. 0, or -1. */
int pt_net_output_read(pt_net *net, int head, float *host, int n);
/* A head's gradient buffer (backend memory [n][size]) for a custom loss; the
 * caller writes all n rows, then marks it set. */
float *pt_net_output_grad(pt_net *net, int head);
void pt_net_output_grad_set(pt_net *net, int head);

/* ---- losses on a head (after a forward of n samples) ------------------------- */
/* Each returns the mean loss over the first n rows (unscaled) and, when the
 * forward was in train mode, sets the head's gradient to scale * d(loss)/d(out)
 * (rows past n get 0). NAN with pt_net_error on bad input. */

/* labels: host [n], each in [0, head size) */
float pt_net_loss_xent(pt_net *net, int head, const int32_t *labels, int n, float scale);
/* targets: host [n][head size] in {0, 1} */
float pt_net_loss_bce(pt_net *net, int head, const float *targets, int n, float scale);
/* target: host [n][head size], or NULL for the network's input (an
 * autoencoder; the head must have the input's size). Mean over n * size. */
float pt_net_loss_mse(pt_net *net, int head, const float *target, int n, float scale);
/* correct argmax predictions among the first n rows; -1 on bad input */
int pt_net_correct(pt_net *net, int head, const int32_t *labels, int n);

/* ---- state tensors: parameters and batch-norm statistics, by name ------------- */

typedef struct {
    const char *name;  /* "conv1.weight", "bn1.running_var", ... */
    const char *layer; /* "conv1" */
    const char *group; /* "main", "encoder", ... */
    int trainable;     /* 1 for weights/biases/gamma/beta, 0 for running statistics */
    int ndim;          /* conv 4 (1-D conv 3), linear 2, vectors 1 */
    int64_t shape[4];  /* conv [o][i][kh][kw] (1-D [o][i][kw]), linear [out][in], [c] */
    size_t count;      /* elements */
    float *data;       /* backend memory (after plan; NULL before) */
} pt_net_state;

int pt_net_state_count(const pt_net *net); /* after plan */
int pt_net_state_at(const pt_net *net, int i, pt_net_state *s); /* 0, or -1 */
int pt_net_state_find(const pt_net *net, const char *name); /* index, or -1 */
/* Copies one state tensor to or from host memory (count floats); writing a
 * conv weight refreshes the backend's reordered copy. 0, or -1. */
int pt_net_state_read(pt_net *net, int i, float *host);
int pt_net_state_write(pt_net *net, int i, const float *host);
/* Copies a parameter's gradient to host memory: 0, or -1 when i is not a
 * trainable parameter or its gradient is empty (nothing since zero_grad). */
int pt_net_state_read_grad(pt_net *net, int i, float *host);

#endif
