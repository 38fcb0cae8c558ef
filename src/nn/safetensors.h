/* safetensors.h -- the safetensors file format (Hugging Face): an 8-byte
 * little-endian header length N, N bytes of JSON
 *   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 *    ..., "__metadata__": {"key": "value"}}
 * then the tensors' bytes (offsets relative to the end of the header).
 *
 * Writing: F32 tensors, written atomically (a temp file renamed over path).
 * Reading: the whole file into memory; the header is capped at
 * PT_SAFETENSORS_MAX_HEADER bytes and checked entry by entry (known dtype,
 * shape, offsets inside the data and matching dtype x shape, no overlap or
 * hole, unique names); a file failing any check is refused with an error that
 * names the file. Tensors of other known dtypes (F16, I64, ...) are listed
 * with data NULL, so a caller can refuse or skip them by name. Host memory,
 * little-endian hosts. */
#ifndef PT_NN_SAFETENSORS_H
#define PT_NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define PT_SAFETENSORS_MAX_HEADER (100u << 20) /* 100 MiB */
#define PT_SAFETENSORS_MAX_DIMS 8

typedef struct {
    const char *name;
    int ndim;
    const int64_t *shape; /* ndim sizes */
    const float *data;    /* product(shape) floats */
} pt_safetensors_entry;

/* Writes n F32 tensors (names unique, not "__metadata__") and optional
 * metadata: meta = {"key", "value", ..., NULL} or NULL. 0, or -1 with err. */
int pt_safetensors_write(const char *path, const pt_safetensors_entry *t, int n, const char *const *meta, char *err,
                         size_t errlen);

typedef struct {
    const char *name;
    const char *dtype; /* "F32", "F16", "I64", ... */
    int ndim;
    int64_t shape[PT_SAFETENSORS_MAX_DIMS];
    size_t count;      /* elements */
    const float *data; /* F32 only (aligned copy); NULL for other dtypes */
} pt_safetensors_tensor;

typedef struct pt_safetensors pt_safetensors;

/* Reads and validates path. NULL with "PATH: reason" in err. */
pt_safetensors *pt_safetensors_open(const char *path, char *err, size_t errlen);
int pt_safetensors_count(const pt_safetensors *f);
/* in file order (sorted by data offset); NULL when out of range */
const pt_safetensors_tensor *pt_safetensors_at(const pt_safetensors *f, int i);
const pt_safetensors_tensor *pt_safetensors_find(const pt_safetensors *f, const char *name);
/* a __metadata__ value, or NULL */
const char *pt_safetensors_meta(const pt_safetensors *f, const char *key);
const char *pt_safetensors_path(const pt_safetensors *f);
void pt_safetensors_close(pt_safetensors *f);

#endif
