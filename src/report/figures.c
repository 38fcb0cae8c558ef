/* figures.c -- the paper's figures as SVG: Fig. 3 (energy per epoch, batch
 * size x learning rate heatmap), Fig. 4 (total energy per run, setups grouped
 * by batch size, repeats as points, status by marker), Fig. 5 (cumulative
 * energy against downstream cycles, pretraining vs baseline, break-even).
 * Axis labels with units, log scales when values span more than a decade,
 * Okabe-Ito colours for categories and viridis for the heatmap (both
 * colour-blind safe), legends, sized for A4 width. No scripts, no links. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/str.h"

static const char *okabe_ito[8] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                   "#D55E00", "#56B4E9", "#000000", "#F0E442"};

static const unsigned char viridis[9][3] = {{0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b},
                                            {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c}, {0x28, 0xae, 0x80},
                                            {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25}};

static void viridis_at(double t, char out[8]) {
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double p = t * 8;
    int i = (int)p;
    if (i >= 8) i = 7;
    double u = p - i;
    int rgb[3];
    for (int c = 0; c < 3; c++) rgb[c] = (int)lround(viridis[i][c] + u * (viridis[i + 1][c] - viridis[i][c]));
    snprintf(out, 8, "#%02x%02x%02x", rgb[0] & 0xff, rgb[1] & 0xff, rgb[2] & 0xff);
}

static void svg_open(FILE *f, int w, int h, int standalone, const char *label) {
    if (standalone) fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<svg %sviewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
            "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"12\">\n<title>",
            standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "", w, h, w, h);
    pt_html_text(f, label);
    fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
}

/* text at (x, y); anchor start|middle|end; extra attributes (may be ""); escaped */
static void svg_text(FILE *f, double x, double y, const char *anchor, const char *attrs, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void svg_text(FILE *f, double x, double y, const char *anchor, const char *attrs, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, attrs);
    pt_html_text(f, buf);
    fputs("</text>\n", f);
}

/* shortens long hardware names for titles */
static void short_label(char *dst, size_t n, const char *s, size_t max) {
    pt_strlcpy(dst, s, n);
    if (strlen(dst) > max && max > 3 && max < n) strcpy(dst + max - 3, "...");
}

typedef struct {
    double lo, hi;
    int log;
    double p0, p1; /* pixel positions of lo and hi */
} scale;

static double sc(const scale *s, double v) {
    double t;
    if (s->log) {
        if (!(v > 0)) v = s->lo;
        t = (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
    } else {
        t = (v - s->lo) / (s->hi - s->lo);
    }
    return s->p0 + t * (s->p1 - s->p0);
}

static double nice_step(double x) {
    if (!(x > 0)) return 1;
    double e = pow(10, floor(log10(x)));
    double m = x / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
}

/* a scale over [vmin, vmax] (display units): log when all positive and the
 * span exceeds a decade, else linear from 0 */
static scale make_scale(double vmin, double vmax, double p0, double p1, int allow_log) {
    scale s = {0, 1, 0, p0, p1};
    if (!isfinite(vmax) || vmax <= 0) return s;
    if (allow_log && vmin > 0 && vmax / vmin > 10) {
        s.log = 1;
        s.lo = pow(10, floor(log10(vmin)));
        s.hi = pow(10, ceil(log10(vmax)));
        if (s.hi <= s.lo) s.hi = s.lo * 10;
        return s;
    }
    double step = nice_step(vmax / 5);
    s.hi = ceil(vmax * 1.02 / step) * step;
    return s;
}

static void tick_label(char *buf, size_t n, double v) {
    if (v == 0) snprintf(buf, n, "0");
    else if (fabs(v) >= 1e5 || fabs(v) < 1e-3) snprintf(buf, n, "%.0e", v);
    else snprintf(buf, n, "%g", v);
}

/* a vertical axis at x = x0 over a plot from x0 to x1 (gridlines), label rotated */
static void y_axis(FILE *f, const scale *s, double x0, double x1, const char *label) {
    char buf[32];
    if (s->log) {
        for (double d = s->lo; d <= s->hi * 1.0001; d *= 10) {
            for (int m = 2; m < 10 && d * m < s->hi * 0.9999; m++) {
                double y = sc(s, d * m);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eeeeee\"/>\n", x0, y, x1, y);
            }
            double y = sc(s, d);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#cccccc\"/>\n", x0, y, x1, y);
            tick_label(buf, sizeof buf, d);
            svg_text(f, x0 - 6, y + 4, "end", "", "%s", buf);
        }
    } else {
        double step = nice_step(s->hi / 5);
        for (double v = s->lo; v <= s->hi * 1.0001; v += step) {
            double y = sc(s, v);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n", x0, y, x1, y);
            tick_label(buf, sizeof buf, v);
            svg_text(f, x0 - 6, y + 4, "end", "", "%s", buf);
        }
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", x0, s->p0, x0, s->p1);
    double ym = (s->p0 + s->p1) / 2;
    char attrs[96];
    snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %.1f %.1f)\"", x0 - 52, ym);
    svg_text(f, x0 - 52, ym, "middle", attrs, "%s%s", label, s->log ? " (log scale)" : "");
}

/* A figure's <svg>, its <title> ("WHAT, DATASET, HARDWARE"), its heading
 * ("HEADING, DATASET") and the line naming the study and the energy method. */
static void fig_open(FILE *f, int w, int h, int standalone, const pt_report_study *s, const char *hardware,
                     const pt_report_methods *m, const char *what, const char *heading) {
    char hw[64], meth[160], label[256];
    short_label(hw, sizeof hw, hardware, 48);
    pt_report_method_caption(m, meth, sizeof meth);
    snprintf(label, sizeof label, "%s, %s, %s", what, s->dataset, hw);
    svg_open(f, w, h, standalone, label);
    svg_text(f, 12, 20, "start", "font-size=\"14\" font-weight=\"bold\"", "%s, %s", heading, s->dataset);
    svg_text(f, 12, 38, "start", "", "study %lld, %s; %s", (long long)s->id, hw, meth);
}

/* Job energy (issue 18): a run with a contaminated epoch is ringed (dashed, in
   every figure), a setup whose repeats disagree by more than 1.5x carries the
   sign "≠"; the legend lines appear only where a figure has such a mark. */
#define NOT_EQUAL "\xe2\x89\xa0"

static void contam_ring(FILE *f, double x, double y, double r) {
    fprintf(f,
            "<circle class=\"contaminated\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"#000000\" "
            "stroke-width=\"1.4\" stroke-dasharray=\"2 1.5\"/>\n",
            x, y, r);
}

/* the legend line of the ring at (x, y): one line, or two (wrap) for a narrow column */
static void contam_legend(FILE *f, const pt_report_data *d, double x, double y, int wrap) {
    contam_ring(f, x + 6, y - 4, 6);
    if (!wrap) {
        svg_text(f, x + 16, y, "start", "class=\"contaminated-legend\"",
                 "contaminated: other processes used >%g%% of the CPU", d->contamination_pct);
        return;
    }
    svg_text(f, x + 16, y, "start", "class=\"contaminated-legend\"", "contaminated: other processes");
    svg_text(f, x + 16, y + 16, "start", "", "used >%g%% of the CPU", d->contamination_pct);
}

static void disagree_sign(FILE *f, double x, double y, const char *col) {
    char attrs[96];
    snprintf(attrs, sizeof attrs, "class=\"disagree\" font-weight=\"bold\" fill=\"%s\"", col);
    svg_text(f, x, y, "middle", attrs, NOT_EQUAL);
}

static void disagree_legend(FILE *f, double x, double y) {
    disagree_sign(f, x + 6, y, "#000000");
    svg_text(f, x + 16, y, "start", "", "repeats disagree by more than 1.5x (energy per epoch or to target)");
}

/* the lines a figure's marks take in its legend (18 px each) */
static int marks_lines(int ncontaminated, int ndisagree) { return (ncontaminated > 0) + (ndisagree > 0); }

/* those legend lines, from baseline y down */
static void marks_legend(FILE *f, const pt_report_data *d, double x, double y, int ncontaminated, int ndisagree) {
    if (ncontaminated > 0) contam_legend(f, d, x, y, 0), y += 18;
    if (ndisagree > 0) disagree_legend(f, x, y);
}

/* ---------------------------------------------------------------- Fig. 3 -- */
/* position in [0, 1] of v on the heatmap's colour scale */
static double fig3_t(double v, double vmin, double vmax, int logc) {
    if (!(vmax > vmin)) return 0.5;
    double t = logc ? (log10(v) - log10(vmin)) / (log10(vmax) - log10(vmin)) : (v - vmin) / (vmax - vmin);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

/* the spread of a cell: a strip along its foot on the colour scale, the range
   as a line and each run's energy per epoch as a point */
static void fig3_spread(FILE *f, const pt_report_data *d, const pt_report_setup *su, double x, double y, int cw,
                        int ch, double vmin, double vmax, int logc, const char *col) {
    double x0 = x + 10, x1 = x + cw - 10, sy = y + ch - 10;
    if (su->nepoch > 1 && su->epoch_j_max > su->epoch_j_min)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                x0 + fig3_t(su->epoch_j_min, vmin, vmax, logc) * (x1 - x0), sy,
                x0 + fig3_t(su->epoch_j_max, vmin, vmax, logc) * (x1 - x0), sy, col);
    for (int j = 0; j < su->nrep; j++) {
        const pt_report_run *r = &d->runs[su->runs[j]];
        if (r->epochs <= 0 || !isfinite(r->energy_j)) continue;
        double v = r->energy_j / r->epochs, px = x0 + fig3_t(v, vmin, vmax, logc) * (x1 - x0);
        fprintf(f, "<circle class=\"run\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"/>\n", px, sy, col);
        if (r->contaminated_epochs > 0) contam_ring(f, px, sy, 5);
    }
    if (su->ncontaminated > 0) /* the cell outlined, dashed */
        fprintf(f,
                "<rect class=\"contaminated\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n",
                x + 2, y + 2, cw - 4, ch - 4, col);
    if (isfinite(su->disagree_epoch)) disagree_sign(f, x + cw - 9, y + 14, col);
}

void pt_fig3(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone) {
    const pt_report_study *s = &d->studies[g->study];
    const int cw = 96, ch = 52, L = 96, T = 92, R = 120, B = 24;
    int W = L + g->nlr * cw + R, H = T + g->nbs * ch + B + 18 * marks_lines(g->ncontaminated, g->ndisagree);
    if (W < 640) W = 640;
    double vmin = INFINITY, vmax = -INFINITY;
    for (int k = 0; k < g->nsetups; k++) {
        double vs[3] = {g->setups[k].epoch_j, g->setups[k].epoch_j_min, g->setups[k].epoch_j_max};
        for (int i = 0; i < 3; i++)
            if (isfinite(vs[i]) && vs[i] > 0) {
                if (vs[i] < vmin) vmin = vs[i];
                if (vs[i] > vmax) vmax = vs[i];
            }
    }
    const char *unit;
    double div = pt_energy_unit(isfinite(vmax) ? vmax : 0, &unit);
    int logc = isfinite(vmax) && vmin > 0 && vmax / vmin > 10;
    char heading[96];
    snprintf(heading, sizeof heading, "Fig. 3  Energy per epoch (%s)", unit);
    fig_open(f, W, H, standalone, s, g->hardware, &g->methods, "Fig. 3: energy per epoch by batch size and learning rate",
             heading);
    svg_text(f, 12, 54, "start", "fill=\"#555555\"",
             "mean over runs of energy / epochs; colour scale %s; strip: each run a point, line = min-max",
             logc ? "logarithmic" : "linear");
    svg_text(f, L + g->nlr * cw / 2.0, T - 22, "middle", "font-weight=\"bold\"", "learning rate");
    for (int c = 0; c < g->nlr; c++) svg_text(f, L + (c + 0.5) * cw, T - 6, "middle", "", "%g", g->lr[c]);
    char attrs[96];
    snprintf(attrs, sizeof attrs, "font-weight=\"bold\" transform=\"rotate(-90 %d %.1f)\"", 22,
             T + g->nbs * ch / 2.0);
    svg_text(f, 22, T + g->nbs * ch / 2.0, "middle", attrs, "batch size");
    for (int r = 0; r < g->nbs; r++) {
        svg_text(f, L - 8, T + (r + 0.5) * ch + 4, "end", "", "%d", g->bs[r]);
        for (int c = 0; c < g->nlr; c++) {
            const pt_report_setup *su = NULL;
            for (int k = 0; k < g->nsetups; k++)
                if (g->setups[k].batch_size == g->bs[r] && g->setups[k].lr == g->lr[c]) su = &g->setups[k];
            double x = L + c * cw, y = T + r * ch;
            if (!su || !isfinite(su->epoch_j)) {
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f2f2f2\" stroke=\"#ffffff\"/>\n",
                        x, y, cw, ch);
                svg_text(f, x + cw / 2.0, y + ch / 2.0 + 4, "middle", "fill=\"#777777\"", "%s",
                         su ? "no epoch" : "not run");
                continue;
            }
            double t = fig3_t(su->epoch_j, vmin, vmax, logc);
            char col[8], num[32];
            viridis_at(t, col);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\"/>\n", x, y,
                    cw, ch, col);
            pt_fmt_num(num, sizeof num, su->epoch_j / div);
            svg_text(f, x + cw / 2.0, y + ch / 2.0 - 2, "middle",
                     t < 0.55 ? "fill=\"#ffffff\" font-weight=\"bold\"" : "fill=\"#000000\" font-weight=\"bold\"", "%s",
                     num);
            fig3_spread(f, d, su, x, y, cw, ch, vmin, vmax, logc, t < 0.55 ? "#ffffff" : "#000000");
        }
    }
    /* colour bar */
    double bx = L + g->nlr * cw + 24, by = T, bh = g->nbs * ch;
    if (isfinite(vmax)) {
        for (int i = 0; i < 24; i++) {
            char col[8];
            viridis_at(1.0 - (i + 0.5) / 24.0, col);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"%.2f\" fill=\"%s\"/>\n", bx, by + i * bh / 24.0,
                    bh / 24.0 + 0.5, col);
        }
        char num[32];
        pt_fmt_num(num, sizeof num, vmax / div);
        svg_text(f, bx + 22, by + 10, "start", "", "%s", num);
        pt_fmt_num(num, sizeof num, vmin / div);
        svg_text(f, bx + 22, by + bh, "start", "", "%s", num);
        svg_text(f, bx + 22, by + bh / 2 + 4, "start", "fill=\"#555555\"", "%s", unit);
    }
    marks_legend(f, d, L, T + g->nbs * ch + 22, g->ncontaminated, g->ndisagree);
    fputs("</svg>\n", f);
}

/* markers: done filled circle, not_reached open circle, diverged cross,
 * failed open triangle, running open square */
static void marker(FILE *f, const char *status, double x, double y, const char *col) {
    if (!strcmp(status, "done"))
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#000000\" stroke-width=\"0.6\"/>\n", x, y,
                col);
    else if (!strcmp(status, "not_reached"))
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2\"/>\n", x, y,
                col);
    else if (!strcmp(status, "diverged"))
        fprintf(f,
                "<path d=\"M%.1f %.1fl9 9m0 -9l-9 9\" stroke=\"%s\" stroke-width=\"2.5\" fill=\"none\"/>\n", x - 4.5,
                y - 4.5, col);
    else if (!strcmp(status, "failed"))
        fprintf(f, "<path d=\"M%.1f %.1fl5 9h-10z\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2\"/>\n", x, y - 5, col);
    else
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                x - 4, y - 4, col);
}

static void diamond(FILE *f, double x, double y) {
    fprintf(f, "<path d=\"M%.1f %.1fl4 4l-4 4l-4 -4z\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1.4\"/>\n", x,
            y - 4);
}

/* ---------------------------------------------------------------- Fig. 4 -- */
enum { FIG4_W = 760, FIG4_H = 470, FIG4_L = 84, FIG4_R = 16, FIG4_T = 74, FIG4_B = 150 };

/* the least and greatest positive energy (total or to target) of the group's runs */
static void fig4_range(const pt_report_data *d, const pt_report_regime *g, double *vmin, double *vmax) {
    *vmin = INFINITY, *vmax = -INFINITY;
    for (int k = 0; k < g->nsetups; k++)
        for (int j = 0; j < g->setups[k].nrep; j++) {
            const pt_report_run *r = &d->runs[g->setups[k].runs[j]];
            double vs[2] = {r->energy_j, r->energy_to_target_j};
            for (int i = 0; i < 2; i++)
                if (isfinite(vs[i]) && vs[i] > 0) {
                    if (vs[i] < *vmin) *vmin = vs[i];
                    if (vs[i] > *vmax) *vmax = vs[i];
                }
        }
}

/* the groups of setups by batch size: dashed separators and their labels */
static void fig4_groups(FILE *f, const pt_report_regime *g, double sw, double ph) {
    const int L = FIG4_L, T = FIG4_T;
    int gstart = 0;
    for (int k = 0; k <= g->nsetups; k++) {
        if (k < g->nsetups && g->setups[k].batch_size == g->setups[gstart].batch_size) continue;
        double x0 = L + gstart * sw, x1 = L + k * sw;
        if (gstart > 0)
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777777\" stroke-dasharray=\"5 4\"/>\n",
                    x0, T, x0, T + ph + 46);
        if (g->nsetups)
            svg_text(f, (x0 + x1) / 2, T + ph + 46, "middle", "font-weight=\"bold\"", "batch %d",
                     g->setups[gstart].batch_size);
        gstart = k;
    }
}

/* setup k: its labels, the mean bar, its repeats as markers and diamonds */
static void fig4_setup(FILE *f, const pt_report_data *d, const pt_report_regime *g, int k, const scale *y, double div,
                       double sw, double ph) {
    const int L = FIG4_L, T = FIG4_T;
    const pt_report_setup *su = &g->setups[k];
    double cx = L + (k + 0.5) * sw;
    int li = 0;
    for (int l = 0; l < g->nlr; l++)
        if (g->lr[l] == su->lr) li = l;
    const char *col = okabe_ito[li % 8];
    svg_text(f, cx, T + ph + 16, "middle", k == g->best || k == g->worst ? "font-weight=\"bold\"" : "", "%d",
             su->setup ? su->setup : k + 1);
    svg_text(f, cx, T + ph + 30, "middle", "font-size=\"10\" fill=\"#555555\"", "%g", su->lr);
    if (isfinite(su->total_j) && su->total_j > 0)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
                cx - sw * 0.38, sc(y, su->total_j / div), cx + sw * 0.38, sc(y, su->total_j / div));
    if (su->ntotal > 1 && su->total_j_max > su->total_j_min && su->total_j_min > 0) /* the range */
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777777\" stroke-width=\"1.5\"/>\n",
                cx, sc(y, su->total_j_min / div), cx, sc(y, su->total_j_max / div));
    for (int j = 0; j < su->nrep; j++) {
        const pt_report_run *r = &d->runs[su->runs[j]];
        double dx = (j - (su->nrep - 1) / 2.0) * (sw * 0.5 / (su->nrep > 1 ? su->nrep - 1 : 1));
        if (su->nrep == 1) dx = 0;
        if (isfinite(r->energy_to_target_j) && r->energy_to_target_j > 0)
            diamond(f, cx + dx, sc(y, r->energy_to_target_j / div));
        double v = isfinite(r->energy_j) ? r->energy_j / div : 0;
        marker(f, r->status, cx + dx, sc(y, v), col);
        if (r->contaminated_epochs > 0) contam_ring(f, cx + dx, sc(y, v), 8);
    }
    if (isfinite(su->disagree_epoch)) disagree_sign(f, cx, T - 6, "#000000");
}

/* the legend below the plot: learning rate colours, how a run ended, the marks */
static void fig4_legend(FILE *f, const pt_report_data *d, const pt_report_regime *g, double ph) {
    const int L = FIG4_L, T = FIG4_T;
    double ly = T + ph + 72;
    svg_text(f, L, ly, "start", "font-weight=\"bold\"", "learning rate");
    for (int l = 0; l < g->nlr && l < 8; l++) {
        double lx = L + 100 + l * 80;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, ly - 10, okabe_ito[l]);
        svg_text(f, lx + 16, ly, "start", "", "%g", g->lr[l]);
    }
    ly += 24;
    svg_text(f, L, ly, "start", "font-weight=\"bold\"", "run ended");
    static const char *st[5] = {"done", "not_reached", "diverged", "failed", "running"};
    static const char *stl[5] = {"done", "not reached", "diverged", "failed", "running"};
    for (int i = 0; i < 5; i++) {
        double lx = L + 100 + i * 104;
        marker(f, st[i], lx + 6, ly - 4, "#555555");
        svg_text(f, lx + 16, ly, "start", "", "%s", stl[i]);
    }
    ly += 24;
    diamond(f, L + 106, ly - 4);
    svg_text(f, L + 116, ly, "start", "", "energy to target (first epoch at the threshold)");
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
            L + 420.0, ly - 4, L + 440.0, ly - 4);
    svg_text(f, L + 446, ly, "start", "", "mean of finished runs");
    marks_legend(f, d, L, ly + 22, g->ncontaminated, g->ndisagree);
}

void pt_fig4(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone) {
    const pt_report_study *s = &d->studies[g->study];
    const int W = FIG4_W, H = FIG4_H, L = FIG4_L, R = FIG4_R, T = FIG4_T, B = FIG4_B;
    double pw = W - L - R, ph = H - T - B;
    double vmin, vmax;
    fig4_range(d, g, &vmin, &vmax);
    const char *unit;
    double div = pt_energy_unit(isfinite(vmax) ? vmax : 0, &unit);
    scale y = make_scale(vmin / div, vmax / div, T + ph, T, 1);
    char heading[96], ylab[96];
    snprintf(heading, sizeof heading, "Fig. 4  Total energy per run (%s)", unit);
    fig_open(f, W, H, standalone, s, g->hardware, &g->methods, "Fig. 4: total energy per run for each setup", heading);
    if (isfinite(g->ratio))
        svg_text(f, 12, 54, "start", "fill=\"#555555\"",
                 "repeats as points, bar = mean, grey line = min-max of finished runs; worst / best = %.2fx (setup %d vs %d)", g->ratio,
                 g->setups[g->worst].setup, g->setups[g->best].setup);
    else
        svg_text(f, 12, 54, "start", "fill=\"#555555\"",
                 "repeats as points, bar = mean, grey line = min-max of finished runs; best-to-worst ratio needs two "
                 "setups that reached the threshold");
    snprintf(ylab, sizeof ylab, "total energy per run (%s)", unit);
    y_axis(f, &y, L, L + pw, ylab);
    int n = g->nsetups > 0 ? g->nsetups : 1;
    double sw = pw / n;
    fig4_groups(f, g, sw, ph);
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", L, T + ph, L + pw, T + ph);
    svg_text(f, L - 6, T + ph + 16, "end", "fill=\"#555555\"", "setup");
    svg_text(f, L - 6, T + ph + 30, "end", "fill=\"#555555\"", "lr");
    for (int k = 0; k < g->nsetups; k++) fig4_setup(f, d, g, k, &y, div, sw, ph);
    fig4_legend(f, d, g, ph);
    fputs("</svg>\n", f);
}

/* ---------------------------------------------------------------- Fig. 5 -- */
enum { FIG5_W = 760, FIG5_H = 440, FIG5_L = 84, FIG5_R = 230, FIG5_T = 74, FIG5_B = 56 };
static const char *const fig5_cols[3] = {"#0072B2", "#E69F00", "#009E73"};

/* the x axis: cycles n, ticks at a round step */
static void fig5_x_axis(FILE *f, const scale *x, double xmax, double pw, double ph) {
    const int L = FIG5_L, T = FIG5_T;
    double step = nice_step(xmax / 6);
    char buf[32];
    for (double v = 0; v <= xmax * 1.0001; v += step) {
        double px = sc(x, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", px, T + ph, px,
                T + ph + 5);
        tick_label(buf, sizeof buf, v);
        svg_text(f, px, T + ph + 18, "middle", "", "%s", buf);
    }
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", L, T + ph, L + pw, T + ph);
    svg_text(f, L + pw / 2, T + ph + 40, "middle", "", "downstream training cycles n (classifier trainings)");
}

/* scenario i (best, worst, average): its two lines (clipped), the break-even
 * circle; clip names the clip path */
static void fig5_curves(FILE *f, const pt_report_breakeven *b, int i, const scale *x, const scale *y, double xmax,
                        double div, const char *clip) {
    const char *col = fig5_cols[i];
    fprintf(f, "<g clip-path=\"url(#%s)\">\n", clip);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
            sc(x, 0), sc(y, b->enc_j / div), sc(x, xmax), sc(y, (b->enc_j + xmax * b->class_j) / div), col);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\" "
            "stroke-dasharray=\"7 5\"/>\n",
            sc(x, 0), sc(y, 0), sc(x, xmax), sc(y, xmax * b->base_j / div), col);
    fputs("</g>\n", f);
    if (isfinite(b->x)) {
        double px = sc(x, b->x), py = sc(y, b->x * b->base_j / div);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                px, py, col);
        if (b->ncontaminated > 0) contam_ring(f, px, py, 10);
        svg_text(f, px + 8, py - 8, "start", "font-weight=\"bold\"", "%.1f", b->x);
    }
}

/* the legend entry of scenario i at lx, *ly (moved down past it) */
static void fig5_legend_entry(FILE *f, const pt_report_pretrain *g, const pt_report_breakeven *b, int i, double lx,
                              double *ly) {
    static const char *names[3] = {"best", "worst", "average"};
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"/>\n", lx,
            *ly, lx + 24, *ly, fig5_cols[i]);
    if (b->ncontaminated > 0) contam_ring(f, lx + 12, *ly, 8);
    if (i < 2) svg_text(f, lx + 30, *ly + 4, "start", "font-weight=\"bold\"", "%s: setup %d", names[i], b->setup);
    else svg_text(f, lx + 30, *ly + 4, "start", "font-weight=\"bold\"", "average of %d setups", g->navg);
    *ly += 16;
    if (i < 2) svg_text(f, lx + 30, *ly + 4, "start", "", "batch %d, lr %g", b->batch_size, b->lr);
    else svg_text(f, lx + 30, *ly + 4, "start", "", "(mean energies)");
    *ly += 16;
    if (isfinite(b->x)) svg_text(f, lx + 30, *ly + 4, "start", "", "break-even after %.2f cycles", b->x);
    else svg_text(f, lx + 30, *ly + 4, "start", "", "never pays back");
    *ly += 26;
}

/* the legend's key to solid and dashed lines */
static void fig5_line_key(FILE *f, double lx, double ly) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\" stroke-width=\"2\"/>\n", lx, ly,
            lx + 24, ly);
    svg_text(f, lx + 30, ly + 4, "start", "", "with pretraining");
    ly += 18;
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\" stroke-width=\"2\" "
            "stroke-dasharray=\"7 5\"/>\n",
            lx, ly, lx + 24, ly);
    svg_text(f, lx + 30, ly + 4, "start", "", "baseline (from scratch)");
}

/* the x range (cycles, past the latest break-even) and the y maximum of the lines */
static void fig5_range(const pt_report_breakeven *const sc3[3], double *xmax_out, double *ymax_out) {
    double xmax = 0;
    for (int i = 0; i < 3; i++)
        if (sc3[i] && isfinite(sc3[i]->x) && sc3[i]->x > xmax) xmax = sc3[i]->x;
    xmax = xmax > 0 ? ceil(xmax * 1.3) : 10;
    if (xmax < 5) xmax = 5;
    if (xmax > 1e6) xmax = 1e6;
    double ymax = 0;
    for (int i = 0; i < 3; i++) {
        if (!sc3[i]) continue;
        double a = sc3[i]->enc_j + xmax * sc3[i]->class_j, b = xmax * sc3[i]->base_j;
        if (isfinite(a) && a > ymax) ymax = a;
        if (isfinite(b) && b > ymax) ymax = b;
    }
    *xmax_out = xmax;
    *ymax_out = ymax;
}

void pt_fig5(FILE *f, const pt_report_data *d, const pt_report_pretrain *g, int standalone) {
    const pt_report_study *s = &d->studies[g->study];
    const int W = FIG5_W, H = FIG5_H, L = FIG5_L, R = FIG5_R, T = FIG5_T, B = FIG5_B;
    double pw = W - L - R, ph = H - T - B;
    const pt_report_breakeven *sc3[3] = {g->best >= 0 ? &g->rows[g->best] : NULL,
                                         g->worst >= 0 && g->worst != g->best ? &g->rows[g->worst] : NULL,
                                         g->navg > 0 ? &g->avg : NULL};
    double xmax, ymax;
    fig5_range(sc3, &xmax, &ymax);
    const char *unit;
    double div = pt_energy_unit(ymax, &unit);
    scale y = make_scale(0, ymax / div, T + ph, T, 0);
    scale x = {0, xmax, 0, L, L + pw};
    char ylab[96], clip[64];
    fig_open(f, W, H, standalone, s, g->hardware, &g->methods,
             "Fig. 5: cumulative energy against downstream cycles, pretraining vs baseline",
             "Fig. 5  Break-even of encoder pretraining");
    svg_text(f, 12, 54, "start", "fill=\"#555555\"",
             "solid: E_enc + n x E_class (pretrained, frozen); dashed: n x E_enc+class (baseline); o = break-even");
    snprintf(ylab, sizeof ylab, "cumulative energy (%s)", unit);
    y_axis(f, &y, L, L + pw, ylab);
    fig5_x_axis(f, &x, xmax, pw, ph);
    snprintf(clip, sizeof clip, "fig5clip-%lld-%d", (long long)s->id, (int)(g - d->pretrains));
    fprintf(f, "<clipPath id=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n", clip, L,
            T, pw, ph);
    double lx = L + pw + 16, ly = T + 6;
    int drawn = 0;
    for (int i = 0; i < 3; i++) {
        if (!sc3[i] || isnan(sc3[i]->x)) continue;
        drawn++;
        fig5_curves(f, sc3[i], i, &x, &y, xmax, div, clip);
        fig5_legend_entry(f, g, sc3[i], i, lx, &ly);
    }
    if (!drawn)
        svg_text(f, L + pw / 2, T + ph / 2, "middle", "fill=\"#777777\"",
                 "no setup with finished pretrain, frozen and baseline runs");
    fig5_line_key(f, lx, ly);
    if (g->ncontaminated > 0) contam_legend(f, d, lx, ly + 42, 1);
    fputs("</svg>\n", f);
}

/* ----------------------------------------------------- the Pareto front -- */
enum { PAR_W = 760, PAR_H = 470, PAR_L = 84, PAR_R = 24, PAR_T = 74, PAR_B = 110 };

/* a horizontal axis at y = y0 over a plot from y0 up to y1 (gridlines) */
static void x_axis(FILE *f, const scale *s, double y0, double y1, const char *label) {
    char buf[32];
    double step = s->log ? 0 : nice_step(s->hi / 5);
    for (double v = s->lo; v <= s->hi * 1.0001; v = s->log ? v * 10 : v + step) {
        double x = sc(s, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n", x, y0, x, y1);
        tick_label(buf, sizeof buf, v);
        svg_text(f, x, y0 + 16, "middle", "", "%s", buf);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", s->p0, y0, s->p1, y0);
    svg_text(f, (s->p0 + s->p1) / 2, y0 + 34, "middle", "", "%s%s", label, s->log ? " (log scale)" : "");
}

/* the front as a staircase (less energy, then more accuracy) and its runs named */
static void pareto_front(FILE *f, const pt_report_data *d, const int *front, int nf, const scale *x, const scale *y,
                         double div) {
    if (nf <= 0) return;
    fputs("<path class=\"front\" d=\"", f);
    for (int i = 0; i < nf; i++) {
        const pt_report_run *r = &d->runs[front[i]];
        double px = sc(x, r->energy_j / div), py = sc(y, r->best_val_acc);
        if (i == 0) fprintf(f, "M%.1f %.1f", px, py);
        else fprintf(f, "H%.1fV%.1f", px, py);
    }
    fputs("\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"2\"/>\n", f);
    for (int i = 0; i < nf; i++) {
        const pt_report_run *r = &d->runs[front[i]];
        double px = sc(x, r->energy_j / div), py = sc(y, r->best_val_acc);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"1.5\"/>\n",
                px, py);
        int left = px > (x->p0 + x->p1) / 2; /* names the right half's runs on their left */
        svg_text(f, left ? px - 9 : px + 9, py + (i % 2 ? 16 : -9), left ? "end" : "start",
                 "font-size=\"11\" font-weight=\"bold\"", "setup %d r%d (batch %d, lr %g)", r->setup, r->repeat,
                 r->batch_size, r->lr);
    }
}

/* the x (energy, display units) and y (accuracy) ranges of the group's points */
static int pareto_range(const pt_report_data *d, const pt_report_regime *g, double *emin, double *emax, double *amin) {
    int n = 0;
    *emin = INFINITY, *emax = -INFINITY, *amin = 1;
    for (int k = 0; k < g->nsetups; k++)
        for (int j = 0; j < g->setups[k].nrep; j++) {
            const pt_report_run *r = &d->runs[g->setups[k].runs[j]];
            if (!(isfinite(r->energy_j) && r->energy_j > 0 && isfinite(r->best_val_acc))) continue;
            n++;
            if (r->energy_j < *emin) *emin = r->energy_j;
            if (r->energy_j > *emax) *emax = r->energy_j;
            if (r->best_val_acc < *amin) *amin = r->best_val_acc;
        }
    return n;
}

void pt_fig_pareto(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone) {
    const pt_report_study *s = &d->studies[g->study];
    const int W = PAR_W, H = PAR_H, L = PAR_L, R = PAR_R, T = PAR_T, B = PAR_B;
    double pw = W - L - R - 150, ph = H - T - B, emin, emax, amin;
    int npts = pareto_range(d, g, &emin, &emax, &amin);
    const char *unit;
    double div = pt_energy_unit(npts ? emax : 0, &unit);
    scale x = make_scale(npts ? emin / div : 0, npts ? emax / div : 1, L, L + pw, 1);
    scale y = {floor(amin * 10) / 10, 1.0, 0, T + ph, T};
    if (y.lo >= y.hi) y.lo = y.hi - 0.1;
    char xlab[96];
    fig_open(f, W, H, standalone, s, g->hardware, &g->methods, "Accuracy-energy Pareto front: total energy against "
             "best validation accuracy, one point per run", "Accuracy against energy: the Pareto front");
    svg_text(f, 12, 54, "start", "fill=\"#555555\"",
             "one point per run; the front (orange): no other run has less energy and more accuracy");
    snprintf(xlab, sizeof xlab, "total energy of the run (%s)", unit);
    y_axis(f, &y, L, L + pw, "best validation accuracy");
    x_axis(f, &x, T + ph, T, xlab);
    for (int k = 0; k < g->nsetups; k++) {
        int li = 0;
        for (int l = 0; l < g->nlr; l++)
            if (g->lr[l] == g->setups[k].lr) li = l;
        for (int j = 0; j < g->setups[k].nrep; j++) {
            const pt_report_run *r = &d->runs[g->setups[k].runs[j]];
            if (!(isfinite(r->energy_j) && r->energy_j > 0 && isfinite(r->best_val_acc))) continue;
            marker(f, r->status, sc(&x, r->energy_j / div), sc(&y, r->best_val_acc), okabe_ito[li % 8]);
            if (r->contaminated_epochs > 0) contam_ring(f, sc(&x, r->energy_j / div), sc(&y, r->best_val_acc), 8);
        }
    }
    int front[PT_REPORT_MAX_SETUPS * 4];
    int nf = pt_report_pareto(d, g, front, (int)(sizeof front / sizeof front[0]));
    pareto_front(f, d, front, nf, &x, &y, div);
    if (!npts)
        svg_text(f, L + pw / 2, T + ph / 2, "middle", "fill=\"#777777\"", "no run with an energy and an accuracy");
    double lx = L + pw + 20, ly = T + 8;
    svg_text(f, lx, ly, "start", "font-weight=\"bold\"", "learning rate");
    for (int l = 0; l < g->nlr && l < 8; l++) {
        ly += 18;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, ly - 10, okabe_ito[l]);
        svg_text(f, lx + 16, ly, "start", "", "%g", g->lr[l]);
    }
    ly += 30;
    svg_text(f, lx, ly, "start", "font-weight=\"bold\"", "run ended");
    static const char *st[4] = {"done", "not_reached", "diverged", "running"};
    static const char *stl[4] = {"done", "not reached", "diverged", "running"};
    for (int i = 0; i < 4; i++) {
        ly += 18;
        marker(f, st[i], lx + 6, ly - 4, "#555555");
        svg_text(f, lx + 16, ly, "start", "", "%s", stl[i]);
    }
    marks_legend(f, d, L, T + ph + 62, g->ncontaminated, 0);
    fputs("</svg>\n", f);
}
