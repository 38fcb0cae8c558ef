/* net_internal.h -- the network's structures, shared by net.c, loss.c, optim.c
 * and checkpoint.c (private to src/nn). */
#ifndef PT_NN_NET_INTERNAL_H
#define PT_NN_NET_INTERNAL_H

#include <stdint.h>

#include "nn/backend.h"
#include "nn/net.h"

#define PT_NET_NAME_MAX 64
#define PT_NET_STATE_NAME_MAX (PT_NET_NAME_MAX + 24)
#define PT_NET_MAX_GROUPS 16
#define PT_NET_DEFAULT_GROUP "main"

typedef enum {
    PT_L_INPUT,
    PT_L_CONV,
    PT_L_BN,
    PT_L_RELU,
    PT_L_MAXPOOL,
    PT_L_GAP,
    PT_L_FLATTEN,
    PT_L_LINEAR,
    PT_L_DROPOUT,
    PT_L_ADD,
    PT_L_UPSAMPLE,
} pt_layer_kind;

/* an activation tensor: per sample [h][w][c] */
typedef struct {
    int h, w, c;
    int producer; /* layer index */
    int root;     /* itself, or the tensor a view (flatten) shares buffers with */
    int head;     /* head index, or -1 */
    float *data;  /* [n][h][w][c], backend memory (the root's) */
    float *grad;    /* the root's: a slot shared with gradients live at other times */
    size_t grad_off; /* root only: its slot's offset in the gradient region (floats), set by plan */
    int grad_set;   /* root only: written since the last forward */
    int needs_grad; /* some trainable parameter at or before it (per backward) */
} pt_tensor;

/* a state tensor: a parameter (with a gradient) or a batch-norm statistic */
typedef struct {
    char name[PT_NET_STATE_NAME_MAX];
    int layer;
    int trainable;
    int ndim;
    int64_t shape[4];
    size_t count;
    float *data; /* params or stats pool */
    float *grad; /* grads pool (trainable only) */
} pt_state;

typedef struct {
    pt_layer_kind kind;
    char name[PT_NET_NAME_MAX];
    int group;
    int in[2], nin;
    int out;
    /* state tensors [state0, state0 + nstate): weight, bias | gamma, beta, mean, var */
    int state0, nstate;
    int has_bias;
    int grad_fresh; /* weight gradients empty since zero_grad (next write: acc = 0) */
    pt_conv_shape cs; /* conv (n set at plan) */
    pt_pool_shape ps; /* maxpool */
    int lin_in, lin_out;
    float p; /* dropout */
    int fh, fw; /* upsample */
    float momentum, eps; /* bn */
    float *save_mean, *save_invstd; /* bn, stats pool */
    uint8_t *mask, *mask_host;      /* dropout: backend [n*size], host staging */
    void *bstate;                   /* backend per-layer state */
} pt_layer;

struct pt_net {
    char name[PT_NET_NAME_MAX];
    char err[512];
    int failed;

    pt_layer *layers;
    int nlayers, cap_layers;
    pt_tensor *tensors;
    int ntensors, cap_tensors;
    int input;  /* tensor id, or -1 */
    int *heads; /* tensor ids */
    int nheads;

    char groups[PT_NET_MAX_GROUPS][PT_NET_NAME_MAX];
    int frozen[PT_NET_MAX_GROUPS];
    int ngroups, cur_group;

    /* after plan */
    int plan_done;
    pt_backend *be;
    int batch;
    pt_state *states;
    int nstates;
    void *pool_params, *pool_grads, *pool_stats, *pool_acts, *pool_other;
    pt_net_memory mem;
    float **head_target; /* per head: labels or targets [n][size], other pool */
    float *zeros;        /* other pool: max head size * n zeros (loss rows past n) */

    uint64_t seed;
    uint64_t train_steps; /* train forwards so far (dropout masks) */
    int fwd_n;            /* samples in the last forward, 0 = none */
    int fwd_train;
    int backward_done;
};

/* building and planning errors: records the first one, which sticks (later
 * builder calls and plan fail); returns -1 */
int pt_net_fail(pt_net *net, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* run-time errors (forward, loss, ...): sets the message; returns -1 */
int pt_net_seterr(pt_net *net, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* layer has trainable parameters and its group is not frozen */
int pt_net_layer_trainable(const pt_net *net, const pt_layer *l);

#endif
