/* safetensors.c -- reading and writing safetensors files (see safetensors.h).
 * The header goes through cJSON; every number, offset and size is checked
 * before any byte of data is touched. */
#include "nn/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"

static const struct {
    const char *name;
    size_t size;
} dtypes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
              {"I8", 1},  {"U64", 8}, {"U32", 4}, {"U16", 2}, {"U8", 1},   {"BOOL", 1}, {"F8_E4M3", 1},
              {"F8_E5M2", 1}};

struct pt_safetensors {
    char *path;
    pt_safetensors_tensor *t;
    size_t *begin; /* data offsets, parallel to t */
    int n;
    char **meta; /* key, value, ... */
    int nmeta;
    unsigned char *data; /* the data section, 64-byte aligned */
    float **copies;      /* F32 tensors at offsets not a multiple of 4 */
};

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...) {
    if (err && errlen) {
        int k = snprintf(err, errlen, "%s: ", path);
        if (k >= 0 && (size_t)k < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* ---- writing ------------------------------------------------------------------ */

int pt_safetensors_write(const char *path, const pt_safetensors_entry *t, int n, const char *const *meta, char *err,
                         size_t errlen) {
    if (n < 0 || (n > 0 && !t)) return fail(err, errlen, path, "no tensors given");
    cJSON *root = cJSON_CreateObject();
    if (!root) return fail(err, errlen, path, "out of memory");
    if (meta && meta[0]) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; m && meta[i]; i += 2) {
            if (!meta[i + 1]) {
                cJSON_Delete(root);
                return fail(err, errlen, path, "metadata key '%s' has no value", meta[i]);
            }
            cJSON_AddStringToObject(m, meta[i], meta[i + 1]);
        }
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        const pt_safetensors_entry *e = &t[i];
        int bad = !e->name || !*e->name || !strcmp(e->name, "__metadata__") || e->ndim < 0 ||
                  e->ndim > PT_SAFETENSORS_MAX_DIMS || (e->ndim && !e->shape);
        for (int j = 0; j < i && !bad; j++) bad = !strcmp(t[j].name, e->name);
        size_t count = 1;
        for (int d = 0; !bad && d < e->ndim; d++) {
            if (e->shape[d] < 0 || (e->shape[d] && count > SIZE_MAX / 8 / (size_t)e->shape[d]))
                bad = 1;
            else
                count *= (size_t)e->shape[d];
        }
        if (bad) {
            cJSON_Delete(root);
            return fail(err, errlen, path, "tensor %d ('%s'): bad or duplicate name, or bad shape", i,
                        e->name ? e->name : "");
        }
        if (count && !e->data) {
            cJSON_Delete(root);
            return fail(err, errlen, path, "tensor '%s' has no data", e->name);
        }
        cJSON *o = cJSON_AddObjectToObject(root, e->name);
        cJSON *shape = o ? cJSON_AddArrayToObject(o, "shape") : NULL;
        cJSON *offs = cJSON_CreateArray();
        if (!o || !shape || !offs) {
            cJSON_Delete(offs);
            cJSON_Delete(root);
            return fail(err, errlen, path, "out of memory");
        }
        cJSON_AddStringToObject(o, "dtype", "F32");
        for (int d = 0; d < e->ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)e->shape[d]));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + count * 4)));
        cJSON_AddItemToObject(o, "data_offsets", offs);
        off += count * 4;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) return fail(err, errlen, path, "out of memory");
    size_t len = strlen(json), padded = (len + 7) / 8 * 8; /* the data starts 8-byte aligned */
    unsigned char hl[8];
    for (int i = 0; i < 8; i++) hl[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    pt_atomic_file af;
    if (pt_atomic_open(&af, path)) {
        free(json);
        return fail(err, errlen, path, "cannot create: %s", strerror(errno));
    }
    int ok = fwrite(hl, 1, 8, af.f) == 8 && fwrite(json, 1, len, af.f) == len;
    for (size_t i = len; ok && i < padded; i++) ok = fputc(' ', af.f) != EOF;
    free(json);
    for (int i = 0; ok && i < n; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) count *= (size_t)t[i].shape[d];
        if (count) ok = fwrite(t[i].data, sizeof(float), count, af.f) == count;
    }
    if (!ok) {
        int e = errno;
        pt_atomic_abort(&af);
        return fail(err, errlen, path, "write failed: %s", strerror(e));
    }
    if (pt_atomic_commit(&af)) return fail(err, errlen, path, "write failed: %s", strerror(errno));
    return 0;
}

/* ---- reading -------------------------------------------------------------------- */

void pt_safetensors_close(pt_safetensors *f) {
    if (!f) return;
    for (int i = 0; i < f->n; i++) {
        free((char *)f->t[i].name);
        if (f->copies) free(f->copies[i]);
    }
    for (int i = 0; i < 2 * f->nmeta; i++) free(f->meta[i]);
    free(f->meta);
    free(f->copies);
    free(f->t);
    free(f->begin);
    free(f->data);
    free(f->path);
    free(f);
}

/* a JSON number that is a whole number in [0, 2^53] */
static int get_u53(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return -1;
    double v = j->valuedouble;
    if (!isfinite(v) || v < 0 || v > 9007199254740992.0 || floor(v) != v) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int cmp_begin(const void *a, const void *b, void *ctx) {
    const size_t *begin = ctx;
    size_t x = begin[*(const int *)a], y = begin[*(const int *)b];
    return x < y ? -1 : x > y;
}

/* checks one header entry and fills t / *begin; 0 or -1 with err */
static int parse_entry(const cJSON *e, size_t data_len, pt_safetensors_tensor *t, size_t *begin, char *err,
                       size_t errlen, const char *path) {
    const char *name = e->string;
    if (!cJSON_IsObject(e)) return fail(err, errlen, path, "header entry '%s' is not an object", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of))
        return fail(err, errlen, path, "tensor '%s' lacks a dtype, shape or data_offsets", name);
    size_t dsize = 0;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dt->valuestring, dtypes[i].name)) t->dtype = dtypes[i].name, dsize = dtypes[i].size;
    if (!dsize) return fail(err, errlen, path, "tensor '%s' has an unknown dtype '%.32s'", name, dt->valuestring);
    int nd = cJSON_GetArraySize(sh);
    if (nd > PT_SAFETENSORS_MAX_DIMS)
        return fail(err, errlen, path, "tensor '%s' has %d dimensions (at most %d)", name, nd, PT_SAFETENSORS_MAX_DIMS);
    t->ndim = nd;
    size_t count = 1;
    for (int d = 0; d < nd; d++) {
        uint64_t v;
        if (get_u53(cJSON_GetArrayItem(sh, d), &v))
            return fail(err, errlen, path, "tensor '%s': shape[%d] is not a non-negative integer", name, d);
        if (v && count > (SIZE_MAX / 16) / v)
            return fail(err, errlen, path, "tensor '%s': the shape overflows", name);
        count *= (size_t)v;
        t->shape[d] = (int64_t)v;
    }
    t->count = count;
    uint64_t b, en;
    if (cJSON_GetArraySize(of) != 2 || get_u53(cJSON_GetArrayItem(of, 0), &b) || get_u53(cJSON_GetArrayItem(of, 1), &en))
        return fail(err, errlen, path, "tensor '%s': data_offsets is not two non-negative integers", name);
    if (b > en || en > data_len)
        return fail(err, errlen, path, "tensor '%s': data_offsets [%llu, %llu] outside the %zu data bytes", name,
                    (unsigned long long)b, (unsigned long long)en, data_len);
    if (en - b != count * dsize)
        return fail(err, errlen, path, "tensor '%s': %llu data bytes for %zu %s elements (%zu expected)", name,
                    (unsigned long long)(en - b), count, t->dtype, count * dsize);
    *begin = (size_t)b;
    return 0;
}

/* What opening a file holds between its steps. tmp / tbegin / order: the
 * tensors in header order, their data offsets, and their order by offset. */
typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    FILE *fp;
    char *hdr;       /* the JSON header, NUL-terminated */
    size_t hlen;     /* its length in bytes */
    size_t data_len; /* bytes after the header */
    cJSON *root;
    pt_safetensors_tensor *tmp;
    size_t *tbegin;
    int *order;
    int nt;
} st_open;

#define FAIL(o, ...) fail((o)->err, (o)->errlen, (o)->path, __VA_ARGS__)

/* the 8-byte little-endian header length, checked against the file's size */
static int read_header_length(st_open *o, size_t size, uint64_t *n) {
    unsigned char hl[8];
    if (size < 8 || fread(hl, 1, 8, o->fp) != 8)
        return FAIL(o, "truncated: %zu bytes, shorter than the 8-byte header length", size);
    *n = 0;
    for (int i = 0; i < 8; i++) *n |= (uint64_t)hl[i] << (8 * i);
    if (*n > PT_SAFETENSORS_MAX_HEADER)
        return FAIL(o, "header length %llu exceeds the %u-byte limit (corrupt or not safetensors)",
                    (unsigned long long)*n, PT_SAFETENSORS_MAX_HEADER);
    if (*n < 2 || *n > size - 8)
        return FAIL(o, "truncated: a header of %llu bytes, but the file has %zu after the length",
                    (unsigned long long)*n, size - 8);
    return 0;
}

/* reads the header into o->hdr and the data (64-byte aligned) into f->data */
static int read_file(st_open *o, pt_safetensors *f) {
    off_t fsize = 0;
    char oerr[4200];
    o->fp = pt_fopen_regular(o->path, &fsize, oerr, sizeof oerr);
    size_t k = strlen(o->path) + 2; /* oerr: "PATH: why" */
    if (!o->fp) return FAIL(o, "cannot open: %s", strlen(oerr) > k ? oerr + k : oerr);
    size_t size = (size_t)fsize;
    uint64_t n = 0;
    if (read_header_length(o, size, &n)) return -1;
    o->hlen = (size_t)n;
    o->data_len = size - 8 - o->hlen;
    o->hdr = malloc(o->hlen + 1);
    f->data = aligned_alloc(64, (o->data_len + 63) / 64 * 64 + 64);
    if (!o->hdr || !f->data) return FAIL(o, "out of memory (%zu bytes)", size);
    if (fread(o->hdr, 1, o->hlen, o->fp) != o->hlen || fread(f->data, 1, o->data_len, o->fp) != o->data_len)
        return FAIL(o, "read failed: %s", ferror(o->fp) ? strerror(errno) : "file shrank while reading");
    o->hdr[o->hlen] = 0;
    return 0;
}

/* the header must be one JSON object and nothing after it but white space */
static int parse_json(st_open *o) {
    if (o->hdr[0] != '{') return FAIL(o, "the header is not a JSON object");
    const char *end = NULL;
    o->root = cJSON_ParseWithLengthOpts(o->hdr, o->hlen, &end, 0);
    if (!o->root || !cJSON_IsObject(o->root)) return FAIL(o, "the header is not valid JSON");
    for (const char *p = end; p && p < o->hdr + o->hlen; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return FAIL(o, "bytes after the header's JSON object");
    return 0;
}

/* the table arrays, one slot per header entry (and one spare) */
static int alloc_tables(st_open *o, pt_safetensors *f) {
    size_t cap = (size_t)cJSON_GetArraySize(o->root) + 1;
    f->t = calloc(cap, sizeof *f->t);
    f->begin = calloc(cap, sizeof *f->begin);
    f->copies = calloc(cap, sizeof *f->copies);
    o->order = calloc(cap, sizeof *o->order);
    o->tmp = calloc(cap, sizeof *o->tmp);
    o->tbegin = calloc(cap, sizeof *o->tbegin);
    if (!f->t || !f->begin || !f->copies || !o->order || !o->tmp || !o->tbegin) return FAIL(o, "out of memory");
    return 0;
}

/* __metadata__: one object of strings, copied into f->meta as key, value pairs */
static int parse_metadata(st_open *o, pt_safetensors *f, const cJSON *e) {
    if (f->meta || !cJSON_IsObject(e)) return FAIL(o, "__metadata__ is not one object of strings");
    int nm = cJSON_GetArraySize(e);
    f->meta = calloc(2 * (size_t)nm + 1, sizeof *f->meta);
    if (!f->meta) return FAIL(o, "out of memory");
    for (const cJSON *m = e->child; m; m = m->next) {
        if (!m->string || !cJSON_IsString(m))
            return FAIL(o, "__metadata__ value '%s' is not a string", m->string ? m->string : "");
        f->meta[2 * f->nmeta] = strdup(m->string);
        f->meta[2 * f->nmeta + 1] = strdup(m->valuestring);
        f->nmeta++;
        if (!f->meta[2 * f->nmeta - 2] || !f->meta[2 * f->nmeta - 1]) return FAIL(o, "out of memory");
    }
    return 0;
}

/* every header entry: the metadata, or a tensor into tmp[nt] (names unique) */
static int parse_entries(st_open *o, pt_safetensors *f) {
    for (const cJSON *e = o->root->child; e; e = e->next) {
        if (!e->string) return FAIL(o, "a header entry has no name");
        if (!strcmp(e->string, "__metadata__")) {
            if (parse_metadata(o, f, e)) return -1;
            continue;
        }
        for (int j = 0; j < o->nt; j++)
            if (!strcmp(o->tmp[j].name, e->string)) return FAIL(o, "tensor '%s' appears twice", e->string);
        if (parse_entry(e, o->data_len, &o->tmp[o->nt], &o->tbegin[o->nt], o->err, o->errlen, o->path)) return -1;
        o->tmp[o->nt].name = e->string; /* replaced by a copy in adopt_tensors */
        o->order[o->nt] = o->nt;
        o->nt++;
    }
    return 0;
}

/* the data must be covered exactly: sorted by offset, no overlap, no hole */
static int check_coverage(st_open *o) {
    qsort_r(o->order, (size_t)o->nt, sizeof *o->order, cmp_begin, o->tbegin);
    size_t at = 0;
    for (int k = 0; k < o->nt; k++) {
        const pt_safetensors_tensor *t = &o->tmp[o->order[k]];
        size_t b = o->tbegin[o->order[k]];
        if (b != at)
            return FAIL(o, "tensor '%s' starts at data byte %zu, expected %zu (%s)", t->name, b, at,
                        b < at ? "overlap" : "hole");
        for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
            if (t->dtype == dtypes[i].name) at = b + t->count * dtypes[i].size;
    }
    if (at != o->data_len)
        return FAIL(o, "%zu data bytes, the tensors cover %zu (truncated or padded)", o->data_len, at);
    return 0;
}

/* the tensors into f in offset order, names copied; F32 data points into
 * f->data where 4-byte aligned, else into an aligned copy */
static int adopt_tensors(st_open *o, pt_safetensors *f) {
    for (int k = 0; k < o->nt; k++) {
        pt_safetensors_tensor *t = &f->t[k];
        *t = o->tmp[o->order[k]];
        f->begin[k] = o->tbegin[o->order[k]];
        t->name = strdup(t->name);
        f->n = k + 1;
        if (!t->name) return FAIL(o, "out of memory");
        if (strcmp(t->dtype, "F32")) continue;
        if (f->begin[k] % 4 == 0) {
            t->data = (const float *)(const void *)(f->data + f->begin[k]);
            continue;
        }
        f->copies[k] = malloc(t->count * sizeof(float) + 1);
        if (!f->copies[k]) return FAIL(o, "out of memory");
        memcpy(f->copies[k], f->data + f->begin[k], t->count * sizeof(float));
        t->data = f->copies[k];
    }
    return 0;
}

pt_safetensors *pt_safetensors_open(const char *path, char *err, size_t errlen) {
    st_open o = {.path = path, .err = err, .errlen = errlen};
    pt_safetensors *f = calloc(1, sizeof *f);
    int rc = -1;
    if (!f || !(f->path = strdup(path)))
        FAIL(&o, "out of memory");
    else
        rc = read_file(&o, f) || parse_json(&o) || alloc_tables(&o, f) || parse_entries(&o, f) ||
             check_coverage(&o) || adopt_tensors(&o, f);
    free(o.tmp);
    free(o.tbegin);
    free(o.order);
    cJSON_Delete(o.root);
    free(o.hdr);
    if (o.fp) fclose(o.fp);
    if (rc) {
        pt_safetensors_close(f);
        return NULL;
    }
    return f;
}

int pt_safetensors_count(const pt_safetensors *f) { return f->n; }

const pt_safetensors_tensor *pt_safetensors_at(const pt_safetensors *f, int i) {
    return i >= 0 && i < f->n ? &f->t[i] : NULL;
}

const pt_safetensors_tensor *pt_safetensors_find(const pt_safetensors *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    return NULL;
}

const char *pt_safetensors_meta(const pt_safetensors *f, const char *key) {
    for (int i = 0; i < f->nmeta; i++)
        if (!strcmp(f->meta[2 * i], key)) return f->meta[2 * i + 1];
    return NULL;
}

const char *pt_safetensors_path(const pt_safetensors *f) { return f->path; }
