/* analyse.c -- loaded runs -> the paper's quantities: per (study, hardware)
 * group the regime grid (Fig. 3/4, best-to-worst ratio), the pretraining
 * break-even per setup (Equation 2, Fig. 5) and Table 2, the multitask
 * Table 3; the methods behind each; notes on what could not be shown. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_internal.h"
#include "util/str.h"

double pt_report_break_even(double e_enc, double e_enc_class, double e_class) {
    if (isnan(e_enc) || isnan(e_enc_class) || isnan(e_class)) return NAN;
    double den = e_enc_class - e_class;
    if (!(den > 0)) return INFINITY;
    return e_enc / den;
}

int pt_report_finished(const pt_report_run *r) {
    return !strcmp(r->status, "done") || !strcmp(r->status, "not_reached") || !strcmp(r->status, "diverged");
}

void pt_report_note(pt_report_data *d, const char *fmt, ...) {
    size_t len = strlen(d->notes);
    if (len + 2 >= sizeof d->notes) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->notes + len, sizeof d->notes - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(d->notes);
    if (len + 1 < sizeof d->notes) {
        d->notes[len] = '\n';
        d->notes[len + 1] = '\0';
    }
}

void pt_report_methods_add(pt_report_methods *m, const char *method) {
    if (!method || !method[0]) return;
    if (!strcmp(method, "estimated") || strstr(method, "estimated")) m->estimated = 1;
    /* label: distinct names, comma separated */
    const char *p = m->label;
    size_t n = strlen(method);
    while ((p = strstr(p, method)) != NULL) {
        int start = p == m->label || p[-1] == ' ';
        int end = p[n] == '\0' || p[n] == ',';
        if (start && end) return;
        p += n;
    }
    if (m->label[0]) {
        m->mixed = 1;
        if (strlen(m->label) + 2 + n < sizeof m->label) strcat(m->label, ", ");
        else return;
    }
    if (strlen(m->label) + n < sizeof m->label) strcat(m->label, method);
}

typedef struct {
    double sum, lo, hi;
    int n;
} acc;

static void acc_add(acc *a, double v) {
    if (isfinite(v)) {
        if (!a->n || v < a->lo) a->lo = v;
        if (!a->n || v > a->hi) a->hi = v;
        a->sum += v;
        a->n++;
    }
}
static double acc_lo(const acc *a) { return a->n ? a->lo : NAN; }
static double acc_hi(const acc *a) { return a->n ? a->hi : NAN; }
static double acc_mean(const acc *a) { return a->n ? a->sum / a->n : NAN; }

/* A tune study is no grid: its runs are cut short by the search and its probes
 * are no setups; it has a section of its own (tune.c). */
static int is_regime_kind(const char *k) { return !strcmp(k, "regime"); }

/* Whether run r is of the group on that hardware; if so it is counted (and a
 * failure too) and its method added to the group's. */
static int group_takes(const pt_report_run *r, const char *hardware, pt_report_methods *m, int *nruns, int *nfailed) {
    if (strcmp(r->hardware, hardware)) return 0;
    (*nruns)++;
    if (!strcmp(r->status, "failed")) (*nfailed)++;
    pt_report_methods_add(m, r->method);
    return 1;
}

/* a note where every run of a group failed; whether it was so */
static int note_all_failed(pt_report_data *d, const pt_report_study *s, const char *hardware, int nruns, int nfailed) {
    if (nruns == 0 || nfailed != nruns) return 0;
    pt_report_note(d, "study %lld (%s, %s, %s): all %d runs failed; no energy to compare", (long long)s->id, s->kind,
                   s->dataset, hardware, nruns);
    return 1;
}

static int find_setup(pt_report_setup *s, int n, const pt_report_run *r) {
    for (int i = 0; i < n; i++)
        if (s[i].setup == r->setup && s[i].batch_size == r->batch_size && s[i].lr == r->lr) return i;
    return -1;
}

/* the runs of the group (its hardware) into setups; counts the runs and the failed */
static void regime_group_runs(pt_report_data *d, pt_report_regime *g, int first, int last, int *nruns, int *nfailed) {
    const pt_report_study *s = &d->studies[g->study];
    int dropped = 0;
    *nruns = *nfailed = 0;
    for (int i = first; i < last; i++) {
        pt_report_run *r = &d->runs[i];
        if (!group_takes(r, g->hardware, &g->methods, nruns, nfailed)) continue;
        int k = find_setup(g->setups, g->nsetups, r);
        if (k < 0) {
            if (g->nsetups == PT_REPORT_MAX_SETUPS) {
                dropped++;
                continue;
            }
            k = g->nsetups++;
            pt_report_setup *ns = &g->setups[k];
            memset(ns, 0, sizeof *ns);
            ns->setup = r->setup;
            ns->batch_size = r->batch_size;
            ns->lr = r->lr;
            ns->disagree_epoch = ns->disagree_target = NAN;
        }
        pt_report_setup *su = &g->setups[k];
        su->nruns++;
        if (su->nrep < PT_REPORT_MAX_REPEATS) su->runs[su->nrep++] = i;
        else dropped++;
    }
    if (dropped)
        pt_report_note(d, "study %lld (%s, %s): %d runs beyond %d setups x %d repeats are not plotted",
                       (long long)s->id, s->kind, g->hardware, dropped, PT_REPORT_MAX_SETUPS,
                       PT_REPORT_MAX_REPEATS);
}

/* a setup's counts by status and its means (energy per epoch, epochs, totals, to target) */
static void regime_setup_means(const pt_report_data *d, pt_report_setup *su) {
    acc ep = {0}, epochs = {0}, total = {0}, done = {0}, target = {0};
    for (int j = 0; j < su->nrep; j++) {
        const pt_report_run *r = &d->runs[su->runs[j]];
        if (r->epochs > 0) acc_add(&ep, r->energy_j / r->epochs);
        if (!strcmp(r->status, "done")) su->ndone++, acc_add(&done, r->energy_j);
        else if (!strcmp(r->status, "not_reached")) su->nnot_reached++;
        else if (!strcmp(r->status, "diverged")) su->ndiverged++;
        else if (!strcmp(r->status, "failed")) su->nfailed++;
        else su->nrunning++;
        if (pt_report_finished(r)) {
            su->nfinished++;
            acc_add(&epochs, r->epochs);
            acc_add(&total, r->energy_j);
        }
        acc_add(&target, r->energy_to_target_j);
        if (r->contaminated_epochs > 0) su->ncontaminated++;
        if (isfinite(r->disagree_epoch)) su->disagree_epoch = r->disagree_epoch, su->disagree_target = r->disagree_target;
    }
    su->epoch_j = acc_mean(&ep);
    su->epochs_mean = acc_mean(&epochs);
    su->total_j = acc_mean(&total);
    su->done_total_j = acc_mean(&done);
    su->target_j = acc_mean(&target);
    su->ntarget = target.n;
    su->epoch_j_min = acc_lo(&ep), su->epoch_j_max = acc_hi(&ep), su->nepoch = ep.n;
    su->total_j_min = acc_lo(&total), su->total_j_max = acc_hi(&total), su->ntotal = total.n;
    su->target_j_min = acc_lo(&target), su->target_j_max = acc_hi(&target);
}

/* run r as a point of the accuracy-energy plane */
static int pareto_point(const pt_report_run *r) { return isfinite(r->energy_j) && r->energy_j > 0 && isfinite(r->best_val_acc); }

int pt_report_pareto(const pt_report_data *d, const pt_report_regime *g, int *idx, int max) {
    int n = 0;
    for (int k = 0; k < g->nsetups; k++)
        for (int j = 0; j < g->setups[k].nrep; j++) {
            const pt_report_run *p = &d->runs[g->setups[k].runs[j]];
            if (!pareto_point(p)) continue;
            int dominated = 0;
            for (int k2 = 0; k2 < g->nsetups && !dominated; k2++)
                for (int j2 = 0; j2 < g->setups[k2].nrep && !dominated; j2++) {
                    const pt_report_run *q = &d->runs[g->setups[k2].runs[j2]];
                    dominated = q != p && pareto_point(q) && q->energy_j <= p->energy_j &&
                                q->best_val_acc >= p->best_val_acc &&
                                (q->energy_j < p->energy_j || q->best_val_acc > p->best_val_acc);
                }
            if (!dominated && n < max) idx[n++] = g->setups[k].runs[j];
        }
    for (int a = 1; a < n; a++) /* by energy ascending */
        for (int b = a; b > 0 && d->runs[idx[b]].energy_j < d->runs[idx[b - 1]].energy_j; b--) {
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    return n;
}

/* the setup's batch size and learning rate on the heatmap axes, once each */
static void regime_axes_add(pt_report_regime *g, const pt_report_setup *su) {
    int have = 0;
    for (int b = 0; b < g->nbs; b++) have |= g->bs[b] == su->batch_size;
    if (!have && g->nbs < 16) g->bs[g->nbs++] = su->batch_size;
    have = 0;
    for (int l = 0; l < g->nlr; l++) have |= g->lr[l] == su->lr;
    if (!have && g->nlr < 16) g->lr[g->nlr++] = su->lr;
}

/* Table 1's order: batch sizes ascending, learning rates descending, and the
 * setups by batch size, then learning rate descending (best and worst follow) */
static void regime_sort(pt_report_regime *g) {
    for (int a = 0; a < g->nbs; a++)
        for (int b = a + 1; b < g->nbs; b++)
            if (g->bs[b] < g->bs[a]) {
                int t = g->bs[a];
                g->bs[a] = g->bs[b];
                g->bs[b] = t;
            }
    for (int a = 0; a < g->nlr; a++)
        for (int b = a + 1; b < g->nlr; b++)
            if (g->lr[b] > g->lr[a]) {
                double t = g->lr[a];
                g->lr[a] = g->lr[b];
                g->lr[b] = t;
            }
    for (int a = 0; a < g->nsetups; a++)
        for (int b = a + 1; b < g->nsetups; b++) {
            pt_report_setup *x = &g->setups[a], *y = &g->setups[b];
            int swap = y->batch_size < x->batch_size ||
                       (y->batch_size == x->batch_size && (y->lr > x->lr || (y->lr == x->lr && y->setup < x->setup)));
            if (swap) {
                pt_report_setup t = *x;
                *x = *y;
                *y = t;
                if (g->best == a) g->best = b;
                else if (g->best == b) g->best = a;
                if (g->worst == a) g->worst = b;
                else if (g->worst == b) g->worst = a;
            }
        }
}

/* a regime group: its setups, their means, the best-to-worst ratio, the axes in
 * Table 1's order, and a note where there is nothing to compare */
static void analyse_regime(pt_report_data *d, pt_report_regime *g, int first, int last) {
    const pt_report_study *s = &d->studies[g->study];
    g->best = g->worst = -1;
    g->ratio = NAN;
    int nruns, nfailed;
    regime_group_runs(d, g, first, last, &nruns, &nfailed);
    for (int k = 0; k < g->nsetups; k++) {
        pt_report_setup *su = &g->setups[k];
        regime_setup_means(d, su);
        g->ncontaminated += su->ncontaminated;
        g->ndisagree += isfinite(su->disagree_epoch);
        if (isfinite(su->done_total_j)) {
            g->nratio++;
            if (g->best < 0 || su->done_total_j < g->setups[g->best].done_total_j) g->best = k;
            if (g->worst < 0 || su->done_total_j > g->setups[g->worst].done_total_j) g->worst = k;
        }
        regime_axes_add(g, su);
    }
    if (g->nratio >= 2 && g->setups[g->best].done_total_j > 0)
        g->ratio = g->setups[g->worst].done_total_j / g->setups[g->best].done_total_j;
    regime_sort(g);
    if (note_all_failed(d, s, g->hardware, nruns, nfailed)) {
        g->nfailed_only = 1;
    } else if (g->nratio < 2) {
        pt_report_note(d,
                       "study %lld (%s, %s, %s): %d setup(s) with a run that reached the threshold; the "
                       "best-to-worst ratio needs two",
                       (long long)s->id, s->kind, s->dataset, g->hardware, g->nratio);
    }
}

static int find_row(pt_report_breakeven *rows, int n, const pt_report_run *r) {
    for (int i = 0; i < n; i++)
        if (rows[i].setup == r->setup && rows[i].batch_size == r->batch_size && rows[i].lr == r->lr) return i;
    return -1;
}

static void analyse_pretrain(pt_report_data *d, pt_report_pretrain *g, int first, int last) {
    const pt_report_study *s = &d->studies[g->study];
    acc enc[PT_REPORT_MAX_SETUPS], cls[PT_REPORT_MAX_SETUPS], unf[PT_REPORT_MAX_SETUPS], base[PT_REPORT_MAX_SETUPS];
    memset(enc, 0, sizeof enc);
    memset(cls, 0, sizeof cls);
    memset(unf, 0, sizeof unf);
    memset(base, 0, sizeof base);
    acc fz = {0}, uf = {0};
    int nruns = 0, nfailed = 0;
    g->best = g->worst = -1;
    for (int i = first; i < last; i++) {
        const pt_report_run *r = &d->runs[i];
        if (!group_takes(r, g->hardware, &g->methods, &nruns, &nfailed)) continue;
        int k = find_row(g->rows, g->nrows, r);
        if (k < 0) {
            if (g->nrows == PT_REPORT_MAX_SETUPS) continue;
            k = g->nrows++;
            g->rows[k].setup = r->setup;
            g->rows[k].batch_size = r->batch_size;
            g->rows[k].lr = r->lr;
        }
        if (r->contaminated_epochs > 0) g->rows[k].ncontaminated++, g->ncontaminated++;
        if (!pt_report_finished(r)) continue;
        if (!strcmp(r->phase, "pretrain")) acc_add(&enc[k], r->energy_j);
        else if (!strcmp(r->phase, "frozen")) acc_add(&cls[k], r->energy_j), acc_add(&fz, r->energy_j);
        else if (!strcmp(r->phase, "unfrozen")) acc_add(&unf[k], r->energy_j), acc_add(&uf, r->energy_j);
        else if (!strcmp(r->phase, "baseline")) acc_add(&base[k], r->energy_j);
    }
    acc aenc = {0}, acls = {0}, abase = {0};
    for (int k = 0; k < g->nrows; k++) {
        pt_report_breakeven *b = &g->rows[k];
        b->enc_j = acc_mean(&enc[k]);
        b->class_j = acc_mean(&cls[k]);
        b->unfrozen_j = acc_mean(&unf[k]);
        b->base_j = acc_mean(&base[k]);
        b->x = pt_report_break_even(b->enc_j, b->base_j, b->class_j);
        if (isnan(b->x)) continue;
        acc_add(&aenc, b->enc_j);
        acc_add(&acls, b->class_j);
        acc_add(&abase, b->base_j);
        if (isinf(b->x)) g->nnever++;
        if (g->best < 0 || b->x < g->rows[g->best].x) g->best = k;
        if (g->worst < 0 || b->x > g->rows[g->worst].x) g->worst = k;
    }
    g->navg = aenc.n;
    g->avg.setup = 0;
    g->avg.enc_j = acc_mean(&aenc);
    g->avg.class_j = acc_mean(&acls);
    g->avg.base_j = acc_mean(&abase);
    g->avg.unfrozen_j = NAN;
    g->avg.lr = NAN;
    g->avg.x = pt_report_break_even(g->avg.enc_j, g->avg.base_j, g->avg.class_j);
    g->avg.ncontaminated = g->ncontaminated;
    g->frozen_j = acc_mean(&fz);
    g->unfrozen_j = acc_mean(&uf);
    g->nfrozen = fz.n;
    g->nunfrozen = uf.n;
    g->savings_pct = (g->unfrozen_j > 0 && isfinite(g->frozen_j)) ? 100.0 * (g->unfrozen_j - g->frozen_j) / g->unfrozen_j
                                                                  : NAN;
    if (!note_all_failed(d, s, g->hardware, nruns, nfailed) && g->navg == 0)
        pt_report_note(d,
                       "study %lld (%s, %s, %s): no setup has finished pretrain, frozen and baseline runs; no "
                       "break-even",
                       (long long)s->id, s->kind, s->dataset, g->hardware);
}

static void analyse_multitask(pt_report_data *d, pt_report_multitask *g, int first, int last) {
    const pt_report_study *s = &d->studies[g->study];
    static const char *types[3] = {"attr", "id", "both"};
    acc ep[3], epochs[3];
    memset(ep, 0, sizeof ep);
    memset(epochs, 0, sizeof epochs);
    int nruns = 0, nfailed = 0;
    for (int t = 0; t < 3; t++) pt_strlcpy(g->types[t].type, types[t], sizeof g->types[t].type);
    for (int i = first; i < last; i++) {
        const pt_report_run *r = &d->runs[i];
        if (!group_takes(r, g->hardware, &g->methods, &nruns, &nfailed)) continue;
        if (!g->encoder_weights[0] && r->encoder_weights[0])
            pt_strlcpy(g->encoder_weights, r->encoder_weights, sizeof g->encoder_weights);
        for (int t = 0; t < 3; t++) {
            if (strcmp(r->phase, types[t])) continue;
            g->types[t].nruns++;
            if (r->epochs > 0) acc_add(&ep[t], r->energy_j / r->epochs);
            if (pt_report_finished(r)) acc_add(&epochs[t], r->epochs);
        }
    }
    for (int t = 0; t < 3; t++) {
        g->types[t].epoch_j = acc_mean(&ep[t]);
        g->types[t].epochs = acc_mean(&epochs[t]);
    }
    note_all_failed(d, s, g->hardware, nruns, nfailed);
}

/* distinct hardware labels among runs [first, last) */
static int hardware_list(const pt_report_data *d, int first, int last, const char **out, int max) {
    int n = 0;
    for (int i = first; i < last; i++) {
        int have = 0;
        for (int k = 0; k < n; k++) have |= !strcmp(out[k], d->runs[i].hardware);
        if (!have && n < max) out[n++] = d->runs[i].hardware;
    }
    return n;
}

int pt_report_analyse(pt_report_data *d, char *err, size_t errlen) {
    int ng = 0;
    const char *hw[16];
    /* upper bound of groups: one per (study, hardware) */
    int cap = 0;
    for (int si = 0, i = 0; si < d->nstudies; si++) {
        int first = i;
        while (i < d->nruns && d->runs[i].study_id == d->studies[si].id) i++;
        cap += hardware_list(d, first, i, hw, 16);
    }
    if (cap > 0) {
        d->regimes = calloc((size_t)cap, sizeof *d->regimes);
        d->pretrains = calloc((size_t)cap, sizeof *d->pretrains);
        d->multitasks = calloc((size_t)cap, sizeof *d->multitasks);
        if (!d->regimes || !d->pretrains || !d->multitasks) {
            snprintf(err, errlen, "%s: out of memory", d->path);
            return -1;
        }
    }
    for (int si = 0, i = 0; si < d->nstudies; si++) {
        const pt_report_study *s = &d->studies[si];
        int first = i;
        while (i < d->nruns && d->runs[i].study_id == s->id) i++;
        if (i == first) {
            pt_report_note(d, "study %lld (%s, %s): no runs yet", (long long)s->id, s->kind, s->dataset);
            continue;
        }
        if (!strcmp(s->kind, "tune")) continue; /* the search section (tune.c) */
        int nh = hardware_list(d, first, i, hw, 16);
        for (int h = 0; h < nh; h++) {
            if (is_regime_kind(s->kind)) {
                pt_report_regime *g = &d->regimes[d->nregimes++];
                g->study = si;
                pt_strlcpy(g->hardware, hw[h], sizeof g->hardware);
                analyse_regime(d, g, first, i);
            } else if (!strcmp(s->kind, "pretrain")) {
                pt_report_pretrain *g = &d->pretrains[d->npretrains++];
                g->study = si;
                pt_strlcpy(g->hardware, hw[h], sizeof g->hardware);
                analyse_pretrain(d, g, first, i);
            } else if (!strcmp(s->kind, "multitask")) {
                pt_report_multitask *g = &d->multitasks[ng = d->nmultitasks++];
                g->study = si;
                pt_strlcpy(g->hardware, hw[h], sizeof g->hardware);
                analyse_multitask(d, g, first, i);
            } else {
                pt_report_note(d, "study %lld: kind '%s' has no figure; its runs are in the tables",
                               (long long)s->id, s->kind);
                break;
            }
        }
    }
    (void)ng;
    for (int i = 0; i < d->nruns; i++) {
        if (isfinite(d->runs[i].energy_j)) d->total_j += d->runs[i].energy_j;
        pt_report_methods_add(&d->total_methods, d->runs[i].method);
    }
    return 0;
}

void pt_report_method_caption(const pt_report_methods *m, char *buf, size_t n) {
    if (!m->label[0]) snprintf(buf, n, "method: none recorded");
    else if (m->estimated && !m->mixed) snprintf(buf, n, "method: %s (a model, not a measurement)", m->label);
    else if (m->estimated)
        snprintf(buf, n, "methods: %s (the estimated figures come from a model, not a measurement)", m->label);
    else snprintf(buf, n, "method%s: %s (measured)", m->mixed ? "s" : "", m->label);
}
