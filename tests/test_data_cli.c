/* test_data_cli.c -- `powertrain synth` and `powertrain data info` end to end: exit
 * codes, one-line errors, and the tables on tiny synthetic sets. argv[1]: the binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static const char *bin;
static char tmp[256], out[1 << 16], errb[1 << 14];

static void slurp(const char *path, char *buf, size_t n) {
    FILE *f = fopen(path, "rb");
    size_t k = f ? fread(buf, 1, n - 1, f) : 0;
    buf[k] = '\0';
    if (f) fclose(f);
}

/* runs `powertrain ARGS`, returns its exit status; stdout in out, stderr in errb */
static int run(const char *args) {
    char cmd[4096], o[400], e[400];
    snprintf(o, sizeof o, "%s/out.txt", tmp);
    snprintf(e, sizeof e, "%s/err.txt", tmp);
    snprintf(cmd, sizeof cmd, "POWERTRAIN_CACHE_DIR='%s/cache' '%s' %s >'%s' 2>'%s'", tmp, bin, args, o, e);
    int st = system(cmd);
    slurp(o, out, sizeof out);
    slurp(e, errb, sizeof errb);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Every row of the class table (from the "class" line on) ends in nviews zeros. */
static int table_all_zero(const char *s, int nviews) {
    const char *t = strstr(s, "\nclass ");
    if (!t) return 0;
    int rows = 0;
    for (t = strchr(t + 1, '\n'); t && t[1]; t = strchr(t + 1, '\n')) {
        const char *e = strchr(t + 1, '\n');
        if (!e) e = t + strlen(t);
        if (e == t + 1) break; /* a blank line ends the table */
        if (strncmp(t + 1, "note", 4) == 0) break;
        const char *p = e;
        for (int v = 0; v < nviews; v++) {
            while (p > t && p[-1] == ' ') p--;
            if (p <= t + 1 || p[-1] != '0' || p[-2] != ' ') return 0; /* " 0" */
            p -= 1;
        }
        rows++;
    }
    return rows;
}

static int lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    bin = argv[1];
    snprintf(tmp, sizeof tmp, "/tmp/pt_test_data_cli.XXXXXX");
    CHECK(mkdtemp(tmp) != NULL);
    char a[2048];

    CHECK(run("synth") == 2);
    CHECK(run("synth --help") == 0 && strstr(out, "usage: powertrain synth pamap2"));
    CHECK(run("synth pamap2") == 2);
    CHECK_STR(errb, "powertrain synth: --out DIR is required\n");
    CHECK(run("synth pamap2 --out x --subjects 12") == 2);
    CHECK_STR(errb, "powertrain synth: --subjects: expected an integer in 1..9, got '12'\n");
    CHECK(run("synth pamap2 --out x --difficulty 2") == 2);
    CHECK_STR(errb, "powertrain synth: --difficulty: expected a number in 0..1, got '2'\n");
    CHECK(run("synth mnist --out x") == 2);
    CHECK_CONTAINS(errb, "unknown data set 'mnist'");
    CHECK(run("synth celeba --out x --subjects 3") == 2); /* a pamap2 option */
    CHECK(run("data") == 2);
    CHECK(run("data info") == 2);
    CHECK_STR(errb, "powertrain data: --dataset pamap2|celeba|fmnist is required\n");
    CHECK(run("data info --dataset nope --data x") == 2);
    CHECK(run("data info --dataset pamap2") == 2);
    snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/none'", tmp);
    CHECK(run(a) == 1);
    CHECK_CONTAINS(errb, "/none: No such file or directory");
    CHECK(lines(errb) == 1);

    /* PAMAP2: synth, then info twice (the second from the cache) */
    snprintf(a, sizeof a, "synth pamap2 --out '%s/p' --subjects 3 --seconds 3 --seed 5", tmp);
    CHECK(run(a) == 0);
    snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/p' --window 64 --step 32", tmp);
    CHECK(run(a) == 0);
    CHECK_CONTAINS(out, "64 samples x 40 channels (NWC float32), step 32, 12 classes");
    CHECK_CONTAINS(out, "train ");
    CHECK_CONTAINS(out, "subjects 101\n");
    CHECK_CONTAINS(out, "subjects 102\n"); /* val: the second highest of 3 */
    CHECK_CONTAINS(out, "subjects 103\n");
    CHECK_CONTAINS(out, "rope jumping");
    CHECK_CONTAINS(out, "(written)");
    CHECK(run(a) == 0);
    CHECK_CONTAINS(out, "(read)");
    snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/p' --channels acc --no-cache", tmp);
    CHECK(run(a) == 0);
    CHECK_CONTAINS(out, "128 samples x 9 channels");
    CHECK_CONTAINS(out, "cache     none");
    snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/p' --channels bogus", tmp);
    CHECK(run(a) == 2);
    CHECK_CONTAINS(errb, "powertrain data: --channels: unknown channel 'bogus'");
    /* a short line in a real-format file: file and line named, exit 1 */
    {
        char p[600];
        snprintf(p, sizeof p, "%s/p/Protocol/subject101.dat", tmp);
        FILE *f = fopen(p, "ab");
        fputs("1.0 1 2 3\n", f);
        fclose(f);
        snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/p'", tmp);
        CHECK(run(a) == 1);
        CHECK_CONTAINS(errb, "subject101.dat:");
        CHECK_CONTAINS(errb, ": expected 54 columns, found 4\n");
        CHECK(lines(errb) == 1);
    }

    /* CelebA */
    snprintf(a, sizeof a, "synth celeba --out '%s/c' --identities 40 --images-per-id 1", tmp);
    CHECK(run(a) == 0);
    snprintf(a, sizeof a, "data info --dataset celeba --data '%s/c' --size 16", tmp);
    CHECK(run(a) == 0);
    CHECK_CONTAINS(out, "the 40 most frequent identities");
    CHECK_CONTAINS(out, "16x16x3 uint8 (NHWC), 40 in the subset");
    CHECK_CONTAINS(out, "Eyeglasses");

    /* Fashion-MNIST: a wrong magic is named */
    {
        char p[600];
        snprintf(p, sizeof p, "%s/f", tmp);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/f/train-images-idx3-ubyte", tmp);
        FILE *f = fopen(p, "wb");
        fwrite("\0\0\x08\x01\0\0\0\0", 1, 8, f);
        fclose(f);
        snprintf(a, sizeof a, "data info --dataset fmnist --data '%s/f'", tmp);
        CHECK(run(a) == 1);
        CHECK_CONTAINS(errb, "train-images-idx3-ubyte: wrong magic 0x00000801, expected 0x00000803");
    }
    /* empty data sets: counts are 0 (they were uninitialised) and the output says so */
    {
        char p[600];
        snprintf(p, sizeof p, "%s/pe/Protocol", tmp);
        snprintf(a, sizeof a, "mkdir -p '%s' && : > '%s/subject101.dat'", p, p);
        CHECK(system(a) == 0);
        snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/pe' --no-cache", tmp);
        CHECK(run(a) == 0);
        CHECK(table_all_zero(out, 3) == 13); /* 12 classes and the total */
        CHECK_CONTAINS(out, "note      empty: no samples in any split\n");
        /* rows, but too few for a window */
        snprintf(p, sizeof p, "%s/pw/Protocol/subject101.dat", tmp);
        snprintf(a, sizeof a, "mkdir -p '%s/pw/Protocol'", tmp);
        CHECK(system(a) == 0);
        FILE *f = fopen(p, "w");
        for (int i = 0; f && i < 10; i++) {
            fprintf(f, "%.2f 1 90", i * 0.01);
            for (int c = 3; c < 54; c++) fprintf(f, " 0.5");
            fprintf(f, "\n");
        }
        if (f) fclose(f);
        snprintf(a, sizeof a, "data info --dataset pamap2 --data '%s/pw' --no-cache", tmp);
        CHECK(run(a) == 0);
        CHECK_CONTAINS(out, "10 lines");
        CHECK(table_all_zero(out, 3) == 13);
        CHECK_CONTAINS(out, "note      empty: no samples in any split\n");
        /* Fashion-MNIST with 0 images and 0 labels */
        snprintf(a, sizeof a, "mkdir -p '%s/fe'", tmp);
        CHECK(system(a) == 0);
        const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                               "t10k-labels-idx1-ubyte"};
        for (int k = 0; k < 4; k++) {
            snprintf(p, sizeof p, "%s/fe/%s", tmp, names[k]);
            f = fopen(p, "wb");
            if (k % 2 == 0) fwrite("\0\0\x08\x03\0\0\0\0\0\0\0\x1c\0\0\0\x1c", 1, 16, f);
            else fwrite("\0\0\x08\x01\0\0\0\0", 1, 8, f);
            fclose(f);
        }
        snprintf(a, sizeof a, "data info --dataset fmnist --data '%s/fe' --no-cache", tmp);
        CHECK(run(a) == 0);
        CHECK_CONTAINS(out, "train 0, test 0");
        CHECK(table_all_zero(out, 2) == 11);
        CHECK_CONTAINS(out, "note      empty: no samples in any split\n");
    }
    if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) == 0) {
        CHECK(run("data info --dataset fmnist") == 0);
        CHECK_CONTAINS(out, "train 60000, test 10000");
        CHECK_CONTAINS(out, "Ankle boot                  6000      1000");
    }
    snprintf(a, sizeof a, "rm -rf '%s'", tmp);
    CHECK(system(a) == 0);
    return pt_test_finish("test_data_cli");
}
