/* build.c -- every table of the report, built once from the analysed data
 * (regime setups and summary, break-even, Tables 2 and 3 with the paper's
 * numbers beside them, measurement, carbon, runs); the writers in write.c
 * turn each into HTML, Markdown, CSV and JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "report/report_tables.h"
#include "util/str.h"

static pt_table *add(pt_report_tables *ts, const char *id, const char *title, const char *caption, int section) {
    if (ts->n >= PT_REPORT_MAX_TABLES) return NULL;
    pt_table *t = &ts->t[ts->n];
    ts->section[ts->n] = section;
    ts->n++;
    pt_table_init(t, id, title, caption);
    return t;
}

static void group_title(char *buf, size_t n, const pt_report_data *d, int study, const char *hw) {
    const pt_report_study *s = &d->studies[study];
    snprintf(buf, n, "study %lld (%s, %s%s%s), %s", (long long)s->id, s->kind, s->dataset, s->preset[0] ? ", " : "",
             s->preset, hw);
}

static void regime_tables(pt_report_tables *ts, const pt_report_data *d) {
    char title[512], cap[160];
    pt_table *sum = add(ts, "regime-summary", "Training regime: best-to-worst ratio of total energy",
                        "mean total energy of the worst over the best setup, among setups with a run that ended done "
                        "(reached the threshold and stopped)",
                        PT_SEC_SUMMARY);
    if (sum) {
        pt_table_col(sum, "study_id", "study", PT_COL_INT);
        pt_table_col(sum, "dataset", "dataset", PT_COL_TEXT);
        pt_table_col(sum, "hardware", "hardware", PT_COL_TEXT);
        pt_table_col(sum, "method", "method", PT_COL_TEXT);
        pt_table_col(sum, "setups", "setups", PT_COL_INT);
        pt_table_col(sum, "setups_in_ratio", "setups done", PT_COL_INT);
        pt_table_col(sum, "best_setup", "best setup", PT_COL_INT);
        pt_table_col(sum, "best_total_j", "best: mean total", PT_COL_J);
        pt_table_col(sum, "worst_setup", "worst setup", PT_COL_INT);
        pt_table_col(sum, "worst_total_j", "worst: mean total", PT_COL_J);
        pt_table_col(sum, "best_to_worst_ratio", "worst / best", PT_COL_NUM);
    }
    for (int i = 0; i < d->nregimes; i++) {
        const pt_report_regime *g = &d->regimes[i];
        if (sum) {
            int r = pt_table_row(sum);
            pt_table_set(sum, r, 0, (double)d->studies[g->study].id);
            pt_table_set_s(sum, r, 1, d->studies[g->study].dataset);
            pt_table_set_s(sum, r, 2, g->hardware);
            pt_table_set_s(sum, r, 3, g->methods.label);
            pt_table_set(sum, r, 4, g->nsetups);
            pt_table_set(sum, r, 5, g->nratio);
            if (g->best >= 0) {
                pt_table_set(sum, r, 6, g->setups[g->best].setup);
                pt_table_set(sum, r, 7, g->setups[g->best].done_total_j);
                pt_table_set(sum, r, 8, g->setups[g->worst].setup);
                pt_table_set(sum, r, 9, g->setups[g->worst].done_total_j);
            }
            pt_table_set(sum, r, 10, g->ratio);
        }
        char id[48];
        snprintf(id, sizeof id, "regime-setups-%d", i + 1);
        group_title(title, sizeof title, d, g->study, g->hardware);
        char full[600];
        snprintf(full, sizeof full, "Setups of %s", title);
        pt_report_method_caption(&g->methods, cap, sizeof cap);
        char caption[512];
        snprintf(caption, sizeof caption,
                 "%s; energy per epoch: mean over runs of energy / epochs; total and epochs: mean of finished runs; "
                 "energy to target: mean of the runs that reached it; best and worst setups in bold",
                 cap);
        pt_table *t = add(ts, id, full, caption, PT_SEC_REGIME + i);
        if (!t) continue;
        pt_table_col(t, "setup", "setup", PT_COL_INT);
        pt_table_col(t, "batch_size", "batch size", PT_COL_INT);
        pt_table_col(t, "lr", "learning rate", PT_COL_LR);
        pt_table_col(t, "runs", "runs", PT_COL_INT);
        pt_table_col(t, "done", "done", PT_COL_INT);
        pt_table_col(t, "not_reached", "not reached", PT_COL_INT);
        pt_table_col(t, "diverged", "diverged", PT_COL_INT);
        pt_table_col(t, "failed", "failed", PT_COL_INT);
        pt_table_col(t, "running", "running", PT_COL_INT);
        pt_table_col(t, "epochs_mean", "epochs", PT_COL_NUM);
        pt_table_col(t, "energy_per_epoch_j", "energy / epoch", PT_COL_J);
        pt_table_col(t, "total_energy_j", "total energy", PT_COL_J);
        pt_table_col(t, "energy_to_target_j", "energy to target", PT_COL_J);
        pt_table_col(t, "method", "method", PT_COL_TEXT);
        for (int k = 0; k < g->nsetups; k++) {
            const pt_report_setup *su = &g->setups[k];
            int r = pt_table_row(t);
            pt_table_set(t, r, 0, su->setup);
            pt_table_set(t, r, 1, su->batch_size);
            pt_table_set(t, r, 2, su->lr);
            pt_table_set(t, r, 3, su->nruns);
            pt_table_set(t, r, 4, su->ndone);
            pt_table_set(t, r, 5, su->nnot_reached);
            pt_table_set(t, r, 6, su->ndiverged);
            pt_table_set(t, r, 7, su->nfailed);
            pt_table_set(t, r, 8, su->nrunning);
            pt_table_set(t, r, 9, su->epochs_mean);
            pt_table_set(t, r, 10, su->epoch_j);
            pt_table_set(t, r, 11, su->total_j);
            pt_table_set(t, r, 12, su->target_j);
            pt_report_methods m = {0};
            for (int j = 0; j < su->nrep; j++) pt_report_methods_add(&m, d->runs[su->runs[j]].method);
            pt_table_set_s(t, r, 13, m.label);
        }
        t->highlight[0] = g->best;
        t->highlight[1] = g->worst;
    }
}

static void pretrain_tables(pt_report_tables *ts, const pt_report_data *d) {
    char title[512], cap[160];
    int npaper;
    const pt_report_paper_row *paper = pt_report_paper(&npaper);
    for (int i = 0; i < d->npretrains; i++) {
        const pt_report_pretrain *g = &d->pretrains[i];
        char id[48], full[600], caption[1024];
        snprintf(id, sizeof id, "breakeven-%d", i + 1);
        group_title(title, sizeof title, d, g->study, g->hardware);
        snprintf(full, sizeof full, "Break-even (Equation 2) per setup, %s", title);
        pt_report_method_caption(&g->methods, cap, sizeof cap);
        snprintf(caption, sizeof caption,
                 "%s; x = E_enc / (E_enc+class - E_class) with E_enc the autoencoder pretraining, E_class the "
                 "classifier on the frozen pretrained encoder, E_enc+class the baseline from scratch (means of finished "
                 "runs); never = the denominator is not positive (inf in CSV, null in JSON); best and worst in "
                 "bold",
                 cap);
        pt_table *t = add(ts, id, full, caption, PT_SEC_PRETRAIN + i);
        if (!t) continue;
        pt_table_col(t, "setup", "setup", PT_COL_TEXT);
        pt_table_col(t, "batch_size", "batch size", PT_COL_INT);
        pt_table_col(t, "lr", "learning rate", PT_COL_LR);
        pt_table_col(t, "pretrain_j", "E_enc (pretraining)", PT_COL_J);
        pt_table_col(t, "frozen_j", "E_class (frozen)", PT_COL_J);
        pt_table_col(t, "unfrozen_j", "unfrozen", PT_COL_J);
        pt_table_col(t, "baseline_j", "E_enc+class (baseline)", PT_COL_J);
        pt_table_col(t, "break_even_cycles", "break-even (cycles)", PT_COL_X);
        pt_table_col(t, "pays_back", "pays back", PT_COL_TEXT);
        for (int k = 0; k <= g->nrows; k++) {
            const pt_report_breakeven *b = k < g->nrows ? &g->rows[k] : &g->avg;
            if (k == g->nrows && g->navg == 0) break;
            int r = pt_table_row(t);
            char sbuf[32];
            if (k < g->nrows) snprintf(sbuf, sizeof sbuf, "%d", b->setup);
            else snprintf(sbuf, sizeof sbuf, "average of %d", g->navg);
            pt_table_set_s(t, r, 0, sbuf);
            if (k < g->nrows) {
                pt_table_set(t, r, 1, b->batch_size);
                pt_table_set(t, r, 2, b->lr);
            }
            pt_table_set(t, r, 3, b->enc_j);
            pt_table_set(t, r, 4, b->class_j);
            pt_table_set(t, r, 5, b->unfrozen_j);
            pt_table_set(t, r, 6, b->base_j);
            pt_table_set(t, r, 7, b->x);
            pt_table_set_s(t, r, 8, isnan(b->x) ? "-" : isinf(b->x) ? "never" : "yes");
        }
        t->highlight[0] = g->best;
        t->highlight[1] = g->worst;
    }
    pt_table *t2 = add(ts, "table2", "Table 2: average energy with the pretrained encoder frozen or unfrozen (ours)",
                       "means over finished runs of all setups and repeats; savings = (unfrozen - frozen) / unfrozen",
                       PT_SEC_TABLE2);
    if (t2) {
        pt_table_col(t2, "study_id", "study", PT_COL_INT);
        pt_table_col(t2, "dataset", "dataset", PT_COL_TEXT);
        pt_table_col(t2, "hardware", "hardware", PT_COL_TEXT);
        pt_table_col(t2, "method", "method", PT_COL_TEXT);
        pt_table_col(t2, "unfrozen_runs", "unfrozen runs", PT_COL_INT);
        pt_table_col(t2, "unfrozen_mean_j", "unfreeze", PT_COL_J);
        pt_table_col(t2, "frozen_runs", "frozen runs", PT_COL_INT);
        pt_table_col(t2, "frozen_mean_j", "freeze", PT_COL_J);
        pt_table_col(t2, "savings_pct", "savings", PT_COL_PCT);
        for (int i = 0; i < d->npretrains; i++) {
            const pt_report_pretrain *g = &d->pretrains[i];
            int r = pt_table_row(t2);
            pt_table_set(t2, r, 0, (double)d->studies[g->study].id);
            pt_table_set_s(t2, r, 1, d->studies[g->study].dataset);
            pt_table_set_s(t2, r, 2, g->hardware);
            pt_table_set_s(t2, r, 3, g->methods.label);
            pt_table_set(t2, r, 4, g->nunfrozen);
            pt_table_set(t2, r, 5, g->unfrozen_j);
            pt_table_set(t2, r, 6, g->nfrozen);
            pt_table_set(t2, r, 7, g->frozen_j);
            pt_table_set(t2, r, 8, g->savings_pct);
        }
    }
    pt_table *p2 = add(ts, "table2-paper",
                       "Table 2 as printed in the paper (paper's hardware: H100/A100/RTX3090, GPU only, Equation 1)",
                       "the paper's rows as printed; its savings equal (larger - smaller) / larger while its text says "
                       "freezing saves energy, so the two rows appear swapped in print",
                       PT_SEC_TABLE2);
    if (p2) {
        pt_table_col(p2, "hardware", "paper's hardware", PT_COL_TEXT);
        pt_table_col(p2, "unfreeze_wh", "Unfreeze (Wh)", PT_COL_NUM);
        pt_table_col(p2, "freeze_wh", "Freeze (Wh)", PT_COL_NUM);
        pt_table_col(p2, "savings_pct", "Savings", PT_COL_PCT);
        for (int i = 0; i < npaper; i++) {
            int r = pt_table_row(p2);
            pt_table_set_s(p2, r, 0, paper[i].hardware);
            pt_table_set(p2, r, 1, paper[i].unfreeze_wh);
            pt_table_set(p2, r, 2, paper[i].freeze_wh);
            pt_table_set(p2, r, 3, paper[i].savings_pct);
        }
    }
}

static void multitask_tables(pt_report_tables *ts, const pt_report_data *d) {
    int npaper;
    const pt_report_paper_row *paper = pt_report_paper(&npaper);
    char caption[512] = "energy per epoch: mean over runs of energy / epochs; epochs: mean of finished runs";
    for (int i = 0; i < d->nmultitasks; i++) {
        char cap[160], part[200];
        pt_report_method_caption(&d->multitasks[i].methods, cap, sizeof cap);
        snprintf(part, sizeof part, "; study %lld: %s", (long long)d->studies[d->multitasks[i].study].id, cap);
        if (strlen(caption) + strlen(part) < sizeof caption) strcat(caption, part);
    }
    pt_table *t3 = add(ts, "table3", "Table 3: average energy per epoch and average number of epochs per type (ours)",
                       caption, PT_SEC_TABLE3);
    if (t3) {
        pt_table_col(t3, "study_id", "study", PT_COL_INT);
        pt_table_col(t3, "dataset", "dataset", PT_COL_TEXT);
        pt_table_col(t3, "hardware", "hardware", PT_COL_TEXT);
        pt_table_col(t3, "method", "method", PT_COL_TEXT);
        pt_table_col(t3, "encoder_weights", "encoder weights", PT_COL_TEXT);
        pt_table_col(t3, "type", "type", PT_COL_TEXT);
        pt_table_col(t3, "runs", "runs", PT_COL_INT);
        pt_table_col(t3, "energy_per_epoch_j", "energy / epoch", PT_COL_J);
        pt_table_col(t3, "epochs_mean", "epochs", PT_COL_NUM);
        static const char *names[3] = {"Attribute", "Identity", "Both"};
        for (int i = 0; i < d->nmultitasks; i++) {
            const pt_report_multitask *g = &d->multitasks[i];
            for (int k = 0; k < 3; k++) {
                int r = pt_table_row(t3);
                pt_table_set(t3, r, 0, (double)d->studies[g->study].id);
                pt_table_set_s(t3, r, 1, d->studies[g->study].dataset);
                pt_table_set_s(t3, r, 2, g->hardware);
                pt_table_set_s(t3, r, 3, g->methods.label);
                pt_table_set_s(t3, r, 4, g->encoder_weights[0] ? g->encoder_weights : "not recorded");
                pt_table_set_s(t3, r, 5, names[k]);
                pt_table_set(t3, r, 6, g->types[k].nruns);
                pt_table_set(t3, r, 7, g->types[k].epoch_j);
                pt_table_set(t3, r, 8, g->types[k].epochs);
            }
        }
    }
    pt_table *p3 = add(ts, "table3-paper",
                       "Table 3 as printed in the paper (paper's hardware: H100/A100/RTX3090, GPU only, Equation 1)",
                       "average energy per epoch (mWh) / average number of epochs", PT_SEC_TABLE3);
    if (p3) {
        pt_table_col(p3, "hardware", "paper's hardware", PT_COL_TEXT);
        pt_table_col(p3, "type", "type", PT_COL_TEXT);
        pt_table_col(p3, "energy_per_epoch_mwh", "energy / epoch (mWh)", PT_COL_NUM);
        pt_table_col(p3, "epochs", "epochs", PT_COL_INT);
        for (int i = 0; i < npaper; i++) {
            double e[3] = {paper[i].attr_mwh, paper[i].id_mwh, paper[i].both_mwh};
            int n[3] = {paper[i].attr_epochs, paper[i].id_epochs, paper[i].both_epochs};
            static const char *names[3] = {"Attribute", "Identity", "Both"};
            for (int k = 0; k < 3; k++) {
                int r = pt_table_row(p3);
                pt_table_set_s(p3, r, 0, paper[i].hardware);
                pt_table_set_s(p3, r, 1, names[k]);
                pt_table_set(p3, r, 2, e[k]);
                pt_table_set(p3, r, 3, n[k]);
            }
        }
    }
}

/* adds every method of a label ("counter, eq1") */
static void add_labels(pt_report_methods *m, const char *label) {
    for (const char *p = label; *p;) {
        char one[16];
        size_t n = strcspn(p, ",");
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        pt_report_methods_add(m, one);
        p += n;
        while (*p == ',' || *p == ' ') p++;
    }
}

/* the search section of each tune study: its figures (chosen setup, search
 * energy, grid, regret, savings), its setups and its probes */
static void tune_tables(pt_report_tables *ts, const pt_report_data *d) {
    for (int i = 0; i < d->ntunes; i++) {
        const pt_report_tune *g = &d->tunes[i];
        if (!g->has_search) continue;
        char id[48], title[512], full[700], cap[160], caption[512];
        group_title(title, sizeof title, d, g->study, g->hardware);
        pt_report_methods w = {0};
        pt_report_methods_add(&w, g->weakest);

        snprintf(id, sizeof id, "tune-figures-%d", i + 1);
        snprintf(full, sizeof full, "Search (powertrain tune): the figures of %s", title);
        snprintf(caption, sizeof caption,
                 "objective %s over %d repeats; value: the mean of the repeats' objective (energy to target, or the "
                 "run's energy when it ended done, or the cost); regret: the grid's own runs of the chosen setup vs "
                 "the grid's best; search / grid: the search's energy (probes included) over the grid's",
                 g->objective, g->repeats);
        pt_table *f = add(ts, id, full, caption, PT_SEC_TUNE + i);
        if (f) {
            pt_table_col(f, "figure", "figure", PT_COL_TEXT);
            pt_table_col(f, "setup", "setup", PT_COL_INT);
            pt_table_col(f, "batch_size", "batch size", PT_COL_INT);
            pt_table_col(f, "lr", "learning rate", PT_COL_LR);
            pt_table_col(f, "value_j", "value", PT_COL_J);
            pt_table_col(f, "energy_to_target_j", "energy to target", PT_COL_J);
            pt_table_col(f, "pct", "%", PT_COL_PCT);
            pt_table_col(f, "method", "method", PT_COL_TEXT);
            if (g->chosen >= 0) {
                const pt_report_tune_setup *c = &g->setups[g->chosen];
                int r = pt_table_row(f);
                pt_table_set_s(f, r, 0, g->cost_unknown ? "chosen setup (value needs P_max: see tune's output)"
                                                        : "chosen setup");
                pt_table_set(f, r, 1, c->setup);
                pt_table_set(f, r, 2, c->batch_size);
                pt_table_set(f, r, 3, c->lr);
                pt_table_set(f, r, 4, g->chosen_value);
                pt_table_set(f, r, 5, c->target_j);
                pt_report_method_caption(&c->methods, cap, sizeof cap);
                pt_table_set_s(f, r, 7, cap);
            } else {
                int r = pt_table_row(f);
                pt_table_set_s(f, r, 0, g->cost_unknown ? "chosen setup: needs P_max (see tune's output)"
                                                        : "chosen setup: none reached the target");
            }
            int r = pt_table_row(f);
            pt_table_set_s(f, r, 0, "search energy (probes and runs)");
            pt_table_set(f, r, 4, g->search_j);
            pt_report_method_caption(&w, cap, sizeof cap);
            char m2[256];
            if (g->methods.mixed) snprintf(m2, sizeof m2, "%s, the weakest of %s", cap, g->methods.label);
            else snprintf(m2, sizeof m2, "%s", cap);
            pt_table_set_s(f, r, 7, m2);
            if (g->nprobes) {
                r = pt_table_row(f);
                pt_table_set_s(f, r, 0, "search energy: probes");
                pt_table_set(f, r, 4, g->probe_j);
                pt_report_methods pm = {0};
                for (int k = 0; k < g->nprobes; k++) pt_report_methods_add(&pm, g->probes[k].method);
                pt_report_method_caption(&pm, cap, sizeof cap);
                pt_table_set_s(f, r, 7, cap);
            }
            if (g->grid_id > 0) {
                pt_report_method_caption(&g->grid_methods, cap, sizeof cap);
                char name[96];
                snprintf(name, sizeof name, "grid energy (regime study %lld, %d runs)", (long long)g->grid_id,
                         g->grid_nruns);
                r = pt_table_row(f);
                pt_table_set_s(f, r, 0, name);
                pt_table_set(f, r, 4, g->grid_j);
                pt_table_set_s(f, r, 7, cap);
                r = pt_table_row(f);
                pt_table_set_s(f, r, 0, "grid best setup");
                if (g->grid_best >= 0) {
                    pt_table_set(f, r, 1, g->grid_setups[g->grid_best].setup);
                    pt_table_set(f, r, 2, g->grid_setups[g->grid_best].batch_size);
                    pt_table_set(f, r, 3, g->grid_setups[g->grid_best].lr);
                    pt_table_set(f, r, 4, g->grid_best_value);
                    if (g->obj == PT_REPORT_OBJ_ENERGY_TO_TARGET || g->obj == PT_REPORT_OBJ_COST)
                        pt_table_set(f, r, 5, g->grid_setups[g->grid_best].mean_e);
                }
                pt_table_set_s(f, r, 7, cap);
                if (g->chosen >= 0) {
                    r = pt_table_row(f);
                    pt_table_set_s(f, r, 0, "grid value of the chosen setup");
                    pt_table_set(f, r, 1, g->setups[g->chosen].setup);
                    pt_table_set(f, r, 2, g->setups[g->chosen].batch_size);
                    pt_table_set(f, r, 3, g->setups[g->chosen].lr);
                    pt_table_set(f, r, 4, g->grid_chosen_value);
                    pt_table_set_s(f, r, 7, cap);
                    r = pt_table_row(f);
                    pt_table_set_s(f, r, 0, "regret");
                    pt_table_set(f, r, 6, g->regret_pct);
                    pt_table_set_s(f, r, 7, cap);
                }
                pt_report_methods both = g->grid_methods;
                add_labels(&both, g->methods.label);
                pt_report_method_caption(&both, cap, sizeof cap);
                r = pt_table_row(f);
                pt_table_set_s(f, r, 0, "search energy / grid energy");
                pt_table_set(f, r, 6, g->savings_pct);
                pt_table_set_s(f, r, 7, cap);
            } else {
                r = pt_table_row(f);
                pt_table_set_s(f, r, 0, "grid: no regime study of this configuration in the store");
            }
        }

        snprintf(id, sizeof id, "tune-setups-%d", i + 1);
        snprintf(full, sizeof full, "Search (powertrain tune): the setups of %s", title);
        pt_report_methods sm = {0};
        for (int k = 0; k < g->nsetups; k++) add_labels(&sm, g->setups[k].methods.label);
        pt_report_method_caption(&sm, cap, sizeof cap);
        snprintf(caption, sizeof caption,
                 "%s; evaluated: every repeat has a value; pruned: stopped by the search, its value unknown; "
                 "infeasible: a run ended without reaching the target; halved: fewer runs than repeats; value: the "
                 "mean objective of its runs when all have one; energy to target: mean of the runs that reached it; "
                 "the chosen setup in bold",
                 cap);
        pt_table *t = add(ts, id, full, caption, PT_SEC_TUNE + i);
        if (t) {
            pt_table_col(t, "setup", "setup", PT_COL_INT);
            pt_table_col(t, "batch_size", "batch size", PT_COL_INT);
            pt_table_col(t, "lr", "learning rate", PT_COL_LR);
            pt_table_col(t, "state", "state", PT_COL_TEXT);
            pt_table_col(t, "value_j", "value", PT_COL_J);
            pt_table_col(t, "energy_to_target_j", "energy to target", PT_COL_J);
            pt_table_col(t, "spent_j", "energy spent", PT_COL_J);
            pt_table_col(t, "runs", "runs", PT_COL_INT);
            pt_table_col(t, "epochs", "epochs", PT_COL_INT);
            pt_table_col(t, "method", "method", PT_COL_TEXT);
            for (int k = 0; k < g->nsetups; k++) {
                const pt_report_tune_setup *su = &g->setups[k];
                int r = pt_table_row(t);
                pt_table_set(t, r, 0, su->setup);
                pt_table_set(t, r, 1, su->batch_size);
                pt_table_set(t, r, 2, su->lr);
                pt_table_set_s(t, r, 3, su->state);
                pt_table_set(t, r, 4, su->value);
                pt_table_set(t, r, 5, su->target_j);
                pt_table_set(t, r, 6, su->spent_j);
                pt_table_set(t, r, 7, su->nruns);
                pt_table_set(t, r, 8, su->epochs);
                pt_table_set_s(t, r, 9, su->nruns ? su->methods.label : "-");
            }
            t->highlight[0] = g->chosen;
        }

        snprintf(id, sizeof id, "tune-probes-%d", i + 1);
        snprintf(full, sizeof full, "Search (powertrain tune): the probes of %s", title);
        pt_report_methods pm = {0};
        for (int k = 0; k < g->nprobes; k++) pt_report_methods_add(&pm, g->probes[k].method);
        pt_report_method_caption(&pm, cap, sizeof cap);
        snprintf(caption, sizeof caption,
                 "%s; a few training steps per batch size that order the search; J / step = the probe's energy / its "
                 "steps",
                 cap);
        pt_table *p = g->nprobes ? add(ts, id, full, caption, PT_SEC_TUNE + i) : NULL;
        if (p) {
            pt_table_col(p, "batch_size", "batch size", PT_COL_INT);
            pt_table_col(p, "steps", "steps", PT_COL_INT);
            pt_table_col(p, "seconds", "seconds", PT_COL_NUM);
            pt_table_col(p, "energy_j", "energy", PT_COL_J);
            pt_table_col(p, "j_per_step", "J / step", PT_COL_NUM);
            pt_table_col(p, "status", "status", PT_COL_TEXT);
            pt_table_col(p, "method", "method", PT_COL_TEXT);
            for (int k = 0; k < g->nprobes; k++) {
                const pt_report_probe *pr = &g->probes[k];
                int r = pt_table_row(p);
                pt_table_set(p, r, 0, pr->batch_size);
                pt_table_set(p, r, 1, pr->steps);
                pt_table_set(p, r, 2, pr->seconds);
                pt_table_set(p, r, 3, pr->energy_j);
                pt_table_set(p, r, 4, pr->j_per_step);
                pt_table_set_s(p, r, 5, pr->status);
                pt_table_set_s(p, r, 6, pr->method);
            }
        }
    }
}

static void measurement_tables(pt_report_tables *ts, const pt_report_data *d) {
    pt_table *t = add(ts, "measurement-components", "Measurement: energy per component and method",
                      "summed over every stored epoch; counter - eq1: relative difference of the hardware counter and "
                      "Equation (1) (mean sampled power x duration) over the epochs that have both",
                      PT_SEC_MEASURE);
    if (t) {
        pt_table_col(t, "study_id", "study", PT_COL_INT);
        pt_table_col(t, "component", "component", PT_COL_TEXT);
        pt_table_col(t, "source", "source", PT_COL_TEXT);
        pt_table_col(t, "method", "method", PT_COL_TEXT);
        pt_table_col(t, "epochs", "epochs", PT_COL_INT);
        pt_table_col(t, "degraded_epochs", "degraded", PT_COL_INT);
        pt_table_col(t, "samples", "samples", PT_COL_INT);
        pt_table_col(t, "energy_j", "energy", PT_COL_J);
        pt_table_col(t, "counter_j", "counter", PT_COL_J);
        pt_table_col(t, "eq1_j", "eq1", PT_COL_J);
        pt_table_col(t, "counter_minus_eq1_pct", "counter - eq1", PT_COL_PCT);
        pt_table_col(t, "mean_w", "mean W", PT_COL_NUM);
        pt_table_col(t, "peak_w", "peak W", PT_COL_NUM);
        for (int i = 0; i < d->ncomps; i++) {
            const pt_report_component *c = &d->comps[i];
            int r = pt_table_row(t);
            pt_table_set(t, r, 0, (double)c->study_id);
            pt_table_set_s(t, r, 1, c->component);
            pt_table_set_s(t, r, 2, c->source);
            pt_table_set_s(t, r, 3, c->method);
            pt_table_set(t, r, 4, c->epochs);
            pt_table_set(t, r, 5, c->degraded_epochs);
            pt_table_set(t, r, 6, (double)c->samples);
            pt_table_set(t, r, 7, c->energy_j);
            pt_table_set(t, r, 8, c->counter_j);
            pt_table_set(t, r, 9, c->eq1_j);
            pt_table_set(t, r, 10,
                         c->nboth > 0 && c->both_counter_j != 0
                             ? 100.0 * (c->both_counter_j - c->both_eq1_j) / c->both_counter_j
                             : NAN);
            pt_table_set(t, r, 11, c->mean_w);
            pt_table_set(t, r, 12, c->peak_w);
        }
    }
    pt_table *h = add(ts, "measurement-hosts", "Measurement: hosts, hardware, sampling and versions of the runs",
                      "sampling interval, update period (how often the readings change), idle baseline and versions "
                      "come from runs.config_json where the study recorded them",
                      PT_SEC_MEASURE);
    if (!h) return;
    pt_table_col(h, "study_id", "study", PT_COL_INT);
    pt_table_col(h, "runs", "runs", PT_COL_INT);
    pt_table_col(h, "host", "host", PT_COL_TEXT);
    pt_table_col(h, "device", "device", PT_COL_TEXT);
    pt_table_col(h, "cpu", "CPU", PT_COL_TEXT);
    pt_table_col(h, "gpu", "GPU", PT_COL_TEXT);
    pt_table_col(h, "interval_ms", "interval (ms)", PT_COL_NUM);
    pt_table_col(h, "update_period_s", "update period (s)", PT_COL_NUM);
    pt_table_col(h, "idle_w", "idle (W)", PT_COL_NUM);
    pt_table_col(h, "versions", "versions", PT_COL_TEXT);
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *a = &d->runs[i];
        int seen = -1;
        for (int j = 0; j < i && seen < 0; j++) {
            const pt_report_run *b = &d->runs[j];
            if (a->study_id == b->study_id && !strcmp(a->host, b->host) && !strcmp(a->device, b->device) &&
                !strcmp(a->cpu, b->cpu) && !strcmp(a->gpu, b->gpu) && !strcmp(a->versions, b->versions) &&
                ((isnan(a->interval_ms) && isnan(b->interval_ms)) || a->interval_ms == b->interval_ms) &&
                ((isnan(a->update_period_s) && isnan(b->update_period_s)) || a->update_period_s == b->update_period_s) &&
                ((isnan(a->idle_w) && isnan(b->idle_w)) || a->idle_w == b->idle_w))
                seen = j;
        }
        if (seen >= 0) {
            /* count it on the row that has it */
            for (int r = 0; r < h->nrows; r++) {
                pt_cell *c = &h->cells[(size_t)r * (size_t)h->ncols];
                if (c[0].v == (double)a->study_id && c[2].s && !strcmp(c[2].s, a->host[0] ? a->host : "-") &&
                    c[3].s && !strcmp(c[3].s, a->device[0] ? a->device : "-") && c[4].s &&
                    !strcmp(c[4].s, a->cpu[0] ? a->cpu : "-") && c[5].s && !strcmp(c[5].s, a->gpu[0] ? a->gpu : "-") &&
                    c[9].s && !strcmp(c[9].s, a->versions[0] ? a->versions : "not recorded") &&
                    ((isnan(c[6].v) && isnan(a->interval_ms)) || c[6].v == a->interval_ms) &&
                    ((isnan(c[7].v) && isnan(a->update_period_s)) || c[7].v == a->update_period_s) &&
                    ((isnan(c[8].v) && isnan(a->idle_w)) || c[8].v == a->idle_w)) {
                    c[1].v += 1;
                    break;
                }
            }
            continue;
        }
        int r = pt_table_row(h);
        pt_table_set(h, r, 0, (double)a->study_id);
        pt_table_set(h, r, 1, 1);
        pt_table_set_s(h, r, 2, a->host[0] ? a->host : "-");
        pt_table_set_s(h, r, 3, a->device[0] ? a->device : "-");
        pt_table_set_s(h, r, 4, a->cpu[0] ? a->cpu : "-");
        pt_table_set_s(h, r, 5, a->gpu[0] ? a->gpu : "-");
        pt_table_set(h, r, 6, a->interval_ms);
        pt_table_set(h, r, 7, a->update_period_s);
        pt_table_set(h, r, 8, a->idle_w);
        pt_table_set_s(h, r, 9, a->versions[0] ? a->versions : "not recorded");
    }
}

static void carbon_tables(pt_report_tables *ts, const pt_report_data *d, const pt_report_options *o) {
    char cap[160], caption[512];
    pt_report_method_caption(&d->total_methods, cap, sizeof cap);
    snprintf(caption, sizeof caption,
             "g CO2e = kWh x PUE x grid intensity; energy of every run in this report (%s); PUE %.2f", cap, o->pue);
    pt_table *s = add(ts, "carbon-summary", "Carbon: total energy and its emissions", caption, PT_SEC_CARBON);
    if (s) {
        pt_table_col(s, "basis", "intensity", PT_COL_TEXT);
        pt_table_col(s, "energy_j", "energy", PT_COL_J);
        pt_table_col(s, "pue", "PUE", PT_COL_NUM);
        pt_table_col(s, "facility_energy_j", "energy x PUE", PT_COL_J);
        pt_table_col(s, "g_per_kwh", "g CO2e / kWh", PT_COL_NUM);
        pt_table_col(s, "g_co2e", "g CO2e", PT_COL_NUM);
        pt_table_col(s, "car_km", "km by car", PT_COL_NUM);
        pt_table_col(s, "phone_charges", "phone charges", PT_COL_NUM);
        double g = NAN;
        char basis[128] = "none chosen (see the table by country)";
        const pt_carbon_region *reg = pt_carbon_find(o->region);
        if (isfinite(o->intensity)) {
            g = o->intensity;
            snprintf(basis, sizeof basis, "given: %g g/kWh", o->intensity);
        } else if (reg) {
            g = reg->g_per_kwh;
            snprintf(basis, sizeof basis, "%s (%s), 2023 average", reg->name, reg->code);
        }
        int r = pt_table_row(s);
        pt_table_set_s(s, r, 0, basis);
        pt_table_set(s, r, 1, d->total_j);
        pt_table_set(s, r, 2, o->pue);
        pt_table_set(s, r, 3, d->total_j * o->pue);
        pt_table_set(s, r, 4, g);
        double grams = pt_carbon_grams(d->total_j, o->pue, g);
        pt_table_set(s, r, 5, grams);
        pt_table_set(s, r, 6, grams / pt_carbon_car_g_per_km);
        pt_table_set(s, r, 7, d->total_j * o->pue / 3600.0 / pt_carbon_phone_charge_wh);
    }
    pt_table *t = add(ts, "carbon-by-country", "Carbon: the same energy on the average grid of each country", pt_carbon_source,
                      PT_SEC_CARBON);
    if (!t) return;
    pt_table_col(t, "code", "code", PT_COL_TEXT);
    pt_table_col(t, "region", "country", PT_COL_TEXT);
    pt_table_col(t, "g_per_kwh", "g CO2e / kWh (2023)", PT_COL_NUM);
    pt_table_col(t, "g_co2e", "g CO2e", PT_COL_NUM);
    pt_table_col(t, "car_km", "km by car", PT_COL_NUM);
    int n;
    const pt_carbon_region *regs = pt_carbon_regions(&n);
    for (int i = 0; i < n; i++) {
        int r = pt_table_row(t);
        double grams = pt_carbon_grams(d->total_j, o->pue, regs[i].g_per_kwh);
        pt_table_set_s(t, r, 0, regs[i].code);
        pt_table_set_s(t, r, 1, regs[i].name);
        pt_table_set(t, r, 2, regs[i].g_per_kwh);
        pt_table_set(t, r, 3, grams);
        pt_table_set(t, r, 4, grams / pt_carbon_car_g_per_km);
        if (o->region && pt_carbon_find(o->region) == &regs[i]) t->highlight[0] = r;
    }
}

static void runs_table(pt_report_tables *ts, const pt_report_data *d) {
    pt_table *t = add(ts, "runs", "Every run in the store",
                      "energy_j is the figure of the run's method; NULL/empty where not recorded", PT_SEC_RUNS);
    if (!t) return;
    pt_table_col(t, "run_id", "run", PT_COL_INT);
    pt_table_col(t, "study_id", "study", PT_COL_INT);
    pt_table_col(t, "setup", "setup", PT_COL_INT);
    pt_table_col(t, "batch_size", "batch size", PT_COL_INT);
    pt_table_col(t, "lr", "lr", PT_COL_LR);
    pt_table_col(t, "repeat", "repeat", PT_COL_INT);
    pt_table_col(t, "phase", "phase", PT_COL_TEXT);
    pt_table_col(t, "frozen", "frozen", PT_COL_INT);
    pt_table_col(t, "status", "status", PT_COL_TEXT);
    pt_table_col(t, "epochs", "epochs", PT_COL_INT);
    pt_table_col(t, "best_val_acc", "best val. acc.", PT_COL_NUM);
    pt_table_col(t, "energy_j", "energy", PT_COL_J);
    pt_table_col(t, "energy_to_target_j", "to target", PT_COL_J);
    pt_table_col(t, "method", "method", PT_COL_TEXT);
    pt_table_col(t, "hardware", "hardware", PT_COL_TEXT);
    pt_table_col(t, "host", "host", PT_COL_TEXT);
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *a = &d->runs[i];
        int r = pt_table_row(t);
        pt_table_set(t, r, 0, (double)a->id);
        pt_table_set(t, r, 1, (double)a->study_id);
        pt_table_set(t, r, 2, a->setup);
        pt_table_set(t, r, 3, a->batch_size);
        pt_table_set(t, r, 4, a->lr);
        pt_table_set(t, r, 5, a->repeat);
        pt_table_set_s(t, r, 6, a->phase);
        pt_table_set(t, r, 7, a->frozen);
        pt_table_set_s(t, r, 8, a->status);
        pt_table_set(t, r, 9, a->epochs);
        pt_table_set(t, r, 10, a->best_val_acc);
        pt_table_set(t, r, 11, a->energy_j);
        pt_table_set(t, r, 12, a->energy_to_target_j);
        pt_table_set_s(t, r, 13, a->method);
        pt_table_set_s(t, r, 14, a->hardware);
        pt_table_set_s(t, r, 15, a->host[0] ? a->host : "-");
    }
}

void pt_report_tables_build(pt_report_tables *ts, const pt_report_data *d, const pt_report_options *o) {
    memset(ts, 0, sizeof *ts);
    if (d->nregimes) regime_tables(ts, d);
    if (d->npretrains) pretrain_tables(ts, d);
    if (d->nmultitasks) multitask_tables(ts, d);
    if (d->ntunes) tune_tables(ts, d);
    measurement_tables(ts, d);
    carbon_tables(ts, d, o);
    runs_table(ts, d);
}

void pt_report_tables_free(pt_report_tables *ts) {
    for (int i = 0; i < ts->n; i++) pt_table_free(&ts->t[i]);
    ts->n = 0;
}

const pt_table *pt_report_table_find(const pt_report_tables *ts, const char *id) {
    for (int i = 0; i < ts->n; i++)
        if (!strcmp(ts->t[i].id, id)) return &ts->t[i];
    return NULL;
}
