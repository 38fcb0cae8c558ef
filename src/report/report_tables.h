/* report_tables.h -- the set of tables a report holds, each tagged with the
 * section of the HTML page it belongs to. */
#ifndef PT_REPORT_TABLES_H
#define PT_REPORT_TABLES_H

#include "report/report_internal.h"

#define PT_REPORT_MAX_TABLES 96

enum {
    PT_SEC_SUMMARY = 0,
    PT_SEC_TABLE2 = 1,
    PT_SEC_TABLE3 = 2,
    PT_SEC_MEASURE = 3,
    PT_SEC_CARBON = 4,
    PT_SEC_RUNS = 5,
    PT_SEC_PAPER = 6,     /* Paper vs this run, the first section */
    PT_SEC_REGIME = 1000,  /* + regime group index */
    PT_SEC_PRETRAIN = 2000, /* + pretrain group index */
    PT_SEC_TUNE = 3000      /* + tune study index */
};

typedef struct {
    pt_table t[PT_REPORT_MAX_TABLES];
    int section[PT_REPORT_MAX_TABLES];
    int n;
} pt_report_tables;

/* the columns of each table of the report (build.c), one entry per table; id is
 * the table's id, or for the tables numbered per study ("regime-setups-2") the
 * part before the number. test_report checks every built table has one. */
typedef struct {
    const char *id;
    const pt_col *cols;
    int ncols;
} pt_report_schema;
const pt_report_schema *pt_report_schemas(int *n);

/* a new table of the report in a section, with its columns; NULL when full */
pt_table *pt_report_tables_add(pt_report_tables *ts, const char *id, const char *title, const char *caption,
                               int section, const pt_col *cols, int ncols);
/* compare.c: "Paper vs this run", one row per finding of the paper */
extern const pt_col pt_report_compare_cols[];
extern const int pt_report_compare_ncols;
void pt_report_compare_table(pt_report_tables *ts, const pt_report_data *d);

void pt_report_tables_build(pt_report_tables *ts, const pt_report_data *d, const pt_report_options *o);
void pt_report_tables_free(pt_report_tables *ts);
const pt_table *pt_report_table_find(const pt_report_tables *ts, const char *id);

#endif
