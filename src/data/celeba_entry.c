/* celeba_entry.c -- CelebA in the data registry: a study's train and val images (at
 * the study's image size, default cache), its three tasks (identity, attributes,
 * both), `data info` and the synthetic generator (synth_celeba.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/celeba.h"
#include "data/registry.h"
#include "data/synth.h"
#include "util/str.h"

static int celeba_open(const char *dir, int image_size, pt_data_views *out, char *err, size_t errlen) {
    pt_celeba *c = calloc(1, sizeof *c);
    if (!c) return pt_say(err, errlen, "out of memory"), -1;
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    if (image_size > 0) o.width = o.height = image_size;
    if (pt_celeba_load(dir, &o, c, err, errlen) != 0) {
        free(c);
        return -1;
    }
    pt_celeba_dataset(c, PT_CELEBA_TRAIN, &out->train);
    pt_celeba_dataset(c, PT_CELEBA_VAL, &out->val);
    out->owner = c;
    return 0;
}

static void celeba_close(void *owner) {
    pt_celeba_free(owner);
    free(owner);
}

/* `data info` options */
typedef struct {
    long size;
    int native;
} info_opts;

static void info_init(void *opts) {
    info_opts *o = opts;
    o->size = PT_CELEBA_SIZE;
    o->native = 0;
}

static const pt_data_arg info_args[] = {
    {"--size", "N", PT_DATA_ARG_LONG, 8, 1024, offsetof(info_opts, size),
     "width and height of the cached images (default 64)"},
    {"--native", NULL, PT_DATA_ARG_SWITCH, 0, 0, offsetof(info_opts, native), "keep the 178x218 images"},
};

static void progress(void *ctx, int64_t done, int64_t total) {
    (void)ctx;
    if (done == total || done % 64 == 0) {
        fprintf(stderr, "\rpowertrain data: caching images %lld/%lld", (long long)done, (long long)total);
        if (done == total) fputc('\n', stderr);
    }
}

static const char *class_name(int c, void *ctx) {
    static char buf[32];
    snprintf(buf, sizeof buf, "identity %d", ((const pt_celeba *)ctx)->identity_id[c]);
    return buf;
}

static void print_attributes(const pt_celeba *c, const char *const *vn) {
    printf("\n%-22s %9s %9s %9s\n", "attribute (share of 1)", vn[0], vn[1], vn[2]);
    for (int a = 0; a < PT_CELEBA_ATTRS; a++) {
        printf("%-22.22s", c->attr_names[a]);
        for (int k = 0; k < 3; k++) {
            int64_t ones = 0;
            for (int64_t i = 0; i < c->nsplit[k]; i++) ones += c->attrs[c->split_rows[k][i] * PT_CELEBA_ATTRS + a];
            printf(" %9.3f", c->nsplit[k] ? (double)ones / (double)c->nsplit[k] : 0.0);
        }
        printf("\n");
    }
}

static void print_info(const char *dir, pt_celeba *c, const pt_celeba_options *o) {
    printf("dataset   celeba (CelebA, the %d most frequent identities)\n", c->nidentities);
    printf("data      %s: %lld attribute lines, %lld identity lines, %lld images with both\n", dir,
           (long long)c->attr_lines, (long long)c->identity_lines, (long long)c->both_labels);
    printf("images    %dx%dx3 uint8 (NHWC), %lld in the subset; targets: identity (%d classes) and %d attributes\n",
           c->width, c->height, (long long)c->n, c->nidentities, PT_CELEBA_ATTRS);
    printf("normalise x/255: mean %.4f %.4f %.4f, std %.4f %.4f %.4f (training images)\n", c->mean[0], c->mean[1],
           c->mean[2], c->std[0], c->std[1], c->std[2]);
    if (c->skipped) {
        printf("skipped   %lld unreadable images:", (long long)c->skipped);
        for (int64_t i = 0; i < c->skipped && i < PT_CELEBA_MAX_SKIPPED_NAMES; i++) printf(" %s", c->skipped_names[i]);
        printf("%s\n", c->skipped > PT_CELEBA_MAX_SKIPPED_NAMES ? " ..." : "");
    }
    printf("cache     %s%s\n", c->cache_path[0] ? c->cache_path : "none",
           c->cache_path[0] ? (c->from_cache ? " (read)" : " (written)") : "");
    printf("split     per identity %.0f/%.0f/%.0f%% (seed %llu): train %lld, val %lld, test %lld\n\n",
           100 * (1 - o->val_fraction - o->test_fraction), 100 * o->val_fraction, 100 * o->test_fraction,
           (long long unsigned)o->split_seed, (long long)c->nsplit[0], (long long)c->nsplit[1],
           (long long)c->nsplit[2]);
    const char *vn[3] = {"train", "val", "test"};
    pt_dataset v[3];
    for (int k = 0; k < 3; k++) pt_celeba_dataset(c, (pt_celeba_split)k, &v[k]);
    pt_data_print_splits(c->nidentities, class_name, c, v, 3, vn);
    print_attributes(c, vn);
}

static int celeba_info(const char *dir, const char *cache_dir, const void *opts, int show_progress, char *err,
                       size_t errlen) {
    const info_opts *io = opts;
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    o.width = io->native ? PT_CELEBA_SRC_W : (int)io->size;
    o.height = io->native ? PT_CELEBA_SRC_H : (int)io->size;
    o.cache_dir = cache_dir;
    if (show_progress) o.progress = progress;
    pt_celeba c;
    if (pt_celeba_load(dir, &o, &c, err, errlen) != 0) return -1;
    print_info(dir, &c, &o);
    pt_celeba_free(&c);
    return 0;
}

/* `synth celeba` */
static const pt_data_arg synth_args[] = {
    {"--identities", "N", PT_DATA_ARG_INT, 40, 10177, offsetof(pt_synth_celeba_options, identities),
     "people, at least 40 (default 50)"},
    {"--images-per-id", "N", PT_DATA_ARG_INT, 1, 10000, offsetof(pt_synth_celeba_options, images_per_id),
     "images of each of the 40 most frequent people (default 30)"},
};

static void synth_init(void *opts) { pt_synth_celeba_options_init(opts); }

static int synth(const char *dir, const void *opts, char *err, size_t errlen) {
    return pt_synth_celeba(dir, opts, err, errlen);
}

static void synth_done(const char *dir, const void *opts) {
    const pt_synth_celeba_options *o = opts;
    fprintf(stderr, "powertrain synth: wrote a CelebA set of %d identities to %s (seed %llu)\n", o->identities, dir,
            (unsigned long long)o->seed);
}

static const pt_data_task tasks[] = {
    {"celeba-id", "celeba_id", PT_DATA_USE_LABEL},
    {"celeba-attr", "celeba_attr", PT_DATA_USE_TARGETS},
    {"celeba", "celeba_multitask", PT_DATA_USE_BOTH},
};

const pt_data_entry pt_data_celeba = {
    .name = "celeba",
    .summary = "CelebA, the 40 most frequent identities",
    .dir_hint = "a CelebA folder",
    .tasks = tasks,
    .ntasks = sizeof tasks / sizeof tasks[0],
    .open = celeba_open,
    .close = celeba_close,
    .info_args = info_args,
    .ninfo_args = sizeof info_args / sizeof info_args[0],
    .info_opts_size = sizeof(info_opts),
    .info_init = info_init,
    .info = celeba_info,
    .synth_help = "  celeba: DIR/img_align_celeba/*.jpg (178x218), list_attr_celeba.txt,\n"
                  "          identity_CelebA.txt, list_eval_partition.txt (procedural faces)\n",
    .synth_args = synth_args,
    .nsynth_args = sizeof synth_args / sizeof synth_args[0],
    .synth_opts_size = sizeof(pt_synth_celeba_options),
    .synth_seed_offset = offsetof(pt_synth_celeba_options, seed),
    .synth_init = synth_init,
    .synth = synth,
    .synth_done = synth_done,
};
