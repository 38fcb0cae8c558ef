/* json.h -- a minimal JSON writer for FILE* (strings escaped, NAN/Inf as null). */
#ifndef PT_UTIL_JSON_H
#define PT_UTIL_JSON_H

#include <stdio.h>

void pt_json_str(FILE *f, const char *s);
void pt_json_num(FILE *f, double v); /* %.17g trimmed; NAN/Inf -> null */

#endif
