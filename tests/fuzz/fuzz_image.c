/* fuzz_image.c -- the CelebA image decoder (src/data/image.c): the input as a JPEG
 * given to pt_celeba_decode_fit at three target sizes (8x8, the CPU default 64x64
 * and the native 178x218) with one TurboJPEG handle kept for the process, even after
 * a failure (celeba.c starts a fresh one then; the decoder must not crash either
 * way), and at 5x3 with no handle. A refusal must say why; the output buffer is
 * exact-size (ASan sees any write past it). */
#include <turbojpeg.h>

#include "data/celeba.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *tj;

static void decode(void *h, const uint8_t *data, size_t size, int width, int height) {
    uint8_t *out = malloc((size_t)width * (size_t)height * 3);
    if (!out) abort();
    char err[512];
    err[0] = '\0';
    if (pt_celeba_decode_fit(h, data, size, width, height, out, err, sizeof err) != 0) {
        if (!err[0]) abort();
        pt_fuzz_note(err);
    } else {
        pt_fuzz_note(NULL);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!tj && !(tj = tjInitDecompress())) abort();
    static const int sizes[3][2] = {{8, 8}, {64, 64}, {PT_CELEBA_SRC_W, PT_CELEBA_SRC_H}};
    for (int k = 0; k < 3; k++) decode(tj, data, size, sizes[k][0], sizes[k][1]);
    decode(NULL, data, size, 5, 3);
    return 0;
}
