/* checkpoint.c -- pt_net_save / pt_net_load over safetensors (see checkpoint.h). */
#include "nn/checkpoint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/safetensors.h"
#include "util/str.h"

int pt_net_save(pt_net *net, const char *path, const char *const *meta, char *err, size_t errlen) {
    int n = pt_net_state_count(net);
    if (n == 0) {
        if (err) snprintf(err, errlen, "%s: the network %s is not planned or has no state", path, pt_net_name(net));
        return -1;
    }
    pt_safetensors_entry *e = calloc((size_t)n, sizeof *e);
    pt_net_state *s = calloc((size_t)n, sizeof *s);
    float **host = calloc((size_t)n, sizeof *host);
    int rc = -1;
    if (!e || !s || !host) {
        if (err) snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        pt_net_state_at(net, i, &s[i]);
        host[i] = malloc(s[i].count * sizeof(float) + 1);
        if (!host[i]) {
            if (err) snprintf(err, errlen, "%s: out of memory", path);
            goto out;
        }
        pt_net_state_read(net, i, host[i]);
        e[i] = (pt_safetensors_entry){.name = s[i].name, .ndim = s[i].ndim, .shape = s[i].shape, .data = host[i]};
    }
    rc = pt_safetensors_write(path, e, n, meta, err, errlen);
out:
    for (int i = 0; host && i < n; i++) free(host[i]);
    free(host);
    free(s);
    free(e);
    return rc;
}

/* appends to a bounded message; "..." once full */
typedef struct {
    char *buf;
    size_t len, cap;
} msg;

static void say(msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(msg *m, const char *fmt, ...) {
    if (!m->buf || m->len + 1 >= m->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k >= m->cap - m->len) {
        m->len = m->cap - 1;
        if (m->cap >= 4) memcpy(m->buf + m->cap - 4, "...", 4);
    } else {
        m->len += (size_t)k;
    }
}

static void shape_str(char *b, size_t n, int ndim, const int64_t *shape) {
    size_t k = (size_t)snprintf(b, n, "[");
    for (int d = 0; d < ndim && k < n; d++) k += (size_t)snprintf(b + k, n - k, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (k < n) snprintf(b + k, n - k, "]");
}

static int ignored(const char *name) {
    const char *sfx = ".num_batches_tracked";
    size_t a = strlen(name), b = strlen(sfx);
    return !strcmp(name, "num_batches_tracked") || (a > b && !strcmp(name + a - b, sfx));
}

int pt_net_load(pt_net *net, const char *path, int flags, char *err, size_t errlen) {
    pt_safetensors *f = pt_safetensors_open(path, err, errlen);
    if (!f) return -1;
    int n = pt_net_state_count(net);
    if (n == 0) {
        if (err) snprintf(err, errlen, "%s: the network %s is not planned or has no state", path, pt_net_name(net));
        pt_safetensors_close(f);
        return -1;
    }
    char tmp[1024];
    char bm[2048] = "", bu[2048] = "", bs[2048] = "";
    msg missing = {bm, 0, sizeof bm}, unexpected = {bu, 0, sizeof bu}, misshaped = {bs, 0, sizeof bs};
    int nmissing = 0, nunexpected = 0, nbad = 0;
    for (int i = 0; i < n; i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        const pt_safetensors_tensor *t = pt_safetensors_find(f, s.name);
        if (!t) {
            if (!(flags & PT_LOAD_ALLOW_MISSING)) say(&missing, "%s%s", nmissing++ ? ", " : "", s.name);
            continue;
        }
        int same = t->ndim == s.ndim;
        for (int d = 0; same && d < s.ndim; d++) same = t->shape[d] == s.shape[d];
        if (!same || strcmp(t->dtype, "F32")) {
            char a[128], b[128];
            shape_str(a, sizeof a, t->ndim, t->shape);
            shape_str(b, sizeof b, s.ndim, s.shape);
            say(&misshaped, "%s%s (file %s %s, network F32 %s)", nbad++ ? ", " : "", s.name, t->dtype, a, b);
        }
    }
    if (!(flags & PT_LOAD_ALLOW_UNEXPECTED))
        for (int i = 0; i < pt_safetensors_count(f); i++) {
            const pt_safetensors_tensor *t = pt_safetensors_at(f, i);
            if (!ignored(t->name) && pt_net_state_find(net, t->name) < 0)
                say(&unexpected, "%s%s", nunexpected++ ? ", " : "", t->name);
        }
    if (nmissing || nunexpected || nbad) {
        msg m = {tmp, 0, sizeof tmp};
        say(&m, "%s: does not fit network %s:", path, pt_net_name(net));
        if (nmissing) say(&m, " %d missing (%s);", nmissing, bm);
        if (nunexpected) say(&m, " %d unexpected (%s);", nunexpected, bu);
        if (nbad) say(&m, " %d mis-shaped (%s);", nbad, bs);
        if (m.len && tmp[m.len - 1] == ';') tmp[m.len - 1] = 0;
        if (err) pt_strlcpy(err, tmp, errlen);
        pt_safetensors_close(f);
        return -1;
    }
    int loaded = 0;
    for (int i = 0; i < n; i++) {
        pt_net_state s;
        pt_net_state_at(net, i, &s);
        const pt_safetensors_tensor *t = pt_safetensors_find(f, s.name);
        if (!t) continue;
        pt_net_state_write(net, i, t->data);
        loaded++;
    }
    pt_safetensors_close(f);
    return loaded;
}
