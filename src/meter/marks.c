/* marks.c -- the marks-line parser of `powertrain measure` (see marks.h). */
#include "meter/marks.h"

#include <limits.h>
#include <string.h>

#include "util/str.h"

pt_mark_kind pt_marks_parse_line(char *line, pt_mark *m) {
    char *s = pt_trim(line);
    m->epoch = 0;
    m->text = s;
    if (!*s) return m->kind = PT_MARK_BLANK;
    if (!strncmp(s, "epoch_end", 9) && (s[9] == '\0' || s[9] == ' ' || s[9] == '\t')) {
        long n = 0;
        char *arg = pt_trim(s + 9);
        if (*arg && (pt_parse_long(arg, &n) != 0 || n < 0 || n > INT_MAX)) n = 0; /* measure keeps an int */
        m->epoch = n;
        return m->kind = PT_MARK_EPOCH_END;
    }
    if (!strncmp(s, "phase", 5) && (s[5] == ' ' || s[5] == '\t') && *pt_trim(s + 5)) {
        m->text = pt_trim(s + 5);
        return m->kind = PT_MARK_PHASE;
    }
    return m->kind = PT_MARK_UNKNOWN;
}
