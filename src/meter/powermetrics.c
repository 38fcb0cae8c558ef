/* powermetrics.c -- the reader of Apple's powermetrics logs for the trace
 * source: the output of
 *   sudo powermetrics --samplers cpu_power,gpu_power -i 1000 > log.txt
 *   sudo powermetrics --samplers cpu_power,gpu_power -i 1000 -f plist > log.plist
 * recorded on a Mac, replayed as a power trace with components cpu, gpu and
 * ane (Apple Silicon) or package (Intel Macs).
 *
 * Text: every sample begins with a header
 *   *** Sampled system activity (Wed Nov 10 11:45:43 2021 -0800) (1004.31ms elapsed) ***
 * and holds lines "CPU Power: 236 mW", "GPU Power: 29 mW", "ANE Power: 0 mW"
 * (the gpu_power sampler repeats "GPU Power"; the first wins) or, on Intel,
 * "Intel energy model derived package power (CPUs+GT+SA): 1.63W".
 * "Combined Power (CPU + GPU + ANE)" is their sum and is not a component.
 *
 * Plist: one XML plist document per sample (powermetrics separates them with
 * a NUL byte), a dict with elapsed_ns and a processor dict holding cpu_power,
 * gpu_power, ane_power (mW, macOS 13 and later) or cpu_energy, gpu_energy,
 * ane_energy (mJ over the sample, macOS 12); a gpu dict's gpu_power or
 * gpu_energy stands in when processor has neither.
 *
 * Each sample is the mean power over its elapsed time: its rows start where
 * the previous sample ended (the first at t = 0) and hold until the next. */
#include "meter/powermetrics.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define PM_COMPS 4
static const char *const pm_names[PM_COMPS] = {"cpu", "gpu", "ane", "package"};

/* One sample: mean power per component in watts, NAN when absent. */
typedef struct {
    double w[PM_COMPS];
    double elapsed_s;
} pm_sample;

static void sample_clear(pm_sample *s) {
    for (int i = 0; i < PM_COMPS; i++) s->w[i] = NAN;
    s->elapsed_s = NAN;
}

/* Emits the sample's rows at time *t and advances *t past it. */
static int sample_emit(const pm_sample *s, double *t, pt_trace_row_fn row, void *ctx, char *why, size_t whylen) {
    for (int i = 0; i < PM_COMPS; i++)
        if (!isnan(s->w[i]) && row(ctx, *t, pm_names[i], s->w[i], why, whylen) != 0) return -1;
    *t += s->elapsed_s;
    return 0;
}

int pt_powermetrics_detect(const char *head, size_t n) {
    size_t i = 0;
    while (i < n && (isspace((unsigned char)head[i]) || head[i] == '\0')) i++;
    const char *p = head + i;
    size_t left = n - i;
    if ((left >= 5 && memcmp(p, "<?xml", 5) == 0) || (left >= 6 && memcmp(p, "<plist", 6) == 0) ||
        (left >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0))
        return PT_PM_PLIST;
    static const char *const marks[] = {"*** Sampled system activity", "Machine model:"};
    for (int k = 0; k < 2; k++) {
        size_t ml = strlen(marks[k]);
        if (left >= ml && memcmp(p, marks[k], ml) == 0) return PT_PM_TEXT;
    }
    return 0;
}

/* --- text --------------------------------------------------------------------- */

/* "236 mW", "1.63W", "0.5 W": watts, or -1 when s is not a power. */
static double parse_power(const char *s) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0) return -1;
    while (*end == ' ') end++;
    if (strcmp(end, "mW") == 0) return v / 1000.0;
    if (strcmp(end, "W") == 0) return v;
    return -1;
}

/* Parses "(1004.31ms elapsed)" out of a sample header; seconds, or -1. */
static double header_elapsed(const char *line) {
    const char *e = strstr(line, "ms elapsed)");
    if (!e) return -1;
    const char *b = e;
    while (b > line && b[-1] != '(') b--;
    if (b == line) return -1;
    char num[48];
    size_t len = (size_t)(e - b);
    if (len == 0 || len >= sizeof num) return -1;
    memcpy(num, b, len);
    num[len] = '\0';
    double ms;
    if (pt_parse_double(num, &ms) != 0 || !(ms > 0) || !isfinite(ms)) return -1;
    return ms / 1000.0;
}

/* The component a text line reports (its index) with the value text in *val, or -1. */
static int text_component(char *line, char **val) {
    static const char *const keys[] = {"CPU Power:", "GPU Power:", "ANE Power:",
                                       "Intel energy model derived package power (CPUs+GT+SA):"};
    for (int i = 0; i < PM_COMPS; i++) {
        if (pt_starts_with(line, keys[i])) {
            *val = pt_trim(line + strlen(keys[i]));
            return i;
        }
    }
    return -1;
}

typedef struct {
    const char *path;
    long lineno;
    pm_sample cur;
    int in_sample;
    double t;
} text_state;

/* One line of a text log; 0, or -1 with why set. */
static int text_line(text_state *st, char *s, pt_trace_row_fn row, void *ctx, char *why, size_t whylen) {
    if (pt_starts_with(s, "*** Sampled system activity")) {
        if (st->in_sample && sample_emit(&st->cur, &st->t, row, ctx, why, whylen) != 0) return -1;
        sample_clear(&st->cur);
        st->cur.elapsed_s = header_elapsed(s);
        if (st->cur.elapsed_s < 0) {
            pt_say(why, whylen, "%s:%ld: sample header without \"(N ms elapsed)\"", st->path, st->lineno);
            return -1;
        }
        st->in_sample = 1;
        return 0;
    }
    char *val;
    int c = text_component(s, &val);
    if (c < 0) return 0;
    if (!st->in_sample) {
        pt_say(why, whylen, "%s:%ld: %s line before the first \"*** Sampled system activity\" header", st->path,
               st->lineno, pm_names[c]);
        return -1;
    }
    double w = parse_power(val);
    if (w < 0) {
        pt_say(why, whylen, "%s:%ld: power \"%.40s\" is not a number of mW or W", st->path, st->lineno, val);
        return -1;
    }
    if (isnan(st->cur.w[c])) st->cur.w[c] = w;
    return 0;
}

static int parse_text(FILE *f, const char *path, pt_trace_row_fn row, void *ctx, char *why, size_t whylen) {
    text_state st = {path, 0, {{0}, 0}, 0, 0};
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        st.lineno++;
        rc = text_line(&st, pt_trim(line), row, ctx, why, whylen);
    }
    free(line);
    if (rc != 0) return -1;
    if (ferror(f)) {
        pt_say(why, whylen, "%s: read error: %s", path, strerror(errno));
        return -1;
    }
    if (!st.in_sample) {
        pt_say(why, whylen, "%s: no \"*** Sampled system activity\" sample in this powermetrics log", path);
        return -1;
    }
    return sample_emit(&st.cur, &st.t, row, ctx, why, whylen);
}

/* --- plist ---------------------------------------------------------------------- */

#define PL_DEPTH 64
typedef struct {
    int is_dict;
    char key[32];     /* the pending key inside this dict */
    char in_key[32];  /* this container's key in its parent dict */
} pl_frame;

typedef struct {
    const char *path, *buf;
    size_t n, pos;
    long lineno;
    pl_frame fr[PL_DEPTH];
    int depth;
    pm_sample cur;
    double proc_power[3], proc_energy[3], gpu_power, gpu_energy; /* NAN when absent */
    int nsamples;
    double t;
} pl_state;

static void pl_reset_sample(pl_state *st) {
    sample_clear(&st->cur);
    for (int i = 0; i < 3; i++) st->proc_power[i] = st->proc_energy[i] = NAN;
    st->gpu_power = st->gpu_energy = NAN;
}

/* Records the scalar text under the current key path. */
static void pl_value(pl_state *st, const char *text) {
    if (st->depth < 1 || !st->fr[st->depth - 1].is_dict) return;
    const char *key = st->fr[st->depth - 1].key;
    double v;
    if (pt_parse_double(text, &v) != 0 || !isfinite(v)) return;
    if (st->depth == 1 && strcmp(key, "elapsed_ns") == 0) st->cur.elapsed_s = v * 1e-9;
    if (st->depth != 2) return;
    const char *parent = st->fr[1].in_key;
    static const char *const pw[] = {"cpu_power", "gpu_power", "ane_power"};
    static const char *const en[] = {"cpu_energy", "gpu_energy", "ane_energy"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(parent, "processor") == 0 && strcmp(key, pw[i]) == 0) st->proc_power[i] = v;
        if (strcmp(parent, "processor") == 0 && strcmp(key, en[i]) == 0) st->proc_energy[i] = v;
    }
    if (strcmp(parent, "gpu") == 0 && strcmp(key, "gpu_power") == 0) st->gpu_power = v;
    if (strcmp(parent, "gpu") == 0 && strcmp(key, "gpu_energy") == 0) st->gpu_energy = v;
}

/* Ends a plist document: its sample's watts, then its rows. */
static int pl_end_sample(pl_state *st, pt_trace_row_fn row, void *ctx, char *why, size_t whylen) {
    double el = st->cur.elapsed_s;
    if (!(el > 0) || !isfinite(el)) {
        pt_say(why, whylen, "%s:%ld: sample without a positive elapsed_ns", st->path, st->lineno);
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        double mw = st->proc_power[i];
        if (isnan(mw) && !isnan(st->proc_energy[i])) mw = st->proc_energy[i] / el;
        if (i == 1 && isnan(mw)) mw = !isnan(st->gpu_power) ? st->gpu_power : st->gpu_energy / el;
        if (!isnan(mw) && mw < 0) {
            pt_say(why, whylen, "%s:%ld: negative %s power", st->path, st->lineno, pm_names[i]);
            return -1;
        }
        st->cur.w[i] = mw / 1000.0;
    }
    st->nsamples++;
    int rc = sample_emit(&st->cur, &st->t, row, ctx, why, whylen);
    pl_reset_sample(st);
    return rc;
}

/* Moves st->pos past the next '<' and returns the tag's text (name and
 * attributes, up to '>') in tag; 0 at the end, -1 for an unclosed tag. */
static int pl_next_tag(pl_state *st, char *tag, size_t taglen, size_t *text_start) {
    while (st->pos < st->n && st->buf[st->pos] != '<') {
        if (st->buf[st->pos] == '\n') st->lineno++;
        st->pos++;
    }
    if (st->pos >= st->n) return 0;
    const char *end = memchr(st->buf + st->pos, '>', st->n - st->pos);
    if (!end) return -1;
    size_t len = (size_t)(end - (st->buf + st->pos)) - 1;
    size_t k = len < taglen - 1 ? len : taglen - 1;
    memcpy(tag, st->buf + st->pos + 1, k);
    tag[k] = '\0';
    for (size_t i = st->pos; i < (size_t)(end - st->buf); i++) st->lineno += st->buf[i] == '\n';
    st->pos = (size_t)(end - st->buf) + 1;
    *text_start = st->pos;
    return 1;
}

/* Text between the current position and the next '<', into out (cut). */
static void pl_text(const pl_state *st, size_t from, char *out, size_t outlen) {
    const char *lt = memchr(st->buf + from, '<', st->n - from);
    size_t len = lt ? (size_t)(lt - (st->buf + from)) : st->n - from;
    size_t k = len < outlen - 1 ? len : outlen - 1;
    memcpy(out, st->buf + from, k);
    out[k] = '\0';
}

/* Opens a container (dict or array) at the current key. */
static int pl_push(pl_state *st, int is_dict, char *why, size_t whylen) {
    if (st->depth >= PL_DEPTH) {
        pt_say(why, whylen, "%s:%ld: plist nested deeper than %d", st->path, st->lineno, PL_DEPTH);
        return -1;
    }
    pl_frame *f = &st->fr[st->depth];
    f->is_dict = is_dict;
    f->key[0] = '\0';
    f->in_key[0] = '\0';
    if (st->depth > 0 && st->fr[st->depth - 1].is_dict)
        pt_strlcpy(f->in_key, st->fr[st->depth - 1].key, sizeof f->in_key);
    st->depth++;
    return 0;
}

static int pl_pop(pl_state *st, char *why, size_t whylen) {
    if (st->depth == 0) {
        pt_say(why, whylen, "%s:%ld: closing tag without its opening tag", st->path, st->lineno);
        return -1;
    }
    st->depth--;
    if (st->depth > 0) st->fr[st->depth - 1].key[0] = '\0'; /* the container was the key's value */
    return 0;
}

/* Handles one tag; 0, or -1 with why set. */
static int pl_tag(pl_state *st, const char *tag, size_t text_at, pt_trace_row_fn row, void *ctx, char *why,
                  size_t whylen) {
    char text[64];
    if (tag[0] == '?' || tag[0] == '!') return 0;
    if (strcmp(tag, "dict") == 0 || strcmp(tag, "array") == 0) return pl_push(st, tag[0] == 'd', why, whylen);
    if (strcmp(tag, "/dict") == 0 || strcmp(tag, "/array") == 0) return pl_pop(st, why, whylen);
    if (strcmp(tag, "/plist") == 0) {
        if (st->depth != 0) {
            pt_say(why, whylen, "%s:%ld: </plist> inside an open dict or array", st->path, st->lineno);
            return -1;
        }
        return pl_end_sample(st, row, ctx, why, whylen);
    }
    if (strcmp(tag, "key") == 0) {
        pl_text(st, text_at, text, sizeof text);
        if (st->depth > 0 && st->fr[st->depth - 1].is_dict)
            pt_strlcpy(st->fr[st->depth - 1].key, text, sizeof st->fr[0].key);
        return 0;
    }
    if (strcmp(tag, "integer") == 0 || strcmp(tag, "real") == 0) {
        pl_text(st, text_at, text, sizeof text);
        pl_value(st, text);
    }
    return 0;
}

static int parse_plist(FILE *f, const char *path, pt_trace_row_fn row, void *ctx, char *why, size_t whylen) {
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            char *nb = cap > ((size_t)1 << 31) ? NULL : realloc(buf, cap * 2 + 65536);
            if (!nb) {
                free(buf);
                pt_say(why, whylen, "%s: out of memory (plist over 2 GiB?)", path);
                return -1;
            }
            buf = nb;
            cap = cap * 2 + 65536;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    pl_state *st = calloc(1, sizeof *st);
    int rc = st ? 0 : -1;
    if (!st) pt_say(why, whylen, "out of memory");
    if (st) {
        st->path = path;
        st->buf = buf;
        st->n = n;
        st->lineno = 1;
        pl_reset_sample(st);
    }
    char tag[128];
    size_t text_at;
    int more;
    while (rc == 0 && (more = pl_next_tag(st, tag, sizeof tag, &text_at)) != 0) {
        if (more < 0) {
            pt_say(why, whylen, "%s:%ld: unclosed '<'", path, st->lineno);
            rc = -1;
        } else {
            rc = pl_tag(st, tag, text_at, row, ctx, why, whylen);
        }
    }
    if (rc == 0 && st->nsamples == 0) {
        pt_say(why, whylen, "%s: no complete plist sample (<plist>...</plist>) in this powermetrics log", path);
        rc = -1;
    }
    free(st);
    free(buf);
    return rc;
}

int pt_powermetrics_parse(FILE *f, int format, const char *path, pt_trace_row_fn row, void *ctx, char *why,
                          size_t whylen) {
    return format == PT_PM_PLIST ? parse_plist(f, path, row, ctx, why, whylen)
                                 : parse_text(f, path, row, ctx, why, whylen);
}
