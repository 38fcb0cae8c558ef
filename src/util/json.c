/* json.c -- minimal JSON string and number writers. */
#include "util/json.h"

#include <math.h>
#include <string.h>

/* One byte of a JSON string as written between the quotes, into out[7]. */
static const char *escape_byte(unsigned char c, char out[7]) {
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
        if (c < 0x20) snprintf(out, 7, "\\u%04x", c);
        else out[0] = (char)c, out[1] = '\0';
        return out;
    }
}

void pt_json_str(FILE *f, const char *s) {
    char e[7];
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) fputs(escape_byte(*p, e), f);
    fputc('"', f);
}

size_t pt_json_sbuf(char *buf, size_t n, const char *s) {
    char e[7];
    size_t need = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *piece = escape_byte(*p, e);
        size_t l = strlen(piece);
        if (need + l < n) memcpy(buf + need, piece, l);
        need += l;
    }
    need += 1;
    if (need < n) {
        buf[0] = '"';
        buf[need - 1] = '"';
        buf[need] = '\0';
    } else if (n) {
        buf[0] = '\0';
    }
    return need;
}

void pt_json_num(FILE *f, double v) {
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    fprintf(f, "%.10g", v);
}
