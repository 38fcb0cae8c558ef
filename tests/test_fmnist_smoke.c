/* test_fmnist_smoke.c -- fmnist_cnn trained on the cpu backend on a
 * 10,000-image slice of Debian's Fashion-MNIST passes 0.80 validation
 * accuracy within 3 epochs (the engine issue's smoke test), and training did
 * it: the untrained net is near chance (0.10) on the validation set and the
 * trained one at least 0.50 above what the untrained one had; its loss on the
 * first 2,000 training images at most half the untrained loss. Skips (77) when
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
        pt_dataset train_head = d.train; /* the first 2,000 training images */
        train_head.n = 2000;
        double loss0 = NAN, acc0 = NAN, val_loss0 = NAN, val_acc0 = NAN;
        CHECK(pt_train_evaluate(net, PT_TASK_CLASSIFY, 0.0f, &train_head, &loss0, &acc0, err, sizeof err) == 0);
        CHECK(pt_train_evaluate(net, PT_TASK_CLASSIFY, 0.0f, &d.val, &val_loss0, &val_acc0, err, sizeof err) == 0);
        CHECK(val_acc0 < 0.30); /* untrained: near chance */
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
        double loss1 = NAN, acc1 = NAN;
        CHECK(pt_train_evaluate(net, PT_TASK_CLASSIFY, 0.0f, &train_head, &loss1, &acc1, err, sizeof err) == 0);
        fprintf(stderr, "fmnist smoke: untrained val acc %.4f; train-slice loss %.4f -> %.4f\n", val_acc0, loss0,
                loss1);
        CHECK(res.best_val_acc >= 0.80);
        CHECK(res.best_val_acc >= val_acc0 + 0.50);
        CHECK(loss1 <= 0.5 * loss0);
        CHECK(res.status == PT_RUN_DONE);
    }
    pt_net_free(net);
    pt_study_data_free(&d);
    pt_backend_destroy(be);
    return pt_test_finish("test_fmnist_smoke");
}
