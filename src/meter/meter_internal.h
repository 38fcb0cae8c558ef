/* meter_internal.h -- hooks of the meter core that tests use and the public
 * header does not promise. */
#ifndef PT_METER_INTERNAL_H
#define PT_METER_INTERNAL_H

#include "powertrain/meter.h"

typedef double (*pt_meter_clock_fn)(void *ctx);
/* Replaces CLOCK_MONOTONIC with fn (seconds). Call right after open, before
 * pt_meter_start; with interval_ms = 0 a test drives time and samples itself. */
int pt_meter_set_clock(pt_meter *m, pt_meter_clock_fn fn, void *ctx);

/* Replaces the process tree's CPU time (pt_proc_tree_jiffies) with fn, so a
 * test with a fake <root>/proc/stat gives the job's shares exactly. */
/* 1: the attributed process is the meter's own and has no children that
 * matter (a study training in-process): its CPU time is read from
 * clock_gettime/getrusage instead of a scan of /proc at every sample. 0
 * (default): the tree is scanned (children such as an --exec command count). */
int pt_meter_set_self_only(pt_meter *m, int on);
typedef int (*pt_meter_tree_fn)(void *ctx, int pid, unsigned long long *jiffies);
int pt_meter_set_tree_fn(pt_meter *m, pt_meter_tree_fn fn, void *ctx);

#endif
