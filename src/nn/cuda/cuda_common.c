/* cuda_common.c -- the pieces every file of the `cuda` backend uses: the fatal
 * report of a failing CUDA / cuBLAS / cuDNN call inside an op, and the
 * grow-only device buffers (declared in cuda_common.h). */
#include "nn/cuda/cuda_common.h"

void pt_cuda_fatal(const char *file, int line, const char *call, const char *what) {
    fprintf(stderr, "%s:%d: cuda backend: %s failed: %s\n", file, line, call, what ? what : "unknown error");
    abort();
}

void *pt_cuda_buf_reserve(pt_cuda *c, pt_cuda_buf *b, size_t bytes) {
    if (bytes <= b->size && b->p) return b->p;
    size_t sz = bytes < 4096 ? 4096 : bytes + bytes / 4; /* headroom against creeping growth */
    if (b->p) {
        PT_CU_CHECK(cudaStreamSynchronize(c->stream));
        PT_CU_CHECK(cudaFree(b->p));
        b->p = NULL;
        b->size = 0;
    }
    PT_CU_CHECK(cudaMalloc(&b->p, sz));
    b->size = sz;
    return b->p;
}
