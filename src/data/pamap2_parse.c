/* pamap2_parse.c -- the streaming PAMAP2 line parser: 54 whitespace-separated numbers
 * a line, read in 1 MiB chunks, numbers by a fast exact decimal path (strtod for the
 * rare long ones), errors naming file, line and column. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/pamap2.h"

static const double pow10tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int slow_number(const char *s, const char *end, double *v) {
    char buf[128];
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *e;
    errno = 0;
    double d = strtod(buf, &e);
    if (e != buf + n || isinf(d)) return -1;
    *v = d;
    return 0;
}

int pt_pamap2_parse_number(const char *s, const char *end, double *v) {
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    if (end - p == 3 && (p[0] | 32) == 'n' && (p[1] | 32) == 'a' && (p[2] | 32) == 'n') {
        *v = NAN;
        return 0;
    }
    uint64_t m = 0;
    int sig = 0, exp10 = 0, digits = 0;
    while (p < end && (unsigned)(*p - '0') < 10) {
        if (sig < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            if (m) sig++;
        } else {
            return slow_number(s, end, v);
        }
        p++;
        digits++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (sig < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                if (m) sig++;
                exp10--;
            } else {
                return slow_number(s, end, v);
            }
            p++;
            digits++;
        }
    }
    if (!digits) return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, e = 0, ed = 0;
        if (p < end && (*p == '-' || *p == '+')) eneg = *p++ == '-';
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (e < 10000) e = e * 10 + (*p - '0');
            p++;
            ed++;
        }
        if (!ed) return -1;
        exp10 += eneg ? -e : e;
    }
    if (p != end) return -1;
    if (m > (1ull << 53) || exp10 < -22 || exp10 > 22) return slow_number(s, end, v);
    double d = (double)m;
    d = exp10 < 0 ? d / pow10tab[-exp10] : d * pow10tab[exp10];
    *v = neg ? -d : d;
    return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

long long pt_pamap2_parse_file(const char *path, pt_pamap2_row_fn row, void *ctx, char *err,
                               size_t errlen) {
    enum { CHUNK = 1 << 20 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(CHUNK + 1);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    double vals[PT_PAMAP2_COLUMNS];
    size_t have = 0;
    long long line = 0, rows = 0;
    int eof = 0, rc = 0;
    while (!eof || have) {
        if (!eof && have < CHUNK) {
            ssize_t r = read(fd, buf + have, CHUNK - have);
            if (r < 0) {
                if (errno == EINTR) continue;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                rc = -1;
                break;
            }
            if (r == 0) eof = 1;
            have += (size_t)r;
            if (r > 0 && have < CHUNK) continue;
        }
        char *p = buf, *end = buf + have;
        size_t consumed = 0;
        for (;;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *le;
            if (nl) {
                le = nl;
            } else if (eof && p < end) {
                le = end; /* last line without a newline */
            } else {
                break;
            }
            line++;
            /* split and parse */
            int nf = 0;
            char *q = p;
            for (;;) {
                while (q < le && is_blank(*q)) q++;
                if (q >= le) break;
                char *t = q;
                while (q < le && !is_blank(*q)) q++;
                if (nf < PT_PAMAP2_COLUMNS &&
                    pt_pamap2_parse_number(t, q, &vals[nf]) != 0) {
                    char name[32], tok[40];
                    size_t tl = (size_t)(q - t) < sizeof tok - 4 ? (size_t)(q - t) : sizeof tok - 4;
                    memcpy(tok, t, tl);
                    tok[tl] = '\0';
                    if (tl < (size_t)(q - t)) strcat(tok, "...");
                    snprintf(err, errlen, "%s:%lld: field %d (%s): '%s' is not a number", path, line,
                             nf + 1, pt_pamap2_column_name(nf, name, sizeof name), tok);
                    rc = -1;
                    break;
                }
                nf++;
            }
            if (rc) break;
            if (nf != 0) {
                if (nf != PT_PAMAP2_COLUMNS) {
                    snprintf(err, errlen, "%s:%lld: expected %d columns, found %d", path, line,
                             PT_PAMAP2_COLUMNS, nf);
                    rc = -1;
                    break;
                }
                rows++;
                if (row(ctx, line, vals) != 0) {
                    rc = -1;
                    break;
                }
            }
            p = nl ? nl + 1 : end;
            consumed = (size_t)(p - buf);
            if (!nl) break;
        }
        if (rc) break;
        if (consumed == 0 && have == CHUNK) {
            snprintf(err, errlen, "%s:%lld: line longer than %d bytes", path, line + 1, CHUNK);
            rc = -1;
            break;
        }
        memmove(buf, buf + consumed, have - consumed);
        have -= consumed;
        if (eof && have == 0) break;
    }
    free(buf);
    close(fd);
    return rc ? -1 : rows;
}
