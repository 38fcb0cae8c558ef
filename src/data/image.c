/* image.c -- JPEG decoding with libjpeg-turbo (DCT-scaled when that still covers the
 * target) and area-averaging resize to cover a size, then a centre crop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "data/celeba.h"

typedef struct {
    int first, count;
    float w[16];
} taps;

/* Output sample k covers [(k + off) / scale, (k + off + 1) / scale) of n source samples. */
static int make_taps(taps *t, int nout, int nsrc, double scale, double off) {
    for (int k = 0; k < nout; k++) {
        double a = (k + off) / scale, b = (k + off + 1) / scale;
        if (a < 0) a = 0;
        if (b > nsrc) b = nsrc;
        if (b <= a) b = a + 1e-9;
        int i0 = (int)floor(a), i1 = (int)ceil(b);
        if (i0 > nsrc - 1) i0 = nsrc - 1;
        if (i1 <= i0) i1 = i0 + 1;
        if (i1 - i0 > 16) return -1;
        t[k].first = i0;
        t[k].count = i1 - i0;
        double sum = 0;
        for (int i = i0; i < i1; i++) {
            double w = fmin(b, i + 1) - fmax(a, i);
            t[k].w[i - i0] = (float)(w > 0 ? w : 0);
            sum += w > 0 ? w : 0;
        }
        for (int i = 0; i < i1 - i0; i++) t[k].w[i] = sum > 0 ? (float)(t[k].w[i] / sum) : 1.0f / (float)(i1 - i0);
    }
    return 0;
}

void pt_image_fit(const uint8_t *src, int sw, int sh, uint8_t *dst, int width, int height) {
    double scale = fmax((double)width / sw, (double)height / sh);
    double ox = (sw * scale - width) / 2, oy = (sh * scale - height) / 2;
    if (sw == width && sh == height) {
        memcpy(dst, src, (size_t)sw * (size_t)sh * 3);
        return;
    }
    taps *tx = malloc((size_t)width * sizeof *tx), *ty = malloc((size_t)height * sizeof *ty);
    float *tmp = malloc((size_t)sh * (size_t)width * 3 * sizeof *tmp);
    if (!tx || !ty || !tmp || make_taps(tx, width, sw, scale, ox) || make_taps(ty, height, sh, scale, oy)) {
        /* more than 16 taps: a > 16x reduction; fall back to nearest samples */
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                int sx = (int)((x + ox + 0.5) / scale), sy = (int)((y + oy + 0.5) / scale);
                sx = sx < sw ? sx : sw - 1;
                sy = sy < sh ? sy : sh - 1;
                memcpy(dst + ((size_t)y * width + x) * 3, src + ((size_t)sy * sw + sx) * 3, 3);
            }
        free(tx);
        free(ty);
        free(tmp);
        return;
    }
    for (int y = 0; y < sh; y++) {
        const uint8_t *row = src + (size_t)y * sw * 3;
        float *o = tmp + (size_t)y * width * 3;
        for (int x = 0; x < width; x++) {
            float r = 0, g = 0, b = 0;
            const taps *t = &tx[x];
            for (int i = 0; i < t->count; i++) {
                const uint8_t *p = row + (size_t)(t->first + i) * 3;
                r += t->w[i] * p[0];
                g += t->w[i] * p[1];
                b += t->w[i] * p[2];
            }
            o[3 * x] = r;
            o[3 * x + 1] = g;
            o[3 * x + 2] = b;
        }
    }
    for (int y = 0; y < height; y++) {
        const taps *t = &ty[y];
        uint8_t *o = dst + (size_t)y * width * 3;
        for (int k = 0; k < width * 3; k++) {
            float s = 0;
            for (int i = 0; i < t->count; i++) s += t->w[i] * tmp[(size_t)(t->first + i) * width * 3 + k];
            int v = (int)lrintf(s);
            o[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(tx);
    free(ty);
    free(tmp);
}

int pt_celeba_decode_fit(void *tjh, const unsigned char *jpeg, size_t len, int width, int height,
                         uint8_t *out, char *err, size_t errlen) {
    tjhandle tj = tjh ? (tjhandle)tjh : tjInitDecompress();
    if (!tj) {
        snprintf(err, errlen, "cannot start the JPEG decoder");
        return -1;
    }
    int rc = -1, w, h, sub, cs;
    uint8_t *buf = NULL;
    if (len < 4 || len > 0x7fffffff ||
        tjDecompressHeader3(tj, jpeg, (unsigned long)len, &w, &h, &sub, &cs) != 0) {
        snprintf(err, errlen, "not a JPEG (%s)", len < 4 ? "too short" : tjGetErrorStr2(tj));
        goto out;
    }
    if (w < 1 || h < 1 || w > 16384 || h > 16384) {
        snprintf(err, errlen, "implausible JPEG size %dx%d", w, h);
        goto out;
    }
    double scale = fmax((double)width / w, (double)height / h);
    int sw = w, sh = h;
    static const int denoms[3] = {8, 4, 2};
    for (int k = 0; k < 3; k++) {
        int cw = (w + denoms[k] - 1) / denoms[k], ch = (h + denoms[k] - 1) / denoms[k];
        if (cw >= w * scale - 1e-9 && ch >= h * scale - 1e-9) {
            sw = cw;
            sh = ch;
            break;
        }
    }
    buf = malloc((size_t)sw * (size_t)sh * 3);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (tjDecompress2(tj, jpeg, (unsigned long)len, buf, sw, 0, sh, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) {
        snprintf(err, errlen, "corrupt JPEG (%s)", tjGetErrorStr2(tj));
        goto out;
    }
    pt_image_fit(buf, sw, sh, out, width, height);
    rc = 0;
out:
    free(buf);
    if (!tjh) tjDestroy(tj);
    return rc;
}
