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

pt_safetensors *pt_safetensors_open(const char *path, char *err, size_t errlen) {
    pt_safetensors *f = calloc(1, sizeof *f);
    char *hdr = NULL;
    cJSON *root = NULL;
    FILE *fp = NULL;
    int *order = NULL;
    if (!f || !(f->path = strdup(path))) {
        fail(err, errlen, path, "out of memory");
        goto bad;
    }
    fp = fopen(path, "rb");
    struct stat st;
    if (!fp || fstat(fileno(fp), &st)) {
        fail(err, errlen, path, "cannot open: %s", strerror(errno));
        goto bad;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, errlen, path, "not a regular file");
        goto bad;
    }
    size_t size = (size_t)st.st_size;
    unsigned char hl[8];
    if (size < 8 || fread(hl, 1, 8, fp) != 8) {
        fail(err, errlen, path, "truncated: %zu bytes, shorter than the 8-byte header length", size);
        goto bad;
    }
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)hl[i] << (8 * i);
    if (n > PT_SAFETENSORS_MAX_HEADER) {
        fail(err, errlen, path, "header length %llu exceeds the %u-byte limit (corrupt or not safetensors)",
             (unsigned long long)n, PT_SAFETENSORS_MAX_HEADER);
        goto bad;
    }
    if (n < 2 || n > size - 8) {
        fail(err, errlen, path, "truncated: a header of %llu bytes, but the file has %zu after the length",
             (unsigned long long)n, size - 8);
        goto bad;
    }
    size_t data_len = size - 8 - (size_t)n;
    hdr = malloc((size_t)n + 1);
    f->data = aligned_alloc(64, (data_len + 63) / 64 * 64 + 64);
    if (!hdr || !f->data) {
        fail(err, errlen, path, "out of memory (%zu bytes)", size);
        goto bad;
    }
    if (fread(hdr, 1, (size_t)n, fp) != (size_t)n || fread(f->data, 1, data_len, fp) != data_len) {
        fail(err, errlen, path, "read failed: %s", ferror(fp) ? strerror(errno) : "file shrank while reading");
        goto bad;
    }
    hdr[n] = 0;
    if (hdr[0] != '{') {
        fail(err, errlen, path, "the header is not a JSON object");
        goto bad;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(hdr, (size_t)n, &end, 0);
    if (!root || !cJSON_IsObject(root)) {
        fail(err, errlen, path, "the header is not valid JSON");
        goto bad;
    }
    for (const char *p = end; p && p < hdr + n; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            fail(err, errlen, path, "bytes after the header's JSON object");
            goto bad;
        }
    int cap = cJSON_GetArraySize(root);
    f->t = calloc((size_t)cap + 1, sizeof *f->t);
    f->begin = calloc((size_t)cap + 1, sizeof *f->begin);
    f->copies = calloc((size_t)cap + 1, sizeof *f->copies);
    order = calloc((size_t)cap + 1, sizeof *order);
    if (!f->t || !f->begin || !f->copies || !order) {
        fail(err, errlen, path, "out of memory");
        goto bad;
    }
    pt_safetensors_tensor *tmp = calloc((size_t)cap + 1, sizeof *tmp);
    size_t *tbegin = calloc((size_t)cap + 1, sizeof *tbegin);
    if (!tmp || !tbegin) {
        free(tmp), free(tbegin);
        fail(err, errlen, path, "out of memory");
        goto bad;
    }
    int nt = 0, nmeta_seen = 0, rc = 0;
    for (const cJSON *e = root->child; e && !rc; e = e->next) {
        if (!e->string) {
            rc = fail(err, errlen, path, "a header entry has no name");
        } else if (!strcmp(e->string, "__metadata__")) {
            if (nmeta_seen++ || !cJSON_IsObject(e)) {
                rc = fail(err, errlen, path, "__metadata__ is not one object of strings");
                break;
            }
            int nm = cJSON_GetArraySize(e);
            f->meta = calloc(2 * (size_t)nm + 1, sizeof *f->meta);
            if (!f->meta) rc = fail(err, errlen, path, "out of memory");
            for (const cJSON *m = e->child; m && !rc; m = m->next) {
                if (!m->string || !cJSON_IsString(m)) {
                    rc = fail(err, errlen, path, "__metadata__ value '%s' is not a string", m->string ? m->string : "");
                    break;
                }
                f->meta[2 * f->nmeta] = strdup(m->string);
                f->meta[2 * f->nmeta + 1] = strdup(m->valuestring);
                f->nmeta++;
                if (!f->meta[2 * f->nmeta - 2] || !f->meta[2 * f->nmeta - 1]) rc = fail(err, errlen, path, "out of memory");
            }
        } else {
            for (int j = 0; j < nt && !rc; j++)
                if (!strcmp(tmp[j].name, e->string)) rc = fail(err, errlen, path, "tensor '%s' appears twice", e->string);
            if (!rc) rc = parse_entry(e, data_len, &tmp[nt], &tbegin[nt], err, errlen, path);
            if (!rc) {
                tmp[nt].name = e->string; /* replaced by a copy below */
                order[nt] = nt;
                nt++;
            }
        }
    }
    if (!rc) {
        /* the data must be covered exactly: sorted by offset, no overlap, no hole */
        qsort_r(order, (size_t)nt, sizeof *order, cmp_begin, tbegin);
        size_t at = 0;
        for (int k = 0; k < nt && !rc; k++) {
            const pt_safetensors_tensor *t = &tmp[order[k]];
            size_t b = tbegin[order[k]];
            if (b != at)
                rc = fail(err, errlen, path, "tensor '%s' starts at data byte %zu, expected %zu (%s)", t->name, b, at,
                          b < at ? "overlap" : "hole");
            for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
                if (t->dtype == dtypes[i].name) at = b + t->count * dtypes[i].size;
        }
        if (!rc && at != data_len)
            rc = fail(err, errlen, path, "%zu data bytes, the tensors cover %zu (truncated or padded)", data_len, at);
    }
    for (int k = 0; k < nt && !rc; k++) {
        pt_safetensors_tensor *t = &f->t[k];
        *t = tmp[order[k]];
        f->begin[k] = tbegin[order[k]];
        t->name = strdup(t->name);
        f->n = k + 1;
        if (!t->name) {
            rc = fail(err, errlen, path, "out of memory");
            break;
        }
        if (strcmp(t->dtype, "F32")) continue;
        if (f->begin[k] % 4 == 0) {
            t->data = (const float *)(const void *)(f->data + f->begin[k]);
        } else {
            f->copies[k] = malloc(t->count * sizeof(float) + 1);
            if (!f->copies[k]) rc = fail(err, errlen, path, "out of memory");
            else {
                memcpy(f->copies[k], f->data + f->begin[k], t->count * sizeof(float));
                t->data = f->copies[k];
            }
        }
    }
    free(tmp);
    free(tbegin);
    if (rc) goto bad;
    free(order);
    cJSON_Delete(root);
    free(hdr);
    fclose(fp);
    return f;
bad:
    free(order);
    cJSON_Delete(root);
    free(hdr);
    if (fp) fclose(fp);
    pt_safetensors_close(f);
    return NULL;
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
