/* celeba.c -- CelebA's label files, the 40-identity subset, its split, and the NHWC
 * uint8 cache (built once from the JPEGs, then mmapped); policy in celeba.h. */
#include "data/celeba.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "data/cache.h"
#include "util/rng.h"
#include "util/fs.h"
#include "util/str.h"

void pt_celeba_options_init(pt_celeba_options *o) {
    memset(o, 0, sizeof *o);
    o->width = o->height = PT_CELEBA_SIZE;
    o->identities = PT_CELEBA_IDENTITIES;
    o->val_fraction = 0.1;
    o->test_fraction = 0.1;
    o->split_seed = 1;
}

/* ---- text files ------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len, char *err, size_t errlen) {
    off_t size = 0;
    int fd = pt_open_regular(path, &size, err, errlen);
    if (fd < 0) return NULL;
    if (size > ((off_t)1 << 32)) {
        snprintf(err, errlen, "%s: cannot read (size)", path);
        close(fd);
        return NULL;
    }
    size_t n = (size_t)size, got = 0;
    char *buf = malloc(n + 1);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* Splits the next line off *p (CR/LF/blanks stripped at the end); NULL at the end. */
static char *next_line(char **p, long *lineno) {
    if (!**p) return NULL;
    char *s = *p, *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    (*lineno)++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* Splits blank-separated fields in place; returns the count (up to max). */
static int fields(char *s, char **f, int max) {
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        if (n < max) f[n] = s;
        n++;
        while (*s && *s != ' ' && *s != '\t') s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

/* NNNNNN.jpg -> NNNNNN (1 .. 9,999,999), else -1 */
static long image_number(const char *name) {
    long v = 0;
    int d = 0;
    while (isdigit((unsigned char)*name) && d < 8) v = v * 10 + (*name++ - '0'), d++;
    if (!d || d > 7 || strcmp(name, ".jpg") != 0 || v < 1) return -1;
    return v;
}

typedef struct {
    long cap;             /* image numbers 0..cap-1 */
    uint8_t *has_attr;
    uint8_t *attrs;       /* cap x 40 */
    int32_t *identity;    /* 0: none */
    uint8_t *partition;   /* 3: none */
} table;

static int table_grow(table *t, long num) {
    if (num < t->cap) return 0;
    long cap = t->cap ? t->cap : 4096;
    while (cap <= num) cap *= 2;
    uint8_t *ha = realloc(t->has_attr, (size_t)cap);
    if (ha) t->has_attr = ha;
    uint8_t *at = realloc(t->attrs, (size_t)cap * PT_CELEBA_ATTRS);
    if (at) t->attrs = at;
    int32_t *id = realloc(t->identity, (size_t)cap * sizeof *id);
    if (id) t->identity = id;
    uint8_t *pa = realloc(t->partition, (size_t)cap);
    if (pa) t->partition = pa;
    if (!ha || !at || !id || !pa) return -1;
    memset(t->has_attr + t->cap, 0, (size_t)(cap - t->cap));
    memset(t->identity + t->cap, 0, (size_t)(cap - t->cap) * sizeof *id);
    memset(t->partition + t->cap, 3, (size_t)(cap - t->cap));
    t->cap = cap;
    return 0;
}

/* CelebA numbers its images 1..202,599 and lists them all, a line each (8 bytes at
 * least). The table is indexed by number, so a number is checked against the list's
 * size before the table grows to it: up to 262,144 always, beyond only when the file
 * could list one in 64 of the numbers past that (a 14-byte list naming 9999999.jpg
 * asked for 770 MB). */
#define CELEBA_NUM_ALWAYS 262144L

/* Room for image num in t (a line of path, a list of len bytes). 0, or -1 with err. */
static int table_reserve(table *t, long num, size_t len, const char *path, long line, char *err, size_t errlen) {
    if (num > CELEBA_NUM_ALWAYS && (size_t)(num - CELEBA_NUM_ALWAYS) / 64 > len / 8)
        return snprintf(err, errlen, "%s:%ld: image number %ld is implausible for a list of %zu bytes", path, line,
                        num, len),
               -1;
    if (table_grow(t, num)) return snprintf(err, errlen, "%s: out of memory", path), -1;
    return 0;
}

static void table_free(table *t) {
    free(t->has_attr);
    free(t->attrs);
    free(t->identity);
    free(t->partition);
}

static int parse_attrs(const char *path, table *t, char names[PT_CELEBA_ATTRS][32], int64_t *count,
                       char *err, size_t errlen) {
    size_t len;
    char *buf = read_all(path, &len, err, errlen), *p = buf, *s;
    if (!buf) return -1;
    long line = 0, declared = -1;
    int64_t listed = 0;
    char *f[PT_CELEBA_ATTRS + 2];
    int rc = -1;
    while ((s = next_line(&p, &line))) {
        if (!*s) continue;
        if (declared < 0) {
            if (pt_parse_long(s, &declared) != 0 || declared < 0) {
                snprintf(err, errlen, "%s:%ld: expected the image count, found '%.40s'", path, line, s);
                goto out;
            }
            continue;
        }
        int nf = fields(s, f, PT_CELEBA_ATTRS + 2);
        if (!names[0][0] && listed == 0 && nf > 0 && image_number(f[0]) < 0) {
            if (nf != PT_CELEBA_ATTRS) {
                snprintf(err, errlen, "%s:%ld: expected %d attribute names, found %d", path, line,
                         PT_CELEBA_ATTRS, nf);
                goto out;
            }
            for (int a = 0; a < PT_CELEBA_ATTRS; a++) pt_strlcpy(names[a], f[a], 32);
            continue;
        }
        if (!names[0][0]) {
            snprintf(err, errlen, "%s:%ld: expected the line of %d attribute names", path, line, PT_CELEBA_ATTRS);
            goto out;
        }
        if (nf != PT_CELEBA_ATTRS + 1) {
            snprintf(err, errlen, "%s:%ld: expected a file name and %d values, found %d fields", path, line,
                     PT_CELEBA_ATTRS, nf);
            goto out;
        }
        long num = image_number(f[0]);
        if (num < 0) {
            snprintf(err, errlen, "%s:%ld: '%.40s' is not an image name like 000001.jpg", path, line, f[0]);
            goto out;
        }
        if (table_reserve(t, num, len, path, line, err, errlen)) goto out;
        if (t->has_attr[num]) {
            snprintf(err, errlen, "%s:%ld: %s listed twice", path, line, f[0]);
            goto out;
        }
        for (int a = 0; a < PT_CELEBA_ATTRS; a++) {
            const char *v = f[1 + a];
            if (!strcmp(v, "1")) t->attrs[num * PT_CELEBA_ATTRS + a] = 1;
            else if (!strcmp(v, "-1")) t->attrs[num * PT_CELEBA_ATTRS + a] = 0;
            else {
                snprintf(err, errlen, "%s:%ld: %s: value '%.20s' is not 1 or -1", path, line, names[a], v);
                goto out;
            }
        }
        t->has_attr[num] = 1;
        listed++;
    }
    if (declared < 0 || !names[0][0]) {
        snprintf(err, errlen, "%s: no count line and attribute names", path);
        goto out;
    }
    if (listed != declared) {
        snprintf(err, errlen, "%s: declares %ld images, lists %lld", path, declared, (long long)listed);
        goto out;
    }
    *count = listed;
    rc = 0;
out:
    free(buf);
    return rc;
}

/* "NNNNNN.jpg VALUE" lines: identity (>= 1) or partition (0..2). */
static int parse_pairs(const char *path, table *t, int partition, int64_t *count, char *err, size_t errlen) {
    size_t len;
    char *buf = read_all(path, &len, err, errlen), *p = buf, *s;
    if (!buf) return -1;
    long line = 0;
    char *f[3];
    int rc = -1;
    *count = 0;
    while ((s = next_line(&p, &line))) {
        if (!*s) continue;
        int nf = fields(s, f, 3);
        long num = nf == 2 ? image_number(f[0]) : -1, v = -1;
        if (nf != 2 || num < 0 || pt_parse_long(f[1], &v) != 0 ||
            (partition ? (v < 0 || v > 2) : (v < 1 || v > 0x7fffffff))) {
            snprintf(err, errlen, "%s:%ld: expected 'NNNNNN.jpg %s', found '%.60s%s%.20s'", path, line,
                     partition ? "0|1|2" : "ID", nf > 0 ? f[0] : "", nf > 1 ? " " : "", nf > 1 ? f[1] : "");
            goto out;
        }
        if (table_reserve(t, num, len, path, line, err, errlen)) goto out;
        if (partition ? t->partition[num] != 3 : t->identity[num] != 0) {
            snprintf(err, errlen, "%s:%ld: %s listed twice", path, line, f[0]);
            goto out;
        }
        if (partition) t->partition[num] = (uint8_t)v;
        else t->identity[num] = (int32_t)v;
        (*count)++;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

/* ---- the blob: header + arrays, the same in memory and in the cache file ------ */

#define CACHE_MAGIC "PTCELEBA"
#define CACHE_VERSION 1u

typedef struct {
    char magic[8];
    uint32_t version, header_size;
    uint64_t key;
    int32_t width, height, nidentities, pad;
    int64_t n, attr_lines, identity_lines, both_labels, skipped;
    int32_t identity_id[256];
    char attr_names[PT_CELEBA_ATTRS][32];
    char skipped_names[PT_CELEBA_MAX_SKIPPED_NAMES][24];
} blob_header;

static size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

static size_t blob_layout(int64_t n, int w, int h, size_t off[5]) {
    size_t o = align64(sizeof(blob_header));
    off[0] = o; /* images */
    o = align64(o + (size_t)n * (size_t)w * (size_t)h * 3);
    off[1] = o; /* identity */
    o = align64(o + (size_t)n);
    off[2] = o; /* attrs */
    o = align64(o + (size_t)n * PT_CELEBA_ATTRS);
    off[3] = o; /* partition */
    o = align64(o + (size_t)n);
    off[4] = o; /* file numbers */
    return o + (size_t)n * sizeof(int32_t);
}

static void attach(pt_celeba *c, void *blob) {
    const blob_header *h = blob;
    size_t off[5];
    blob_layout(h->n, h->width, h->height, off);
    c->width = h->width;
    c->height = h->height;
    c->n = h->n;
    c->images = (const uint8_t *)blob + off[0];
    c->identity = (const uint8_t *)blob + off[1];
    c->attrs = (const uint8_t *)blob + off[2];
    c->partition = (const uint8_t *)blob + off[3];
    c->file_number = (const int32_t *)((const char *)blob + off[4]);
    c->nidentities = h->nidentities;
    memcpy(c->identity_id, h->identity_id, sizeof c->identity_id);
    memcpy(c->attr_names, h->attr_names, sizeof c->attr_names);
    c->attr_lines = h->attr_lines;
    c->identity_lines = h->identity_lines;
    c->both_labels = h->both_labels;
    c->skipped = h->skipped;
    memcpy(c->skipped_names, h->skipped_names, sizeof c->skipped_names);
}

static int cache_read(pt_celeba *c, uint64_t key) {
    int fd = pt_open_regular(c->cache_path, NULL, NULL, 0); /* a FIFO there is no cache */
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(blob_header)) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return -1;
    const blob_header *h = m;
    size_t off[5];
    int ok = !memcmp(h->magic, CACHE_MAGIC, 8) && h->version == CACHE_VERSION &&
             h->header_size == sizeof *h && h->key == key && h->width == c->opt.width &&
             h->height == c->opt.height && h->n >= 0 && h->n < ((int64_t)1 << 32) &&
             h->nidentities >= 1 && h->nidentities <= 256 &&
             blob_layout(h->n, h->width, h->height, off) == (size_t)st.st_size;
    if (ok) {
        const uint8_t *id = (const uint8_t *)m + off[1];
        for (int64_t i = 0; ok && i < h->n; i++) ok = id[i] < h->nidentities;
    }
    if (!ok) {
        munmap(m, (size_t)st.st_size);
        return -1;
    }
    c->map = m;
    c->map_len = (size_t)st.st_size;
    attach(c, m);
    c->from_cache = 1;
    return 0;
}

/* ---- subset -------------------------------------------------------------- */

typedef struct {
    int32_t id;
    int64_t count;
} id_count;

static int cmp_count(const void *a, const void *b) {
    const id_count *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int make_split(pt_celeba *c) {
    for (int k = 0; k < 3; k++) {
        c->nsplit[k] = 0;
        c->split_rows[k] = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof(int64_t));
        if (!c->split_rows[k]) return -1;
    }
    uint8_t *which = malloc((size_t)(c->n > 0 ? c->n : 1));
    int64_t *mine = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof *mine);
    if (!which || !mine) {
        free(which);
        free(mine);
        return -1;
    }
    if (c->opt.official_split) {
        for (int64_t i = 0; i < c->n; i++) which[i] = c->partition[i] < 3 ? c->partition[i] : 0;
    } else {
        for (int cls = 0; cls < c->nidentities; cls++) {
            int64_t m = 0;
            for (int64_t i = 0; i < c->n; i++)
                if (c->identity[i] == cls) mine[m++] = i;
            pt_rng r;
            pt_rng_seed(&r, c->opt.split_seed, (uint64_t)c->identity_id[cls]);
            for (int64_t i = m - 1; i > 0; i--) {
                int64_t j = (int64_t)pt_rng_below(&r, (uint64_t)i + 1), t = mine[i];
                mine[i] = mine[j];
                mine[j] = t;
            }
            int64_t nv = llround((double)m * c->opt.val_fraction), nt = llround((double)m * c->opt.test_fraction);
            if (nv + nt > m) nt = m - nv;
            for (int64_t i = 0; i < m; i++) which[mine[i]] = i < nv ? 1 : i < nv + nt ? 2 : 0;
        }
    }
    for (int64_t i = 0; i < c->n; i++) c->split_rows[which[i]][c->nsplit[which[i]]++] = i;
    free(which);
    free(mine);
    return 0;
}

static void raw_view(const pt_celeba *c, pt_celeba_split split, pt_dataset *ds) {
    static const char *names[3] = {"celeba-train", "celeba-val", "celeba-test"};
    int shape[3] = {c->height, c->width, 3};
    pt_dataset_init(ds, names[split], c->nsplit[split], 3, shape, PT_DATA_U8, c->images);
    ds->rows = c->split_rows[split];
    ds->label = c->identity;
    ds->nclasses = c->nidentities;
    ds->targets = c->attrs;
    ds->ntargets = PT_CELEBA_ATTRS;
    ds->scale = 1.0f / 255.0f;
}

void pt_celeba_dataset(const pt_celeba *c, pt_celeba_split split, pt_dataset *ds) {
    raw_view(c, split, ds);
    pt_dataset_set_norm(ds, c->mean, c->std);
}

/* ---- load / build ----------------------------------------------------------- */

/* What one load works with, from the label files to the image blob. */
typedef struct {
    const pt_celeba_options *o;
    char absdir[PATH_MAX], pa[PATH_MAX + 64], pi[PATH_MAX + 64], pp[PATH_MAX + 64];
    table t;
    blob_header *h;
    id_count *ic; /* identities with both label sets and their image counts */
    int nic;
    int32_t *sel; /* the subset's file numbers, ascending */
    int64_t nsel;
    uint64_t key;
} build;

static int check_options(const pt_celeba_options *o, char *err, size_t errlen) {
    if (o->width < 1 || o->height < 1 || o->width > 4096 || o->height > 4096 || o->identities < 1 ||
        o->identities > 256 || !(o->val_fraction >= 0) || !(o->test_fraction >= 0) ||
        o->val_fraction + o->test_fraction > 1) {
        snprintf(err, errlen, "celeba: bad options (size %dx%d, %d identities, fractions %g/%g)", o->width,
                 o->height, o->identities, o->val_fraction, o->test_fraction);
        return -1;
    }
    return 0;
}

/* The three label files (the partition is optional). */
static int read_labels(build *b, const char *dir, char *err, size_t errlen) {
    if (pt_check_dir(dir, err, errlen) != 0) return -1;
    if (!realpath(dir, b->absdir)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(b->pa, sizeof b->pa, "%s/list_attr_celeba.txt", b->absdir);
    snprintf(b->pi, sizeof b->pi, "%s/identity_CelebA.txt", b->absdir);
    snprintf(b->pp, sizeof b->pp, "%s/list_eval_partition.txt", b->absdir);
    b->h = calloc(1, sizeof *b->h);
    if (!b->h) return snprintf(err, errlen, "out of memory"), -1;
    if (parse_attrs(b->pa, &b->t, b->h->attr_names, &b->h->attr_lines, err, errlen)) return -1;
    if (parse_pairs(b->pi, &b->t, 0, &b->h->identity_lines, err, errlen)) return -1;
    int64_t nparts = 0;
    if (access(b->pp, F_OK) == 0 && parse_pairs(b->pp, &b->t, 1, &nparts, err, errlen)) return -1;
    return 0;
}

/* Counts the images with both label sets per identity (b->ic, ascending id). */
static int count_identities(build *b, char *err, size_t errlen) {
    const table *t = &b->t;
    int64_t both = 0;
    for (long i = 0; i < t->cap; i++) both += t->has_attr[i] && t->identity[i] > 0;
    b->h->both_labels = both;
    int32_t *ids = malloc((size_t)(both > 0 ? both : 1) * sizeof *ids);
    if (!ids) return snprintf(err, errlen, "out of memory"), -1;
    int64_t k = 0;
    for (long i = 0; i < t->cap; i++)
        if (t->has_attr[i] && t->identity[i] > 0) ids[k++] = t->identity[i];
    qsort(ids, (size_t)k, sizeof *ids, cmp_i32);
    b->ic = malloc((size_t)(k > 0 ? k : 1) * sizeof *b->ic);
    for (int64_t i = 0; b->ic && i < k; i++) {
        if (b->nic && b->ic[b->nic - 1].id == ids[i]) b->ic[b->nic - 1].count++;
        else b->ic[b->nic++] = (id_count){ids[i], 1};
    }
    free(ids);
    if (!b->ic) return snprintf(err, errlen, "out of memory"), -1;
    return 0;
}

/* The most frequent identities (h->identity_id, ascending) and their images (b->sel). */
static int select_subset(build *b, char *err, size_t errlen) {
    const pt_celeba_options *o = b->o;
    blob_header *h = b->h;
    if (count_identities(b, err, errlen) != 0) return -1;
    if (b->nic < o->identities) {
        snprintf(err, errlen, "%s: %d identities have both label sets, %d needed", b->absdir, b->nic, o->identities);
        return -1;
    }
    qsort(b->ic, (size_t)b->nic, sizeof *b->ic, cmp_count);
    h->nidentities = o->identities;
    for (int i = 0; i < o->identities; i++) h->identity_id[i] = b->ic[i].id;
    qsort(h->identity_id, (size_t)o->identities, sizeof(int32_t), cmp_i32);
    int64_t nsel = 0;
    for (int i = 0; i < o->identities; i++)
        for (int j = 0; j < b->nic; j++)
            if (b->ic[j].id == h->identity_id[i]) nsel += b->ic[j].count;
    b->sel = malloc((size_t)(nsel > 0 ? nsel : 1) * sizeof *b->sel);
    if (!b->sel) return snprintf(err, errlen, "out of memory"), -1;
    for (long i = 0; i < b->t.cap; i++) {
        if (!b->t.has_attr[i] || b->t.identity[i] <= 0) continue;
        if (bsearch(&b->t.identity[i], h->identity_id, (size_t)o->identities, sizeof(int32_t), cmp_i32))
            b->sel[b->nsel++] = (int32_t)i;
    }
    return 0;
}

/* The cache key: the label files, the subset's images, the options. */
static uint64_t cache_key(const build *b) {
    uint64_t key = PT_DATA_FNV_INIT;
    key = pt_data_fnv(key, "celeba v1", 9);
    pt_data_fnv_file(&key, b->pa);
    pt_data_fnv_file(&key, b->pi);
    pt_data_fnv_file(&key, b->pp);
    char img[PATH_MAX + 64];
    for (int64_t i = 0; i < b->nsel; i++) {
        snprintf(img, sizeof img, "%s/img_align_celeba/%06d.jpg", b->absdir, b->sel[i]);
        if (pt_data_fnv_file(&key, img) != 0) key = pt_data_fnv(key, img, strlen(img));
    }
    int kopt[3] = {b->o->width, b->o->height, b->o->identities};
    return pt_data_fnv(key, kopt, sizeof kopt);
}

/* Row n of the blob gets the labels of image num. */
static void put_labels(const build *b, uint8_t *blob, const size_t *off, int64_t n, int32_t num) {
    int cls = (int)((int32_t *)bsearch(&b->t.identity[num], b->h->identity_id, (size_t)b->o->identities,
                                       sizeof(int32_t), cmp_i32) -
                    b->h->identity_id);
    blob[off[1] + (size_t)n] = (uint8_t)cls;
    memcpy(blob + off[2] + (size_t)n * PT_CELEBA_ATTRS, b->t.attrs + (size_t)num * PT_CELEBA_ATTRS,
           PT_CELEBA_ATTRS);
    blob[off[3] + (size_t)n] = b->t.partition[num];
    ((int32_t *)(blob + off[4]))[n] = num;
}

/* Decodes every image of the subset into blob (laid out for nsel images); an
 * unreadable one is skipped and named. Returns the images kept, or -1 with err. */
static int64_t decode_all(build *b, uint8_t *blob, const size_t *off, char *err, size_t errlen) {
    const pt_celeba_options *o = b->o;
    void *tj = tjInitDecompress();
    if (!tj) return snprintf(err, errlen, "out of memory for %lld images", (long long)b->nsel), -1;
    size_t isz = (size_t)o->width * (size_t)o->height * 3;
    int64_t n = 0;
    char img[PATH_MAX + 64];
    for (int64_t i = 0; i < b->nsel; i++) {
        snprintf(img, sizeof img, "%s/img_align_celeba/%06d.jpg", b->absdir, b->sel[i]);
        size_t jlen = 0;
        char jerr[256];
        unsigned char *jbuf = (unsigned char *)read_all(img, &jlen, jerr, sizeof jerr);
        int ok = jbuf && pt_celeba_decode_fit(tj, jbuf, jlen, o->width, o->height, blob + off[0] + (size_t)n * isz,
                                              jerr, sizeof jerr) == 0;
        free(jbuf);
        if (ok) {
            put_labels(b, blob, off, n++, b->sel[i]);
        } else {
            /* a decoder that failed can keep a broken state (TurboJPEG 2.1): start afresh */
            tjDestroy(tj);
            tj = tjInitDecompress();
            if (!tj) return snprintf(err, errlen, "cannot restart the JPEG decoder"), -1;
            if (b->h->skipped < PT_CELEBA_MAX_SKIPPED_NAMES)
                snprintf(b->h->skipped_names[b->h->skipped], sizeof b->h->skipped_names[0], "%06d.jpg", b->sel[i]);
            b->h->skipped++;
        }
        if (o->progress) o->progress(o->progress_ctx, i + 1, b->nsel);
    }
    tjDestroy(tj);
    return n;
}

/* Writes the blob (total bytes) to the cache; on failure the load stays uncached. */
static void cache_store(pt_celeba *out, size_t total) {
    if (!out->cache_path[0]) return;
    pt_atomic_file af;
    int ok = pt_atomic_open(&af, out->cache_path) == 0;
    if (ok) {
        fwrite(out->heap, 1, total, af.f);
        ok = pt_atomic_commit(&af) == 0;
    }
    if (!ok) out->cache_path[0] = '\0';
}

/* Builds the blob of the subset (decoding every image), attaches it to out and caches it. */
static int build_blob(build *b, pt_celeba *out, char *err, size_t errlen) {
    const pt_celeba_options *o = b->o;
    size_t off[5];
    uint8_t *blob = calloc(1, blob_layout(b->nsel, o->width, o->height, off));
    if (!blob) return snprintf(err, errlen, "out of memory for %lld images", (long long)b->nsel), -1;
    int64_t n = decode_all(b, blob, off, err, errlen);
    if (n < 0) {
        free(blob);
        return -1;
    }
    /* compact the arrays to n images */
    size_t noff[5];
    size_t ntotal = blob_layout(n, o->width, o->height, noff);
    for (int a = 1; a < 5; a++) {
        size_t bytes = a == 2 ? (size_t)n * PT_CELEBA_ATTRS : a == 4 ? (size_t)n * 4 : (size_t)n;
        memmove(blob + noff[a], blob + off[a], bytes);
    }
    blob_header *h = b->h;
    memcpy(h->magic, CACHE_MAGIC, 8);
    h->version = CACHE_VERSION;
    h->header_size = sizeof *h;
    h->key = b->key;
    h->width = o->width;
    h->height = o->height;
    h->n = n;
    memcpy(blob, h, sizeof *h);
    out->heap = blob;
    attach(out, out->heap);
    if (n == 0) {
        snprintf(err, errlen, "%s: none of the %lld subset images could be decoded (first: %s)", b->absdir,
                 (long long)b->nsel, h->skipped_names[0]);
        return -1;
    }
    cache_store(out, ntotal);
    return 0;
}

/* The subset of dir in out: from the cache when it holds it, else built (and cached). */
static int load_subset(build *b, const char *dir, pt_celeba *out, char *err, size_t errlen) {
    if (read_labels(b, dir, err, errlen) != 0 || select_subset(b, err, errlen) != 0) return -1;
    b->key = cache_key(b);
    char cdir[3800], cerr[512];
    int cr = pt_data_cache_dir(b->o->cache_dir, cdir, sizeof cdir, cerr, sizeof cerr);
    if (cr == 0)
        snprintf(out->cache_path, sizeof out->cache_path, "%s/celeba-%016llx.bin", cdir,
                 (unsigned long long)b->key);
    if (cr == 0 && cache_read(out, b->key) == 0) return 0;
    return build_blob(b, out, err, errlen);
}

int pt_celeba_load(const char *dir, const pt_celeba_options *o, pt_celeba *out, char *err,
                   size_t errlen) {
    memset(out, 0, sizeof *out);
    pt_celeba_options defo;
    if (!o) {
        pt_celeba_options_init(&defo);
        o = &defo;
    }
    if (check_options(o, err, errlen) != 0) return -1;
    out->opt = *o;
    build *b = calloc(1, sizeof *b);
    if (!b) return snprintf(err, errlen, "out of memory"), -1;
    b->o = o;
    int rc = load_subset(b, dir, out, err, errlen);
    free(b->sel);
    free(b->ic);
    free(b->h);
    table_free(&b->t);
    free(b);
    if (rc == 0 && make_split(out) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc != 0) {
        pt_celeba_free(out);
        return -1;
    }
    pt_dataset tr;
    raw_view(out, PT_CELEBA_TRAIN, &tr);
    for (int c = 0; c < 3; c++) {
        out->mean[c] = 0;
        out->std[c] = 1;
    }
    if (tr.n > 0) pt_dataset_channel_stats(&tr, out->mean, out->std);
    return 0;
}

void pt_celeba_free(pt_celeba *c) {
    if (c->map) munmap(c->map, c->map_len);
    free(c->heap);
    for (int k = 0; k < 3; k++) free(c->split_rows[k]);
    memset(c, 0, sizeof *c);
}
