/* optim.h -- optimizers over a planned network's trainable parameters: SGD
 * (momentum, weight decay) and Adam (bias corrected), constant learning rate,
 * PyTorch's definitions (weight decay as L2 added to the gradient). A step
 * skips frozen groups entirely and any parameter whose gradient stayed empty
 * since pt_net_zero_grad; it refreshes the backend's copies of changed conv
 * weights. The state (momentum, or Adam's m and v) is allocated once, on the
 * network's backend, for every trainable parameter. */
#ifndef PT_NN_OPTIM_H
#define PT_NN_OPTIM_H

#include <stddef.h>

#include "nn/net.h"

typedef enum { PT_OPTIM_SGD, PT_OPTIM_ADAM } pt_optim_kind;

typedef struct {
    pt_optim_kind kind;
    float lr;
    float momentum;     /* SGD: 0 = plain SGD */
    float weight_decay; /* both */
    float beta1, beta2, eps; /* Adam; all 0 = PyTorch's 0.9, 0.999, 1e-8 */
} pt_optim_config;

typedef struct pt_optim pt_optim;

/* After pt_net_plan. NULL with a reason in err on bad settings or no memory. */
pt_optim *pt_optim_create(pt_net *net, const pt_optim_config *cfg, char *err, size_t errlen);
/* Updates every trainable, unfrozen parameter with a gradient; returns the
 * number of parameter tensors updated. */
int pt_optim_step(pt_optim *opt);
/* The state of state tensor i (pt_net_state_at's order) for checkpoints:
 * how many buffers of its count floats it keeps (0 for statistics and plain
 * SGD, 1 momentum, 2 Adam's m and v) and Adam's step count. read/write copy
 * buffer k (0: momentum or m, 1: v) to or from host; -1 when out of range. */
const char *pt_optim_kind_name(const pt_optim *opt); /* "sgd" or "adam" */
int pt_optim_buffers(const pt_optim *opt, int i);
int pt_optim_buffer_read(const pt_optim *opt, int i, int k, float *host);
int pt_optim_buffer_write(pt_optim *opt, int i, int k, const float *host);
int pt_optim_steps(const pt_optim *opt, int i);
void pt_optim_set_steps(pt_optim *opt, int i, int steps);
/* bytes of optimizer state on the backend */
size_t pt_optim_memory(const pt_optim *opt);
void pt_optim_free(pt_optim *opt);

#endif
