/* models.c -- the model registry, default options, and build-by-name. */
#include "models/models.h"

#include <stdio.h>
#include <string.h>

#include "util/str.h"

pt_net *pt_model_pamap2_cnn(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_pamap2_ae(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_fmnist_cnn(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_resnet18(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_celeba_attr(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_celeba_id(const pt_model_opts *o, char *err, size_t errlen);
pt_net *pt_model_celeba_multitask(const pt_model_opts *o, char *err, size_t errlen);

static const pt_model_info models[] = {
    {"pamap2_cnn", "1-D CNN activity classifier (TASKED-inspired), the paper's 141,293 parameters", "xent", 1,
     PT_MODEL_PAMAP2_WINDOW, PT_MODEL_PAMAP2_CHANNELS, pt_model_pamap2_cnn},
    {"pamap2_ae", "1-D convolutional autoencoder; its encoder is pamap2_cnn's trunk", "mse", 1,
     PT_MODEL_PAMAP2_WINDOW, PT_MODEL_PAMAP2_CHANNELS, pt_model_pamap2_ae},
    {"fmnist_cnn", "small CNN for 28x28 grey images, 10 classes", "xent", 28, 28, 1, pt_model_fmnist_cnn},
    {"resnet18", "ResNet-18 trunk without fc (11,176,512 parameters), pooled 512 features", "none", 64, 64, 3,
     pt_model_resnet18},
    {"celeba_attr", "resnet18 + the paper's 20,520-parameter head: 40 attributes", "bce", 64, 64, 3,
     pt_model_celeba_attr},
    {"celeba_id", "resnet18 + the paper's 20,520-parameter head: 40 identities", "xent", 64, 64, 3,
     pt_model_celeba_id},
    {"celeba_multitask", "resnet18 + attribute and identity heads (alpha*L_attr + (1-alpha)*L_id)", "bce+xent",
     64, 64, 3, pt_model_celeba_multitask},
};

void pt_model_opts_default(pt_model_opts *o) {
    memset(o, 0, sizeof *o);
    o->dropout = -1;
}

int pt_model_count(void) { return (int)(sizeof models / sizeof models[0]); }

const pt_model_info *pt_model_at(int i) { return i >= 0 && i < pt_model_count() ? &models[i] : NULL; }

const pt_model_info *pt_model_find(const char *name) {
    for (int i = 0; i < pt_model_count(); i++)
        if (!strcmp(models[i].name, name)) return &models[i];
    return NULL;
}

pt_net *pt_model_build(const char *name, const pt_model_opts *o, char *err, size_t errlen) {
    const pt_model_info *mi = pt_model_find(name);
    if (!mi) {
        char names[256] = "";
        for (int i = 0; i < pt_model_count(); i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", models[i].name);
        pt_say(err, errlen, "unknown model '%s' (models: %s)", name, names);
        return NULL;
    }
    pt_model_opts d;
    if (!o) {
        pt_model_opts_default(&d);
        o = &d;
    }
    return mi->build(o, err, errlen);
}
