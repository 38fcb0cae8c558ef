/* store_internal.h -- what the store's own files (store.c, merge.c, read.c)
 * share: the handle's layout and the column and error helpers. Nothing
 * outside src/store/ includes it (no other module sees sqlite3). */
#ifndef PT_STORE_INTERNAL_H
#define PT_STORE_INTERNAL_H

#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/str.h"

struct pt_store {
    sqlite3 *db;
    int version; /* the file's schema version */
    char path[4096];
    int claims_private; /* pt_store_claims_private: every other owner counts as gone */
};

/* Now as the store writes times: "2026-12-06T04:09:38Z" (UTC). */
static inline void store_now_iso(char *buf, size_t n) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A REAL column, NAN for NULL. */
static inline double col_or_nan(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* A TEXT column copied into dst ("" for NULL). */
static inline void col_text(sqlite3_stmt *q, int i, char *dst, size_t n) {
    const unsigned char *t = sqlite3_column_text(q, i);
    pt_strlcpy(dst, t ? (const char *)t : "", n);
}

/* "PATH: WHAT: sqlite's message" into err, with the system's reason when
 * SQLite kept one ("disk I/O error (No space left on device)"), or the
 * likely one for a failed write; returns -1. */
static inline int store_fail(pt_store *st, char *err, size_t n, const char *what) {
    int sys = sqlite3_system_errno(st->db), code = sqlite3_errcode(st->db);
    int ext = sqlite3_extended_errcode(st->db);
    if (sys && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN))
        pt_say(err, n, "%s: %s: %s (%s)", st->path, what, sqlite3_errmsg(st->db), strerror(sys));
    else if (ext == SQLITE_IOERR_WRITE || code == SQLITE_FULL)
        pt_say(err, n, "%s: %s: %s (a write failed: the disk is full or a file size limit, ulimit -f, was reached)",
               st->path, what, sqlite3_errmsg(st->db));
    else
        pt_say(err, n, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
    return -1;
}

/* This process as a claim's owner (claim.c): its host name ("" when
 * unknown) and pid. Writes of a run bind these to refuse a run whose claim
 * another process holds. */
void pt_store_me(char *host, size_t n, long *pid);

/* The SQL condition "this process may write the run" with the host and pid
 * bound at parameters HOST and PID. */
#define PT_STORE_MINE(HOST, PID) "(owner_host IS NULL OR (owner_host=?" #HOST " AND owner_pid=?" #PID "))"

#endif
