/* test_report.c -- reports from fixture stores with known values: exact table
 * numbers (best-to-worst ratio, Table 2 savings, Table 3 averages, break-even,
 * carbon), the files written (atomically, no temp files left, no http(s)
 * reference, JSON that parses with the same numbers), and clear messages for an
 * empty store, a study of only failed runs, and another schema version; the
 * named columns (every table's header is its column array, cells land in the
 * column of their name). */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "report/report_tables.h"
#include "report_fixture.h"
#include "test.h"

static char dir[] = "/tmp/pt-report-XXXXXX";

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

static pt_store *open_fixture(const char *name, int which, char *path, size_t n) {
    char err[512];
    snprintf(path, n, "%s/%s", dir, name);
    if (fixture_write(path, which, err, sizeof err) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return NULL;
    }
    return pt_store_open(path, 0, err, sizeof err);
}

/* The report data of fixture `which` written to `name` (the store opened, loaded and
 * closed); 1 when it loaded, else 0 (the failed check counted). */
static int load_fixture(const char *name, int which, pt_report_data *d) {
    char path[256], err[512];
    pt_store *st = open_fixture(name, which, path, sizeof path);
    CHECK(st != NULL);
    if (!st) return 0;
    int ok = pt_report_load(st, 0, d, err, sizeof err) == 0;
    pt_store_close(st);
    CHECK(ok);
    return ok;
}

static const pt_report_setup *setup_of(const pt_report_regime *g, int setup) {
    for (int k = 0; k < g->nsetups; k++)
        if (g->setups[k].setup == setup) return &g->setups[k];
    return NULL;
}

static void test_numbers(void) {
    char path[256], err[512];
    pt_store *st = open_fixture("full.db", FIX_FULL, path, sizeof path);
    CHECK(st != NULL);
    if (!st) return;
    pt_report_data d;
    CHECK(pt_report_load(st, 0, &d, err, sizeof err) == 0);
    pt_store_close(st);
    CHECK(d.nstudies == 3);
    CHECK(d.nregimes == 1 && d.npretrains == 1 && d.nmultitasks == 1);
    if (d.nregimes != 1 || d.npretrains != 1 || d.nmultitasks != 1) {
        pt_report_data_free(&d);
        return;
    }
    /* regime */
    const pt_report_regime *g = &d.regimes[0];
    CHECK_STR(g->hardware, FIX_GPU);
    CHECK_STR(g->methods.label, "counter");
    CHECK(!g->methods.estimated);
    CHECK(g->nsetups == 16);
    CHECK(g->nbs == 4 && g->nlr == 4);
    CHECK(g->bs[0] == 64 && g->bs[3] == 4096 && g->lr[0] == 0.1 && g->lr[3] == 0.0001);
    CHECK(g->setups[0].setup == 1 && g->setups[15].setup == 16); /* Table 1 order */
    CHECK(g->nratio == 16);
    CHECK(g->best >= 0 && g->setups[g->best].setup == 1);
    CHECK(g->worst >= 0 && g->setups[g->worst].setup == 16);
    CHECK_NEAR(g->ratio, 10.0, 1e-12, 0);
    const pt_report_setup *s1 = setup_of(g, 1), *s2 = setup_of(g, 2), *s4 = setup_of(g, 4), *s6 = setup_of(g, 6),
                          *s8 = setup_of(g, 8), *s16 = setup_of(g, 16);
    CHECK(s1 && s2 && s4 && s6 && s8 && s16);
    if (s1 && s2 && s4 && s6 && s8 && s16) {
        CHECK(s1->nfailed == 1 && s1->ndone == 1 && s1->nfinished == 1);
        CHECK_NEAR(s1->total_j, 1000, 1e-12, 0); /* the failed run is not averaged */
        CHECK_NEAR(s1->epoch_j, 100, 1e-12, 0);
        CHECK_NEAR(s2->target_j, 1300, 1e-12, 0);
        CHECK(s2->ntarget == 2);
        CHECK_NEAR(s4->total_j, 2600, 1e-12, 0); /* done + not_reached */
        CHECK_NEAR(s4->done_total_j, 2500, 1e-12, 0);
        CHECK(s4->nnot_reached == 1);
        CHECK_NEAR(s6->epoch_j, 200, 1e-12, 0); /* Fig. 3 cell: batch 256, lr 0.01 */
        CHECK_NEAR(s6->epochs_mean, 16, 1e-12, 0);
        CHECK(s8->nruns == 3 && s8->nrunning == 1 && s8->nfinished == 2);
        CHECK_NEAR(s8->total_j, 200 * 26, 1e-12, 0);
        CHECK(s16->ndiverged == 1);
        CHECK_NEAR(s16->done_total_j, 10000, 1e-12, 0);
        CHECK_NEAR(s16->total_j, (10000 + 400 * 27) / 2.0, 1e-12, 0);
    }
    /* pretrain: Equation (2) per setup, best/worst/average, Table 2 */
    const pt_report_pretrain *p = &d.pretrains[0];
    CHECK(p->nrows == 4);
    if (p->nrows == 4) {
        CHECK_NEAR(p->rows[0].x, 2.0, 1e-12, 0);
        CHECK_NEAR(p->rows[1].x, 10.0, 1e-12, 0);
        CHECK(isinf(p->rows[2].x) && p->rows[2].x > 0);
        CHECK_NEAR(p->rows[3].x, 3.0, 1e-12, 0);
        CHECK_NEAR(p->rows[1].class_j, 100, 1e-12, 0); /* the failed frozen run is not counted */
        CHECK(p->best == 0 && p->worst == 2);
        CHECK(p->nnever == 1 && p->navg == 4);
        CHECK_NEAR(p->avg.enc_j, 1875, 1e-12, 0);
        CHECK_NEAR(p->avg.class_j, 275, 1e-12, 0);
        CHECK_NEAR(p->avg.base_j, 600, 1e-12, 0);
        CHECK_NEAR(p->avg.x, 1875.0 / 325.0, 1e-12, 0);
    }
    CHECK_NEAR(p->frozen_j, 275, 1e-12, 0);
    CHECK_NEAR(p->unfrozen_j, 400, 1e-12, 0);
    CHECK_NEAR(p->savings_pct, 31.25, 1e-12, 0);
    CHECK(p->nfrozen == 4 && p->nunfrozen == 4);
    /* multitask: Table 3 */
    const pt_report_multitask *m = &d.multitasks[0];
    CHECK_STR(m->hardware, FIX_CPU);
    CHECK(m->methods.estimated);
    CHECK_STR(m->encoder_weights, "random");
    static const double epochs[3] = {15, 6, 3};
    for (int t = 0; t < 3; t++) {
        CHECK_NEAR(m->types[t].epoch_j, 110, 1e-12, 0);
        CHECK_NEAR(m->types[t].epochs, epochs[t], 1e-12, 0);
        CHECK(m->types[t].nruns == 2);
    }
    /* measurement: config keys and counter vs eq1 */
    CHECK(d.nruns > 0);
    CHECK_NEAR(d.runs[0].interval_ms, 100, 0, 0);
    CHECK_NEAR(d.runs[0].update_period_s, 0.1, 1e-12, 0);
    CHECK_NEAR(d.runs[0].idle_w, 35.5, 0, 0);
    CHECK_STR(d.runs[0].versions, "powertrain 0.1.0");
    int found = 0;
    for (int i = 0; i < d.ncomps; i++)
        if (d.comps[i].study_id == 1 && !strcmp(d.comps[i].component, "gpu-0")) {
            found = 1;
            CHECK_NEAR((d.comps[i].both_counter_j - d.comps[i].both_eq1_j) / d.comps[i].both_counter_j, 0.02, 1e-9, 0);
            CHECK_STR(d.comps[i].method, "counter");
        }
    CHECK(found);
    CHECK(d.total_methods.estimated && d.total_methods.mixed);
    /* total energy = every run's */
    sqlite3 *db;
    double sum = NAN;
    if (sqlite3_open(path, &db) == SQLITE_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, "SELECT sum(energy_j) FROM runs", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            sum = sqlite3_column_double(q, 0);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    CHECK_NEAR(d.total_j, sum, 1e-12, 0);
    pt_report_data_free(&d);

    /* one study only */
    st = pt_store_open(path, 0, err, sizeof err);
    CHECK(st != NULL);
    if (st) {
        CHECK(pt_report_load(st, 2, &d, err, sizeof err) == 0);
        CHECK(d.nregimes == 0 && d.npretrains == 1 && d.nmultitasks == 0);
        pt_report_data_free(&d);
        CHECK(pt_report_load(st, 99, &d, err, sizeof err) == -1);
        CHECK_CONTAINS(err, "no study 99");
        pt_store_close(st);
    }
}

static void test_formulas(void) {
    CHECK(isinf(pt_report_break_even(1, 1, 1)));
    CHECK(isinf(pt_report_break_even(1, 1, 2)));
    CHECK(pt_report_break_even(0, 2, 1) == 0);
    CHECK_NEAR(pt_report_break_even(6, 5, 2), 2.0, 1e-15, 0);
    CHECK(isnan(pt_report_break_even(NAN, 5, 2)));
    /* carbon: 1 kWh x 1.5 x 400 g/kWh = 600 g */
    CHECK_NEAR(pt_carbon_grams(3.6e6, 1.5, 400), 600, 1e-12, 0);
    const pt_carbon_region *de = pt_carbon_find("de");
    CHECK(de && de->g_per_kwh == 381);
    CHECK(pt_carbon_find("XX") == NULL);
    int n;
    const pt_carbon_region *all = pt_carbon_regions(&n);
    CHECK(n >= 12);
    for (int i = 0; i < n; i++) CHECK(all[i].g_per_kwh > 0 && all[i].g_per_kwh < 1500);
    CHECK_NEAR(pt_carbon_car_g_per_km, 248.5484, 1e-6, 0);
    CHECK(strstr(pt_carbon_source, "2023") != NULL);
    int np;
    const pt_report_paper_row *paper = pt_report_paper(&np);
    CHECK(np == 3 && !strcmp(paper[0].hardware, "H100") && paper[0].freeze_wh == 6.01 && paper[2].both_epochs == 84);
    unsigned bits = 0;
    CHECK(pt_report_formats_parse("html,svg", &bits) == 0 && bits == (PT_REPORT_HTML | PT_REPORT_SVG));
    CHECK(pt_report_formats_parse("csv,bogus", &bits) == -1);
    CHECK(pt_report_formats_parse("", &bits) == -1);
}

static double json_row_num(cJSON *root, const char *table, int row, const char *key) {
    cJSON *tables = cJSON_GetObjectItem(root, "tables"), *t;
    cJSON_ArrayForEach(t, tables) {
        cJSON *id = cJSON_GetObjectItem(t, "id");
        if (!cJSON_IsString(id) || strcmp(id->valuestring, table)) continue;
        cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "rows"), row);
        cJSON *v = r ? cJSON_GetObjectItem(r, key) : NULL;
        return cJSON_IsNumber(v) ? v->valuedouble : NAN;
    }
    return NAN;
}

static int no_temp_files(const char *path) {
    DIR *dd = opendir(path);
    if (!dd) return 0;
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(dd)))
        if (strstr(e->d_name, ".tmp.")) ok = 0;
    closedir(dd);
    return ok;
}

static void test_write(void) {
    char out[300], file[400], err[512];
    pt_report_data d;
    if (!load_fixture("w.db", FIX_FULL, &d)) return;
    snprintf(out, sizeof out, "%s/out/nested", dir);
    pt_report_options o;
    pt_report_options_init(&o);
    o.out_dir = out;
    o.region = "DE";
    o.pue = 1.2;
    char names[4096];
    FILE *md = tmpfile();
    o.md = md;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
    static const char *expect[] = {"report.html", "fig3-1.svg", "fig4-1.svg", "fig5-1.svg", "regime-summary.csv",
                                   "regime-setups-1.csv", "breakeven-1.csv", "table2.csv", "table2-paper.csv",
                                   "table3.csv", "table3-paper.csv", "measurement-components.csv",
                                   "measurement-hosts.csv", "carbon-summary.csv", "carbon-by-country.csv", "runs.csv",
                                   "report.json", "summary.md"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        snprintf(file, sizeof file, "%s/%s", out, expect[i]);
        CHECK(access(file, R_OK) == 0);
        CHECK_CONTAINS(names, expect[i]);
    }
    CHECK(no_temp_files(out));

    snprintf(file, sizeof file, "%s/report.html", out);
    char *html = slurp(file);
    CHECK(html != NULL);
    if (html) {
        CHECK(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL);
        CHECK(strstr(html, "<script") == NULL);
        CHECK_CONTAINS(html, "<!DOCTYPE html>");
        CHECK_CONTAINS(html, "<svg ");
        CHECK_CONTAINS(html, "Fig. 3");
        CHECK_CONTAINS(html, "Fig. 4");
        CHECK_CONTAINS(html, "Fig. 5");
        CHECK_CONTAINS(html, "method: counter (measured)");
        CHECK_CONTAINS(html, "method: estimated (a model, not a measurement)");
        CHECK_CONTAINS(html, "paper's hardware: H100/A100/RTX3090");
        CHECK_CONTAINS(html, "Germany (DE)");
        CHECK_CONTAINS(html, "10.0"); /* the ratio */
        free(html);
    }
    snprintf(file, sizeof file, "%s/fig3-1.svg", out);
    char *svg = slurp(file);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strncmp(svg, "<?xml", 5) == 0);
        CHECK_CONTAINS(svg, "xmlns=\"http://www.w3.org/2000/svg\"");
        CHECK_CONTAINS(svg, "learning rate");
        CHECK_CONTAINS(svg, "batch size");
        CHECK_CONTAINS(svg, "method: counter");
        free(svg);
    }
    snprintf(file, sizeof file, "%s/regime-summary.csv", out);
    char *csv = slurp(file);
    CHECK(csv != NULL);
    if (csv) {
        CHECK_CONTAINS(csv, "best_to_worst_ratio");
        CHECK_CONTAINS(csv, ",1,1000,16,10000,10,0\n"); /* no contaminated run */
        free(csv);
    }
    snprintf(file, sizeof file, "%s/breakeven-1.csv", out);
    csv = slurp(file);
    if (csv) {
        CHECK_CONTAINS(csv, "11,1024,0.001,2000,500,600,500,inf,never");
        CHECK_CONTAINS(csv, "5.769230769");
        free(csv);
    }
    snprintf(file, sizeof file, "%s/table2.csv", out);
    csv = slurp(file);
    if (csv) {
        CHECK_CONTAINS(csv, ",4,400,4,275,31.25");
        free(csv);
    }

    snprintf(file, sizeof file, "%s/report.json", out);
    char *js = slurp(file);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    CHECK(root != NULL);
    if (root) {
        CHECK_NEAR(json_row_num(root, "regime-summary", 0, "best_to_worst_ratio"), 10, 1e-12, 0);
        CHECK_NEAR(json_row_num(root, "table2", 0, "savings_pct"), 31.25, 1e-12, 0);
        CHECK_NEAR(json_row_num(root, "table3", 0, "energy_per_epoch_j"), 110, 1e-12, 0);
        CHECK_NEAR(json_row_num(root, "table3", 1, "epochs_mean"), 6, 1e-12, 0);
        CHECK_NEAR(json_row_num(root, "breakeven-1", 4, "break_even_cycles"), 1875.0 / 325.0, 1e-9, 0);
        CHECK(isnan(json_row_num(root, "breakeven-1", 2, "break_even_cycles"))); /* never: null */
        CHECK_NEAR(json_row_num(root, "table2-paper", 0, "freeze_wh"), 6.01, 1e-12, 0);
        CHECK_NEAR(json_row_num(root, "table3-paper", 8, "epochs"), 84, 0, 0);
        double g = json_row_num(root, "carbon-summary", 0, "g_co2e");
        CHECK_NEAR(g, d.total_j / 3.6e6 * 1.2 * 381, 1e-9, 0);
        CHECK_NEAR(json_row_num(root, "carbon-summary", 0, "car_km"), g / (400 / 1.609344), 1e-9, 0);
        CHECK_NEAR(json_row_num(root, "measurement-components", 0, "counter_minus_eq1_pct"), 2.0, 1e-9, 0);
        CHECK_NEAR(json_row_num(root, "measurement-hosts", 0, "interval_ms"), 100, 0, 0);
        cJSON_Delete(root);
    }
    free(js);
    /* the Markdown summary went to the stream as well */
    if (md) {
        rewind(md);
        char buf[16384];
        size_t n = fread(buf, 1, sizeof buf - 1, md);
        buf[n] = '\0';
        CHECK_CONTAINS(buf, "# powertrain report");
        CHECK_CONTAINS(buf, "| 10.0 |");
        CHECK_CONTAINS(buf, "best setup 1 2.00 cycles; worst setup 11 never; average 5.77 cycles");
        CHECK_CONTAINS(buf, "31.2");
        fclose(md);
    }

    /* only CSV: no HTML, no SVG; an existing file is replaced whole */
    snprintf(out, sizeof out, "%s/csvonly", dir);
    o.out_dir = out;
    o.formats = PT_REPORT_CSV;
    o.md = NULL;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
    snprintf(file, sizeof file, "%s/report.html", out);
    CHECK(access(file, F_OK) != 0);
    snprintf(file, sizeof file, "%s/runs.csv", out);
    CHECK(access(file, R_OK) == 0);
    /* a given intensity instead of a region, JSON only */
    snprintf(out, sizeof out, "%s/given", dir);
    o.out_dir = out;
    o.formats = PT_REPORT_JSON;
    o.region = NULL;
    o.intensity = 250;
    o.pue = 1.0;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
    CHECK_STR(names, "report.json\n");
    snprintf(file, sizeof file, "%s/report.json", out);
    js = slurp(file);
    root = js ? cJSON_Parse(js) : NULL;
    CHECK(root != NULL);
    if (root) {
        CHECK_NEAR(json_row_num(root, "carbon-summary", 0, "g_co2e"), d.total_j / 3.6e6 * 250, 1e-9, 0);
        CHECK_NEAR(json_row_num(root, "carbon-summary", 0, "phone_charges"), d.total_j / 3600 / 18.75, 1e-9, 0);
        cJSON_Delete(root);
    }
    free(js);
    o.formats = PT_REPORT_CSV;
    /* an output path that is a file */
    snprintf(out, sizeof out, "%s/w.db", dir);
    o.out_dir = out;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "cannot create the output folder");
    pt_report_data_free(&d);
}

static const pt_report_tune_setup *tune_setup_of(const pt_report_tune *t, int setup) {
    for (int k = 0; k < t->nsetups; k++)
        if (t->setups[k].setup == setup) return &t->setups[k];
    return NULL;
}

/* the row of a table whose `key` is the string `value` */
static cJSON *json_row_where(cJSON *root, const char *table, const char *key, const char *value) {
    cJSON *tables = cJSON_GetObjectItem(root, "tables"), *t, *r;
    cJSON_ArrayForEach(t, tables) {
        cJSON *id = cJSON_GetObjectItem(t, "id");
        if (!cJSON_IsString(id) || strcmp(id->valuestring, table)) continue;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
            cJSON *v = cJSON_GetObjectItem(r, key);
            if (cJSON_IsString(v) && !strcmp(v->valuestring, value)) return r;
        }
    }
    return NULL;
}

static double json_num(cJSON *row, const char *key) {
    cJSON *v = row ? cJSON_GetObjectItem(row, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* `powertrain tune` beside its grid (FIX_TUNE): the search section's figures,
 * tune studies kept out of the regime figures, methods named everywhere */
static void test_tune(void) {
    char err[512], out[300], file[400], names[4096];
    pt_report_data d;
    if (!load_fixture("tune.db", FIX_TUNE, &d)) return;
    CHECK(d.nstudies == 4);
    /* the regime figures: the grid and the other-threshold study only, never a tune run */
    CHECK(d.nregimes == 2);
    CHECK(d.ntunes == 2);
    int regime_runs = 0;
    for (int i = 0; i < d.nregimes; i++) {
        const pt_report_regime *g = &d.regimes[i];
        CHECK_STR(d.studies[g->study].kind, "regime");
        for (int k = 0; k < g->nsetups; k++)
            for (int j = 0; j < g->setups[k].nrep; j++) {
                const pt_report_run *r = &d.runs[g->setups[k].runs[j]];
                CHECK(r->study_id == 2 || r->study_id == 3);
                CHECK_STR(r->phase, "train");
                regime_runs++;
            }
    }
    CHECK(regime_runs == 13);
    if (d.nregimes == 2) {
        const pt_report_regime *g = &d.regimes[0];
        CHECK(d.studies[g->study].id == 2 && g->nsetups == 6);
        CHECK(g->best >= 0 && g->setups[g->best].setup == 4);   /* done totals 400, 500 */
        CHECK(g->worst >= 0 && g->setups[g->worst].setup == 2); /* 1000, 1200 */
        CHECK_NEAR(g->ratio, 1100.0 / 450.0, 1e-12, 0);
    }
    if (d.ntunes != 2) {
        pt_report_data_free(&d);
        return;
    }
    /* study 1: energy-to-target, fast, 2 repeats */
    const pt_report_tune *t = &d.tunes[0];
    CHECK(d.studies[t->study].id == 1);
    CHECK(t->has_search);
    CHECK_STR(t->mode, "fast");
    CHECK_STR(t->objective, "energy-to-target");
    CHECK(t->obj == PT_REPORT_OBJ_ENERGY_TO_TARGET && !t->cost_unknown);
    CHECK(t->repeats == 2 && t->nsetups == 6);
    static const char *states[6] = {"infeasible", "pruned", "not run", "pruned", "evaluated", "halved"};
    static const int nruns[6] = {1, 1, 0, 2, 2, 1};
    static const double spent[6] = {100, 700, 0, 650, 600, 250};
    for (int k = 1; k <= 6; k++) {
        const pt_report_tune_setup *su = tune_setup_of(t, k);
        CHECK(su != NULL);
        if (!su) continue;
        CHECK_STR(su->state, states[k - 1]);
        CHECK(su->nruns == nruns[k - 1]);
        CHECK_NEAR(su->spent_j, spent[k - 1], 1e-12, 0);
    }
    const pt_report_tune_setup *s4 = tune_setup_of(t, 4), *s5 = tune_setup_of(t, 5), *s6 = tune_setup_of(t, 6);
    if (s4 && s5 && s6) {
        CHECK(s5->batch_size == 256 && s5->lr == 0.01);
        CHECK_NEAR(s5->value, 300, 1e-12, 0);
        CHECK_NEAR(s4->target_j, 350, 1e-12, 0); /* the repeat that reached it */
        CHECK(isnan(s4->value));                 /* pruned: no value */
        CHECK_NEAR(s6->value, 250, 1e-12, 0);    /* cheaper, but halved: not chosen */
        CHECK(s4->epochs == 13);
    }
    CHECK(t->chosen >= 0 && t->setups[t->chosen].setup == 5);
    CHECK_NEAR(t->chosen_value, 300, 1e-12, 0);
    CHECK_NEAR(t->search_j, 2350, 1e-12, 0);
    CHECK_NEAR(t->probe_j, 50, 1e-12, 0);
    CHECK_NEAR(t->runs_j, 2300, 1e-12, 0);
    CHECK(t->nruns == 7 && t->nstopped == 6 && t->nrunning == 0);
    CHECK_STR(t->weakest, "eq1");
    CHECK_STR(t->methods.label, "counter, eq1");
    CHECK(t->nprobes == 2);
    if (t->nprobes == 2) {
        CHECK(t->probes[0].batch_size == 64 && t->probes[1].batch_size == 256);
        CHECK_NEAR(t->probes[0].j_per_step, 0.5, 1e-12, 0);
        CHECK_NEAR(t->probes[1].j_per_step, 2.0, 1e-12, 0);
        CHECK_STR(t->probes[1].method, "eq1");
    }
    CHECK(t->grid_id == 2); /* not study 3: another threshold, though newer */
    CHECK(t->grid_nruns == 12);
    CHECK_NEAR(t->grid_j, 10000, 1e-12, 0);
    CHECK(t->grid_best >= 0 && t->grid_setups[t->grid_best].setup == 4);
    CHECK_NEAR(t->grid_best_value, 350, 1e-12, 0);
    CHECK_NEAR(t->grid_chosen_value, 525, 1e-12, 0);
    CHECK_NEAR(t->regret_pct, 50, 1e-9, 0);
    CHECK_NEAR(t->savings_pct, 23.5, 1e-9, 0);
    /* study 4: cost:0.5 without P_max: the choice by dominance, its value unknown, no grid */
    const pt_report_tune *c = &d.tunes[1];
    CHECK(d.studies[c->study].id == 4);
    CHECK(c->obj == PT_REPORT_OBJ_COST && c->cost_unknown && c->eta == 0.5);
    CHECK(c->chosen >= 0 && c->setups[c->chosen].setup == 1);
    CHECK(isnan(c->chosen_value));
    CHECK(c->chosen >= 0 && c->setups[c->chosen].target_j == 200);
    CHECK(c->grid_id == 0);
    CHECK(isnan(c->regret_pct) && isnan(c->savings_pct));

    /* every format */
    snprintf(out, sizeof out, "%s/tune-out", dir);
    pt_report_options o;
    pt_report_options_init(&o);
    o.out_dir = out;
    FILE *md = tmpfile();
    o.md = md;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
    CHECK_CONTAINS(names, "tune-figures-1.csv");
    CHECK_CONTAINS(names, "tune-setups-1.csv");
    CHECK_CONTAINS(names, "tune-probes-1.csv");
    CHECK_CONTAINS(names, "tune-setups-2.csv");
    CHECK(strstr(names, "tune-probes-2.csv") == NULL); /* study 4 has no probes */
    CHECK_CONTAINS(names, "fig3-2.svg");
    CHECK(strstr(names, "fig3-3.svg") == NULL); /* no figure for a tune study */
    snprintf(file, sizeof file, "%s/report.html", out);
    char *html = slurp(file);
    CHECK(html != NULL);
    if (html) {
        CHECK(count_of(html, "Fig. 3. ") == 2);
        CHECK(count_of(html, "<h2>Search (powertrain tune): study ") == 2);
        CHECK_CONTAINS(html, "chosen: setup 5 (batch 256, lr 0.01): 300.0 J energy-to-target, mean of 2 repeats; "
                             "energy to target 300.0 J (method: counter (measured))");
        CHECK_CONTAINS(html, "search energy: 2350.0 J (method: eq1 (measured), the weakest of counter, eq1): probes "
                             "50.0 J, 7 runs of which 6 stopped early by the search");
        CHECK_CONTAINS(html, "grid: regime study 2 in this store (12 runs, 10000.0 J): best setup 4 (batch 256, lr "
                             "0.1) at 350.0 J (method: counter (measured))");
        CHECK_CONTAINS(html, "regret: 50.0% (the grid's own runs");
        CHECK_CONTAINS(html, "savings: the search spent 23.5% of the grid");
        CHECK_CONTAINS(html, "cost:0.5 needs P_max, which the store lacks");
        CHECK_CONTAINS(html, "energy to target 200.0 J");
        CHECK_CONTAINS(html, "grid: no regime study of this configuration");
        CHECK_CONTAINS(html, "<tr class=\"hl\"><td class=\"n\">5</td><td class=\"n\">256</td>");
        CHECK_CONTAINS(html, "<td>halved</td>");
        CHECK_CONTAINS(html, "<td>not run</td>");
        CHECK_CONTAINS(html, "methods: counter, eq1 (measured)");
        free(html);
    }
    snprintf(file, sizeof file, "%s/tune-setups-1.csv", out);
    char *csv = slurp(file);
    CHECK(csv != NULL);
    if (csv) {
        CHECK_CONTAINS(csv, "setup,batch_size,lr,state,value_j,energy_to_target_j,spent_j,runs,epochs,method\n");
        CHECK_CONTAINS(csv, "\n5,256,0.01,evaluated,300,300,600,2,12,counter\n");
        CHECK_CONTAINS(csv, "\n4,256,0.1,pruned,,350,650,2,13,counter\n");
        CHECK_CONTAINS(csv, "\n1,64,0.1,infeasible,,,100,1,1,counter\n");
        CHECK_CONTAINS(csv, "\n3,64,0.001,not run,,,0,0,0,-\n");
        CHECK_CONTAINS(csv, "\n6,256,0.001,halved,250,250,250,1,5,counter\n");
        free(csv);
    }
    snprintf(file, sizeof file, "%s/tune-probes-1.csv", out);
    csv = slurp(file);
    CHECK(csv != NULL);
    if (csv) {
        CHECK_CONTAINS(csv, "\n64,20,2.5,10,0.5,done,counter\n");
        CHECK_CONTAINS(csv, "\n256,20,2.5,40,2,done,eq1\n");
        free(csv);
    }
    snprintf(file, sizeof file, "%s/report.json", out);
    char *js = slurp(file);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    CHECK(root != NULL);
    if (root) {
        cJSON *r = json_row_where(root, "tune-figures-1", "figure", "chosen setup");
        CHECK(r != NULL);
        CHECK_NEAR(json_num(r, "setup"), 5, 0, 0);
        CHECK_NEAR(json_num(r, "value_j"), 300, 1e-12, 0);
        r = json_row_where(root, "tune-figures-1", "figure", "search energy (probes and runs)");
        CHECK_NEAR(json_num(r, "value_j"), 2350, 1e-12, 0);
        CHECK(r && cJSON_IsString(cJSON_GetObjectItem(r, "method")) &&
              strstr(cJSON_GetObjectItem(r, "method")->valuestring, "method: eq1"));
        r = json_row_where(root, "tune-figures-1", "figure", "grid best setup");
        CHECK_NEAR(json_num(r, "setup"), 4, 0, 0);
        CHECK_NEAR(json_num(r, "value_j"), 350, 1e-12, 0);
        r = json_row_where(root, "tune-figures-1", "figure", "grid value of the chosen setup");
        CHECK_NEAR(json_num(r, "value_j"), 525, 1e-12, 0);
        r = json_row_where(root, "tune-figures-1", "figure", "regret");
        CHECK_NEAR(json_num(r, "pct"), 50, 1e-9, 0);
        r = json_row_where(root, "tune-figures-1", "figure", "search energy / grid energy");
        CHECK_NEAR(json_num(r, "pct"), 23.5, 1e-9, 0);
        r = json_row_where(root, "tune-figures-1", "figure", "grid energy (regime study 2, 12 runs)");
        CHECK_NEAR(json_num(r, "value_j"), 10000, 1e-12, 0);
        r = json_row_where(root, "tune-setups-1", "state", "evaluated");
        CHECK_NEAR(json_num(r, "setup"), 5, 0, 0);
        /* every row of the figures names its method, or is a row without a figure */
        cJSON *tables = cJSON_GetObjectItem(root, "tables"), *tb, *row;
        int nfig = 0;
        cJSON_ArrayForEach(tb, tables) {
            cJSON *id = cJSON_GetObjectItem(tb, "id");
            if (!cJSON_IsString(id) || strncmp(id->valuestring, "tune-figures-", 13)) continue;
            cJSON_ArrayForEach(row, cJSON_GetObjectItem(tb, "rows")) {
                int has_figure = cJSON_IsNumber(cJSON_GetObjectItem(row, "value_j")) ||
                                 cJSON_IsNumber(cJSON_GetObjectItem(row, "energy_to_target_j")) ||
                                 cJSON_IsNumber(cJSON_GetObjectItem(row, "pct"));
                cJSON *m = cJSON_GetObjectItem(row, "method");
                if (!has_figure) continue;
                nfig++;
                CHECK(cJSON_IsString(m) && strstr(m->valuestring, "method") != NULL);
            }
        }
        CHECK(nfig == 10); /* 8 of study 1; study 4: its choice and its search energy (no probes) */
        cJSON_Delete(root);
    }
    free(js);
    if (md) {
        rewind(md);
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, md);
        buf[n] = '\0';
        CHECK_CONTAINS(buf, "## Search (powertrain tune): study 1, fmnist, " FIX_GPU);
        CHECK_CONTAINS(buf, "- regret: 50.0% (the grid's own runs of the chosen setup vs its best)");
        CHECK_CONTAINS(buf, "- savings: the search spent 23.5% of the grid's energy (2350.0 J of 10000.0 J;");
        CHECK_CONTAINS(buf, "| **5** | **256** | **0.01** | **evaluated** |");
        CHECK_CONTAINS(buf, "| 64 | 20 | 2.50 | 2.78 mWh | 0.5 | done | counter |");
        fclose(md);
    }
    pt_report_data_free(&d);
}

static void test_refusals(void) {
    char path[256], err[512];
    /* empty store: a clear message */
    pt_store *st = open_fixture("empty.db", FIX_EMPTY, path, sizeof path);
    CHECK(st != NULL);
    if (st) {
        pt_report_data d;
        CHECK(pt_report_load(st, 0, &d, err, sizeof err) == -1);
        CHECK_CONTAINS(err, "no studies");
        CHECK_CONTAINS(err, "empty.db");
        pt_store_close(st);
    }
    /* only failed runs: loads, says so, and writes a report without crashing */
    st = open_fixture("failed.db", FIX_FAILED, path, sizeof path);
    CHECK(st != NULL);
    if (st) {
        pt_report_data d;
        CHECK(pt_report_load(st, 0, &d, err, sizeof err) == 0);
        CHECK(d.nregimes == 1 && d.regimes[0].nfailed_only == 1);
        CHECK(isnan(d.regimes[0].ratio) && d.regimes[0].best == -1);
        CHECK_CONTAINS(d.notes, "all 4 runs failed");
        pt_report_options o;
        pt_report_options_init(&o);
        char out[300], names[4096];
        snprintf(out, sizeof out, "%s/failed-out", dir);
        o.out_dir = out;
        CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
        char file[400];
        snprintf(file, sizeof file, "%s/report.html", out);
        char *html = slurp(file);
        CHECK(html && strstr(html, "Every run of this study failed"));
        free(html);
        pt_report_data_free(&d);
        pt_store_close(st);
    }
    /* another schema version: the store refuses it with the version in the message */
    char p2[256];
    snprintf(p2, sizeof p2, "%s/v2.db", dir);
    CHECK(fixture_write(p2, FIX_OTHER_VERSION, err, sizeof err) == 0);
    CHECK(pt_store_open(p2, 0, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "schema version 9");
}

/* the schema of a table: by its id, or the prefix of the per-study tables */
static const pt_report_schema *schema_of(const char *id) {
    int n;
    const pt_report_schema *s = pt_report_schemas(&n);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(s[i].id);
        if (!strcmp(s[i].id, id)) return &s[i];
        int numbered = s[i].id[len - 1] == '-' && !strncmp(s[i].id, id, len);
        if (numbered && id[len] && strspn(id + len, "0123456789") == strlen(id + len)) return &s[i];
    }
    return NULL;
}

static void test_named_columns(void) {
    /* the machinery: columns from an array, looked up by name */
    static const pt_col cols[] = {{"a", "A", PT_COL_INT}, {"b", "B head", PT_COL_TEXT}, {"c", "C", PT_COL_J}};
    pt_table t;
    pt_table_init(&t, "x", "X", NULL);
    pt_table_cols(&t, cols, 3);
    CHECK(t.ncols == 3);
    CHECK(pt_table_col_index(&t, "b") == 1 && pt_table_col_index(&t, "c") == 2 && pt_table_col_index(&t, "z") == -1);
    int r = pt_table_row(&t);
    pt_table_set_s(&t, r, pt_table_col_index(&t, "b"), "text");
    pt_table_set(&t, r, pt_table_col_index(&t, "c"), 5.0);
    CHECK_STR(t.cells[1].s, "text");
    CHECK(t.cells[2].v == 5.0 && isnan(t.cells[0].v) && t.cells[0].s == NULL);
    pt_table_free(&t);

    /* every column array: names unique (they are the CSV/JSON keys), headers set */
    int nschemas;
    const pt_report_schema *schemas = pt_report_schemas(&nschemas);
    CHECK(nschemas >= 15);
    for (int i = 0; i < nschemas; i++)
        for (int a = 0; a < schemas[i].ncols; a++) {
            CHECK(schemas[i].cols[a].name && schemas[i].cols[a].head && schemas[i].cols[a].head[0]);
            for (int b = a + 1; b < schemas[i].ncols; b++)
                CHECK(strcmp(schemas[i].cols[a].name, schemas[i].cols[b].name) != 0);
        }

    /* every table of the report: its header is its column array */
    int which[2] = {FIX_FULL, FIX_TUNE};
    const char *names[2] = {"cols-full.db", "cols-tune.db"};
    for (int w = 0; w < 2; w++) {
        pt_report_data d;
        if (!load_fixture(names[w], which[w], &d)) return;
        pt_report_options o;
        pt_report_options_init(&o);
        static pt_report_tables ts;
        pt_report_tables_build(&ts, &d, &o);
        CHECK(ts.n > 5);
        for (int i = 0; i < ts.n; i++) {
            const pt_table *tb = &ts.t[i];
            const pt_report_schema *sc = schema_of(tb->id);
            CHECK(sc != NULL);
            if (!sc) {
                fprintf(stderr, "no column array for table %s\n", tb->id);
                continue;
            }
            CHECK(tb->ncols == sc->ncols);
            for (int c = 0; c < tb->ncols && c < sc->ncols; c++) {
                CHECK_STR(tb->cols[c].name, sc->cols[c].name);
                CHECK_STR(tb->cols[c].head, sc->cols[c].head);
                CHECK(tb->cols[c].kind == sc->cols[c].kind);
                CHECK(pt_table_col_index(tb, sc->cols[c].name) == c);
            }
        }
        /* a cell set by name lands in that column: the runs table's run ids */
        const pt_table *runs = pt_report_table_find(&ts, "runs");
        CHECK(runs != NULL && runs->nrows == d.nruns);
        if (runs && runs->nrows == d.nruns) {
            int id = pt_table_col_index(runs, "run_id"), status = pt_table_col_index(runs, "status");
            CHECK(id == 0 && status == 8);
            for (int k = 0; k < d.nruns; k++) {
                CHECK(runs->cells[(size_t)k * (size_t)runs->ncols + (size_t)id].v == (double)d.runs[k].id);
                CHECK_STR(runs->cells[(size_t)k * (size_t)runs->ncols + (size_t)status].s, d.runs[k].status);
            }
        }
        pt_report_tables_free(&ts);
        pt_report_data_free(&d);
    }
}

/* the text of a table's cell, or "" */
static const char *cell_s(const pt_table *t, int row, const char *col) {
    int c = pt_table_col_index(t, col);
    if (!t || c < 0 || row < 0 || row >= t->nrows) return "";
    const char *v = t->cells[(size_t)row * (size_t)t->ncols + (size_t)c].s;
    return v ? v : "";
}

static double cell_v(const pt_table *t, int row, const char *col) {
    int c = pt_table_col_index(t, col);
    if (!t || c < 0 || row < 0 || row >= t->nrows) return -12345;
    return t->cells[(size_t)row * (size_t)t->ncols + (size_t)c].v;
}

/* the row of the runs table of (setup, repeat) */
static int runs_row(const pt_table *t, int setup, int repeat) {
    for (int r = 0; t && r < t->nrows; r++)
        if (cell_v(t, r, "setup") == setup && cell_v(t, r, "repeat") == repeat) return r;
    return -1;
}

/* FIX_ENDS: each run's end reason reaches the runs table; the Pareto front is
   exactly (1,2), (4,1), (3,1), (2,2), by energy; nothing reads nan */
static void test_ends_and_front(void) {
    pt_report_data d;
    if (!load_fixture("ends.db", FIX_ENDS, &d)) return;
    CHECK(d.nregimes == 1);
    if (d.nregimes != 1) return pt_report_data_free(&d);
    int front[16];
    int nf = pt_report_pareto(&d, &d.regimes[0], front, 16);
    static const int want[4][2] = {{1, 2}, {4, 1}, {3, 1}, {2, 2}};
    CHECK(nf == 4);
    for (int i = 0; i < nf && i < 4; i++) {
        CHECK(d.runs[front[i]].setup == want[i][0]);
        CHECK(d.runs[front[i]].repeat == want[i][1]);
    }
    CHECK(pt_report_pareto(&d, &d.regimes[0], front, 2) == 2); /* at most max */
    pt_report_options o;
    pt_report_options_init(&o);
    pt_report_tables *ts = calloc(1, sizeof *ts);
    pt_report_tables_build(ts, &d, &o);
    const pt_table *runs = pt_report_table_find(ts, "runs");
    CHECK(runs != NULL);
    CHECK_CONTAINS(cell_s(runs, runs_row(runs, 1, 1), "end_reason"), "stuck at chance");
    CHECK(!strcmp(cell_s(runs, runs_row(runs, 1, 1), "status"), "not_reached"));
    CHECK(!strcmp(cell_s(runs, runs_row(runs, 1, 2), "end_reason"), "loss is not finite"));
    CHECK(!strcmp(cell_s(runs, runs_row(runs, 1, 2), "status"), "diverged"));
    CHECK(!strcmp(cell_s(runs, runs_row(runs, 3, 2), "end_reason"), "out of memory"));
    CHECK(!strcmp(cell_s(runs, runs_row(runs, 3, 2), "status"), "failed"));
    /* the paper's extreme-lr row counts the stuck and the diverged */
    const pt_table *cmp = pt_report_table_find(ts, "paper-vs-run");
    CHECK(cmp && cmp->nrows == 6);
    CHECK_CONTAINS(cell_s(cmp, 2, "ours"), "lr 0.1: 0 of 2 reached (1 stuck at chance, 1 diverged)");
    CHECK(!strcmp(cell_s(cmp, 2, "verdict"), "agree"));
    CHECK(!strcmp(cell_s(cmp, 0, "verdict"), "not comparable")); /* one batch size */
    CHECK_CONTAINS(cell_s(cmp, 0, "reason"), "fewer than two batch sizes");
    /* spread: setup 2's totals 1000-1500 J over n=2 */
    const pt_table *su = pt_report_table_find(ts, "regime-setups-1");
    CHECK(cell_v(su, 1, "setup") == 2 && cell_v(su, 1, "total_energy_min_j") == 1000 &&
          cell_v(su, 1, "total_energy_max_j") == 1500 && cell_v(su, 1, "runs") == 2);
    pt_report_tables_free(ts);
    free(ts);
    /* the files: the front drawn and named, no nan anywhere a person reads */
    char out[300], file[400], err[512], names[4096];
    snprintf(out, sizeof out, "%s/ends-out", dir);
    o.out_dir = out;
    CHECK(pt_report_write(&d, &o, names, sizeof names, err, sizeof err) == 0);
    snprintf(file, sizeof file, "%s/pareto-1.svg", out);
    char *svg = slurp(file);
    CHECK(svg != NULL);
    if (svg) {
        CHECK_CONTAINS(svg, "class=\"front\"");
        CHECK_CONTAINS(svg, "setup 4 r1 (batch 64, lr 0.0001)");
        CHECK(!strstr(svg, "setup 2 r1 ("));  /* dominated: not named */
        CHECK(!strstr(svg, "setup 1 r1 ("));
    }
    free(svg);
    static const char *files[] = {"report.html", "runs.csv", "report.json", "summary.md", "paper-vs-run.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(file, sizeof file, "%s/%s", out, files[i]);
        char *txt = slurp(file);
        CHECK(txt != NULL);
        if (txt && (strstr(txt, "nan") || strstr(txt, "NaN") || strstr(txt, "undefined"))) {
            fprintf(stderr, "%s reads nan\n", files[i]);
            CHECK(0);
        }
        free(txt);
    }
    snprintf(file, sizeof file, "%s/report.html", out);
    char *html = slurp(file);
    if (html) { /* the paper section comes first; an unreached run says so */
        const char *p = strstr(html, "<h2>Paper vs this run</h2>"), *r = strstr(html, "<h2>Training regime summary");
        CHECK(p && r && p < r);
        CHECK_CONTAINS(html, "<td class=\"n\">not reached</td>");
        CHECK_CONTAINS(html, "stuck at chance (best val acc 0.100");
    }
    free(html);
    pt_report_data_free(&d);
}

/* FIX_FULL: every finding of the paper compared, each agreeing (the fixture's
   numbers: batch x4 vs lr x1, best 700 J vs worst 8800 J to target, lr 0.0001
   reaches less often, frozen 31.25 % less, break-even 5.77, multitask 110 J per
   epoch in 3 vs 15 and 6 epochs); the hosts table one row per source config;
   FIX_FAILED: rows without their study say how to run it */
static void test_paper_vs_run(void) {
    pt_report_data d;
    if (!load_fixture("cmp.db", FIX_FULL, &d)) return;
    pt_report_options o;
    pt_report_options_init(&o);
    pt_report_tables *ts = calloc(1, sizeof *ts);
    pt_report_tables_build(ts, &d, &o);
    CHECK(ts->n > 0 && !strcmp(ts->t[0].id, "paper-vs-run")); /* the first table */
    const pt_table *cmp = pt_report_table_find(ts, "paper-vs-run");
    CHECK(cmp && cmp->nrows == 6);
    for (int r = 0; cmp && r < cmp->nrows; r++) {
        CHECK(!strcmp(cell_s(cmp, r, "verdict"), "agree"));
        if (strcmp(cell_s(cmp, r, "verdict"), "agree")) fprintf(stderr, "row %d: %s\n", r, cell_s(cmp, r, "reason"));
        CHECK(cell_s(cmp, r, "paper")[0] && cell_s(cmp, r, "ours")[0] && cell_s(cmp, r, "spread")[0]);
    }
    CHECK_CONTAINS(cell_s(cmp, 0, "reason"), "x4.00");
    CHECK_CONTAINS(cell_s(cmp, 1, "ours"), "92% less");
    CHECK_CONTAINS(cell_s(cmp, 1, "spread"), "best: 194 mWh (n=1); worst: 2.44 Wh (n=1)");
    CHECK_CONTAINS(cell_s(cmp, 3, "ours"), "31.2% less");
    CHECK_CONTAINS(cell_s(cmp, 3, "spread"), "frozen: 27.8 mWh to 139 mWh (n=4); unfrozen: 55.6 mWh to 167 mWh (n=4)");
    CHECK_CONTAINS(cell_s(cmp, 4, "ours"), "average: 5.77");
    CHECK_CONTAINS(cell_s(cmp, 5, "spread"), "both: 2 to 4 epochs (n=2)");
    const pt_table *h = pt_report_table_find(ts, "measurement-hosts");
    CHECK(h && h->nrows == 2);
    CHECK(!strcmp(cell_s(h, 0, "studies"), "1, 2") && cell_v(h, 0, "runs") == 50);
    CHECK(!strcmp(cell_s(h, 1, "studies"), "3") && cell_v(h, 1, "runs") == 6);
    pt_report_tables_free(ts);
    pt_report_data_free(&d);
    if (!load_fixture("cmpf.db", FIX_FAILED, &d)) return free(ts);
    pt_report_tables_build(ts, &d, &o);
    cmp = pt_report_table_find(ts, "paper-vs-run");
    for (int r = 3; cmp && r < 6; r++) {
        CHECK(!strcmp(cell_s(cmp, r, "verdict"), "not comparable"));
        CHECK_CONTAINS(cell_s(cmp, r, "reason"), "to run it: powertrain synth");
    }
    CHECK(!strcmp(cell_s(cmp, 1, "verdict"), "not comparable"));
    pt_report_tables_free(ts);
    free(ts);
    pt_report_data_free(&d);
}

/* ---- job energy (issue 18): contaminated runs and disagreeing repeats, marked -------- */

/* run (setup, rep) of a hand-made store: `epochs` epochs of machine energy ej, the job's
   0.8 ej (cpu-share); `dirty` of them contaminated (others 37% of the CPU) */
static int cx_run(pt_store *st, int64_t sid, int setup, int bs, double lr, int rep, const char *phase, int frozen,
                  int epochs, double ej, int dirty) {
    char err[512];
    pt_run_info info = {.study_id = sid, .setup = setup, .batch_size = bs, .lr = lr, .repeat = rep,
                        .phase = phase, .frozen = frozen, .device = "cpu", .host = "node-7", .cpu = FIX_CPU,
                        .config_json = "{\"interval_ms\":100,\"idle_w\":20,\"contamination\":0.2}"};
    int64_t rid = pt_store_run_begin(st, &info, err, sizeof err);
    if (rid < 0) return -1;
    for (int e = 1; e <= epochs; e++) {
        pt_epoch_component c;
        memset(&c, 0, sizeof c);
        strcpy(c.name, "cpu");
        strcpy(c.source, "estimate");
        strcpy(c.method, "estimated");
        c.energy_j = ej, c.counter_j = c.eq1_j = NAN, c.mean_w = 30, c.peak_w = 40, c.samples = 40;
        c.job_j = 0.8 * ej;
        strcpy(c.attribution, "cpu-share");
        int d = e <= dirty;
        pt_epoch_row row = {.epoch = e, .seconds = 4, .train_loss = 1.0 / e, .val_loss = 1.1 / e,
                            .val_acc = 0.5 + 0.05 * e, .energy_j = ej, .eq1_j = NAN, .counter_j = NAN,
                            .method = "estimated", .job_j = 0.8 * ej, .other_cpu_share = d ? 0.37 : 0.02,
                            .contaminated = d, .attribution = "cpu-share", .ncomponents = 1, .components = &c};
        if (pt_store_epoch_add(st, rid, &row, err, sizeof err) != 0) return -1;
    }
    pt_run_result res = {.status = PT_RUN_DONE, .epochs = epochs, .best_val_acc = 0.9, .best_val_loss = 0.4,
                         .energy_j = epochs * ej, .energy_to_target_j = (epochs - 1) * ej, .method = "estimated",
                         .job_energy_j = 0.8 * epochs * ej, .job_energy_to_target_j = 0.8 * (epochs - 1) * ej,
                         .has_job = 1};
    return pt_store_run_finish(st, rid, &res, err, sizeof err);
}

/* A regime study (setups 1, 2 x 2 repeats) and a pretrain study (setup 1, four
   phases); dirty: setup 2 repeat 1 and the frozen run have 2 contaminated epochs
   each, and setup 1's repeats disagree (100 J and 250 J per epoch). */
static int cx_store(const char *path, int dirty) {
    char err[512];
    remove(path);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    if (!st) return -1;
    int64_t sid = pt_store_study_get(st, "regime", "fmnist", "quick", "{}", NULL, err, sizeof err);
    int rc = cx_run(st, sid, 1, 64, 0.1, 1, "train", 0, 5, 100, 0);
    if (rc == 0) rc = cx_run(st, sid, 1, 64, 0.1, 2, "train", 0, 5, dirty ? 250 : 110, 0);
    if (rc == 0) rc = cx_run(st, sid, 2, 64, 0.01, 1, "train", 0, 4, 120, dirty ? 2 : 0);
    if (rc == 0) rc = cx_run(st, sid, 2, 64, 0.01, 2, "train", 0, 4, 125, 0);
    sid = pt_store_study_get(st, "pretrain", "pamap2", "quick", "{}", NULL, err, sizeof err);
    static const char *phases[4] = {"pretrain", "frozen", "unfrozen", "baseline"};
    static const double ej[4] = {100, 20, 30, 70};
    for (int p = 0; p < 4 && rc == 0; p++)
        rc = cx_run(st, sid, 1, 64, 0.1, 1, phases[p], p == 1, 10, ej[p], dirty && p == 1 ? 2 : 0);
    pt_store_close(st);
    return rc;
}

/* the contents of file `name` of the report of store `db` written into `out` */
static char *cx_file(const char *out, const char *name) {
    char file[512];
    snprintf(file, sizeof file, "%s/%s", out, name);
    return slurp(file);
}

static int cx_report(const char *db, const char *out, pt_report_data *d) {
    char err[512], names[4096];
    pt_store *st = pt_store_open(db, 0, err, sizeof err);
    if (!st) return -1;
    int rc = pt_report_load(st, 0, d, err, sizeof err);
    pt_store_close(st);
    if (rc != 0) return -1;
    pt_report_options o;
    pt_report_options_init(&o);
    o.out_dir = out;
    return pt_report_write(d, &o, names, sizeof names, err, sizeof err);
}

/* each figure and the headline: the marks exactly when a run has contaminated epochs */
static void cx_check_files(const char *out, int dirty) {
    static const char *figs[4] = {"fig3-1.svg", "fig4-1.svg", "pareto-1.svg", "fig5-1.svg"};
    for (int i = 0; i < 4; i++) {
        char *svg = cx_file(out, figs[i]);
        CHECK(svg != NULL);
        if (!svg) continue;
        CHECK((strstr(svg, "class=\"contaminated\"") != NULL) == dirty);
        CHECK((strstr(svg, "contaminated: other processes") != NULL) == dirty);
        if (dirty && i < 3) CHECK_CONTAINS(svg, "contaminated: other processes used &gt;20% of the CPU");
        if (i < 2) CHECK((strstr(svg, "class=\"disagree\"") != NULL) == dirty); /* fig. 3 and 4 */
        free(svg);
    }
    char *html = cx_file(out, "report.html"), *md = cx_file(out, "summary.md"), *json = cx_file(out, "report.json");
    CHECK(html && md && json);
    if (html && md && json) {
        CHECK((strstr(html, "id=\"headline-warning\"") != NULL) == dirty);
        CHECK((strstr(md, "**Warning:** 2 runs were (4 epochs) contaminated") != NULL) == dirty);
        CHECK((strstr(json, "\"contaminated_runs\":2,\"contaminated_epochs\":4") != NULL) == dirty);
        CHECK((strstr(json, "\"warning\":null") != NULL) == !dirty);
        CHECK_CONTAINS(html, "compares the job's energy");
        CHECK_CONTAINS(md, "compares the job's energy");
        if (dirty) {
            CHECK_CONTAINS(html, "more than 20% of the machine's CPU");
            CHECK_CONTAINS(md, "1 setup whose repeats disagree by more than 1.5x");
        }
        /* the heading comes first: the warning before the methods box */
        char *w = strstr(html, "headline-warning"), *m = strstr(html, "Energy methods:");
        if (dirty) CHECK(w && m && w < m);
    }
    free(html), free(md), free(json);
}

static void test_contamination(void) {
    for (int dirty = 0; dirty <= 1; dirty++) {
        char db[256], out[256];
        snprintf(db, sizeof db, "%s/cx%d.db", dir, dirty);
        snprintf(out, sizeof out, "%s/cx%d", dir, dirty);
        CHECK(cx_store(db, dirty) == 0);
        pt_report_data d;
        if (cx_report(db, out, &d) != 0) {
            CHECK(0);
            continue;
        }
        CHECK(d.ncontaminated == 2 * dirty);
        CHECK(d.ncontaminated_epochs == 4 * dirty);
        CHECK(d.ndisagree == dirty);
        CHECK_NEAR(d.contamination_pct, dirty ? 20 : 10, 1e-9, 1e-9);
        CHECK(d.nregimes == 1 && d.npretrains == 1);
        if (d.nregimes == 1) {
            const pt_report_setup *s1 = setup_of(&d.regimes[0], 1), *s2 = setup_of(&d.regimes[0], 2);
            CHECK(s1 && s2);
            if (s1 && s2) {
                CHECK(s2->ncontaminated == dirty && s1->ncontaminated == 0);
                CHECK(isfinite(s1->disagree_epoch) == dirty && isnan(s2->disagree_epoch));
                if (dirty) CHECK_NEAR(s1->disagree_epoch, 2.5, 1e-9, 1e-9);
                CHECK_NEAR(s1->epoch_j, dirty ? 0.8 * 175 : 0.8 * 105, 1e-9, 1e-9); /* the job's energy */
            }
        }
        if (d.npretrains == 1) CHECK(d.pretrains[0].ncontaminated == dirty);
        pt_report_data_free(&d);
        cx_check_files(out, dirty);
        char *runs = cx_file(out, "runs.csv"), *setups = cx_file(out, "regime-setups-1.csv");
        CHECK(runs && setups);
        if (runs && setups) {
            CHECK_CONTAINS(runs, "machine_energy_j,attribution,contaminated_epochs\n");
            CHECK_CONTAINS(runs, dirty ? ",384,288,estimated,AMD EPYC 7B13,node-7,480,cpu-share,2\n"
                                   : ",384,288,estimated,AMD EPYC 7B13,node-7,480,cpu-share,0\n"); /* setup 2 r1 */
            CHECK_CONTAINS(setups, "contaminated_runs,repeats_disagree_x\n");
            CHECK_CONTAINS(setups, dirty ? ",estimated,0,2.5\n" : ",estimated,0,\n");
            CHECK_CONTAINS(setups, dirty ? ",estimated,1,\n" : ",estimated,0,\n");
        }
        free(runs), free(setups);
    }
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_formulas();
    test_numbers();
    test_write();
    test_tune();
    test_refusals();
    test_named_columns();
    test_ends_and_front();
    test_paper_vs_run();
    test_contamination();
    int rc = pt_test_finish("test_report");
    if (rc == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
