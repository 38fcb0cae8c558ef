/* cuda_internal.h -- shared pieces of the `cuda` backend (CUDA runtime, cuBLAS,
 * cuDNN 9's legacy convolution API, and the small kernels of cuda_kernels.cu).
 * Plain C: the C files of this folder include it with gcc; only
 * cuda_kernels.cu needs nvcc. Every CUDA, cuBLAS and cuDNN call of the project
 * lives in src/nn/cuda/.
 *
 * Files: cuda_backend.c (the table, memory, creation, scratch, the element-wise,
 * pooling, loss and optimizer entries that call the kernels), cuda_conv.c
 * (convolution on cuDNN, algorithm search), cuda_linear.c (linear on cuBLAS),
 * cuda_kernels.cu (own kernels).
 *
 * One stream per backend: every op is queued on it in call order, so no op
 * waits for the device except download, synchronize and the loss / accuracy
 * entries (which return a host number). */
#ifndef PT_NN_CUDA_INTERNAL_H
#define PT_NN_CUDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "nn/backend.h"
#include "nn/cuda/cuda_kernels.h"

/* An internal failure inside an op (shapes were validated at plan time, memory
 * was allocated at plan time): report file:line, the call and the library's
 * message, then abort, as backend.h asks. Backend creation never uses these:
 * it reports "cuda: unavailable: <reason>" and returns NULL. */
void pt_cuda_fatal(const char *file, int line, const char *call, const char *what) __attribute__((noreturn));

#define PT_CU_CHECK(call)                                                                     \
    do {                                                                                      \
        cudaError_t pt_e_ = (call);                                                           \
        if (pt_e_ != cudaSuccess) pt_cuda_fatal(__FILE__, __LINE__, #call, cudaGetErrorString(pt_e_)); \
    } while (0)

#define PT_CUBLAS_CHECK(call)                                                                 \
    do {                                                                                      \
        cublasStatus_t pt_s_ = (call);                                                        \
        if (pt_s_ != CUBLAS_STATUS_SUCCESS) pt_cuda_fatal(__FILE__, __LINE__, #call, cublasGetStatusString(pt_s_)); \
    } while (0)

#define PT_CUDNN_CHECK(call)                                                                  \
    do {                                                                                      \
        cudnnStatus_t pt_s_ = (call);                                                         \
        if (pt_s_ != CUDNN_STATUS_SUCCESS) pt_cuda_fatal(__FILE__, __LINE__, #call, cudnnGetErrorString(pt_s_)); \
    } while (0)

/* A device buffer that grows on demand (only ever up: after the first step of
 * a planned network no op allocates). */
typedef struct {
    void *p;
    size_t size;
} pt_cuda_buf;

typedef struct {
    int device;          /* CUDA device index (of those the process sees) */
    char bus_id[32];     /* PCI bus id, what the meter's --gpus accepts */
    char gpu_name[256];
    int cc_major, cc_minor;
    int tf32;            /* TensorFloat-32 allowed in convolutions and GEMMs */
    int find_algos;      /* 1: benchmark cuDNN algorithms (cudnnFind*), 0: heuristics (Get*_v7) */
    int deterministic;   /* only deterministic cuDNN algorithms */
    cudaStream_t stream;
    cublasHandle_t cublas;
    cudnnHandle_t cudnn;
    pt_cuda_buf work;    /* cuDNN convolution workspace (sized at conv_init) */
    pt_cuda_buf red;     /* reduction partials and coefficients */
    double *scal_dev;    /* device: a loss sum (double) and a count (int) */
    void *scal_host;     /* pinned mirror of scal_dev */
    void *stage;         /* pinned staging for large uploads */
    size_t stage_size;
    cudaEvent_t stage_done; /* the last copy out of stage finished */
    void *conv_cache;    /* cuda_conv.c: chosen algorithms per shape */
} pt_cuda;

static inline pt_cuda *pt_cuda_of(pt_backend *be) { return (pt_cuda *)be->impl; }

/* Grows b to at least bytes (synchronising the stream first when it must
 * reallocate); aborts when the device is out of memory. Returns b->p. */
void *pt_cuda_buf_reserve(pt_cuda *c, pt_cuda_buf *b, size_t bytes);

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
