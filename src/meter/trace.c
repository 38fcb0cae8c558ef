/* trace.c -- the trace source: replays a recorded power file (tests and
 * what-if studies).
 *
 * Format: CSV lines "t_seconds,component,watts", t in seconds since
 * pt_meter_start. Blank lines and lines starting with '#' are skipped; the
 * first other line may be a header (it starts with "t_seconds", or its first
 * and third fields are not numbers). Components appear in order of first
 * appearance. A read at time t gives, per component, the watts of its latest
 * row with time <= t (step hold; the last row holds for ever); before its
 * first row the component is not ok. Any malformed line makes the file a hard
 * configuration error "FILE:LINE: what is wrong" (pt_trace_open returns -2). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/powermetrics.h"
#include "meter/source.h"
#include "util/fs.h"
#include "util/grow.h"
#include "util/str.h"

typedef struct {
    char name[PT_METER_NAME_MAX];
    double *t, *w;
    size_t n, cap;
} trace_comp;

typedef struct {
    trace_comp *c;
    int n;
    size_t cap;
    int format; /* 0 CSV, else PT_PM_TEXT / PT_PM_PLIST */
} trace_impl;

static void trace_impl_free(trace_impl *ti) {
    if (!ti) return;
    for (int i = 0; i < ti->n; i++) {
        free(ti->c[i].t);
        free(ti->c[i].w);
    }
    free(ti->c);
    free(ti);
}

static int trace_read(pt_source *src, double t_s, int regular, pt_reading *out) {
    (void)regular;
    trace_impl *ti = src->impl;
    for (int i = 0; i < ti->n; i++) {
        const trace_comp *c = &ti->c[i];
        out[i].energy_j = 0;
        out[i].power_w = 0;
        out[i].ok = 0;
        /* the number of rows with t <= t_s (times strictly increase) */
        size_t lo = 0, hi = c->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->t[mid] <= t_s)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0) {
            out[i].ok = 1;
            out[i].power_w = c->w[lo - 1];
        }
    }
    return 0;
}

static void trace_close(pt_source *src) {
    if (!src) return;
    trace_impl_free(src->impl);
    pt_source_free(src);
}

static const pt_source_ops trace_ops = {"trace", trace_read, trace_close, NULL};

static int parse_number(const char *s, double *v) {
    return pt_parse_double(s, v) == 0 && isfinite(*v) ? 0 : -1;
}

/* Splits line at commas into at most max fields (trimmed); returns the count
 * (max + 1 when there are more). */
static int split_fields(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        if (n < max) f[n] = pt_trim(p);
        n++;
        if (!comma || n > max) break;
        p = comma + 1;
    }
    return n;
}

static trace_comp *find_or_add(trace_impl *ti, const char *name) {
    for (int i = 0; i < ti->n; i++)
        if (strcmp(ti->c[i].name, name) == 0) return &ti->c[i];
    trace_comp *grown = pt_grow(ti->c, sizeof *grown, (size_t)ti->n, &ti->cap, 8);
    if (!grown) return NULL;
    ti->c = grown;
    trace_comp *c = &ti->c[ti->n++];
    memset(c, 0, sizeof *c);
    pt_strlcpy(c->name, name, sizeof c->name);
    return c;
}

static int push_row(trace_comp *c, double t, double w) {
    size_t cap_t = c->cap; /* t and w grow together: c->cap follows w */
    double *nt = pt_grow(c->t, sizeof *nt, c->n, &cap_t, 64);
    if (!nt) return -1;
    c->t = nt;
    double *nw = pt_grow(c->w, sizeof *nw, c->n, &c->cap, 64);
    if (!nw) return -1;
    c->w = nw;
    c->t[c->n] = t;
    c->w[c->n] = w;
    c->n++;
    return 0;
}

static pt_meter_kind kind_of(const char *name) {
    if (pt_starts_with(name, "gpu")) return PT_KIND_GPU;
    if (pt_starts_with(name, "package") || pt_starts_with(name, "cpu")) return PT_KIND_CPU;
    if (pt_starts_with(name, "dram")) return PT_KIND_DRAM;
    return PT_KIND_OTHER;
}

/* Parses the whole file into ti. 0, or -1 with the message in why. */
static int parse_trace(FILE *f, const char *path, trace_impl *ti, char *why, size_t whylen) {
    char *line = NULL;
    size_t linecap = 0;
    long lineno = 0;
    int seen_content = 0, rc = -1;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *s = pt_trim(line);
        if (*s == '\0' || *s == '#') continue;
        int first = !seen_content;
        seen_content = 1;
        char *fld[3];
        int nf = split_fields(s, fld, 3);
        double t, w;
        if (first) {
            int t_num = nf >= 1 && parse_number(fld[0], &t) == 0;
            int w_num = nf >= 3 && parse_number(fld[2], &w) == 0;
            if (pt_starts_with(s, "t_seconds") || (!t_num && !w_num)) continue; /* header */
        }
        if (nf != 3) {
            pt_say(why, whylen, "%s:%ld: expected 3 fields (t_seconds,component,watts), found %s%d",
                     path, lineno, nf > 3 ? "more than " : "", nf > 3 ? 3 : nf);
            goto done;
        }
        if (parse_number(fld[0], &t) != 0) {
            pt_say(why, whylen, "%s:%ld: time \"%.40s\" is not a number", path, lineno, fld[0]);
            goto done;
        }
        if (fld[1][0] == '\0') {
            pt_say(why, whylen, "%s:%ld: empty component name", path, lineno);
            goto done;
        }
        if (strlen(fld[1]) >= PT_METER_NAME_MAX) {
            pt_say(why, whylen, "%s:%ld: component name longer than %d characters", path, lineno,
                     PT_METER_NAME_MAX - 1);
            goto done;
        }
        if (parse_number(fld[2], &w) != 0) {
            pt_say(why, whylen, "%s:%ld: watts \"%.40s\" is not a number", path, lineno, fld[2]);
            goto done;
        }
        if (w < 0) {
            pt_say(why, whylen, "%s:%ld: negative watts %g", path, lineno, w);
            goto done;
        }
        trace_comp *c = find_or_add(ti, fld[1]);
        if (!c) {
            pt_say(why, whylen, "%s:%ld: out of memory", path, lineno);
            goto done;
        }
        if (c->n > 0 && !(t > c->t[c->n - 1])) {
            pt_say(why, whylen, "%s:%ld: time %g is not after %g, the previous time of %s", path,
                     lineno, t, c->t[c->n - 1], c->name);
            goto done;
        }
        if (push_row(c, t, w) != 0) {
            pt_say(why, whylen, "%s:%ld: out of memory", path, lineno);
            goto done;
        }
    }
    if (ferror(f)) {
        pt_say(why, whylen, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if (ti->n == 0) {
        pt_say(why, whylen, "%s: no data rows (expected t_seconds,component,watts)", path);
        goto done;
    }
    rc = 0;
done:
    free(line);
    return rc;
}

/* A row of a powermetrics log (pt_trace_row_fn). */
static int pm_row(void *ctx, double t, const char *name, double w, char *why, size_t whylen) {
    trace_impl *ti = ctx;
    trace_comp *c = find_or_add(ti, name);
    if (!c || (!(c->n > 0 && !(t > c->t[c->n - 1])) && push_row(c, t, w) != 0)) {
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

/* Parses f as a CSV trace or, when it is one, a powermetrics log. */
static int parse_any(FILE *f, const char *path, trace_impl *ti, char *why, size_t whylen) {
    char head[512];
    size_t got = fread(head, 1, sizeof head, f);
    rewind(f);
    ti->format = pt_powermetrics_detect(head, got);
    if (!ti->format) return parse_trace(f, path, ti, why, whylen);
    if (pt_powermetrics_parse(f, ti->format, path, pm_row, ti, why, whylen) != 0) return -1;
    if (ti->n == 0) {
        pt_say(why, whylen, "%s: no CPU, GPU, ANE or package power in this powermetrics log "
                            "(record with --samplers cpu_power,gpu_power)", path);
        return -1;
    }
    return 0;
}

int pt_trace_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why, size_t whylen) {
    (void)needs;
    *out = NULL;
    if (!cfg || !cfg->trace_path || !cfg->trace_path[0]) {
        pt_say(why, whylen, "no trace file given");
        return -1;
    }
    const char *path = cfg->trace_path;
    char oerr[1024];
    FILE *f = pt_fopen_regular(path, NULL, oerr, sizeof oerr);
    if (!f) {
        pt_say(why, whylen, "cannot open trace file %s", oerr);
        return -2;
    }
    trace_impl *ti = calloc(1, sizeof *ti);
    if (!ti) {
        fclose(f);
        pt_say(why, whylen, "out of memory");
        return -2;
    }
    int prc = parse_any(f, path, ti, why, whylen);
    fclose(f);
    if (prc != 0) {
        trace_impl_free(ti);
        return -2;
    }
    pt_source *src = pt_source_alloc(&trace_ops, ti->n);
    if (!src) {
        trace_impl_free(ti);
        pt_say(why, whylen, "out of memory");
        return -2;
    }
    src->impl = ti;
    for (int i = 0; i < ti->n; i++) {
        pt_meter_component *c = &src->comp[i];
        pt_strlcpy(c->name, ti->c[i].name, sizeof c->name);
        pt_strlcpy(c->source, "trace", sizeof c->source);
        pt_strlcpy(c->model, ti->format == PT_PM_TEXT    ? "Apple powermetrics log (text)"
                             : ti->format == PT_PM_PLIST ? "Apple powermetrics log (plist)"
                                                         : "recorded trace",
                   sizeof c->model);
        pt_strlcpy(c->id, path, sizeof c->id);
        c->kind = kind_of(c->name);
        c->method = PT_METHOD_EQ1;
        c->has_counter = 0;
        c->billed = 1;
        pt_say(c->note, sizeof c->note, "replayed: %zu rows from %.100s", ti->c[i].n, path);
        src->has_power[i] = 1;
    }
    *out = src;
    return 0;
}

/* A trace is used only when a trace file was given (whether selected or not). */
const char *pt_trace_unused(const pt_meter_config *cfg, const pt_source_needs *needs) {
    (void)needs;
    return cfg->trace_path ? NULL : "not used: no trace file given";
}
