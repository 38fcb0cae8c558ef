/* str.c -- bounded copies, strict number parsing, trimming. */
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t pt_strlcpy(char *dst, const char *src, size_t n) {
    size_t len = strlen(src);
    if (n > 0) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return len;
}

static int only_blanks(const char *p) {
    while (*p && isspace((unsigned char)*p)) p++;
    return *p == '\0';
}

int pt_parse_double(const char *s, double *out) {
    if (!s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !only_blanks(end)) return -1;
    *out = v;
    return 0;
}

int pt_parse_long(const char *s, long *out) {
    if (!s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE || !only_blanks(end)) return -1;
    *out = v;
    return 0;
}

int pt_parse_ull(const char *s, unsigned long long *out) {
    if (!s) return -1;
    while (isspace((unsigned char)*s)) s++;
    if (*s == '-' || *s == '\0') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno == ERANGE || !only_blanks(end)) return -1;
    *out = v;
    return 0;
}

char *pt_trim(char *s) {
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

int pt_starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void pt_say(char *buf, size_t n, const char *fmt, ...) {
    if (!buf || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
