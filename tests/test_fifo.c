/* test_fifo.c -- every reader of a user-given input file refuses a FIFO (and a
 * directory) with the path in the message instead of blocking on it forever: IDX,
 * PAMAP2 .dat, CelebA lists, safetensors, checkpoints and power traces. Each reader runs
 * in a child under alarm(10), so a reader that blocks fails its case, never the run.
 * A FIFO given as a data folder is refused as not a directory. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/celeba.h"
#include "data/fmnist.h"
#include "data/idx.h"
#include "data/pamap2.h"
#include "data/pamap2_parse.h"
#include "meter/source.h"
#include "nn/checkpoint.h"
#include "nn/safetensors.h"
#include "powertrain/meter.h"
#include "test.h"
#include "util/fs.h"

static char dir[256], fifo[512];

typedef int (*reader_fn)(const char *path, char *err, size_t errlen);

static int rd_idx(const char *path, char *err, size_t errlen) {
    pt_idx x;
    return pt_idx_read(path, 0, &x, err, errlen);
}
static int no_row(void *ctx, long long line, const double *v) {
    (void)ctx, (void)line, (void)v;
    return 0;
}
static int rd_pamap2(const char *path, char *err, size_t errlen) {
    return pt_pamap2_parse_file(path, no_row, NULL, err, errlen) < 0 ? -1 : 0;
}
static int rd_safetensors(const char *path, char *err, size_t errlen) {
    pt_safetensors *f = pt_safetensors_open(path, err, errlen);
    if (f) pt_safetensors_close(f);
    return f ? 0 : -1;
}
static int rd_checkpoint(const char *path, char *err, size_t errlen) {
    return pt_net_load(NULL, path, 0, err, errlen); /* the file is opened before the net is used */
}
static int rd_trace(const char *path, char *err, size_t errlen) {
    pt_meter_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.trace_path = path;
    pt_source *src = NULL;
    return pt_trace_open(&cfg, NULL, &src, err, errlen) == 0 ? 0 : -1;
}
/* path: the CelebA folder, whose list_attr_celeba.txt is the FIFO */
static int rd_celeba(const char *path, char *err, size_t errlen) {
    pt_celeba_options o;
    pt_celeba_options_init(&o);
    o.cache_dir = "";
    pt_celeba c;
    return pt_celeba_load(path, &o, &c, err, errlen);
}
static int rd_pamap2_dir(const char *path, char *err, size_t errlen) {
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    o.cache_dir = "";
    pt_pamap2 p;
    return pt_pamap2_load(path, &o, &p, err, errlen);
}
static int rd_fmnist(const char *path, char *err, size_t errlen) {
    pt_fmnist f;
    return pt_fmnist_load(path, 1, &f, err, errlen);
}
static int rd_open_regular(const char *path, char *err, size_t errlen) {
    int fd = pt_open_regular(path, NULL, err, errlen);
    if (fd >= 0) close(fd);
    return fd >= 0 ? 0 : -1;
}

/* Runs rd(path) in a child under alarm(10); 0 when it failed with a message holding
 * want, else 1 (it succeeded, blocked or said something else). err gets the message. */
static int refuses(reader_fn rd, const char *path, const char *want, char *err, size_t errlen) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        alarm(10);
        char e[2048] = "";
        int rc = rd(path, e, sizeof e);
        if (write(fds[1], e, strlen(e) + 1) < 0) _exit(2);
        _exit(rc != 0 && strstr(e, want) ? 0 : 1);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], err, errlen - 1);
    err[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) snprintf(err, errlen, "%s: killed by signal %d (blocked?)", path, WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

#define REFUSES(rd, path, want)                                                     \
    do {                                                                            \
        char e_[2048];                                                              \
        int r_ = refuses(rd, path, want, e_, sizeof e_);                            \
        CHECK(r_ == 0);                                                             \
        if (r_ != 0) fprintf(stderr, "  %s on %s: \"%s\"\n", #rd, path, e_);        \
    } while (0)

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/pt_test_fifo.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/list_attr_celeba.txt", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    char want[600];
    snprintf(want, sizeof want, "%s: not a regular file (a FIFO)", fifo);

    REFUSES(rd_open_regular, fifo, want);
    REFUSES(rd_idx, fifo, want);
    REFUSES(rd_pamap2, fifo, want);
    char swant[600];
    snprintf(swant, sizeof swant, "%s: cannot open: not a regular file (a FIFO)", fifo);
    REFUSES(rd_safetensors, fifo, swant);
    REFUSES(rd_checkpoint, fifo, swant);
    REFUSES(rd_trace, fifo, want);
    REFUSES(rd_celeba, dir, "list_attr_celeba.txt: not a regular file (a FIFO)");

    /* a directory where a file is expected */
    char dwant[600];
    snprintf(dwant, sizeof dwant, "%s: not a regular file (a directory)", dir);
    REFUSES(rd_open_regular, dir, dwant);
    REFUSES(rd_idx, dir, dwant);
    REFUSES(rd_pamap2, dir, dwant);
    REFUSES(rd_safetensors, dir, "not a regular file");
    REFUSES(rd_trace, dir, dwant);

    /* a FIFO or a file where a data folder is expected */
    char fdwant[600];
    snprintf(fdwant, sizeof fdwant, "%s: not a directory (a FIFO)", fifo);
    REFUSES(rd_celeba, fifo, fdwant);
    REFUSES(rd_pamap2_dir, fifo, fdwant);
    REFUSES(rd_fmnist, fifo, fdwant);

    /* a missing file still says so, and a regular one opens with its size */
    char missing[600], err[1024];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    REFUSES(rd_open_regular, missing, "missing: No such file or directory");
    char reg[600];
    snprintf(reg, sizeof reg, "%s/regular", dir);
    FILE *f = fopen(reg, "w");
    CHECK(f != NULL);
    if (f) fputs("12345", f), fclose(f);
    off_t size = -1;
    int fd = pt_open_regular(reg, &size, err, sizeof err);
    CHECK(fd >= 0 && size == 5);
    char b[8] = "";
    CHECK(fd >= 0 && read(fd, b, sizeof b) == 5 && memcmp(b, "12345", 5) == 0);
    if (fd >= 0) close(fd);

    unlink(reg);
    unlink(fifo);
    rmdir(dir);
    return pt_test_finish("test_fifo");
}
