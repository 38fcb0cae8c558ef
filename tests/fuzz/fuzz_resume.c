/* fuzz_resume.c -- training checkpoints (src/nn/resume.c): the input as a file
 * loaded by pt_resume_load into a tiny net ("tiny": input 1x1x3, linear 3->2
 * named fc, batch 4 on ref) with an Adam optimizer, so that inputs of a few
 * hundred bytes can reach every check and the load itself. Any epoch limit
 * 1..8 (from the input size). A refusal says why and changes nothing; a load returns an epoch in
 * 1..limit. The corpus holds real checkpoints of the tiny net. */
#include <string.h>

#include "nn/optim.h"
#include "nn/resume.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pt_net *net;
static pt_optim *opt;

static void make_net(void) {
    char err[512];
    pt_backend *be = pt_backend_create("ref", 1, err, sizeof err); /* kept for the process, as net */
    net = pt_net_create("tiny");
    int x = pt_net_input(net, 1, 1, 3);
    x = pt_net_linear(net, x, 2, 1);
    pt_net_name_last(net, "fc");
    pt_net_output(net, x);
    pt_optim_config oc = {.kind = PT_OPTIM_ADAM, .lr = 0.01f};
    if (!be || pt_net_plan(net, be, 4) != 0 || pt_net_init(net, 1) != 0 ||
        !(opt = pt_optim_create(net, &oc, err, sizeof err))) {
        fprintf(stderr, "fuzz_resume: cannot plan the tiny net: %s\n", err);
        abort();
    }
}

/* fc.weight and fc.bias concatenated (8 floats) */
static void snapshot(float *w) {
    pt_net_state_read(net, 0, w);
    pt_net_state_read(net, 1, w + 6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!net) make_net();
    const char *path = pt_fuzz_file("resume", ".resume", data, size);
    int limit = size % 2 == 0 ? 8 : 1 + (int)(size / 2 % 8); /* mostly above the corpus epochs */
    float before[8], after[8];
    snapshot(before);
    char err[4096];
    err[0] = '\0';
    int epoch = pt_resume_load(path, net, opt, limit, err, sizeof err);
    if (epoch < 0 && !err[0]) abort();
    if (epoch == 0 || epoch > limit) abort(); /* the file exists: 0 is "no file" */
    snapshot(after);
    if (epoch < 0 && memcmp(before, after, sizeof before) != 0) abort(); /* a refusal changes nothing */
    pt_fuzz_note(epoch > 0 ? "loaded" : err);
    unlink(path);
    return 0;
}
