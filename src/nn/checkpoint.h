/* checkpoint.h -- a network's state tensors (parameters and batch-norm
 * running statistics) saved to and loaded from safetensors files by name
 * ("conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", ...), shapes
 * as pt_net_state describes them (conv OIHW, 1-D conv OIW, linear [out][in]:
 * PyTorch's layouts, so torchvision/timm files load as they are). */
#ifndef PT_NN_CHECKPOINT_H
#define PT_NN_CHECKPOINT_H

#include <stddef.h>

#include "nn/net.h"

/* Every state tensor of a planned network, F32, written atomically, with
 * optional metadata {"key", "value", ..., NULL}. 0, or -1 with err. */
int pt_net_save(pt_net *net, const char *path, const char *const *meta, char *err, size_t errlen);

/* pt_net_load flags */
#define PT_LOAD_ALLOW_MISSING 1    /* network tensors absent from the file keep their values */
#define PT_LOAD_ALLOW_UNEXPECTED 2 /* file tensors the network lacks are ignored */

/* Loads every state tensor of a planned network from path. The file is
 * checked as a whole first: every missing, unexpected (unless allowed by
 * flags), mis-shaped or non-F32 tensor is named in err and nothing is
 * changed. "*.num_batches_tracked" entries (PyTorch's batch-norm counters) are
 * ignored. Returns the number of tensors loaded, or -1. */
int pt_net_load(pt_net *net, const char *path, int flags, char *err, size_t errlen);

#endif
