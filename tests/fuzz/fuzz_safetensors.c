/* fuzz_safetensors.c -- pt_safetensors_open (src/nn/safetensors.c) on arbitrary bytes;
 * every tensor it accepts is looked up by name and read to its end. */
#include "nn/safetensors.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = pt_fuzz_file("st", ".safetensors", data, size);
    char err[512];
    err[0] = '\0';
    pt_safetensors *f = pt_safetensors_open(path, err, sizeof err);
    if (!f) {
        if (!err[0]) abort();
        pt_fuzz_note(err);
    } else {
        int n = pt_safetensors_count(f);
        for (int i = 0; i < n; i++) {
            const pt_safetensors_tensor *t = pt_safetensors_at(f, i);
            if (!t || pt_safetensors_find(f, t->name) == NULL) abort();
            size_t c = 1;
            for (int d = 0; d < t->ndim; d++) c *= (size_t)t->shape[d];
            if (c != t->count) abort(); /* count is the product of the shape */
            if (t->data) {
                volatile float s = 0;
                for (size_t k = 0; k < t->count; k++) s += t->data[k];
                (void)s;
            }
        }
        (void)pt_safetensors_meta(f, "format");
        pt_safetensors_close(f);
        pt_fuzz_note(NULL);
    }
    unlink(path);
    return 0;
}
