/* grid.h -- a stored grid (the runs of phase "train" of one study) valued
 * under a tune objective: what `regime` prints as its best setups and what
 * `tune` compares its choice against (regret, savings). */
#ifndef PT_STUDY_GRID_H
#define PT_STUDY_GRID_H

#include <stdint.h>

#include "powertrain/meter.h"
#include "store/store.h"
#include "study/tune.h"

/* At most this many setups (batch size x lr pairs): PT_STUDY_MAX_GRID^2. A
 * study with more is refused with an error naming the limit. */
#define PT_GRID_MAX_SETUPS 64

/* Per setup the mean over its repeats, counted only when every repeat is
 * feasible and finished (need_repeats > 0: and has that many repeats). */
typedef struct {
    int nsetups, nruns, repeats;
    double grid_j;          /* every run's energy */
    pt_meter_method method; /* the figures' weakest method (estimated > eq1 > counter) */
    int best;               /* index of the best setup, -1: none feasible */
    struct {
        int setup, batch_size;
        double lr, value;   /* INFINITY: infeasible */
    } setups[PT_GRID_MAX_SETUPS];
} pt_grid;

/* 0 with g filled, or -1 with err (a failed read, or more setups than
 * PT_GRID_MAX_SETUPS). */
int pt_study_grid_load(pt_store *st, int64_t study_id, const pt_objective *o, double threshold, int need_repeats,
                       pt_grid *g, char *err, size_t errlen);
/* The grid's value of a batch size and learning rate (INFINITY when absent). */
double pt_grid_value(const pt_grid *g, int batch_size, double lr);

#endif
