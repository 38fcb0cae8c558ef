/* fuzz_checkpoint.c -- checkpoints (src/nn/checkpoint.c): the input as a safetensors
 * file loaded by pt_net_load into the smallest model of src/models (fmnist_cnn, 105,962
 * parameters), planned once per process on the ref backend at batch 1, under each of
 * the four flag combinations (0, ALLOW_MISSING, ALLOW_UNEXPECTED, both). A refusal
 * must say why; a load returns at most the network's state count (all of them
 * with flags 0). */
#include "models/models.h"
#include "nn/checkpoint.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pt_net *net;

static void make_net(void) {
    char err[512];
    pt_backend *be = pt_backend_create("ref", 1, err, sizeof err); /* kept for the process, as net */
    net = be ? pt_model_build("fmnist_cnn", NULL, err, sizeof err) : NULL;
    if (!net || pt_net_plan(net, be, 1) != 0 || pt_net_init(net, 1) != 0) {
        fprintf(stderr, "fuzz_checkpoint: cannot plan fmnist_cnn: %s\n", net ? pt_net_error(net) : err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!net) make_net();
    const char *path = pt_fuzz_file("checkpoint", ".safetensors", data, size);
    int nstate = pt_net_state_count(net);
    for (int flags = 0; flags < 4; flags++) {
        char err[4096];
        err[0] = '\0';
        int n = pt_net_load(net, path, flags, err, sizeof err);
        if (n < 0 && !err[0]) abort();
        if (n > nstate || (flags == 0 && n >= 0 && n != nstate)) abort();
        pt_fuzz_note(n >= 0 ? "loaded" : err);
    }
    unlink(path);
    return 0;
}
