/* test_pamap2.c -- the PAMAP2 reader on hand-written lines with the real quirks (NaN,
 * activity 0, CRLF, trailing blanks, a timestamp jump, a short line, a non-number),
 * giving exact windows; number parsing; the cache; the split; and the synthetic
 * generator: deterministic by seed, read back, learnable by a nearest-centroid rule. */
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

/* A line: timestamp, activity, heart rate, hand_acc16_x (col 4), chest_temp (col 20);
 * every other column 0.5 (orientation 1 0 0 0), NaN where a value is NaN. */
static void put_line(FILE *f, double t, int act, double hr, double acc, double temp, const char *end) {
    fprintf(f, "%.2f %d ", t, act);
    if (isnan(hr)) fprintf(f, "NaN");
    else fprintf(f, "%g", hr);
    for (int c = 3; c < 54; c++) {
        double v = c == 4 ? acc : c == 20 ? temp : 0.5;
        if (isnan(v)) fprintf(f, " NaN");
        else fprintf(f, " %g", v);
    }
    fputs(end, f);
}

static void write_fixture(const char *path) {
    FILE *f = fopen(path, "wb");
    double N = NAN;
    put_line(f, 0.00, 0, N, 9, 30, "\n");       /* transient: dropped */
    put_line(f, 0.01, 1, N, 1, 30, "\n");       /* HR back-filled from the first reading */
    put_line(f, 0.02, 1, N, N, 30, "\n");       /* 1-sample gap: interpolated to 2 */
    put_line(f, 0.03, 1, 100, 3, 30, "\n");
    put_line(f, 0.04, 1, N, 4, 30, "\r\n");     /* CRLF */
    put_line(f, 0.05, 1, 102, 5, 30, "  \t\n"); /* trailing blanks */
    put_line(f, 0.06, 1, N, 6, 31, "\n");
    put_line(f, 0.07, 4, N, N, 31, "\n");       /* 3-sample gap at a segment start: stays NaN */
    put_line(f, 0.08, 4, N, N, 31, "\n");
    put_line(f, 0.09, 4, N, N, 31, "\n");
    put_line(f, 0.10, 4, N, 11, 31, "\n");
    fputs("\n", f);                              /* a blank line */
    put_line(f, 0.11, 4, N, 12, 31, "\n");
    put_line(f, 0.12, 4, N, 13, 31, "\n");
    put_line(f, 0.13, 4, N, 14, 31, "\n");
    put_line(f, 0.14, 4, N, 15, 31, "\n");
    put_line(f, 0.50, 4, N, 16, 31, "\n");      /* a timestamp jump: a new, too short segment */
    put_line(f, 0.51, 4, N, 17, 31, "\n");
    put_line(f, 0.52, 4, N, 18, 31, "");        /* no final newline */
    fclose(f);
}

static void check_error(const char *content, const char *want) {
    char d[512], p[600], err[1024];
    snprintf(d, sizeof d, "%s/bad", tmp);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/subject102.dat", d);
    FILE *f = fopen(p, "wb");
    put_line(f, 0.00, 1, 90, 1, 30, "\n");
    fputs(content, f);
    fclose(f);
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    o.cache_dir = "";
    pt_pamap2 pm;
    CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == -1);
    CHECK_CONTAINS(err, want);
    CHECK(pm.nwindows == 0 && pm.series == NULL);
    unlink(p);
    rmdir(d);
}

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

static void rm_rf(const char *d) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    CHECK(system(cmd) == 0);
}

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/pt_test_pamap2.XXXXXX");
    CHECK(mkdtemp(tmp) != NULL);
    char err[1024], d[512], p[600], cache[512];

    /* numbers */
    double v;
    const char *nums[] = {"8.38", "-0.0922174", "1e-3", "NaN", "-nan", "104", ".5", "3.", "+2.5E2",
                          "0.12345678901234567890123"};
    double want[] = {8.38, -0.0922174, 1e-3, NAN, NAN, 104, 0.5, 3, 250, 0.12345678901234567890123};
    for (int i = 0; i < 10; i++) {
        CHECK(pt_pamap2_parse_number(nums[i], nums[i] + strlen(nums[i]), &v) == 0);
        if (isnan(want[i])) CHECK(isnan(v));
        else CHECK(v == want[i]);
    }
    const char *bad[] = {"abc", "1.2.3", "", "-", "1e", "0x10", "inf", "1,5"};
    for (int i = 0; i < 8; i++) CHECK(pt_pamap2_parse_number(bad[i], bad[i] + strlen(bad[i]), &v) == -1);

    /* names and options */
    char name[32];
    CHECK_STR(pt_pamap2_column_name(4, name, sizeof name), "hand_acc16_x");
    CHECK_STR(pt_pamap2_column_name(53, name, sizeof name), "ankle_orient_3");
    CHECK_STR(pt_pamap2_activity_name(24), "rope jumping");
    CHECK(pt_pamap2_activity_class(24, 0) == 11 && pt_pamap2_activity_class(9, 0) == -1 &&
          pt_pamap2_activity_class(9, 1) == 12 && pt_pamap2_activity_class(0, 1) == -1);
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    CHECK(o.nchannels == PT_PAMAP2_CHANNELS && o.window == 128 && o.step == 64);
    CHECK(o.columns[0] == 2 && o.columns[1] == 3 && o.columns[13] == 15 && o.columns[14] == 20 &&
          o.columns[39] == 49);
    CHECK(pt_pamap2_set_channels(&o, "acc", err, sizeof err) == 0 && o.nchannels == 9 && o.columns[8] == 40);
    CHECK(pt_pamap2_set_channels(&o, "heart_rate,nose", err, sizeof err) == -1);
    CHECK_CONTAINS(err, "unknown channel 'nose'");
    CHECK(pt_pamap2_set_channels(&o, "16", err, sizeof err) == 0 && o.nchannels == 1); /* orientation allowed */

    /* the hand-written file: exact windows */
    snprintf(d, sizeof d, "%s/hand", tmp);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/Protocol", d);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/Protocol/subject101.dat", d);
    write_fixture(p);
    pt_pamap2_options_init(&o);
    CHECK(pt_pamap2_set_channels(&o, "heart_rate,hand_acc16_x,chest_temp", err, sizeof err) == 0);
    o.window = 4;
    o.step = 2;
    o.max_gap = 2;
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    o.cache_dir = cache;
    for (int pass = 0; pass < 2; pass++) {
        pt_pamap2 pm;
        int rc = pt_pamap2_load(d, &o, &pm, err, sizeof err);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "%s\n", err);
            break;
        }
        CHECK(pm.from_cache == pass);
        CHECK(pm.nwindows == 3 && pm.window == 4 && pm.channels == 3 && pm.nclasses == 12);
        CHECK(pm.lines == 18 && pm.transient_rows == 1 && pm.dropped_windows == 2 && pm.nfiles == 1);
        CHECK(pm.interpolated == 1);
        CHECK(pm.nsplit[0] == 3 && pm.nsplit[1] == 0 && pm.nsplit[2] == 0);
        const float w0[12] = {100, 1, 30, 100, 2, 30, 100, 3, 30, 100, 4, 30};
        const float w1[12] = {100, 3, 30, 100, 4, 30, 102, 5, 30, 102, 6, 31};
        const float w2[12] = {102, 12, 31, 102, 13, 31, 102, 14, 31, 102, 15, 31};
        const float *ws[3] = {w0, w1, w2};
        const int labels[3] = {0, 0, 3};
        for (int w = 0; w < 3 && pm.nwindows == 3; w++) {
            CHECK(memcmp(pm.series + pm.offset[w], ws[w], sizeof w0) == 0);
            CHECK(pm.label[w] == labels[w] && pm.subject[w] == 1);
        }
        /* normalised with the training statistics */
        pt_dataset ds;
        pt_pamap2_dataset(&pm, PT_PAMAP2_TRAIN, &ds);
        CHECK(ds.n == 3 && ds.rank == 2 && ds.shape[0] == 4 && ds.shape[1] == 3 && ds.nclasses == 12);
        CHECK_NEAR(pm.mean[1], (1 + 2 + 3 + 4 + 3 + 4 + 5 + 6 + 12 + 13 + 14 + 15) / 12.0, 1e-5, 1e-5);
        float x[12];
        int64_t i1 = 1;
        pt_batcher_fill(&ds, &i1, 1, x, NULL, NULL);
        CHECK_NEAR(x[7], (5 - pm.mean[1]) / pm.std[1], 1e-5, 1e-5);
        CHECK_CONTAINS(pm.cache_path, cache);
        pt_pamap2_free(&pm);
    }
    /* a damaged cache file is ignored and rebuilt */
    {
        pt_pamap2 pm;
        CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0 && pm.from_cache == 1);
        char cpath[4096];
        snprintf(cpath, sizeof cpath, "%s", pm.cache_path);
        pt_pamap2_free(&pm);
        struct stat st;
        CHECK(stat(cpath, &st) == 0 && truncate(cpath, st.st_size - 1) == 0);
        CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0 && pm.from_cache == 0 && pm.nwindows == 3);
        pt_pamap2_free(&pm);
        CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0 && pm.from_cache == 1 && pm.nwindows == 3);
        pt_pamap2_free(&pm);
        /* a FIFO where the cache file goes is no cache (it blocked the load): rebuilt;
         * alarm: a blocking open fails the test instead of hanging it */
        CHECK(unlink(cpath) == 0 && mkfifo(cpath, 0600) == 0);
        alarm(20);
        CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0 && pm.from_cache == 0 && pm.nwindows == 3);
        alarm(0);
        pt_pamap2_free(&pm);
        CHECK(stat(cpath, &st) == 0 && S_ISREG(st.st_mode)); /* the rebuilt cache replaced it */
    }
    /* the cache follows the files: a changed file is parsed again */
    {
        FILE *f = fopen(p, "ab");
        fputs("\n", f);
        fclose(f);
        pt_pamap2 pm;
        CHECK(pt_pamap2_load(d, &o, &pm, err, sizeof err) == 0 && pm.from_cache == 0 && pm.nwindows == 3);
        pt_pamap2_free(&pm);
    }

    /* errors name file and line */
    char line[2048];
    check_error("0.01 1 90 1 2 3\n", "subject102.dat:2: expected 54 columns, found 6");
    {
        FILE *f = fmemopen(line, sizeof line, "w");
        put_line(f, 0.01, 1, 90, 1, 30, "\n");
        fclose(f);
        char *q = strstr(line, " 1 0.5");
        memcpy(q, " x1 ", 4);
        memmove(q + 4, q + 6, strlen(q + 6) + 1);
        check_error(line, "subject102.dat:2: field 5 (hand_acc16_x): 'x1' is not a number");
        f = fmemopen(line, sizeof line, "w");
        put_line(f, 0.01, 8, 90, 1, 30, "\r\n");
        fclose(f);
        check_error(line, "subject102.dat:2: field 2 (activity): '8' is not a PAMAP2 activity ID");
        f = fmemopen(line, sizeof line, "w");
        put_line(f, 0.01, 1, 90, 1, 30, " 7\n");
        fclose(f);
        check_error(line, "subject102.dat:2: expected 54 columns, found 55");
        /* an activity that is NaN or beyond int's range: an error, never a cast (this
         * file is built with float-to-int casts trapping, see data.cmake) */
        const char *acts[] = {"NaN", "1e10", "-3e9", "inf"};
        const char *wants[] = {"field 2 (activity): 'NaN' is not a PAMAP2 activity ID",
                               "field 2 (activity): '1e+10' is not a PAMAP2 activity ID",
                               "field 2 (activity): '-3e+09' is not a PAMAP2 activity ID",
                               "field 2 (activity): 'inf' is not a number"};
        for (int k = 0; k < 4; k++) {
            f = fmemopen(line, sizeof line, "w");
            put_line(f, 0.01, 1, 90, 1, 30, "\n");
            fclose(f);
            char *qa = strchr(line, ' '), rest[2048];
            snprintf(rest, sizeof rest, "%s", strchr(qa + 1, ' '));
            snprintf(qa + 1, sizeof line - (size_t)(qa + 1 - line), "%s%s", acts[k], rest);
            char want[200];
            snprintf(want, sizeof want, "subject102.dat:2: %s", wants[k]);
            check_error(line, want);
        }
        /* a value beyond float's range in an IMU column: an error, never inf */
        f = fmemopen(line, sizeof line, "w");
        put_line(f, 0.01, 1, 90, 1, 30, "\n");
        fclose(f);
        q = strstr(line, " 1 0.5");
        memmove(q + 6, q + 2, strlen(q + 2) + 1);
        memcpy(q, " 1e300", 6);
        check_error(line, "subject102.dat:2: field 5 (hand_acc16_x): '1e+300' is out of range");
    }
    /* random bytes (NULs, no newlines, huge tokens): an error naming the file, never a crash */
    {
        char gd[512], gp[600];
        snprintf(gd, sizeof gd, "%s/garbage", tmp);
        mkdir(gd, 0755);
        snprintf(gp, sizeof gp, "%s/subject103.dat", gd);
        uint64_t x = 88172645463325252ull;
        for (int round = 0; round < 20; round++) {
            FILE *f = fopen(gp, "wb");
            size_t n = 1000 + (size_t)round * 5000;
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                int c = round % 2 ? (int)(x % 256) : " 0123456789.-eNa\n\t\r"[x % 19];
                fputc(c, f);
            }
            fclose(f);
            pt_pamap2_options go;
            pt_pamap2_options_init(&go);
            go.cache_dir = "";
            pt_pamap2 gm;
            int rc = pt_pamap2_load(gd, &go, &gm, err, sizeof err);
            if (rc == 0) pt_pamap2_free(&gm);
            else CHECK_CONTAINS(err, "subject103.dat");
        }
        unlink(gp);
        rmdir(gd);
    }
    CHECK(pt_pamap2_load(tmp, &o, &(pt_pamap2){0}, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "no PAMAP2 files");

    /* the generator: same seed, same bytes; another seed, other bytes */
    pt_synth_pamap2_options so;
    pt_synth_pamap2_options_init(&so);
    CHECK(so.subjects == 9 && so.seed == 1);
    so.subjects = 4;
    so.seconds = 4;
    so.seed = 7;
    so.difficulty = 0; /* the easy set: learnable by nearest centroid (difficulty 1: test_synth_pamap2) */
    char g1[512], g2[512], g3[512];
    snprintf(g1, sizeof g1, "%s/g1", tmp);
    snprintf(g2, sizeof g2, "%s/g2", tmp);
    snprintf(g3, sizeof g3, "%s/g3", tmp);
    CHECK(pt_synth_pamap2(g1, &so, err, sizeof err) == 0);
    CHECK(pt_synth_pamap2(g2, &so, err, sizeof err) == 0);
    so.seed = 8;
    so.subjects = 1;
    CHECK(pt_synth_pamap2(g3, &so, err, sizeof err) == 0);
    for (int k = 1; k <= 4; k++) {
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/Protocol/subject10%d.dat", g1, k);
        snprintf(b, sizeof b, "%s/Protocol/subject10%d.dat", g2, k);
        CHECK(files_equal(a, b));
        if (k == 1) {
            snprintf(b, sizeof b, "%s/Protocol/subject101.dat", g3);
            CHECK(!files_equal(a, b));
        }
    }
    /* read back by the real reader: 4 subjects -> val 103, test 104 */
    pt_pamap2_options_init(&o);
    o.cache_dir = "";
    o.window = 64;
    o.step = 32;
    pt_pamap2 pm;
    CHECK(pt_pamap2_load(g1, &o, &pm, err, sizeof err) == 0);
    CHECK(pm.nwindows > 0 && pm.channels == 40);
    CHECK(pm.nsplit[0] + pm.nsplit[1] + pm.nsplit[2] == pm.nwindows);
    CHECK(pm.nsplit_subjects[1] == 1 && pm.split_subjects[1][0] == 103);
    CHECK(pm.nsplit_subjects[2] == 1 && pm.split_subjects[2][0] == 104);
    CHECK(pm.nsplit_subjects[0] == 2 && pm.split_subjects[0][0] == 101 && pm.split_subjects[0][1] == 102);
    CHECK(pm.interpolated > 0 && pm.transient_rows > 0);
    /* every class in every split */
    for (int k = 0; k < 3; k++) {
        pt_dataset ds;
        pt_pamap2_dataset(&pm, (pt_pamap2_split)k, &ds);
        int64_t counts[12];
        pt_dataset_class_counts(&ds, counts);
        for (int c = 0; c < 12; c++) CHECK(counts[c] > 0);
    }
    /* learnable: nearest centroid on per-channel mean and std of the normalised window,
     * trained on 101-102, tested on 104 */
    {
        pt_dataset tr, te;
        pt_pamap2_dataset(&pm, PT_PAMAP2_TRAIN, &tr);
        pt_pamap2_dataset(&pm, PT_PAMAP2_TEST, &te);
        enum { F = 80 };
        static double cent[12][F];
        int cnt[12] = {0};
        float *x = malloc(sizeof(float) * 64 * 40);
        double feat[F];
        for (int pass = 0; pass < 2; pass++) {
            pt_dataset *ds = pass ? &te : &tr;
            int correct = 0;
            for (int64_t i = 0; i < ds->n; i++) {
                int32_t lab;
                pt_batcher_fill(ds, &i, 1, x, &lab, NULL);
                for (int c = 0; c < 40; c++) {
                    double s = 0, ss = 0;
                    for (int t = 0; t < 64; t++) s += x[t * 40 + c], ss += x[t * 40 + c] * x[t * 40 + c];
                    feat[c] = s / 64;
                    feat[40 + c] = sqrt(fmax(ss / 64 - feat[c] * feat[c], 0));
                }
                if (!pass) {
                    for (int f = 0; f < F; f++) cent[lab][f] += feat[f];
                    cnt[lab]++;
                } else {
                    int best = -1;
                    double bd = 1e300;
                    for (int c = 0; c < 12; c++) {
                        double dd = 0;
                        for (int f = 0; f < F; f++) dd += (feat[f] - cent[c][f]) * (feat[f] - cent[c][f]);
                        if (dd < bd) bd = dd, best = c;
                    }
                    correct += best == lab;
                }
            }
            if (!pass)
                for (int c = 0; c < 12; c++)
                    for (int f = 0; f < F; f++) cent[c][f] /= cnt[c] ? cnt[c] : 1;
            else {
                double acc = (double)correct / (double)ds->n;
                fprintf(stderr, "test_pamap2: nearest-centroid accuracy on the test subject %.3f (%lld windows)\n",
                        acc, (long long)ds->n);
                CHECK(acc > 0.8);
            }
        }
        free(x);
    }
    pt_pamap2_free(&pm);
    rm_rf(tmp);
    return pt_test_finish("test_pamap2");
}
