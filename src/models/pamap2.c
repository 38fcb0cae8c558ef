/* pamap2.c -- pamap2_cnn (the activity classifier) and pamap2_ae (the
 * autoencoder whose encoder is the classifier's trunk).
 *
 * Layer table (input 40 channels x 128 samples, NWC; 1-D convolutions):
 *
 *   group       layer           output (w x c)   parameters
 *   encoder     conv1 k7 p3     128 x 64         7*40*64 + 64    = 17,984
 *               bn1                              2*64            =    128
 *               relu, maxpool 2  64 x 64
 *               conv2 k5 p2      64 x 128        5*64*128 + 128  = 41,088
 *               bn2                              2*128           =    256
 *               relu, maxpool 2  32 x 128
 *               conv3 k3 p1      32 x 128        3*128*128 + 128 = 49,280
 *               bn3                              2*128           =    256
 *               relu                             (trunk: 108,992)
 *   classifier  gap                   128
 *               fc1                   229        128*229 + 229   = 29,541
 *               relu, dropout 0.5
 *               fc2                   12         229*12 + 12     =  2,760
 *                                                total           = 141,293
 *
 * The trunk follows TASKED's convolutional feature extractor (growing width,
 * shrinking kernels, batch norm, pooling by two); the classifier's hidden
 * width, 229, is what makes the total the paper's 141,293 exactly.
 *
 * pamap2_ae: the same trunk (same names, group "encoder"), then a decoder
 * (group "decoder"): upsample x2, dec_conv1 k5 -> 64, bn, relu, upsample x2,
 * dec_conv2 k7 -> 64, bn, relu, dec_out k1 -> 40 channels: 128 x 40 again,
 * trained with MSE against its input. */
#include "models/model_util.h"

/* conv (1 x k, ch channels, same padding) -> batchnorm -> relu, the layers
 * named PREFIXconvI and PREFIXbnI. */
static int conv_bn_relu(pt_net *net, int x, int ch, int k, const char *prefix, int i) {
    x = pt_net_conv(net, x, ch, 1, k, 1, k / 2, 1);
    pt_model_name(net, "%sconv%d", prefix, i);
    x = pt_net_batchnorm(net, x);
    pt_model_name(net, "%sbn%d", prefix, i);
    return pt_net_relu(net, x);
}

int pt_model_pamap2_trunk(pt_net *net, int x) {
    static const struct {
        int ch, k;
    } l[3] = {{64, 7}, {128, 5}, {128, 3}};
    pt_net_set_group(net, "encoder");
    for (int i = 0; i < 3; i++) {
        x = conv_bn_relu(net, x, l[i].ch, l[i].k, "", i + 1);
        if (i < 2) x = pt_net_maxpool(net, x, 2, 2, 0);
    }
    return x;
}

static int pamap2_input(pt_net *net, const pt_model_opts *o) {
    return pt_net_input(net, 1, pt_model_pick(o->w, PT_MODEL_PAMAP2_WINDOW),
                        pt_model_pick(o->c, PT_MODEL_PAMAP2_CHANNELS));
}

pt_net *pt_model_pamap2_cnn(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("pamap2_cnn");
    if (!net) return pt_model_finish(NULL, err, errlen);
    int x = pt_model_pamap2_trunk(net, pamap2_input(net, o));
    pt_net_set_group(net, "classifier");
    x = pt_net_gap(net, x);
    x = pt_net_linear(net, x, PT_MODEL_PAMAP2_HIDDEN, 1);
    pt_model_name(net, "fc1");
    x = pt_net_relu(net, x);
    x = pt_net_dropout(net, x, o->dropout >= 0 ? o->dropout : 0.5f);
    x = pt_net_linear(net, x, pt_model_pick(o->classes, PT_MODEL_PAMAP2_CLASSES), 1);
    pt_model_name(net, "fc2");
    pt_net_output(net, x);
    return pt_model_finish(net, err, errlen);
}

pt_net *pt_model_pamap2_ae(const pt_model_opts *o, char *err, size_t errlen) {
    pt_net *net = pt_net_create("pamap2_ae");
    if (!net) return pt_model_finish(NULL, err, errlen);
    int in_c = pt_model_pick(o->c, PT_MODEL_PAMAP2_CHANNELS);
    int x = pt_model_pamap2_trunk(net, pamap2_input(net, o));
    pt_net_set_group(net, "decoder");
    static const int dec_k[2] = {5, 7};
    for (int i = 0; i < 2; i++) {
        x = pt_net_upsample(net, x, 1, 2);
        x = conv_bn_relu(net, x, 64, dec_k[i], "dec_", i + 1);
    }
    x = pt_net_conv(net, x, in_c, 1, 1, 1, 0, 1);
    pt_model_name(net, "dec_out");
    pt_net_output(net, x);
    return pt_model_finish(net, err, errlen);
}
