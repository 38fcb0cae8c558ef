/* fmnist.c -- fmnist_cnn, a small CNN for 28x28 grey images (Fashion-MNIST).
 *
 *   conv1 3x3 p1 -> 28x28x16, bn1, relu, maxpool 2 -> 14x14x16
 *   conv2 3x3 p1 -> 14x14x32, bn2, relu, maxpool 2 -> 7x7x32
 *   flatten 1568, fc1 -> 64, relu, dropout 0.25, fc2 -> 10
 *   parameters: 160 + 32 + 4,640 + 64 + 100,416 + 650 = 105,962
 * About 1.1 M multiply-adds per image forward: small enough that the quick
 * regime study (32 runs) finishes in minutes on 2 cores. */
#include "models/model_util.h"

pt_net *pt_model_fmnist_cnn(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("fmnist_cnn");
    if (!net) return pt_model_finish(NULL, err, errlen);
    int x = pt_net_input(net, pt_model_pick(o->h, 28), pt_model_pick(o->w, 28), pt_model_pick(o->c, 1));
    pt_net_set_group(net, "encoder");
    static const int ch[2] = {16, 32};
    for (int i = 0; i < 2; i++) {
        x = pt_net_conv(net, x, ch[i], 3, 3, 1, 1, 1);
        pt_model_name(net, "conv%d", i + 1);
        x = pt_net_batchnorm(net, x);
        pt_model_name(net, "bn%d", i + 1);
        x = pt_net_maxpool(net, pt_net_relu(net, x), 2, 2, 0);
    }
    pt_net_set_group(net, "classifier");
    x = pt_net_linear(net, pt_net_flatten(net, x), 64, 1);
    pt_model_name(net, "fc1");
    x = pt_net_dropout(net, pt_net_relu(net, x), o->dropout >= 0 ? o->dropout : 0.25f);
    x = pt_net_linear(net, x, pt_model_pick(o->classes, 10), 1);
    pt_model_name(net, "fc2");
    pt_net_output(net, x);
    return pt_model_finish(net, err, errlen);
}
