/* test_grid.c -- a stored grid valued under an objective (study/grid.h): the
 * mean over repeats per setup, the best setup, and a study with more setups
 * than PT_GRID_MAX_SETUPS refused with an error naming the limit (never a
 * setup dropped silently). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "study/grid.h"
#include "test.h"

static char dir[] = "/tmp/pt-grid-XXXXXX";

/* A regime study of n setups x 2 repeats; setup k costs 10 + k J to target. */
static int64_t make_grid(pt_store *st, const char *config, int n) {
    char err[512];
    int64_t sid = pt_store_study_new(st, "regime", "synthetic", "quick", config, err, sizeof err);
    for (int k = 0; k < n; k++)
        for (int r = 1; r <= 2; r++) {
            pt_run_info ri = {.study_id = sid, .setup = k + 1, .batch_size = 16 * (k + 1), .lr = 0.01, .repeat = r,
                              .phase = "train"};
            int64_t id = pt_store_run_begin(st, &ri, err, sizeof err);
            CHECK(id > 0);
            double e = 10 + k + (r == 2 ? 1 : 0);
            pt_run_result res = {PT_RUN_DONE, 1, 0.9, 0.1, e, e, "counter", NULL, NAN, NAN, 0};
            CHECK(pt_store_run_finish(st, id, &res, err, sizeof err) == 0);
        }
    return sid;
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/g.db", dir);
    pt_store *st = pt_store_open(path, 1, err, sizeof err);
    CHECK(st != NULL);
    if (!st) return pt_test_finish("test_grid");
    pt_objective o;
    CHECK(pt_objective_parse("energy-to-target", &o, err, sizeof err) == 0);
    pt_grid *g = calloc(1, sizeof *g);
    /* the limit itself: every setup kept */
    int64_t full = make_grid(st, "{\"n\":64}", PT_GRID_MAX_SETUPS);
    CHECK(pt_study_grid_load(st, full, &o, 0.8, 2, g, err, sizeof err) == 0);
    CHECK(g->nsetups == PT_GRID_MAX_SETUPS && g->nruns == 2 * PT_GRID_MAX_SETUPS && g->repeats == 2);
    CHECK(g->best == 0);
    CHECK_NEAR(g->setups[0].value, 10.5, 1e-12, 0);
    CHECK_NEAR(pt_grid_value(g, 16 * 64, 0.01), 73.5, 1e-12, 0);
    CHECK(isinf(pt_grid_value(g, 7, 0.01)));
    /* need_repeats 3: no setup has them all */
    CHECK(pt_study_grid_load(st, full, &o, 0.8, 3, g, err, sizeof err) == 0);
    CHECK(g->best == -1);
    /* one setup more: refused, naming the limit */
    int64_t over = make_grid(st, "{\"n\":65}", PT_GRID_MAX_SETUPS + 1);
    err[0] = '\0';
    CHECK(pt_study_grid_load(st, over, &o, 0.8, 2, g, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "more than 64 setups");
    CHECK_CONTAINS(err, "g.db");
    free(g);
    pt_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_grid");
}
