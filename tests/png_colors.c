/* png_colors.c -- a small PNG reader for the screenshot test: prints
 * "WIDTHxHEIGHT COLOURS NONWHITE_PERMILLE" for an 8-bit, non-interlaced
 * greyscale, RGB or RGBA PNG (what headless Chromium writes). COLOURS counts
 * distinct RGB values quantised to 5 bits per channel. Exit 1 on anything
 * it cannot read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: png_colors FILE.png\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n || n < 33 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8)) {
        fprintf(stderr, "%s: not a PNG\n", argv[1]);
        return 1;
    }
    fclose(f);
    uint32_t w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    unsigned char *idat = NULL;
    size_t nidat = 0;
    for (long off = 8; off + 12 <= n;) {
        uint32_t len = be32(buf + off);
        const unsigned char *type = buf + off + 4, *data = buf + off + 8;
        if (off + 12 + (long)len > n) break;
        if (!memcmp(type, "IHDR", 4)) {
            w = be32(data);
            h = be32(data + 4);
            depth = data[8];
            ctype = data[9];
            interlace = data[12];
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, nidat + len);
            memcpy(idat + nidat, data, len);
            nidat += len;
        }
        off += 12 + (long)len;
    }
    int bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 6 ? 4 : ctype == 4 ? 2 : 0;
    if (!w || !h || depth != 8 || !bpp || interlace || !idat) {
        fprintf(stderr, "%s: unsupported PNG (depth %d, colour type %d, interlace %d)\n", argv[1], depth, ctype,
                interlace);
        return 1;
    }
    size_t stride = (size_t)w * bpp, raw_n = (stride + 1) * h;
    unsigned char *raw = malloc(raw_n);
    uLongf got = (uLongf)raw_n;
    if (!raw || uncompress(raw, &got, idat, (uLong)nidat) != Z_OK || got != raw_n) {
        fprintf(stderr, "%s: cannot inflate the image data\n", argv[1]);
        return 1;
    }
    unsigned char *img = malloc(stride * h);
    for (uint32_t y = 0; y < h; y++) {
        int ft = raw[y * (stride + 1)];
        const unsigned char *src = raw + y * (stride + 1) + 1;
        unsigned char *dst = img + y * stride, *up = y ? img + (y - 1) * stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= (size_t)bpp ? dst[x - bpp] : 0, b = up ? up[x] : 0, c = (up && x >= (size_t)bpp) ? up[x - bpp] : 0;
            int v = src[x];
            switch (ft) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: break;
            }
            dst[x] = (unsigned char)v;
        }
    }
    static unsigned char seen[1 << 15];
    long colours = 0, nonwhite = 0;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const unsigned char *p = img + i * bpp;
        int r = p[0], g = bpp >= 3 ? p[1] : p[0], b = bpp >= 3 ? p[2] : p[0];
        int key = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3);
        if (!seen[key]) seen[key] = 1, colours++;
        if (r < 240 || g < 240 || b < 240) nonwhite++;
    }
    printf("%ux%u %ld %ld\n", w, h, colours, nonwhite * 1000 / ((long)w * h));
    free(buf);
    free(idat);
    free(raw);
    free(img);
    return 0;
}
