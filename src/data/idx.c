/* idx.c -- reads and writes IDX files (gzip or plain) with validated magic and sizes. */
#include "data/idx.h"
#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* A gzip read failed: "PATH: truncated gzip stream ..." or "PATH: corrupt gzip data: ...". */
static int gz_fail(gzFile g, const char *path, const char *where, char *err, size_t errlen) {
    int code = 0;
    const char *m = gzerror(g, &code);
    if (code == Z_BUF_ERROR)
        snprintf(err, errlen, "%s: truncated gzip stream (unexpected end of file %s)", path, where);
    else if (code == Z_ERRNO)
        snprintf(err, errlen, "%s: read error %s: %s", path, where, strerror(errno));
    else {
        /* zlib prefixes its message with the path; keep only the message */
        const char *p = m ? strstr(m, ": ") : NULL;
        snprintf(err, errlen, "%s: corrupt gzip data %s: %s", path, where, p ? p + 2 : (m ? m : "?"));
    }
    return -1;
}

/* Reads exactly n bytes; returns bytes read (< n at end of file) or -1 on a gzip error. */
static long long gz_read_full(gzFile g, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        size_t chunk = n - got;
        if (chunk > (1u << 30)) chunk = 1u << 30;
        int r = gzread(g, (char *)buf + got, (unsigned)chunk);
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    int code = 0;
    gzerror(g, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) return -1;
    if (code == Z_BUF_ERROR) return -1; /* truncated gzip stream */
    return (long long)got;
}

/* The magic: 0x0000 0x08 ndims. Returns ndims, or -1 with err. */
static int read_magic(gzFile g, const char *path, int expect_ndims, char *err, size_t errlen) {
    unsigned char h[4];
    long long r = gz_read_full(g, h, 4);
    if (r < 0) return gz_fail(g, path, "in the header", err, errlen), -1;
    if (r < 4) return snprintf(err, errlen, "%s: truncated: %lld of 4 header bytes", path, r), -1;
    uint32_t magic = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    int nd = h[3];
    if (h[0] != 0 || h[1] != 0 || h[2] != 0x08 || nd < 1 || nd > PT_IDX_MAX_DIMS ||
        (expect_ndims > 0 && nd != expect_ndims)) {
        if (expect_ndims > 0)
            snprintf(err, errlen,
                     "%s: wrong magic 0x%08x, expected 0x%08x (an IDX file of unsigned bytes with %d dimension%s)",
                     path, magic, 0x800u | (unsigned)expect_ndims, expect_ndims,
                     expect_ndims == 1 ? "" : "s");
        else
            snprintf(err, errlen, "%s: wrong magic 0x%08x, expected an IDX file of unsigned bytes",
                     path, magic);
        return -1;
    }
    return nd;
}

/* The nd big-endian sizes into out->dims, their product into out->size. 0, or -1 with err. */
static int read_dims(gzFile g, const char *path, int nd, pt_idx *out, char *err, size_t errlen) {
    unsigned char d[4 * PT_IDX_MAX_DIMS];
    long long r = gz_read_full(g, d, (size_t)(4 * nd));
    if (r < 0) return gz_fail(g, path, "in the sizes", err, errlen), -1;
    if (r < 4 * nd) return snprintf(err, errlen, "%s: truncated: %lld of %d size bytes", path, r, 4 * nd), -1;
    size_t total = 1;
    for (int i = 0; i < nd; i++) {
        out->dims[i] = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 |
                       (uint32_t)d[4 * i + 2] << 8 | d[4 * i + 3];
        if (out->dims[i] != 0 && total > ((size_t)1 << 40) / out->dims[i])
            return snprintf(err, errlen, "%s: implausible size %u in dimension %d", path, out->dims[i], i), -1;
        total *= out->dims[i];
    }
    if (total > ((size_t)1 << 36))
        return snprintf(err, errlen, "%s: implausible data size %zu bytes", path, total), -1;
    out->ndims = nd;
    out->size = total;
    return 0;
}

/* deflate expands at most 1032:1, so a gzip file of n bytes holds at most this many */
#define IDX_GZ_MAX_RATIO 1032

/* The declared data size against the file's size (file_size bytes on disk), before
 * anything is allocated: a plain file must hold the bytes after its header; a gzip file
 * cannot hold more than deflate's ratio allows. 0, or -1 with err. */
static int check_data_size(gzFile g, const char *path, const pt_idx *out, long long file_size, char *err,
                           size_t errlen) {
    long long header = 4 + 4LL * out->ndims;
    if (gzdirect(g)) {
        long long have = file_size > header ? file_size - header : 0;
        if ((unsigned long long)have < out->size)
            return snprintf(err, errlen, "%s: truncated: %lld of %zu data bytes", path, have, out->size), -1;
        return 0;
    }
    if (out->size / IDX_GZ_MAX_RATIO > (size_t)file_size)
        return snprintf(err, errlen,
                        "%s: the header declares %zu data bytes, more than a %lld-byte gzip file can hold",
                        path, out->size, file_size),
               -1;
    return 0;
}

/* Exactly out->size data bytes, then the end of the file. 0, or -1 with err. */
static int read_data(gzFile g, const char *path, pt_idx *out, char *err, size_t errlen) {
    size_t total = out->size;
    out->data = malloc(total ? total : 1);
    if (!out->data) return snprintf(err, errlen, "%s: out of memory for %zu bytes", path, total), -1;
    long long r = gz_read_full(g, out->data, total);
    if (r < 0) return gz_fail(g, path, "in the data", err, errlen), -1;
    if ((size_t)r < total)
        return snprintf(err, errlen, "%s: truncated: %lld of %zu data bytes", path, r, total), -1;
    unsigned char extra;
    r = gz_read_full(g, &extra, 1);
    if (r < 0) return gz_fail(g, path, "after the data", err, errlen), -1;
    if (r > 0)
        return snprintf(err, errlen, "%s: trailing bytes after the %zu data bytes the header declares", path,
                        total),
               -1;
    return 0;
}

int pt_idx_read(const char *path, int expect_ndims, pt_idx *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    off_t file_size = 0;
    int fd = pt_open_regular(path, &file_size, err, errlen);
    if (fd < 0) return -1;
    gzFile g = gzdopen(fd, "rb");
    if (!g) {
        snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
        close(fd);
        return -1;
    }
    gzbuffer(g, 1 << 18);
    int nd = read_magic(g, path, expect_ndims, err, errlen);
    int rc = nd < 0 || read_dims(g, path, nd, out, err, errlen) != 0 ||
             check_data_size(g, path, out, (long long)file_size, err, errlen) != 0 ||
             read_data(g, path, out, err, errlen) != 0;
    gzclose(g);
    if (rc) {
        pt_idx_free(out);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

void pt_idx_free(pt_idx *idx) {
    free(idx->data);
    idx->data = NULL;
    idx->size = 0;
}

int pt_idx_write(const char *path, int gz, int ndims, const uint32_t *dims, const uint8_t *data,
                 char *err, size_t errlen) {
    pt_atomic_file af; /* an unpredictable temp name, never through a symlink */
    if (pt_atomic_open(&af, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int fd = dup(fileno(af.f));
    gzFile g = fd >= 0 ? gzdopen(fd, gz ? "wb6" : "wbT") : NULL;
    if (!g) {
        snprintf(err, errlen, "%s: %s", af.tmp, strerror(errno ? errno : ENOMEM));
        if (fd >= 0) close(fd);
        pt_atomic_abort(&af);
        return -1;
    }
    unsigned char h[4 + 4 * PT_IDX_MAX_DIMS];
    size_t total = 1;
    h[0] = h[1] = 0;
    h[2] = 8;
    h[3] = (unsigned char)ndims;
    for (int i = 0; i < ndims; i++) {
        h[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
        h[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
        h[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
        h[7 + 4 * i] = (unsigned char)dims[i];
        total *= dims[i];
    }
    int ok = gzwrite(g, h, (unsigned)(4 + 4 * ndims)) == 4 + 4 * ndims;
    for (size_t off = 0; ok && off < total;) {
        size_t chunk = total - off > (1u << 30) ? (1u << 30) : total - off;
        ok = gzwrite(g, data + off, (unsigned)chunk) == (int)chunk;
        off += chunk;
    }
    if (gzclose(g) != Z_OK) ok = 0;
    if (!ok) pt_atomic_abort(&af);
    if (!ok || pt_atomic_commit(&af) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
