/* pamap2_entry.c -- PAMAP2 in the data registry: a study's train and val windows
 * (default options, default cache), `data info` with its window options, and the
 * synthetic generator (synth_pamap2.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/pamap2.h"
#include "data/registry.h"
#include "data/synth.h"
#include "util/str.h"

static int pamap2_open(const char *dir, int image_size, pt_data_views *out, char *err, size_t errlen) {
    (void)image_size;
    pt_pamap2 *p = calloc(1, sizeof *p);
    if (!p) return pt_say(err, errlen, "out of memory"), -1;
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    if (pt_pamap2_load(dir, &o, p, err, errlen) != 0) {
        free(p);
        return -1;
    }
    pt_pamap2_dataset(p, PT_PAMAP2_TRAIN, &out->train);
    pt_pamap2_dataset(p, PT_PAMAP2_VAL, &out->val);
    out->owner = p;
    return 0;
}

static void pamap2_close(void *owner) {
    pt_pamap2_free(owner);
    free(owner);
}

/* `data info` options */
typedef struct {
    const char *channels;
    long window, step;
    int optional;
} info_opts;

static void info_init(void *opts) {
    info_opts *o = opts;
    o->channels = NULL;
    o->window = PT_PAMAP2_WINDOW;
    o->step = PT_PAMAP2_STEP;
    o->optional = 0;
}

static const pt_data_arg info_args[] = {
    {"--channels", "SPEC", PT_DATA_ARG_STR, 0, 0, offsetof(info_opts, channels),
     "default (40) | acc | imu | names or columns, comma-separated"},
    {"--window", "N", PT_DATA_ARG_LONG, 2, 100000, offsetof(info_opts, window), "samples per window (default 128)"},
    {"--step", "N", PT_DATA_ARG_LONG, 1, 100000, offsetof(info_opts, step),
     "samples between window starts (default 64)"},
    {"--optional", NULL, PT_DATA_ARG_SWITCH, 0, 0, offsetof(info_opts, optional),
     "add the 6 optional activities (18 classes) and Optional/"},
};

static const char *class_name(int c, void *ctx) {
    (void)ctx;
    return pt_pamap2_activity_name(pt_pamap2_activities[c]);
}

static void print_subjects(const char *label, const int *s, int n, int64_t windows) {
    printf("  %-6s %7lld windows, subjects", label, (long long)windows);
    if (!n) printf(" (none)");
    for (int i = 0; i < n; i++) printf(" %d", s[i]);
    printf("\n");
}

static void print_info(const char *dir, const pt_pamap2 *p, const pt_pamap2_options *o) {
    printf("dataset   pamap2 (PAMAP2 physical activity monitoring)\n");
    printf("data      %s: %d files, %.1f MB, %lld lines\n", dir, p->nfiles, (double)p->bytes / 1e6,
           (long long)p->lines);
    printf("windows   %d samples x %d channels (NWC float32), step %d, %d classes\n", p->window, p->channels,
           o->step, p->nclasses);
    printf("channels ");
    char name[32];
    for (int c = 0; c < p->channels; c++) printf(" %s", pt_pamap2_column_name(o->columns[c], name, sizeof name));
    printf("\n");
    printf("cleaning  %lld transient rows dropped, %lld IMU values interpolated, %lld windows dropped for gaps\n",
           (long long)p->transient_rows, (long long)p->interpolated, (long long)p->dropped_windows);
    printf("cache     %s%s\n", p->cache_path[0] ? p->cache_path : "none",
           p->cache_path[0] ? (p->from_cache ? " (read)" : " (written)") : "");
    printf("split     leave subjects out\n");
    const char *vn[3] = {"train", "val", "test"};
    for (int k = 0; k < 3; k++) print_subjects(vn[k], p->split_subjects[k], p->nsplit_subjects[k], p->nsplit[k]);
    printf("\n");
    pt_dataset v[3];
    for (int k = 0; k < 3; k++) pt_pamap2_dataset(p, (pt_pamap2_split)k, &v[k]);
    pt_data_print_splits(p->nclasses, class_name, NULL, v, 3, vn);
}

static int pamap2_info(const char *dir, const char *cache_dir, const void *opts, int progress, char *err,
                       size_t errlen) {
    (void)progress;
    const info_opts *io = opts;
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    if (io->channels && pt_pamap2_set_channels(&o, io->channels, err, errlen) != 0) {
        char why[1024];
        pt_strlcpy(why, err, sizeof why);
        pt_say(err, errlen, "--channels: %s", why);
        return -2;
    }
    o.window = (int)io->window;
    o.step = (int)io->step;
    o.optional = io->optional;
    o.cache_dir = cache_dir;
    pt_pamap2 p;
    if (pt_pamap2_load(dir, &o, &p, err, errlen) != 0) return -1;
    print_info(dir, &p, &o);
    pt_pamap2_free(&p);
    return 0;
}

/* `synth pamap2` */
static const pt_data_arg synth_args[] = {
    {"--subjects", "N", PT_DATA_ARG_INT, 1, 9, offsetof(pt_synth_pamap2_options, subjects), "1..9 (default 9)"},
    {"--seconds", "S", PT_DATA_ARG_DOUBLE, 2, 3600, offsetof(pt_synth_pamap2_options, seconds),
     "mean seconds per activity (default 20)"},
    {"--difficulty", "D", PT_DATA_ARG_DOUBLE, 0, 1, offsetof(pt_synth_pamap2_options, difficulty),
     "0 easy .. 1 as hard as the real set (default 1)"},
};

static void synth_init(void *opts) { pt_synth_pamap2_options_init(opts); }

static int synth(const char *dir, const void *opts, char *err, size_t errlen) {
    return pt_synth_pamap2(dir, opts, err, errlen);
}

static void synth_done(const char *dir, const void *opts) {
    const pt_synth_pamap2_options *o = opts;
    fprintf(stderr, "powertrain synth: wrote %d PAMAP2 subjects to %s/Protocol (seed %llu)\n", o->subjects, dir,
            (unsigned long long)o->seed);
}

static const pt_data_task tasks[] = {{"pamap2", "pamap2_cnn", PT_DATA_USE_LABEL}};

const pt_data_entry pt_data_pamap2 = {
    .name = "pamap2",
    .summary = "PAMAP2 physical activity monitoring",
    .dir_hint = "a folder with Protocol/subject1NN.dat",
    .tasks = tasks,
    .ntasks = 1,
    .open = pamap2_open,
    .close = pamap2_close,
    .info_args = info_args,
    .ninfo_args = sizeof info_args / sizeof info_args[0],
    .info_opts_size = sizeof(info_opts),
    .info_init = info_init,
    .info = pamap2_info,
    .synth_help = "  pamap2: DIR/Protocol/subject101.dat .. (54 columns at 100 Hz: activity models,\n"
                  "          heart rate at ~9 Hz, IMU drop-outs as NaN; subject variation, similar\n"
                  "          activities, noise and drift by --difficulty)\n",
    .synth_args = synth_args,
    .nsynth_args = sizeof synth_args / sizeof synth_args[0],
    .synth_opts_size = sizeof(pt_synth_pamap2_options),
    .synth_seed_offset = offsetof(pt_synth_pamap2_options, seed),
    .synth_init = synth_init,
    .synth = synth,
    .synth_done = synth_done,
};
