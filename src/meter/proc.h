/* proc.h -- what the meter reads from procfs: CPU time (/proc/stat), a process
 * tree's CPU time (/proc/PID/stat), the CPU model and memory size. Paths are
 * rooted at POWERTRAIN_PROC_ROOT when set (tests use fake trees). */
#ifndef PT_METER_PROC_H
#define PT_METER_PROC_H

#include <stddef.h>

typedef struct {
    unsigned long long busy;  /* user+nice+system+irq+softirq+steal jiffies, all CPUs */
    unsigned long long total; /* busy + idle + iowait */
} pt_cpu_times;

/* First line of <root>/proc/stat. 0 or -1. */
int pt_proc_cpu_times(pt_cpu_times *out);
/* Number of "cpuN" lines in <root>/proc/stat (logical CPUs), >= 1 on success, -1 on error. */
int pt_proc_ncpus(void);
/* "model name" of <root>/proc/cpuinfo and the number of distinct "physical id"s
 * (1 when absent). 0 or -1. */
int pt_proc_cpu_model(char *model, size_t n, int *sockets);
/* MemTotal of <root>/proc/meminfo in GB (1e9 bytes), or -1. */
double pt_proc_mem_total_gb(void);
/* utime+stime+cutime+cstime of pid and all its live descendants (jiffies).
 * Always reads the real /proc (process ids are real). 0 or -1 (pid gone). */
int pt_proc_tree_jiffies(int pid, unsigned long long *out);
/* 1 when process pid is root or one of its descendants (walks the real
 * /proc's parent links), else 0. */
int pt_proc_in_tree(int root, long pid);

#endif
