/* clock.h -- CLOCK_MONOTONIC time in seconds and sleeping. */
#ifndef PT_UTIL_CLOCK_H
#define PT_UTIL_CLOCK_H

double pt_clock_now(void);   /* CLOCK_MONOTONIC seconds */
void pt_sleep(double seconds); /* restarts on EINTR */

#endif
