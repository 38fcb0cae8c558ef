/* kind_tune.c -- `powertrain tune`: the least-energy setup without paying for the whole grid. */
#include <string.h>

#include "cli/cli.h"
#include "study/kind.h"
#include "util/str.h"

static void defaults(pt_study_config *c, pt_kind_opts *o) {
    (void)c;
    memset(&o->tune, 0, sizeof o->tune);
    o->tune.z = 2;
    o->tune.probe_steps = -1;
}

/* --space paper|BS_LIST:LR_LIST: 1 taken, -1 bad. */
static int space_flag(const char *verb, const char *v, pt_kind_opts *o) {
    const char *colon = strchr(v, ':');
    if (!strcmp(v, "paper")) return 1;
    if (!colon || colon == v || !colon[1] || strlen(v) >= sizeof o->space_bs) {
        pt_cli_error(verb, PT_EXIT_USAGE, "--space: expected paper or BS_LIST:LR_LIST like 64,256:0.01,0.001, got '%s'",
                     v);
        return -1;
    }
    memcpy(o->space_bs, v, (size_t)(colon - v));
    o->space_bs[colon - v] = '\0';
    pt_strlcpy(o->space_lr, colon + 1, sizeof o->space_lr);
    o->bs_list = o->space_bs;
    o->lr_list = o->space_lr;
    return 1;
}

/* The search's own choices: --mode, --objective. */
static int choice_flag(const char *verb, int argc, char **argv, int *i, pt_kind_opts *o) {
    const char *v;
    int r;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--mode", &v))) {
        if (r < 0) return -1;
        if (!strcmp(v, "exact")) o->tune.mode = PT_TUNE_EXACT;
        else if (!strcmp(v, "fast")) o->tune.mode = PT_TUNE_FAST;
        else {
            pt_cli_error(verb, PT_EXIT_USAGE, "--mode: expected exact or fast, got '%s'", v);
            return -1;
        }
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--objective", &v))) {
        char oerr[256];
        if (r < 0) return -1;
        if (pt_objective_parse(v, &o->tune.objective, oerr, sizeof oerr) != 0) {
            pt_cli_error(verb, PT_EXIT_USAGE, "%s", oerr);
            return -1;
        }
        return 1;
    }
    return 0;
}

static int flag(const char *verb, int argc, char **argv, int *i, pt_study_config *c, pt_kind_opts *o) {
    const char *v;
    int r;
    (void)c;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--space", &v))) return r < 0 ? -1 : space_flag(verb, v, o);
    if ((r = choice_flag(verb, argc, argv, i, o))) return r;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--pmax", &v)))
        return r < 0 || pt_cli_parse_double(verb, "--pmax", v, 0.001, 1e7, &o->pmax) ? -1 : 1;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--budget-j", &v)))
        return r < 0 || pt_cli_parse_double(verb, "--budget-j", v, 1e-9, 1e15, &o->tune.budget_j) ? -1 : 1;
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--probe-steps", &v)))
        return r < 0 || pt_cli_parse_long(verb, "--probe-steps", v, 1, 1000000, &o->tune.probe_steps) ? -1 : 1;
    if (!strcmp(argv[*i], "--replay")) {
        o->tune.replay = 1;
        return 1;
    }
    if ((r = pt_cli_flag_value(verb, argc, argv, i, "--z", &v)))
        return r < 0 || pt_cli_parse_double(verb, "--z", v, 0, 10, &o->tune.z) ? -1 : 1;
    return 0;
}

/* The CLI refuses a grid past PT_STUDY_MAX_GRID squared (cmd_study.c), so every
   grid it passes fits the search. */
_Static_assert(PT_STUDY_MAX_GRID * PT_STUDY_MAX_GRID <= PT_TUNE_MAX_SETUPS, "a study grid must fit tune's search");

static int check(const char *verb, pt_study_config *c, pt_kind_opts *o) {
    (void)c;
    if (o->tune.probe_steps < 0) o->tune.probe_steps = !strcmp(o->preset, "quick") ? 20 : 200;
    if (o->pmax > 0) o->tune.objective.pmax_w = o->pmax;
    if (o->pmax > 0 && o->tune.objective.kind != PT_OBJ_COST)
        return pt_cli_error(verb, PT_EXIT_USAGE, "--pmax applies to --objective cost:ETA only");
    return 0;
}

static int run(const pt_study_config *c, const pt_kind_opts *o, char *err, size_t errlen) {
    return pt_study_tune(c, &o->tune, err, errlen);
}

const pt_study_kind pt_kind_tune = {
    .name = "tune",
    .summary = "the energy-optimal setup without the whole grid: tune --dataset D [--mode exact|fast]",
    .help = "usage: powertrain tune --dataset D [--space paper|BS_LIST:LR_LIST] [--mode exact|fast] [options]\n\n"
            "Finds the setup (batch size x learning rate) that reaches the target accuracy\n"
            "for the least energy without paying for the whole grid: a probe measures each\n"
            "batch size's energy per step, setups run cheapest-predicted first, and a run\n"
            "is stopped the moment it can no longer beat the best so far. Every probe and\n"
            "run is stored (study kind \"tune\"); with a regime study of the same flags in\n"
            "the store it also prints the regret and the savings against the full grid.\n"
            "  --space S           paper (the preset's 16 setups, default) or BS_LIST:LR_LIST,\n"
            "                      e.g. 64,256:0.01,0.001\n"
            "  --mode exact|fast   exact (default): never loses the grid's optimum on the same\n"
            "                      runs; fast: learning-curve predictions and halving over\n"
            "                      repeats, for more savings at a bounded risk\n"
            "  --objective O       energy-to-target (default), total-energy, or cost:ETA\n"
            "                      (Zeus: ETA * E + (1 - ETA) * P_max * T)\n"
            "  --pmax W            P_max for cost:ETA (default: the billed devices' limits)\n"
            "  --budget-j J        stop the search once it has spent J joules\n"
            "  --probe-steps N     steps per batch-size probe (default 200, quick 20; at most\n"
            "                      half an epoch; at least 0.5 s)\n"
            "  --z Z               fast mode's optimism in standard errors (default 2)\n"
            "  --replay            search the stored regime grid of the same flags instead of\n"
            "                      training: its runs' epochs are replayed, so the answer and\n"
            "                      the savings are on the very energies the grid measured\n",
    .exec = 1,
    .defaults = defaults,
    .flag = flag,
    .check = check,
    .run = run,
};
