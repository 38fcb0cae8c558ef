/* test_fmnist_smoke.c -- fmnist_cnn trained on the cpu backend on a
 * 10,000-image slice of Debian's Fashion-MNIST passes 0.80 validation
 * accuracy within 3 epochs (the engine issue's smoke test). Skips (77) when
 * the data set or the cpu backend is missing. tests/gpu/run.sh runs it on
 * other backends and data folders: POWERTRAIN_TEST_DEVICE (default cpu),
 * POWERTRAIN_FMNIST_DIR (default Debian's). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"
#include "study/data.h"
#include "study/train.h"
#include "test.h"

int main(void) {
    char err[512];
    const char *device = getenv("POWERTRAIN_TEST_DEVICE"), *dir = getenv("POWERTRAIN_FMNIST_DIR");
    if (!device || !*device) device = "cpu";
    if (dir && !*dir) dir = NULL;
    pt_backend *be = pt_backend_create(device, 0, err, sizeof err);
    if (!be) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    pt_study_data d;
    if (pt_study_data_load("fmnist", dir, 10000, 2000, 0, 1, &d, err, sizeof err) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        pt_backend_destroy(be);
        return 77;
    }
    CHECK(d.train.n == 10000 && d.val.n == 2000);
    pt_net *net = pt_model_build("fmnist_cnn", NULL, err, sizeof err);
    CHECK(net != NULL);
    if (net && pt_net_plan(net, be, 64) == 0 && pt_net_init(net, 1) == 0) {
        pt_train_config tc;
        memset(&tc, 0, sizeof tc);
        tc.net = net;
        tc.task = PT_TASK_CLASSIFY;
        tc.train = &d.train;
        tc.val = &d.val;
        tc.optim.kind = PT_OPTIM_ADAM;
        tc.optim.lr = 0.001f;
        pt_stop_config_default(&tc.stop);
        tc.stop.max_epochs = 3;
        tc.stop.patience = 3;
        tc.seed = 1;
        tc.progress = 1;
        pt_train_result res;
        CHECK(pt_train_run(&tc, &res, err, sizeof err) == 0);
        fprintf(stderr, "fmnist smoke: best val acc %.4f after %d epochs (%s) on %s, %.2f s\n", res.best_val_acc,
                res.epochs, pt_run_status_name(res.status), device, res.seconds);
        CHECK(res.best_val_acc >= 0.80);
        CHECK(res.status == PT_RUN_DONE);
    }
    pt_net_free(net);
    pt_study_data_free(&d);
    pt_backend_destroy(be);
    return pt_test_finish("test_fmnist_smoke");
}
