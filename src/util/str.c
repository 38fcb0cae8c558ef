/* str.c -- bounded copies, strict number parsing, trimming, shell quoting. */
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

/* out[*len] = c when it fits (one byte kept for the terminator); counts it either way. */
static void put_char(char *out, size_t n, size_t *len, char c) {
    if (*len + 1 < n) out[*len] = c;
    (*len)++;
}

size_t pt_shell_quote(char *out, size_t n, const char *s) {
    size_t len = 0;
    put_char(out, n, &len, '\'');
    for (; *s; s++) {
        if (*s != '\'') {
            put_char(out, n, &len, *s);
            continue;
        }
        for (const char *e = "'\\''"; *e; e++) put_char(out, n, &len, *e); /* close, \', reopen */
    }
    put_char(out, n, &len, '\'');
    if (n > 0) out[len < n ? len : n - 1] = '\0';
    return len;
}

const char *pt_find_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return s;
    return NULL;
}
