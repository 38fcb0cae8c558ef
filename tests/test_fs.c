/* test_fs.c -- util/fs.h's atomic writer: its temp file is never written
 * through a symlink placed at a guessable name, and no temp file is left
 * behind after a commit, an abort or a failed commit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/fs.h"

static char dir[] = "/tmp/pt-fs-XXXXXX";

/* Number of entries of dir whose name holds ".tmp.". */
static int count_temps(void) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void read_file(const char *path, char *buf, size_t n) {
    buf[0] = '\0';
    CHECK(pt_read_small_file(path, buf, n) == 0);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* A symlink at the name the old writer used ("<path>.tmp.<pid>") pointing
 * at a victim: the victim is unchanged, the file is written. */
static void test_symlink_not_followed(void) {
    char path[256], victim[256], trap[320], buf[128];
    snprintf(path, sizeof path, "%s/report.json", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(trap, sizeof trap, "%s.tmp.%ld", path, (long)getpid());
    write_file(victim, "precious");
    CHECK(symlink(victim, trap) == 0);
    pt_atomic_file af;
    CHECK(pt_atomic_open(&af, path) == 0);
    CHECK(strcmp(af.tmp, trap) != 0);
    fputs("new contents", af.f);
    CHECK(pt_atomic_commit(&af) == 0);
    read_file(victim, buf, sizeof buf);
    CHECK_STR(buf, "precious");
    read_file(path, buf, sizeof buf);
    CHECK_STR(buf, "new contents");
    struct stat sb;
    CHECK(lstat(trap, &sb) == 0 && S_ISLNK(sb.st_mode)); /* not ours: left alone */
    CHECK(unlink(trap) == 0);
    CHECK(count_temps() == 0);
}

/* Two writers of the same path at once get different temp names. */
static void test_names_differ(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    pt_atomic_file a, b;
    CHECK(pt_atomic_open(&a, path) == 0);
    CHECK(pt_atomic_open(&b, path) == 0);
    CHECK(strcmp(a.tmp, b.tmp) != 0);
    CHECK(strncmp(a.tmp, path, strlen(path)) == 0);
    CHECK(count_temps() == 2);
    pt_atomic_abort(&a);
    pt_atomic_abort(&b);
    CHECK(count_temps() == 0);
    CHECK(access(path, F_OK) != 0); /* aborted: nothing written */
}

/* A commit that cannot rename (a directory stands at path) fails and
 * leaves no temp file; an open in a missing directory fails cleanly. */
static void test_failures_leave_nothing(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/adir", dir);
    CHECK(mkdir(path, 0755) == 0);
    pt_atomic_file af;
    CHECK(pt_atomic_open(&af, path) == 0);
    fputs("x", af.f);
    CHECK(pt_atomic_commit(&af) == -1);
    CHECK(errno != 0);
    CHECK(count_temps() == 0);
    snprintf(path, sizeof path, "%s/missing/file", dir);
    CHECK(pt_atomic_open(&af, path) == -1);
    CHECK(errno == ENOENT);
    CHECK(af.f == NULL);
    pt_atomic_abort(&af); /* harmless after a failed open */
    CHECK(count_temps() == 0);
}

/* Rewrites path in place (same file, new contents). */
static void rewrite(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f && fputs(text, f) >= 0);
    if (f) fclose(f);
}

/* pt_reread: one descriptor (O_CLOEXEC) re-read from offset 0; follow
 * reopens a replaced file and fails for a removed one; a file missing at
 * open is retried by the reads. */
static void test_reread(void) {
    char path[300], tmp[320], buf[16];
    snprintf(path, sizeof path, "%s/counter", dir);
    snprintf(tmp, sizeof tmp, "%s/counter.new", dir);
    pt_reread r;
    CHECK(pt_reread_open(&r, path, 0) == -1 && r.path && r.fd == -1); /* not there yet */
    CHECK(pt_reread_read(&r, buf, sizeof buf) == -1);
    rewrite(path, "12\n");
    unsigned long opens = pt_reread_opens();
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 3 && strcmp(buf, "12\n") == 0);
    CHECK(pt_reread_opens() == opens + 1);
    CHECK(r.fd >= 0 && (fcntl(r.fd, F_GETFD) & FD_CLOEXEC));
    int fd = r.fd;
    for (int i = 0; i < 100; i++) {
        char text[16];
        snprintf(text, sizeof text, "%d\n", 1000 + i);
        rewrite(path, text);
        CHECK(pt_reread_read(&r, buf, sizeof buf) == 5 && strcmp(buf, text) == 0);
    }
    CHECK(r.fd == fd && pt_reread_opens() == opens + 1); /* no open per read */
    /* the buffer bounds the read: n-1 bytes and a NUL */
    CHECK(pt_reread_read(&r, buf, 3) == 2 && strcmp(buf, "10") == 0);
    /* without follow, a file renamed over path is not seen: the descriptor is kept */
    rewrite(tmp, "7\n");
    CHECK(rename(tmp, path) == 0);
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 5 && strcmp(buf, "1099\n") == 0);
    pt_reread_close(&r);
    CHECK(r.fd == -1 && r.path == NULL);
    /* with follow, it is (one more open), and a removed file fails the read */
    CHECK(pt_reread_open(&r, path, 1) == 0);
    opens = pt_reread_opens();
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 2 && strcmp(buf, "7\n") == 0);
    rewrite(tmp, "8\n");
    CHECK(rename(tmp, path) == 0);
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 2 && strcmp(buf, "8\n") == 0);
    CHECK(pt_reread_opens() == opens + 1);
    rewrite(path, "9\n");
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 2 && strcmp(buf, "9\n") == 0);
    CHECK(pt_reread_opens() == opens + 1);
    CHECK(unlink(path) == 0);
    errno = 0;
    CHECK(pt_reread_read(&r, buf, sizeof buf) == -1 && errno == ENOENT);
    rewrite(path, "5\n");
    CHECK(pt_reread_read(&r, buf, sizeof buf) == 2 && strcmp(buf, "5\n") == 0);
    pt_reread_close(&r);
    unlink(path);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    test_symlink_not_followed();
    test_names_differ();
    test_failures_leave_nothing();
    test_reread();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_fs");
}
