/* idx.h -- the IDX file format of MNIST and Fashion-MNIST (unsigned bytes only),
 * gzip-compressed or plain (zlib's gz* functions read both). */
#ifndef PT_DATA_IDX_H
#define PT_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#define PT_IDX_MAX_DIMS 4

typedef struct {
    int ndims;
    uint32_t dims[PT_IDX_MAX_DIMS];
    uint8_t *data; /* product of dims bytes, malloc'd */
    size_t size;
} pt_idx;

/* Reads path: magic 0x0000 0x08 ndims (unsigned byte data), ndims big-endian uint32
 * sizes, then exactly the data (no more, no less). expect_ndims > 0 must match.
 * The declared size is checked against the file's size before anything is allocated
 * (a plain file must hold it; a gzip file cannot hold more than 1032 times its size).
 * Errors name the file and say what was wrong ("wrong magic 0x00000803, expected an
 * IDX file of unsigned bytes with 1 dimension", "truncated: ...", gzip's own message).
 * Returns 0, or -1 with err filled (and nothing allocated). */
int pt_idx_read(const char *path, int expect_ndims, pt_idx *out, char *err, size_t errlen);
void pt_idx_free(pt_idx *idx);

/* Writes an IDX file (gzip when gz != 0) atomically (temp + rename). 0 or -1 with err. */
int pt_idx_write(const char *path, int gz, int ndims, const uint32_t *dims, const uint8_t *data,
                 char *err, size_t errlen);

#endif
