/* cuda_kernels.h -- the cuda backend's own kernels (cuda_kernels.cu), as plain
 * C launchers: the C files of this folder include this header and never need
 * nvcc. Every launcher enqueues on the given stream and returns the launch's
 * status (cudaGetLastError), which the caller checks with PT_CU_CHECK so a
 * failure names the calling file and line.
 *
 * Layouts are backend.h's: activations channels-last, [rows][c] for per-channel
 * work (rows = n*h*w). Reductions are deterministic: a fixed grid writes
 * per-block partial sums (double) into a scratch buffer that a second kernel
 * adds up in a fixed order; `part` must hold pt_cuk_reduce_scratch(rows, c)
 * bytes. */
#ifndef PT_NN_CUDA_KERNELS_H
#define PT_NN_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include "nn/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* bytes of scratch a per-channel reduction over [rows][c] needs (partials for
   two sums plus per-channel coefficients) */
size_t pt_cuk_reduce_scratch(int rows, int c);
/* bytes of scratch a scalar reduction (losses) needs */
size_t pt_cuk_scalar_scratch(void);

/* ---- element-wise ---- */
cudaError_t pt_cuk_relu_forward(cudaStream_t s, size_t n, const float *x, float *y);
cudaError_t pt_cuk_relu_backward(cudaStream_t s, size_t n, const float *y, const float *dy, float *dx, int acc);
cudaError_t pt_cuk_add(cudaStream_t s, size_t n, const float *a, const float *b, float *y);
/* dst += src */
cudaError_t pt_cuk_accumulate(cudaStream_t s, size_t n, const float *src, float *dst);
cudaError_t pt_cuk_dropout_forward(cudaStream_t s, size_t n, const float *x, const uint8_t *mask, float scale,
                                   float *y);
cudaError_t pt_cuk_dropout_backward(cudaStream_t s, size_t n, const float *dy, const uint8_t *mask, float scale,
                                    float *dx, int acc);
/* y[r][j] += b[j] over [rows][c] */
cudaError_t pt_cuk_bias_add(cudaStream_t s, int rows, int c, const float *b, float *y);
/* out[j] (+)= sum_r x[r][j] */
cudaError_t pt_cuk_colsum(cudaStream_t s, int rows, int c, const float *x, float *out, int acc, void *part);

/* ---- weight layouts: OIHW (stored) <-> OHWI (cuDNN's NHWC filters); khw = kh*kw ---- */
cudaError_t pt_cuk_oihw_to_ohwi(cudaStream_t s, int oc, int ic, int khw, const float *src, float *dst);
/* dst (OIHW) (+)= src (OHWI) */
cudaError_t pt_cuk_ohwi_to_oihw(cudaStream_t s, int oc, int ic, int khw, const float *src, float *dst, int acc);

/* ---- batch norm over [rows][c] (backend.h's contract) ---- */
cudaError_t pt_cuk_bn_forward_train(cudaStream_t s, int rows, int c, const float *x, const float *gamma,
                                    const float *beta, float *running_mean, float *running_var, float momentum,
                                    float eps, float *save_mean, float *save_invstd, float *y, void *part);
cudaError_t pt_cuk_bn_forward_eval(cudaStream_t s, int rows, int c, const float *x, const float *gamma,
                                   const float *beta, const float *running_mean, const float *running_var,
                                   float eps, float *y);
cudaError_t pt_cuk_bn_backward(cudaStream_t s, int rows, int c, const float *x, const float *dy,
                               const float *gamma, const float *save_mean, const float *save_invstd, float *dx,
                               int acc_dx, float *dgamma, float *dbeta, int acc_w, void *part);

/* ---- pooling, upsampling ---- */
/* idx[n][oh][ow][c]: the window position (ky*kw + kx) of the first maximum,
   -1 for a window of padding only */
cudaError_t pt_cuk_maxpool_forward(cudaStream_t s, pt_pool_shape sh, const float *x, float *y, int32_t *idx);
cudaError_t pt_cuk_maxpool_backward(cudaStream_t s, pt_pool_shape sh, const int32_t *idx, const float *dy,
                                    float *dx, int acc);
cudaError_t pt_cuk_gap_forward(cudaStream_t s, int n, int hw, int c, const float *x, float *y);
cudaError_t pt_cuk_gap_backward(cudaStream_t s, int n, int hw, int c, const float *dy, float *dx, int acc);
cudaError_t pt_cuk_upsample_forward(cudaStream_t s, int n, int ih, int iw, int c, int fh, int fw, const float *x,
                                    float *y);
cudaError_t pt_cuk_upsample_backward(cudaStream_t s, int n, int ih, int iw, int c, int fh, int fw,
                                     const float *dy, float *dx, int acc);

/* ---- losses: the summed loss (double) lands in *sum (device) ---- */
cudaError_t pt_cuk_softmax_xent(cudaStream_t s, int n, int k, const float *logits, const int32_t *labels,
                                float *dlogits, float scale, void *part, double *sum);
cudaError_t pt_cuk_bce_logits(cudaStream_t s, int n, int k, const float *logits, const float *targets,
                              float *dlogits, float scale, void *part, double *sum);
cudaError_t pt_cuk_mse(cudaStream_t s, size_t n, const float *pred, const float *target, float *dpred,
                       float scale, void *part, double *sum);
/* *count (device, zeroed by the launcher) = correct argmax predictions */
cudaError_t pt_cuk_argmax_correct(cudaStream_t s, int n, int k, const float *logits, const int32_t *labels,
                                  int *count);

/* ---- optimizers (bc1, bc2: Adam's bias corrections 1 - beta^t) ---- */
cudaError_t pt_cuk_sgd_step(cudaStream_t s, size_t n, float *w, const float *g, float *mom, float lr,
                            float momentum, float weight_decay);
cudaError_t pt_cuk_adam_step(cudaStream_t s, size_t n, float *w, const float *g, float *m, float *v, float lr,
                             float beta1, float beta2, float eps, float weight_decay, double bc1, double bc2);

#ifdef __cplusplus
}
#endif

#endif
