/* fs.c -- open input files that must be regular; read a short text file; write files
 * atomically (temp + rename); mkdir -p. */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/rng.h"
#include "util/str.h"

/* err gets the message when there is room for it (err may be NULL). */
static void say(char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
    if (err && errlen) snprintf(err, errlen, fmt, a, b);
}

/* What stands at a path that is not a regular file, for the error. */
static const char *file_kind(mode_t m) {
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISDIR(m)) return "a directory";
    if (S_ISSOCK(m)) return "a socket";
    return "not a plain file";
}

int pt_open_regular(const char *path, off_t *size, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        if (fd >= 0) close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        say(err, errlen, "%s: not a regular file (%s)", path, file_kind(st.st_mode));
        close(fd);
        errno = EINVAL;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    if (size) *size = st.st_size;
    return fd;
}

FILE *pt_fopen_regular(const char *path, off_t *size, char *err, size_t errlen) {
    int fd = pt_open_regular(path, size, err, errlen);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
    }
    return f;
}

int pt_check_dir(const char *path, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        say(err, errlen, "%s: not a directory (%s)", path,
            S_ISREG(st.st_mode) ? "a regular file" : file_kind(st.st_mode));
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int pt_read_small_file(const char *path, char *buf, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got + 1 < n) {
        ssize_t r = read(fd, buf + got, n - 1 - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    char *t = pt_trim(buf);
    if (t != buf) memmove(buf, t, strlen(t) + 1);
    return 0;
}

static _Atomic unsigned long reread_opens;

unsigned long pt_reread_opens(void) { return reread_opens; }

static int reread_reopen(pt_reread *r) {
    if (r->fd >= 0) close(r->fd);
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) return -1;
    reread_opens++;
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        int e = errno;
        close(r->fd);
        r->fd = -1;
        errno = e;
        return -1;
    }
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    return 0;
}

int pt_reread_open(pt_reread *r, const char *path, int follow) {
    r->fd = -1;
    r->follow = follow;
    r->path = strdup(path);
    if (!r->path) return -1;
    return reread_reopen(r);
}

long pt_reread_read(pt_reread *r, char *buf, size_t n) {
    if (!r->path || n == 0) {
        errno = EINVAL;
        return -1;
    }
    if (r->follow && r->fd >= 0) {
        struct stat st;
        if (stat(r->path, &st) != 0) { /* gone: fail, reopen when it is back */
            int e = errno;
            close(r->fd);
            r->fd = -1;
            errno = e;
            return -1;
        }
        if ((st.st_dev != r->dev || st.st_ino != r->ino) && reread_reopen(r) != 0) return -1;
    }
    if (r->fd < 0 && reread_reopen(r) != 0) return -1;
    ssize_t got;
    do got = pread(r->fd, buf, n - 1, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0) return -1;
    buf[got] = '\0';
    return (long)got;
}

void pt_reread_close(pt_reread *r) {
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
    free(r->path);
    r->path = NULL;
}

/* 64 unpredictable bits: getrandom, else /dev/urandom, else a mix of the
 * clock, the pid, an address and a count (a clash only costs a retry). */
static unsigned long long random_suffix(void) {
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) return r;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = read(fd, &r, sizeof r);
        close(fd);
        if (got == (ssize_t)sizeof r) return r;
    }
    static uint64_t calls;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return pt_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
                    (uint64_t)(uintptr_t)&r ^ (++calls << 48));
}

/* The temp file is "<path>.tmp.<16 random hex digits>", created new
 * (O_EXCL: never an existing file, O_NOFOLLOW: never through a symlink),
 * with a fresh name on a clash. */
int pt_atomic_open(pt_atomic_file *af, const char *path) {
    af->f = NULL;
    af->tmp[0] = '\0';
    if (strlen(path) >= sizeof af->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    pt_strlcpy(af->path, path, sizeof af->path);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%016llx", path, random_suffix());
        int fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            af->tmp[0] = '\0';
            return -1;
        }
        af->f = fdopen(fd, "w");
        if (af->f) return 0;
        int e = errno;
        close(fd);
        unlink(af->tmp);
        af->tmp[0] = '\0';
        errno = e;
        return -1;
    }
    af->tmp[0] = '\0';
    errno = EEXIST;
    return -1;
}

int pt_atomic_commit(pt_atomic_file *af) {
    int bad = ferror(af->f);
    if (fflush(af->f) != 0) bad = 1;
    if (!bad && fsync(fileno(af->f)) != 0) bad = 1;
    int e = errno;
    if (fclose(af->f) != 0) bad = 1;
    af->f = NULL;
    if (bad || rename(af->tmp, af->path) != 0) {
        e = errno ? errno : EIO;
        unlink(af->tmp);
        af->tmp[0] = '\0';
        errno = e;
        return -1;
    }
    return 0;
}

void pt_atomic_abort(pt_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
    af->tmp[0] = '\0';
}

int pt_mkdirs(const char *path, mode_t mode) {
    char buf[4096];
    if (pt_strlcpy(buf, path, sizeof buf) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
    struct stat sb;
    if (stat(buf, &sb) != 0) return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
