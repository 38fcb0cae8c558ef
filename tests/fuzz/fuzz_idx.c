/* fuzz_idx.c -- pt_idx_read (src/data/idx.c) on arbitrary bytes, plain or gzip. */
#include "data/idx.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = pt_fuzz_file("idx", ".idx", data, size);
    pt_idx idx;
    char err[512];
    for (int nd = 0; nd <= 3; nd += 3) { /* any rank, then the images' rank */
        if (pt_idx_read(path, nd, &idx, err, sizeof err) == 0) {
            size_t n = 1;
            for (int i = 0; i < idx.ndims; i++) n *= idx.dims[i];
            if (n != idx.size) abort(); /* the data is exactly the product of dims */
            volatile uint8_t sum = 0;
            for (size_t i = 0; i < idx.size; i++) sum += idx.data[i];
            (void)sum;
            pt_idx_free(&idx);
            pt_fuzz_note(NULL);
        } else if (!err[0]) {
            abort(); /* a failure always says why */
        } else {
            pt_fuzz_note(err);
        }
    }
    unlink(path);
    return 0;
}
