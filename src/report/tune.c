/* tune.c -- the search section of a report, per study of kind "tune": the
 * setups as the search left them, the chosen setup under the study's
 * objective, the search's own energy and its probes, and -- when the store
 * holds the grid (the newest regime study of the same dataset and preset whose
 * config_json equals the tune study's without its "search" member) -- the
 * grid's best setup, the regret and the savings. These are the figures
 * `powertrain tune` prints (src/study/tune_run.c), recomputed from the store
 * with the same rules (src/study/tune.c: objectives; pt_study_grid_load: the
 * grid's values). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "store/read.h"
#include "util/str.h"

/* One run's objective as its energy part e and seconds part t; 0 when it has
 * none (infinite objective), 1 when finite. */
static int run_objective(const pt_report_tune *t, const char *status, double energy_j, double target_j,
                         double target_s, double *e, double *s) {
    *e = *s = NAN;
    if (!strcmp(status, "running")) return 0;
    switch (t->obj) {
    case PT_REPORT_OBJ_ENERGY_TO_TARGET:
        *e = target_j;
        return isfinite(target_j);
    case PT_REPORT_OBJ_TOTAL_ENERGY:
        *e = energy_j;
        return !strcmp(status, "done") && isfinite(energy_j);
    case PT_REPORT_OBJ_COST:
        *e = target_j;
        *s = target_s;
        return isfinite(target_j) && isfinite(target_s);
    }
    return 0;
}

/* The objective of means e, s (linear, so the mean of the runs' objectives);
 * NAN when it needs the P_max the store lacks. */
static double value_of(const pt_report_tune *t, double e, double s) {
    if (t->obj != PT_REPORT_OBJ_COST) return e;
    if (t->eta == 1) return e;
    if (!isfinite(t->pmax_w)) return NAN;
    return t->eta * e + (1 - t->eta) * t->pmax_w * s;
}

/* The best of n candidates (values, or for cost without P_max the energy and
 * seconds parts): the smallest value, ties to the first; without P_max the
 * first that is no worse than every other in both parts (then it is the best
 * for any P_max), else -1. ok[i] 0: not a candidate. */
static int pick_best(const pt_report_tune *t, int n, const int *ok, const double *v, const double *e,
                     const double *s) {
    int best = -1;
    if (!t->cost_unknown) {
        for (int i = 0; i < n; i++)
            if (ok[i] && isfinite(v[i]) && (best < 0 || v[i] < v[best])) best = i;
        return best;
    }
    for (int i = 0; i < n; i++) {
        if (!ok[i]) continue;
        int dominates = 1;
        for (int j = 0; j < n && dominates; j++) {
            if (!ok[j] || j == i) continue;
            if (t->eta > 0 && e[i] > e[j]) dominates = 0;
            if (t->eta < 1 && s[i] > s[j]) dominates = 0;
        }
        if (dominates) return i;
    }
    return -1;
}

static int method_rank(const char *m) {
    if (!strcmp(m, "counter")) return 0;
    if (!strcmp(m, "eq1")) return 1;
    if (strstr(m, "estimated")) return 2;
    return -1; /* unknown: a run that recorded nothing */
}

static void setup_of_space(pt_report_tune *t, int bs, double lr, int number) {
    if (t->nsetups >= PT_REPORT_MAX_SETUPS) return;
    pt_report_tune_setup *su = &t->setups[t->nsetups++];
    memset(su, 0, sizeof *su);
    su->setup = number;
    su->batch_size = bs;
    su->lr = lr;
    su->value = su->target_j = su->mean_e = su->mean_t = NAN;
    pt_strlcpy(su->state, "not run", sizeof su->state);
}

static int find_tune_setup(pt_report_tune *t, int bs, double lr) {
    for (int k = 0; k < t->nsetups; k++)
        if (t->setups[k].batch_size == bs && t->setups[k].lr == lr) return k;
    return -1;
}

/* the objective named by t->objective: t->obj, eta, and whether cost lacks P_max */
static void parse_objective(pt_report_tune *t) {
    t->obj = -1;
    if (!strcmp(t->objective, "energy-to-target")) t->obj = PT_REPORT_OBJ_ENERGY_TO_TARGET;
    else if (!strcmp(t->objective, "total-energy")) t->obj = PT_REPORT_OBJ_TOTAL_ENERGY;
    else if (!strncmp(t->objective, "cost:", 5)) {
        char *end;
        t->eta = strtod(t->objective + 5, &end);
        if (end != t->objective + 5 && !*end && t->eta >= 0 && t->eta <= 1) t->obj = PT_REPORT_OBJ_COST;
    }
    if (!(t->pmax_w > 0)) t->pmax_w = NAN;
    t->cost_unknown = t->obj == PT_REPORT_OBJ_COST && t->eta < 1 && !isfinite(t->pmax_w);
}

/* the search's settings and the grid's id, from the studies' config_json */
static int read_settings(pt_store *st, int64_t study_id, pt_report_tune *t, char *err, size_t errlen) {
    pt_store_search se;
    int found = pt_store_read_search(st, study_id, &se, err, errlen);
    if (found <= 0) return found;
    t->has_search = 1;
    t->repeats = se.repeats < 1 ? 1 : se.repeats;
    t->threshold = se.threshold;
    pt_strlcpy(t->mode, se.mode, sizeof t->mode);
    pt_strlcpy(t->objective, se.objective, sizeof t->objective);
    t->budget_j = se.budget_j;
    t->probe_steps = se.probe_steps;
    t->z = se.z;
    t->pmax_w = se.pmax_w;
    t->grid_id = se.grid_id;
    parse_objective(t);
    /* the space: batch sizes x learning rates, Table 1's numbering */
    for (int b = 0; b < se.nbs; b++)
        for (int l = 0; l < se.nlr; l++) setup_of_space(t, se.batch_sizes[b], se.lrs[l], b * se.nlr + l + 1);
    return 0;
}

typedef struct {
    pt_store *st;
    pt_report_tune *t;
    int cnt[PT_REPORT_MAX_SETUPS], bad[PT_REPORT_MAX_SETUPS];
    double se[PT_REPORT_MAX_SETUPS], ss[PT_REPORT_MAX_SETUPS];
} grid_sums;

static int grid_row(void *vctx, const pt_store_train_row *row) {
    grid_sums *g = vctx;
    pt_report_tune *t = g->t;
    double ts = t->obj == PT_REPORT_OBJ_COST ? pt_store_target_seconds(g->st, row->id, t->threshold) : NAN;
    t->grid_nruns++;
    t->grid_j += row->energy_j;
    pt_report_methods_add(&t->grid_methods, row->method[0] ? row->method : "unknown");
    int k = 0;
    while (k < t->grid_nsetups &&
           !(t->grid_setups[k].batch_size == row->batch_size && t->grid_setups[k].lr == row->lr))
        k++;
    if (k == t->grid_nsetups) {
        if (k == PT_REPORT_MAX_SETUPS) return 0;
        t->grid_nsetups++;
        t->grid_setups[k].setup = row->setup;
        t->grid_setups[k].batch_size = row->batch_size;
        t->grid_setups[k].lr = row->lr;
    }
    double e, s;
    g->cnt[k]++;
    if (run_objective(t, row->status, row->energy_j, row->energy_to_target_j, ts, &e, &s)) g->se[k] += e, g->ss[k] += s;
    else g->bad[k] = 1;
    return 0;
}

/* the grid's value per setup, as pt_study_grid_load computes it */
static int read_grid(pt_store *st, pt_report_tune *t, char *err, size_t errlen) {
    grid_sums g;
    memset(&g, 0, sizeof g);
    g.st = st;
    g.t = t;
    if (pt_store_read_train_runs(st, t->grid_id, grid_row, &g, err, errlen) != 0) return -1;
    int ok[PT_REPORT_MAX_SETUPS];
    double v[PT_REPORT_MAX_SETUPS], e[PT_REPORT_MAX_SETUPS], s[PT_REPORT_MAX_SETUPS];
    for (int k = 0; k < t->grid_nsetups; k++) {
        ok[k] = g.cnt[k] >= t->repeats && !g.bad[k];
        e[k] = ok[k] ? g.se[k] / g.cnt[k] : INFINITY;
        s[k] = ok[k] ? g.ss[k] / g.cnt[k] : INFINITY;
        v[k] = ok[k] ? value_of(t, e[k], s[k]) : INFINITY;
        t->grid_setups[k].value = v[k];
        t->grid_setups[k].mean_e = e[k];
        t->grid_setups[k].mean_t = s[k];
    }
    t->grid_best = pick_best(t, t->grid_nsetups, ok, v, e, s);
    t->grid_best_value = t->grid_best >= 0 ? v[t->grid_best] : NAN;
    return 0;
}

/* every run of the study: hardware, the search's energy and methods, probes, counts */
static void tally_runs(const pt_report_data *d, int64_t study_id, pt_report_tune *t) {
    int nhw = 0;
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *r = &d->runs[i];
        if (r->study_id != study_id) continue;
        if (!nhw++) pt_strlcpy(t->hardware, r->hardware, sizeof t->hardware);
        else if (strcmp(r->hardware, t->hardware) && !strstr(t->hardware, " and more") &&
                 strlen(t->hardware) + 10 < sizeof t->hardware)
            strcat(t->hardware, " and more");
        /* the search's own energy: every run, probes included */
        if (isfinite(r->energy_j)) t->search_j += r->energy_j;
        pt_report_methods_add(&t->methods, r->method);
        int rank = method_rank(r->method);
        if (rank >= 0 && (!t->weakest[0] || rank > method_rank(t->weakest)))
            pt_strlcpy(t->weakest, r->method, sizeof t->weakest);
        if (!strncmp(r->phase, "probe-", 6)) {
            if (isfinite(r->energy_j)) t->probe_j += r->energy_j;
            if (t->nprobes < 16) {
                pt_report_probe *p = &t->probes[t->nprobes++];
                p->batch_size = r->batch_size;
                p->energy_j = r->energy_j;
                p->steps = r->probe_steps;
                p->seconds = r->probe_seconds;
                p->j_per_step = r->probe_steps > 0 ? r->energy_j / r->probe_steps : NAN;
                pt_strlcpy(p->method, r->method, sizeof p->method);
                pt_strlcpy(p->status, r->status, sizeof p->status);
            }
            continue;
        }
        if (strcmp(r->phase, "train")) continue;
        if (isfinite(r->energy_j)) t->runs_j += r->energy_j;
        t->nruns++;
        if (!strcmp(r->status, "stopped")) t->nstopped++;
        if (!strcmp(r->status, "running")) t->nrunning++;
    }
    if (!t->weakest[0]) pt_strlcpy(t->weakest, "unknown", sizeof t->weakest);
    /* probes by batch size */
    for (int a = 0; a < t->nprobes; a++)
        for (int b = a + 1; b < t->nprobes; b++)
            if (t->probes[b].batch_size < t->probes[a].batch_size) {
                pt_report_probe x = t->probes[a];
                t->probes[a] = t->probes[b];
                t->probes[b] = x;
            }
}

/* per setup of the space, over the search's train runs */
typedef struct {
    double se[PT_REPORT_MAX_SETUPS], ss[PT_REPORT_MAX_SETUPS], tj[PT_REPORT_MAX_SETUPS];
    int nfin[PT_REPORT_MAX_SETUPS], ntj[PT_REPORT_MAX_SETUPS], pruned[PT_REPORT_MAX_SETUPS],
        infeasible[PT_REPORT_MAX_SETUPS], running[PT_REPORT_MAX_SETUPS];
} setup_sums;

static void sum_setups(pt_store *st, const pt_report_data *d, int64_t study_id, pt_report_tune *t, setup_sums *u) {
    for (int i = 0; i < d->nruns; i++) {
        const pt_report_run *r = &d->runs[i];
        if (r->study_id != study_id || strcmp(r->phase, "train")) continue;
        int k = find_tune_setup(t, r->batch_size, r->lr);
        if (k < 0) { /* outside the stored space: shown with its own number */
            setup_of_space(t, r->batch_size, r->lr, r->setup);
            k = find_tune_setup(t, r->batch_size, r->lr);
            if (k < 0) continue;
        }
        pt_report_tune_setup *su = &t->setups[k];
        su->nruns++;
        su->epochs += r->epochs;
        if (isfinite(r->energy_j)) su->spent_j += r->energy_j;
        if (!su->first_run || r->id < su->first_run) su->first_run = r->id;
        pt_report_methods_add(&su->methods, r->method);
        if (isfinite(r->energy_to_target_j)) u->tj[k] += r->energy_to_target_j, u->ntj[k]++;
        double ts = t->obj == PT_REPORT_OBJ_COST ? pt_store_target_seconds(st, r->id, t->threshold) : NAN, e, s;
        if (run_objective(t, r->status, r->energy_j, r->energy_to_target_j, ts, &e, &s)) {
            u->se[k] += e, u->ss[k] += s, u->nfin[k]++;
        } else if (!strcmp(r->status, "running")) u->running[k] = 1;
        else if (!strcmp(r->status, "stopped")) u->pruned[k] = 1; /* stopped while its objective was unknown */
        else u->infeasible[k] = 1;
    }
}

/* each setup's state and value from its sums; ok[k]: a candidate */
static void value_setups(pt_report_tune *t, const setup_sums *u, int *ok, double *v, double *e, double *s) {
    for (int k = 0; k < t->nsetups; k++) {
        pt_report_tune_setup *su = &t->setups[k];
        su->target_j = u->ntj[k] ? u->tj[k] / u->ntj[k] : NAN;
        const char *state = "not run";
        if (su->nruns == 0) state = "not run";
        else if (u->running[k]) state = "running";
        else if (u->pruned[k]) state = "pruned";
        else if (u->infeasible[k]) state = "infeasible";
        else if (u->nfin[k] >= t->repeats) state = "evaluated";
        else state = "halved";
        pt_strlcpy(su->state, state, sizeof su->state);
        if (su->nruns > 0 && u->nfin[k] == su->nruns) {
            su->mean_e = u->se[k] / u->nfin[k];
            su->mean_t = u->ss[k] / u->nfin[k];
            su->value = value_of(t, su->mean_e, su->mean_t);
        }
        ok[k] = t->obj >= 0 && !strcmp(state, "evaluated");
        v[k] = su->value;
        e[k] = su->mean_e;
        s[k] = su->mean_t;
    }
}

/* the choice in the search's order (its first run's id); the first of equals */
static void choose(pt_report_tune *t, const int *ok, const double *v, const double *e, const double *s) {
    int order[PT_REPORT_MAX_SETUPS], okk[PT_REPORT_MAX_SETUPS];
    double vv[PT_REPORT_MAX_SETUPS], ee[PT_REPORT_MAX_SETUPS], sss[PT_REPORT_MAX_SETUPS];
    int n = 0;
    for (int k = 0; k < t->nsetups; k++)
        if (ok[k]) order[n++] = k;
    for (int a = 1; a < n; a++)
        for (int j = a; j > 0 && t->setups[order[j]].first_run < t->setups[order[j - 1]].first_run; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    for (int j = 0; j < n; j++) okk[j] = 1, vv[j] = v[order[j]], ee[j] = e[order[j]], sss[j] = s[order[j]];
    int c = pick_best(t, n, okk, vv, ee, sss);
    t->chosen = c >= 0 ? order[c] : -1;
    t->chosen_value = t->chosen >= 0 ? t->setups[t->chosen].value : NAN;
}

/* the grid's best, the regret of the choice and the savings */
static void compare_grid(pt_store *st, pt_report_data *d, int64_t study_id, pt_report_tune *t) {
    char gerr[512] = "";
    if (read_grid(st, t, gerr, sizeof gerr) != 0) {
        pt_report_note(d, "study %lld (tune): the grid (study %lld) could not be read: %s", (long long)study_id,
                       (long long)t->grid_id, gerr);
        t->grid_id = 0;
        return;
    }
    t->savings_pct = t->grid_j > 0 ? 100 * t->search_j / t->grid_j : NAN;
    if (t->chosen < 0) return;
    const pt_report_tune_setup *ch = &t->setups[t->chosen];
    int k = 0;
    while (k < t->grid_nsetups && !(t->grid_setups[k].batch_size == ch->batch_size && t->grid_setups[k].lr == ch->lr))
        k++;
    t->grid_chosen_value = k < t->grid_nsetups ? t->grid_setups[k].value : INFINITY;
    if (t->grid_best >= 0 && k == t->grid_best) t->regret_pct = 0; /* the grid's optimum, P_max or not */
    else if (isfinite(t->grid_chosen_value) && t->grid_best_value > 0)
        t->regret_pct = 100 * (t->grid_chosen_value / t->grid_best_value - 1);
}

static void analyse_tune(pt_store *st, pt_report_data *d, pt_report_tune *t) {
    const pt_report_study *sd = &d->studies[t->study];
    tally_runs(d, sd->id, t);
    if (!t->has_search) {
        pt_report_note(d, "study %lld (tune, %s): its configuration holds no \"search\" member; its runs are in the "
                          "tables only",
                       (long long)sd->id, sd->dataset);
        return;
    }
    if (t->obj < 0)
        pt_report_note(d, "study %lld (tune, %s): unknown objective '%s': no setup is chosen", (long long)sd->id,
                       sd->dataset, t->objective);
    setup_sums *u = calloc(1, sizeof *u);
    if (!u) {
        pt_report_note(d, "study %lld (tune): out of memory", (long long)sd->id);
        return;
    }
    sum_setups(st, d, sd->id, t, u);
    int ok[PT_REPORT_MAX_SETUPS];
    double v[PT_REPORT_MAX_SETUPS], e[PT_REPORT_MAX_SETUPS], s[PT_REPORT_MAX_SETUPS];
    value_setups(t, u, ok, v, e, s);
    free(u);
    choose(t, ok, v, e, s);
    t->grid_best = -1;
    t->grid_best_value = t->grid_chosen_value = t->regret_pct = t->savings_pct = NAN;
    if (t->grid_id > 0 && t->obj >= 0) compare_grid(st, d, sd->id, t);
}

int pt_report_tune_analyse(pt_store *st, pt_report_data *d, char *err, size_t errlen) {
    int n = 0;
    for (int i = 0; i < d->nstudies; i++) n += !strcmp(d->studies[i].kind, "tune") && d->studies[i].nruns > 0;
    if (!n) return 0;
    d->tunes = calloc((size_t)n, sizeof *d->tunes);
    if (!d->tunes) {
        snprintf(err, errlen, "%s: out of memory", d->path);
        return -1;
    }
    for (int i = 0; i < d->nstudies; i++) {
        if (strcmp(d->studies[i].kind, "tune") || d->studies[i].nruns == 0) continue;
        pt_report_tune *t = &d->tunes[d->ntunes++];
        t->study = i;
        t->chosen = t->grid_best = -1;
        t->pmax_w = t->threshold = t->budget_j = t->z = t->probe_steps = NAN;
        t->chosen_value = t->grid_best_value = t->grid_chosen_value = t->regret_pct = t->savings_pct = NAN;
        if (read_settings(st, d->studies[i].id, t, err, errlen) != 0) return -1;
        analyse_tune(st, d, t);
    }
    return 0;
}

/* a value under the objective as tune prints it: cost bare, energies in J */
static void fmt_value(const pt_report_tune *t, char *buf, size_t n, double v) {
    if (isfinite(v) && t->obj == PT_REPORT_OBJ_COST) snprintf(buf, n, "%.1f", v);
    else pt_fmt_j1(buf, n, v);
}

/* the grid, regret and savings lines (appended at buf + *used) */
static void grid_lines(const pt_report_data *d, const pt_report_tune *t, char *buf, size_t n, size_t *used) {
    size_t u = *used;
    char a[64], b[64], m[160];
#define OUT(...) (u += (u < n ? (size_t)snprintf(buf + u, n - u, __VA_ARGS__) : 0))
    if (t->grid_id > 0) {
        pt_report_method_caption(&t->grid_methods, m, sizeof m);
        pt_fmt_j1(a, sizeof a, t->grid_j);
        if (t->grid_best >= 0) {
            fmt_value(t, b, sizeof b, t->grid_best_value);
            if (t->cost_unknown) pt_strlcpy(b, "the least energy and time to target", sizeof b);
            OUT("grid: regime study %lld in this store (%d runs, %s): best setup %d (batch %d, lr %g) at %s (%s)\n",
                (long long)t->grid_id, t->grid_nruns, a, t->grid_setups[t->grid_best].setup,
                t->grid_setups[t->grid_best].batch_size, t->grid_setups[t->grid_best].lr, b, m);
        } else {
            OUT("grid: regime study %lld in this store (%d runs, %s): %s (%s)\n", (long long)t->grid_id, t->grid_nruns,
                a,
                t->cost_unknown ? "its best needs P_max, which the store lacks"
                                : "no setup has every repeat finished and at the target",
                m);
        }
        if (t->chosen >= 0) {
            if (isfinite(t->regret_pct))
                OUT("regret: %.1f%% (the grid's own runs of the chosen setup vs its best%s)\n", t->regret_pct,
                    t->regret_pct == 0 ? ": the grid's optimum" : "");
            else if (!isfinite(t->grid_chosen_value) && !isnan(t->grid_chosen_value))
                OUT("regret: unknown (the chosen setup did not reach the target in the grid's runs)\n");
            else OUT("regret: unknown (%s)\n", t->cost_unknown ? "it needs P_max" : "the grid has no best setup");
        }
        pt_report_methods both = t->methods;
        for (const char *p = t->grid_methods.label; *p;) { /* the union of both sets */
            char one[16];
            size_t k = strcspn(p, ",");
            snprintf(one, sizeof one, "%.*s", (int)k, p);
            pt_report_methods_add(&both, one);
            p += k;
            while (*p == ',' || *p == ' ') p++;
        }
        pt_report_method_caption(&both, m, sizeof m);
        pt_fmt_j1(b, sizeof b, t->search_j);
        OUT("savings: the search spent %.1f%% of the grid's energy (%s of %s; %s)\n", t->savings_pct, b, a, m);
    } else {
        OUT("grid: no regime study of this configuration in %s: run `powertrain regime` with the same flags for "
            "regret and savings\n",
            d->path);
    }
#undef OUT
    *used = u;
}

void pt_report_tune_lines(const pt_report_data *d, const pt_report_tune *t, char *buf, size_t n) {
    size_t u = 0;
    buf[0] = '\0';
#define OUT(...) (u += (u < n ? (size_t)snprintf(buf + u, n - u, __VA_ARGS__) : 0))
    char a[64], b[64], m[160];
    if (!t->has_search) {
        OUT("no search settings stored: the runs are in the tables only\n");
        return;
    }
    if (t->chosen >= 0) {
        const pt_report_tune_setup *c = &t->setups[t->chosen];
        pt_report_method_caption(&c->methods, m, sizeof m);
        pt_fmt_j1(b, sizeof b, c->target_j);
        if (t->cost_unknown)
            OUT("chosen: setup %d (batch %d, lr %g): %s needs P_max, which the store lacks (tune's own output has the "
                "cost value); the setup has the least energy and time to target of the evaluated ones, so it wins for "
                "any P_max; energy to target %s, mean of %d repeats (%s)\n",
                c->setup, c->batch_size, c->lr, t->objective, b, t->repeats, m);
        else {
            fmt_value(t, a, sizeof a, t->chosen_value);
            OUT("chosen: setup %d (batch %d, lr %g): %s %s, mean of %d repeats; energy to target %s (%s)\n", c->setup,
                c->batch_size, c->lr, a, t->objective, t->repeats, b, m);
        }
    } else if (t->cost_unknown) {
        int nev = 0;
        for (int k = 0; k < t->nsetups; k++) nev += !strcmp(t->setups[k].state, "evaluated");
        OUT("chosen: %s needs P_max, which the store lacks: tune's own output names the choice (%d setup%s "
            "evaluated, energy to target in the table)\n",
            t->objective, nev, nev == 1 ? "" : "s");
    } else {
        OUT("chosen: none: no setup reached the target%s\n", t->nrunning ? " yet (the search did not finish)" : "");
    }
    pt_report_methods w = {0};
    pt_report_methods_add(&w, t->weakest);
    pt_report_method_caption(&w, m, sizeof m);
    pt_fmt_j1(a, sizeof a, t->search_j);
    pt_fmt_j1(b, sizeof b, t->probe_j);
    char of[96] = "";
    if (t->methods.mixed) snprintf(of, sizeof of, ", the weakest of %s", t->methods.label);
    OUT("search energy: %s (%s%s): probes %s, %d runs of which %d stopped early by the search\n", a, m, of, b,
        t->nruns, t->nstopped);
    if (t->budget_j > 0 && t->search_j >= t->budget_j)
        OUT("budget: %.1f J spent of %.1f J: the search stopped early; the choice is the best so far, not "
            "guaranteed\n",
            t->search_j, t->budget_j);
    grid_lines(d, t, buf, n, &u);
#undef OUT
}
