/* pamap2.c -- PAMAP2 loading: files, NaN policy, segments and sliding windows, the
 * leave-subjects-out split, training statistics and the mmapped window cache
 * (the policy is documented in pamap2.h). */
#include "data/pamap2.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/cache.h"
#include "util/fs.h"
#include "util/grow.h"
#include "util/str.h"

const int pt_pamap2_activities[PT_PAMAP2_CLASSES_ALL] = {1,  2,  3,  4,  5,  6,  7,  12, 13,
                                                         16, 17, 24, 9,  10, 11, 18, 19, 20};

const char *pt_pamap2_activity_name(int id) {
    switch (id) {
    case 0: return "transient";
    case 1: return "lying";
    case 2: return "sitting";
    case 3: return "standing";
    case 4: return "walking";
    case 5: return "running";
    case 6: return "cycling";
    case 7: return "Nordic walking";
    case 9: return "watching TV";
    case 10: return "computer work";
    case 11: return "car driving";
    case 12: return "ascending stairs";
    case 13: return "descending stairs";
    case 16: return "vacuum cleaning";
    case 17: return "ironing";
    case 18: return "folding laundry";
    case 19: return "house cleaning";
    case 20: return "playing soccer";
    case 24: return "rope jumping";
    default: return NULL;
    }
}

int pt_pamap2_activity_class(int id, int optional) {
    int n = optional ? PT_PAMAP2_CLASSES_ALL : PT_PAMAP2_CLASSES;
    for (int i = 0; i < n; i++)
        if (pt_pamap2_activities[i] == id) return i;
    return -1;
}

static void default_channels(pt_pamap2_options *o) {
    o->nchannels = 0;
    o->columns[o->nchannels++] = 2;
    for (int u = 0; u < 3; u++)
        for (int f = 0; f < 13; f++) o->columns[o->nchannels++] = 3 + 17 * u + f;
}

void pt_pamap2_options_init(pt_pamap2_options *o) {
    memset(o, 0, sizeof *o);
    o->window = PT_PAMAP2_WINDOW;
    o->step = PT_PAMAP2_STEP;
    default_channels(o);
    o->max_gap = PT_PAMAP2_MAX_GAP;
    o->nval = o->ntest = -1;
}

int pt_pamap2_set_channels(pt_pamap2_options *o, const char *spec, char *err, size_t errlen) {
    if (!strcmp(spec, "default")) {
        default_channels(o);
        return 0;
    }
    int cols[PT_PAMAP2_COLUMNS], n = 0;
    if (!strcmp(spec, "acc") || !strcmp(spec, "imu")) {
        for (int u = 0; u < 3; u++)
            for (int f = 0; f < 13; f++)
                if (spec[0] == 'i' || (f >= 1 && f <= 3)) cols[n++] = 3 + 17 * u + f;
    } else {
        char tmp[2048];
        if (pt_strlcpy(tmp, spec, sizeof tmp) >= sizeof tmp) {
            snprintf(err, errlen, "channel list too long");
            return -1;
        }
        char *save = NULL;
        for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            t = pt_trim(t);
            long c = -1;
            if (pt_parse_long(t, &c) != 0) {
                char name[32];
                for (int k = 0; k < PT_PAMAP2_COLUMNS; k++)
                    if (!strcmp(t, pt_pamap2_column_name(k, name, sizeof name))) c = k;
            }
            if (c < 2 || c >= PT_PAMAP2_COLUMNS) {
                snprintf(err, errlen,
                         "unknown channel '%s' (a column 2..53 or a name like heart_rate, chest_acc16_x)", t);
                return -1;
            }
            if (n >= PT_DATA_MAX_CHANNELS) {
                snprintf(err, errlen, "more than %d channels", PT_DATA_MAX_CHANNELS);
                return -1;
            }
            for (int k = 0; k < n; k++)
                if (cols[k] == c) {
                    snprintf(err, errlen, "channel '%s' listed twice", t);
                    return -1;
                }
            cols[n++] = (int)c;
        }
        if (n == 0) {
            snprintf(err, errlen, "empty channel list");
            return -1;
        }
    }
    o->nchannels = n;
    memcpy(o->columns, cols, (size_t)n * sizeof *cols);
    return 0;
}

/* ---- growable arrays ------------------------------------------------------ */

typedef struct {
    void *p;
    size_t n, cap, esz;
} vec;

static int vec_reserve(vec *v, size_t more) {
    if (v->n + more <= v->cap) return 0;
    size_t cap = v->cap ? v->cap : 1024;
    while (cap < v->n + more) cap *= 2;
    void *p = realloc(v->p, cap * v->esz);
    if (!p) return -1;
    v->p = p;
    v->cap = cap;
    return 0;
}

/* ---- files ------------------------------------------------------------------ */

typedef struct {
    char path[4096];
    int subject;
} src_file;

static int cmp_file(const void *a, const void *b) {
    return strcmp(((const src_file *)a)->path, ((const src_file *)b)->path);
}

/* subjectNNN.dat -> NNN, else -1 */
static int subject_of(const char *name) {
    if (strncmp(name, "subject", 7) != 0) return -1;
    const char *p = name + 7;
    int v = 0, d = 0;
    while (isdigit((unsigned char)*p) && d < 6) v = v * 10 + (*p++ - '0'), d++;
    if (!d || strcmp(p, ".dat") != 0) return -1;
    return v;
}

static int list_dir(const char *dir, src_file **files, int *nfiles, size_t *cap) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        int s = subject_of(e->d_name);
        if (s < 0) continue;
        src_file *nf = pt_grow(*files, sizeof *nf, (size_t)*nfiles, cap, 16);
        if (!nf) break;
        *files = nf;
        snprintf((*files)[*nfiles].path, sizeof(*files)[0].path, "%s/%s", dir, e->d_name);
        (*files)[*nfiles].subject = s;
        (*nfiles)++;
    }
    closedir(d);
    return 0;
}

/* ---- parsing one file into rows --------------------------------------------- */

typedef struct {
    const pt_pamap2_options *o;
    const char *path;
    char *err;
    size_t errlen;
    vec t, act, v; /* double, int, float (rows x C) */
} file_rows;

/* The activity column as an ID: a whole number 0..255 that names a PAMAP2 activity,
 * range-checked before the cast (a NaN or huge double cast to int is undefined). -1 if not. */
static int activity_id(double a) {
    if (!(a >= 0 && a <= 255) || a != floor(a)) return -1;
    int id = (int)a;
    return pt_pamap2_activity_name(id) ? id : -1;
}

/* The channels of one row as floats; a finite value beyond float's range is an error
 * (it would become inf). 0, or -1 with err. */
static int row_channels(file_rows *fr, long long line, const double *x, float *v) {
    for (int c = 0; c < fr->o->nchannels; c++) {
        int col = fr->o->columns[c];
        if (fabs(x[col]) > FLT_MAX) {
            char name[32];
            snprintf(fr->err, fr->errlen, "%s:%lld: field %d (%s): '%g' is out of range", fr->path, line, col + 1,
                     pt_pamap2_column_name(col, name, sizeof name), x[col]);
            return -1;
        }
        v[c] = (float)x[col]; /* NaN stays NaN (heart rate is held later, IMU gaps filled) */
    }
    return 0;
}

static int on_row(void *ctx, long long line, const double *x) {
    file_rows *fr = ctx;
    double a = x[1];
    int id = activity_id(a);
    if (id < 0) {
        char tok[64] = "NaN";
        if (!isnan(a)) snprintf(tok, sizeof tok, "%g", a);
        snprintf(fr->err, fr->errlen, "%s:%lld: field 2 (activity): '%s' is not a PAMAP2 activity ID",
                 fr->path, line, tok);
        return -1;
    }
    if (isnan(x[0])) {
        snprintf(fr->err, fr->errlen, "%s:%lld: field 1 (timestamp): NaN", fr->path, line);
        return -1;
    }
    int C = fr->o->nchannels;
    if (vec_reserve(&fr->t, 1) || vec_reserve(&fr->act, 1) || vec_reserve(&fr->v, (size_t)C)) {
        snprintf(fr->err, fr->errlen, "%s:%lld: out of memory", fr->path, line);
        return -1;
    }
    if (row_channels(fr, line, x, (float *)fr->v.p + fr->v.n) != 0) return -1;
    ((double *)fr->t.p)[fr->t.n++] = x[0];
    ((int *)fr->act.p)[fr->act.n++] = id;
    fr->v.n += (size_t)C;
    return 0;
}

/* ---- the whole build ---------------------------------------------------------- */

typedef struct {
    vec series;  /* float */
    vec offset;  /* int64 */
    vec label;   /* uint8 */
    vec subject; /* uint8 */
} build_out;

/* Applies the NaN policy to one file's rows and appends its windows. */
/* Heart rate (column 2): hold the last reading, back-fill the start. v: n x C. */
static void hold_heart_rate(const pt_pamap2_options *o, float *v, int64_t n) {
    int C = o->nchannels;
    for (int c = 0; c < C; c++) {
        if (o->columns[c] != 2) continue;
        float last = NAN;
        int64_t first = -1;
        for (int64_t i = 0; i < n; i++) {
            float *x = &v[i * C + c];
            if (!isnan(*x)) {
                last = *x;
                if (first < 0) first = i;
            } else {
                *x = last;
            }
        }
        for (int64_t i = 0; i < first; i++) v[i * C + c] = v[first * C + c];
    }
}

/* IMU gaps of at most max_gap samples in the segment [a, b): interpolated between
 * the neighbouring readings, held at the segment's edges. */
static void fill_gaps(pt_pamap2 *p, const pt_pamap2_options *o, float *v, int64_t a, int64_t b) {
    int C = o->nchannels;
    for (int c = 0; c < C; c++) {
        if (o->columns[c] == 2) continue;
        int64_t i = a;
        while (i < b) {
            if (!isnan(v[i * C + c])) {
                i++;
                continue;
            }
            int64_t j = i;
            while (j < b && isnan(v[j * C + c])) j++;
            if (j - i <= o->max_gap && (i > a || j < b)) {
                float l = i > a ? v[(i - 1) * C + c] : v[j * C + c];
                float r = j < b ? v[j * C + c] : l;
                for (int64_t k = i; k < j; k++) {
                    float f = (float)(k - i + 1) / (float)(j - i + 1);
                    v[k * C + c] = i > a && j < b ? l + (r - l) * f : (i > a ? l : r);
                }
                p->interpolated += j - i;
            }
            i = j;
        }
    }
}

/* The windows of the segment [a, b) (class cls) without NaN go to bo, and the
 * segment's series with them. bad: b - a + 1 entries of scratch. 0, or -1 (memory). */
static int cut_windows(pt_pamap2 *p, const pt_pamap2_options *o, const float *v, int64_t a, int64_t b, int cls,
                       int subject, build_out *bo, int64_t *bad) {
    int C = o->nchannels;
    bad[0] = 0; /* bad[i - a + 1]: rows with a NaN in [a, i] */
    for (int64_t i = a; i < b; i++) {
        int nan = 0;
        for (int c = 0; c < C; c++) nan |= isnan(v[i * C + c]);
        bad[i - a + 1] = bad[i - a] + nan;
    }
    int64_t base = (int64_t)(bo->series.n / (size_t)C);
    int kept = 0;
    for (int64_t s = a; s + o->window <= b; s += o->step) {
        if (bad[s + o->window - a] - bad[s - a] > 0) {
            p->dropped_windows++;
            continue;
        }
        if (vec_reserve(&bo->offset, 1) || vec_reserve(&bo->label, 1) || vec_reserve(&bo->subject, 1)) return -1;
        ((int64_t *)bo->offset.p)[bo->offset.n++] = (base + (s - a)) * C;
        ((uint8_t *)bo->label.p)[bo->label.n++] = (uint8_t)cls;
        ((uint8_t *)bo->subject.p)[bo->subject.n++] = (uint8_t)(subject - 100);
        kept = 1;
    }
    if (!kept) return 0;
    if (vec_reserve(&bo->series, (size_t)((b - a) * C))) return -1;
    memcpy((float *)bo->series.p + bo->series.n, v + a * C, (size_t)((b - a) * C) * sizeof(float));
    bo->series.n += (size_t)((b - a) * C);
    return 0;
}

/* One file's rows: cleaned, cut into segments (one activity, no time jump), windowed. */
static int process_file(pt_pamap2 *p, const pt_pamap2_options *o, file_rows *fr, int subject,
                        build_out *bo) {
    int64_t n = (int64_t)fr->t.n;
    const double *t = fr->t.p;
    const int *act = fr->act.p;
    float *v = fr->v.p;
    hold_heart_rate(o, v, n);
    double max_dt = (o->max_gap + 1) * (1.0 / PT_PAMAP2_HZ) + 1e-6;
    int64_t *bad = malloc((size_t)(n + 1) * sizeof *bad);
    if (!bad) return -1;
    int rc = 0;
    for (int64_t a = 0, b; a < n && rc == 0; a = b) {
        b = a + 1;
        while (b < n && act[b] == act[a] && t[b] - t[b - 1] <= max_dt) b++;
        int cls = pt_pamap2_activity_class(act[a], o->optional);
        if (act[a] == 0) p->transient_rows += b - a;
        if (cls < 0 || b - a < o->window) continue;
        fill_gaps(p, o, v, a, b);
        rc = cut_windows(p, o, v, a, b, cls, subject, bo, bad);
    }
    free(bad);
    return rc;
}

/* ---- cache file ----------------------------------------------------------- */

#define CACHE_MAGIC "PTPAMAP2"
#define CACHE_VERSION 1u

typedef struct {
    char magic[8];
    uint32_t version, header_size;
    uint64_t key;
    int32_t window, channels, nclasses, nfiles;
    int64_t nwindows, nrows, lines, transient_rows, dropped_windows, interpolated, bytes;
} cache_header;

static size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

static void cache_layout(const cache_header *h, size_t off[4], size_t *total) {
    size_t o = align64(sizeof *h);
    off[0] = o;
    o = align64(o + (size_t)h->nrows * (size_t)h->channels * sizeof(float));
    off[1] = o;
    o = align64(o + (size_t)h->nwindows * sizeof(int64_t));
    off[2] = o;
    o = align64(o + (size_t)h->nwindows);
    off[3] = o;
    *total = o + (size_t)h->nwindows;
}

static int cache_read(pt_pamap2 *p, uint64_t key) {
    int fd = pt_open_regular(p->cache_path, NULL, NULL, 0); /* a FIFO there is no cache */
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(cache_header)) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return -1;
    const cache_header *h = m;
    size_t off[4], total;
    int ok = !memcmp(h->magic, CACHE_MAGIC, 8) && h->version == CACHE_VERSION &&
             h->header_size == sizeof *h && h->key == key && h->window == p->opt.window &&
             h->channels == p->opt.nchannels && h->nwindows >= 0 && h->nrows >= 0 &&
             h->nrows < ((int64_t)1 << 40) && h->nwindows < ((int64_t)1 << 36);
    if (ok) {
        cache_layout(h, off, &total);
        ok = total == (size_t)st.st_size;
    }
    if (ok) {
        const int64_t *offs = (const int64_t *)((const char *)m + off[1]);
        const uint8_t *lab = (const uint8_t *)m + off[2];
        int64_t lim = h->nrows * h->channels - (int64_t)h->window * h->channels;
        for (int64_t i = 0; ok && i < h->nwindows; i++)
            ok = offs[i] >= 0 && offs[i] <= lim && lab[i] < h->nclasses;
    }
    if (!ok) {
        munmap(m, (size_t)st.st_size);
        return -1;
    }
    p->map = m;
    p->map_len = (size_t)st.st_size;
    p->nclasses = h->nclasses;
    p->nwindows = h->nwindows;
    p->nrows = h->nrows;
    p->series = (const float *)((const char *)m + off[0]);
    p->offset = (const int64_t *)((const char *)m + off[1]);
    p->label = (const uint8_t *)m + off[2];
    p->subject = (const uint8_t *)m + off[3];
    p->nfiles = h->nfiles;
    p->lines = h->lines;
    p->transient_rows = h->transient_rows;
    p->dropped_windows = h->dropped_windows;
    p->interpolated = h->interpolated;
    p->bytes = h->bytes;
    p->from_cache = 1;
    return 0;
}

static int cache_write(const pt_pamap2 *p, uint64_t key) {
    cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CACHE_MAGIC, 8);
    h.version = CACHE_VERSION;
    h.header_size = sizeof h;
    h.key = key;
    h.window = p->opt.window;
    h.channels = p->opt.nchannels;
    h.nclasses = p->nclasses;
    h.nfiles = p->nfiles;
    h.nwindows = p->nwindows;
    h.nrows = p->nrows;
    h.lines = p->lines;
    h.transient_rows = p->transient_rows;
    h.dropped_windows = p->dropped_windows;
    h.interpolated = p->interpolated;
    h.bytes = p->bytes;
    size_t off[4], total;
    cache_layout(&h, off, &total);
    pt_atomic_file af;
    if (pt_atomic_open(&af, p->cache_path) != 0) return -1;
    static const char zeros[64];
    size_t pos = 0;
    const void *parts[4] = {p->series, p->offset, p->label, p->subject};
    size_t sizes[4] = {(size_t)p->nrows * (size_t)h.channels * sizeof(float),
                       (size_t)p->nwindows * sizeof(int64_t), (size_t)p->nwindows, (size_t)p->nwindows};
    fwrite(&h, sizeof h, 1, af.f);
    pos = sizeof h;
    for (int k = 0; k < 4; k++) {
        fwrite(zeros, 1, off[k] - pos, af.f);
        if (sizes[k]) fwrite(parts[k], 1, sizes[k], af.f);
        pos = off[k] + sizes[k];
    }
    return pt_atomic_commit(&af);
}

/* ---- split and statistics --------------------------------------------------- */

static int in_list(const int *l, int n, int s) {
    for (int i = 0; i < n; i++)
        if (l[i] == s) return 1;
    return 0;
}

static int make_split(pt_pamap2 *p) {
    int present[256] = {0};
    for (int64_t i = 0; i < p->nwindows; i++) present[p->subject[i]] = 1;
    int val[PT_PAMAP2_MAX_SUBJECTS], test[PT_PAMAP2_MAX_SUBJECTS], nv = 0, nt = 0;
    if (p->opt.nval >= 0 || p->opt.ntest >= 0) {
        nv = p->opt.nval > 0 ? p->opt.nval : 0;
        nt = p->opt.ntest > 0 ? p->opt.ntest : 0;
        memcpy(val, p->opt.val_subjects, (size_t)nv * sizeof(int));
        memcpy(test, p->opt.test_subjects, (size_t)nt * sizeof(int));
    } else if (present[5] && present[6]) {
        val[nv++] = 105;
        test[nt++] = 106;
    } else {
        int hi[2] = {-1, -1}, k = 0;
        for (int s = 255; s >= 0 && k < 2; s--)
            if (present[s]) hi[k++] = s + 100;
        int count = 0;
        for (int s = 0; s < 256; s++) count += present[s];
        if (count >= 3) {
            test[nt++] = hi[0];
            val[nv++] = hi[1];
        } else if (count == 2) {
            test[nt++] = hi[0];
        }
    }
    for (int k = 0; k < 3; k++) {
        p->nsplit[k] = 0;
        p->nsplit_subjects[k] = 0;
        p->split_rows[k] = malloc((size_t)(p->nwindows > 0 ? p->nwindows : 1) * sizeof(int64_t));
        if (!p->split_rows[k]) return -1;
    }
    for (int64_t i = 0; i < p->nwindows; i++) {
        int s = p->subject[i] + 100;
        int k = in_list(test, nt, s) ? PT_PAMAP2_TEST : in_list(val, nv, s) ? PT_PAMAP2_VAL : PT_PAMAP2_TRAIN;
        p->split_rows[k][p->nsplit[k]++] = i;
    }
    for (int s = 0; s < 256; s++) {
        if (!present[s]) continue;
        int k = in_list(test, nt, s + 100) ? 2 : in_list(val, nv, s + 100) ? 1 : 0;
        if (p->nsplit_subjects[k] < PT_PAMAP2_MAX_SUBJECTS)
            p->split_subjects[k][p->nsplit_subjects[k]++] = s + 100;
    }
    return 0;
}

static void raw_view(const pt_pamap2 *p, pt_pamap2_split split, pt_dataset *ds) {
    static const char *names[3] = {"pamap2-train", "pamap2-val", "pamap2-test"};
    int shape[2] = {p->window, p->channels};
    pt_dataset_init(ds, names[split], p->nsplit[split], 2, shape, PT_DATA_F32, p->series);
    ds->rows = p->split_rows[split];
    ds->offsets = p->offset;
    ds->label = p->label;
    ds->nclasses = p->nclasses;
}

void pt_pamap2_dataset(const pt_pamap2 *p, pt_pamap2_split split, pt_dataset *ds) {
    raw_view(p, split, ds);
    pt_dataset_set_norm(ds, p->mean, p->std);
}

/* ---- load ---------------------------------------------------------------- */

static int check_options(const pt_pamap2_options *o, char *err, size_t errlen) {
    if (o->window < 1 || o->step < 1 || o->nchannels < 1 || o->nchannels > PT_DATA_MAX_CHANNELS ||
        o->max_gap < 0) {
        snprintf(err, errlen, "pamap2: bad options (window %d, step %d, %d channels, max gap %d)",
                 o->window, o->step, o->nchannels, o->max_gap);
        return -1;
    }
    return 0;
}

/* The subject files of dir (Protocol/ and Optional/, or dir itself), by subject.
 * Returns their count (> 0), or -1 with err. */
static int find_files(const char *dir, const pt_pamap2_options *o, src_file **files, char *err, size_t errlen) {
    char absdir[PATH_MAX], sub[PATH_MAX + 16];
    if (pt_check_dir(dir, err, errlen) != 0) return -1;
    if (!realpath(dir, absdir)) return snprintf(err, errlen, "%s: %s", dir, strerror(errno)), -1;
    int nfiles = 0;
    size_t cap = 0;
    snprintf(sub, sizeof sub, "%s/Protocol", absdir);
    struct stat st;
    if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
        list_dir(sub, files, &nfiles, &cap);
        if (o->optional) {
            snprintf(sub, sizeof sub, "%s/Optional", absdir);
            list_dir(sub, files, &nfiles, &cap);
        }
    } else {
        list_dir(absdir, files, &nfiles, &cap);
    }
    if (nfiles == 0) return snprintf(err, errlen, "%s: no PAMAP2 files (Protocol/subject1NN.dat)", dir), -1;
    qsort(*files, (size_t)nfiles, sizeof **files, cmp_file);
    for (int i = 0; i < nfiles; i++)
        if ((*files)[i].subject < 100 || (*files)[i].subject > 355)
            return snprintf(err, errlen, "%s: subject number %d outside 100..355", (*files)[i].path,
                            (*files)[i].subject),
                   -1;
    return nfiles;
}

/* The cache key: files and the options that shape the windows. */
static uint64_t cache_key(const src_file *files, int nfiles, const pt_pamap2_options *o) {
    uint64_t key = PT_DATA_FNV_INIT;
    key = pt_data_fnv(key, "pamap2 v1", 9);
    for (int i = 0; i < nfiles; i++) pt_data_fnv_file(&key, files[i].path);
    int kopt[4] = {o->window, o->step, o->max_gap, o->optional};
    key = pt_data_fnv(key, kopt, sizeof kopt);
    return pt_data_fnv(key, o->columns, (size_t)o->nchannels * sizeof(int));
}

/* Parses, cleans and windows every file into out's heap. 0, or -1 with err. */
static int parse_all(pt_pamap2 *out, const pt_pamap2_options *o, const src_file *files, int nfiles, char *err,
                     size_t errlen) {
    build_out bo = {{NULL, 0, 0, sizeof(float)}, {NULL, 0, 0, sizeof(int64_t)}, {NULL, 0, 0, 1}, {NULL, 0, 0, 1}};
    file_rows fr = {o, NULL, err, errlen, {NULL, 0, 0, sizeof(double)}, {NULL, 0, 0, sizeof(int)},
                    {NULL, 0, 0, sizeof(float)}};
    int rc = 0;
    struct stat st;
    for (int i = 0; i < nfiles && !rc; i++) {
        fr.path = files[i].path;
        fr.t.n = fr.act.n = fr.v.n = 0;
        long long lines = pt_pamap2_parse_file(files[i].path, on_row, &fr, err, errlen);
        if (lines < 0) {
            rc = -1;
            break;
        }
        if (stat(files[i].path, &st) == 0) out->bytes += st.st_size;
        out->lines += lines;
        if (process_file(out, o, &fr, files[i].subject, &bo) != 0) {
            snprintf(err, errlen, "%s: out of memory", files[i].path);
            rc = -1;
        }
    }
    out->nfiles = nfiles;
    free(fr.t.p);
    free(fr.act.p);
    free(fr.v.p);
    out->heap[0] = bo.series.p;
    out->heap[1] = bo.offset.p;
    out->heap[2] = bo.label.p;
    out->heap[3] = bo.subject.p;
    if (rc) return -1;
    out->series = bo.series.p;
    out->offset = bo.offset.p;
    out->label = bo.label.p;
    out->subject = bo.subject.p;
    out->nwindows = (int64_t)bo.offset.n;
    out->nrows = (int64_t)(bo.series.n / (size_t)o->nchannels);
    return 0;
}

/* The windows of dir in out: from the cache when it holds them, else parsed (and cached). */
static int load_windows(const char *dir, const pt_pamap2_options *o, pt_pamap2 *out, char *err, size_t errlen) {
    src_file *files = NULL;
    int nfiles = find_files(dir, o, &files, err, errlen);
    if (nfiles < 0) {
        free(files);
        return -1;
    }
    uint64_t key = cache_key(files, nfiles, o);
    char cdir[3800], cerr[512];
    int cr = pt_data_cache_dir(o->cache_dir, cdir, sizeof cdir, cerr, sizeof cerr);
    if (cr == 0)
        snprintf(out->cache_path, sizeof out->cache_path, "%s/pamap2-%016llx.bin", cdir, (unsigned long long)key);
    int rc = 0;
    if (!(cr == 0 && cache_read(out, key) == 0)) {
        rc = parse_all(out, o, files, nfiles, err, errlen);
        if (rc == 0 && out->cache_path[0] && cache_write(out, key) != 0) out->cache_path[0] = '\0';
    }
    free(files);
    return rc;
}

int pt_pamap2_load(const char *dir, const pt_pamap2_options *o, pt_pamap2 *out, char *err,
                   size_t errlen) {
    memset(out, 0, sizeof *out);
    pt_pamap2_options defo;
    if (!o) {
        pt_pamap2_options_init(&defo);
        o = &defo;
    }
    if (check_options(o, err, errlen) != 0) return -1;
    out->opt = *o;
    out->window = o->window;
    out->channels = o->nchannels;
    out->nclasses = o->optional ? PT_PAMAP2_CLASSES_ALL : PT_PAMAP2_CLASSES;
    if (load_windows(dir, o, out, err, errlen) != 0) {
        for (int k = 0; k < 4; k++) free(out->heap[k]);
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (make_split(out) != 0) {
        pt_pamap2_free(out);
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    pt_dataset tr;
    raw_view(out, PT_PAMAP2_TRAIN, &tr);
    for (int c = 0; c < PT_DATA_MAX_CHANNELS; c++) {
        out->mean[c] = 0;
        out->std[c] = 1;
    }
    if (tr.n > 0) pt_dataset_channel_stats(&tr, out->mean, out->std);
    return 0;
}

void pt_pamap2_free(pt_pamap2 *p) {
    if (p->map) munmap(p->map, p->map_len);
    for (int k = 0; k < 4; k++) free(p->heap[k]);
    for (int k = 0; k < 3; k++) free(p->split_rows[k]);
    memset(p, 0, sizeof *p);
}
