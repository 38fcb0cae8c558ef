/* pamap2_parse.h -- the PAMAP2 file format: its 54 columns and their names, and the
 * streaming line parser (pamap2_parse.c), used by the loader (pamap2.c) and the
 * benchmark. Knows nothing of windows, splits or caches. */
#ifndef PT_DATA_PAMAP2_PARSE_H
#define PT_DATA_PAMAP2_PARSE_H

#include <stddef.h>

#define PT_PAMAP2_COLUMNS 54    /* columns of a line */

/* Column name: "timestamp", "activity", "heart_rate", "hand_temp", "hand_acc16_x", ...
 * "ankle_orient_3"; "columnN" beyond the 54. */
const char *pt_pamap2_column_name(int col, char *buf, size_t n);

/* The streaming parser.
 * Calls row(ctx, line, values) for every line with its 54 columns parsed (NaN where
 * "NaN"); blank lines are skipped. Returns the data lines read, or -1 with err "PATH:LINE: ...".
 * A row callback returning non-zero stops the parse (-1; the callback fills err). */
typedef int (*pt_pamap2_row_fn)(void *ctx, long long line, const double *values);
long long pt_pamap2_parse_file(const char *path, pt_pamap2_row_fn row, void *ctx, char *err,
                               size_t errlen);
/* Parses one decimal number (as printed in PAMAP2: [-]digits[.digits][e[-]digits], or
 * NaN) from [s, end). 0 and *v, or -1 when it is not a whole number. */
int pt_pamap2_parse_number(const char *s, const char *end, double *v);

#endif
