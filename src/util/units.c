/* units.c -- the one home of number and energy formatting for readers. */
#include "util/units.h"

#include <math.h>
#include <stdio.h>

#include "util/str.h"

void pt_fmt_num(char *buf, size_t n, double v) {
    if (isnan(v)) snprintf(buf, n, "-");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else if (v == 0) snprintf(buf, n, "0");
    else if (fabs(v) >= 1e6 || fabs(v) < 1e-3) snprintf(buf, n, "%.3g", v);
    else if (fabs(v) >= 100) snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 10) snprintf(buf, n, "%.1f", v);
    else if (fabs(v) >= 1) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3g", v);
}

double pt_energy_unit(double max_j, const char **name) {
    double wh = fabs(max_j) / 3600.0;
    if (!(wh >= 1e-3)) {
        *name = "mWh";
        return 3.6;
    }
    if (wh < 1) {
        *name = "mWh";
        return 3.6;
    }
    if (wh < 1000) {
        *name = "Wh";
        return 3600.0;
    }
    *name = "kWh";
    return 3.6e6;
}

void pt_fmt_energy(char *buf, size_t n, double j) {
    if (!isfinite(j)) {
        snprintf(buf, n, "-");
        return;
    }
    const char *u;
    double div = pt_energy_unit(j, &u);
    char num[32];
    pt_fmt_num(num, sizeof num, j / div);
    snprintf(buf, n, "%s %s", num, u);
}

void pt_fmt_joules(char *buf, size_t n, double j) {
    double a = fabs(j);
    if (!isfinite(j)) snprintf(buf, n, "-");
    else if (a < 1) snprintf(buf, n, "%.1f mJ", j * 1e3);
    else if (a < 1e3) snprintf(buf, n, "%.2f J", j);
    else if (a < 1e6) snprintf(buf, n, "%.2f kJ", j / 1e3);
    else snprintf(buf, n, "%.3f MJ", j / 1e6);
}

void pt_fmt_j1(char *buf, size_t n, double j) {
    if (isfinite(j)) snprintf(buf, n, "%.1f J", j);
    else pt_strlcpy(buf, "-", n);
}
