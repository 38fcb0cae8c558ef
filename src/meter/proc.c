/* proc.c -- procfs readers: CPU times, process-tree CPU time, CPU model, MemTotal. */
#include "meter/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "meter/source.h"
#include "util/str.h"

static FILE *open_proc(const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/proc/%s", pt_proc_root(), rel);
    return fopen(path, "re");
}

/* Up to max unsigned decimal fields separated by blanks from *s, stopping at
 * the first non-digit (end of line); returns how many were read. */
static int parse_ulls(const char *s, unsigned long long *v, int max) {
    int k = 0;
    while (k < max) {
        while (*s == ' ' || *s == '\t') s++;
        if (*s < '0' || *s > '9') break;
        unsigned long long x = 0;
        while (*s >= '0' && *s <= '9') x = x * 10 + (unsigned long long)(*s++ - '0');
        v[k++] = x;
    }
    return k;
}

/* The first line of /proc/stat in buf ("cpu  user nice system idle ..."). */
static int parse_cpu_line(const char *buf, long n, pt_cpu_times *out) {
    if (n <= 4 || strncmp(buf, "cpu ", 4) != 0) return -1;
    unsigned long long v[8] = {0};
    if (parse_ulls(buf + 4, v, 8) < 4) return -1;
    /* user nice system idle iowait irq softirq steal */
    out->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    out->total = out->busy + v[3] + v[4];
    return 0;
}

int pt_proc_cpu_times(pt_cpu_times *out) {
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/proc/stat", pt_proc_root());
    if (pt_read_small_file(path, line, sizeof line) != 0) return -1;
    return parse_cpu_line(line, (long)strlen(line), out);
}

int pt_proc_cpu_open(pt_cpu_reader *r) {
    char path[4096];
    snprintf(path, sizeof path, "%s/proc/stat", pt_proc_root());
    /* a fake root's file may be replaced by rename: follow it */
    return pt_reread_open(&r->file, path, pt_proc_root()[0] != '\0');
}

int pt_proc_cpu_read(pt_cpu_reader *r, pt_cpu_times *out) {
    long n = pt_reread_read(&r->file, r->buf, sizeof r->buf);
    return n < 0 ? -1 : parse_cpu_line(r->buf, n, out);
}

void pt_proc_cpu_close(pt_cpu_reader *r) { pt_reread_close(&r->file); }

int pt_proc_ncpus(void) {
    FILE *f = open_proc("stat");
    if (!f) return -1;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cpu", 3) == 0 && isdigit((unsigned char)line[3])) n++;
    fclose(f);
    return n > 0 ? n : -1;
}

int pt_proc_cpu_model(char *model, size_t n, int *sockets) {
    FILE *f = open_proc("cpuinfo");
    if (!f) return -1;
    char line[512];
    int found = 0;
    long ids[256];
    int nids = 0;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = '\0';
        char *key = pt_trim(line), *val = pt_trim(colon + 1);
        if (!found && strcmp(key, "model name") == 0) {
            pt_strlcpy(model, val, n);
            found = 1;
        } else if (strcmp(key, "physical id") == 0) {
            long id;
            if (pt_parse_long(val, &id) == 0) {
                int seen = 0;
                for (int i = 0; i < nids; i++) seen |= ids[i] == id;
                if (!seen && nids < 256) ids[nids++] = id;
            }
        }
    }
    fclose(f);
    if (sockets) *sockets = nids > 0 ? nids : 1;
    return found ? 0 : -1;
}

double pt_proc_mem_total_gb(void) {
    FILE *f = open_proc("meminfo");
    if (!f) return -1;
    char line[256];
    double gb = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
            gb = (double)kb * 1024.0 / 1e9;
            break;
        }
    }
    fclose(f);
    return gb;
}

/* A signed decimal field after blanks; NULL when there is none. */
static const char *next_ll(const char *s, long long *v) {
    while (*s == ' ') s++;
    int neg = *s == '-';
    if (neg) s++;
    if (*s < '0' || *s > '9') return NULL;
    unsigned long long x = 0;
    while (*s >= '0' && *s <= '9') x = x * 10 + (unsigned long long)(*s++ - '0');
    *v = neg ? -(long long)x : (long long)x;
    return s;
}

/* The contents of a /proc/PID/stat: ppid and the four CPU times. The comm
 * field may hold spaces and parentheses, so parse from the last ')'. */
static int parse_pid_stat(const char *buf, long *ppid, unsigned long long *jiffies) {
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2] || p[3] != ' ') return -1;
    p += 3; /* after ") S": ppid pgrp session tty tpgid flags minflt cminflt
               majflt cmajflt utime stime cutime cstime */
    long long f[14];
    for (int i = 0; i < 14; i++)
        if (!(p = next_ll(p, &f[i]))) return -1;
    *ppid = (long)f[0];
    *jiffies = (unsigned long long)f[10] + (unsigned long long)f[11] + (unsigned long long)f[12] +
               (unsigned long long)f[13];
    return 0;
}

/* One /proc/PID/stat read whole (open, read, close): ppid and CPU times. */
static int read_pid_stat(long pid, long *ppid, unsigned long long *jiffies) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (pt_read_small_file(path, buf, sizeof buf) != 0) return -1;
    return parse_pid_stat(buf, ppid, jiffies);
}

/* Every process's (pid, ppid, jiffies) into the scan arrays of t (grown,
   never shrunk). 0 or -1. */
static int scan_all(pt_tree_reader *t) {
    DIR *d = opendir("/proc");
    if (!d) return -1;
    t->nall = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long p, pp;
        unsigned long long j;
        if (!isdigit((unsigned char)e->d_name[0]) || pt_parse_long(e->d_name, &p) != 0) continue;
        if (read_pid_stat(p, &pp, &j) != 0) continue;
        if (t->nall == t->capall) {
            size_t cap = t->capall ? 2 * t->capall : 256;
            long *a = realloc(t->all_pid, cap * sizeof *a);
            if (a) t->all_pid = a;
            long *b = realloc(t->all_ppid, cap * sizeof *b);
            if (b) t->all_ppid = b;
            unsigned long long *c = realloc(t->all_jif, cap * sizeof *c);
            if (c) t->all_jif = c;
            char *i = realloc(t->all_in, cap);
            if (i) t->all_in = i;
            if (!a || !b || !c || !i) {
                rc = -1;
                break;
            }
            t->capall = cap;
        }
        t->all_pid[t->nall] = p;
        t->all_ppid[t->nall] = pp;
        t->all_jif[t->nall] = j;
        t->nall++;
    }
    closedir(d);
    return rc;
}

/* Marks pid and its descendants in t->all_in by repeated passes (trees are
   shallow; the scan is rare). 1 when pid was found. */
static int mark_tree(pt_tree_reader *t, int pid) {
    size_t n = t->nall;
    int root = 0;
    for (size_t i = 0; i < n; i++) {
        t->all_in[i] = t->all_pid[i] == pid;
        root |= t->all_in[i];
    }
    for (int changed = root; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (t->all_in[i]) continue;
            for (size_t k = 0; k < n; k++)
                if (t->all_in[k] && t->all_pid[k] == t->all_ppid[i]) {
                    t->all_in[i] = 1;
                    changed = 1;
                    break;
                }
        }
    }
    return root;
}

void pt_proc_tree_init(pt_tree_reader *t) {
    memset(t, 0, sizeof *t);
    t->loadavg.fd = -1;
}

/* The last process id the kernel handed out (/proc/loadavg's last field),
   or -1. */
static long last_pid(pt_tree_reader *t) {
    if (!t->loadavg.path && pt_reread_open(&t->loadavg, "/proc/loadavg", 0) != 0 && !t->loadavg.path)
        return -1;
    long n = pt_reread_read(&t->loadavg, t->buf, sizeof t->buf);
    const char *sp = n > 0 ? strrchr(t->buf, ' ') : NULL;
    long long v;
    return sp && next_ll(sp, &v) ? (long)v : -1;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Whether the tree may have gained a process since the scan: checked at most
   once per PT_TREE_CHECK_S, by whether any process was created since. */
static int tree_may_have_grown(pt_tree_reader *t) {
    double now = mono_s();
    if (now < t->next_check_s) return 0;
    t->next_check_s = now + PT_TREE_CHECK_S;
    long lp = last_pid(t);
    return lp < 0 || lp != t->scan_last_pid;
}

static void close_members(pt_tree_reader *t) {
    for (int i = 0; i < t->nmem; i++) pt_reread_close(&t->mem[i]);
    t->nmem = 0;
}

/* Keeps the stat file of every marked process open in t->mem (pid first). */
static int open_members(pt_tree_reader *t, int pid, size_t n) {
    if (n > t->capmem) {
        pt_reread *m = realloc(t->mem, n * sizeof *m);
        if (m) t->mem = m;
        long *p = realloc(t->mem_pid, n * sizeof *p);
        if (p) t->mem_pid = p;
        if (!m || !p) return -1;
        t->capmem = n;
    }
    for (int pass = 0; pass < 2; pass++) /* the root first */
        for (size_t i = 0; i < t->nall; i++) {
            if (!t->all_in[i] || (t->all_pid[i] == pid) != (pass == 0)) continue;
            char path[64];
            snprintf(path, sizeof path, "/proc/%ld/stat", t->all_pid[i]);
            pt_reread *m = &t->mem[t->nmem];
            if (pt_reread_open(m, path, 0) != 0 && !m->path) continue;
            t->mem_pid[t->nmem++] = t->all_pid[i];
        }
    return 0;
}

/* Full scan of /proc: the tree of pid, its jiffies into *out, and its
   members' stat files kept open. 0, or -1 (pid gone). */
static int tree_rescan(pt_tree_reader *t, int pid, unsigned long long *out) {
    t->scan_last_pid = last_pid(t); /* before the scan: a later fork triggers the next */
    t->next_check_s = mono_s() + PT_TREE_CHECK_S;
    close_members(t);
    t->root = 0;
    if (scan_all(t) != 0 || !mark_tree(t, pid)) return -1;
    size_t n = 0;
    unsigned long long sum = 0;
    for (size_t i = 0; i < t->nall; i++)
        if (t->all_in[i]) n++, sum += t->all_jif[i];
    if (open_members(t, pid, n) != 0) return -1;
    t->root = pid;
    *out = sum;
    return 0;
}

int pt_proc_tree_read(pt_tree_reader *t, int pid, unsigned long long *out) {
    if (pid != t->root || t->nmem == 0 || tree_may_have_grown(t)) return tree_rescan(t, pid, out);
    unsigned long long sum = 0;
    for (int i = 0; i < t->nmem; i++) {
        long ppid;
        unsigned long long j;
        if (pt_reread_read(&t->mem[i], t->buf, sizeof t->buf) <= 0 ||
            parse_pid_stat(t->buf, &ppid, &j) != 0)
            return tree_rescan(t, pid, out); /* a member exited */
        int linked = i == 0;
        for (int k = 0; k < t->nmem && !linked; k++) linked = t->mem_pid[k] == ppid;
        if (!linked) return tree_rescan(t, pid, out); /* re-parented out of the tree */
        sum += j;
    }
    *out = sum;
    return 0;
}

void pt_proc_tree_close(pt_tree_reader *t) {
    close_members(t);
    pt_reread_close(&t->loadavg);
    free(t->mem);
    free(t->mem_pid);
    free(t->all_pid);
    free(t->all_ppid);
    free(t->all_jif);
    free(t->all_in);
    pt_proc_tree_init(t);
}

int pt_proc_tree_jiffies(int pid, unsigned long long *out) {
    pt_tree_reader t;
    pt_proc_tree_init(&t);
    int rc = pt_proc_tree_read(&t, pid, out);
    pt_proc_tree_close(&t);
    return rc;
}

int pt_proc_in_tree(int root, long pid) {
    for (int depth = 0; pid > 1 && depth < 256; depth++) {
        if (pid == root) return 1;
        long ppid;
        unsigned long long j;
        if (read_pid_stat(pid, &ppid, &j) != 0) return 0;
        pid = ppid;
    }
    return pid == root;
}

int pt_proc_self_jiffies(unsigned long long *out) {
    struct timespec ts;
    struct rusage ru;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0 || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0 || getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return -1;
    double s = (double)ts.tv_sec + ts.tv_nsec * 1e-9 + (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    *out = (unsigned long long)(s * (double)hz);
    return 0;
}
