/* paper.c -- the paper's own numbers for Tables 2 and 3 (Geissler et al., "The
 * Power of Training"), copied from ../shared/paper/power-of-training.md, shown
 * beside ours and always labelled as measured on the paper's hardware.
 *
 * Table 2 as printed: "Unfreeze 3.89 / Freeze 6.01 Wh, Savings 35.2%" (H100).
 * The savings equal (larger - smaller) / larger of the two printed rows, while
 * the paper's text says freezing needs less energy; the report prints the rows
 * as the paper does and says so. */
#include "report/report.h"

static const pt_report_paper_row rows[] = {
    {"H100", 3.89, 6.01, 35.2, 47.93, 47.26, 48.34, 358, 170, 85},
    {"A100", 4.24, 5.55, 23.6, 46.82, 45.79, 45.48, 380, 163, 86},
    {"RTX3090", 4.97, 9.13, 45.5, 81.41, 81.42, 81.19, 382, 159, 84},
};

const pt_report_paper_row *pt_report_paper(int *n) {
    *n = (int)(sizeof rows / sizeof rows[0]);
    return rows;
}
