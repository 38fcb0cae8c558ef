/* test_fmnist.c -- Fashion-MNIST's IDX reader on tiny files written here byte by byte
 * (gzip and plain, a wrong magic, a truncated gzip, trailing bytes, bad labels), and on
 * Debian's real t10k files when they are installed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "data/fmnist.h"
#include "data/idx.h"
#include "test.h"

/* ASan reserves terabytes of address space: no cap under it (gcc and clang spell it apart) */
#if defined(__SANITIZE_ADDRESS__)
#define PT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PT_TEST_ASAN 1
#endif
#endif

static char dir[256];

static void write_raw(const char *name, int gz, const unsigned char *b, size_t n) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (gz) {
        gzFile g = gzopen(p, "wb");
        gzwrite(g, b, (unsigned)n);
        gzclose(g);
    } else {
        FILE *f = fopen(p, "wb");
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static size_t idx_bytes(unsigned char *out, unsigned magic_lo, int nd, const uint32_t *dims,
                        const unsigned char *data, size_t n) {
    size_t k = 0;
    out[k++] = 0;
    out[k++] = 0;
    out[k++] = 8;
    out[k++] = (unsigned char)magic_lo;
    for (int i = 0; i < nd; i++) {
        out[k++] = (unsigned char)(dims[i] >> 24);
        out[k++] = (unsigned char)(dims[i] >> 16);
        out[k++] = (unsigned char)(dims[i] >> 8);
        out[k++] = (unsigned char)dims[i];
    }
    memcpy(out + k, data, n);
    return k + n;
}

static unsigned char img[3 * 784], buf[4 * 784];

static void write_set(const char *pre, int gz, unsigned img_magic, int nimg, int nlab,
                      const unsigned char *labels) {
    char name[128];
    uint32_t d3[3] = {(uint32_t)nimg, 28, 28}, d1[1] = {(uint32_t)nlab};
    size_t n = idx_bytes(buf, img_magic, 3, d3, img, (size_t)nimg * 784);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", pre, gz ? ".gz" : "");
    write_raw(name, gz, buf, n);
    n = idx_bytes(buf, 1, 1, d1, labels, (size_t)nlab);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", pre, gz ? ".gz" : "");
    write_raw(name, gz, buf, n);
}

static void clean(void) {
    const char *names[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                           "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
}

/* Reads path in a child whose address space is capped at 1 GiB: the reader must refuse
 * the file from its size, never ask malloc for what the header claims. Returns the
 * child's verdict: 0 when the read failed without "out of memory" and err holds the
 * message (passed back through a pipe), 1 otherwise. */
static int read_capped(const char *path, char *err, size_t errlen) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
#if !defined(PT_TEST_ASAN)
        struct rlimit rl = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        setrlimit(RLIMIT_AS, &rl);
#endif
        char e[1024] = "";
        pt_idx x;
        int rc = pt_idx_read(path, 3, &x, e, sizeof e);
        if (write(fds[1], e, strlen(e) + 1) < 0) _exit(2);
        _exit(rc == -1 && !strstr(e, "out of memory") ? 0 : 1);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], err, errlen - 1);
    err[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/pt_test_fmnist.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    for (int i = 0; i < 3 * 784; i++) img[i] = (unsigned char)(i * 7 + i / 784);
    const unsigned char labels[3] = {9, 0, 4};
    char err[1024];
    pt_fmnist f;

    /* a valid gzip pair */
    write_set("train", 1, 3, 3, 3, labels);
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == 0);
    CHECK(f.n == 3 && f.rows == 28 && f.cols == 28);
    CHECK(f.images && memcmp(f.images, img, sizeof img) == 0);
    CHECK(f.labels && f.labels[0] == 9 && f.labels[1] == 0 && f.labels[2] == 4);
    pt_dataset ds;
    pt_fmnist_dataset(&f, 1, &ds);
    CHECK(ds.n == 3 && ds.rank == 3 && ds.shape[0] == 28 && ds.shape[1] == 28 && ds.shape[2] == 1);
    CHECK(ds.sample_elems == 784 && ds.channels == 1 && ds.nclasses == 10 && ds.type == PT_DATA_U8);
    CHECK_STR(ds.name, "fmnist-train");
    pt_fmnist_free(&f);
    CHECK_STR(pt_fmnist_class_name(9), "Ankle boot");

    /* plain (uncompressed) files without .gz are read too */
    clean();
    write_set("train", 0, 3, 2, 2, labels);
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == 0);
    CHECK(f.n == 2 && f.labels[1] == 0 && f.images[783] == img[783]);
    pt_fmnist_free(&f);

    /* the t10k pair is missing: the error names the file */
    CHECK(pt_fmnist_load(dir, 0, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "t10k-images-idx3-ubyte.gz: No such file");
    CHECK(f.images == NULL && f.n == 0);

    /* a wrong IDX magic (a labels magic on the images file) */
    clean();
    write_set("train", 1, 1, 3, 3, labels);
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "train-images-idx3-ubyte.gz: wrong magic 0x00000801, expected 0x00000803");

    /* a truncated gzip: the last 30 bytes of a valid file cut off */
    clean();
    write_set("train", 1, 3, 3, 3, labels);
    {
        char p[512];
        snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
        struct stat st;
        CHECK(stat(p, &st) == 0);
        CHECK(truncate(p, st.st_size - 30) == 0);
    }
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "train-images-idx3-ubyte.gz: truncated gzip stream");

    /* fewer image bytes than the header declares (plain file) */
    clean();
    {
        uint32_t d3[3] = {3, 28, 28};
        size_t n = idx_bytes(buf, 3, 3, d3, img, 2 * 784 + 5);
        write_raw("train-images-idx3-ubyte", 0, buf, n);
        uint32_t d1[1] = {3};
        n = idx_bytes(buf, 1, 1, d1, labels, 3);
        write_raw("train-labels-idx1-ubyte", 0, buf, n);
    }
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "train-images-idx3-ubyte: truncated: 1573 of 2352 data bytes");

    /* trailing bytes after the declared data */
    clean();
    {
        uint32_t d3[3] = {2, 28, 28};
        size_t n = idx_bytes(buf, 3, 3, d3, img, 3 * 784);
        write_raw("train-images-idx3-ubyte.gz", 1, buf, n);
    }
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "trailing bytes");

    /* counts differ; a label out of range; images not 28x28 */
    clean();
    write_set("train", 1, 3, 3, 2, labels);
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "train-labels-idx1-ubyte.gz: 2 labels for the 3 images");
    clean();
    const unsigned char bad[3] = {1, 10, 2};
    write_set("train", 1, 3, 3, 3, bad);
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "label 10 of item 1 is not a class 0..9");
    clean();
    {
        uint32_t d3[3] = {3, 14, 56};
        size_t n = idx_bytes(buf, 3, 3, d3, img, 3 * 784);
        write_raw("train-images-idx3-ubyte.gz", 1, buf, n);
    }
    CHECK(pt_fmnist_load(dir, 1, &f, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "images are 14x56, expected 28x28");

    /* pt_idx_write round trip (gzip and plain) */
    {
        char p[512];
        uint32_t d[2] = {3, 5};
        unsigned char data[15];
        for (int i = 0; i < 15; i++) data[i] = (unsigned char)(200 + i);
        for (int gz = 0; gz < 2; gz++) {
            snprintf(p, sizeof p, "%s/rt.idx", dir);
            CHECK(pt_idx_write(p, gz, 2, d, data, err, sizeof err) == 0);
            pt_idx x;
            CHECK(pt_idx_read(p, 2, &x, err, sizeof err) == 0);
            CHECK(x.ndims == 2 && x.dims[0] == 3 && x.dims[1] == 5 && x.size == 15);
            CHECK(x.data && memcmp(x.data, data, 15) == 0);
            pt_idx_free(&x);
            CHECK(pt_idx_read(p, 3, &x, err, sizeof err) == -1);
            CHECK_CONTAINS(err, "wrong magic 0x00000802, expected 0x00000803");
            unlink(p);
        }
    }

    /* a 17-byte file whose header claims 60000x256x256 bytes (3.9 GB): refused from the
     * file's size before anything is allocated, plain or gzip */
    {
        uint32_t d3[3] = {60000, 256, 256};
        unsigned char one = 7;
        size_t n = idx_bytes(buf, 3, 3, d3, &one, 1);
        CHECK(n == 17);
        char p[512];
        write_raw("huge-idx3-ubyte", 0, buf, n);
        snprintf(p, sizeof p, "%s/huge-idx3-ubyte", dir);
        CHECK(read_capped(p, err, sizeof err) == 0);
        CHECK_CONTAINS(err, "huge-idx3-ubyte: truncated: 1 of 3932160000 data bytes");
        unlink(p);
        write_raw("huge-idx3-ubyte.gz", 1, buf, n);
        snprintf(p, sizeof p, "%s/huge-idx3-ubyte.gz", dir);
        CHECK(read_capped(p, err, sizeof err) == 0);
        CHECK_CONTAINS(err, "huge-idx3-ubyte.gz: the header declares 3932160000 data bytes, more than");
        unlink(p);
    }
    clean();
    rmdir(dir);

    /* Debian's real test set, when installed */
    if (access(PT_FMNIST_DEFAULT_DIR "/t10k-images-idx3-ubyte.gz", R_OK) == 0) {
        CHECK(pt_fmnist_load(NULL, 0, &f, err, sizeof err) == 0);
        CHECK(f.n == 10000);
        pt_fmnist_dataset(&f, 0, &ds);
        int64_t counts[10];
        CHECK(pt_dataset_class_counts(&ds, counts) == 0);
        for (int c = 0; c < 10; c++) CHECK(counts[c] == 1000);
        float m, s;
        pt_dataset_channel_stats(&ds, &m, &s);
        CHECK_NEAR(m, PT_FMNIST_MEAN, 0.02, 0);
        CHECK_NEAR(s, PT_FMNIST_STD, 0.02, 0);
        pt_fmnist_free(&f);
    } else {
        fprintf(stderr, "test_fmnist: %s not installed, real-data check skipped\n", PT_FMNIST_DEFAULT_DIR);
    }
    return pt_test_finish("test_fmnist");
}
