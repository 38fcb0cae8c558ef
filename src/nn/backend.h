/* backend.h -- the compute backend: one table of function pointers that every
 * layer, loss and optimizer calls. `ref` (plain C loops, the oracle), `cpu`
 * (oneDNN, src/nn/cpu/) and `cuda` (cuDNN, cuBLAS and own kernels,
 * src/nn/cuda/) implement it; chosen at run time by name. Every backend is
 * checked op by op against ref by tests/test_backend_ops.c.
 *
 * Conventions (all backends):
 * - float32; activations channels-last: 1-D as NWC, 2-D as NHWC. A 1-D tensor
 *   is a 2-D one with h = 1 (and kh = 1, sh = 1, ph = 0), so every 2-D entry
 *   point serves 1-D layers too.
 * - Weights stored plainly: conv OIHW (1-D: OIW = OI1W), linear [out][in];
 *   a backend may keep reordered copies in its per-layer state, refreshed by
 *   the `weights_changed` calls (the optimizer calls them after each step).
 * - Pointers are backend memory (host memory for ref and cpu; device memory
 *   for cuda): use alloc/free/upload/download, never malloc, for buffers
 *   handed to a backend.
 * - `acc` flags: 0 = overwrite the output gradient, 1 = add to it. Weight
 *   gradients likewise (the network passes acc = 0 on the first backward after
 *   zero_grad, so no memset and no extra pass is needed).
 * - Per-layer state (`void **state`): created by *_init for a fixed shape
 *   (including the batch size), freed by *_free; ref keeps none (NULL).
 * - Ops return nothing (the *_init entries return 0, or -1 when the backend
 *   cannot set up that shape; the losses return the loss): shapes are validated
 *   when the network is planned; an internal failure of a library call is fatal
 *   and reported with file:line by check macros inside the backend
 *   (PT_DNNL_CHECK-style in cpu/, PT_CU_CHECK in cuda/).
 */
#ifndef PT_NN_BACKEND_H
#define PT_NN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Convolution (and, with h = 1, 1-D convolution). Groups = 1. */
typedef struct {
    int n, ih, iw, ic; /* input  [n][ih][iw][ic] */
    int oc, kh, kw;    /* weight [oc][ic][kh][kw], bias [oc] (optional: NULL) */
    int sh, sw, ph, pw;
    int oh, ow;        /* output [n][oh][ow][oc]: oh = (ih + 2ph - kh)/sh + 1 */
} pt_conv_shape;

/* Max pooling (2-D, or 1-D with h = 1); no padding unless ph/pw set. */
typedef struct {
    int n, ih, iw, c;
    int kh, kw, sh, sw, ph, pw;
    int oh, ow;
} pt_pool_shape;

typedef struct pt_backend pt_backend;

typedef struct {
    const char *name; /* "ref", "cpu", "cuda" */

    /* memory */
    void *(*alloc)(pt_backend *be, size_t bytes); /* zeroed, 64-byte aligned; NULL when out of memory */
    void (*free)(pt_backend *be, void *p);
    void (*upload)(pt_backend *be, void *dst, const void *src, size_t bytes);   /* host -> backend */
    void (*download)(pt_backend *be, void *dst, const void *src, size_t bytes); /* backend -> host */
    void (*synchronize)(pt_backend *be); /* waits for queued work (no-op on CPU) */

    /* convolution: y = conv(x, w) + b */
    int (*conv_init)(pt_backend *be, void **state, const pt_conv_shape *s);
    void (*conv_free)(pt_backend *be, void *state);
    void (*conv_forward)(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                         const float *b, float *y);
    void (*conv_backward_data)(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                               const float *w, float *dx, int acc);
    /* db may be NULL (no bias) */
    void (*conv_backward_weights)(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                  const float *dy, float *dw, float *db, int acc);
    void (*conv_weights_changed)(pt_backend *be, void *state); /* w was updated in place */

    /* linear: y[n][out] = x[n][in] . w[out][in]^T + b[out] */
    int (*linear_init)(pt_backend *be, void **state, int n, int in, int out);
    void (*linear_free)(pt_backend *be, void *state);
    void (*linear_forward)(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                           const float *b, float *y);
    void (*linear_backward_data)(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                 const float *w, float *dx, int acc);
    void (*linear_backward_weights)(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                    const float *dy, float *dw, float *db, int acc);

    /* batch norm over channels-last rows: x[rows][c], rows = n*h*w.
     * train: batch statistics; saves mean and invstd = 1/sqrt(var_biased + eps)
     * for backward; running = (1-momentum)*running + momentum*batch, with the
     * unbiased variance for running_var (PyTorch's convention). */
    void (*bn_forward_train)(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                             const float *beta, float *running_mean, float *running_var, float momentum,
                             float eps, float *save_mean, float *save_invstd, float *y);
    void (*bn_forward_eval)(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                            const float *beta, const float *running_mean, const float *running_var, float eps,
                            float *y);
    /* dx (if not NULL, acc_dx), dgamma and dbeta (if not NULL, acc_w) */
    void (*bn_backward)(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, int acc_dx, float *dgamma,
                        float *dbeta, int acc_w);

    /* element-wise; relu in place too: x and y one buffer, dy and dx one
     * buffer (acc 0) */
    void (*relu_forward)(pt_backend *be, size_t n, const float *x, float *y);
    /* uses the forward output y: dx = dy * (y > 0) */
    void (*relu_backward)(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc);
    void (*add_forward)(pt_backend *be, size_t n, const float *a, const float *b, float *y);
    /* dst (+)= src */
    void (*copy_grad)(pt_backend *be, size_t n, const float *src, float *dst, int acc);
    /* y = x * mask * scale, mask bytes 0/1 generated by the caller (seeded) */
    void (*dropout_forward)(pt_backend *be, size_t n, const float *x, const uint8_t *mask, float scale, float *y);
    void (*dropout_backward)(pt_backend *be, size_t n, const float *dy, const uint8_t *mask, float scale,
                             float *dx, int acc);

    /* pooling: max (argmax kept in state or recomputed) and global average */
    int (*maxpool_init)(pt_backend *be, void **state, const pt_pool_shape *s);
    void (*maxpool_free)(pt_backend *be, void *state);
    void (*maxpool_forward)(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, float *y);
    void (*maxpool_backward)(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, const float *y,
                             const float *dy, float *dx, int acc);
    /* x[n][hw][c] -> y[n][c] */
    void (*gap_forward)(pt_backend *be, int n, int hw, int c, const float *x, float *y);
    void (*gap_backward)(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc);

    /* nearest-neighbour upsampling by integer factors (the autoencoder's
       decoder): x[n][ih][iw][c] -> y[n][ih*fh][iw*fw][c]; backward sums. */
    void (*upsample_forward)(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *x,
                             float *y);
    void (*upsample_backward)(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *dy,
                              float *dx, int acc);

    /* losses: mean over the batch; write dlogits = d(loss)/d(logits) * scale
     * (scale lets multitask weight alpha and 1-alpha); return the loss (host,
     * unscaled). softmax_xent and mse take dlogits / dpred = NULL (loss only);
     * softmax_xent skips labels outside [0, k). */
    float (*softmax_xent)(pt_backend *be, int n, int k, const float *logits, const int32_t *labels,
                          float *dlogits, float scale);
    /* targets in {0,1}: mean over n*k elements */
    float (*bce_logits)(pt_backend *be, int n, int k, const float *logits, const float *targets, float *dlogits,
                        float scale);
    /* mean over all elements */
    float (*mse)(pt_backend *be, size_t n, const float *pred, const float *target, float *dpred, float scale);
    /* counts correct argmax predictions (classification accuracy) */
    int (*argmax_correct)(pt_backend *be, int n, int k, const float *logits, const int32_t *labels);

    /* optimizers, over flat parameter buffers (constant learning rate) */
    void (*sgd_step)(pt_backend *be, size_t n, float *w, const float *g, float *mom, float lr, float momentum,
                     float weight_decay);
    /* t = step number starting at 1 (bias correction) */
    void (*adam_step)(pt_backend *be, size_t n, float *w, const float *g, float *m, float *v, float lr,
                      float beta1, float beta2, float eps, float weight_decay, int t);

    /* lifetime: frees be->impl and be itself (pt_backend_destroy calls it) */
    void (*destroy)(pt_backend *be);
} pt_backend_ops;

struct pt_backend {
    const pt_backend_ops *ops;
    int threads; /* as created (cpu resolves 0 to all cores; ref computes on one) */
    void *impl;
};

/* Creates a backend by name ("ref", "cpu", "cuda[:N]"). NULL with a reason in
 * err when it is unknown or unavailable here ("cpu: this build has no oneDNN"). */
pt_backend *pt_backend_create(const char *name, int threads, char *err, size_t errlen);
void pt_backend_destroy(pt_backend *be);
/* 0 when name names a backend of this build, without creating it (a login
 * node without the GPU accepts cuda:1), else -1 with the reason
 * pt_backend_create would give ("unknown backend 'x' (available: ref,cpu)"). */
int pt_backend_check_name(const char *name, char *err, size_t errlen);
/* Names compiled into this build, comma separated ("ref,cpu"). */
const char *pt_backend_available(void);

/* The GPU a backend computes on: its CUDA index (>= 0), with its PCI bus id
 * (what the meter's --gpus takes, so a run bills exactly that GPU) and a
 * one-line description ("cuda:0 NVIDIA H100 80GB HBM3 (sm_90), cuDNN 91900,
 * fp32 (TF32 off), ..."); -1 for host backends. Either buffer may be NULL. */
int pt_backend_gpu(const pt_backend *be, char *bus_id, size_t bus_len, char *desc, size_t desc_len);

/* Per backend constructors (defined only when compiled in). */
pt_backend *pt_backend_ref_create(int threads, char *err, size_t errlen);
pt_backend *pt_backend_cpu_create(int threads, char *err, size_t errlen);
/* The instruction set a cpu backend's own loops run with ("avx512", "avx2",
 * "base"; chosen at creation, POWERTRAIN_CPU_ISA overrides); NULL for others. */
const char *pt_backend_cpu_isa(const pt_backend *be);
/* The cuda module's two entry points (src/nn/cuda, a module pt_backend_create
 * opens at run time; never call them directly). name ("cuda", "cuda:1")
 * prefixes the messages; device is the CUDA index. NULL with
 * "<name>: unavailable: <reason>" where no usable GPU is. */
pt_backend *pt_backend_cuda_create(const char *name, int device, int threads, char *err, size_t errlen);
int pt_backend_cuda_info(const pt_backend *be, char *bus_id, size_t bus_len, char *desc, size_t desc_len);

#endif
