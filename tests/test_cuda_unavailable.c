/* test_cuda_unavailable.c -- a build with the cuda backend on a machine where
 * it cannot run fails cleanly: pt_backend_create returns NULL with one
 * "<name>: unavailable: <reason>" line (never exits or aborts), malformed
 * names are refused, and `powertrain train --device ...` exits non-zero with
 * one line on stderr, before any data is read or any store is created.
 * "cuda:4095" is unavailable everywhere; plain "cuda" is checked too where no
 * GPU is usable (on a GPU machine it is test_cuda's business).
 * The backend is a module opened on first use: none of the CUDA libraries is
 * mapped before, and a missing or broken module is "unavailable" too.
 * argv[1] is the powertrain binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn/backend.h"
#include "test.h"

static const char *bin;
static char dir[] = "/tmp/pt-cuda-XXXXXX";

static int lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* runs `powertrain train --device dev ...`; exit code, stderr in buf */
static int train(const char *device, char *buf, size_t n) {
    char ep[600], db[600];
    snprintf(ep, sizeof ep, "%s/stderr.txt", dir);
    snprintf(db, sizeof db, "%s/results.db", dir);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(ep, "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(98);
        /* a data folder that does not exist: the device must be refused first */
        execl(bin, bin, "train", "--device", device, "--dataset", "fmnist", "--batch-size", "64", "--lr", "0.01",
              "--db", db, "--quiet", (char *)NULL);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    buf[0] = '\0';
    FILE *f = fopen(ep, "r");
    if (f) {
        size_t k = fread(buf, 1, n - 1, f);
        buf[k] = '\0';
        fclose(f);
    }
    struct stat sb;
    CHECK(stat(db, &sb) != 0); /* no store touched */
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 1 when a file whose path contains name is mapped into this process */
static void check_cli(const char *device, const char *expect);

static int mapped(const char *name) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    int hit = 0;
    while (f && !hit && fgets(line, sizeof line, f)) hit = strstr(line, name) != NULL;
    if (f) fclose(f);
    return hit;
}

/* POWERTRAIN_CUDA_MODULE naming a missing file and a file that is no module */
static void check_module_env(void) {
    char bogus[600], buf[4096];
    snprintf(bogus, sizeof bogus, "%s/bogus.so", dir);
    FILE *f = fopen(bogus, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not a shared object\n", f);
        fclose(f);
    }
    setenv("POWERTRAIN_CUDA_MODULE", "/nonexistent/libpowertrain_cuda.so", 1);
    check_cli("cuda", "cuda: unavailable: POWERTRAIN_CUDA_MODULE=/nonexistent/libpowertrain_cuda.so: no such file");
    setenv("POWERTRAIN_CUDA_MODULE", bogus, 1);
    snprintf(buf, sizeof buf, "cuda: unavailable: cannot load %s: ", bogus);
    check_cli("cuda", buf);
    unsetenv("POWERTRAIN_CUDA_MODULE");
}

static void check_cli(const char *device, const char *expect) {
    char buf[4096];
    int rc = train(device, buf, sizeof buf);
    CHECK(rc != 0 && rc < 128);
    CHECK(lines(buf) == 1);
    CHECK_CONTAINS(buf, "powertrain train: ");
    CHECK_CONTAINS(buf, expect);
    if (rc == 0 || lines(buf) != 1) fprintf(stderr, "train --device %s: exit %d, stderr:\n%s", device, rc, buf);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_cuda_unavailable POWERTRAIN\n");
        return 2;
    }
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    CHECK_CONTAINS(pt_backend_available(), "cuda");
    char err[512];
    /* nothing of CUDA is mapped until a cuda backend is asked for */
    pt_backend *ref = pt_backend_create("ref", 1, err, sizeof err);
    CHECK(ref != NULL);
    pt_backend_destroy(ref);
    CHECK(!mapped("libcudart") && !mapped("libcublas") && !mapped("libcudnn") && !mapped("libpowertrain_cuda"));
    /* a device index no machine has */
    CHECK(pt_backend_create("cuda:4095", 0, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "cuda:4095: unavailable: ");
    CHECK(strchr(err, '\n') == NULL);
    CHECK(mapped("libpowertrain_cuda") && mapped("libcudart")); /* the module was opened */
    /* malformed names */
    const char *bad[] = {"cuda:", "cuda:x", "cuda:-1", "cuda:99999", "cuda:1a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(pt_backend_create(bad[i], 0, err, sizeof err) == NULL);
        CHECK_CONTAINS(err, "bad device");
    }
    check_cli("cuda:4095", "cuda:4095: unavailable: ");
    check_cli("cuda:x", "cuda:x: bad device");
    check_module_env();
    pt_backend *be = pt_backend_create("cuda", 0, err, sizeof err);
    if (be) {
        fprintf(stderr, "test_cuda_unavailable: a GPU is usable here; plain 'cuda' is test_cuda's to check\n");
        pt_backend_destroy(be);
    } else {
        CHECK_CONTAINS(err, "cuda: unavailable: ");
        CHECK(strchr(err, '\n') == NULL);
        fprintf(stderr, "test_cuda_unavailable: %s\n", err);
        check_cli("cuda", "cuda: unavailable: ");
        check_cli("cuda:0", "cuda:0: unavailable: ");
    }
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_cuda_unavailable");
}
