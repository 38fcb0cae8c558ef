/* cuda_internal.h -- shared pieces of the `cuda` backend (CUDA runtime, cuBLAS,
 * cuDNN 9's legacy convolution API, and the small kernels of cuda_kernels.cu).
 * Plain C: the C files of this folder include it with gcc; only
 * cuda_kernels.cu needs nvcc. Every CUDA, cuBLAS and cuDNN call of the project
 * lives in src/nn/cuda/.
 *
 * Files: cuda_common.c (fatal errors, scratch buffers: what the others share,
 * declared in cuda_common.h), cuda_backend.c (the table, memory, creation, the element-wise,
 * pooling, loss and optimizer entries that call the kernels), cuda_conv.c
 * (convolution on cuDNN, algorithm search), cuda_linear.c (linear on cuBLAS),
 * cuda_kernels.cu (own kernels).
 *
 * One stream per backend: every op is queued on it in call order, so no op
 * waits for the device except download, synchronize and the loss / accuracy
 * entries (which return a host number). */
#ifndef PT_NN_CUDA_INTERNAL_H
#define PT_NN_CUDA_INTERNAL_H

#include "nn/backend.h"
#include "nn/cuda/cuda_common.h"
#include "nn/cuda/cuda_kernels.h"

/* Entry points of cuda_conv.c and cuda_linear.c. */
int pt_cuda_conv_init(pt_backend *be, void **state, const pt_conv_shape *s);
void pt_cuda_conv_free(pt_backend *be, void *state);
void pt_cuda_conv_forward(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                          const float *b, float *y);
void pt_cuda_conv_backward_data(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                                const float *w, float *dx, int acc);
void pt_cuda_conv_backward_weights(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                   const float *dy, float *dw, float *db, int acc);
void pt_cuda_conv_weights_changed(pt_backend *be, void *state);
void pt_cuda_conv_cache_free(pt_cuda *c);

int pt_cuda_linear_init(pt_backend *be, void **state, int n, int in, int out);
void pt_cuda_linear_free(pt_backend *be, void *state);
void pt_cuda_linear_forward(pt_backend *be, void *state, int n, int in, int out, const float *x, const float *w,
                            const float *b, float *y);
void pt_cuda_linear_backward_data(pt_backend *be, void *state, int n, int in, int out, const float *dy,
                                  const float *w, float *dx, int acc);
void pt_cuda_linear_backward_weights(pt_backend *be, void *state, int n, int in, int out, const float *x,
                                     const float *dy, float *dw, float *db, int acc);

#endif
