/* gpu_train_bench.c -- training throughput and energy of a model on a GPU
 * backend (not a test): forward, loss, backward and an Adam step per batch on
 * fixed random data; after warm-up, steps run for about SECONDS inside one
 * meter window that bills only the backend's GPU (NVML, by PCI bus id).
 * Prints one RESULT line that tests/gpu/run.sh compares with
 * bench/gpu_train_bench.py (PyTorch, same architecture, same meter).
 * usage: gpu_train_bench MODEL BATCH SECONDS [DEVICE [HxWxC]]
 *   DEVICE defaults to cuda; POWERTRAIN_CUDA_TF32=1 allows TF32. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"
#include "nn/optim.h"
#include "powertrain/meter.h"
#include "util/clock.h"

static void step(pt_net *net, pt_backend *be, pt_optim *opt, const char *model, const float *x, const int32_t *labels,
                 const float *g, int batch) {
    pt_net_forward(net, x, batch, 1);
    if (!strcmp(model, "pamap2_ae"))
        pt_net_loss_mse(net, 0, NULL, batch, 1.0f);
    else if (!strcmp(model, "resnet18")) { /* the trunk's features: a constant gradient (as out.mean()) */
        be->ops->upload(be, pt_net_output_grad(net, 0), g, (size_t)batch * pt_net_head_size(net, 0) * sizeof *g);
        pt_net_output_grad_set(net, 0);
    } else
        pt_net_loss_xent(net, 0, labels, batch, 1.0f);
    pt_net_zero_grad(net);
    pt_net_backward(net);
    pt_optim_step(opt);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: gpu_train_bench MODEL BATCH SECONDS [DEVICE [HxWxC]]\n");
        return 2;
    }
    const char *model = argv[1], *device = argc > 4 ? argv[4] : "cuda";
    int batch = atoi(argv[2]);
    double seconds = atof(argv[3]);
    pt_model_opts o;
    pt_model_opts_default(&o);
    if (argc > 5 && sscanf(argv[5], "%dx%dx%d", &o.h, &o.w, &o.c) != 3) {
        fprintf(stderr, "bad input shape %s\n", argv[5]);
        return 2;
    }
    char err[512] = "", bus[32] = "", desc[512] = "";
    pt_backend *be = pt_backend_create(device, 0, err, sizeof err);
    if (!be) {
        fprintf(stderr, "gpu_train_bench: %s\n", err);
        return 1;
    }
    pt_backend_gpu(be, bus, sizeof bus, desc, sizeof desc);
    double t_plan = pt_clock_now();
    pt_net *net = pt_model_build(model, &o, err, sizeof err);
    if (!net || pt_net_plan(net, be, batch) != 0 || pt_net_init(net, 1) != 0) {
        fprintf(stderr, "gpu_train_bench: %s%s\n", err, net ? pt_net_error(net) : "");
        return 1;
    }
    t_plan = pt_clock_now() - t_plan;
    pt_optim_config oc = {.kind = PT_OPTIM_ADAM, .lr = 1e-3f};
    pt_optim *opt = pt_optim_create(net, &oc, err, sizeof err);
    size_t in = pt_net_tensor_shape(net, 0, NULL, NULL, NULL);
    int k = (int)pt_net_head_size(net, 0);
    float *x = malloc((size_t)batch * in * sizeof *x), *g = malloc((size_t)batch * k * sizeof *g);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    if (!opt || !x || !g || !labels) {
        fprintf(stderr, "gpu_train_bench: out of memory %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < (size_t)batch * in; i++) x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (int i = 0; i < batch; i++) labels[i] = i % k;
    for (size_t i = 0; i < (size_t)batch * k; i++) g[i] = 1.0f / (float)((size_t)batch * k);

    pt_meter_config mc;
    pt_meter_config_init(&mc);
    mc.interval_ms = 20;
    mc.sources = PT_SOURCE_NVML;
    mc.gpus = bus[0] ? bus : NULL;
    mc.quiet_short_windows = 1;
    pt_meter *m = pt_meter_open(&mc);
    if (!m || pt_meter_component_count(m) < 1 || pt_meter_start(m) != 0) {
        fprintf(stderr, "gpu_train_bench: meter: %s (throughput only)\n",
                m ? "no NVML GPU to bill" : pt_meter_last_error());
        if (m) pt_meter_close(m);
        m = NULL;
    }
    /* warm-up (cuDNN's first calls, the scratch buffers' one growth), then a
       calibration of the step time */
    for (int s = 0; s < 5; s++) step(net, be, opt, model, x, labels, g, batch);
    be->ops->synchronize(be);
    double t0 = pt_clock_now();
    for (int s = 0; s < 3; s++) step(net, be, opt, model, x, labels, g, batch);
    be->ops->synchronize(be);
    double per = (pt_clock_now() - t0) / 3;
    int steps = (int)ceil(seconds / (per > 1e-6 ? per : 1e-6));
    if (steps < 10) steps = 10;
    int w = m ? pt_meter_window_begin(m, "timed") : -1;
    t0 = pt_clock_now();
    for (int s = 0; s < steps; s++) step(net, be, opt, model, x, labels, g, batch);
    be->ops->synchronize(be);
    double dt = pt_clock_now() - t0;
    double sps = (double)batch * steps / dt;
    printf("%s %s batch %d: %.1f samples/s (%d steps in %.2f s; plan %.2f s)\n", model, device, batch, sps, steps, dt,
           t_plan);
    printf("device: %s\n", desc[0] ? desc : device);
    double jps = NAN, jps_eq1 = NAN, mean_w = NAN;
    const char *method = "none";
    if (m && w >= 0 && pt_meter_window_end(m, w) == 0) {
        pt_meter_window win;
        pt_meter_energy e;
        if (pt_meter_window_read(m, w, &win) == 0) {
            jps = win.energy_j / ((double)batch * steps);
            method = pt_meter_method_name(win.method);
        }
        if (pt_meter_component_count(m) > 0 && pt_meter_window_component(m, w, 0, &e) == 0) {
            jps_eq1 = e.eq1_j / ((double)batch * steps);
            mean_w = e.mean_w;
        }
    }
    printf("RESULT impl=powertrain model=%s batch=%d tf32=%d samples_per_s=%.2f j_per_sample=%.6g method=%s "
           "eq1_j_per_sample=%.6g mean_w=%.1f seconds=%.2f\n",
           model, batch, getenv("POWERTRAIN_CUDA_TF32") && strcmp(getenv("POWERTRAIN_CUDA_TF32"), "0") ? 1 : 0, sps,
           jps, method, jps_eq1, mean_w, dt);
    if (m) pt_meter_close(m);
    pt_optim_free(opt);
    pt_net_free(net);
    pt_backend_destroy(be);
    free(x), free(g), free(labels);
    return 0;
}
