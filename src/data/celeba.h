/* celeba.h -- CelebA (Liu et al. 2015), the paper's subset: the images of the 40 most
 * frequent identities (ties broken by the smaller id) that have both label sets, as
 * NHWC uint8 RGB at a chosen size in an mmapped cache built once.
 *
 * Files under DIR: img_align_celeba/NNNNNN.jpg (178x218), list_attr_celeba.txt (a
 * count line, a line of the 40 attribute names, then `NNNNNN.jpg` and 40 values of 1 or
 * -1 per line), identity_CelebA.txt (`NNNNNN.jpg ID`), list_eval_partition.txt
 * (`NNNNNN.jpg 0|1|2`; optional). Blank lines, CRLF and runs of blanks are accepted;
 * anything else malformed is an error naming file and line.
 *
 * Targets: attribute a of an image is 1 where the file says 1, else 0 (40 targets, in
 * the file's order); identity is a class 0..39: the 40 selected ids in ascending order.
 * Split: CelebA's own partition keeps identities apart (no identity is in two splits),
 * so it cannot serve an identity classifier; the subset is split per identity by a
 * fixed seed: of each identity's images (ascending file number, shuffled by
 * split_seed), round(10%) go to validation, round(10%) to test, the rest to training.
 * official_split = 1 uses list_eval_partition.txt instead (attributes only).
 * Images: decoded with libjpeg-turbo (at 1/2, 1/4 or 1/8 scale when that still covers
 * the target), resized by area averaging so the image covers width x height, and
 * centre-cropped; width 178 x height 218 keeps the native images. A truncated or corrupt
 * JPEG (or a missing one) is skipped: the image leaves the subset and is counted and
 * named (the first few) in the result; it never stops the build.
 * Cache: CACHE_DIR/celeba-<key>.bin (key: the absolute directory, the three text files'
 * and the selected images' names, sizes and mtimes, the options), header + images +
 * labels, written atomically and mmapped. CACHE_DIR as for PAMAP2 (pamap2.h). */
#ifndef PT_DATA_CELEBA_H
#define PT_DATA_CELEBA_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

#define PT_CELEBA_ATTRS 40
#define PT_CELEBA_IDENTITIES 40
#define PT_CELEBA_SRC_W 178
#define PT_CELEBA_SRC_H 218
#define PT_CELEBA_SIZE 64 /* default width and height on CPU */
#define PT_CELEBA_MAX_SKIPPED_NAMES 8

typedef enum { PT_CELEBA_TRAIN = 0, PT_CELEBA_VAL = 1, PT_CELEBA_TEST = 2 } pt_celeba_split;

typedef struct {
    int width, height;          /* 64 x 64 (178 x 218: native) */
    int identities;             /* 40 */
    double val_fraction, test_fraction; /* 0.1, 0.1 of each identity's images */
    uint64_t split_seed;        /* 1 */
    int official_split;         /* 0 */
    const char *cache_dir;      /* NULL: default; "": no cache (images kept in memory) */
    /* called during a cache build after each image (may be NULL) */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
} pt_celeba_options;

void pt_celeba_options_init(pt_celeba_options *o);

typedef struct {
    pt_celeba_options opt;
    int width, height;
    int64_t n;                        /* images in the subset (after skipping) */
    const uint8_t *images;            /* n x height x width x 3 */
    const uint8_t *identity;          /* n classes 0..identities-1 */
    const uint8_t *attrs;             /* n x 40 {0,1} */
    const uint8_t *partition;         /* n official partitions 0/1/2 (3: not listed) */
    const int32_t *file_number;       /* n image numbers (000123.jpg -> 123) */
    int nidentities;
    int32_t identity_id[256];         /* CelebA id of each class */
    char attr_names[PT_CELEBA_ATTRS][32];
    int64_t nsplit[3];
    int64_t *split_rows[3];
    float mean[3], std[3];            /* of the training images / 255, per channel */
    /* what the build saw */
    int64_t attr_lines, identity_lines, both_labels, skipped;
    char skipped_names[PT_CELEBA_MAX_SKIPPED_NAMES][24];
    char cache_path[4096];
    int from_cache;
    void *map;
    size_t map_len;
    void *heap;
} pt_celeba;

/* Loads (and on first use builds the cache of) the subset. -1 with a one-line error in
 * err for a missing or malformed text file or an empty subset. */
int pt_celeba_load(const char *dir, const pt_celeba_options *o, pt_celeba *out, char *err,
                   size_t errlen);
void pt_celeba_free(pt_celeba *c);
/* A view of one split: shape (height, width, 3) uint8 NHWC, identity classes as labels
 * and the 40 attributes as targets, scale 1/255 and the training mean/std. */
void pt_celeba_dataset(const pt_celeba *c, pt_celeba_split split, pt_dataset *ds);

/* image.c: decodes a JPEG held in memory to RGB and fits it into out (height x width
 * x 3): resize by area averaging to cover, then centre crop. 0, or -1 with err (the
 * decoder's message). tj: a tjhandle from tjInitDecompress (NULL: one is made). */
int pt_celeba_decode_fit(void *tj, const unsigned char *jpeg, size_t len, int width, int height,
                         uint8_t *out, char *err, size_t errlen);
/* Area-average resize of src (sh x sw x 3) to cover width x height, centre-cropped. */
void pt_image_fit(const uint8_t *src, int sw, int sh, uint8_t *dst, int width, int height);

#endif
