/* pamap2_parse.c -- the streaming PAMAP2 line parser: 54 whitespace-separated numbers
 * a line, read in 1 MiB chunks, numbers by a fast exact decimal path (strtod for the
 * rare long ones), errors naming file, line and column. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/pamap2_parse.h"
#include "util/fs.h"

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

const char *pt_pamap2_column_name(int col, char *buf, size_t n) {
    static const char *imu[3] = {"hand", "chest", "ankle"};
    static const char *field[17] = {"temp",    "acc16_x", "acc16_y", "acc16_z", "acc6_x", "acc6_y",
                                    "acc6_z",  "gyro_x",  "gyro_y",  "gyro_z",  "mag_x",  "mag_y",
                                    "mag_z",   "orient_0", "orient_1", "orient_2", "orient_3"};
    if (col == 0) snprintf(buf, n, "timestamp");
    else if (col == 1) snprintf(buf, n, "activity");
    else if (col == 2) snprintf(buf, n, "heart_rate");
    else if (col >= 3 && col < PT_PAMAP2_COLUMNS)
        snprintf(buf, n, "%s_%s", imu[(col - 3) / 17], field[(col - 3) % 17]);
    else snprintf(buf, n, "column%d", col);
    return buf;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* One parse: where the rows go, where errors go, and the counters. */
typedef struct {
    const char *path;
    pt_pamap2_row_fn row;
    void *ctx;
    char *err;
    size_t errlen;
    long long line, rows;
    double vals[PT_PAMAP2_COLUMNS];
} parse_state;

/* The error for field nf, the token [t, q) that is not a number (cut at 36 bytes). */
static int bad_field(parse_state *st, int nf, const char *t, const char *q) {
    char name[32], tok[40];
    size_t tl = (size_t)(q - t) < sizeof tok - 4 ? (size_t)(q - t) : sizeof tok - 4;
    memcpy(tok, t, tl);
    tok[tl] = '\0';
    if (tl < (size_t)(q - t)) strcat(tok, "...");
    snprintf(st->err, st->errlen, "%s:%lld: field %d (%s): '%s' is not a number", st->path, st->line, nf + 1,
             pt_pamap2_column_name(nf, name, sizeof name), tok);
    return -1;
}

/* Splits and parses the line [p, le) (st->line); a data line goes to the row callback,
 * a blank one is skipped. 0, or -1 with err. */
static int parse_line(parse_state *st, const char *p, const char *le) {
    int nf = 0;
    const char *q = p;
    for (;;) {
        while (q < le && is_blank(*q)) q++;
        if (q >= le) break;
        const char *t = q;
        while (q < le && !is_blank(*q)) q++;
        if (nf < PT_PAMAP2_COLUMNS && pt_pamap2_parse_number(t, q, &st->vals[nf]) != 0)
            return bad_field(st, nf, t, q);
        nf++;
    }
    if (nf == 0) return 0;
    if (nf != PT_PAMAP2_COLUMNS) {
        snprintf(st->err, st->errlen, "%s:%lld: expected %d columns, found %d", st->path, st->line,
                 PT_PAMAP2_COLUMNS, nf);
        return -1;
    }
    st->rows++;
    return st->row(st->ctx, st->line, st->vals) != 0 ? -1 : 0;
}

/* Parses the whole lines of buf[0, have) and, at eof, a last line without a newline.
 * Returns the bytes consumed, or -1 with err. */
static long consume_lines(parse_state *st, const char *buf, size_t have, int eof) {
    const char *p = buf, *end = buf + have;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le;
        if (nl) le = nl;
        else if (eof && p < end) le = end; /* last line without a newline */
        else break;
        st->line++;
        if (parse_line(st, p, le) != 0) return -1;
        p = nl ? nl + 1 : end;
        if (!nl) break;
    }
    return (long)(p - buf);
}

/* Reads until buf holds cap bytes or the file ends (*eof). 0, or -1 with err. */
static int fill(int fd, char *buf, size_t cap, size_t *have, int *eof, parse_state *st) {
    while (!*eof && *have < cap) {
        ssize_t r = read(fd, buf + *have, cap - *have);
        if (r < 0) {
            if (errno == EINTR) continue;
            snprintf(st->err, st->errlen, "%s: %s", st->path, strerror(errno));
            return -1;
        }
        if (r == 0) *eof = 1;
        *have += (size_t)r;
    }
    return 0;
}

/* Feeds the file through buf (cap bytes) line by line. 0, or -1 with err. */
static int parse_fd(int fd, char *buf, size_t cap, parse_state *st) {
    size_t have = 0;
    int eof = 0;
    while (!eof || have) {
        if (fill(fd, buf, cap, &have, &eof, st) != 0) return -1;
        long consumed = consume_lines(st, buf, have, eof);
        if (consumed < 0) return -1;
        if (consumed == 0 && have == cap) {
            snprintf(st->err, st->errlen, "%s:%lld: line longer than %zu bytes", st->path, st->line + 1, cap);
            return -1;
        }
        memmove(buf, buf + consumed, have - (size_t)consumed);
        have -= (size_t)consumed;
        if (eof && have == 0) break;
    }
    return 0;
}

long long pt_pamap2_parse_file(const char *path, pt_pamap2_row_fn row, void *ctx, char *err,
                               size_t errlen) {
    enum { CHUNK = 1 << 20 };
    int fd = pt_open_regular(path, NULL, err, errlen);
    if (fd < 0) return -1;
    char *buf = malloc(CHUNK + 1);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    parse_state st = {.path = path, .row = row, .ctx = ctx, .err = err, .errlen = errlen};
    int rc = parse_fd(fd, buf, CHUNK, &st);
    free(buf);
    close(fd);
    return rc ? -1 : st.rows;
}
