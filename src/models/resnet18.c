/* resnet18.c -- the ResNet-18 trunk (He et al. 2016) with torchvision/timm
 * tensor names, channels-last, for images of any size >= 32, and the paper's
 * CelebA models on it.
 *
 *   conv1 7x7/2 p3 64 (no bias), bn1, relu, maxpool 3/2 p1
 *   layer1..layer4: two BasicBlocks each, 64/128/256/512 channels, the first
 *   block of layers 2-4 with stride 2 and a 1x1/2 "downsample" conv + bn
 *   global average pool -> 512 features            11,176,512 parameters
 * BasicBlock: conv3x3 -> bn -> relu -> conv3x3 -> bn, + identity, relu.
 * Names: conv1.weight, bn1.{weight,bias,running_mean,running_var},
 * layer1.0.conv1.weight, layer2.0.downsample.0.weight, layer2.0.downsample.1.*
 * (no fc: a checkpoint's fc.* is reported as unexpected by the loader).
 *
 * The paper's head: a 1x1 convolution on the pooled features, 512 -> 40,
 * 20,520 parameters ("head" or "head_attr" / "head_id"). */
#include "models/model_util.h"

static int basic_block(pt_net *net, int x, int layer, int block, int planes, int stride, int in_planes) {
    int identity = x;
    int y = pt_net_conv(net, x, planes, 3, 3, stride, 1, 0);
    pt_model_name(net, "layer%d.%d.conv1", layer, block);
    y = pt_net_batchnorm(net, y);
    pt_model_name(net, "layer%d.%d.bn1", layer, block);
    y = pt_net_relu(net, y);
    y = pt_net_conv(net, y, planes, 3, 3, 1, 1, 0);
    pt_model_name(net, "layer%d.%d.conv2", layer, block);
    y = pt_net_batchnorm(net, y);
    pt_model_name(net, "layer%d.%d.bn2", layer, block);
    if (stride != 1 || in_planes != planes) {
        identity = pt_net_conv(net, x, planes, 1, 1, stride, 0, 0);
        pt_model_name(net, "layer%d.%d.downsample.0", layer, block);
        identity = pt_net_batchnorm(net, identity);
        pt_model_name(net, "layer%d.%d.downsample.1", layer, block);
    }
    return pt_net_relu(net, pt_net_add(net, y, identity));
}

int pt_model_resnet18_trunk(pt_net *net, int x) {
    pt_net_set_group(net, "encoder");
    x = pt_net_conv(net, x, 64, 7, 7, 2, 3, 0);
    pt_net_name_last(net, "conv1");
    x = pt_net_batchnorm(net, x);
    pt_net_name_last(net, "bn1");
    x = pt_net_maxpool(net, pt_net_relu(net, x), 3, 2, 1);
    int in_planes = 64;
    for (int layer = 1; layer <= 4; layer++) {
        int planes = 64 << (layer - 1);
        for (int block = 0; block < 2; block++) {
            int stride = (layer > 1 && block == 0) ? 2 : 1;
            x = basic_block(net, x, layer, block, planes, stride, in_planes);
            in_planes = planes;
        }
    }
    return pt_net_gap(net, x);
}

static int resnet_input(pt_net *net, const pt_model_opts *o) {
    return pt_net_input(net, pt_model_pick(o->h, 64), pt_model_pick(o->w, 64), pt_model_pick(o->c, 3));
}

/* the paper's head: 1x1 convolution 512 -> outputs on the pooled features */
static int paper_head(pt_net *net, int feat, const char *group, int outputs) {
    pt_net_set_group(net, group);
    int y = pt_net_conv(net, feat, outputs, 1, 1, 1, 0, 1);
    pt_net_name_last(net, group);
    return y;
}

pt_net *pt_model_resnet18(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("resnet18");
    if (!net) return pt_model_finish(NULL, err, errlen);
    pt_net_output(net, pt_model_resnet18_trunk(net, resnet_input(net, o)));
    return pt_model_finish(net, err, errlen);
}

static pt_net *celeba_single(const char *name, const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create(name);
    if (!net) return pt_model_finish(NULL, err, errlen);
    int feat = pt_model_resnet18_trunk(net, resnet_input(net, o));
    pt_net_output(net, paper_head(net, feat, "head", pt_model_pick(o->classes, PT_MODEL_CELEBA_OUTPUTS)));
    return pt_model_finish(net, err, errlen);
}

pt_net *pt_model_celeba_attr(const pt_model_opts *o, char *err, size_t errlen) {
    return celeba_single("celeba_attr", o, err, errlen);
}

pt_net *pt_model_celeba_id(const pt_model_opts *o, char *err, size_t errlen) {
    return celeba_single("celeba_id", o, err, errlen);
}

/* head 0: the 40 attributes (BCE), head 1: the 40 identities (softmax) */
pt_net *pt_model_celeba_multitask(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("celeba_multitask");
    if (!net) return pt_model_finish(NULL, err, errlen);
    int feat = pt_model_resnet18_trunk(net, resnet_input(net, o));
    pt_net_output(net, paper_head(net, feat, "head_attr", PT_MODEL_CELEBA_OUTPUTS));
    pt_net_output(net, paper_head(net, feat, "head_id", pt_model_pick(o->classes, PT_MODEL_CELEBA_OUTPUTS)));
    return pt_model_finish(net, err, errlen);
}
