/* fs.h -- small file helpers: open a user-given input file safely, read a short text
 * file, write a file atomically, mkdir -p. */
#ifndef PT_UTIL_FS_H
#define PT_UTIL_FS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Opens a user-given input file for reading (O_RDONLY | O_CLOEXEC, blocking reads)
 * after making sure it is a regular file: a FIFO, a device, a socket or a directory is
 * refused without blocking on it (the open uses O_NONBLOCK, which is cleared after the
 * fstat). *size gets the file's size when size != NULL. Returns the descriptor, or -1
 * with err "PATH: not a regular file (a FIFO)" or "PATH: <strerror>" (errno set). */
int pt_open_regular(const char *path, off_t *size, char *err, size_t errlen);
/* The same as a stdio stream ("rb"). NULL with err as above. */
FILE *pt_fopen_regular(const char *path, off_t *size, char *err, size_t errlen);

/* 0 when path is a directory (after symbolic links), else -1 with err
 * "PATH: not a directory (a FIFO)" or "PATH: <strerror>" (errno set). */
int pt_check_dir(const char *path, char *err, size_t errlen);

/* Reads up to n-1 bytes of path into buf, trimmed. Returns 0, or -1 with errno set. */
int pt_read_small_file(const char *path, char *buf, size_t n);

/* A small file read again and again (procfs and sysfs counters sampled by the
 * meter): opened once (O_RDONLY | O_CLOEXEC), each read one pread from offset 0
 * into the caller's buffer, so a read costs one system call and no allocation.
 * follow: before each read, also check (one stat) that path still names the
 * opened file and reopen it when it was replaced (fake trees that tests rewrite
 * by rename); a path gone fails the read. When the file cannot be opened, each
 * read tries again. */
typedef struct {
    int fd;     /* -1 while not open */
    int follow;
    dev_t dev;  /* follow: the opened file's identity */
    ino_t ino;
    char *path; /* owned copy */
} pt_reread;

/* Copies path and opens it. 0, or -1 with errno set: the file could not be
 * opened now (r is usable: reads retry) or, with r->path NULL, out of memory. */
int pt_reread_open(pt_reread *r, const char *path, int follow);
/* Up to n-1 bytes from offset 0 into buf, NUL-terminated (not trimmed).
 * Returns the byte count, or -1 with errno set. */
long pt_reread_read(pt_reread *r, char *buf, size_t n);
void pt_reread_close(pt_reread *r);
/* How many times pt_reread has opened a file in this process (tests prove
 * with it that reads reuse their descriptor). */
unsigned long pt_reread_opens(void);

/* Atomic writes: open creates "<path>.tmp.<16 random hex digits>" new
 * (O_CREAT|O_EXCL|O_NOFOLLOW: it never writes through a symlink or into a
 * file someone placed there; a clash takes another name), write, then commit
 * renames it over path (after fflush+fsync) or abort removes it. Never
 * leaves a half file or a temp file. */
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} pt_atomic_file;

int pt_atomic_open(pt_atomic_file *af, const char *path);
/* Returns 0, or -1 (errno set) when a write failed; the temp file is removed either way. */
int pt_atomic_commit(pt_atomic_file *af);
void pt_atomic_abort(pt_atomic_file *af);

/* mkdir -p: creates path and its missing parents with mode (before umask).
 * Returns 0 when path is a directory afterwards, or -1 with errno set
 * (ENOTDIR when something else stands there, ENAMETOOLONG over 4095 bytes). */
int pt_mkdirs(const char *path, mode_t mode);

#endif
