/* meter_in_c.c -- the meter from C (or C++): energy of every epoch of a
 * training loop, with an evaluation window nested inside each epoch.
 *
 * The "training" is a small least-squares model fitted by SGD on synthetic
 * data, so that the example needs nothing but libpowertrain-meter; put your
 * own train_one_epoch() in its place.
 *
 * Build (done by `make`, into build/meter_in_c), or by hand against the
 * installed library:
 *   cc  examples/meter_in_c.c $(pkg-config --cflags --libs powertrain-meter) -lm
 *   c++ -x c++ examples/meter_in_c.c $(pkg-config --cflags --libs powertrain-meter)
 * Run:
 *   build/meter_in_c [EPOCHS [INTERVAL_MS [PASSES]]]
 *       default 3 epochs, a 50 ms sampling interval, 1000 SGD passes over the
 *       data per epoch (about half a second on one core)
 *
 * Prints one line per epoch with its energy and method, one line per
 * component (counter, eq1 and method), and the total. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <powertrain/meter.h>

#define NFEAT 64
#define NROWS 4096

typedef struct {
    float x[NROWS][NFEAT];
    float y[NROWS];
    float w[NFEAT];
} problem;

static unsigned lcg(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void make_problem(problem *p) {
    unsigned s = 42;
    float truth[NFEAT];
    for (int j = 0; j < NFEAT; j++) truth[j] = (float)(lcg(&s) % 2000) / 1000.0f - 1.0f;
    for (int i = 0; i < NROWS; i++) {
        float y = 0;
        for (int j = 0; j < NFEAT; j++) {
            p->x[i][j] = (float)(lcg(&s) % 2000) / 1000.0f - 1.0f;
            y += truth[j] * p->x[i][j];
        }
        p->y[i] = y + 0.1f * ((float)(lcg(&s) % 2000) / 1000.0f - 1.0f); /* noise */
    }
    for (int j = 0; j < NFEAT; j++) p->w[j] = 0;
}

static void train_one_epoch(problem *p, int passes) {
    const float lr = 0.01f;
    for (int r = 0; r < passes; r++)
        for (int i = 0; i < NROWS; i++) {
            float pred = 0;
            for (int j = 0; j < NFEAT; j++) pred += p->w[j] * p->x[i][j];
            float g = pred - p->y[i];
            for (int j = 0; j < NFEAT; j++) p->w[j] -= lr * g * p->x[i][j];
        }
}

static double evaluate(const problem *p) {
    double sse = 0;
    for (int i = 0; i < NROWS; i++) {
        float pred = 0;
        for (int j = 0; j < NFEAT; j++) pred += p->w[j] * p->x[i][j];
        sse += (double)(pred - p->y[i]) * (double)(pred - p->y[i]);
    }
    return sse / NROWS;
}

/* An energy figure with its unit; "-" where there is none (NAN). */
static const char *joules(char *buf, size_t n, double j) {
    if (!isfinite(j)) snprintf(buf, n, "-");
    else snprintf(buf, n, "%.3f J", j);
    return buf;
}

static const char *method_text(pt_meter_method m) {
    return m == PT_METHOD_ESTIMATED ? "estimated: not a measurement" : pt_meter_method_name(m);
}

int main(int argc, char **argv) {
    int epochs = argc > 1 ? atoi(argv[1]) : 3;
    int interval = argc > 2 ? atoi(argv[2]) : 50;
    int passes = argc > 3 ? atoi(argv[3]) : 1000;
    if (epochs < 1 || interval < 0 || passes < 1) {
        fprintf(stderr, "usage: %s [EPOCHS [INTERVAL_MS [PASSES]]]\n", argv[0]);
        return 2;
    }
    problem *p = (problem *)malloc(sizeof *p);
    if (!p) return 1;
    make_problem(p);

    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = (unsigned)interval;
    pt_meter *m = pt_meter_open(&cfg);
    if (!m) {
        fprintf(stderr, "meter_in_c: %s\n", pt_meter_last_error());
        free(p);
        return 1;
    }
    for (int i = 0; i < pt_meter_source_count(m); i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        printf("source %-8s %s\n", s.name, s.status);
    }
    if (pt_meter_start(m) != 0) {
        fprintf(stderr, "meter_in_c: %s\n", pt_meter_last_error());
        pt_meter_close(m);
        free(p);
        return 1;
    }
    int total = pt_meter_window_begin(m, "total");
    for (int epoch = 1; epoch <= epochs; epoch++) {
        char label[PT_METER_NAME_MAX];
        snprintf(label, sizeof label, "epoch %d", epoch);
        int w = pt_meter_window_begin(m, label);
        train_one_epoch(p, passes);
        int ev = pt_meter_window_begin(m, "eval"); /* nested inside the epoch */
        double mse = evaluate(p);
        pt_meter_window_end(m, ev);
        pt_meter_window_end(m, w);

        pt_meter_window win, evw;
        pt_meter_window_read(m, w, &win);
        pt_meter_window_read(m, ev, &evw);
        printf("epoch %d: %.3f J in %.3f s (%s)%s, eval %.3f J; mse %.4g\n", epoch, win.energy_j,
               win.end_s - win.start_s, method_text(win.method), win.short_window ? " [short]" : "",
               evw.energy_j, mse);
    }
    pt_meter_window_end(m, total);
    pt_meter_stop(m);

    pt_meter_window tw;
    pt_meter_window_read(m, total, &tw);
    for (int k = 0; k < pt_meter_component_count(m); k++) {
        pt_meter_component c;
        pt_meter_energy e;
        char a[32], b[32];
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, total, k, &e);
        printf("component %-10s %-8s counter %-12s eq1 %-12s method %s%s\n", c.name, c.source,
               joules(a, sizeof a, e.counter_j), joules(b, sizeof b, e.eq1_j), method_text(e.method),
               c.billed ? "" : " (apart, not in the total)");
    }
    printf("total: %.3f J in %.3f s (%s)\n", tw.energy_j, tw.end_s - tw.start_s, method_text(tw.method));
    pt_meter_close(m);
    free(p);
    return 0;
}
