/* test_nn_safetensors.c -- safetensors round trip (names, shapes, data,
 * metadata, alignment, atomic write), refusal of malformed files (each with an
 * error naming the file), and network checkpoints by name (save, load into a
 * fresh network, missing / unexpected / mis-shaped / wrong-dtype tensors). */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/checkpoint.h"
#include "nn/safetensors.h"
#include "test.h"

static char dir[256];

static const char *tpath(const char *name) {
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* writes 8-byte length + header (+ pad) + data bytes */
static const char *raw(const char *name, uint64_t hlen, const char *header, const void *data, size_t dlen) {
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    unsigned char hl[8];
    for (int i = 0; i < 8; i++) hl[i] = (unsigned char)(hlen >> (8 * i));
    fwrite(hl, 1, 8, f);
    if (header) fwrite(header, 1, strlen(header), f);
    if (dlen) fwrite(data, 1, dlen, f);
    fclose(f);
    return p;
}

static const char *file_with(const char *name, const char *header, size_t dlen) {
    static unsigned char zeros[64];
    return raw(name, strlen(header), header, zeros, dlen);
}

static void refused(const char *path, const char *why) {
    char err[512] = "";
    pt_safetensors *f = pt_safetensors_open(path, err, sizeof err);
    CHECK(f == NULL);
    pt_safetensors_close(f);
    CHECK_CONTAINS(err, path);
    CHECK_CONTAINS(err, why);
}

static void test_round_trip(void) {
    float a[6] = {1, 2, 3, 4, 5, 6}, b[1] = {-7.5f}, c[24];
    for (int i = 0; i < 24; i++) c[i] = (float)i * 0.25f;
    int64_t sa[2] = {2, 3}, sc[4] = {1, 2, 3, 4}, sz[1] = {0};
    pt_safetensors_entry e[4] = {{"layer.a", 2, sa, a}, {"b", 0, NULL, b}, {"c.weight", 4, sc, c}, {"empty", 1, sz, NULL}};
    const char *meta[] = {"format", "pt", "model", "test", NULL};
    char err[512];
    const char *p = tpath("rt.safetensors");
    CHECK(pt_safetensors_write(p, e, 4, meta, err, sizeof err) == 0);
    /* no temp file left behind */
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *de; (de = readdir(d));) files += de->d_name[0] != '.';
    closedir(d);
    CHECK(files == 1);
    /* the data starts 8-byte aligned */
    FILE *fp = fopen(p, "rb");
    unsigned char hl[8];
    CHECK(fread(hl, 1, 8, fp) == 8);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    CHECK(hl[0] % 8 == 0);
    CHECK(size == 8 + hl[0] + hl[1] * 256 + (6 + 1 + 24) * 4);

    pt_safetensors *f = pt_safetensors_open(p, err, sizeof err);
    CHECK(f != NULL);
    if (!f) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(pt_safetensors_count(f) == 4);
    const pt_safetensors_tensor *t = pt_safetensors_find(f, "layer.a");
    CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->count == 6);
    CHECK(t && !memcmp(t->data, a, sizeof a));
    CHECK_STR(t ? t->dtype : NULL, "F32");
    t = pt_safetensors_find(f, "b");
    CHECK(t && t->ndim == 0 && t->count == 1 && t->data[0] == -7.5f);
    t = pt_safetensors_find(f, "c.weight");
    CHECK(t && t->ndim == 4 && t->shape[3] == 4 && !memcmp(t->data, c, sizeof c));
    CHECK(((uintptr_t)t->data & 3) == 0);
    t = pt_safetensors_find(f, "empty");
    CHECK(t && t->count == 0);
    CHECK(pt_safetensors_find(f, "nope") == NULL);
    CHECK(pt_safetensors_at(f, 4) == NULL);
    CHECK_STR(pt_safetensors_meta(f, "model"), "test");
    CHECK(pt_safetensors_meta(f, "nope") == NULL);
    CHECK_STR(pt_safetensors_path(f), p);
    pt_safetensors_close(f);

    /* overwrite atomically; bad entries refused */
    CHECK(pt_safetensors_write(p, e, 1, NULL, err, sizeof err) == 0);
    f = pt_safetensors_open(p, err, sizeof err);
    CHECK(f && pt_safetensors_count(f) == 1);
    pt_safetensors_close(f);
    pt_safetensors_entry dup[2] = {{"x", 0, NULL, b}, {"x", 0, NULL, b}};
    CHECK(pt_safetensors_write(tpath("dup.safetensors"), dup, 2, NULL, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "duplicate");
    pt_safetensors_entry md[1] = {{"__metadata__", 0, NULL, b}};
    CHECK(pt_safetensors_write(tpath("md.safetensors"), md, 1, NULL, err, sizeof err) == -1);
    CHECK(pt_safetensors_write("/nonexistent-dir/x.safetensors", e, 1, NULL, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "/nonexistent-dir/x.safetensors");
}

static void test_malformed(void) {
    char err[512];
    CHECK(pt_safetensors_open(tpath("absent"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "cannot open");
    refused(raw("short", 0, NULL, NULL, 0), "truncated");
    {
        const char *p = tpath("tiny");
        FILE *f = fopen(p, "wb");
        fwrite("abc", 1, 3, f);
        fclose(f);
        refused(p, "truncated");
    }
    refused(raw("huge", (uint64_t)1 << 40, "{}", NULL, 0), "exceeds");
    refused(raw("huge2", ((uint64_t)100 << 20) + 1, "{}", NULL, 0), "exceeds");
    refused(raw("past", 4096, "{\"a\":1}", NULL, 0), "truncated");
    refused(file_with("notjson", "{\"a\": {\"dtype\": \"F32\",", 0), "not valid JSON");
    refused(file_with("array", "[1, 2]", 0), "not a JSON object");
    refused(file_with("after", "{} xx", 0), "after the header");
    refused(file_with("notobj", "{\"a\": 3}", 0), "not an object");
    refused(file_with("nodtype", "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "lacks");
    refused(file_with("dtype", "{\"a\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
            "unknown dtype");
    refused(file_with("negshape", "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4),
            "shape[0]");
    refused(file_with("fracshape", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4),
            "shape[0]");
    refused(file_with("strshape", "{\"a\": {\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": [0, 4]}}", 4),
            "shape[0]");
    refused(file_with("dims", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}",
                      4),
            "dimensions");
    refused(file_with("overflow",
                      "{\"a\": {\"dtype\": \"F32\", \"shape\": [9007199254740992, 9007199254740992], "
                      "\"data_offsets\": [0, 4]}}",
                      4),
            "overflows");
    refused(file_with("outside", "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8),
            "outside");
    refused(file_with("reversed", "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8),
            "outside");
    refused(file_with("offs", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4),
            "data_offsets");
    refused(file_with("size", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 8),
            "data bytes for 2 F32");
    refused(file_with("overlap",
                      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                      " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                      12),
            "overlap");
    refused(file_with("hole",
                      "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                      " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}",
                      12),
            "hole");
    refused(file_with("padded", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8),
            "cover");
    refused(file_with("twice",
                      "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                      " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                      8),
            "twice");
    refused(file_with("meta", "{\"__metadata__\": {\"k\": 1}}", 0), "not a string");
    refused(file_with("meta2", "{\"__metadata__\": [1]}", 0), "__metadata__");

    /* a valid file cut short */
    float v[16] = {0};
    int64_t s[1] = {16};
    pt_safetensors_entry e = {"v", 1, s, v};
    const char *p = tpath("cut.safetensors");
    CHECK(pt_safetensors_write(p, &e, 1, NULL, err, sizeof err) == 0);
    CHECK(truncate(p, 8 + 64 + 16) == 0 || truncate(p, 40) == 0);
    char err2[512];
    CHECK(pt_safetensors_open(p, err2, sizeof err2) == NULL);
    CHECK_CONTAINS(err2, p);

    /* other dtypes are listed, without data; an unaligned F32 is copied */
    pt_safetensors *f = pt_safetensors_open(
        file_with("mixed",
                  "{\"h\": {\"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 2]},"
                  " \"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [2, 10]},"
                  " \"n\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [10, 18]}}",
                  18),
        err, sizeof err);
    CHECK(f != NULL);
    if (f) {
        const pt_safetensors_tensor *h = pt_safetensors_find(f, "h"), *a = pt_safetensors_find(f, "a");
        CHECK(h && h->data == NULL && !strcmp(h->dtype, "F16"));
        CHECK(a && a->data && ((uintptr_t)a->data & 3) == 0 && a->data[1] == 0.0f);
        CHECK(pt_safetensors_at(f, 0) == h); /* file order */
        pt_safetensors_close(f);
    }
}

/* every single-byte corruption of a small file's length and header is either
 * refused with the path in the message or still a consistent file (under the
 * sanitizers: no read out of bounds either way) */
static void test_corruptions(void) {
    float v[6] = {1, 2, 3, 4, 5, 6};
    int64_t s2[2] = {2, 3}, s1[1] = {0};
    pt_safetensors_entry e[2] = {{"w", 2, s2, v}, {"e", 1, s1, NULL}};
    char err[512];
    const char *p = tpath("good.safetensors"), *q = tpath("bad.safetensors");
    CHECK(pt_safetensors_write(p, e, 2, NULL, err, sizeof err) == 0);
    FILE *f = fopen(p, "rb");
    unsigned char buf[512];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t hdr_end = 8 + buf[0];
    int refused_n = 0, opened = 0, bad_msgs = 0;
    const unsigned char subst[] = {'0', '9', '"', '}', ']', ',', '-', ' ', 0xff, 0};
    for (size_t i = 0; i < hdr_end; i++)
        for (size_t k = 0; k < sizeof subst; k++) {
            if (buf[i] == subst[k]) continue;
            unsigned char keep = buf[i];
            buf[i] = subst[k];
            FILE *g = fopen(q, "wb");
            fwrite(buf, 1, n, g);
            fclose(g);
            buf[i] = keep;
            err[0] = 0;
            pt_safetensors *t = pt_safetensors_open(q, err, sizeof err);
            if (t) {
                opened++;
                size_t bytes = 0;
                for (int j = 0; j < pt_safetensors_count(t); j++) {
                    const pt_safetensors_tensor *x = pt_safetensors_at(t, j);
                    if (x->data)
                        for (size_t m = 0; m < x->count; m++) bytes += x->data[m] == x->data[m];
                }
                (void)bytes;
                pt_safetensors_close(t);
            } else {
                refused_n++;
                bad_msgs += strstr(err, q) == NULL;
            }
        }
    CHECK(refused_n > 100);
    CHECK(bad_msgs == 0);
    (void)opened;
}

/* ---- network checkpoints ----------------------------------------------------------- */

static pt_net *small_net(int ch, const char *fc_name) {
    pt_net *net = pt_net_create("small");
    int x = pt_net_input(net, 4, 4, 2);
    x = pt_net_conv(net, x, ch, 3, 3, 1, 1, 0);
    pt_net_name_last(net, "conv1");
    x = pt_net_batchnorm(net, x);
    pt_net_name_last(net, "bn1");
    x = pt_net_relu(net, x);
    x = pt_net_linear(net, pt_net_gap(net, x), 3, 1);
    pt_net_name_last(net, fc_name);
    pt_net_output(net, x);
    return net;
}

static void test_checkpoint(pt_backend *be) {
    char err[2048];
    float x[2 * 32];
    for (int i = 0; i < 64; i++) x[i] = (float)((i * 37) % 17) / 8.0f - 1.0f;
    pt_net *a = small_net(4, "fc");
    CHECK(pt_net_plan(a, be, 2) == 0 && pt_net_init(a, 1) == 0);
    CHECK(pt_net_forward(a, x, 2, 1) == 0); /* moves the running statistics */
    const char *p = tpath("net.safetensors");
    const char *meta[] = {"epoch", "3", NULL};
    CHECK(pt_net_save(a, p, meta, err, sizeof err) == 0);
    pt_safetensors *f = pt_safetensors_open(p, err, sizeof err);
    CHECK(f && pt_safetensors_count(f) == 1 + 4 + 2);
    CHECK(f && pt_safetensors_find(f, "bn1.running_mean") && pt_safetensors_find(f, "fc.bias"));
    CHECK_STR(f ? pt_safetensors_meta(f, "epoch") : NULL, "3");
    pt_safetensors_close(f);

    pt_net *b = small_net(4, "fc");
    CHECK(pt_net_plan(b, be, 2) == 0 && pt_net_init(b, 2) == 0);
    CHECK(pt_net_load(b, p, 0, err, sizeof err) == 7);
    float ya[6], yb[6];
    CHECK(pt_net_forward(a, x, 2, 0) == 0 && pt_net_forward(b, x, 2, 0) == 0);
    pt_net_output_read(a, 0, ya, 2);
    pt_net_output_read(b, 0, yb, 2);
    CHECK(!memcmp(ya, yb, sizeof ya));

    /* mis-shaped and unexpected/missing: named, and nothing changes */
    pt_net *c = small_net(5, "head");
    CHECK(pt_net_plan(c, be, 2) == 0 && pt_net_init(c, 3) == 0);
    float w0[5 * 2 * 9], w1[5 * 2 * 9];
    pt_net_state_read(c, 0, w0);
    CHECK(pt_net_load(c, p, 0, err, sizeof err) == -1);
    CHECK_CONTAINS(err, p);
    CHECK_CONTAINS(err, "2 missing (head.weight, head.bias)");
    CHECK_CONTAINS(err, "2 unexpected (fc.weight, fc.bias)");
    CHECK_CONTAINS(err, "conv1.weight (file F32 [4, 2, 3, 3], network F32 [5, 2, 3, 3])");
    CHECK_CONTAINS(err, "bn1.running_var");
    pt_net_state_read(c, 0, w1);
    CHECK(!memcmp(w0, w1, sizeof w0));
    pt_net_free(c);

    /* flags: a trunk into a network with another head */
    c = small_net(4, "head");
    CHECK(pt_net_plan(c, be, 2) == 0 && pt_net_init(c, 3) == 0);
    CHECK(pt_net_load(c, p, PT_LOAD_ALLOW_MISSING, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "unexpected (fc.weight");
    CHECK(pt_net_load(c, p, PT_LOAD_ALLOW_MISSING | PT_LOAD_ALLOW_UNEXPECTED, err, sizeof err) == 5);
    pt_net_free(c);

    /* PyTorch's num_batches_tracked (I64) is ignored; a weight of another dtype is refused */
    const char *q = tpath("torch.safetensors");
    pt_safetensors *src = pt_safetensors_open(p, err, sizeof err);
    CHECK(src != NULL);
    if (src) {
        pt_safetensors_entry e[8];
        int n = 0;
        for (int i = 0; i < pt_safetensors_count(src) && n < 7; i++) {
            const pt_safetensors_tensor *t = pt_safetensors_at(src, i);
            e[n++] = (pt_safetensors_entry){t->name, t->ndim, t->shape, t->data};
        }
        float nbt[2] = {0, 0};
        int64_t two[1] = {2};
        e[n++] = (pt_safetensors_entry){"bn1.num_batches_tracked", 1, two, nbt};
        CHECK(pt_safetensors_write(q, e, n, NULL, err, sizeof err) == 0);
        pt_safetensors_close(src);
    }
    /* the writer writes F32 only: patch the header in place (same lengths, same bytes) */
    FILE *fp = fopen(q, "r+b");
    unsigned char hl[8] = {0};
    CHECK(fp && fread(hl, 1, 8, fp) == 8);
    size_t hn = hl[0] + 256u * hl[1];
    char *h = calloc(hn + 1, 1);
    CHECK(fp && fread(h, 1, hn, fp) == hn);
    char *k = strstr(h, "\"bn1.num_batches_tracked\":{\"shape\":[2],\"dtype\":\"F32\"");
    CHECK(k != NULL);
    if (k) memcpy(strstr(k, "[2],\"dtype\":\"F32"), "[1],\"dtype\":\"I64", 16);
    if (fp) fseek(fp, 8, SEEK_SET), fwrite(h, 1, hn, fp), fclose(fp);
    c = small_net(4, "fc");
    CHECK(pt_net_plan(c, be, 2) == 0);
    CHECK(pt_net_load(c, q, 0, err, sizeof err) == 7);
    pt_net_free(c);
    k = strstr(h, "\"conv1.weight\":{\"shape\":[4,2,3,3],\"dtype\":\"F32\"");
    CHECK(k != NULL);
    if (k) memcpy(strstr(k, "F32"), "I32", 3);
    fp = fopen(q, "r+b");
    if (fp) fseek(fp, 8, SEEK_SET), fwrite(h, 1, hn, fp), fclose(fp);
    free(h);
    c = small_net(4, "fc");
    CHECK(pt_net_plan(c, be, 2) == 0);
    CHECK(pt_net_load(c, q, 0, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "1 mis-shaped (conv1.weight (file I32 [4, 2, 3, 3], network F32 [4, 2, 3, 3]))");
    pt_net_free(c);
    pt_net_free(a);
    pt_net_free(b);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pt_st_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    char err[128];
    pt_backend *be = pt_backend_create("ref", 1, err, sizeof err);
    test_round_trip();
    test_malformed();
    test_corruptions();
    test_checkpoint(be);
    pt_backend_destroy(be);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_nn_safetensors");
}
