/* table.c -- the table model behind every table of the report, and its four
 * writers: HTML (for the report page), Markdown (the terminal summary), CSV and
 * JSON (raw joules, full precision). Also the number formatting for readers. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/json.h"
#include "util/str.h"

void pt_table_init(pt_table *t, const char *id, const char *title, const char *caption) {
    memset(t, 0, sizeof *t);
    pt_strlcpy(t->id, id, sizeof t->id);
    pt_strlcpy(t->title, title, sizeof t->title);
    pt_strlcpy(t->caption, caption ? caption : "", sizeof t->caption);
    for (int i = 0; i < 4; i++) t->highlight[i] = -1;
}

void pt_table_col(pt_table *t, const char *name, const char *head, pt_col_kind kind) {
    if (t->ncols >= (int)(sizeof t->cols / sizeof t->cols[0])) return;
    t->cols[t->ncols++] = (pt_col){name, head, kind};
}

void pt_table_cols(pt_table *t, const pt_col *cols, int n) {
    assert(t->ncols + n <= (int)(sizeof t->cols / sizeof t->cols[0]));
    for (int i = 0; i < n; i++) pt_table_col(t, cols[i].name, cols[i].head, cols[i].kind);
}

void pt_table_col_empty(pt_table *t, int col, const char *text) {
    if (col >= 0 && col < t->ncols) t->empty[col] = text;
}

int pt_table_col_index(const pt_table *t, const char *name) {
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name)) return i;
    return -1;
}

int pt_table_row(pt_table *t) {
    if (t->nrows == t->cap) {
        int nc = t->cap ? t->cap * 2 : 16;
        pt_cell *c = realloc(t->cells, (size_t)nc * (size_t)t->ncols * sizeof *c);
        if (!c) return -1;
        t->cells = c;
        t->cap = nc;
    }
    pt_cell *row = &t->cells[(size_t)t->nrows * (size_t)t->ncols];
    for (int i = 0; i < t->ncols; i++) row[i] = (pt_cell){NULL, NAN};
    return t->nrows++;
}

static pt_cell *cell(const pt_table *t, int row, int col) { return &t->cells[(size_t)row * (size_t)t->ncols + (size_t)col]; }

void pt_table_set_s(pt_table *t, int row, int col, const char *s) {
    if (row < 0 || col >= t->ncols) return;
    pt_cell *c = cell(t, row, col);
    free(c->s);
    c->s = s ? strdup(s) : NULL;
}

void pt_table_set(pt_table *t, int row, int col, double v) {
    if (row < 0 || col >= t->ncols) return;
    cell(t, row, col)->v = v;
}

void pt_table_free(pt_table *t) {
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) free(cell(t, r, c)->s);
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

void pt_html_text(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* what readers see in a cell */
static void reader_text(const pt_col *col, const char *empty, const pt_cell *c, char *buf, size_t n) {
    if (col->kind != PT_COL_TEXT && empty && isnan(c->v)) {
        pt_strlcpy(buf, empty, n);
        return;
    }
    switch (col->kind) {
    case PT_COL_TEXT: pt_strlcpy(buf, c->s ? c->s : "-", n); break;
    case PT_COL_INT:
        if (isnan(c->v)) snprintf(buf, n, "-");
        else snprintf(buf, n, "%.0f", c->v);
        break;
    case PT_COL_J: pt_fmt_energy(buf, n, c->v); break;
    case PT_COL_PCT:
        if (isnan(c->v)) snprintf(buf, n, "-");
        else snprintf(buf, n, "%.1f%%", c->v);
        break;
    case PT_COL_X:
        if (isnan(c->v)) snprintf(buf, n, "-");
        else if (isinf(c->v)) snprintf(buf, n, "never");
        else snprintf(buf, n, "%.2f", c->v);
        break;
    case PT_COL_LR:
        if (isnan(c->v)) snprintf(buf, n, "-");
        else snprintf(buf, n, "%g", c->v);
        break;
    default: pt_fmt_num(buf, n, c->v);
    }
}

static int highlighted(const pt_table *t, int r) {
    for (int i = 0; i < 4; i++)
        if (t->highlight[i] == r) return 1;
    return 0;
}

void pt_table_html(const pt_table *t, FILE *f) {
    fprintf(f, "<table id=\"%s\">\n<caption>", t->id);
    pt_html_text(f, t->title);
    if (t->caption[0]) {
        fputs("<br/><span class=\"cap\">", f);
        pt_html_text(f, t->caption);
        fputs("</span>", f);
    }
    fputs("</caption>\n<thead><tr>", f);
    for (int c = 0; c < t->ncols; c++) {
        fputs("<th>", f);
        pt_html_text(f, t->cols[c].head);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    char buf[512];
    for (int r = 0; r < t->nrows; r++) {
        fputs(highlighted(t, r) ? "<tr class=\"hl\">" : "<tr>", f);
        for (int c = 0; c < t->ncols; c++) {
            reader_text(&t->cols[c], t->empty[c], cell(t, r, c), buf, sizeof buf);
            fputs(t->cols[c].kind == PT_COL_TEXT ? "<td>" : "<td class=\"n\">", f);
            pt_html_text(f, buf);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void md_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n') fputc(' ', f);
        else fputc(*s, f);
    }
}

void pt_table_md(const pt_table *t, FILE *f) {
    fputs("**", f);
    md_text(f, t->title);
    fputs("**", f);
    if (t->caption[0]) {
        fputs(" ", f);
        md_text(f, t->caption);
    }
    fputs("\n\n|", f);
    for (int c = 0; c < t->ncols; c++) {
        fputc(' ', f);
        md_text(f, t->cols[c].head);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (int c = 0; c < t->ncols; c++) fputs(t->cols[c].kind == PT_COL_TEXT ? " --- |" : " ---: |", f);
    fputc('\n', f);
    char buf[512];
    for (int r = 0; r < t->nrows; r++) {
        fputc('|', f);
        for (int c = 0; c < t->ncols; c++) {
            reader_text(&t->cols[c], t->empty[c], cell(t, r, c), buf, sizeof buf);
            fputc(' ', f);
            if (highlighted(t, r)) fputs("**", f);
            md_text(f, buf);
            if (highlighted(t, r)) fputs("**", f);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void csv_field(FILE *f, const char *s) {
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

void pt_table_csv(const pt_table *t, FILE *f) {
    for (int c = 0; c < t->ncols; c++) {
        if (c) fputc(',', f);
        csv_field(f, t->cols[c].name);
    }
    fputc('\n', f);
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c) fputc(',', f);
            const pt_cell *x = cell(t, r, c);
            if (t->cols[c].kind == PT_COL_TEXT) csv_field(f, x->s ? x->s : "");
            else if (isnan(x->v)) ;
            else if (isinf(x->v)) fputs(x->v > 0 ? "inf" : "-inf", f);
            else if (t->cols[c].kind == PT_COL_INT) fprintf(f, "%.0f", x->v);
            else fprintf(f, "%.10g", x->v);
        }
        fputc('\n', f);
    }
}

void pt_table_json(const pt_table *t, FILE *f) {
    fputs("{\"id\":", f);
    pt_json_str(f, t->id);
    fputs(",\"title\":", f);
    pt_json_str(f, t->title);
    fputs(",\"caption\":", f);
    pt_json_str(f, t->caption);
    fputs(",\"rows\":[", f);
    for (int r = 0; r < t->nrows; r++) {
        fputs(r ? ",\n  {" : "\n  {", f);
        for (int c = 0; c < t->ncols; c++) {
            if (c) fputc(',', f);
            pt_json_str(f, t->cols[c].name);
            fputc(':', f);
            const pt_cell *x = cell(t, r, c);
            if (t->cols[c].kind == PT_COL_TEXT) {
                if (x->s) pt_json_str(f, x->s);
                else fputs("null", f);
            } else if (t->cols[c].kind == PT_COL_INT && isfinite(x->v)) {
                fprintf(f, "%.0f", x->v);
            } else {
                pt_json_num(f, x->v); /* NAN and INFINITY -> null */
            }
        }
        fputc('}', f);
    }
    fputs("]}", f);
}
