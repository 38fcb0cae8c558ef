/* cpu_conv.c -- convolution on oneDNN: per-layer state with cached primitives.
 *
 * Activations keep the user layout (NWC / NHWC memory descs on src and dst, so
 * no activation is ever reordered); weights are `format_tag_any`, so oneDNN
 * picks its preferred (often blocked) layout per direction. The plain OIHW
 * weights are reordered into that layout once and reused until
 * conv_weights_changed (or a different weight pointer) invalidates the copy.
 * Directions whose preferred layouts coincide share one copy.
 *
 * Primitives are built lazily on first use (a frozen layer never builds its
 * weight-gradient primitive); the forward descriptor without bias is built at
 * init: it validates the shape and serves as the backward primitives' hint.
 * A 1-D layer (h = 1 everywhere) uses 1-D descriptors (NWC, OIW). */
#include "nn/cpu/cpu_internal.h"

#include <omp.h>
#include <string.h>

/* A copy of the weights in one primitive's preferred layout. */
typedef struct {
    int used;
    int plain; /* the layout is the user's OIHW: no copy, w is used directly */
    dnnl_memory_desc_t md;
    float *buf;
    dnnl_memory_t mem;        /* over buf */
    dnnl_primitive_t reorder; /* user OIHW -> md */
    const float *src;         /* the user buffer last reordered */
    int valid;
} wcache;

typedef struct {
    pt_dnnl_ctx ctx;
    pt_conv_shape s;
    int nd; /* 3 (1-D) or 4 (2-D) */
    dnnl_memory_desc_t x_md, y_md, w_md, b_md, w_any;
    dnnl_dims_t strides, pad_l, pad_r;
    /* user-layout memory objects; their handles are set per call */
    dnnl_memory_t m_x, m_y, m_w, m_b;

    /* forward, [has bias] */
    dnnl_primitive_desc_t fwd_pd[2];
    dnnl_primitive_t fwd[2];
    wcache *fwd_wc[2];

    /* backward data */
    dnnl_primitive_desc_t bwd_d_pd;
    dnnl_primitive_t bwd_d;
    wcache *bwd_d_wc;
    float *dx_buf; /* acc = 1: computed here, then added */

    /* backward weights, [has bias] */
    dnnl_primitive_desc_t bwd_w_pd[2];
    dnnl_primitive_t bwd_w[2];
    dnnl_memory_desc_t dw_md[2];
    int dw_plain[2];
    float *dw_buf[2];
    dnnl_memory_t m_dw[2];
    dnnl_primitive_t dw_reorder[2][2]; /* [has bias][acc]: internal -> user OIHW */
    float *db_buf;                     /* acc = 1 */
    int bw_own;                        /* backward weights by im2col + sgemm (see bwd_w_build) */
    float *col;                        /* bw_own: [chunk rows][kh][kw][ic] */
    float *dwt;                        /* bw_own: [oc][kh][kw][ic], the sgemm's result */

    wcache wc[4];
} conv_state;

static size_t shape_x(const pt_conv_shape *s) { return (size_t)s->n * s->ih * s->iw * s->ic; }
static size_t shape_w(const pt_conv_shape *s) { return (size_t)s->oc * s->ic * s->kh * s->kw; }

/* A memory object with its own buffer (md may be blocked). */
static dnnl_memory_t mem_owned(conv_state *st, const dnnl_memory_desc_t *md, float **buf) {
    size_t bytes = dnnl_memory_desc_get_size(md);
    *buf = pt_cpu_scratch_alloc(bytes);
    dnnl_memory_t m = NULL;
    PT_DNNL_CHECK(dnnl_memory_create(&m, md, st->ctx.eng, *buf));
    return m;
}

static dnnl_primitive_t reorder_create(conv_state *st, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                       int sum) {
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    if (sum) {
        PT_DNNL_CHECK(dnnl_primitive_attr_create(&attr));
        PT_DNNL_CHECK(dnnl_post_ops_create(&po));
        PT_DNNL_CHECK(dnnl_post_ops_append_sum(po, 1.0f));
        PT_DNNL_CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
    }
    dnnl_primitive_desc_t pd = NULL;
    PT_DNNL_CHECK(dnnl_reorder_primitive_desc_create(&pd, from, st->ctx.eng, to, st->ctx.eng, attr));
    dnnl_primitive_t p = NULL;
    PT_DNNL_CHECK(dnnl_primitive_create(&p, pd));
    PT_DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
    if (po) PT_DNNL_CHECK(dnnl_post_ops_destroy(po));
    if (attr) PT_DNNL_CHECK(dnnl_primitive_attr_destroy(attr));
    return p;
}

/* The weight copy for a primitive whose weights desc is md (shared when equal). */
static wcache *wcache_for(conv_state *st, const dnnl_memory_desc_t *md) {
    for (size_t i = 0; i < sizeof st->wc / sizeof st->wc[0]; i++)
        if (st->wc[i].used && dnnl_memory_desc_equal(&st->wc[i].md, md)) return &st->wc[i];
    for (size_t i = 0; i < sizeof st->wc / sizeof st->wc[0]; i++) {
        wcache *c = &st->wc[i];
        if (c->used) continue;
        c->used = 1;
        c->md = *md;
        c->plain = dnnl_memory_desc_equal(md, &st->w_md);
        if (!c->plain) {
            c->mem = mem_owned(st, md, &c->buf);
            c->reorder = reorder_create(st, &st->w_md, md, 0);
        }
        return c;
    }
    fprintf(stderr, "%s:%d: cpu conv: weight cache full\n", __FILE__, __LINE__);
    abort();
}

/* The memory to pass as DNNL_ARG_WEIGHTS: the user's, or a fresh-enough copy. */
static dnnl_memory_t wcache_use(pt_backend *be, conv_state *st, wcache *c, const float *w) {
    pt_dnnl_set(st->m_w, w);
    if (c->plain) return st->m_w;
    if (!c->valid || c->src != w) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, st->m_w}, {DNNL_ARG_TO, c->mem}};
        pt_dnnl_exec(be, &st->ctx, c->reorder, 2, args);
        c->valid = 1;
        c->src = w;
    }
    return c->mem;
}

static int fwd_pd_create(conv_state *st, int hb, dnnl_primitive_desc_t *pd) {
    dnnl_convolution_desc_t cd;
    dnnl_status_t rc = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training, dnnl_convolution_direct,
                                                          &st->x_md, &st->w_any, hb ? &st->b_md : NULL,
                                                          &st->y_md, st->strides, st->pad_l, st->pad_r);
    if (rc == dnnl_success) rc = dnnl_primitive_desc_create(pd, &cd, NULL, st->ctx.eng, NULL);
    if (rc != dnnl_success) {
        fprintf(stderr, "cpu conv: forward descriptor refused (%s) for n=%d ih=%d iw=%d ic=%d oc=%d k=%dx%d "
                        "s=%dx%d p=%dx%d o=%dx%d\n",
                dnnl_status2str(rc), st->s.n, st->s.ih, st->s.iw, st->s.ic, st->s.oc, st->s.kh, st->s.kw,
                st->s.sh, st->s.sw, st->s.ph, st->s.pw, st->s.oh, st->s.ow);
        *pd = NULL;
        return -1;
    }
    return 0;
}

static void fwd_build(conv_state *st, int hb) {
    if (st->fwd[hb]) return;
    if (!st->fwd_pd[hb] && fwd_pd_create(st, hb, &st->fwd_pd[hb]) != 0) abort();
    PT_DNNL_CHECK(dnnl_primitive_create(&st->fwd[hb], st->fwd_pd[hb]));
    st->fwd_wc[hb] = wcache_for(st, dnnl_primitive_desc_query_md(st->fwd_pd[hb], dnnl_query_weights_md, 0));
}

static void bwd_d_build(conv_state *st) {
    if (st->bwd_d) return;
    dnnl_convolution_desc_t cd;
    PT_DNNL_CHECK(dnnl_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &st->x_md, &st->w_any,
                                                           &st->y_md, st->strides, st->pad_l, st->pad_r));
    PT_DNNL_CHECK(dnnl_primitive_desc_create(&st->bwd_d_pd, &cd, NULL, st->ctx.eng, st->fwd_pd[0]));
    PT_DNNL_CHECK(dnnl_primitive_create(&st->bwd_d, st->bwd_d_pd));
    st->bwd_d_wc = wcache_for(st, dnnl_primitive_desc_query_md(st->bwd_d_pd, dnnl_query_weights_md, 0));
}

static int impl_is_gemm(const_dnnl_primitive_desc_t pd) {
    const char *impl = NULL;
    PT_DNNL_CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    return impl && strstr(impl, "gemm") != NULL;
}

/* Backward weights. For some channels-last shapes oneDNN 2.6 has no direct
 * kernel and falls back to its gemm implementation, which is slow on small
 * maps (resnet18's 512 -> 512 3x3 on 2x2: ~100 ms at batch 64 on 2 cores).
 * There we do it ourselves: im2col rows [kh][kw][ic] in chunks of ~4 MiB,
 * one sgemm dy^T . col per chunk summing into [oc][kh][kw][ic], transposed
 * into the user's OIHW at the end. 1-D layers take
 * the same path: on pamap2_cnn's NWC convolutions it is twice as fast as
 * oneDNN's direct kernel (72 -> 36 ms per step at batch 256, 2 threads); on
 * the 2-D models' NHWC layers oneDNN's direct kernel stays ahead. */
static void bwd_w_build(conv_state *st, int hb) {
    if (st->bwd_w[hb]) return;
    dnnl_convolution_desc_t cd;
    PT_DNNL_CHECK(dnnl_convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &st->x_md, &st->w_any,
                                                              hb ? &st->b_md : NULL, &st->y_md, st->strides,
                                                              st->pad_l, st->pad_r));
    if (hb && !st->fwd_pd[1] && fwd_pd_create(st, 1, &st->fwd_pd[1]) != 0) abort();
    PT_DNNL_CHECK(dnnl_primitive_desc_create(&st->bwd_w_pd[hb], &cd, NULL, st->ctx.eng, st->fwd_pd[hb]));
    PT_DNNL_CHECK(dnnl_primitive_create(&st->bwd_w[hb], st->bwd_w_pd[hb]));
    if (st->nd == 3 || impl_is_gemm(st->bwd_w_pd[hb])) st->bw_own = 1;
    st->dw_md[hb] = *dnnl_primitive_desc_query_md(st->bwd_w_pd[hb], dnnl_query_diff_weights_md, 0);
    st->dw_plain[hb] = dnnl_memory_desc_equal(&st->dw_md[hb], &st->w_md);
    st->m_dw[hb] = mem_owned(st, &st->dw_md[hb], &st->dw_buf[hb]);
    if (!st->dw_plain[hb]) {
        st->dw_reorder[hb][0] = reorder_create(st, &st->dw_md[hb], &st->w_md, 0);
        st->dw_reorder[hb][1] = reorder_create(st, &st->dw_md[hb], &st->w_md, 1);
    }
}

int pt_cpu_conv_init(pt_backend *be, void **state, const pt_conv_shape *s) {
    (void)be;
    *state = NULL;
    conv_state *st = calloc(1, sizeof *st);
    if (!st) return -1;
    st->s = *s;
    st->nd = (s->ih == 1 && s->kh == 1 && s->sh == 1 && s->ph == 0 && s->oh == 1) ? 3 : 4;
    pt_dnnl_ctx_init(&st->ctx);
    if (st->nd == 3) {
        dnnl_dim_t xd[3] = {s->n, s->ic, s->iw}, yd[3] = {s->n, s->oc, s->ow}, wd[3] = {s->oc, s->ic, s->kw};
        pt_dnnl_md(&st->x_md, 3, xd, dnnl_nwc);
        pt_dnnl_md(&st->y_md, 3, yd, dnnl_nwc);
        pt_dnnl_md(&st->w_md, 3, wd, dnnl_oiw);
        pt_dnnl_md(&st->w_any, 3, wd, dnnl_format_tag_any);
        st->strides[0] = s->sw;
        st->pad_l[0] = st->pad_r[0] = s->pw;
    } else {
        dnnl_dim_t xd[4] = {s->n, s->ic, s->ih, s->iw}, yd[4] = {s->n, s->oc, s->oh, s->ow},
                   wd[4] = {s->oc, s->ic, s->kh, s->kw};
        pt_dnnl_md(&st->x_md, 4, xd, dnnl_nhwc);
        pt_dnnl_md(&st->y_md, 4, yd, dnnl_nhwc);
        pt_dnnl_md(&st->w_md, 4, wd, dnnl_oihw);
        pt_dnnl_md(&st->w_any, 4, wd, dnnl_format_tag_any);
        st->strides[0] = s->sh;
        st->strides[1] = s->sw;
        st->pad_l[0] = st->pad_r[0] = s->ph;
        st->pad_l[1] = st->pad_r[1] = s->pw;
    }
    dnnl_dim_t bd[1] = {s->oc};
    pt_dnnl_md(&st->b_md, 1, bd, dnnl_a);
    if (fwd_pd_create(st, 0, &st->fwd_pd[0]) != 0) {
        pt_cpu_conv_free(be, st);
        return -1;
    }
    st->m_x = pt_dnnl_mem_none(&st->ctx, &st->x_md);
    st->m_y = pt_dnnl_mem_none(&st->ctx, &st->y_md);
    st->m_w = pt_dnnl_mem_none(&st->ctx, &st->w_md);
    st->m_b = pt_dnnl_mem_none(&st->ctx, &st->b_md);
    *state = st;
    return 0;
}

static void prim_free(dnnl_primitive_t p) {
    if (p) PT_DNNL_CHECK(dnnl_primitive_destroy(p));
}
static void pd_free(dnnl_primitive_desc_t pd) {
    if (pd) PT_DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
}
static void mem_free(dnnl_memory_t m) {
    if (m) PT_DNNL_CHECK(dnnl_memory_destroy(m));
}

void pt_cpu_conv_free(pt_backend *be, void *state) {
    (void)be;
    conv_state *st = state;
    if (!st) return;
    for (int hb = 0; hb < 2; hb++) {
        prim_free(st->fwd[hb]);
        pd_free(st->fwd_pd[hb]);
        prim_free(st->bwd_w[hb]);
        pd_free(st->bwd_w_pd[hb]);
        prim_free(st->dw_reorder[hb][0]);
        prim_free(st->dw_reorder[hb][1]);
        mem_free(st->m_dw[hb]);
        free(st->dw_buf[hb]);
    }
    prim_free(st->bwd_d);
    pd_free(st->bwd_d_pd);
    for (size_t i = 0; i < sizeof st->wc / sizeof st->wc[0]; i++) {
        prim_free(st->wc[i].reorder);
        mem_free(st->wc[i].mem);
        free(st->wc[i].buf);
    }
    mem_free(st->m_x);
    mem_free(st->m_y);
    mem_free(st->m_w);
    mem_free(st->m_b);
    free(st->dx_buf);
    free(st->db_buf);
    free(st->col);
    free(st->dwt);
    pt_dnnl_ctx_free(&st->ctx);
    free(st);
}

void pt_cpu_conv_weights_changed(pt_backend *be, void *state) {
    (void)be;
    conv_state *st = state;
    for (size_t i = 0; i < sizeof st->wc / sizeof st->wc[0]; i++) st->wc[i].valid = 0;
}

/* y[n][oh][ow][oc] = conv(x[n][ih][iw][ic], w[oc][ic][kh][kw]) + b[oc] */
void pt_cpu_conv_forward(pt_backend *be, void *state, const pt_conv_shape *s, const float *x, const float *w,
                         const float *b, float *y) {
    (void)s;
    conv_state *st = state;
    int hb = b != NULL;
    fwd_build(st, hb);
    dnnl_memory_t mw = wcache_use(be, st, st->fwd_wc[hb], w);
    pt_dnnl_set(st->m_x, x);
    pt_dnnl_set(st->m_y, y);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, st->m_x}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, st->m_y}};
    int nargs = 3;
    if (hb) {
        pt_dnnl_set(st->m_b, b);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, st->m_b};
    }
    pt_dnnl_exec(be, &st->ctx, st->fwd[hb], nargs, args);
}

/* dx[n][ih][iw][ic] (+)= conv^T(dy, w) */
void pt_cpu_conv_backward_data(pt_backend *be, void *state, const pt_conv_shape *s, const float *dy,
                               const float *w, float *dx, int acc) {
    conv_state *st = state;
    bwd_d_build(st);
    dnnl_memory_t mw = wcache_use(be, st, st->bwd_d_wc, w);
    if (acc && !st->dx_buf) st->dx_buf = pt_cpu_scratch_alloc(shape_x(s) * sizeof(float));
    pt_dnnl_set(st->m_y, dy);
    pt_dnnl_set(st->m_x, acc ? st->dx_buf : dx);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_DIFF_DST, st->m_y}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, st->m_x}};
    pt_dnnl_exec(be, &st->ctx, st->bwd_d, 3, args);
    if (acc) pt_cpu_accumulate(be, shape_x(s), st->dx_buf, dx, 1);
}

/* bw_own's im2col row r: col[r][ky][kx][ic] = x at output position r's window
 * (0 in padding). Channels-last input makes each tap ic contiguous floats, and
 * a stride-1 row of taps inside the image kw * ic of them: plain copies, no
 * strided stores (the [ic][ky][kx] order took 12% of a pamap2_cnn step). */
static void im2col_row(const pt_conv_shape *s, const float *x, int r, float *restrict cr) {
    int n = r / (s->oh * s->ow), o = r % (s->oh * s->ow), oy = o / s->ow, ox = o % s->ow;
    size_t ic = (size_t)s->ic, row = (size_t)s->kw * ic;
    int ix0 = ox * s->sw - s->pw;
    for (int ky = 0; ky < s->kh; ky++, cr += row) {
        int iy = oy * s->sh - s->ph + ky;
        if (iy < 0 || iy >= s->ih) {
            memset(cr, 0, row * sizeof *cr);
            continue;
        }
        const float *xr = x + ((size_t)n * s->ih + iy) * s->iw * ic;
        if (ix0 >= 0 && ix0 + s->kw <= s->iw) {
            memcpy(cr, xr + (size_t)ix0 * ic, row * sizeof *cr);
            continue;
        }
        for (int kx = 0; kx < s->kw; kx++) {
            int ix = ix0 + kx;
            if (ix < 0 || ix >= s->iw) memset(cr + kx * ic, 0, ic * sizeof *cr);
            else memcpy(cr + kx * ic, xr + (size_t)ix * ic, ic * sizeof *cr);
        }
    }
}

/* bw_own's im2col rows per sgemm: about `bytes` of col (at least one row),
 * so the buffer stays in cache between its writing and the sgemm's reading
 * and does not grow with the batch (pamap2_cnn at batch 4096: 587 MB for the
 * first layer's whole col) */
static int bw_chunk_rows(const pt_conv_shape *s, size_t bytes) {
    size_t K = (size_t)s->ic * s->kh * s->kw, rows = (size_t)s->n * s->oh * s->ow;
    size_t c = bytes / sizeof(float) / K;
    if (c < 1) c = 1;
    return (int)(c < rows ? c : rows);
}

/* dw[oc][ic][kh][kw] (+)= sum over the nt partials dwt[t][oc][kh][kw][ic]
 * (the transpose back into OIHW); db[oc] (+)= sum of the nt partials dbt[t] */
static void bw_own_reduce(const pt_conv_shape *s, int nt, const float *dwt, const float *dbt, float *dw, float *db,
                          int acc) {
    int kk = s->kh * s->kw, K = s->ic * kk;
    size_t part = (size_t)s->oc * K;
    for (int o = 0; o < s->oc; o++) {
        float *restrict d = dw + (size_t)o * K;
        for (int i = 0; i < s->ic; i++)
            for (int k = 0; k < kk; k++) {
                float v = acc ? d[i * kk + k] : 0.0f;
                for (int t = 0; t < nt; t++) v += dwt[t * part + (size_t)o * K + (size_t)k * s->ic + i];
                d[i * kk + k] = v;
            }
    }
    for (int c = 0; db && c < s->oc; c++) {
        float v = acc ? db[c] : 0.0f;
        for (int t = 0; t < nt; t++) v += dbt[(size_t)t * s->oc + c];
        db[c] = v;
    }
}

/* db[oc] += the sum of dy's rows [r0, r1) */
static void bias_sum_rows(const pt_conv_shape *s, const float *dy, int r0, int r1, float *db) {
    for (int r = r0; r < r1; r++) {
        const float *restrict d = dy + (size_t)r * s->oc;
#pragma omp simd
        for (int c = 0; c < s->oc; c++) db[c] += d[c];
    }
}

/* One thread's share of bw_own: rows [lo, hi) in chunks of `chunk`, im2col
 * then a one-thread sgemm dwt[oc][K] (+)= dy^T . col, and dbt[oc] = the sum
 * of its dy rows (read while the sgemm left them in cache) */
static void bw_own_rows(const pt_conv_shape *s, const float *x, const float *dy, int lo, int hi, int chunk,
                        float *col, float *dwt, float *dbt) {
    int K = s->ic * s->kh * s->kw;
    if (dbt) memset(dbt, 0, (size_t)s->oc * sizeof *dbt);
    if (lo >= hi) memset(dwt, 0, (size_t)s->oc * K * sizeof *dwt);
    for (int r0 = lo; r0 < hi; r0 += chunk) {
        int nr = hi - r0 < chunk ? hi - r0 : chunk;
        for (int r = 0; r < nr; r++) im2col_row(s, x, r0 + r, col + (size_t)r * K);
        PT_DNNL_CHECK(dnnl_sgemm('T', 'N', s->oc, K, nr, 1.0f, dy + (size_t)r0 * s->oc, s->oc, col, K,
                                 r0 > lo ? 1.0f : 0.0f, dwt, K));
        if (dbt) bias_sum_rows(s, dy, r0, r0 + nr, dbt);
    }
}

/* bw_own: col as above, dwt[oc][kh*kw*ic] = dy^T[oc][rows] . col[rows][kh*kw*ic],
 * then dw[oc][ic][kh][kw] (+)= dwt transposed per output channel.
 * Many rows (1-D layers: n * ow of them against K = kw * ic columns): each
 * thread takes a contiguous share of the rows with its own col chunk (~1 MiB,
 * its L2) and partial dwt, one parallel region and no barrier inside (was: a
 * threaded sgemm per 4 MiB chunk, and db summed on one thread; the other
 * thread waited 12% of a pamap2_cnn step at batch 4096). Few rows and a large
 * dwt (resnet18's 512 -> 512 3x3 on 2x2: 256 rows, K = 4608): one threaded
 * sgemm per chunk, as partials would cost more than they save. */
static void bwd_w_own(pt_backend *be, conv_state *st, const pt_conv_shape *s, const float *x, const float *dy,
                      float *dw, float *db, int acc) {
    int rows = s->n * s->oh * s->ow, K = s->ic * s->kh * s->kw;
    int nt = pt_cpu_threads(be), split = nt > 1 && rows >= 8 * K;
    int parts = split ? nt : 1, chunk = bw_chunk_rows(s, split ? (size_t)1 << 20 : (size_t)4 << 20);
    if (!st->col) st->col = pt_cpu_scratch_alloc((size_t)parts * chunk * K * sizeof(float));
    if (!st->dwt) st->dwt = pt_cpu_scratch_alloc((size_t)parts * (s->oc * (size_t)K + s->oc) * sizeof(float));
    float *dwt = st->dwt, *dbt = db ? dwt + (size_t)parts * s->oc * K : NULL;
    if (split) {
#pragma omp parallel num_threads(nt)
        {
            int t = omp_get_thread_num(), T = omp_get_num_threads();
            for (int p = t; p < parts; p += T) /* every part done whatever threads the runtime gave */
                bw_own_rows(s, x, dy, (int)((long long)rows * p / parts), (int)((long long)rows * (p + 1) / parts),
                            chunk, st->col + (size_t)p * chunk * K, dwt + (size_t)p * s->oc * K,
                            dbt ? dbt + (size_t)p * s->oc : NULL);
        }
    } else {
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int nr = rows - r0 < chunk ? rows - r0 : chunk;
#pragma omp parallel for schedule(static) num_threads(nt) if ((size_t)nr * K >= ((size_t)1 << 15))
            for (int r = 0; r < nr; r++) im2col_row(s, x, r0 + r, st->col + (size_t)r * K);
            pt_cpu_set_threads(be);
            PT_DNNL_CHECK(dnnl_sgemm('T', 'N', s->oc, K, nr, 1.0f, dy + (size_t)r0 * s->oc, s->oc, st->col, K,
                                     r0 ? 1.0f : 0.0f, dwt, K));
        }
        if (dbt) {
            memset(dbt, 0, (size_t)s->oc * sizeof *dbt);
            bias_sum_rows(s, dy, 0, rows, dbt);
        }
    }
    bw_own_reduce(s, parts, dwt, dbt, dw, db, acc);
}

/* dw[oc][ic][kh][kw] (+)= sum x * dy; db[oc] (+)= sum dy (db may be NULL) */
void pt_cpu_conv_backward_weights(pt_backend *be, void *state, const pt_conv_shape *s, const float *x,
                                  const float *dy, float *dw, float *db, int acc) {
    conv_state *st = state;
    int hb = db != NULL;
    bwd_w_build(st, hb);
    if (st->bw_own) {
        bwd_w_own(be, st, s, x, dy, dw, db, acc);
        return;
    }
    int direct = st->dw_plain[hb] && !acc; /* write straight into the user's dw */
    if (hb && acc && !st->db_buf) st->db_buf = pt_cpu_scratch_alloc((size_t)s->oc * sizeof(float));
    pt_dnnl_set(st->m_x, x);
    pt_dnnl_set(st->m_y, dy);
    if (direct) pt_dnnl_set(st->m_w, dw);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, st->m_x},
                               {DNNL_ARG_DIFF_DST, st->m_y},
                               {DNNL_ARG_DIFF_WEIGHTS, direct ? st->m_w : st->m_dw[hb]}};
    int nargs = 3;
    if (hb) {
        pt_dnnl_set(st->m_b, acc ? st->db_buf : db);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_BIAS, st->m_b};
    }
    pt_dnnl_exec(be, &st->ctx, st->bwd_w[hb], nargs, args);
    if (!direct) {
        if (st->dw_plain[hb]) {
            pt_cpu_accumulate(be, shape_w(s), st->dw_buf[hb], dw, acc);
        } else {
            pt_dnnl_set(st->m_w, dw);
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, st->m_dw[hb]}, {DNNL_ARG_TO, st->m_w}};
            pt_dnnl_exec(be, &st->ctx, st->dw_reorder[hb][acc ? 1 : 0], 2, r);
        }
    }
    if (hb && acc) pt_cpu_accumulate(be, (size_t)s->oc, st->db_buf, db, 1);
}
