/* proc.h -- what the meter reads from procfs: CPU time (/proc/stat), a process
 * tree's CPU time (/proc/PID/stat), the CPU model and memory size. Paths are
 * rooted at POWERTRAIN_PROC_ROOT when set (tests use fake trees). */
#ifndef PT_METER_PROC_H
#define PT_METER_PROC_H

#include <stddef.h>

#include "util/fs.h"

typedef struct {
    unsigned long long busy;  /* user+nice+system+irq+softirq+steal jiffies, all CPUs */
    unsigned long long total; /* busy + idle + iowait */
} pt_cpu_times;

/* First line of <root>/proc/stat. 0 or -1. */
int pt_proc_cpu_times(pt_cpu_times *out);
/* <root>/proc/stat kept open for the sampler: each read is one pread into
 * buf and a hand parse of the first line (no open, no allocation). */
typedef struct {
    pt_reread file;
    char buf[512];
} pt_cpu_reader;
/* 0, or -1 (cannot be opened now; reads retry; close it either way). */
int pt_proc_cpu_open(pt_cpu_reader *r);
/* What pt_proc_cpu_times gives, through r. 0 or -1. */
int pt_proc_cpu_read(pt_cpu_reader *r, pt_cpu_times *out);
void pt_proc_cpu_close(pt_cpu_reader *r);
/* Number of "cpuN" lines in <root>/proc/stat (logical CPUs), >= 1 on success, -1 on error. */
int pt_proc_ncpus(void);
/* "model name" of <root>/proc/cpuinfo and the number of distinct "physical id"s
 * (1 when absent). 0 or -1. */
int pt_proc_cpu_model(char *model, size_t n, int *sockets);
/* MemTotal of <root>/proc/meminfo in GB (1e9 bytes), or -1. */
double pt_proc_mem_total_gb(void);
/* utime+stime+cutime+cstime of pid and all its live descendants (jiffies).
 * Always reads the real /proc (process ids are real). 0 or -1 (pid gone).
 * One full scan of /proc per call: the sampler uses a pt_tree_reader. */
int pt_proc_tree_jiffies(int pid, unsigned long long *out);

/* How often (s) a pt_tree_reader checks whether any process was created since
 * its last scan of /proc (and if so scans again for new descendants). */
#define PT_TREE_CHECK_S 1.0
/* A process tree's CPU time for the sampler: a full scan of /proc finds the
 * tree and keeps each member's /proc/PID/stat open; later reads pread only
 * those. It scans again when the root changes, when a member exits or leaves
 * the tree, and when a check (at most every PT_TREE_CHECK_S) finds that a
 * process was created since the scan (/proc/loadavg's last pid): a new child
 * counts from at most PT_TREE_CHECK_S after its start, with its CPU time since
 * its start. Buffers are reused from scan to scan. */
typedef struct {
    int root;          /* the pid of the scanned tree, 0: none */
    int nmem;          /* members, root first */
    size_t capmem;
    long *mem_pid;
    pt_reread *mem;    /* each member's /proc/PID/stat */
    pt_reread loadavg; /* /proc/loadavg */
    long scan_last_pid;
    double next_check_s; /* CLOCK_MONOTONIC_COARSE */
    size_t nall, capall; /* the full scan's arrays */
    long *all_pid, *all_ppid;
    unsigned long long *all_jif;
    char *all_in;
    char buf[1024];
} pt_tree_reader;
void pt_proc_tree_init(pt_tree_reader *t);
/* pt_proc_tree_jiffies(pid) through t. 0 or -1. */
int pt_proc_tree_read(pt_tree_reader *t, int pid, unsigned long long *out);
/* Closes and frees everything; t is then as after init. */
void pt_proc_tree_close(pt_tree_reader *t);

/* The calling process's CPU time and its reaped children's, in jiffies
 * (USER_HZ): what pt_proc_tree_jiffies(getpid()) gives without scanning
 * /proc, except for children still running. 0 or -1. */
int pt_proc_self_jiffies(unsigned long long *out);
/* 1 when process pid is root or one of its descendants (walks the real
 * /proc's parent links), else 0. */
int pt_proc_in_tree(int root, long pid);

#endif
