/* cmd_data.c -- `powertrain data info`: what a data set holds (samples per class and
 * split, shape, normalisation, cache location), loading it the way training will. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/celeba.h"
#include "data/fmnist.h"
#include "data/pamap2.h"

static const char *data_help =
    "usage: powertrain data info --dataset pamap2|celeba|fmnist [--data DIR] [options]\n"
    "\n"
    "Loads a data set as training would (building its cache on first use) and prints\n"
    "samples per class and split, the sample shape, the normalisation and the cache.\n"
    "\n"
    "  --data DIR          the data directory (fmnist default: " PT_FMNIST_DEFAULT_DIR ")\n"
    "  --cache-dir DIR     cache directory (default $POWERTRAIN_CACHE_DIR, else\n"
    "                      $XDG_CACHE_HOME/powertrain, else ~/.cache/powertrain)\n"
    "  --no-cache          neither read nor write a cache\n"
    "pamap2:\n"
    "  --channels SPEC     default (40) | acc | imu | names or columns, comma-separated\n"
    "  --window N          samples per window (default 128)\n"
    "  --step N            samples between window starts (default 64)\n"
    "  --optional          add the 6 optional activities (18 classes) and Optional/\n"
    "celeba:\n"
    "  --size N            width and height of the cached images (default 64)\n"
    "  --native            keep the 178x218 images\n";

static void progress(void *ctx, int64_t done, int64_t total) {
    (void)ctx;
    if (done == total || done % 64 == 0) {
        fprintf(stderr, "\rpowertrain data: caching images %lld/%lld", (long long)done, (long long)total);
        if (done == total) fputc('\n', stderr);
    }
}

static void print_split_table(int nclasses, const char *(*name)(int, void *), void *ctx,
                              const pt_dataset *views, int nviews, const char *const *vnames) {
    int64_t counts[3][256];
    printf("%-22s", "class");
    for (int v = 0; v < nviews; v++) {
        pt_dataset_class_counts(&views[v], counts[v]);
        printf(" %9s", vnames[v]);
    }
    printf("\n");
    int64_t tot[3] = {0, 0, 0};
    for (int c = 0; c < nclasses; c++) {
        printf("%-22.22s", name(c, ctx));
        for (int v = 0; v < nviews; v++) {
            printf(" %9lld", (long long)counts[v][c]);
            tot[v] += counts[v][c];
        }
        printf("\n");
    }
    printf("%-22s", "total");
    for (int v = 0; v < nviews; v++) printf(" %9lld", (long long)tot[v]);
    printf("\n");
}

static const char *pamap2_class(int c, void *ctx) {
    (void)ctx;
    return pt_pamap2_activity_name(pt_pamap2_activities[c]);
}

static const char *fmnist_class(int c, void *ctx) {
    (void)ctx;
    return pt_fmnist_class_name(c);
}

static const char *celeba_class(int c, void *ctx) {
    static char buf[32];
    snprintf(buf, sizeof buf, "identity %d", ((const pt_celeba *)ctx)->identity_id[c]);
    return buf;
}

static void print_subjects(const char *label, const int *s, int n, int64_t windows) {
    printf("  %-6s %7lld windows, subjects", label, (long long)windows);
    if (!n) printf(" (none)");
    for (int i = 0; i < n; i++) printf(" %d", s[i]);
    printf("\n");
}

int pt_cli_data(int argc, char **argv) {
    const char *verb = "data";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(data_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? PT_EXIT_USAGE : PT_EXIT_OK;
    }
    if (strcmp(argv[1], "info") != 0)
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown subcommand '%s' (try powertrain data info)", argv[1]);
    const char *dataset = NULL, *dir = NULL, *cache_dir = NULL, *channels = NULL;
    long window = PT_PAMAP2_WINDOW, step = PT_PAMAP2_STEP, size = PT_CELEBA_SIZE;
    int optional = 0, native = 0;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(data_help, stdout);
            return PT_EXIT_OK;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--dataset", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            dataset = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--data", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            dir = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--cache-dir", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            cache_dir = v;
        } else if (!strcmp(argv[i], "--no-cache")) {
            cache_dir = "";
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--channels", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            channels = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--window", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--window", v, 2, 100000, &window)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--step", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--step", v, 1, 100000, &step)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--size", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--size", v, 8, 1024, &size)) return PT_EXIT_USAGE;
        } else if (!strcmp(argv[i], "--optional")) {
            optional = 1;
        } else if (!strcmp(argv[i], "--native")) {
            native = 1;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain data --help)", argv[i]);
        }
    }
    if (!dataset) return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset pamap2|celeba|fmnist is required");
    char err[2048];
    if (!strcmp(dataset, "fmnist")) {
        if (!dir) dir = PT_FMNIST_DEFAULT_DIR;
        pt_fmnist tr, te;
        if (pt_fmnist_load(dir, 1, &tr, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        if (pt_fmnist_load(dir, 0, &te, err, sizeof err) != 0) {
            pt_fmnist_free(&tr);
            return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        }
        pt_dataset v[2];
        pt_fmnist_dataset(&tr, 1, &v[0]);
        pt_fmnist_dataset(&te, 0, &v[1]);
        float m, s;
        pt_dataset_channel_stats(&v[0], &m, &s);
        printf("dataset   fmnist (Fashion-MNIST)\n");
        printf("data      %s (gzip IDX: train-*, t10k-*)\n", dir);
        printf("samples   28x28x1 uint8 images (NHWC), 10 classes; train %lld, test %lld\n",
               (long long)tr.n, (long long)te.n);
        printf("normalise x/255: mean %.5f, std %.5f (training images)\n", m, s);
        printf("cache     none (the IDX files are read directly)\n\n");
        const char *vn[2] = {"train", "test"};
        print_split_table(10, fmnist_class, NULL, v, 2, vn);
        pt_fmnist_free(&tr);
        pt_fmnist_free(&te);
        return PT_EXIT_OK;
    }
    if (!dir) return pt_cli_error(verb, PT_EXIT_USAGE, "--data DIR is required for %s", dataset);
    const char *vn[3] = {"train", "val", "test"};
    if (!strcmp(dataset, "pamap2")) {
        pt_pamap2_options o;
        pt_pamap2_options_init(&o);
        if (channels && pt_pamap2_set_channels(&o, channels, err, sizeof err) != 0)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--channels: %s", err);
        o.window = (int)window;
        o.step = (int)step;
        o.optional = optional;
        o.cache_dir = cache_dir;
        pt_pamap2 p;
        if (pt_pamap2_load(dir, &o, &p, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        printf("dataset   pamap2 (PAMAP2 physical activity monitoring)\n");
        printf("data      %s: %d files, %.1f MB, %lld lines\n", dir, p.nfiles, (double)p.bytes / 1e6,
               (long long)p.lines);
        printf("windows   %d samples x %d channels (NWC float32), step %d, %d classes\n", p.window, p.channels,
               o.step, p.nclasses);
        printf("channels ");
        char name[32];
        for (int c = 0; c < p.channels; c++) printf(" %s", pt_pamap2_column_name(o.columns[c], name, sizeof name));
        printf("\n");
        printf("cleaning  %lld transient rows dropped, %lld IMU values interpolated, %lld windows dropped for gaps\n",
               (long long)p.transient_rows, (long long)p.interpolated, (long long)p.dropped_windows);
        printf("cache     %s%s\n", p.cache_path[0] ? p.cache_path : "none",
               p.cache_path[0] ? (p.from_cache ? " (read)" : " (written)") : "");
        printf("split     leave subjects out\n");
        for (int k = 0; k < 3; k++) print_subjects(vn[k], p.split_subjects[k], p.nsplit_subjects[k], p.nsplit[k]);
        printf("\n");
        pt_dataset v[3];
        for (int k = 0; k < 3; k++) pt_pamap2_dataset(&p, (pt_pamap2_split)k, &v[k]);
        print_split_table(p.nclasses, pamap2_class, NULL, v, 3, vn);
        pt_pamap2_free(&p);
        return PT_EXIT_OK;
    }
    if (!strcmp(dataset, "celeba")) {
        pt_celeba_options o;
        pt_celeba_options_init(&o);
        o.width = native ? PT_CELEBA_SRC_W : (int)size;
        o.height = native ? PT_CELEBA_SRC_H : (int)size;
        o.cache_dir = cache_dir;
        if (isatty(2)) o.progress = progress;
        pt_celeba c;
        if (pt_celeba_load(dir, &o, &c, err, sizeof err) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", err);
        printf("dataset   celeba (CelebA, the %d most frequent identities)\n", c.nidentities);
        printf("data      %s: %lld attribute lines, %lld identity lines, %lld images with both\n", dir,
               (long long)c.attr_lines, (long long)c.identity_lines, (long long)c.both_labels);
        printf("images    %dx%dx3 uint8 (NHWC), %lld in the subset; targets: identity (%d classes) and %d attributes\n",
               c.width, c.height, (long long)c.n, c.nidentities, PT_CELEBA_ATTRS);
        printf("normalise x/255: mean %.4f %.4f %.4f, std %.4f %.4f %.4f (training images)\n", c.mean[0], c.mean[1],
               c.mean[2], c.std[0], c.std[1], c.std[2]);
        if (c.skipped) {
            printf("skipped   %lld unreadable images:", (long long)c.skipped);
            for (int64_t i = 0; i < c.skipped && i < PT_CELEBA_MAX_SKIPPED_NAMES; i++) printf(" %s", c.skipped_names[i]);
            printf("%s\n", c.skipped > PT_CELEBA_MAX_SKIPPED_NAMES ? " ..." : "");
        }
        printf("cache     %s%s\n", c.cache_path[0] ? c.cache_path : "none",
               c.cache_path[0] ? (c.from_cache ? " (read)" : " (written)") : "");
        printf("split     per identity %.0f/%.0f/%.0f%% (seed %llu): train %lld, val %lld, test %lld\n\n",
               100 * (1 - o.val_fraction - o.test_fraction), 100 * o.val_fraction, 100 * o.test_fraction,
               (long long unsigned)o.split_seed, (long long)c.nsplit[0], (long long)c.nsplit[1],
               (long long)c.nsplit[2]);
        pt_dataset v[3];
        for (int k = 0; k < 3; k++) pt_celeba_dataset(&c, (pt_celeba_split)k, &v[k]);
        print_split_table(c.nidentities, celeba_class, &c, v, 3, vn);
        printf("\n%-22s %9s %9s %9s\n", "attribute (share of 1)", vn[0], vn[1], vn[2]);
        for (int a = 0; a < PT_CELEBA_ATTRS; a++) {
            printf("%-22.22s", c.attr_names[a]);
            for (int k = 0; k < 3; k++) {
                int64_t ones = 0;
                for (int64_t i = 0; i < c.nsplit[k]; i++) ones += c.attrs[c.split_rows[k][i] * PT_CELEBA_ATTRS + a];
                printf(" %9.3f", c.nsplit[k] ? (double)ones / (double)c.nsplit[k] : 0.0);
            }
            printf("\n");
        }
        pt_celeba_free(&c);
        return PT_EXIT_OK;
    }
    return pt_cli_error(verb, PT_EXIT_USAGE, "--dataset: unknown data set '%s' (pamap2, celeba or fmnist)", dataset);
}
