/* fs.c -- open input files that must be regular; read a short text file; write files
 * atomically (temp + rename); mkdir -p. */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int pt_atomic_open(pt_atomic_file *af, const char *path) {
    if (strlen(path) >= sizeof af->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    pt_strlcpy(af->path, path, sizeof af->path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "w");
    return af->f ? 0 : -1;
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
        errno = e;
        return -1;
    }
    return 0;
}

void pt_atomic_abort(pt_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    unlink(af->tmp);
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
