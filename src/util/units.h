/* units.h -- number and energy formatting for readers (one home for every
 * module: the CLI, the studies' printouts and the report). Non-finite values
 * print as "-". */
#ifndef PT_UTIL_UNITS_H
#define PT_UTIL_UNITS_H

#include <stddef.h>

/* A number for a table cell: %.3g-ish, no exponent for ordinary values. */
void pt_fmt_num(char *buf, size_t n, double v);
/* The report's energy unit for values up to max_j: "mWh", "Wh" or "kWh";
 * returns joules per unit. */
double pt_energy_unit(double max_j, const char **name);
/* Energy in the report's units: "1.66 mWh", "57.1 Wh". */
void pt_fmt_energy(char *buf, size_t n, double joules);
/* Energy in joules with a readable prefix: "812.0 mJ", "40.00 J", "12.30 kJ", "1.230 MJ". */
void pt_fmt_joules(char *buf, size_t n, double joules);
/* Energy as the studies print it: "%.1f J". */
void pt_fmt_j1(char *buf, size_t n, double joules);

#endif
