/* write.c -- the report's files, each written atomically (temporary file,
 * then rename): report.html (self-contained: inline SVG and CSS, no scripts,
 * no network), fig3-N.svg / fig4-N.svg / fig5-N.svg, one CSV per table,
 * report.json with every table, summary.md (also printed to o->md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report/report_internal.h"
#include "report/report_tables.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

int pt_report_formats_parse(const char *list, unsigned *out) {
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"html", PT_REPORT_HTML}, {"svg", PT_REPORT_SVG}, {"csv", PT_REPORT_CSV},
                 {"json", PT_REPORT_JSON}, {"md", PT_REPORT_MD},   {"all", PT_REPORT_ALL}};
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n)) {
                bits |= names[i].bit;
                found = 1;
            }
        if (!found) return -1;
        p += n;
        if (*p == ',') p++;
    }
    if (!bits) return -1;
    *out = bits;
    return 0;
}

void pt_report_options_init(pt_report_options *o) {
    memset(o, 0, sizeof *o);
    o->formats = PT_REPORT_ALL;
    o->intensity = NAN;
    o->pue = 1.0;
}

typedef struct {
    const char *dir;
    char *names;
    size_t nameslen;
    char *err;
    size_t errlen;
    int failed;
} out_ctx;

static FILE *out_open(out_ctx *c, pt_atomic_file *af, const char *name) {
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", c->dir, name) >= sizeof path || pt_atomic_open(af, path) != 0) {
        if (!c->failed) snprintf(c->err, c->errlen, "%s/%s: cannot write: %s", c->dir, name, strerror(errno));
        c->failed = 1;
        return NULL;
    }
    return af->f;
}

static void out_close(out_ctx *c, pt_atomic_file *af, const char *name) {
    if (pt_atomic_commit(af) != 0) {
        if (!c->failed) snprintf(c->err, c->errlen, "%s/%s: write failed: %s", c->dir, name, strerror(errno));
        c->failed = 1;
        return;
    }
    size_t len = strlen(c->names);
    if (c->names && len + strlen(name) + 2 < c->nameslen) {
        strcat(c->names, name);
        strcat(c->names, "\n");
    }
}

static const char *css =
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;max-width:1000px;margin:0 auto;"
    "padding:12px 24px 48px;color:#1a1a1a;line-height:1.45;background:#ffffff}\n"
    "h1{font-size:1.7em;margin-bottom:0.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:2px;margin-top:1.8em}\n"
    "h3{margin-top:1.4em}\n"
    "table{border-collapse:collapse;margin:0.8em 0 1.4em;font-size:0.85em}\n"
    "caption{text-align:left;font-weight:bold;padding:4px 0;caption-side:top}\n"
    "caption .cap{font-weight:normal;color:#444444;font-size:0.95em}\n"
    "th,td{border:1px solid #c8c8c8;padding:3px 7px;vertical-align:top}th{background:#eef3f8;text-align:left}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.hl td{font-weight:bold;background:#fff4d6}\n"
    "figure{margin:1em 0 1.6em}figcaption{font-size:0.9em;color:#333333;max-width:760px}\n"
    "svg{max-width:100%;height:auto;border:1px solid #e4e4e4}\n"
    ".meta{color:#555555}.box{background:#f4f8fb;border-left:4px solid #0072B2;padding:6px 12px;margin:1em 0}\n"
    ".warn{background:#fff2ec;border-left:4px solid #D55E00;padding:6px 12px;margin:1em 0}\n"
    ".paper{border-left:4px solid #999999;padding-left:10px}\n"
    "nav ol{columns:2;font-size:0.95em}\n"
    "@media print{body{max-width:none;padding:0}h2{break-after:avoid}figure,table{break-inside:avoid}}\n";

/* The line of text at *p copied into line (cut to size - 1 characters) and *p
 * moved past it; 0 at the end of the text. */
static int next_line(const char **p, char *line, size_t size) {
    if (!**p) return 0;
    const char *e = strchr(*p, '\n');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    size_t k = n < size ? n : size - 1;
    memcpy(line, *p, k);
    line[k] = '\0';
    *p += n;
    if (**p == '\n') (*p)++;
    return 1;
}

/* each line of text as a Markdown list item */
static void md_list(FILE *f, const char *text) {
    char line[4096];
    for (const char *p = text; next_line(&p, line, sizeof line);) fprintf(f, "- %s\n", line);
}

static void html_table_section(FILE *f, const pt_report_tables *ts, int section) {
    for (int i = 0; i < ts->n; i++)
        if (ts->section[i] == section) pt_table_html(&ts->t[i], f);
}

static void fig_caption(FILE *f, const char *text, const pt_report_methods *m) {
    char meth[160];
    pt_report_method_caption(m, meth, sizeof meth);
    fputs("<figcaption>", f);
    pt_html_text(f, text);
    fputs(" <b>", f);
    pt_html_text(f, meth);
    fputs(".</b></figcaption>\n</figure>\n", f);
}

static void tune_settings(char *buf, size_t n, const pt_report_tune *g) {
    char budget[48] = "none", pmax[64] = "";
    if (g->budget_j > 0) snprintf(budget, sizeof budget, "%g J", g->budget_j);
    if (g->obj == PT_REPORT_OBJ_COST)
        snprintf(pmax, sizeof pmax, isfinite(g->pmax_w) ? ", P_max %g W" : ", P_max not stored", g->pmax_w);
    int u = snprintf(buf, n, "%s mode, objective %s%s, %d repeats", g->mode[0] ? g->mode : "unknown",
                     g->objective[0] ? g->objective : "unknown", pmax, g->repeats);
    if (u >= 0 && (size_t)u < n && isfinite(g->threshold))
        u += snprintf(buf + u, n - (size_t)u, ", target accuracy %g", g->threshold);
    if (u >= 0 && (size_t)u < n) u += snprintf(buf + u, n - (size_t)u, ", budget %s", budget);
    if (u >= 0 && (size_t)u < n && isfinite(g->probe_steps))
        u += snprintf(buf + u, n - (size_t)u, ", %g probe steps", g->probe_steps);
    if (u >= 0 && (size_t)u < n && isfinite(g->z)) snprintf(buf + u, n - (size_t)u, ", z %g", g->z);
}

/* "study ID, DATASET[, HARDWARE]" */
static void html_study(FILE *f, const pt_report_study *s, const char *hardware) {
    fprintf(f, "study %lld, ", (long long)s->id);
    pt_html_text(f, s->dataset);
    if (!hardware) return;
    fputs(", ", f);
    pt_html_text(f, hardware);
}

/* <section id="KIND-N"><h2>HEADING: study ID, DATASET, HARDWARE</h2> of group i */
static void html_section_open(FILE *f, const char *kind, int i, const char *heading, const pt_report_study *s,
                              const char *hardware) {
    fprintf(f, "<section id=\"%s-%d\">\n<h2>%s: ", kind, i + 1, heading);
    html_study(f, s, hardware);
    fputs("</h2>\n", f);
}

static void write_html_tune(FILE *f, const pt_report_data *d, const pt_report_tables *ts, int i) {
    const pt_report_tune *g = &d->tunes[i];
    const pt_report_study *s = &d->studies[g->study];
    char buf[4096];
    html_section_open(f, "tune", i, "Search (powertrain tune)", s, g->hardware);
    if (!g->has_search) {
        fputs("<p class=\"warn\">This study's configuration holds no search settings: its runs are in the tables "
              "only.</p>\n</section>\n",
              f);
        return;
    }
    tune_settings(buf, sizeof buf, g);
    fputs("<p class=\"meta\">", f);
    pt_html_text(f, buf);
    fputs(". The search's runs are cut short and its probes are no setups, so this study is not in the training "
          "regime figures; the grid it is compared with is a regime study of the same configuration.</p>\n"
          "<div class=\"box\">",
          f);
    pt_report_tune_lines(d, g, buf, sizeof buf);
    char line[1024];
    int first = 1;
    for (const char *p = buf; next_line(&p, line, sizeof line); first = 0) {
        if (!first) fputs("<br/>\n", f);
        pt_html_text(f, line);
    }
    fputs("</div>\n", f);
    html_table_section(f, ts, PT_SEC_TUNE + i);
    fputs("</section>\n", f);
}

static void html_head(FILE *f, const pt_report_data *d) {
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M UTC", &tm);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<title>powertrain report</title>\n<style>\n",
          f);
    fputs(css, f);
    fputs("</style>\n</head>\n<body>\n<h1>powertrain report</h1>\n<p class=\"meta\">Results store <code>", f);
    pt_html_text(f, d->path);
    fprintf(f, "</code> (schema version %d), %d stud%s, %d run%s; generated %s.</p>\n", d->schema_version,
            d->nstudies, d->nstudies == 1 ? "y" : "ies", d->nruns, d->nruns == 1 ? "" : "s", now);
}

/* The headline's warning (issue 18): runs with contaminated epochs and setups whose
   repeats disagree; "" when there is none. */
static void headline_warning(const pt_report_data *d, char *buf, size_t n) {
    buf[0] = '\0';
    size_t u = 0;
    if (d->ncontaminated > 0)
        u = (size_t)snprintf(buf, n,
                             "%d run%s (%d epoch%s) contaminated: other processes used more than %g%% of the "
                             "machine's CPU while they ran, so their job energy is a share by CPU time, not a "
                             "measurement alone; compare them with care (dashed rings in every figure, "
                             "\"contaminated\" columns in the tables).",
                             d->ncontaminated, d->ncontaminated == 1 ? " was" : "s were", d->ncontaminated_epochs,
                             d->ncontaminated_epochs == 1 ? "" : "s", d->contamination_pct);
    if (d->ndisagree > 0 && u < n)
        snprintf(buf + u, n - u, "%s%d setup%s whose repeats disagree by more than 1.5x (energy per epoch or to "
                 "target; marked in the figures and tables).", u ? " " : "", d->ndisagree,
                 d->ndisagree == 1 ? "" : "s");
}

static const char *job_energy_line =
    "Every figure, ratio and table compares the job's energy: the training process tree's share of the "
    "machine's (equal to it for runs billed whole); the machine's is beside it in the table of every run.";

/* the headline, under the title: what is compared, and the warning first */
static void html_headline(FILE *f, const pt_report_data *d) {
    char warn[1024];
    headline_warning(d, warn, sizeof warn);
    if (warn[0]) {
        fputs("<div class=\"warn\" id=\"headline-warning\"><b>Warning:</b> ", f);
        pt_html_text(f, warn);
        fputs("</div>\n", f);
    }
    fputs("<p class=\"meta\">", f);
    pt_html_text(f, job_energy_line);
    fputs("</p>\n", f);
}

/* the energy methods of the store, and what is not shown and why */
static void html_intro(FILE *f, const pt_report_data *d) {
    char buf[512];
    pt_report_method_caption(&d->total_methods, buf, sizeof buf);
    fputs("<div class=\"box\">Energy methods: <b>counter</b> = difference of hardware energy counters (NVML, RAPL); "
          "<b>eq1</b> = the paper's Equation (1), mean sampled power x duration; <b>estimated</b> = a model (CPU "
          "utilisation x TDP, DRAM per GB), not a measurement. Every figure and table names the method behind it. "
          "This store: ",
          f);
    pt_html_text(f, buf);
    fputs(".</div>\n", f);
    if (d->total_methods.estimated)
        fputs("<div class=\"warn\">Some energies in this report are <b>estimated</b> (no hardware counter could be "
              "read): they come from a model and are labelled so wherever they appear.</div>\n",
              f);
    if (!d->notes[0]) return;
    fputs("<div class=\"warn\"><b>Not shown, and why:</b><ul>\n", f);
    char line[512];
    for (const char *p = d->notes; next_line(&p, line, sizeof line);) {
        fputs("<li>", f);
        pt_html_text(f, line);
        fputs("</li>\n", f);
    }
    fputs("</ul></div>\n", f);
}

static void html_contents(FILE *f, const pt_report_data *d) {
    fputs("<nav><ol>\n<li><a href=\"#paper\">Paper vs this run</a></li>\n", f);
    if (d->nregimes) fputs("<li><a href=\"#summary\">Training regime summary</a></li>\n", f);
    for (int i = 0; i < d->nregimes; i++) {
        fprintf(f, "<li><a href=\"#regime-%d\">Regime: ", i + 1);
        html_study(f, &d->studies[d->regimes[i].study], d->regimes[i].hardware);
        fputs("</a></li>\n", f);
    }
    for (int i = 0; i < d->npretrains; i++) {
        fprintf(f, "<li><a href=\"#pretrain-%d\">Pretraining: ", i + 1);
        html_study(f, &d->studies[d->pretrains[i].study], d->pretrains[i].hardware);
        fputs("</a></li>\n", f);
    }
    for (int i = 0; i < d->ntunes; i++) {
        fprintf(f, "<li><a href=\"#tune-%d\">Search (powertrain tune): ", i + 1);
        html_study(f, &d->studies[d->tunes[i].study], NULL);
        fputs("</a></li>\n", f);
    }
    if (d->npretrains) fputs("<li><a href=\"#table2\">Table 2: frozen vs unfrozen</a></li>\n", f);
    if (d->nmultitasks) fputs("<li><a href=\"#table3\">Table 3: multitask</a></li>\n", f);
    fputs("<li><a href=\"#measurement\">Measurement</a></li>\n<li><a href=\"#carbon\">Carbon</a></li>\n"
          "<li><a href=\"#runs\">Every run</a></li>\n<li><a href=\"#notes\">How the numbers are computed</a></li>\n"
          "</ol></nav>\n",
          f);
}

/* a section holding only tables: <section id><h2>heading</h2> tables </section> */
static void html_tables_section(FILE *f, const pt_report_tables *ts, const char *id, const char *heading, int section) {
    fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", id, heading);
    html_table_section(f, ts, section);
    fputs("</section>\n", f);
}

static void html_regime(FILE *f, const pt_report_data *d, const pt_report_tables *ts, int i) {
    const pt_report_regime *g = &d->regimes[i];
    html_section_open(f, "regime", i, "Training regime", &d->studies[g->study], g->hardware);
    if (g->nfailed_only)
        fputs("<p class=\"warn\">Every run of this study failed: there is no energy to compare.</p>\n", f);
    fputs("<figure>\n", f);
    pt_fig3(f, d, g, 0);
    fig_caption(f,
                "Fig. 3. Energy per epoch across batch size and learning rate (mean over runs of energy / "
                "epochs); lower is more efficient. The strip in each cell places every run on the colour scale "
                "(points) with their range (line).",
                &g->methods);
    fputs("<figure>\n", f);
    pt_fig4(f, d, g, 0);
    fig_caption(f,
                "Fig. 4. Total energy of each run until it stopped, setups grouped by batch size (Table 1 order), "
                "repeats as points with their range (grey line), marker by how the run ended; diamonds: energy "
                "until the first epoch at the accuracy threshold.",
                &g->methods);
    fputs("<figure>\n", f);
    pt_fig_pareto(f, d, g, 0);
    fig_caption(f,
                "Accuracy against energy: each run's total energy and best validation accuracy; the front joins the "
                "runs no other run beats on both (less energy and more accuracy), each named by its setup and "
                "repeat: the choices worth making.",
                &g->methods);
    html_table_section(f, ts, PT_SEC_REGIME + i);
    fputs("</section>\n", f);
}

static void html_pretrain(FILE *f, const pt_report_data *d, const pt_report_tables *ts, int i) {
    const pt_report_pretrain *g = &d->pretrains[i];
    html_section_open(f, "pretrain", i, "Pretraining", &d->studies[g->study], g->hardware);
    fputs("<figure>\n", f);
    pt_fig5(f, d, g, 0);
    fig_caption(f,
                "Fig. 5. Cumulative energy against the number of downstream classifier trainings: with a pretrained "
                "(frozen) encoder, E_enc + n x E_class (solid), and from scratch, n x E_enc+class (dashed), for the "
                "best, worst and average setups; circles mark the break-even of Equation (2).",
                &g->methods);
    html_table_section(f, ts, PT_SEC_PRETRAIN + i);
    fputs("</section>\n", f);
}

static void html_carbon(FILE *f, const pt_report_options *o, const pt_report_tables *ts) {
    fputs("<section id=\"carbon\">\n<h2>Carbon</h2>\n", f);
    html_table_section(f, ts, PT_SEC_CARBON);
    fputs("<p>Sources. Grid intensity: ", f);
    pt_html_text(f, pt_carbon_source);
    fputs(". Car: ", f);
    pt_html_text(f, pt_carbon_car_source);
    fputs(". Phone charge: ", f);
    pt_html_text(f, pt_carbon_phone_source);
    fprintf(f,
            ". PUE (power usage effectiveness of the data centre) is %.2f here; the paper disabled Carbontracker's "
            "factor, i.e. used 1.0.</p>\n</section>\n",
            o->pue);
}

static void html_notes(FILE *f) {
    fputs("<section id=\"notes\">\n<h2>How the numbers are computed</h2>\n<ul>\n"
          "<li>Energy per epoch (Fig. 3, Table 3): for each run its energy divided by its epochs, then the mean over "
          "the runs of a cell; every run with a stored epoch counts, however it ended.</li>\n"
          "<li>Total energy, epochs, Table 2 and the break-even: means over finished runs (done, not reached, "
          "diverged); failed and running runs are shown but not averaged.</li>\n"
          "<li>Best-to-worst ratio: mean total energy of the worst setup over the best, among setups with at least "
          "one run that ended done (reached the accuracy threshold and stopped), each setup's mean over its done "
          "runs.</li>\n"
          "<li>Energy to target: energy until the first epoch whose validation accuracy reached the threshold.</li>\n"
          "<li>Break-even (Equation 2): x = E_enc / (E_enc+class - E_class), infinite (never pays back) when the "
          "denominator is not positive; the average setup uses the mean energies over the complete setups.</li>\n"
          "<li>Search (powertrain tune): the figures tune prints, recomputed from the store; a setup's value is the "
          "mean of its repeats' objective, the chosen setup the evaluated one of least value (the first searched of "
          "equals), the search's energy every run of the study with its probes, the grid the newest regime study of "
          "the same configuration; regret = the grid's value of the chosen setup / the grid's best - 1, savings = "
          "search energy / grid energy. A run the search stopped without a value reads as pruned.</li>\n"
          "<li>Units: joules inside and in CSV/JSON; mWh, Wh and kWh in this page.</li>\n"
          "<li>The paper's numbers are its own measurements on its hardware (H100, A100, RTX3090; GPU only), shown "
          "for comparison, never mixed with ours.</li>\n</ul>\n</section>\n</body>\n</html>\n",
          f);
}

/* the page: head, intro, contents, the sections in the order of the contents, notes */
static void write_html(FILE *f, const pt_report_data *d, const pt_report_options *o, const pt_report_tables *ts) {
    html_head(f, d);
    html_headline(f, d);
    html_intro(f, d);
    html_contents(f, d);
    html_tables_section(f, ts, "paper", "Paper vs this run", PT_SEC_PAPER);
    if (d->nregimes) html_tables_section(f, ts, "summary", "Training regime summary", PT_SEC_SUMMARY);
    for (int i = 0; i < d->nregimes; i++) html_regime(f, d, ts, i);
    for (int i = 0; i < d->npretrains; i++) html_pretrain(f, d, ts, i);
    for (int i = 0; i < d->ntunes; i++) write_html_tune(f, d, ts, i);
    if (d->npretrains) html_tables_section(f, ts, "table2", "Table 2: frozen vs unfrozen encoder", PT_SEC_TABLE2);
    if (d->nmultitasks) html_tables_section(f, ts, "table3", "Table 3: multitask learning", PT_SEC_TABLE3);
    html_tables_section(f, ts, "measurement", "Measurement", PT_SEC_MEASURE);
    html_carbon(f, o, ts);
    fputs("<section id=\"runs\">\n<h2>Every run</h2>\n<details><summary>Show the table of every run</summary>\n", f);
    html_table_section(f, ts, PT_SEC_RUNS);
    fputs("</details>\n</section>\n", f);
    html_notes(f);
}

static void write_md(FILE *f, const pt_report_data *d, const pt_report_options *o, const pt_report_tables *ts) {
    (void)o;
    char buf[256];
    fprintf(f, "# powertrain report\n\nStore `%s`: %d stud%s, %d run%s. ", d->path, d->nstudies,
            d->nstudies == 1 ? "y" : "ies", d->nruns, d->nruns == 1 ? "" : "s");
    pt_report_method_caption(&d->total_methods, buf, sizeof buf);
    fprintf(f, "Energy %s. %s\n\n", buf, job_energy_line);
    char warn[1024];
    headline_warning(d, warn, sizeof warn);
    if (warn[0]) fprintf(f, "**Warning:** %s\n\n", warn);
    if (d->notes[0]) {
        fputs("Not shown, and why:\n\n", f);
        md_list(f, d->notes);
        fputc('\n', f);
    }
    const pt_table *t;
    if ((t = pt_report_table_find(ts, "paper-vs-run"))) pt_table_md(t, f);
    if ((t = pt_report_table_find(ts, "regime-summary"))) pt_table_md(t, f);
    for (int i = 0; i < d->npretrains; i++) {
        const pt_report_pretrain *g = &d->pretrains[i];
        fprintf(f, "Break-even (Equation 2), study %lld, %s: ", (long long)d->studies[g->study].id, g->hardware);
        const pt_report_breakeven *b3[3] = {g->best >= 0 ? &g->rows[g->best] : NULL,
                                            g->worst >= 0 ? &g->rows[g->worst] : NULL, g->navg ? &g->avg : NULL};
        static const char *nm[3] = {"best", "worst", "average"};
        int any = 0;
        for (int k = 0; k < 3; k++) {
            if (!b3[k]) continue;
            char x[32];
            if (isinf(b3[k]->x)) snprintf(x, sizeof x, "never");
            else snprintf(x, sizeof x, "%.2f cycles", b3[k]->x);
            if (k < 2) fprintf(f, "%s%s setup %d %s", any ? "; " : "", nm[k], b3[k]->setup, x);
            else fprintf(f, "%saverage %s", any ? "; " : "", x);
            any = 1;
        }
        fputs(any ? ".\n\n" : "none (no setup has finished pretrain, frozen and baseline runs).\n\n", f);
    }
    for (int i = 0; i < d->ntunes; i++) {
        const pt_report_tune *g = &d->tunes[i];
        char lines[4096], set[512], id[48];
        fprintf(f, "## Search (powertrain tune): study %lld, %s, %s\n\n", (long long)d->studies[g->study].id,
                d->studies[g->study].dataset, g->hardware);
        if (g->has_search) {
            tune_settings(set, sizeof set, g);
            fprintf(f, "%s.\n\n", set);
        }
        pt_report_tune_lines(d, g, lines, sizeof lines);
        md_list(f, lines);
        fputc('\n', f);
        static const char *kinds[3] = {"tune-figures", "tune-setups", "tune-probes"};
        for (int k = 0; k < 3; k++) {
            snprintf(id, sizeof id, "%s-%d", kinds[k], i + 1);
            if ((t = pt_report_table_find(ts, id))) pt_table_md(t, f);
        }
    }
    if ((t = pt_report_table_find(ts, "table2"))) pt_table_md(t, f);
    if ((t = pt_report_table_find(ts, "table2-paper"))) pt_table_md(t, f);
    if ((t = pt_report_table_find(ts, "table3"))) pt_table_md(t, f);
    if ((t = pt_report_table_find(ts, "table3-paper"))) pt_table_md(t, f);
    if ((t = pt_report_table_find(ts, "carbon-summary"))) pt_table_md(t, f);
}

static void write_json(FILE *f, const pt_report_data *d, const pt_report_options *o, const pt_report_tables *ts) {
    fputs("{\"powertrain_report\":1,\"store\":", f);
    pt_json_str(f, d->path);
    fprintf(f, ",\"schema_version\":%d,\"studies\":%d,\"runs\":%d,\"total_energy_j\":", d->schema_version,
            d->nstudies, d->nruns);
    pt_json_num(f, d->total_j);
    fputs(",\"methods\":", f);
    pt_json_str(f, d->total_methods.label);
    char warn[1024];
    headline_warning(d, warn, sizeof warn);
    fprintf(f,
            ",\"estimated\":%s,\"energy_compared\":\"job\",\"contaminated_runs\":%d,\"contaminated_epochs\":%d,"
            "\"contamination_pct\":%g,\"disagreeing_setups\":%d,\"warning\":",
            d->total_methods.estimated ? "true" : "false", d->ncontaminated, d->ncontaminated_epochs,
            d->contamination_pct, d->ndisagree);
    if (warn[0]) pt_json_str(f, warn);
    else fputs("null", f);
    fputs(",\"pue\":", f);
    pt_json_num(f, o->pue);
    fputs(",\"intensity_g_per_kwh\":", f);
    pt_json_num(f, o->intensity);
    fputs(",\"region\":", f);
    if (o->region) pt_json_str(f, o->region);
    else fputs("null", f);
    fputs(",\"carbon_source\":", f);
    pt_json_str(f, pt_carbon_source);
    fputs(",\"car_source\":", f);
    pt_json_str(f, pt_carbon_car_source);
    fputs(",\"phone_source\":", f);
    pt_json_str(f, pt_carbon_phone_source);
    fputs(",\"notes\":[", f);
    char line[512];
    int first = 1;
    for (const char *p = d->notes; next_line(&p, line, sizeof line); first = 0) {
        if (!first) fputc(',', f);
        pt_json_str(f, line);
    }
    fputs("],\n\"tables\":[\n", f);
    for (int i = 0; i < ts->n; i++) {
        if (i) fputs(",\n", f);
        pt_table_json(&ts->t[i], f);
    }
    fputs("\n]}\n", f);
}

int pt_report_write(const pt_report_data *d, const pt_report_options *o, char *names, size_t nameslen, char *err,
                    size_t errlen) {
    if (names && nameslen) names[0] = '\0';
    if (o->region && !pt_carbon_find(o->region)) {
        snprintf(err, errlen, "unknown region '%s'", o->region);
        return -1;
    }
    if (pt_mkdirs(o->out_dir, 0777) != 0) {
        snprintf(err, errlen, "%s: cannot create the output folder: %s", o->out_dir, strerror(errno));
        return -1;
    }
    pt_report_tables *ts = malloc(sizeof *ts);
    if (!ts) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pt_report_tables_build(ts, d, o);
    char dummy[1] = "";
    out_ctx c = {o->out_dir, names ? names : dummy, names ? nameslen : 1, err, errlen, 0};
    pt_atomic_file af;
    FILE *f;
    if ((o->formats & PT_REPORT_HTML) && (f = out_open(&c, &af, "report.html"))) {
        write_html(f, d, o, ts);
        out_close(&c, &af, "report.html");
    }
    if (o->formats & PT_REPORT_SVG) {
        char name[64];
        for (int i = 0; i < d->nregimes; i++) {
            snprintf(name, sizeof name, "fig3-%d.svg", i + 1);
            if ((f = out_open(&c, &af, name))) {
                pt_fig3(f, d, &d->regimes[i], 1);
                out_close(&c, &af, name);
            }
            snprintf(name, sizeof name, "fig4-%d.svg", i + 1);
            if ((f = out_open(&c, &af, name))) {
                pt_fig4(f, d, &d->regimes[i], 1);
                out_close(&c, &af, name);
            }
            snprintf(name, sizeof name, "pareto-%d.svg", i + 1);
            if ((f = out_open(&c, &af, name))) {
                pt_fig_pareto(f, d, &d->regimes[i], 1);
                out_close(&c, &af, name);
            }
        }
        for (int i = 0; i < d->npretrains; i++) {
            snprintf(name, sizeof name, "fig5-%d.svg", i + 1);
            if ((f = out_open(&c, &af, name))) {
                pt_fig5(f, d, &d->pretrains[i], 1);
                out_close(&c, &af, name);
            }
        }
    }
    if (o->formats & PT_REPORT_CSV) {
        for (int i = 0; i < ts->n; i++) {
            char name[64];
            snprintf(name, sizeof name, "%s.csv", ts->t[i].id);
            if ((f = out_open(&c, &af, name))) {
                pt_table_csv(&ts->t[i], f);
                out_close(&c, &af, name);
            }
        }
    }
    if ((o->formats & PT_REPORT_JSON) && (f = out_open(&c, &af, "report.json"))) {
        write_json(f, d, o, ts);
        out_close(&c, &af, "report.json");
    }
    if ((o->formats & PT_REPORT_MD) && (f = out_open(&c, &af, "summary.md"))) {
        write_md(f, d, o, ts);
        out_close(&c, &af, "summary.md");
        if (o->md) write_md(o->md, d, o, ts);
    }
    pt_report_tables_free(ts);
    free(ts);
    return c.failed ? -1 : 0;
}
