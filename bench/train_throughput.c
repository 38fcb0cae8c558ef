/* train_throughput.c -- training samples/s of a model on a backend (not a
 * test): forward, loss, backward and an Adam step per batch on random data,
 * after warm-up steps. Used by train_throughput.sh beside PyTorch.
 * usage: train_throughput MODEL BATCH STEPS THREADS [DEVICE] [HxWxC] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <unistd.h>

#include "meter/proc.h"
#include "models/models.h"
#include "nn/optim.h"
#include "util/clock.h"

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: train_throughput MODEL BATCH STEPS THREADS [DEVICE] [HxWxC]\n");
        return 2;
    }
    const char *model = argv[1], *device = argc > 5 ? argv[5] : "cpu";
    int batch = atoi(argv[2]), steps = atoi(argv[3]), threads = atoi(argv[4]);
    pt_model_opts o;
    pt_model_opts_default(&o);
    if (argc > 6 && sscanf(argv[6], "%dx%dx%d", &o.h, &o.w, &o.c) != 3) {
        fprintf(stderr, "bad input shape %s\n", argv[6]);
        return 2;
    }
    char err[512];
    pt_backend *be = pt_backend_create(device, threads, err, sizeof err);
    pt_net *net = be ? pt_model_build(model, &o, err, sizeof err) : NULL;
    if (!be || !net || pt_net_plan(net, be, batch) != 0 || pt_net_init(net, 1) != 0) {
        fprintf(stderr, "train_throughput: %s%s\n", err, net ? pt_net_error(net) : "");
        return 1;
    }
    pt_optim_config oc = {.kind = PT_OPTIM_ADAM, .lr = 1e-3f};
    pt_optim *opt = pt_optim_create(net, &oc, err, sizeof err);
    int h, w, c;
    size_t in = pt_net_tensor_shape(net, 0, &h, &w, &c);
    float *x = malloc((size_t)batch * in * sizeof *x);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    int k = (int)pt_net_head_size(net, 0);
    for (size_t i = 0; i < (size_t)batch * in; i++) x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (int i = 0; i < batch; i++) labels[i] = i % k;
    double t0 = 0;
    pt_cpu_times c0 = {0}, c1 = {0};
    unsigned long long self0 = 0, self1 = 0;
    int warm = steps / 5 + 2;
    for (int s = 0; s < warm + steps; s++) {
        if (s == warm) {
            be->ops->synchronize(be);
            t0 = pt_clock_now();
            pt_proc_cpu_times(&c0); /* the timed window's CPU: ours and the others' */
            pt_proc_self_jiffies(&self0);
        }
        pt_net_forward(net, x, batch, 1);
        if (!strcmp(model, "pamap2_ae")) pt_net_loss_mse(net, 0, NULL, batch, 1.0f);
        else if (!strcmp(model, "resnet18")) {
            float *g = pt_net_output_grad(net, 0); /* features: a constant gradient */
            float *host = malloc((size_t)batch * k * sizeof *host);
            for (size_t i = 0; i < (size_t)batch * k; i++) host[i] = 1.0f / (float)(batch * k);
            be->ops->upload(be, g, host, (size_t)batch * k * sizeof *host);
            free(host);
            pt_net_output_grad_set(net, 0);
        } else pt_net_loss_xent(net, 0, labels, batch, 1.0f);
        pt_net_zero_grad(net);
        pt_net_backward(net);
        pt_optim_step(opt);
    }
    be->ops->synchronize(be);
    double dt = pt_clock_now() - t0;
    pt_proc_cpu_times(&c1);
    pt_proc_self_jiffies(&self1);
    double total = (double)(c1.total - c0.total), others = (double)(c1.busy - c0.busy) - (double)(self1 - self0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s %s batch %d threads %d: %.1f samples/s (%d steps in %.2f s) other_cpu %.3f peak_rss_mb %.1f cpu_s %.2f\n", model,
           device, batch, be->threads, (double)batch * steps / dt, steps, dt, total > 0 && others > 0 ? others / total : 0.0,
           (double)ru.ru_maxrss / 1024.0, (double)(self1 - self0) / (double)sysconf(_SC_CLK_TCK));
    pt_optim_free(opt);
    pt_net_free(net);
    pt_backend_destroy(be);
    free(x);
    free(labels);
    return 0;
}
