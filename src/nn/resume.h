/* resume.h -- a training checkpoint: what a run needs to continue after its
 * last finished epoch as if it had never stopped. One safetensors file:
 *
 *   every state tensor of the net, by name      (as nn/checkpoint.h writes them)
 *   "optim.m/<name>", "optim.v/<name>"          the optimizer's buffers (momentum, or Adam's m and v)
 *   __metadata__: format "powertrain-resume", version "1", net, batch, epoch,
 *                 train_steps (the dropout stream), optim ("sgd"/"adam"),
 *                 optim_steps (Adam's step count per state tensor, comma separated)
 *
 * The batch order needs nothing more: it is fixed by (seed, epoch)
 * (data/batcher.h). The run's totals so far (epochs, energy, the stopping
 * rule's state) are the store's: its epoch rows through the checkpoint's epoch
 * are replayed (study/train.c). Written atomically (util/fs.h), so a kill -9
 * leaves either the previous epoch's file or this one's. */
#ifndef PT_NN_RESUME_H
#define PT_NN_RESUME_H

#include <stddef.h>

#include "nn/net.h"
#include "nn/optim.h"

/* Saves net, opt and the finished epoch to path. 0, or -1 with err. */
int pt_resume_save(const char *path, pt_net *net, pt_optim *opt, int epoch, char *err, size_t errlen);

/* Loads path into net and opt when it is a checkpoint of this net (name,
 * batch, every tensor and shape), this optimizer kind, and an epoch in
 * 1..max_epoch. The whole file is checked before anything changes.
 * Returns the checkpoint's epoch (>= 1), 0 when there is no file at path, or
 * -1 with err naming the file and the mismatch (net and opt unchanged). */
int pt_resume_load(const char *path, pt_net *net, pt_optim *opt, int max_epoch, char *err, size_t errlen);

#endif
