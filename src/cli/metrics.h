/* metrics.h -- Prometheus / OpenMetrics export of a running measure: the text
 * exposition format (version 0.0.4) rewritten atomically into a file every
 * second (node_exporter's textfile collector) and/or served at /metrics on
 * 127.0.0.1:PORT, from a thread of its own. */
#ifndef PT_CLI_METRICS_H
#define PT_CLI_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "powertrain/meter.h"

typedef struct pt_metrics pt_metrics;

/* Checks that file (NULL: none) can be written and binds 127.0.0.1:port
 * (port < 0: no server; 0: any free port, see pt_metrics_port) before
 * anything runs. NULL with err set ("--metrics-port 9100: cannot listen on
 * 127.0.0.1:9100: Address already in use"). */
pt_metrics *pt_metrics_open(const char *file, int port, char *err, size_t errlen);
/* The port the server listens on (-1 without a server). */
int pt_metrics_port(const pt_metrics *x);
/* Starts the thread: exports meter m's components and its window total_win
 * (the job's energy) until pt_metrics_stop. 0, or -1 (errno set). */
int pt_metrics_start(pt_metrics *x, pt_meter *m, int total_win);
/* The latest regular sample (from the meter's sample callback). */
void pt_metrics_sample(pt_metrics *x, int ncomp, const double *power_w);
/* The epoch in flight (1 when the command starts) and the epochs ended. */
void pt_metrics_epoch(pt_metrics *x, int current, int ended);
/* Stops the thread, writes the file a last time (final values) and closes
 * the server; frees x. Returns 0, or -1 when the last write failed (errno). */
int pt_metrics_stop(pt_metrics *x);

/* The exposition text of m now, into f (for tests and the thread). */
void pt_metrics_render(FILE *f, pt_meter *m, int total_win, const double *power_w, int npower, int epoch,
                       int ended);

#endif
