/* models.h -- the networks of the paper's studies, built from nn layers, and
 * their registry (`powertrain models`).
 *
 *   pamap2_cnn        1-D CNN classifier for IMU windows (TASKED-inspired):
 *                     141,293 parameters for 40 channels x 128 samples, 12 classes
 *   pamap2_ae         1-D convolutional autoencoder whose encoder is
 *                     pamap2_cnn's trunk (same layer names: its weights drop in)
 *   fmnist_cnn        small CNN for 28x28 grey images, 10 classes
 *   resnet18          the standard ResNet-18 trunk, 11,176,512 parameters without
 *                     fc, torchvision/timm tensor names, channels-last, any size >= 32
 *   celeba_attr       resnet18 + the paper's head: 40 attributes (BCE)
 *   celeba_id         resnet18 + the paper's head: 40 identities (softmax)
 *   celeba_multitask  resnet18 + both heads (alpha*L_attr + (1-alpha)*L_id)
 *
 * The paper's head is a 1x1 convolution from the 512 pooled trunk features to
 * 40 outputs: 512 x 40 + 40 = 20,520 parameters.
 *
 * Groups: "encoder" (the trunk: what pretraining transfers and freezing
 * freezes) and "classifier" / "head_attr" / "head_id" / "decoder". */
#ifndef PT_MODELS_H
#define PT_MODELS_H

#include <stddef.h>

#include "nn/net.h"

/* Defaults shared with the datasets (src/data/pamap2.h must agree; a test checks). */
#define PT_MODEL_PAMAP2_CHANNELS 40
#define PT_MODEL_PAMAP2_WINDOW 128
#define PT_MODEL_PAMAP2_CLASSES 12
#define PT_MODEL_PAMAP2_HIDDEN 229 /* the classifier's hidden width: meets 141,293 exactly */
#define PT_MODEL_CELEBA_OUTPUTS 40

typedef struct {
    int h, w, c;  /* input per sample; 0 = the model's default */
    int classes;  /* outputs of the (first) head; 0 = default */
    float dropout; /* < 0 = the model's default */
} pt_model_opts;

void pt_model_opts_default(pt_model_opts *o);

typedef struct {
    const char *name;
    const char *summary;
    const char *loss;       /* "xent", "bce", "mse", "bce+xent" */
    int def_h, def_w, def_c; /* default input */
    pt_net *(*build)(const pt_model_opts *o, char *err, size_t errlen);
} pt_model_info;

int pt_model_count(void);
const pt_model_info *pt_model_at(int i);
const pt_model_info *pt_model_find(const char *name);
/* Builds a model by name (unplanned). NULL with a reason in err. */
pt_net *pt_model_build(const char *name, const pt_model_opts *o, char *err, size_t errlen);

/* Building blocks, for models and tests. Each returns the output tensor id. */
/* conv (no bias) + batch norm + relu, names "<prefix>conv<i>", "<prefix>bn<i>" */
int pt_model_resnet18_trunk(pt_net *net, int x); /* [h][w][3] -> [1][1][512] (after GAP) */
int pt_model_pamap2_trunk(pt_net *net, int x);   /* [1][128][40] -> [1][32][128] */

#endif
