/* test_shared_lib.c -- links only the installed-style libpowertrain-meter.so
 * and its public header: every call a trainer needs is exported, and a
 * replayed 25 W trace gives 25 W x duration through the public API alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <powertrain/meter.h>

#include "test.h"

int main(void) {
    char dir[] = "/tmp/pt-shared-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("t_seconds,component,watts\n0,gpu-0,25\n", f);
    fclose(f);
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 5;
    cfg.trace_path = path;
    pt_meter *m = pt_meter_open(&cfg);
    CHECK(m != NULL);
    if (m) {
        CHECK(pt_meter_start(m) == 0);
        int w = pt_meter_window_begin(m, "epoch");
        usleep(100000);
        CHECK(pt_meter_window_end(m, w) == 0);
        pt_meter_window win;
        CHECK(pt_meter_window_read(m, w, &win) == 0);
        CHECK_NEAR(win.energy_j, 25.0 * (win.end_s - win.start_s), 1e-9, 1e-12);
        CHECK(win.end_s - win.start_s >= 0.099);
        pt_meter_energy e;
        CHECK(pt_meter_window_component(m, w, 0, &e) == 0);
        CHECK(e.samples >= 5);
        CHECK_STR(pt_meter_method_name(e.method), "eq1");
        pt_meter_close(m);
    }
    CHECK_STR(pt_meter_version(), PT_METER_VERSION);
    unlink(path);
    rmdir(dir);
    return pt_test_finish("test_shared_lib");
}
