/* fmnist.c -- fmnist_cnn, a small CNN for 28x28 grey images (Fashion-MNIST).
 *
 *   conv1 3x3 p1 -> 28x28x32, bn1, relu, maxpool 2 -> 14x14x32
 *   conv2 3x3 p1 -> 14x14x64, bn2, relu, maxpool 2 -> 7x7x64
 *   flatten 3136, fc1 -> 128, relu, dropout 0.25, fc2 -> 10
 *   parameters: 320 + 64 + 18,496 + 128 + 401,536 + 1,290 = 421,834 */
#include "models/model_util.h"

pt_net *pt_model_fmnist_cnn(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("fmnist_cnn");
    if (!net) return pt_model_finish(NULL, err, errlen);
    int x = pt_net_input(net, pt_model_pick(o->h, 28), pt_model_pick(o->w, 28), pt_model_pick(o->c, 1));
    pt_net_set_group(net, "encoder");
    static const int ch[2] = {32, 64};
    for (int i = 0; i < 2; i++) {
        x = pt_net_conv(net, x, ch[i], 3, 3, 1, 1, 1);
        pt_model_name(net, "conv%d", i + 1);
        x = pt_net_batchnorm(net, x);
        pt_model_name(net, "bn%d", i + 1);
        x = pt_net_maxpool(net, pt_net_relu(net, x), 2, 2, 0);
    }
    pt_net_set_group(net, "classifier");
    x = pt_net_linear(net, pt_net_flatten(net, x), 128, 1);
    pt_model_name(net, "fc1");
    x = pt_net_dropout(net, pt_net_relu(net, x), o->dropout >= 0 ? o->dropout : 0.25f);
    x = pt_net_linear(net, x, pt_model_pick(o->classes, 10), 1);
    pt_model_name(net, "fc2");
    pt_net_output(net, x);
    return pt_model_finish(net, err, errlen);
}
