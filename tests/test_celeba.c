/* test_celeba.c -- the CelebA reader on hand-written label files (CRLF, runs of blanks,
 * a tie for the last identity, an image without attributes, a corrupt JPEG) with
 * solid-colour JPEGs of known colour; label-file errors naming file and line; the
 * cache; resize and crop; and the synthetic generator: same seed, same bytes, read back,
 * identity learnable by a nearest-centroid rule, attributes by 1-NN. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "data/batcher.h"
#include "data/celeba.h"
#include "data/synth.h"
#include "test.h"

static char tmp[256];

static void write_file(const char *dir, const char *name, const char *text) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
}

static void write_jpeg(const char *dir, int num, int r, int g, int b, int truncate_to) {
    static uint8_t img[PT_CELEBA_SRC_W * PT_CELEBA_SRC_H * 3];
    for (int i = 0; i < PT_CELEBA_SRC_W * PT_CELEBA_SRC_H; i++) {
        img[3 * i] = (uint8_t)r;
        img[3 * i + 1] = (uint8_t)g;
        img[3 * i + 2] = (uint8_t)b;
    }
    /* a 2-pixel white frame: cropped away at 64x64 from 178x218 only partly */
    tjhandle tj = tjInitCompress();
    unsigned char *jpg = NULL;
    unsigned long len = 0;
    CHECK(tjCompress2(tj, img, PT_CELEBA_SRC_W, 0, PT_CELEBA_SRC_H, TJPF_RGB, &jpg, &len, TJSAMP_444, 100, 0) == 0);
    char p[600];
    snprintf(p, sizeof p, "%s/img_align_celeba/%06d.jpg", dir, num);
    FILE *f = fopen(p, "wb");
    fwrite(jpg, 1, truncate_to > 0 ? (size_t)truncate_to : len, f);
    fclose(f);
    tjFree(jpg);
    tjDestroy(tj);
}

static char attr_text[8192];

/* attributes: image k has attribute a set when (k + a) % 3 == 0 */
static void make_attr_text(int count, const int *nums, int n, const char *badval_line) {
    char *p = attr_text;
    p += sprintf(p, "%d\r\n", count);
    for (int a = 0; a < 40; a++) p += sprintf(p, "A%d%s", a, a < 39 ? " " : " \r\n");
    for (int i = 0; i < n; i++) {
        p += sprintf(p, "%06d.jpg", nums[i]);
        for (int a = 0; a < 40; a++) {
            if (badval_line && i == 1 && a == 3) p += sprintf(p, "  0");
            else p += sprintf(p, " %2d", (nums[i] + a) % 3 == 0 ? 1 : -1);
        }
        p += sprintf(p, i % 2 ? "\r\n" : "\n");
    }
}

static void rm_rf(const char *d) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    CHECK(system(cmd) == 0);
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

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/pt_test_celeba.XXXXXX");
    CHECK(mkdtemp(tmp) != NULL);
    char d[512], p[700], err[1024], cache[512];
    snprintf(cache, sizeof cache, "%s/cache", tmp);

    /* resize and crop: a 4x2 image with a left and right half fits 2x2 by covering
     * height (scale 1) and cropping the middle 2 columns */
    {
        uint8_t src[2 * 4 * 3], dst[2 * 2 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
                for (int c = 0; c < 3; c++) src[(y * 4 + x) * 3 + c] = (uint8_t)(x * 60 + c);
        pt_image_fit(src, 4, 2, dst, 2, 2);
        CHECK(dst[0] == 60 && dst[3] == 120 && dst[6 + 0] == 60 && dst[3 + 2] == 122);
        /* 4x4 -> 2x2: area average of 2x2 blocks */
        uint8_t s4[16 * 3], d2[4 * 3];
        for (int i = 0; i < 16; i++)
            for (int c = 0; c < 3; c++) s4[i * 3 + c] = (uint8_t)((i % 4) < 2 ? 10 : 50);
        pt_image_fit(s4, 4, 4, d2, 2, 2);
        CHECK(d2[0] == 10 && d2[3] == 50 && d2[6] == 10 && d2[9] == 50);
    }

    /* the hand-written set */
    snprintf(d, sizeof d, "%s/hand", tmp);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/img_align_celeba", d);
    mkdir(p, 0755);
    int anums[7] = {1, 2, 3, 4, 5, 6, 8};
    make_attr_text(7, anums, 7, NULL);
    write_file(d, "list_attr_celeba.txt", attr_text);
    /* identities: 10 -> {1, 2, 8} (7 has no attributes), 20 -> {3, 5}, 30 -> {4, 6} */
    write_file(d, "identity_CelebA.txt",
               "000001.jpg 10\n000002.jpg 10\r\n000003.jpg  20\n000004.jpg 30\n\n000005.jpg 20\n000006.jpg 30\n"
               "000007.jpg 10\n000008.jpg 10\n");
    write_file(d, "list_eval_partition.txt", "000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000005.jpg 2\n000008.jpg 0\n");
    int colours[9][3] = {{0}, {200, 10, 10}, {10, 200, 10}, {10, 10, 200}, {90, 90, 90}, {250, 250, 0},
                         {0, 250, 250}, {0}, {128, 64, 32}};
    for (int k = 1; k <= 8; k++)
        if (k != 7) write_jpeg(d, k, colours[k][0], colours[k][1], colours[k][2], k == 2 ? 300 : 0);
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    CHECK(o.width == 64 && o.height == 64 && o.identities == 40);
    o.identities = 2;
    o.width = o.height = 8;
    o.cache_dir = cache;
    for (int pass = 0; pass < 2; pass++) {
        pt_celeba c;
        int rc = pt_celeba_load(d, &o, &c, err, sizeof err);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "%s\n", err);
            break;
        }
        CHECK(c.from_cache == pass);
        CHECK(c.attr_lines == 7 && c.identity_lines == 8 && c.both_labels == 7);
        CHECK(c.nidentities == 2 && c.identity_id[0] == 10 && c.identity_id[1] == 20);
        CHECK(c.skipped == 1);
        CHECK_STR(c.skipped_names[0], "000002.jpg");
        CHECK(c.n == 4 && c.width == 8 && c.height == 8);
        const int want_num[4] = {1, 3, 5, 8}, want_id[4] = {0, 1, 1, 0}, want_part[4] = {0, 1, 2, 0};
        for (int i = 0; i < 4 && c.n == 4; i++) {
            CHECK(c.file_number[i] == want_num[i]);
            CHECK(c.identity[i] == want_id[i]);
            CHECK(c.partition[i] == want_part[i]);
            for (int a = 0; a < 40; a++) CHECK(c.attrs[i * 40 + a] == ((want_num[i] + a) % 3 == 0));
            const uint8_t *px = c.images + (size_t)i * 8 * 8 * 3 + (3 * 8 + 4) * 3;
            for (int ch = 0; ch < 3; ch++) CHECK(abs(px[ch] - colours[want_num[i]][ch]) <= 3);
        }
        CHECK_STR(c.attr_names[39], "A39");
        /* 3 images for id 10 and 2 for id 20 -> round(10%) = 0 in val and test */
        CHECK(c.nsplit[0] == 4 && c.nsplit[1] == 0 && c.nsplit[2] == 0);
        pt_dataset ds;
        pt_celeba_dataset(&c, PT_CELEBA_TRAIN, &ds);
        CHECK(ds.n == 4 && ds.rank == 3 && ds.shape[0] == 8 && ds.shape[2] == 3 && ds.ntargets == 40 &&
              ds.nclasses == 2);
        float x[8 * 8 * 3], t[40];
        int32_t lab;
        int64_t i3 = 3;
        pt_batcher_fill(&ds, &i3, 1, x, &lab, t);
        CHECK(lab == 0 && t[1] == 1.0f && t[0] == 0.0f); /* image 8: (8 + 1) % 3 == 0 */
        CHECK_NEAR(x[0], (128 / 255.0 - c.mean[0]) / c.std[0], 0.05, 0.05);
        pt_celeba_free(&c);
    }
    /* native size: the images are kept as they are */
    {
        pt_celeba_options n = o;
        n.width = PT_CELEBA_SRC_W;
        n.height = PT_CELEBA_SRC_H;
        n.cache_dir = "";
        pt_celeba c;
        CHECK(pt_celeba_load(d, &n, &c, err, sizeof err) == 0);
        CHECK(c.n == 4 && c.width == 178 && c.height == 218 && c.cache_path[0] == '\0');
        if (c.n == 4) CHECK(abs(c.images[(size_t)3 * 178 * 218 * 3 + 100 * 178 * 3] - 128) <= 3);
        pt_celeba_free(&c);
    }
    /* the official partition, on request */
    {
        pt_celeba_options n = o;
        n.official_split = 1;
        n.cache_dir = "";
        pt_celeba c;
        CHECK(pt_celeba_load(d, &n, &c, err, sizeof err) == 0);
        CHECK(c.nsplit[0] == 2 && c.nsplit[1] == 1 && c.nsplit[2] == 1);
        pt_celeba_free(&c);
    }
    /* errors name file and line */
    o.cache_dir = "";
    pt_celeba c;
    make_attr_text(7, anums, 7, "bad");
    write_file(d, "list_attr_celeba.txt", attr_text);
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "list_attr_celeba.txt:4: A3: value '0' is not 1 or -1");
    make_attr_text(8, anums, 7, NULL);
    write_file(d, "list_attr_celeba.txt", attr_text);
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "list_attr_celeba.txt: declares 8 images, lists 7");
    make_attr_text(7, anums, 7, NULL);
    write_file(d, "list_attr_celeba.txt", attr_text);
    write_file(d, "identity_CelebA.txt", "000001.jpg 10\n000002.jpg\n");
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "identity_CelebA.txt:2: expected 'NNNNNN.jpg ID', found '000002.jpg'");
    write_file(d, "identity_CelebA.txt", "000001.jpg 10\n000003.jpg 20\n000001.jpg 10\n");
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "identity_CelebA.txt:3: 000001.jpg listed twice");
    /* an image number far beyond what the list's size can hold: refused before the
     * table indexed by number grows to it (it asked for 770 MB) */
    write_file(d, "identity_CelebA.txt", "000001.jpg 10\n9999999.jpg 20\n");
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "identity_CelebA.txt:2: image number 9999999 is implausible for a list of 29 bytes");
    write_file(d, "identity_CelebA.txt", "000001.jpg 10\n");
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "1 identities have both label sets, 2 needed");
    snprintf(p, sizeof p, "%s/identity_CelebA.txt", d);
    unlink(p);
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "identity_CelebA.txt: No such file");
    write_file(d, "identity_CelebA.txt", "000001.jpg 10\n000003.jpg 20\n");
    write_file(d, "list_eval_partition.txt", "000001.jpg 4\n");
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "list_eval_partition.txt:1: expected 'NNNNNN.jpg 0|1|2'");
    /* every subset image corrupt: an error, not a crash */
    write_file(d, "list_eval_partition.txt", "");
    write_jpeg(d, 1, 1, 2, 3, 100);
    write_jpeg(d, 3, 1, 2, 3, 10);
    CHECK(pt_celeba_load(d, &o, &c, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "none of the 2 subset images could be decoded");

    /* the generator */
    pt_synth_celeba_options so;
    pt_synth_celeba_options_init(&so);
    CHECK(so.identities == 50 && so.images_per_id == 30);
    so.identities = 41;
    so.images_per_id = 4;
    so.seed = 3;
    char g1[512], g2[512];
    snprintf(g1, sizeof g1, "%s/g1", tmp);
    snprintf(g2, sizeof g2, "%s/g2", tmp);
    CHECK(pt_synth_celeba(g1, &so, err, sizeof err) == 0);
    CHECK(pt_synth_celeba(g2, &so, err, sizeof err) == 0);
    const char *names[] = {"list_attr_celeba.txt", "identity_CelebA.txt", "list_eval_partition.txt",
                           "img_align_celeba/000001.jpg", "img_align_celeba/000100.jpg"};
    for (int i = 0; i < 5; i++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/%s", g1, names[i]);
        snprintf(b, sizeof b, "%s/%s", g2, names[i]);
        CHECK(files_equal(a, b));
    }
    pt_celeba_options_init(&o);
    o.width = o.height = 32;
    o.cache_dir = "";
    o.val_fraction = 0.25;
    o.test_fraction = 0.25;
    CHECK(pt_celeba_load(g1, &o, &c, err, sizeof err) == 0);
    CHECK(c.n == 160 && c.skipped == 0 && c.nidentities == 40);
    CHECK(c.nsplit[0] == 80 && c.nsplit[1] == 40 && c.nsplit[2] == 40);
    /* nearest centroid on 4x4-pixel block means, train -> test */
    {
        enum { F = 8 * 8 * 3 };
        pt_dataset tr, te;
        pt_celeba_dataset(&c, PT_CELEBA_TRAIN, &tr);
        pt_celeba_dataset(&c, PT_CELEBA_TEST, &te);
        static double cid[40][F], ftr[80][F], fte[40][F];
        static int nid[40];
        static int32_t lte[40];
        static float ttr[80][40], tte[40][40];
        float x[32 * 32 * 3];
        for (int pass = 0; pass < 2; pass++) {
            pt_dataset *ds = pass ? &te : &tr;
            for (int64_t i = 0; i < ds->n; i++) {
                int32_t lab;
                float t[40];
                pt_batcher_fill(ds, &i, 1, x, &lab, t);
                double *f = pass ? fte[i] : ftr[i];
                memset(f, 0, sizeof(double) * F);
                for (int y = 0; y < 32; y++)
                    for (int xx = 0; xx < 32; xx++)
                        for (int ch = 0; ch < 3; ch++) f[((y / 4) * 8 + xx / 4) * 3 + ch] += x[(y * 32 + xx) * 3 + ch] / 16;
                if (pass) {
                    lte[i] = lab;
                    memcpy(tte[i], t, sizeof t);
                } else {
                    memcpy(ttr[i], t, sizeof t);
                    nid[lab]++;
                    for (int k = 0; k < F; k++) cid[lab][k] += f[k];
                }
            }
        }
        int correct = 0;
        double attr_correct = 0;
        for (int i = 0; i < 40; i++) {
            int best = 0;
            double bd = 1e300;
            for (int id = 0; id < 40; id++) {
                double dd = 0;
                for (int k = 0; k < F; k++) dd += pow(fte[i][k] - cid[id][k] / (nid[id] ? nid[id] : 1), 2);
                if (dd < bd) bd = dd, best = id;
            }
            correct += best == lte[i];
            /* attributes: those of the nearest training image */
            int nn = 0;
            double nd = 1e300;
            for (int j = 0; j < 80; j++) {
                double dd = 0;
                for (int k = 0; k < F; k++) dd += pow(fte[i][k] - ftr[j][k], 2);
                if (dd < nd) nd = dd, nn = j;
            }
            for (int a = 0; a < 40; a++) attr_correct += (ttr[nn][a] > 0.5f) == (tte[i][a] > 0.5f);
        }
        double acc = correct / 40.0, aacc = attr_correct / 1600.0;
        fprintf(stderr, "test_celeba: nearest-centroid identity accuracy %.3f, 1-NN mean attribute accuracy %.3f\n", acc,
                aacc);
        CHECK(acc >= 0.8);
        CHECK(aacc >= 0.8);
    }
    pt_celeba_free(&c);
    rm_rf(tmp);
    return pt_test_finish("test_celeba");
}
