/* cuda_conv.c -- convolution (2-D, and 1-D as h = 1) on cuDNN 9's legacy API:
 * cudnnConvolutionForward / BackwardData / BackwardFilter over NHWC tensors.
 *
 * Filters: cuDNN's fast NHWC kernels want NHWC filters ([oc][kh][kw][ic]); the
 * engine stores OIHW. The layer keeps an NHWC copy of the weights, redone
 * when the optimizer announces a change (conv_weights_changed) or a different
 * weight buffer is passed; weight gradients are computed in NHWC into a layer
 * buffer and reordered (with acc) into the OIHW gradient. When ic = 1 or the
 * kernel is 1x1 the two layouts are the same memory and no copy is made.
 *
 * Algorithms: per shape, once, either timed (cudnnFind*, the default; like
 * PyTorch's benchmark mode) or from cuDNN's heuristics (Get*_v7). Choices are
 * cached per backend by shape, so resnet18's repeated blocks are timed once.
 * Without TF32 the descriptors use CUDNN_FMA_MATH (plain fp32 FMA kernels:
 * what the comparison with ref needs); with TF32 each direction takes the
 * math type of the algorithm chosen for it. One workspace per backend, sized
 * to the largest chosen algorithm at init.
 *
 * The legacy convolution API is deprecated in cuDNN 9 (the graph API replaces
 * it) but complete and supported through 9.x; this file alone is compiled with
 * -Wno-deprecated-declarations (src/nn/cuda/cuda.cmake). */
#include "nn/cuda/cuda_internal.h"

#include <string.h>

#define WS_LIMIT ((size_t)2 << 30) /* no algorithm may ask for more workspace than this */

typedef struct {
    pt_conv_shape s;
    int tf32, find, det;
    cudnnConvolutionFwdAlgo_t fa;
    cudnnConvolutionBwdDataAlgo_t da;
    cudnnConvolutionBwdFilterAlgo_t wa;
    cudnnMathType_t fm, dm, wm;
} conv_choice;

typedef struct {
    conv_choice *v;
    int n, cap;
} conv_cache;

typedef struct {
    pt_conv_shape s;
    int same_layout;      /* ic == 1 or kh*kw == 1: OIHW and OHWI coincide */
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t fd, dd, bd; /* forward, backward data, backward filter */
    conv_choice ch;
    size_t fws, dws, wws;
    float *w_nhwc;        /* NHWC copy of the weights (NULL when same_layout) */
    const float *w_src;   /* the OIHW buffer it was made from */
    int w_dirty;
    float *dw_nhwc;       /* NHWC weight gradient (NULL when same_layout) */
} cuda_conv;

void pt_cuda_conv_cache_free(pt_cuda *c) {
    conv_cache *k = c->conv_cache;
    if (!k) return;
    free(k->v);
    free(k);
    c->conv_cache = NULL;
}

static const conv_choice *cache_find(pt_cuda *c, const conv_choice *key) {
    conv_cache *k = c->conv_cache;
    for (int i = 0; k && i < k->n; i++) {
        const conv_choice *e = &k->v[i];
        if (!memcmp(&e->s, &key->s, sizeof e->s) && e->tf32 == key->tf32 && e->find == key->find && e->det == key->det)
            return e;
    }
    return NULL;
}

static void cache_add(pt_cuda *c, const conv_choice *e) {
    conv_cache *k = c->conv_cache;
    if (!k && !(k = c->conv_cache = calloc(1, sizeof *k))) return;
    if (k->n == k->cap) {
        int cap = k->cap ? 2 * k->cap : 16;
        conv_choice *v = realloc(k->v, (size_t)cap * sizeof *v);
        if (!v) return; /* not cached: chosen again next time */
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = *e;
}

/* A result is usable: it ran, fits the workspace limit, is deterministic when
 * asked, and uses no tensor cores when TF32 is off. */
static int usable(const pt_cuda *c, cudnnStatus_t st, size_t mem, cudnnDeterminism_t det, cudnnMathType_t math) {
    if (st != CUDNN_STATUS_SUCCESS || mem > WS_LIMIT) return 0;
    if (c->deterministic && det != CUDNN_DETERMINISTIC) return 0;
    if (!c->tf32 && math != CUDNN_FMA_MATH && math != CUDNN_DEFAULT_MATH) return 0;
    return 1;
}

/* Picks the three algorithms (timed or heuristic). 0, or -1 when cuDNN offers
 * nothing usable for a direction. */
static int choose(pt_cuda *c, cuda_conv *v) {
    enum { N = 16 };
    int got = 0, i;
    cudnnConvolutionFwdAlgoPerf_t fp[N];
    if (c->find_algos)
        PT_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(c->cudnn, v->xd, v->wd, v->fd, v->yd, N, &got, fp));
    else
        PT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(c->cudnn, v->xd, v->wd, v->fd, v->yd, N, &got, fp));
    for (i = 0; i < got && !usable(c, fp[i].status, fp[i].memory, fp[i].determinism, fp[i].mathType); i++) {}
    if (i == got) return -1;
    v->ch.fa = fp[i].algo;
    v->ch.fm = fp[i].mathType;

    cudnnConvolutionBwdDataAlgoPerf_t dp[N];
    got = 0;
    if (c->find_algos)
        PT_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(c->cudnn, v->wd, v->yd, v->dd, v->xd, N, &got, dp));
    else
        PT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(c->cudnn, v->wd, v->yd, v->dd, v->xd, N, &got, dp));
    for (i = 0; i < got && !usable(c, dp[i].status, dp[i].memory, dp[i].determinism, dp[i].mathType); i++) {}
    if (i == got) return -1;
    v->ch.da = dp[i].algo;
    v->ch.dm = dp[i].mathType;

    cudnnConvolutionBwdFilterAlgoPerf_t wp[N];
    got = 0;
    if (c->find_algos)
        PT_CUDNN_CHECK(
            cudnnFindConvolutionBackwardFilterAlgorithm(c->cudnn, v->xd, v->yd, v->bd, v->wd, N, &got, wp));
    else
        PT_CUDNN_CHECK(
            cudnnGetConvolutionBackwardFilterAlgorithm_v7(c->cudnn, v->xd, v->yd, v->bd, v->wd, N, &got, wp));
    for (i = 0; i < got && !usable(c, wp[i].status, wp[i].memory, wp[i].determinism, wp[i].mathType); i++) {}
    if (i == got) return -1;
    v->ch.wa = wp[i].algo;
    v->ch.wm = wp[i].mathType;
    return 0;
}

static void conv_destroy(cuda_conv *v) {
    if (!v) return;
    if (v->xd) cudnnDestroyTensorDescriptor(v->xd);
    if (v->yd) cudnnDestroyTensorDescriptor(v->yd);
    if (v->wd) cudnnDestroyFilterDescriptor(v->wd);
    if (v->fd) cudnnDestroyConvolutionDescriptor(v->fd);
    if (v->dd) cudnnDestroyConvolutionDescriptor(v->dd);
    if (v->bd) cudnnDestroyConvolutionDescriptor(v->bd);
    if (v->w_nhwc) cudaFree(v->w_nhwc);
    if (v->dw_nhwc) cudaFree(v->dw_nhwc);
    free(v);
}

int pt_cuda_conv_init(pt_backend *be, void **state, const pt_conv_shape *s) {
    pt_cuda *c = pt_cuda_of(be);
    *state = NULL;
    cuda_conv *v = calloc(1, sizeof *v);
    if (!v) return -1;
    v->s = *s;
    v->same_layout = s->ic == 1 || s->kh * s->kw == 1;
    v->w_dirty = 1;
    PT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&v->xd));
    PT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&v->yd));
    PT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&v->wd));
    PT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&v->fd));
    PT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&v->dd));
    PT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&v->bd));
    /* (n, c, h, w) in that order whatever the memory format */
    PT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(v->xd, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, s->n, s->ic, s->ih, s->iw));
    PT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(v->yd, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, s->n, s->oc, s->oh, s->ow));
    PT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(v->wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, s->oc, s->ic, s->kh, s->kw));
    cudnnConvolutionDescriptor_t cds[3] = {v->fd, v->dd, v->bd};
    for (int k = 0; k < 3; k++) {
        PT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cds[k], s->ph, s->pw, s->sh, s->sw, 1, 1,
                                                       CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
        PT_CUDNN_CHECK(cudnnSetConvolutionMathType(cds[k], c->tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
    }
    int on, oc, oh, ow;
    PT_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(v->fd, v->xd, v->wd, &on, &oc, &oh, &ow));
    if (on != s->n || oc != s->oc || oh != s->oh || ow != s->ow) {
        fprintf(stderr, "cuda backend: conv: cuDNN's output %dx%dx%dx%d differs from the plan's %dx%dx%dx%d\n", on,
                oh, ow, oc, s->n, s->oh, s->ow, s->oc);
        conv_destroy(v);
        return -1;
    }
    v->ch.s = *s;
    v->ch.tf32 = c->tf32;
    v->ch.find = c->find_algos;
    v->ch.det = c->deterministic;
    const conv_choice *hit = cache_find(c, &v->ch);
    if (hit) {
        v->ch = *hit;
    } else {
        if (choose(c, v) != 0) {
            fprintf(stderr, "cuda backend: conv: cuDNN has no usable algorithm for %dx%dx%d -> %d, kernel %dx%d%s\n",
                    s->ih, s->iw, s->ic, s->oc, s->kh, s->kw, c->deterministic ? " (deterministic only)" : "");
            conv_destroy(v);
            return -1;
        }
        cache_add(c, &v->ch);
    }
    if (c->tf32) {
        PT_CUDNN_CHECK(cudnnSetConvolutionMathType(v->fd, v->ch.fm));
        PT_CUDNN_CHECK(cudnnSetConvolutionMathType(v->dd, v->ch.dm));
        PT_CUDNN_CHECK(cudnnSetConvolutionMathType(v->bd, v->ch.wm));
    }
    PT_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(c->cudnn, v->xd, v->wd, v->fd, v->yd, v->ch.fa, &v->fws));
    PT_CUDNN_CHECK(
        cudnnGetConvolutionBackwardDataWorkspaceSize(c->cudnn, v->wd, v->yd, v->dd, v->xd, v->ch.da, &v->dws));
    PT_CUDNN_CHECK(
        cudnnGetConvolutionBackwardFilterWorkspaceSize(c->cudnn, v->xd, v->yd, v->bd, v->wd, v->ch.wa, &v->wws));
    size_t ws = v->fws > v->dws ? v->fws : v->dws;
    if (v->wws > ws) ws = v->wws;
    if (ws) pt_cuda_buf_reserve(c, &c->work, ws);
    if (!v->same_layout) {
        size_t bytes = (size_t)s->oc * s->ic * s->kh * s->kw * sizeof(float);
        if (cudaMalloc((void **)&v->w_nhwc, bytes) != cudaSuccess ||
            cudaMalloc((void **)&v->dw_nhwc, bytes) != cudaSuccess) {
            (void)cudaGetLastError();
            conv_destroy(v);
            return -1;
        }
    }
    *state = v;
    return 0;
}

void pt_cuda_conv_free(pt_backend *be, void *state) {
    if (!state) return;
    PT_CU_CHECK(cudaStreamSynchronize(pt_cuda_of(be)->stream));
    conv_destroy(state);
}

void pt_cuda_conv_weights_changed(pt_backend *be, void *state) {
    (void)be;
    cuda_conv *v = state;
    if (v) v->w_dirty = 1;
}

/* the NHWC weights for w (reordered when w changed or is another buffer) */
static const float *nhwc_weights(pt_cuda *c, cuda_conv *v, const float *w) {
    if (v->same_layout) return w;
    if (v->w_dirty || v->w_src != w) {
        PT_CU_CHECK(pt_cuk_oihw_to_ohwi(c->stream, v->s.oc, v->s.ic, v->s.kh * v->s.kw, w, v->w_nhwc));
        v->w_src = w;
        v->w_dirty = 0;
    }
    return v->w_nhwc;
}

static const float one = 1.0f, zero = 0.0f;

void pt_cuda_conv_forward(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                          const float *b, float *y) {
    pt_cuda *c = pt_cuda_of(be);
    cuda_conv *v = state;
    const float *wn = nhwc_weights(c, v, w);
    PT_CUDNN_CHECK(cudnnConvolutionForward(c->cudnn, &one, v->xd, x, v->wd, wn, v->fd, v->ch.fa, c->work.p, v->fws,
                                           &zero, v->yd, y));
    if (b) PT_CU_CHECK(pt_cuk_bias_add(c->stream, s->n * s->oh * s->ow, s->oc, b, y));
}

void pt_cuda_conv_backward_data(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                                const float *w, float *dx, int acc) {
    (void)s;
    pt_cuda *c = pt_cuda_of(be);
    cuda_conv *v = state;
    const float *wn = nhwc_weights(c, v, w);
    PT_CUDNN_CHECK(cudnnConvolutionBackwardData(c->cudnn, &one, v->wd, wn, v->yd, dy, v->dd, v->ch.da, c->work.p,
                                                v->dws, acc ? &one : &zero, v->xd, dx));
}

void pt_cuda_conv_backward_weights(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                   const float *dy, float *dw, float *db, int acc) {
    pt_cuda *c = pt_cuda_of(be);
    cuda_conv *v = state;
    if (v->same_layout) {
        PT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(c->cudnn, &one, v->xd, x, v->yd, dy, v->bd, v->ch.wa,
                                                      c->work.p, v->wws, acc ? &one : &zero, v->wd, dw));
    } else {
        PT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(c->cudnn, &one, v->xd, x, v->yd, dy, v->bd, v->ch.wa,
                                                      c->work.p, v->wws, &zero, v->wd, v->dw_nhwc));
        PT_CU_CHECK(pt_cuk_ohwi_to_oihw(c->stream, s->oc, s->ic, s->kh * s->kw, v->dw_nhwc, dw, acc));
    }
    if (db) {
        int rows = s->n * s->oh * s->ow;
        void *part = pt_cuda_buf_reserve(c, &c->red, pt_cuk_reduce_scratch(rows, s->oc));
        PT_CU_CHECK(pt_cuk_colsum(c->stream, rows, s->oc, dy, db, acc, part));
    }
}
