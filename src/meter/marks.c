/* marks.c -- the marks-line parser of `powertrain measure` and of --exec studies
 * (see marks.h). */
#include "meter/marks.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "util/str.h"

/* "key=VALUE" at tok: 1 and *out the number (INFINITY when VALUE is not a finite
   one: nan, inf, text); 0 when tok is not that key. */
static int metric(const char *tok, const char *key, double *out) {
    size_t k = strlen(key);
    if (strncmp(tok, key, k) != 0 || tok[k] != '=') return 0;
    double v;
    if (pt_parse_double(tok + k + 1, &v) != 0 || !isfinite(v)) v = INFINITY;
    *out = v;
    return 1;
}

/* The words after `epoch_end`: at most one bare number and key=value metrics. */
static void epoch_args(char *args, pt_mark *m) {
    char *save = NULL;
    int bare = 0;
    long n = 0;
    for (char *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (metric(tok, "val_acc", &m->val_acc) || metric(tok, "val_loss", &m->val_loss)) continue;
        if (strchr(tok, '=')) continue; /* a metric of a later version: ignored */
        if (bare++ == 0 && (pt_parse_long(tok, &n) != 0 || n < 0 || n > INT_MAX)) n = 0; /* measure keeps an int */
    }
    m->epoch = bare == 1 ? n : 0;
}

pt_mark_kind pt_marks_parse_line(char *line, pt_mark *m) {
    char *s = pt_trim(line);
    m->epoch = 0;
    m->val_acc = m->val_loss = NAN;
    m->text = s;
    if (!*s) return m->kind = PT_MARK_BLANK;
    if (!strncmp(s, "epoch_end", 9) && (s[9] == '\0' || s[9] == ' ' || s[9] == '\t')) {
        epoch_args(s + 9, m);
        return m->kind = PT_MARK_EPOCH_END;
    }
    if (!strncmp(s, "phase", 5) && (s[5] == ' ' || s[5] == '\t') && *pt_trim(s + 5)) {
        m->text = pt_trim(s + 5);
        return m->kind = PT_MARK_PHASE;
    }
    return m->kind = PT_MARK_UNKNOWN;
}
