/* powermetrics.h -- Apple powermetrics logs (text or plist) read as power
 * trace rows, for the trace source (trace.c). Internal to libpowertrain-meter. */
#ifndef PT_METER_POWERMETRICS_H
#define PT_METER_POWERMETRICS_H

#include <stddef.h>
#include <stdio.h>

#define PT_PM_TEXT 1
#define PT_PM_PLIST 2

/* Receives one row: component name's power in watts from t seconds on.
 * Returns 0, or -1 with the message in why. */
typedef int (*pt_trace_row_fn)(void *ctx, double t, const char *component, double watts, char *why,
                               size_t whylen);

/* The format of a file that begins with head[0..n): PT_PM_TEXT, PT_PM_PLIST,
 * or 0 when it is no powermetrics log (a CSV trace). */
int pt_powermetrics_detect(const char *head, size_t n);

/* Reads the whole log from f, rows in time order; 0, or -1 with why
 * "PATH:LINE: what is wrong". */
int pt_powermetrics_parse(FILE *f, int format, const char *path, pt_trace_row_fn row, void *ctx, char *why,
                          size_t whylen);

#endif
