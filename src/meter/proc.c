/* proc.c -- procfs readers: CPU times, process-tree CPU time, CPU model, MemTotal. */
#include "meter/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/source.h"
#include "util/str.h"

static FILE *open_proc(const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/proc/%s", pt_proc_root(), rel);
    return fopen(path, "re");
}

int pt_proc_cpu_times(pt_cpu_times *out) {
    /* Called on every sample: a plain open/read/close of the first line,
       without stdio's buffer and fstat. */
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/proc/stat", pt_proc_root());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 4) return -1;
    line[n] = '\0';
    if (strncmp(line, "cpu ", 4) != 0) return -1;
    unsigned long long v[8] = {0};
    int k = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]);
    if (k < 4) return -1;
    /* user nice system idle iowait irq softirq steal */
    out->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    out->total = out->busy + v[3] + v[4];
    return 0;
}

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

/* One /proc/PID/stat: ppid and the four CPU times. The comm field may hold
 * spaces and parentheses, so parse from the last ')'. */
static int read_pid_stat(long pid, long *ppid, unsigned long long *jiffies) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt
       cmajflt utime stime cutime cstime */
    char state;
    long pp;
    unsigned long long ut, st, cut, cst;
    if (sscanf(p + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &state,
               &pp, &ut, &st, &cut, &cst) != 6)
        return -1;
    *ppid = pp;
    *jiffies = ut + st + cut + cst;
    return 0;
}

int pt_proc_tree_jiffies(int pid, unsigned long long *out) {
    /* Collect (pid, ppid, jiffies) of every process, then sum the tree. */
    DIR *d = opendir("/proc");
    if (!d) return -1;
    size_t cap = 256, n = 0;
    long *pids = malloc(cap * sizeof *pids), *ppids = malloc(cap * sizeof *ppids);
    unsigned long long *jif = malloc(cap * sizeof *jif);
    int rc = -1;
    if (!pids || !ppids || !jif) goto done;
    struct dirent *e;
    while ((e = readdir(d))) {
        long p;
        if (!isdigit((unsigned char)e->d_name[0]) || pt_parse_long(e->d_name, &p) != 0) continue;
        long pp;
        unsigned long long j;
        if (read_pid_stat(p, &pp, &j) != 0) continue;
        if (n == cap) {
            cap *= 2;
            long *a = realloc(pids, cap * sizeof *a);
            if (!a) goto done;
            pids = a;
            long *b = realloc(ppids, cap * sizeof *b);
            if (!b) goto done;
            ppids = b;
            unsigned long long *c = realloc(jif, cap * sizeof *c);
            if (!c) goto done;
            jif = c;
        }
        pids[n] = p;
        ppids[n] = pp;
        jif[n] = j;
        n++;
    }
    /* Mark the tree by repeated passes (trees are shallow; n is small). */
    char *in = calloc(n ? n : 1, 1);
    if (!in) goto done;
    int root = 0;
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid) in[i] = 1, root = 1;
    if (root) {
        for (int changed = 1; changed;) {
            changed = 0;
            for (size_t i = 0; i < n; i++) {
                if (in[i]) continue;
                for (size_t k = 0; k < n; k++)
                    if (in[k] && pids[k] == ppids[i]) {
                        in[i] = 1;
                        changed = 1;
                        break;
                    }
            }
        }
        unsigned long long sum = 0;
        for (size_t i = 0; i < n; i++)
            if (in[i]) sum += jif[i];
        *out = sum;
        rc = 0;
    }
    free(in);
done:
    closedir(d);
    free(pids);
    free(ppids);
    free(jif);
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
