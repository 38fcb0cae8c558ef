/* json.h -- the project's one JSON writer, for FILE* and for buffers
 * (strings quoted and escaped, NAN/Inf as null). Every JSON string the
 * project emits that may hold a user's text goes through pt_json_str or
 * pt_json_sbuf. */
#ifndef PT_UTIL_JSON_H
#define PT_UTIL_JSON_H

#include <stddef.h>
#include <stdio.h>

void pt_json_str(FILE *f, const char *s);
/* s as a JSON string (quoted, escaped) into buf, snprintf-style: returns the
 * length it needs without the NUL; when that is >= n, buf is "" (never a cut
 * escape). */
size_t pt_json_sbuf(char *buf, size_t n, const char *s);
void pt_json_num(FILE *f, double v); /* %.17g trimmed; NAN/Inf -> null */

#endif
