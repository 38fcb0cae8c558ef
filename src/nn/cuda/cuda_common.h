/* cuda_common.h -- what every C file of the `cuda` backend shares: the fatal
 * error macros (PT_CU_CHECK, PT_CUBLAS_CHECK, PT_CUDNN_CHECK), the backend's
 * per-device state pt_cuda and its grow-only device buffers. Defined in
 * cuda_common.c; it depends on no other file of this folder, so cuda_backend.c
 * (the table) and cuda_conv.c / cuda_linear.c (the ops it calls) both include
 * it without a cycle. Plain C (gcc), like cuda_internal.h. */
#ifndef PT_NN_CUDA_COMMON_H
#define PT_NN_CUDA_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "nn/backend.h"

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

#endif
