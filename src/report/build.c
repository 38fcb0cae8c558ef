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

/* The columns of every table: an enum names each column, its array (indexed by
 * the enum) gives the JSON/CSV name, the header and the kind. A column is added
 * in one place: its enum line and its array line. */
enum {
    REG_SUM_STUDY_ID, REG_SUM_DATASET, REG_SUM_HARDWARE, REG_SUM_METHOD, REG_SUM_SETUPS, REG_SUM_SETUPS_IN_RATIO,
    REG_SUM_BEST_SETUP, REG_SUM_BEST_TOTAL_J, REG_SUM_WORST_SETUP, REG_SUM_WORST_TOTAL_J,
    REG_SUM_BEST_TO_WORST_RATIO, REG_SUM_CONTAMINATED_RUNS, REG_SUM_NCOLS
};
static const pt_col reg_sum_cols[REG_SUM_NCOLS] = {
    [REG_SUM_STUDY_ID] = {"study_id", "study", PT_COL_INT},
    [REG_SUM_DATASET] = {"dataset", "dataset", PT_COL_TEXT},
    [REG_SUM_HARDWARE] = {"hardware", "hardware", PT_COL_TEXT},
    [REG_SUM_METHOD] = {"method", "method", PT_COL_TEXT},
    [REG_SUM_SETUPS] = {"setups", "setups", PT_COL_INT},
    [REG_SUM_SETUPS_IN_RATIO] = {"setups_in_ratio", "setups done", PT_COL_INT},
    [REG_SUM_BEST_SETUP] = {"best_setup", "best setup", PT_COL_INT},
    [REG_SUM_BEST_TOTAL_J] = {"best_total_j", "best: mean total", PT_COL_J},
    [REG_SUM_WORST_SETUP] = {"worst_setup", "worst setup", PT_COL_INT},
    [REG_SUM_WORST_TOTAL_J] = {"worst_total_j", "worst: mean total", PT_COL_J},
    [REG_SUM_BEST_TO_WORST_RATIO] = {"best_to_worst_ratio", "worst / best", PT_COL_NUM},
    [REG_SUM_CONTAMINATED_RUNS] = {"contaminated_runs", "contaminated runs", PT_COL_INT},
};
enum {
    REG_SETUP_SETUP, REG_SETUP_BATCH_SIZE, REG_SETUP_LR, REG_SETUP_RUNS, REG_SETUP_DONE, REG_SETUP_NOT_REACHED,
    REG_SETUP_DIVERGED, REG_SETUP_FAILED, REG_SETUP_RUNNING, REG_SETUP_EPOCHS_MEAN, REG_SETUP_ENERGY_PER_EPOCH_J,
    REG_SETUP_ENERGY_PER_EPOCH_MIN_J, REG_SETUP_ENERGY_PER_EPOCH_MAX_J, REG_SETUP_TOTAL_ENERGY_J,
    REG_SETUP_TOTAL_ENERGY_MIN_J, REG_SETUP_TOTAL_ENERGY_MAX_J, REG_SETUP_REACHED, REG_SETUP_ENERGY_TO_TARGET_J,
    REG_SETUP_ENERGY_TO_TARGET_MIN_J, REG_SETUP_ENERGY_TO_TARGET_MAX_J, REG_SETUP_METHOD, REG_SETUP_CONTAMINATED_RUNS,
    REG_SETUP_REPEATS_DISAGREE_X, REG_SETUP_NCOLS
};
static const pt_col reg_setup_cols[REG_SETUP_NCOLS] = {
    [REG_SETUP_SETUP] = {"setup", "setup", PT_COL_INT},
    [REG_SETUP_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [REG_SETUP_LR] = {"lr", "learning rate", PT_COL_LR},
    [REG_SETUP_RUNS] = {"runs", "n (runs)", PT_COL_INT},
    [REG_SETUP_DONE] = {"done", "done", PT_COL_INT},
    [REG_SETUP_NOT_REACHED] = {"not_reached", "not reached", PT_COL_INT},
    [REG_SETUP_DIVERGED] = {"diverged", "diverged", PT_COL_INT},
    [REG_SETUP_FAILED] = {"failed", "failed", PT_COL_INT},
    [REG_SETUP_RUNNING] = {"running", "running", PT_COL_INT},
    [REG_SETUP_EPOCHS_MEAN] = {"epochs_mean", "epochs", PT_COL_NUM},
    [REG_SETUP_ENERGY_PER_EPOCH_J] = {"energy_per_epoch_j", "energy / epoch", PT_COL_J},
    [REG_SETUP_ENERGY_PER_EPOCH_MIN_J] = {"energy_per_epoch_min_j", "min", PT_COL_J},
    [REG_SETUP_ENERGY_PER_EPOCH_MAX_J] = {"energy_per_epoch_max_j", "max", PT_COL_J},
    [REG_SETUP_TOTAL_ENERGY_J] = {"total_energy_j", "total energy", PT_COL_J},
    [REG_SETUP_TOTAL_ENERGY_MIN_J] = {"total_energy_min_j", "min", PT_COL_J},
    [REG_SETUP_TOTAL_ENERGY_MAX_J] = {"total_energy_max_j", "max", PT_COL_J},
    [REG_SETUP_REACHED] = {"reached", "n reached", PT_COL_INT},
    [REG_SETUP_ENERGY_TO_TARGET_J] = {"energy_to_target_j", "energy to target", PT_COL_J},
    [REG_SETUP_ENERGY_TO_TARGET_MIN_J] = {"energy_to_target_min_j", "min", PT_COL_J},
    [REG_SETUP_ENERGY_TO_TARGET_MAX_J] = {"energy_to_target_max_j", "max", PT_COL_J},
    [REG_SETUP_METHOD] = {"method", "method", PT_COL_TEXT},
    [REG_SETUP_CONTAMINATED_RUNS] = {"contaminated_runs", "contaminated runs", PT_COL_INT},
    [REG_SETUP_REPEATS_DISAGREE_X] = {"repeats_disagree_x", "repeats disagree", PT_COL_NUM},
};
enum {
    BE_SETUP, BE_BATCH_SIZE, BE_LR, BE_PRETRAIN_J, BE_FROZEN_J, BE_UNFROZEN_J, BE_BASELINE_J,
    BE_BREAK_EVEN_CYCLES, BE_PAYS_BACK, BE_NCOLS
};
static const pt_col be_cols[BE_NCOLS] = {
    [BE_SETUP] = {"setup", "setup", PT_COL_TEXT},
    [BE_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [BE_LR] = {"lr", "learning rate", PT_COL_LR},
    [BE_PRETRAIN_J] = {"pretrain_j", "E_enc (pretraining)", PT_COL_J},
    [BE_FROZEN_J] = {"frozen_j", "E_class (frozen)", PT_COL_J},
    [BE_UNFROZEN_J] = {"unfrozen_j", "unfrozen", PT_COL_J},
    [BE_BASELINE_J] = {"baseline_j", "E_enc+class (baseline)", PT_COL_J},
    [BE_BREAK_EVEN_CYCLES] = {"break_even_cycles", "break-even (cycles)", PT_COL_X},
    [BE_PAYS_BACK] = {"pays_back", "pays back", PT_COL_TEXT},
};
enum {
    T2_STUDY_ID, T2_DATASET, T2_HARDWARE, T2_METHOD, T2_UNFROZEN_RUNS, T2_UNFROZEN_MEAN_J, T2_FROZEN_RUNS,
    T2_FROZEN_MEAN_J, T2_SAVINGS_PCT, T2_NCOLS
};
static const pt_col t2_cols[T2_NCOLS] = {
    [T2_STUDY_ID] = {"study_id", "study", PT_COL_INT},
    [T2_DATASET] = {"dataset", "dataset", PT_COL_TEXT},
    [T2_HARDWARE] = {"hardware", "hardware", PT_COL_TEXT},
    [T2_METHOD] = {"method", "method", PT_COL_TEXT},
    [T2_UNFROZEN_RUNS] = {"unfrozen_runs", "unfrozen runs", PT_COL_INT},
    [T2_UNFROZEN_MEAN_J] = {"unfrozen_mean_j", "unfreeze", PT_COL_J},
    [T2_FROZEN_RUNS] = {"frozen_runs", "frozen runs", PT_COL_INT},
    [T2_FROZEN_MEAN_J] = {"frozen_mean_j", "freeze", PT_COL_J},
    [T2_SAVINGS_PCT] = {"savings_pct", "savings", PT_COL_PCT},
};
enum { P2_HARDWARE, P2_UNFREEZE_WH, P2_FREEZE_WH, P2_SAVINGS_PCT, P2_NCOLS };
static const pt_col p2_cols[P2_NCOLS] = {
    [P2_HARDWARE] = {"hardware", "paper's hardware", PT_COL_TEXT},
    [P2_UNFREEZE_WH] = {"unfreeze_wh", "Unfreeze (Wh)", PT_COL_NUM},
    [P2_FREEZE_WH] = {"freeze_wh", "Freeze (Wh)", PT_COL_NUM},
    [P2_SAVINGS_PCT] = {"savings_pct", "Savings", PT_COL_PCT},
};
enum {
    T3_STUDY_ID, T3_DATASET, T3_HARDWARE, T3_METHOD, T3_ENCODER_WEIGHTS, T3_TYPE, T3_RUNS, T3_ENERGY_PER_EPOCH_J,
    T3_EPOCHS_MEAN, T3_NCOLS
};
static const pt_col t3_cols[T3_NCOLS] = {
    [T3_STUDY_ID] = {"study_id", "study", PT_COL_INT},
    [T3_DATASET] = {"dataset", "dataset", PT_COL_TEXT},
    [T3_HARDWARE] = {"hardware", "hardware", PT_COL_TEXT},
    [T3_METHOD] = {"method", "method", PT_COL_TEXT},
    [T3_ENCODER_WEIGHTS] = {"encoder_weights", "encoder weights", PT_COL_TEXT},
    [T3_TYPE] = {"type", "type", PT_COL_TEXT},
    [T3_RUNS] = {"runs", "runs", PT_COL_INT},
    [T3_ENERGY_PER_EPOCH_J] = {"energy_per_epoch_j", "energy / epoch", PT_COL_J},
    [T3_EPOCHS_MEAN] = {"epochs_mean", "epochs", PT_COL_NUM},
};
enum { P3_HARDWARE, P3_TYPE, P3_ENERGY_PER_EPOCH_MWH, P3_EPOCHS, P3_NCOLS };
static const pt_col p3_cols[P3_NCOLS] = {
    [P3_HARDWARE] = {"hardware", "paper's hardware", PT_COL_TEXT},
    [P3_TYPE] = {"type", "type", PT_COL_TEXT},
    [P3_ENERGY_PER_EPOCH_MWH] = {"energy_per_epoch_mwh", "energy / epoch (mWh)", PT_COL_NUM},
    [P3_EPOCHS] = {"epochs", "epochs", PT_COL_INT},
};
enum {
    TFIG_FIGURE, TFIG_SETUP, TFIG_BATCH_SIZE, TFIG_LR, TFIG_VALUE_J, TFIG_ENERGY_TO_TARGET_J, TFIG_PCT,
    TFIG_METHOD, TFIG_NCOLS
};
static const pt_col tfig_cols[TFIG_NCOLS] = {
    [TFIG_FIGURE] = {"figure", "figure", PT_COL_TEXT},
    [TFIG_SETUP] = {"setup", "setup", PT_COL_INT},
    [TFIG_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [TFIG_LR] = {"lr", "learning rate", PT_COL_LR},
    [TFIG_VALUE_J] = {"value_j", "value", PT_COL_J},
    [TFIG_ENERGY_TO_TARGET_J] = {"energy_to_target_j", "energy to target", PT_COL_J},
    [TFIG_PCT] = {"pct", "%", PT_COL_PCT},
    [TFIG_METHOD] = {"method", "method", PT_COL_TEXT},
};
enum {
    TSET_SETUP, TSET_BATCH_SIZE, TSET_LR, TSET_STATE, TSET_VALUE_J, TSET_ENERGY_TO_TARGET_J, TSET_SPENT_J,
    TSET_RUNS, TSET_EPOCHS, TSET_METHOD, TSET_NCOLS
};
static const pt_col tset_cols[TSET_NCOLS] = {
    [TSET_SETUP] = {"setup", "setup", PT_COL_INT},
    [TSET_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [TSET_LR] = {"lr", "learning rate", PT_COL_LR},
    [TSET_STATE] = {"state", "state", PT_COL_TEXT},
    [TSET_VALUE_J] = {"value_j", "value", PT_COL_J},
    [TSET_ENERGY_TO_TARGET_J] = {"energy_to_target_j", "energy to target", PT_COL_J},
    [TSET_SPENT_J] = {"spent_j", "energy spent", PT_COL_J},
    [TSET_RUNS] = {"runs", "runs", PT_COL_INT},
    [TSET_EPOCHS] = {"epochs", "epochs", PT_COL_INT},
    [TSET_METHOD] = {"method", "method", PT_COL_TEXT},
};
enum {
    TPROBE_BATCH_SIZE, TPROBE_STEPS, TPROBE_SECONDS, TPROBE_ENERGY_J, TPROBE_J_PER_STEP, TPROBE_STATUS,
    TPROBE_METHOD, TPROBE_NCOLS
};
static const pt_col tprobe_cols[TPROBE_NCOLS] = {
    [TPROBE_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [TPROBE_STEPS] = {"steps", "steps", PT_COL_INT},
    [TPROBE_SECONDS] = {"seconds", "seconds", PT_COL_NUM},
    [TPROBE_ENERGY_J] = {"energy_j", "energy", PT_COL_J},
    [TPROBE_J_PER_STEP] = {"j_per_step", "J / step", PT_COL_NUM},
    [TPROBE_STATUS] = {"status", "status", PT_COL_TEXT},
    [TPROBE_METHOD] = {"method", "method", PT_COL_TEXT},
};
enum {
    MEAS_STUDY_ID, MEAS_COMPONENT, MEAS_SOURCE, MEAS_METHOD, MEAS_EPOCHS, MEAS_DEGRADED_EPOCHS, MEAS_SAMPLES,
    MEAS_ENERGY_J, MEAS_COUNTER_J, MEAS_EQ1_J, MEAS_COUNTER_MINUS_EQ1_PCT, MEAS_MEAN_W, MEAS_PEAK_W, MEAS_NCOLS
};
static const pt_col meas_cols[MEAS_NCOLS] = {
    [MEAS_STUDY_ID] = {"study_id", "study", PT_COL_INT},
    [MEAS_COMPONENT] = {"component", "component", PT_COL_TEXT},
    [MEAS_SOURCE] = {"source", "source", PT_COL_TEXT},
    [MEAS_METHOD] = {"method", "method", PT_COL_TEXT},
    [MEAS_EPOCHS] = {"epochs", "epochs", PT_COL_INT},
    [MEAS_DEGRADED_EPOCHS] = {"degraded_epochs", "degraded", PT_COL_INT},
    [MEAS_SAMPLES] = {"samples", "samples", PT_COL_INT},
    [MEAS_ENERGY_J] = {"energy_j", "energy", PT_COL_J},
    [MEAS_COUNTER_J] = {"counter_j", "counter", PT_COL_J},
    [MEAS_EQ1_J] = {"eq1_j", "eq1", PT_COL_J},
    [MEAS_COUNTER_MINUS_EQ1_PCT] = {"counter_minus_eq1_pct", "counter - eq1", PT_COL_PCT},
    [MEAS_MEAN_W] = {"mean_w", "mean W", PT_COL_NUM},
    [MEAS_PEAK_W] = {"peak_w", "peak W", PT_COL_NUM},
};
enum {
    HOST_STUDIES, HOST_RUNS, HOST_HOST, HOST_DEVICE, HOST_CPU, HOST_GPU, HOST_INTERVAL_MS, HOST_UPDATE_PERIOD_MIN_S,
    HOST_UPDATE_PERIOD_MAX_S, HOST_IDLE_MIN_W, HOST_IDLE_MAX_W, HOST_VERSIONS, HOST_NCOLS
};
static const pt_col host_cols[HOST_NCOLS] = {
    [HOST_STUDIES] = {"studies", "studies", PT_COL_TEXT},
    [HOST_RUNS] = {"runs", "runs", PT_COL_INT},
    [HOST_HOST] = {"host", "host", PT_COL_TEXT},
    [HOST_DEVICE] = {"device", "device", PT_COL_TEXT},
    [HOST_CPU] = {"cpu", "CPU", PT_COL_TEXT},
    [HOST_GPU] = {"gpu", "GPU", PT_COL_TEXT},
    [HOST_INTERVAL_MS] = {"interval_ms", "interval (ms)", PT_COL_NUM},
    [HOST_UPDATE_PERIOD_MIN_S] = {"update_period_min_s", "update period (s) min", PT_COL_NUM},
    [HOST_UPDATE_PERIOD_MAX_S] = {"update_period_max_s", "max", PT_COL_NUM},
    [HOST_IDLE_MIN_W] = {"idle_min_w", "idle (W) min", PT_COL_NUM},
    [HOST_IDLE_MAX_W] = {"idle_max_w", "max", PT_COL_NUM},
    [HOST_VERSIONS] = {"versions", "versions", PT_COL_TEXT},
};
enum {
    CARB_BASIS, CARB_ENERGY_J, CARB_PUE, CARB_FACILITY_ENERGY_J, CARB_G_PER_KWH, CARB_G_CO2E, CARB_CAR_KM,
    CARB_PHONE_CHARGES, CARB_NCOLS
};
static const pt_col carb_cols[CARB_NCOLS] = {
    [CARB_BASIS] = {"basis", "intensity", PT_COL_TEXT},
    [CARB_ENERGY_J] = {"energy_j", "energy", PT_COL_J},
    [CARB_PUE] = {"pue", "PUE", PT_COL_NUM},
    [CARB_FACILITY_ENERGY_J] = {"facility_energy_j", "energy x PUE", PT_COL_J},
    [CARB_G_PER_KWH] = {"g_per_kwh", "g CO2e / kWh", PT_COL_NUM},
    [CARB_G_CO2E] = {"g_co2e", "g CO2e", PT_COL_NUM},
    [CARB_CAR_KM] = {"car_km", "km by car", PT_COL_NUM},
    [CARB_PHONE_CHARGES] = {"phone_charges", "phone charges", PT_COL_NUM},
};
enum { CARB_CTRY_CODE, CARB_CTRY_REGION, CARB_CTRY_G_PER_KWH, CARB_CTRY_G_CO2E, CARB_CTRY_CAR_KM, CARB_CTRY_NCOLS };
static const pt_col carb_ctry_cols[CARB_CTRY_NCOLS] = {
    [CARB_CTRY_CODE] = {"code", "code", PT_COL_TEXT},
    [CARB_CTRY_REGION] = {"region", "country", PT_COL_TEXT},
    [CARB_CTRY_G_PER_KWH] = {"g_per_kwh", "g CO2e / kWh (2023)", PT_COL_NUM},
    [CARB_CTRY_G_CO2E] = {"g_co2e", "g CO2e", PT_COL_NUM},
    [CARB_CTRY_CAR_KM] = {"car_km", "km by car", PT_COL_NUM},
};
enum {
    RUNS_RUN_ID, RUNS_STUDY_ID, RUNS_SETUP, RUNS_BATCH_SIZE, RUNS_LR, RUNS_REPEAT, RUNS_PHASE, RUNS_FROZEN,
    RUNS_STATUS, RUNS_END_REASON, RUNS_EPOCHS, RUNS_BEST_VAL_ACC, RUNS_ENERGY_J, RUNS_ENERGY_TO_TARGET_J, RUNS_METHOD,
    RUNS_HARDWARE, RUNS_HOST, RUNS_MACHINE_ENERGY_J, RUNS_ATTRIBUTION, RUNS_CONTAMINATED_EPOCHS, RUNS_NCOLS
};
static const pt_col runs_cols[RUNS_NCOLS] = {
    [RUNS_RUN_ID] = {"run_id", "run", PT_COL_INT},
    [RUNS_STUDY_ID] = {"study_id", "study", PT_COL_INT},
    [RUNS_SETUP] = {"setup", "setup", PT_COL_INT},
    [RUNS_BATCH_SIZE] = {"batch_size", "batch size", PT_COL_INT},
    [RUNS_LR] = {"lr", "lr", PT_COL_LR},
    [RUNS_REPEAT] = {"repeat", "repeat", PT_COL_INT},
    [RUNS_PHASE] = {"phase", "phase", PT_COL_TEXT},
    [RUNS_FROZEN] = {"frozen", "frozen", PT_COL_INT},
    [RUNS_STATUS] = {"status", "status", PT_COL_TEXT},
    [RUNS_END_REASON] = {"end_reason", "why it ended", PT_COL_TEXT},
    [RUNS_EPOCHS] = {"epochs", "epochs", PT_COL_INT},
    [RUNS_BEST_VAL_ACC] = {"best_val_acc", "best val. acc.", PT_COL_NUM},
    [RUNS_ENERGY_J] = {"energy_j", "energy", PT_COL_J},
    [RUNS_ENERGY_TO_TARGET_J] = {"energy_to_target_j", "to target", PT_COL_J},
    [RUNS_METHOD] = {"method", "method", PT_COL_TEXT},
    [RUNS_HARDWARE] = {"hardware", "hardware", PT_COL_TEXT},
    [RUNS_HOST] = {"host", "host", PT_COL_TEXT},
    [RUNS_MACHINE_ENERGY_J] = {"machine_energy_j", "machine energy", PT_COL_J},
    [RUNS_ATTRIBUTION] = {"attribution", "attribution", PT_COL_TEXT},
    [RUNS_CONTAMINATED_EPOCHS] = {"contaminated_epochs", "contaminated epochs", PT_COL_INT},
};

static const pt_report_schema schemas[] = {
    {"paper-vs-run", pt_report_compare_cols, 7},
    {"regime-summary", reg_sum_cols, REG_SUM_NCOLS},
    {"regime-setups-", reg_setup_cols, REG_SETUP_NCOLS},
    {"breakeven-", be_cols, BE_NCOLS},
    {"table2", t2_cols, T2_NCOLS},
    {"table2-paper", p2_cols, P2_NCOLS},
    {"table3", t3_cols, T3_NCOLS},
    {"table3-paper", p3_cols, P3_NCOLS},
    {"tune-figures-", tfig_cols, TFIG_NCOLS},
    {"tune-setups-", tset_cols, TSET_NCOLS},
    {"tune-probes-", tprobe_cols, TPROBE_NCOLS},
    {"measurement-components", meas_cols, MEAS_NCOLS},
    {"measurement-hosts", host_cols, HOST_NCOLS},
    {"carbon-summary", carb_cols, CARB_NCOLS},
    {"carbon-by-country", carb_ctry_cols, CARB_CTRY_NCOLS},
    {"runs", runs_cols, RUNS_NCOLS},
};

static pt_table *add(pt_report_tables *ts, const char *id, const char *title, const char *caption, int section,
                     const pt_col *cols, int ncols) {
    return pt_report_tables_add(ts, id, title, caption, section, cols, ncols);
}

const pt_report_schema *pt_report_schemas(int *n) {
    *n = (int)(sizeof schemas / sizeof schemas[0]);
    return schemas;
}

pt_table *pt_report_tables_add(pt_report_tables *ts, const char *id, const char *title, const char *caption,
                               int section, const pt_col *cols, int ncols) {
    if (ts->n >= PT_REPORT_MAX_TABLES) return NULL;
    pt_table *t = &ts->t[ts->n];
    ts->section[ts->n] = section;
    ts->n++;
    pt_table_init(t, id, title, caption);
    pt_table_cols(t, cols, ncols);
    return t;
}

static void group_title(char *buf, size_t n, const pt_report_data *d, int study, const char *hw) {
    const pt_report_study *s = &d->studies[study];
    snprintf(buf, n, "study %lld (%s, %s%s%s), %s", (long long)s->id, s->kind, s->dataset, s->preset[0] ? ", " : "",
             s->preset, hw);
}

/* how far a setup's repeats disagree: the larger of the two ratios (NAN: they agree) */
static double disagree_x(double epoch_ratio, double target_ratio) {
    if (isnan(epoch_ratio)) return NAN;
    return isfinite(target_ratio) && target_ratio > epoch_ratio ? target_ratio : epoch_ratio;
}

static void regime_tables(pt_report_tables *ts, const pt_report_data *d) {
    char title[512], cap[160];
    pt_table *sum = add(ts, "regime-summary", "Training regime: best-to-worst ratio of total energy",
                        "mean total energy of the worst over the best setup, among setups with a run that ended done "
                        "(reached the threshold and stopped)",
                        PT_SEC_SUMMARY, reg_sum_cols, REG_SUM_NCOLS);
    for (int i = 0; i < d->nregimes; i++) {
        const pt_report_regime *g = &d->regimes[i];
        if (sum) {
            int r = pt_table_row(sum);
            pt_table_set(sum, r, REG_SUM_STUDY_ID, (double)d->studies[g->study].id);
            pt_table_set_s(sum, r, REG_SUM_DATASET, d->studies[g->study].dataset);
            pt_table_set_s(sum, r, REG_SUM_HARDWARE, g->hardware);
            pt_table_set_s(sum, r, REG_SUM_METHOD, g->methods.label);
            pt_table_set(sum, r, REG_SUM_SETUPS, g->nsetups);
            pt_table_set(sum, r, REG_SUM_SETUPS_IN_RATIO, g->nratio);
            if (g->best >= 0) {
                pt_table_set(sum, r, REG_SUM_BEST_SETUP, g->setups[g->best].setup);
                pt_table_set(sum, r, REG_SUM_BEST_TOTAL_J, g->setups[g->best].done_total_j);
                pt_table_set(sum, r, REG_SUM_WORST_SETUP, g->setups[g->worst].setup);
                pt_table_set(sum, r, REG_SUM_WORST_TOTAL_J, g->setups[g->worst].done_total_j);
            }
            pt_table_set(sum, r, REG_SUM_BEST_TO_WORST_RATIO, g->ratio);
            pt_table_set(sum, r, REG_SUM_CONTAMINATED_RUNS, g->ncontaminated);
        }
        char id[48];
        snprintf(id, sizeof id, "regime-setups-%d", i + 1);
        group_title(title, sizeof title, d, g->study, g->hardware);
        char full[600];
        snprintf(full, sizeof full, "Setups of %s", title);
        pt_report_method_caption(&g->methods, cap, sizeof cap);
        char caption[768];
        snprintf(caption, sizeof caption,
                 "%s; energy per epoch: mean over runs of energy / epochs; total and epochs: mean of finished runs; "
                 "energy to target: mean of the runs that reached it; min and max: the spread over the same runs (n: "
                 "runs, n reached: runs behind energy to target); best and worst setups in bold; energies are the "
                 "job's; contaminated runs: with an epoch where other processes used the CPU; repeats disagree: "
                 "largest over smallest energy per epoch or to target, where above 1.5x",
                 cap);
        pt_table *t = add(ts, id, full, caption, PT_SEC_REGIME + i, reg_setup_cols, REG_SETUP_NCOLS);
        if (!t) continue;
        pt_table_col_empty(t, REG_SETUP_ENERGY_TO_TARGET_J, "not reached");
        pt_table_col_empty(t, REG_SETUP_REPEATS_DISAGREE_X, "no");
        for (int k = 0; k < g->nsetups; k++) {
            const pt_report_setup *su = &g->setups[k];
            int r = pt_table_row(t);
            pt_table_set(t, r, REG_SETUP_SETUP, su->setup);
            pt_table_set(t, r, REG_SETUP_BATCH_SIZE, su->batch_size);
            pt_table_set(t, r, REG_SETUP_LR, su->lr);
            pt_table_set(t, r, REG_SETUP_RUNS, su->nruns);
            pt_table_set(t, r, REG_SETUP_DONE, su->ndone);
            pt_table_set(t, r, REG_SETUP_NOT_REACHED, su->nnot_reached);
            pt_table_set(t, r, REG_SETUP_DIVERGED, su->ndiverged);
            pt_table_set(t, r, REG_SETUP_FAILED, su->nfailed);
            pt_table_set(t, r, REG_SETUP_RUNNING, su->nrunning);
            pt_table_set(t, r, REG_SETUP_EPOCHS_MEAN, su->epochs_mean);
            double v[9] = {su->epoch_j, su->epoch_j_min, su->epoch_j_max, su->total_j,   su->total_j_min,
                           su->total_j_max, su->target_j, su->target_j_min, su->target_j_max};
            static const int c[9] = {REG_SETUP_ENERGY_PER_EPOCH_J,      REG_SETUP_ENERGY_PER_EPOCH_MIN_J,
                                     REG_SETUP_ENERGY_PER_EPOCH_MAX_J,  REG_SETUP_TOTAL_ENERGY_J,
                                     REG_SETUP_TOTAL_ENERGY_MIN_J,      REG_SETUP_TOTAL_ENERGY_MAX_J,
                                     REG_SETUP_ENERGY_TO_TARGET_J,      REG_SETUP_ENERGY_TO_TARGET_MIN_J,
                                     REG_SETUP_ENERGY_TO_TARGET_MAX_J};
            for (int j = 0; j < 9; j++) pt_table_set(t, r, c[j], v[j]);
            pt_table_set(t, r, REG_SETUP_REACHED, su->ntarget);
            pt_report_methods m = {0};
            for (int j = 0; j < su->nrep; j++) pt_report_methods_add(&m, d->runs[su->runs[j]].method);
            pt_table_set_s(t, r, REG_SETUP_METHOD, m.label);
            pt_table_set(t, r, REG_SETUP_CONTAMINATED_RUNS, su->ncontaminated);
            pt_table_set(t, r, REG_SETUP_REPEATS_DISAGREE_X, disagree_x(su->disagree_epoch, su->disagree_target));
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
                 "runs); never = the denominator is not positive (an infinite value in CSV, null in JSON); best and worst in "
                 "bold",
                 cap);
        pt_table *t = add(ts, id, full, caption, PT_SEC_PRETRAIN + i, be_cols, BE_NCOLS);
        if (!t) continue;
        for (int k = 0; k <= g->nrows; k++) {
            const pt_report_breakeven *b = k < g->nrows ? &g->rows[k] : &g->avg;
            if (k == g->nrows && g->navg == 0) break;
            int r = pt_table_row(t);
            char sbuf[32];
            if (k < g->nrows) snprintf(sbuf, sizeof sbuf, "%d", b->setup);
            else snprintf(sbuf, sizeof sbuf, "average of %d", g->navg);
            pt_table_set_s(t, r, BE_SETUP, sbuf);
            if (k < g->nrows) {
                pt_table_set(t, r, BE_BATCH_SIZE, b->batch_size);
                pt_table_set(t, r, BE_LR, b->lr);
            }
            pt_table_set(t, r, BE_PRETRAIN_J, b->enc_j);
            pt_table_set(t, r, BE_FROZEN_J, b->class_j);
            pt_table_set(t, r, BE_UNFROZEN_J, b->unfrozen_j);
            pt_table_set(t, r, BE_BASELINE_J, b->base_j);
            pt_table_set(t, r, BE_BREAK_EVEN_CYCLES, b->x);
            pt_table_set_s(t, r, BE_PAYS_BACK, isnan(b->x) ? "-" : isinf(b->x) ? "never" : "yes");
        }
        t->highlight[0] = g->best;
        t->highlight[1] = g->worst;
    }
    pt_table *t2 = add(ts, "table2", "Table 2: average energy with the pretrained encoder frozen or unfrozen (ours)",
                       "means over finished runs of all setups and repeats; savings = (unfrozen - frozen) / unfrozen",
                       PT_SEC_TABLE2, t2_cols, T2_NCOLS);
    if (t2) {
        for (int i = 0; i < d->npretrains; i++) {
            const pt_report_pretrain *g = &d->pretrains[i];
            int r = pt_table_row(t2);
            pt_table_set(t2, r, T2_STUDY_ID, (double)d->studies[g->study].id);
            pt_table_set_s(t2, r, T2_DATASET, d->studies[g->study].dataset);
            pt_table_set_s(t2, r, T2_HARDWARE, g->hardware);
            pt_table_set_s(t2, r, T2_METHOD, g->methods.label);
            pt_table_set(t2, r, T2_UNFROZEN_RUNS, g->nunfrozen);
            pt_table_set(t2, r, T2_UNFROZEN_MEAN_J, g->unfrozen_j);
            pt_table_set(t2, r, T2_FROZEN_RUNS, g->nfrozen);
            pt_table_set(t2, r, T2_FROZEN_MEAN_J, g->frozen_j);
            pt_table_set(t2, r, T2_SAVINGS_PCT, g->savings_pct);
        }
    }
    pt_table *p2 = add(ts, "table2-paper",
                       "Table 2 as printed in the paper (paper's hardware: H100/A100/RTX3090, GPU only, Equation 1)",
                       "the paper's rows as printed; its savings equal (larger - smaller) / larger while its text says "
                       "freezing saves energy, so the two rows appear swapped in print",
                       PT_SEC_TABLE2, p2_cols, P2_NCOLS);
    if (p2) {
        for (int i = 0; i < npaper; i++) {
            int r = pt_table_row(p2);
            pt_table_set_s(p2, r, P2_HARDWARE, paper[i].hardware);
            pt_table_set(p2, r, P2_UNFREEZE_WH, paper[i].unfreeze_wh);
            pt_table_set(p2, r, P2_FREEZE_WH, paper[i].freeze_wh);
            pt_table_set(p2, r, P2_SAVINGS_PCT, paper[i].savings_pct);
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
                       caption, PT_SEC_TABLE3, t3_cols, T3_NCOLS);
    if (t3) {
        static const char *names[3] = {"Attribute", "Identity", "Both"};
        for (int i = 0; i < d->nmultitasks; i++) {
            const pt_report_multitask *g = &d->multitasks[i];
            for (int k = 0; k < 3; k++) {
                int r = pt_table_row(t3);
                pt_table_set(t3, r, T3_STUDY_ID, (double)d->studies[g->study].id);
                pt_table_set_s(t3, r, T3_DATASET, d->studies[g->study].dataset);
                pt_table_set_s(t3, r, T3_HARDWARE, g->hardware);
                pt_table_set_s(t3, r, T3_METHOD, g->methods.label);
                pt_table_set_s(t3, r, T3_ENCODER_WEIGHTS, g->encoder_weights[0] ? g->encoder_weights : "not recorded");
                pt_table_set_s(t3, r, T3_TYPE, names[k]);
                pt_table_set(t3, r, T3_RUNS, g->types[k].nruns);
                pt_table_set(t3, r, T3_ENERGY_PER_EPOCH_J, g->types[k].epoch_j);
                pt_table_set(t3, r, T3_EPOCHS_MEAN, g->types[k].epochs);
            }
        }
    }
    pt_table *p3 = add(ts, "table3-paper",
                       "Table 3 as printed in the paper (paper's hardware: H100/A100/RTX3090, GPU only, Equation 1)",
                       "average energy per epoch (mWh) / average number of epochs", PT_SEC_TABLE3, p3_cols, P3_NCOLS);
    if (p3) {
        for (int i = 0; i < npaper; i++) {
            double e[3] = {paper[i].attr_mwh, paper[i].id_mwh, paper[i].both_mwh};
            int n[3] = {paper[i].attr_epochs, paper[i].id_epochs, paper[i].both_epochs};
            static const char *names[3] = {"Attribute", "Identity", "Both"};
            for (int k = 0; k < 3; k++) {
                int r = pt_table_row(p3);
                pt_table_set_s(p3, r, P3_HARDWARE, paper[i].hardware);
                pt_table_set_s(p3, r, P3_TYPE, names[k]);
                pt_table_set(p3, r, P3_ENERGY_PER_EPOCH_MWH, e[k]);
                pt_table_set(p3, r, P3_EPOCHS, n[k]);
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
/* a row of the figures table: its label, and where given a value and a method */
static int figure_row(pt_table *f, const char *figure, int col, double v, const char *method) {
    int r = pt_table_row(f);
    pt_table_set_s(f, r, TFIG_FIGURE, figure);
    if (col >= 0) pt_table_set(f, r, col, v);
    if (method) pt_table_set_s(f, r, TFIG_METHOD, method);
    return r;
}

static void figure_setup(pt_table *f, int r, int setup, int batch_size, double lr, double value) {
    pt_table_set(f, r, TFIG_SETUP, setup);
    pt_table_set(f, r, TFIG_BATCH_SIZE, batch_size);
    pt_table_set(f, r, TFIG_LR, lr);
    pt_table_set(f, r, TFIG_VALUE_J, value);
}

/* the chosen setup and the search's energy (all, and its probes) */
static void tune_search_rows(pt_table *f, const pt_report_tune *g) {
    char cap[160], m2[256];
    if (g->chosen >= 0) {
        const pt_report_tune_setup *c = &g->setups[g->chosen];
        pt_report_method_caption(&c->methods, cap, sizeof cap);
        int r = figure_row(f, g->cost_unknown ? "chosen setup (value needs P_max: see tune's output)" : "chosen setup",
                           -1, 0, NULL);
        figure_setup(f, r, c->setup, c->batch_size, c->lr, g->chosen_value);
        pt_table_set(f, r, TFIG_ENERGY_TO_TARGET_J, c->target_j);
        pt_table_set_s(f, r, TFIG_METHOD, cap);
    } else {
        figure_row(f,
                   g->cost_unknown ? "chosen setup: needs P_max (see tune's output)"
                                   : "chosen setup: none reached the target",
                   -1, 0, NULL);
    }
    pt_report_methods w = {0};
    pt_report_methods_add(&w, g->weakest);
    pt_report_method_caption(&w, cap, sizeof cap);
    if (g->methods.mixed) snprintf(m2, sizeof m2, "%s, the weakest of %s", cap, g->methods.label);
    else snprintf(m2, sizeof m2, "%s", cap);
    figure_row(f, "search energy (probes and runs)", TFIG_VALUE_J, g->search_j, m2);
    if (g->nprobes) {
        pt_report_methods pm = {0};
        for (int k = 0; k < g->nprobes; k++) pt_report_methods_add(&pm, g->probes[k].method);
        pt_report_method_caption(&pm, cap, sizeof cap);
        figure_row(f, "search energy: probes", TFIG_VALUE_J, g->probe_j, cap);
    }
}

/* the grid (the regime study of the same configuration) beside the search */
static void tune_grid_rows(pt_table *f, const pt_report_tune *g) {
    char cap[160], name[96];
    if (g->grid_id <= 0) {
        figure_row(f, "grid: no regime study of this configuration in the store", -1, 0, NULL);
        return;
    }
    pt_report_method_caption(&g->grid_methods, cap, sizeof cap);
    snprintf(name, sizeof name, "grid energy (regime study %lld, %d runs)", (long long)g->grid_id, g->grid_nruns);
    figure_row(f, name, TFIG_VALUE_J, g->grid_j, cap);
    int r = figure_row(f, "grid best setup", -1, 0, cap);
    if (g->grid_best >= 0) {
        int b = g->grid_best;
        figure_setup(f, r, g->grid_setups[b].setup, g->grid_setups[b].batch_size, g->grid_setups[b].lr,
                     g->grid_best_value);
        if (g->obj == PT_REPORT_OBJ_ENERGY_TO_TARGET || g->obj == PT_REPORT_OBJ_COST)
            pt_table_set(f, r, TFIG_ENERGY_TO_TARGET_J, g->grid_setups[b].mean_e);
    }
    if (g->chosen >= 0) {
        const pt_report_tune_setup *c = &g->setups[g->chosen];
        r = figure_row(f, "grid value of the chosen setup", -1, 0, cap);
        figure_setup(f, r, c->setup, c->batch_size, c->lr, g->grid_chosen_value);
        figure_row(f, "regret", TFIG_PCT, g->regret_pct, cap);
    }
    pt_report_methods both = g->grid_methods;
    add_labels(&both, g->methods.label);
    pt_report_method_caption(&both, cap, sizeof cap);
    figure_row(f, "search energy / grid energy", TFIG_PCT, g->savings_pct, cap);
}

static void tune_figures_table(pt_report_tables *ts, const pt_report_tune *g, int i, const char *title) {
    char id[48], full[700], caption[512];
    snprintf(id, sizeof id, "tune-figures-%d", i + 1);
    snprintf(full, sizeof full, "Search (powertrain tune): the figures of %s", title);
    snprintf(caption, sizeof caption,
             "objective %s over %d repeats; value: the mean of the repeats' objective (energy to target, or the "
             "run's energy when it ended done, or the cost); regret: the grid's own runs of the chosen setup vs "
             "the grid's best; search / grid: the search's energy (probes included) over the grid's",
             g->objective, g->repeats);
    pt_table *f = add(ts, id, full, caption, PT_SEC_TUNE + i, tfig_cols, TFIG_NCOLS);
    if (!f) return;
    tune_search_rows(f, g);
    tune_grid_rows(f, g);
}

static void tune_setups_table(pt_report_tables *ts, const pt_report_tune *g, int i, const char *title) {
    char id[48], full[700], cap[160], caption[512];
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
    pt_table *t = add(ts, id, full, caption, PT_SEC_TUNE + i, tset_cols, TSET_NCOLS);
    if (!t) return;
    for (int k = 0; k < g->nsetups; k++) {
        const pt_report_tune_setup *su = &g->setups[k];
        int r = pt_table_row(t);
        pt_table_set(t, r, TSET_SETUP, su->setup);
        pt_table_set(t, r, TSET_BATCH_SIZE, su->batch_size);
        pt_table_set(t, r, TSET_LR, su->lr);
        pt_table_set_s(t, r, TSET_STATE, su->state);
        pt_table_set(t, r, TSET_VALUE_J, su->value);
        pt_table_set(t, r, TSET_ENERGY_TO_TARGET_J, su->target_j);
        pt_table_set(t, r, TSET_SPENT_J, su->spent_j);
        pt_table_set(t, r, TSET_RUNS, su->nruns);
        pt_table_set(t, r, TSET_EPOCHS, su->epochs);
        pt_table_set_s(t, r, TSET_METHOD, su->nruns ? su->methods.label : "-");
    }
    t->highlight[0] = g->chosen;
}

static void tune_probes_table(pt_report_tables *ts, const pt_report_tune *g, int i, const char *title) {
    if (!g->nprobes) return;
    char id[48], full[700], cap[160], caption[512];
    snprintf(id, sizeof id, "tune-probes-%d", i + 1);
    snprintf(full, sizeof full, "Search (powertrain tune): the probes of %s", title);
    pt_report_methods pm = {0};
    for (int k = 0; k < g->nprobes; k++) pt_report_methods_add(&pm, g->probes[k].method);
    pt_report_method_caption(&pm, cap, sizeof cap);
    snprintf(caption, sizeof caption,
             "%s; a few training steps per batch size that order the search; J / step = the probe's energy / its "
             "steps",
             cap);
    pt_table *p = add(ts, id, full, caption, PT_SEC_TUNE + i, tprobe_cols, TPROBE_NCOLS);
    if (!p) return;
    for (int k = 0; k < g->nprobes; k++) {
        const pt_report_probe *pr = &g->probes[k];
        int r = pt_table_row(p);
        pt_table_set(p, r, TPROBE_BATCH_SIZE, pr->batch_size);
        pt_table_set(p, r, TPROBE_STEPS, pr->steps);
        pt_table_set(p, r, TPROBE_SECONDS, pr->seconds);
        pt_table_set(p, r, TPROBE_ENERGY_J, pr->energy_j);
        pt_table_set(p, r, TPROBE_J_PER_STEP, pr->j_per_step);
        pt_table_set_s(p, r, TPROBE_STATUS, pr->status);
        pt_table_set_s(p, r, TPROBE_METHOD, pr->method);
    }
}

/* per tune study with a search: its figures, its setups, its probes */
static void tune_tables(pt_report_tables *ts, const pt_report_data *d) {
    for (int i = 0; i < d->ntunes; i++) {
        const pt_report_tune *g = &d->tunes[i];
        if (!g->has_search) continue;
        char title[512];
        group_title(title, sizeof title, d, g->study, g->hardware);
        tune_figures_table(ts, g, i, title);
        tune_setups_table(ts, g, i, title);
        tune_probes_table(ts, g, i, title);
    }
}

/* a and b ran on the same host and source configuration (the measurement-hosts row) */
static int same_source(const pt_report_run *a, const pt_report_run *b) {
    return !strcmp(a->host, b->host) && !strcmp(a->device, b->device) && !strcmp(a->cpu, b->cpu) &&
           !strcmp(a->gpu, b->gpu) && !strcmp(a->versions, b->versions) &&
           ((isnan(a->interval_ms) && isnan(b->interval_ms)) || a->interval_ms == b->interval_ms);
}

/* the least (lo) or greatest of a cell and v, NAN counting as missing */
static void cell_extreme(pt_cell *c, double v, int lo) {
    if (isnan(v)) return;
    if (isnan(c->v) || (lo ? v < c->v : v > c->v)) c->v = v;
}

/* one row per distinct host and source configuration, with its run count, its
   studies, and the range of the update periods and idle powers its runs recorded */
static void hosts_table(pt_report_tables *ts, const pt_report_data *d) {
    pt_table *h = add(ts, "measurement-hosts", "Measurement: hosts, hardware, sampling and versions of the runs",
                      "one row per host and source configuration, with its runs; update period (how often the readings "
                      "change) and idle baseline as the range over its runs, from runs.config_json where the study "
                      "recorded them",
                      PT_SEC_MEASURE, host_cols, HOST_NCOLS);
    if (!h) return;
    int *row_of = calloc((size_t)(d->nruns ? d->nruns : 1), sizeof *row_of);
    if (!row_of) return;
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *a = &d->runs[i];
        int r = -1;
        for (int j = 0; j < i && r < 0; j++)
            if (same_source(a, &d->runs[j])) r = row_of[j];
        if (r < 0) {
            r = pt_table_row(h);
            if (r < 0) break;
            pt_table_set(h, r, HOST_RUNS, 0);
            pt_table_set_s(h, r, HOST_HOST, a->host[0] ? a->host : "-");
            pt_table_set_s(h, r, HOST_DEVICE, a->device[0] ? a->device : "-");
            pt_table_set_s(h, r, HOST_CPU, a->cpu[0] ? a->cpu : "-");
            pt_table_set_s(h, r, HOST_GPU, a->gpu[0] ? a->gpu : "-");
            pt_table_set(h, r, HOST_INTERVAL_MS, a->interval_ms);
            pt_table_set_s(h, r, HOST_VERSIONS, a->versions[0] ? a->versions : "not recorded");
        }
        row_of[i] = r;
        pt_cell *c = &h->cells[(size_t)r * (size_t)h->ncols];
        c[HOST_RUNS].v += 1;
        cell_extreme(&c[HOST_UPDATE_PERIOD_MIN_S], a->update_period_s, 1);
        cell_extreme(&c[HOST_UPDATE_PERIOD_MAX_S], a->update_period_s, 0);
        cell_extreme(&c[HOST_IDLE_MIN_W], a->idle_w, 1);
        cell_extreme(&c[HOST_IDLE_MAX_W], a->idle_w, 0);
        char id[24], list[512];
        snprintf(id, sizeof id, "%lld", (long long)a->study_id);
        const char *have = c[HOST_STUDIES].s ? c[HOST_STUDIES].s : "";
        int seen = 0; /* runs come by study: the study is the list's last when seen */
        size_t lh = strlen(have), li = strlen(id);
        if (lh >= li && !strcmp(have + lh - li, id) && (lh == li || have[lh - li - 1] == ' ')) seen = 1;
        if (seen) continue;
        snprintf(list, sizeof list, "%s%s%s", have, have[0] ? ", " : "", id);
        pt_table_set_s(h, r, HOST_STUDIES, list);
    }
    free(row_of);
}

static void measurement_tables(pt_report_tables *ts, const pt_report_data *d) {
    pt_table *t = add(ts, "measurement-components", "Measurement: energy per component and method",
                      "summed over every stored epoch; counter - eq1: relative difference of the hardware counter and "
                      "Equation (1) (mean sampled power x duration) over the epochs that have both",
                      PT_SEC_MEASURE, meas_cols, MEAS_NCOLS);
    if (t) {
        for (int i = 0; i < d->ncomps; i++) {
            const pt_report_component *c = &d->comps[i];
            int r = pt_table_row(t);
            pt_table_set(t, r, MEAS_STUDY_ID, (double)c->study_id);
            pt_table_set_s(t, r, MEAS_COMPONENT, c->component);
            pt_table_set_s(t, r, MEAS_SOURCE, c->source);
            pt_table_set_s(t, r, MEAS_METHOD, c->method);
            pt_table_set(t, r, MEAS_EPOCHS, c->epochs);
            pt_table_set(t, r, MEAS_DEGRADED_EPOCHS, c->degraded_epochs);
            pt_table_set(t, r, MEAS_SAMPLES, (double)c->samples);
            pt_table_set(t, r, MEAS_ENERGY_J, c->energy_j);
            pt_table_set(t, r, MEAS_COUNTER_J, c->counter_j);
            pt_table_set(t, r, MEAS_EQ1_J, c->eq1_j);
            pt_table_set(t, r, MEAS_COUNTER_MINUS_EQ1_PCT,
                         c->nboth > 0 && c->both_counter_j != 0
                             ? 100.0 * (c->both_counter_j - c->both_eq1_j) / c->both_counter_j
                             : NAN);
            pt_table_set(t, r, MEAS_MEAN_W, c->mean_w);
            pt_table_set(t, r, MEAS_PEAK_W, c->peak_w);
        }
    }
    hosts_table(ts, d);
}

static void carbon_tables(pt_report_tables *ts, const pt_report_data *d, const pt_report_options *o) {
    char cap[160], caption[512];
    pt_report_method_caption(&d->total_methods, cap, sizeof cap);
    snprintf(caption, sizeof caption,
             "g CO2e = kWh x PUE x grid intensity; energy of every run in this report (%s); PUE %.2f", cap, o->pue);
    pt_table *s = add(ts, "carbon-summary", "Carbon: total energy and its emissions", caption, PT_SEC_CARBON,
                      carb_cols, CARB_NCOLS);
    if (s) {
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
        pt_table_set_s(s, r, CARB_BASIS, basis);
        pt_table_set(s, r, CARB_ENERGY_J, d->total_j);
        pt_table_set(s, r, CARB_PUE, o->pue);
        pt_table_set(s, r, CARB_FACILITY_ENERGY_J, d->total_j * o->pue);
        pt_table_set(s, r, CARB_G_PER_KWH, g);
        double grams = pt_carbon_grams(d->total_j, o->pue, g);
        pt_table_set(s, r, CARB_G_CO2E, grams);
        pt_table_set(s, r, CARB_CAR_KM, grams / pt_carbon_car_g_per_km);
        pt_table_set(s, r, CARB_PHONE_CHARGES, d->total_j * o->pue / 3600.0 / pt_carbon_phone_charge_wh);
    }
    pt_table *t = add(ts, "carbon-by-country", "Carbon: the same energy on the average grid of each country",
                      pt_carbon_source, PT_SEC_CARBON, carb_ctry_cols, CARB_CTRY_NCOLS);
    if (!t) return;
    int n;
    const pt_carbon_region *regs = pt_carbon_regions(&n);
    for (int i = 0; i < n; i++) {
        int r = pt_table_row(t);
        double grams = pt_carbon_grams(d->total_j, o->pue, regs[i].g_per_kwh);
        pt_table_set_s(t, r, CARB_CTRY_CODE, regs[i].code);
        pt_table_set_s(t, r, CARB_CTRY_REGION, regs[i].name);
        pt_table_set(t, r, CARB_CTRY_G_PER_KWH, regs[i].g_per_kwh);
        pt_table_set(t, r, CARB_CTRY_G_CO2E, grams);
        pt_table_set(t, r, CARB_CTRY_CAR_KM, grams / pt_carbon_car_g_per_km);
        if (o->region && pt_carbon_find(o->region) == &regs[i]) t->highlight[0] = r;
    }
}

static void runs_table(pt_report_tables *ts, const pt_report_data *d) {
    pt_table *t = add(ts, "runs", "Every run in the store",
                      "energy_j is the job's energy (its share of the machine's, which is beside it; equal where "
                      "the run was billed whole), the figure of the run's method; contaminated epochs: other "
                      "processes used the machine's CPU above the study's threshold; NULL/empty where not recorded",
                      PT_SEC_RUNS,
                      runs_cols, RUNS_NCOLS);
    if (!t) return;
    pt_table_col_empty(t, RUNS_ENERGY_TO_TARGET_J, "not reached");
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *a = &d->runs[i];
        int r = pt_table_row(t);
        pt_table_set(t, r, RUNS_RUN_ID, (double)a->id);
        pt_table_set(t, r, RUNS_STUDY_ID, (double)a->study_id);
        pt_table_set(t, r, RUNS_SETUP, a->setup);
        pt_table_set(t, r, RUNS_BATCH_SIZE, a->batch_size);
        pt_table_set(t, r, RUNS_LR, a->lr);
        pt_table_set(t, r, RUNS_REPEAT, a->repeat);
        pt_table_set_s(t, r, RUNS_PHASE, a->phase);
        pt_table_set(t, r, RUNS_FROZEN, a->frozen);
        pt_table_set_s(t, r, RUNS_STATUS, a->status);
        pt_table_set_s(t, r, RUNS_END_REASON, a->end_reason[0] ? a->end_reason : "not recorded");
        pt_table_set(t, r, RUNS_EPOCHS, a->epochs);
        pt_table_set(t, r, RUNS_BEST_VAL_ACC, a->best_val_acc);
        pt_table_set(t, r, RUNS_ENERGY_J, a->energy_j);
        pt_table_set(t, r, RUNS_ENERGY_TO_TARGET_J, a->energy_to_target_j);
        pt_table_set_s(t, r, RUNS_METHOD, a->method);
        pt_table_set_s(t, r, RUNS_HARDWARE, a->hardware);
        pt_table_set_s(t, r, RUNS_HOST, a->host[0] ? a->host : "-");
        pt_table_set(t, r, RUNS_MACHINE_ENERGY_J, a->machine_energy_j);
        pt_table_set_s(t, r, RUNS_ATTRIBUTION, a->attribution[0] ? a->attribution : "whole");
        pt_table_set(t, r, RUNS_CONTAMINATED_EPOCHS, a->contaminated_epochs);
    }
}

void pt_report_tables_build(pt_report_tables *ts, const pt_report_data *d, const pt_report_options *o) {
    memset(ts, 0, sizeof *ts);
    pt_report_compare_table(ts, d);
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
