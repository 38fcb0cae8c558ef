/* cmd_report.c -- `powertrain report`: the results store -> report.html, SVG
 * figures, CSV/JSON tables and a Markdown summary on stdout. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/store.h"

static const char *report_help =
    "usage: powertrain report --db results.db --out DIR [--format html,svg,csv,json,md]\n"
    "                         [--carbon-intensity G_PER_KWH | --region CODE] [--pue P]\n"
    "                         [--study ID]\n"
    "\n"
    "Turns a results store into the paper's tables and figures: DIR/report.html (one\n"
    "self-contained page: inline SVG and CSS, no network, no scripts), the figures as\n"
    "DIR/fig3-N.svg (energy per epoch, batch size x learning rate), DIR/fig4-N.svg (total\n"
    "energy per run), DIR/fig5-N.svg (pretraining break-even), one CSV per table,\n"
    "DIR/report.json with every table, and a Markdown summary (DIR/summary.md, also\n"
    "printed here). Every file is written atomically. Default: every format.\n"
    "\n"
    "  --db FILE               the results store (read only)\n"
    "  --out DIR               where the files go (created when missing)\n"
    "  --format LIST           any of html,svg,csv,json,md (comma separated)\n"
    "  --carbon-intensity G    grid intensity in g CO2e per kWh for the carbon estimate\n"
    "  --region CODE           a country's 2023 average instead (built-in table:\n"
    "                          AT AU BE BR CA CN DE DK FI FR IE IN NO PL SE WORLD)\n"
    "  --pue P                 power usage effectiveness, 1..5 (default 1.0, as the paper)\n"
    "  --study ID              only this study\n"
    "\n"
    "Exit status: 0 written, 1 nothing to report or a write failed, 2 bad flags or a\n"
    "file that is not a results store of this version.\n";

int pt_cli_report(int argc, char **argv) {
    const char *verb = "report";
    const char *db = NULL, *v;
    long study = 0;
    pt_report_options o;
    pt_report_options_init(&o);
    o.md = stdout;
    int gave_intensity = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(report_help, stdout);
            return PT_EXIT_OK;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--db", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            db = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--out", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            o.out_dir = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--format", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (pt_report_formats_parse(v, &o.formats) != 0)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--format: expected a list of html,svg,csv,json,md, got '%s'",
                                    v);
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--carbon-intensity", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--carbon-intensity", v, 0, 5000, &o.intensity))
                return PT_EXIT_USAGE;
            gave_intensity = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--region", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (!pt_carbon_find(v))
                return pt_cli_error(verb, PT_EXIT_USAGE,
                                    "--region: unknown code '%s' (known: AT AU BE BR CA CN DE DK FI FR IE IN NO PL "
                                    "SE WORLD; or give --carbon-intensity)",
                                    v);
            o.region = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--pue", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--pue", v, 1, 5, &o.pue)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--study", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--study", v, 1, 1L << 40, &study)) return PT_EXIT_USAGE;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown argument '%s' (see powertrain report --help)", argv[i]);
        }
    }
    if (!db) return pt_cli_error(verb, PT_EXIT_USAGE, "--db FILE is required (see powertrain report --help)");
    if (!o.out_dir) return pt_cli_error(verb, PT_EXIT_USAGE, "--out DIR is required (see powertrain report --help)");
    if (gave_intensity && o.region)
        return pt_cli_error(verb, PT_EXIT_USAGE, "give --carbon-intensity or --region, not both");
    if (!(o.formats & PT_REPORT_MD)) o.md = NULL;
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    char err[1024];
    pt_store *st = pt_store_open_readonly(db, err, sizeof err);
    if (!st) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    pt_report_data d;
    if (pt_report_load(st, study, &d, err, sizeof err) != 0) {
        pt_store_close(st);
        return pt_cli_error(verb, study ? PT_EXIT_USAGE : PT_EXIT_FAIL, "%s", err);
    }
    pt_store_close(st);
    /* what cannot be shown, one line each, before the files */
    for (const char *p = d.notes; *p;) {
        const char *e = strchr(p, '\n');
        int n = e ? (int)(e - p) : (int)strlen(p);
        fprintf(stderr, "powertrain report: %.*s\n", n, p);
        p += n;
        if (*p == '\n') p++;
    }
    char names[8192];
    int rc = pt_report_write(&d, &o, names, sizeof names, err, sizeof err);
    pt_report_data_free(&d);
    if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
    fflush(stdout);
    int nfiles = 0;
    for (const char *p = names; *p; p++) nfiles += *p == '\n';
    fprintf(stderr, "powertrain report: %d files in %s", nfiles, o.out_dir);
    if (o.formats & PT_REPORT_HTML) fprintf(stderr, "; open %s/report.html", o.out_dir);
    fputc('\n', stderr);
    return PT_EXIT_OK;
}
