/* cpu_pool.c -- max pooling (NWC / NHWC in place, no reorders).
 * Non-overlapping windows without padding (stride = kernel, the models' 2x2 /
 * 2 pools) run our own loops: oneDNN 2.6's channels-last max pooling is several
 * times slower than a pass over memory there. They keep no workspace: backward
 * finds each window's maximum again (the first position whose x equals y, as
 * the forward's first strict maximum, and ref's) and writes every dx element
 * once (no zeroing pass, no scratch for acc). Other shapes run oneDNN's
 * primitive as forward_training and keep its workspace (x and y unused there).
 * Padding, where set, never wins the max (as in ref). */
#include "nn/cpu/cpu_internal.h"

#include <omp.h>
#include <string.h>

typedef struct {
    pt_dnnl_ctx ctx;
    dnnl_memory_desc_t x_md, y_md;
    dnnl_primitive_desc_t fwd_pd, bwd_pd;
    dnnl_primitive_t fwd, bwd;
    dnnl_memory_t m_x, m_y, m_ws;
    float *dx_buf; /* acc = 1 */
    size_t nx;
    int own;          /* own loops (non-overlapping windows, no padding) */
} pool_state;

static int own_fits(const pt_pool_shape *s) {
    return s->sh == s->kh && s->sw == s->kw && s->ph == 0 && s->pw == 0 && s->kh * s->kw <= 255 && s->oh >= 1 &&
           s->ow >= 1 && s->oh * s->kh <= s->ih && s->ow * s->kw <= s->iw;
}

int pt_cpu_maxpool_init(pt_backend *be, void **state, const pt_pool_shape *s) {
    *state = NULL;
    pool_state *st = calloc(1, sizeof *st);
    if (!st) return -1;
    st->nx = (size_t)s->n * s->ih * s->iw * s->c;
    if (own_fits(s)) {
        st->own = 1;
        *state = st;
        return 0;
    }
    pt_dnnl_ctx_init(&st->ctx);
    dnnl_dims_t strides = {0}, kernel = {0}, pad_l = {0}, pad_r = {0};
    int nd = (s->ih == 1 && s->kh == 1 && s->sh == 1 && s->ph == 0 && s->oh == 1) ? 3 : 4;
    if (nd == 3) {
        dnnl_dim_t xd[3] = {s->n, s->c, s->iw}, yd[3] = {s->n, s->c, s->ow};
        pt_dnnl_md(&st->x_md, 3, xd, dnnl_nwc);
        pt_dnnl_md(&st->y_md, 3, yd, dnnl_nwc);
        strides[0] = s->sw;
        kernel[0] = s->kw;
        pad_l[0] = pad_r[0] = s->pw;
    } else {
        dnnl_dim_t xd[4] = {s->n, s->c, s->ih, s->iw}, yd[4] = {s->n, s->c, s->oh, s->ow};
        pt_dnnl_md(&st->x_md, 4, xd, dnnl_nhwc);
        pt_dnnl_md(&st->y_md, 4, yd, dnnl_nhwc);
        strides[0] = s->sh;
        strides[1] = s->sw;
        kernel[0] = s->kh;
        kernel[1] = s->kw;
        pad_l[0] = pad_r[0] = s->ph;
        pad_l[1] = pad_r[1] = s->pw;
    }
    dnnl_pooling_desc_t fd, bd;
    dnnl_status_t rc = dnnl_pooling_forward_desc_init(&fd, dnnl_forward_training, dnnl_pooling_max, &st->x_md,
                                                      &st->y_md, strides, kernel, pad_l, pad_r);
    if (rc == dnnl_success) rc = dnnl_primitive_desc_create(&st->fwd_pd, &fd, NULL, st->ctx.eng, NULL);
    if (rc != dnnl_success) {
        fprintf(stderr, "cpu maxpool: descriptor refused (%s) for n=%d ih=%d iw=%d c=%d k=%dx%d s=%dx%d p=%dx%d\n",
                dnnl_status2str(rc), s->n, s->ih, s->iw, s->c, s->kh, s->kw, s->sh, s->sw, s->ph, s->pw);
        st->fwd_pd = NULL;
        pt_cpu_maxpool_free(be, st);
        return -1;
    }
    PT_DNNL_CHECK(dnnl_primitive_create(&st->fwd, st->fwd_pd));
    PT_DNNL_CHECK(dnnl_pooling_backward_desc_init(&bd, dnnl_pooling_max, &st->x_md, &st->y_md, strides, kernel,
                                                  pad_l, pad_r));
    PT_DNNL_CHECK(dnnl_primitive_desc_create(&st->bwd_pd, &bd, NULL, st->ctx.eng, st->fwd_pd));
    PT_DNNL_CHECK(dnnl_primitive_create(&st->bwd, st->bwd_pd));
    const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(st->fwd_pd, dnnl_query_workspace_md, 0);
    PT_DNNL_CHECK(dnnl_memory_create(&st->m_ws, ws, st->ctx.eng, DNNL_MEMORY_ALLOCATE));
    st->m_x = pt_dnnl_mem_none(&st->ctx, &st->x_md);
    st->m_y = pt_dnnl_mem_none(&st->ctx, &st->y_md);
    *state = st;
    return 0;
}

void pt_cpu_maxpool_free(pt_backend *be, void *state) {
    (void)be;
    pool_state *st = state;
    if (!st) return;
    if (st->fwd) PT_DNNL_CHECK(dnnl_primitive_destroy(st->fwd));
    if (st->bwd) PT_DNNL_CHECK(dnnl_primitive_destroy(st->bwd));
    if (st->fwd_pd) PT_DNNL_CHECK(dnnl_primitive_desc_destroy(st->fwd_pd));
    if (st->bwd_pd) PT_DNNL_CHECK(dnnl_primitive_desc_destroy(st->bwd_pd));
    if (st->m_x) PT_DNNL_CHECK(dnnl_memory_destroy(st->m_x));
    if (st->m_y) PT_DNNL_CHECK(dnnl_memory_destroy(st->m_y));
    if (st->m_ws) PT_DNNL_CHECK(dnnl_memory_destroy(st->m_ws));
    free(st->dx_buf);
    pt_dnnl_ctx_free(&st->ctx);
    free(st);
}

void pt_cpu_maxpool_forward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x, float *y) {
    pool_state *st = state;
    if (st->own) {
        pt_cpu_kern(be)->pool_own_forward(pt_cpu_threads(be), s, x, y, st->nx);
        return;
    }
    pt_dnnl_set(st->m_x, x);
    pt_dnnl_set(st->m_y, y);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, st->m_x}, {DNNL_ARG_DST, st->m_y}, {DNNL_ARG_WORKSPACE, st->m_ws}};
    pt_dnnl_exec(be, &st->ctx, st->fwd, 3, args);
}

/* dx (+)= scatter of dy to the argmax positions of the last forward */
void pt_cpu_maxpool_backward(pt_backend *be, void *state, const pt_pool_shape *s, const float *x,
                             const float *y, const float *dy, float *dx, int acc) {
    pool_state *st = state;
    if (st->own) {
        pt_cpu_kern(be)->pool_own_backward(pt_cpu_threads(be), s, x, y, dy, dx, st->nx, acc);
        return;
    }
    if (acc && !st->dx_buf) st->dx_buf = pt_cpu_scratch_alloc(st->nx * sizeof(float));
    pt_dnnl_set(st->m_y, dy);
    pt_dnnl_set(st->m_x, acc ? st->dx_buf : dx);
    dnnl_exec_arg_t args[3] = {
        {DNNL_ARG_DIFF_DST, st->m_y}, {DNNL_ARG_WORKSPACE, st->m_ws}, {DNNL_ARG_DIFF_SRC, st->m_x}};
    pt_dnnl_exec(be, &st->ctx, st->bwd, 3, args);
    if (acc) pt_cpu_accumulate(be, st->nx, st->dx_buf, dx, 1);
}
