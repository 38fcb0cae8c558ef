/* report_internal.h -- pieces shared inside src/report: the analysis entry,
 * the table model every output format is written from, number formatting,
 * the SVG figure writers. */
#ifndef PT_REPORT_INTERNAL_H
#define PT_REPORT_INTERNAL_H

#include <stdio.h>

#include "report/report.h"
#include "util/units.h"

int pt_report_analyse(pt_report_data *d, char *err, size_t errlen);
/* tune.c: the search section of every tune study (reads the store for the
 * search's settings, the seconds to target and the grid). 0, or -1 with err. */
int pt_report_tune_analyse(pt_store *st, pt_report_data *d, char *err, size_t errlen);
/* What `powertrain tune` prints after its table, one line each (chosen,
 * search energy, grid, regret, savings), each with its method. */
void pt_report_tune_lines(const pt_report_data *d, const pt_report_tune *t, char *buf, size_t n);
int pt_report_finished(const pt_report_run *r);
void pt_report_note(pt_report_data *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_report_methods_add(pt_report_methods *m, const char *method);
/* "method: counter" or "method: estimated (a model, not a measurement)" */
void pt_report_method_caption(const pt_report_methods *m, char *buf, size_t n);

/* --- tables: one model, written as HTML, Markdown, CSV and JSON ------------- */
typedef enum {
    PT_COL_TEXT = 0, /* a string */
    PT_COL_INT,      /* an integer */
    PT_COL_NUM,      /* a plain number (%.4g) */
    PT_COL_J,        /* energy in joules: J in CSV/JSON, Wh-scaled for readers */
    PT_COL_PCT,      /* a percentage */
    PT_COL_X,        /* break-even cycles: INFINITY = never */
    PT_COL_LR        /* a learning rate (%g) */
} pt_col_kind;

typedef struct {
    const char *name; /* CSV/JSON key */
    const char *head; /* what readers see */
    pt_col_kind kind;
} pt_col;

typedef struct {
    char *s;  /* PT_COL_TEXT */
    double v; /* others; NAN = empty */
} pt_cell;

typedef struct {
    char id[48];
    char title[256];
    char caption[768];
    int ncols;
    pt_col cols[32];
    pt_cell *cells;
    int nrows, cap;
    int highlight[4]; /* rows drawn in bold (-1 none) */
    const char *empty[32]; /* per column: what readers see where a number is missing (NULL: "-") */
} pt_table;

void pt_table_init(pt_table *t, const char *id, const char *title, const char *caption);
void pt_table_col(pt_table *t, const char *name, const char *head, pt_col_kind kind);
/* all n columns of a table at once, from its column array (build.c: one enum
 * and one const pt_col array per table, the enum indexing the array) */
void pt_table_cols(pt_table *t, const pt_col *cols, int n);
int pt_table_col_index(const pt_table *t, const char *name); /* -1 if none */
/* what readers see in column col where a number is missing, e.g. "not reached" (CSV: empty, JSON: null) */
void pt_table_col_empty(pt_table *t, int col, const char *text);
int pt_table_row(pt_table *t); /* new empty row; its index or -1 */
void pt_table_set_s(pt_table *t, int row, int col, const char *s);
void pt_table_set(pt_table *t, int row, int col, double v);
void pt_table_free(pt_table *t);
void pt_table_html(const pt_table *t, FILE *f);
void pt_table_md(const pt_table *t, FILE *f);
void pt_table_csv(const pt_table *t, FILE *f);
void pt_table_json(const pt_table *t, FILE *f); /* {"id":..,"title":..,"rows":[{...}]} */

/* --- formatting (numbers and energy: util/units.h) --------------------------- */
void pt_html_text(FILE *f, const char *s);      /* escapes & < > " */

/* --- figures (SVG), standalone adds the xmlns and XML declaration ------------ */
void pt_fig3(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone);
void pt_fig4(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone);
void pt_fig5(FILE *f, const pt_report_data *d, const pt_report_pretrain *g, int standalone);
/* the accuracy-energy Pareto front of a regime group: every run a point, the front drawn, its setups named */
void pt_fig_pareto(FILE *f, const pt_report_data *d, const pt_report_regime *g, int standalone);

#endif
