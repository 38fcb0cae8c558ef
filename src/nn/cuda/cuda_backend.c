/* cuda_backend.c -- the `cuda` backend's table, device memory, creation by
 * device index, scratch buffers, and the entries that queue the own kernels of
 * cuda_kernels.cu (batch norm, element-wise ops, pooling, losses, optimizers).
 *
 * Creation never aborts: a machine without a usable GPU gets NULL and
 * "cuda: unavailable: <reason>". After creation, a failing CUDA call inside an
 * op is an internal error (file:line, abort), as for the other backends.
 *
 * Settings read at creation (environment):
 *   POWERTRAIN_CUDA_TF32=1           TensorFloat-32 in convolutions and GEMMs
 *                                    (default off: plain fp32, as ref)
 *   POWERTRAIN_CUDNN_ALGO=heuristic  cuDNN's heuristics instead of timing every
 *                                    algorithm once per shape (find, the default)
 *   POWERTRAIN_CUDA_DETERMINISTIC=1  only deterministic cuDNN algorithms */
#include "nn/cuda/cuda_internal.h"

#include <math.h>
#include <string.h>

#include "util/str.h"

#define STAGE_MIN ((size_t)256 << 10) /* uploads from this size go through pinned staging */

static int env_flag(const char *name) {
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* ---- memory --------------------------------------------------------------------- */

static void *cuda_alloc(pt_backend *be, size_t bytes) {
    pt_cuda *c = pt_cuda_of(be);
    size_t sz = (bytes + 255) & ~(size_t)255; /* cudaMalloc aligns to 256 bytes */
    if (sz == 0) sz = 256;
    void *p = NULL;
    if (cudaMalloc(&p, sz) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the sticky-free error: the caller reports out of memory */
        return NULL;
    }
    PT_CU_CHECK(cudaMemsetAsync(p, 0, sz, c->stream));
    return p;
}

static void cuda_free(pt_backend *be, void *p) {
    if (!p) return;
    PT_CU_CHECK(cudaStreamSynchronize(pt_cuda_of(be)->stream));
    PT_CU_CHECK(cudaFree(p));
}

/* host -> device, in stream order. Large copies go through a pinned staging
 * buffer: the caller's memory is free again on return, and the copy itself
 * overlaps with the work already queued (the next batch while the previous
 * step's backward runs). */
static void cuda_upload(pt_backend *be, void *dst, const void *src, size_t bytes) {
    pt_cuda *c = pt_cuda_of(be);
    if (!bytes) return;
    if (bytes >= STAGE_MIN) {
        if (c->stage_size < bytes) {
            PT_CU_CHECK(cudaEventSynchronize(c->stage_done));
            if (c->stage) PT_CU_CHECK(cudaFreeHost(c->stage));
            c->stage = NULL;
            c->stage_size = 0;
            if (cudaHostAlloc(&c->stage, bytes, cudaHostAllocDefault) == cudaSuccess) {
                c->stage_size = bytes;
            } else {
                (void)cudaGetLastError();
                c->stage = NULL;
            }
        }
        if (c->stage) {
            PT_CU_CHECK(cudaEventSynchronize(c->stage_done)); /* the previous staged copy has left */
            memcpy(c->stage, src, bytes);
            PT_CU_CHECK(cudaMemcpyAsync(dst, c->stage, bytes, cudaMemcpyHostToDevice, c->stream));
            PT_CU_CHECK(cudaEventRecord(c->stage_done, c->stream));
            return;
        }
    }
    /* pageable source: the runtime has copied it out when this returns */
    PT_CU_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c->stream));
}

static void cuda_download(pt_backend *be, void *dst, const void *src, size_t bytes) {
    pt_cuda *c = pt_cuda_of(be);
    if (!bytes) return;
    PT_CU_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c->stream));
    PT_CU_CHECK(cudaStreamSynchronize(c->stream));
}

static void cuda_synchronize(pt_backend *be) { PT_CU_CHECK(cudaStreamSynchronize(pt_cuda_of(be)->stream)); }

/* ---- batch norm (own kernels: backend.h's NULL outputs and acc flags, double sums) ---- */

static void cuda_bn_forward_train(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                                  const float *beta, float *running_mean, float *running_var, float momentum,
                                  float eps, float *save_mean, float *save_invstd, float *y) {
    pt_cuda *cu = pt_cuda_of(be);
    void *part = pt_cuda_buf_reserve(cu, &cu->red, pt_cuk_reduce_scratch(rows, c));
    PT_CU_CHECK(pt_cuk_bn_forward_train(cu->stream, rows, c, x, gamma, beta, running_mean, running_var, momentum, eps,
                                        save_mean, save_invstd, y, part));
}

static void cuda_bn_forward_eval(pt_backend *be, int rows, int c, const float *x, const float *gamma,
                                 const float *beta, const float *running_mean, const float *running_var, float eps,
                                 float *y) {
    PT_CU_CHECK(pt_cuk_bn_forward_eval(pt_cuda_of(be)->stream, rows, c, x, gamma, beta, running_mean, running_var,
                                       eps, y));
}

static void cuda_bn_backward(pt_backend *be, int rows, int c, const float *x, const float *dy, const float *gamma,
                             const float *save_mean, const float *save_invstd, float *dx, int acc_dx, float *dgamma,
                             float *dbeta, int acc_w) {
    pt_cuda *cu = pt_cuda_of(be);
    void *part = pt_cuda_buf_reserve(cu, &cu->red, pt_cuk_reduce_scratch(rows, c));
    PT_CU_CHECK(pt_cuk_bn_backward(cu->stream, rows, c, x, dy, gamma, save_mean, save_invstd, dx, acc_dx, dgamma,
                                   dbeta, acc_w, part));
}

/* ---- element-wise -------------------------------------------------------------------- */

static void cuda_relu_forward(pt_backend *be, size_t n, const float *x, float *y) {
    PT_CU_CHECK(pt_cuk_relu_forward(pt_cuda_of(be)->stream, n, x, y));
}

static void cuda_relu_backward(pt_backend *be, size_t n, const float *y, const float *dy, float *dx, int acc) {
    PT_CU_CHECK(pt_cuk_relu_backward(pt_cuda_of(be)->stream, n, y, dy, dx, acc));
}

static void cuda_add_forward(pt_backend *be, size_t n, const float *a, const float *b, float *y) {
    PT_CU_CHECK(pt_cuk_add(pt_cuda_of(be)->stream, n, a, b, y));
}

static void cuda_copy_grad(pt_backend *be, size_t n, const float *src, float *dst, int acc) {
    pt_cuda *c = pt_cuda_of(be);
    if (acc)
        PT_CU_CHECK(pt_cuk_accumulate(c->stream, n, src, dst));
    else if (src != dst)
        PT_CU_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, c->stream));
}

static void cuda_dropout_forward(pt_backend *be, size_t n, const float *x, const uint8_t *mask, float scale,
                                 float *y) {
    PT_CU_CHECK(pt_cuk_dropout_forward(pt_cuda_of(be)->stream, n, x, mask, scale, y));
}

static void cuda_dropout_backward(pt_backend *be, size_t n, const float *dy, const uint8_t *mask, float scale,
                                  float *dx, int acc) {
    PT_CU_CHECK(pt_cuk_dropout_backward(pt_cuda_of(be)->stream, n, dy, mask, scale, dx, acc));
}

/* ---- pooling, upsampling ---------------------------------------------------------------- */

/* Max pooling on own kernels rather than cuDNN's: backend.h (and ref) give a
 * window's gradient to its first maximum only, which matters after ReLU where
 * windows of equal zeros are common; cuDNN does not promise which tied element
 * gets it. The forward keeps each window's argmax; the backward gathers, so it
 * needs no atomics and is deterministic. */
typedef struct {
    pt_pool_shape s;
    int32_t *idx; /* [n][oh][ow][c] */
} cuda_pool;

static int cuda_maxpool_init(pt_backend *be, void **state, const pt_pool_shape *s) {
    (void)be;
    *state = NULL;
    cuda_pool *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->s = *s;
    size_t bytes = (size_t)s->n * s->oh * s->ow * s->c * sizeof(int32_t);
    if (cudaMalloc((void **)&p->idx, bytes ? bytes : 256) != cudaSuccess) {
        (void)cudaGetLastError();
        free(p);
        return -1;
    }
    *state = p;
    return 0;
}

static void cuda_maxpool_free(pt_backend *be, void *state) {
    cuda_pool *p = state;
    if (!p) return;
    PT_CU_CHECK(cudaStreamSynchronize(pt_cuda_of(be)->stream));
    PT_CU_CHECK(cudaFree(p->idx));
    free(p);
}

static void cuda_maxpool_forward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, float *y) {
    cuda_pool *p = state;
    PT_CU_CHECK(pt_cuk_maxpool_forward(pt_cuda_of(be)->stream, *s, x, y, p->idx));
}

/* uses the argmax of the last forward of this layer (x and y are that forward's) */
static void cuda_maxpool_backward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x,
                                  const float *y, const float *dy, float *dx, int acc) {
    (void)x;
    (void)y;
    cuda_pool *p = state;
    PT_CU_CHECK(pt_cuk_maxpool_backward(pt_cuda_of(be)->stream, *s, p->idx, dy, dx, acc));
}

static void cuda_gap_forward(pt_backend *be, int n, int hw, int c, const float *x, float *y) {
    PT_CU_CHECK(pt_cuk_gap_forward(pt_cuda_of(be)->stream, n, hw, c, x, y));
}

static void cuda_gap_backward(pt_backend *be, int n, int hw, int c, const float *dy, float *dx, int acc) {
    PT_CU_CHECK(pt_cuk_gap_backward(pt_cuda_of(be)->stream, n, hw, c, dy, dx, acc));
}

static void cuda_upsample_forward(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *x,
                                  float *y) {
    PT_CU_CHECK(pt_cuk_upsample_forward(pt_cuda_of(be)->stream, n, ih, iw, c, fh, fw, x, y));
}

static void cuda_upsample_backward(pt_backend *be, int n, int ih, int iw, int c, int fh, int fw, const float *dy,
                                   float *dx, int acc) {
    PT_CU_CHECK(pt_cuk_upsample_backward(pt_cuda_of(be)->stream, n, ih, iw, c, fh, fw, dy, dx, acc));
}

/* ---- losses: the one host round trip of a step (the returned scalar) ------------------ */

static double read_sum(pt_cuda *c) {
    PT_CU_CHECK(cudaMemcpyAsync(c->scal_host, c->scal_dev, sizeof(double), cudaMemcpyDeviceToHost, c->stream));
    PT_CU_CHECK(cudaStreamSynchronize(c->stream));
    double s;
    memcpy(&s, c->scal_host, sizeof s);
    return s;
}

static float cuda_softmax_xent(pt_backend *be, int n, int k, const float *logits, const int32_t *labels,
                               float *dlogits, float scale) {
    pt_cuda *c = pt_cuda_of(be);
    void *part = pt_cuda_buf_reserve(c, &c->red, pt_cuk_scalar_scratch());
    PT_CU_CHECK(pt_cuk_softmax_xent(c->stream, n, k, logits, labels, dlogits, scale, part, c->scal_dev));
    return (float)(read_sum(c) / n);
}

static float cuda_bce_logits(pt_backend *be, int n, int k, const float *logits, const float *targets,
                             float *dlogits, float scale) {
    pt_cuda *c = pt_cuda_of(be);
    void *part = pt_cuda_buf_reserve(c, &c->red, pt_cuk_scalar_scratch());
    PT_CU_CHECK(pt_cuk_bce_logits(c->stream, n, k, logits, targets, dlogits, scale, part, c->scal_dev));
    return (float)(read_sum(c) / ((double)n * k));
}

static float cuda_mse(pt_backend *be, size_t n, const float *pred, const float *target, float *dpred, float scale) {
    pt_cuda *c = pt_cuda_of(be);
    void *part = pt_cuda_buf_reserve(c, &c->red, pt_cuk_scalar_scratch());
    PT_CU_CHECK(pt_cuk_mse(c->stream, n, pred, target, dpred, scale, part, c->scal_dev));
    return (float)(read_sum(c) / (double)n);
}

static int cuda_argmax_correct(pt_backend *be, int n, int k, const float *logits, const int32_t *labels) {
    pt_cuda *c = pt_cuda_of(be);
    int *count = (int *)(c->scal_dev + 1);
    PT_CU_CHECK(pt_cuk_argmax_correct(c->stream, n, k, logits, labels, count));
    PT_CU_CHECK(cudaMemcpyAsync((char *)c->scal_host + sizeof(double), count, sizeof(int), cudaMemcpyDeviceToHost,
                                c->stream));
    PT_CU_CHECK(cudaStreamSynchronize(c->stream));
    int v;
    memcpy(&v, (char *)c->scal_host + sizeof(double), sizeof v);
    return v;
}

/* ---- optimizers ------------------------------------------------------------------------ */

static void cuda_sgd_step(pt_backend *be, size_t n, float *w, const float *g, float *mom, float lr, float momentum,
                          float weight_decay) {
    PT_CU_CHECK(pt_cuk_sgd_step(pt_cuda_of(be)->stream, n, w, g, mom, lr, momentum, weight_decay));
}

static void cuda_adam_step(pt_backend *be, size_t n, float *w, const float *g, float *m, float *v, float lr,
                           float beta1, float beta2, float eps, float weight_decay, int t) {
    double bc1 = 1.0 - pow(beta1, t), bc2 = 1.0 - pow(beta2, t);
    PT_CU_CHECK(pt_cuk_adam_step(pt_cuda_of(be)->stream, n, w, g, m, v, lr, beta1, beta2, eps, weight_decay, bc1, bc2));
}

/* ---- lifetime ----------------------------------------------------------------------------- */

/* releases whatever create got to; safe on a partly built pt_cuda */
static void cuda_release(pt_cuda *c) {
    if (!c) return;
    if (c->stream) (void)cudaStreamSynchronize(c->stream);
    pt_cuda_conv_cache_free(c);
    if (c->work.p) (void)cudaFree(c->work.p);
    if (c->red.p) (void)cudaFree(c->red.p);
    if (c->scal_dev) (void)cudaFree(c->scal_dev);
    if (c->scal_host) (void)cudaFreeHost(c->scal_host);
    if (c->stage) (void)cudaFreeHost(c->stage);
    if (c->stage_done) (void)cudaEventDestroy(c->stage_done);
    if (c->cudnn) (void)cudnnDestroy(c->cudnn);
    if (c->cublas) (void)cublasDestroy(c->cublas);
    if (c->stream) (void)cudaStreamDestroy(c->stream);
    free(c);
}

static void cuda_destroy(pt_backend *be) {
    if (!be) return;
    cuda_release(be->impl);
    free(be);
}

static const pt_backend_ops cuda_ops = {
    .name = "cuda",
    .alloc = cuda_alloc,
    .free = cuda_free,
    .upload = cuda_upload,
    .download = cuda_download,
    .synchronize = cuda_synchronize,
    .conv_init = pt_cuda_conv_init,
    .conv_free = pt_cuda_conv_free,
    .conv_forward = pt_cuda_conv_forward,
    .conv_backward_data = pt_cuda_conv_backward_data,
    .conv_backward_weights = pt_cuda_conv_backward_weights,
    .conv_weights_changed = pt_cuda_conv_weights_changed,
    .linear_init = pt_cuda_linear_init,
    .linear_free = pt_cuda_linear_free,
    .linear_forward = pt_cuda_linear_forward,
    .linear_backward_data = pt_cuda_linear_backward_data,
    .linear_backward_weights = pt_cuda_linear_backward_weights,
    .bn_forward_train = cuda_bn_forward_train,
    .bn_forward_eval = cuda_bn_forward_eval,
    .bn_backward = cuda_bn_backward,
    .relu_forward = cuda_relu_forward,
    .relu_backward = cuda_relu_backward,
    .add_forward = cuda_add_forward,
    .copy_grad = cuda_copy_grad,
    .dropout_forward = cuda_dropout_forward,
    .dropout_backward = cuda_dropout_backward,
    .maxpool_init = cuda_maxpool_init,
    .maxpool_free = cuda_maxpool_free,
    .maxpool_forward = cuda_maxpool_forward,
    .maxpool_backward = cuda_maxpool_backward,
    .gap_forward = cuda_gap_forward,
    .gap_backward = cuda_gap_backward,
    .upsample_forward = cuda_upsample_forward,
    .upsample_backward = cuda_upsample_backward,
    .softmax_xent = cuda_softmax_xent,
    .bce_logits = cuda_bce_logits,
    .mse = cuda_mse,
    .argmax_correct = cuda_argmax_correct,
    .sgd_step = cuda_sgd_step,
    .adam_step = cuda_adam_step,
    .destroy = cuda_destroy,
};

#define UNAVAILABLE(...)                                                                      \
    do {                                                                                      \
        if (err && errlen) {                                                                  \
            int k_ = snprintf(err, errlen, "%s: unavailable: ", name);                        \
            if (k_ >= 0 && (size_t)k_ < errlen) snprintf(err + k_, errlen - (size_t)k_, __VA_ARGS__); \
        }                                                                                     \
        cuda_release(c);                                                                      \
        return NULL;                                                                          \
    } while (0)

pt_backend *pt_backend_cuda_create(const char *name, int device, int threads, char *err, size_t errlen) {
    pt_cuda *c = NULL;
    if (!name) name = "cuda";
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        UNAVAILABLE("no usable NVIDIA GPU or driver here (cudaGetDeviceCount: %s)", cudaGetErrorString(e));
    }
    if (count < 1) UNAVAILABLE("no CUDA device (cudaGetDeviceCount: 0)");
    if (device < 0 || device >= count)
        UNAVAILABLE("no CUDA device %d (%d visible: cuda:0..cuda:%d)", device, count, count - 1);
    size_t v = cudnnGetVersion();
    if (v / 10000 != CUDNN_MAJOR)
        UNAVAILABLE("cuDNN %zu.%zu found at run time, built with cuDNN %d", v / 10000, v / 100 % 100, CUDNN_MAJOR);
    c = calloc(1, sizeof *c);
    if (!c) UNAVAILABLE("out of memory");
    c->device = device;
    if ((e = cudaSetDevice(device)) != cudaSuccess) UNAVAILABLE("cudaSetDevice(%d): %s", device, cudaGetErrorString(e));
    struct cudaDeviceProp prop;
    if ((e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess)
        UNAVAILABLE("cudaGetDeviceProperties: %s", cudaGetErrorString(e));
    pt_strlcpy(c->gpu_name, prop.name, sizeof c->gpu_name);
    c->cc_major = prop.major;
    c->cc_minor = prop.minor;
    if ((e = cudaDeviceGetPCIBusId(c->bus_id, (int)sizeof c->bus_id, device)) != cudaSuccess) c->bus_id[0] = '\0';
    if ((e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) != cudaSuccess)
        UNAVAILABLE("cudaStreamCreate: %s", cudaGetErrorString(e));
    c->tf32 = env_flag("POWERTRAIN_CUDA_TF32");
    const char *algo = getenv("POWERTRAIN_CUDNN_ALGO");
    c->find_algos = !(algo && !strcmp(algo, "heuristic"));
    c->deterministic = env_flag("POWERTRAIN_CUDA_DETERMINISTIC");
    cublasStatus_t bs = cublasCreate(&c->cublas);
    if (bs != CUBLAS_STATUS_SUCCESS) {
        c->cublas = NULL;
        UNAVAILABLE("cublasCreate: %s", cublasGetStatusString(bs));
    }
    if ((bs = cublasSetStream(c->cublas, c->stream)) != CUBLAS_STATUS_SUCCESS ||
        (bs = cublasSetMathMode(c->cublas, c->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH)) !=
            CUBLAS_STATUS_SUCCESS)
        UNAVAILABLE("cuBLAS setup: %s", cublasGetStatusString(bs));
    cudnnStatus_t ds = cudnnCreate(&c->cudnn);
    if (ds != CUDNN_STATUS_SUCCESS) {
        c->cudnn = NULL;
        UNAVAILABLE("cudnnCreate: %s", cudnnGetErrorString(ds));
    }
    if ((ds = cudnnSetStream(c->cudnn, c->stream)) != CUDNN_STATUS_SUCCESS)
        UNAVAILABLE("cudnnSetStream: %s", cudnnGetErrorString(ds));
    if ((e = cudaMalloc((void **)&c->scal_dev, 64)) != cudaSuccess ||
        (e = cudaHostAlloc(&c->scal_host, 64, cudaHostAllocDefault)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&c->stage_done, cudaEventDisableTiming)) != cudaSuccess)
        UNAVAILABLE("device setup: %s", cudaGetErrorString(e));
    pt_backend *be = calloc(1, sizeof *be);
    if (!be) UNAVAILABLE("out of memory");
    be->ops = &cuda_ops;
    be->threads = threads;
    be->impl = c;
    return be;
}

int pt_backend_cuda_info(const pt_backend *be, char *bus_id, size_t bus_len, char *desc, size_t desc_len) {
    if (!be || !be->impl || be->ops != &cuda_ops) return -1;
    const pt_cuda *c = be->impl;
    if (bus_id && bus_len) pt_strlcpy(bus_id, c->bus_id, bus_len);
    if (desc && desc_len)
        snprintf(desc, desc_len, "cuda:%d %s (sm_%d%d), cuDNN %zu, %s, cuDNN algorithms by %s%s", c->device,
                 c->gpu_name, c->cc_major, c->cc_minor, cudnnGetVersion(), c->tf32 ? "TF32 on" : "fp32 (TF32 off)",
                 c->find_algos ? "timing" : "heuristics", c->deterministic ? ", deterministic" : "");
    return c->device;
}
