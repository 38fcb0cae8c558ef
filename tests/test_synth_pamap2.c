/* test_synth_pamap2.c -- the PAMAP2 generator's difficulty (synth.h): deterministic by
 * seed; the real files' missing values (heart rate at ~9 Hz, IMU drop-outs, more of them
 * at difficulty 1); read back by the real reader with every class in every split;
 * similar activities (walking, Nordic walking) closer than distinct ones, and closer
 * at difficulty 1 than at 0; subjects differ more at 1 (a nearest-centroid rule trained
 * on some subjects does worse on another). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/batcher.h"
#include "data/pamap2.h"
#include "data/synth.h"
#include "test.h"

static char tmp[256];

static int files_equal(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int eq = fa && fb;
    while (eq) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) eq = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return eq;
}

static void gen(const char *name, double difficulty, uint64_t seed) {
    pt_synth_pamap2_options o;
    pt_synth_pamap2_options_init(&o);
    o.subjects = 6;
    o.seconds = 8;
    o.seed = seed;
    o.difficulty = difficulty;
    char d[512], err[1024];
    snprintf(d, sizeof d, "%s/%s", tmp, name);
    CHECK(pt_synth_pamap2(d, &o, err, sizeof err) == 0);
}

/* Fractions of rows of one file with a heart-rate reading and with the hand IMU missing. */
static void nan_fractions(const char *name, double *hr, double *imu) {
    char p[600], line[4096];
    snprintf(p, sizeof p, "%s/%s/Protocol/subject101.dat", tmp, name);
    FILE *f = fopen(p, "r");
    CHECK(f != NULL);
    long rows = 0, hr_n = 0, imu_nan = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *s = line, *tok[5];
        for (int c = 0; c < 5; c++) tok[c] = strtok_r(c ? NULL : s, " \n", &s);
        rows++;
        hr_n += tok[2] && strcmp(tok[2], "NaN") != 0;
        imu_nan += tok[4] && !strcmp(tok[4], "NaN"); /* hand_acc16_x */
    }
    if (f) fclose(f);
    *hr = rows ? (double)hr_n / (double)rows : 0;
    *imu = rows ? (double)imu_nan / (double)rows : 0;
}

enum { F = 80 }; /* per channel: mean and sd of the normalised window */

static void features(const float *x, int w, double *feat) {
    for (int c = 0; c < 40; c++) {
        double s = 0, ss = 0;
        for (int t = 0; t < w; t++) s += x[t * 40 + c], ss += x[t * 40 + c] * x[t * 40 + c];
        feat[c] = s / w;
        feat[40 + c] = sqrt(fmax(ss / w - feat[c] * feat[c], 0));
    }
}

typedef struct {
    double walk_nordic, walk_running, walk_min_other; /* centroid distances on train */
    double cross_subject_acc;                          /* nearest centroid, train -> test */
} set_stats;

static double dist(const double *a, const double *b) {
    double d = 0;
    for (int f = 0; f < F; f++) d += (a[f] - b[f]) * (a[f] - b[f]);
    return sqrt(d);
}

/* Loads set NAME with the real reader and measures it (classes: 3 walking, 4 running,
 * 6 Nordic walking; the gait group is 3, 6, 7, 8). */
static void measure(const char *name, set_stats *st) {
    char d[512], err[1024];
    snprintf(d, sizeof d, "%s/%s", tmp, name);
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    o.cache_dir = "";
    o.window = 64;
    o.step = 32;
    pt_pamap2 pm;
    CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0);
    CHECK(pm.channels == 40 && pm.nsplit[0] > 0 && pm.nsplit[1] > 0 && pm.nsplit[2] > 0);
    static double cent[12][F];
    memset(cent, 0, sizeof cent);
    int64_t cnt[12] = {0};
    float *x = malloc(sizeof(float) * 64 * 40);
    double feat[F];
    for (int split = 0; split < 3; split++) {
        pt_dataset ds;
        pt_pamap2_dataset(&pm, (pt_pamap2_split)split, &ds);
        int64_t counts[12];
        pt_dataset_class_counts(&ds, counts);
        for (int c = 0; c < 12; c++) CHECK(counts[c] > 0); /* every class in every split */
    }
    for (int pass = 0; pass < 2; pass++) {
        pt_dataset ds;
        pt_pamap2_dataset(&pm, pass ? PT_PAMAP2_TEST : PT_PAMAP2_TRAIN, &ds);
        int64_t correct = 0;
        for (int64_t i = 0; i < ds.n; i++) {
            int32_t lab;
            pt_batcher_fill(&ds, &i, 1, x, &lab, NULL);
            features(x, 64, feat);
            if (!pass) {
                for (int f = 0; f < F; f++) cent[lab][f] += feat[f];
                cnt[lab]++;
                continue;
            }
            int best = 0;
            for (int c = 1; c < 12; c++)
                if (dist(feat, cent[c]) < dist(feat, cent[best])) best = c;
            correct += best == lab;
        }
        if (!pass)
            for (int c = 0; c < 12; c++)
                for (int f = 0; f < F; f++) cent[c][f] /= cnt[c] ? (double)cnt[c] : 1;
        else
            st->cross_subject_acc = ds.n ? (double)correct / (double)ds.n : 0;
    }
    st->walk_nordic = dist(cent[3], cent[6]);
    st->walk_running = dist(cent[3], cent[4]);
    st->walk_min_other = 1e300;
    for (int c = 0; c < 12; c++)
        if (c != 3 && c != 6 && c != 7 && c != 8) st->walk_min_other = fmin(st->walk_min_other, dist(cent[3], cent[c]));
    free(x);
    pt_pamap2_free(&pm);
}

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/pt_test_synth_pamap2.XXXXXX");
    CHECK(mkdtemp(tmp) != NULL);
    pt_synth_pamap2_options o;
    pt_synth_pamap2_options_init(&o);
    CHECK(o.difficulty == 1);
    char err[1024], d[512];
    o.difficulty = 1.5;
    snprintf(d, sizeof d, "%s/bad", tmp);
    CHECK(pt_synth_pamap2(d, &o, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "difficulty 0..1");

    /* deterministic by seed, at either difficulty */
    gen("hard", 1, 3);
    gen("hard2", 1, 3);
    gen("hard_seed4", 1, 4);
    gen("easy", 0, 3);
    char a[600], b[600], c[600], e[600];
    for (int k = 1; k <= 6; k++) {
        snprintf(a, sizeof a, "%s/hard/Protocol/subject10%d.dat", tmp, k);
        snprintf(b, sizeof b, "%s/hard2/Protocol/subject10%d.dat", tmp, k);
        snprintf(c, sizeof c, "%s/hard_seed4/Protocol/subject10%d.dat", tmp, k);
        snprintf(e, sizeof e, "%s/easy/Protocol/subject10%d.dat", tmp, k);
        CHECK(files_equal(a, b));
        CHECK(!files_equal(a, c));
        CHECK(!files_equal(a, e));
    }

    /* missing values as in the real files: heart rate every 11th row; IMU drop-outs,
     * more at difficulty 1 (short ones x3, long ones x1.5) */
    double hr1, imu1, hr0, imu0;
    nan_fractions("hard", &hr1, &imu1);
    nan_fractions("easy", &hr0, &imu0);
    fprintf(stderr, "test_synth_pamap2: heart-rate readings %.4f / %.4f of rows, hand IMU missing %.4f / %.4f "
            "(difficulty 1 / 0)\n", hr1, hr0, imu1, imu0);
    CHECK(hr1 > 0.085 && hr1 < 0.097 && hr0 > 0.085 && hr0 < 0.097);
    CHECK(imu1 > 0.02 && imu1 < 0.15);
    CHECK(imu0 > 0.002 && imu0 < imu1);

    /* similar activities overlap; subjects differ */
    set_stats hard, easy;
    measure("hard", &hard);
    measure("easy", &easy);
    fprintf(stderr, "test_synth_pamap2: walking-Nordic %.2f, walking-running %.2f, walking-nearest non-gait %.2f, "
            "cross-subject nearest centroid %.3f (difficulty 1); %.2f, %.2f, %.2f, %.3f (difficulty 0)\n",
            hard.walk_nordic, hard.walk_running, hard.walk_min_other, hard.cross_subject_acc, easy.walk_nordic,
            easy.walk_running, easy.walk_min_other, easy.cross_subject_acc);
    CHECK(hard.walk_nordic < hard.walk_min_other);
    CHECK(hard.walk_nordic / hard.walk_running < easy.walk_nordic / easy.walk_running);
    CHECK(easy.cross_subject_acc > 0.8);
    CHECK(hard.cross_subject_acc < easy.cross_subject_acc - 0.1);
    CHECK(hard.cross_subject_acc > 0.25); /* harder, still far above chance (1/12) */

    snprintf(d, sizeof d, "rm -rf '%s'", tmp);
    CHECK(system(d) == 0);
    return pt_test_finish("test_synth_pamap2");
}
