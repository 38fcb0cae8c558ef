/* fs.c -- read a short text file; write files atomically (temp + rename). */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"

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
