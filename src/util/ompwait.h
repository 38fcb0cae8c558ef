/* ompwait.h -- how OpenMP's idle threads wait (OMP_WAIT_POLICY), chosen for
 * sharing the machine: the cpu backend's threads must not spin on cores that
 * other processes (or the job's own descheduled siblings) need.
 *
 * libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main), so a
 * default can only take effect through a fresh exec: pt_omp_wait_reexec sets
 * OMP_WAIT_POLICY=PASSIVE (with POWERTRAIN_OMP_WAIT=default to say it was
 * powertrain's choice) and re-executes /proc/self/exe, unless the user set
 * OMP_WAIT_POLICY. Commands powertrain runs (measure, --exec) get the
 * environment back as the user gave it (pt_omp_wait_child). */
#ifndef PT_UTIL_OMPWAIT_H
#define PT_UTIL_OMPWAIT_H

#include <stddef.h>

/* Re-executes the program with OMP_WAIT_POLICY=PASSIVE when neither it nor
 * POWERTRAIN_OMP_WAIT is set; returns only when it does not (set already,
 * or the exec failed: the environment is then left as it was). */
void pt_omp_wait_reexec(char **argv);
/* In a child about to exec a user's command: undoes pt_omp_wait_reexec's default. */
void pt_omp_wait_child(void);
/* The policy in effect, for the log and the store: "PASSIVE" (powertrain's
 * default), the user's OMP_WAIT_POLICY value, or "unset" (OpenMP's own
 * default: spin a while). *ours = 1 when powertrain chose it. */
const char *pt_omp_wait_policy(int *ours);

#endif
