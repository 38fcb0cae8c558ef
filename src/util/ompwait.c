/* ompwait.c -- OMP_WAIT_POLICY's default for sharing the machine (ompwait.h). */
#include "util/ompwait.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OURS "POWERTRAIN_OMP_WAIT"

void pt_omp_wait_reexec(char **argv) {
    if (getenv("OMP_WAIT_POLICY") || getenv(OURS)) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0 || setenv(OURS, "default", 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("OMP_WAIT_POLICY"); /* no exec: libgomp keeps what it read at load */
    setenv(OURS, "exec failed", 1);
}

void pt_omp_wait_child(void) {
    const char *o = getenv(OURS);
    if (o && !strcmp(o, "default")) unsetenv("OMP_WAIT_POLICY");
    unsetenv(OURS);
}

const char *pt_omp_wait_policy(int *ours) {
    const char *o = getenv(OURS), *p = getenv("OMP_WAIT_POLICY");
    *ours = o && !strcmp(o, "default") && p;
    return p && *p ? p : "unset";
}
