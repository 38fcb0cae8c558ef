/* store_internal.h -- what the store's own files (store.c, merge.c, read.c)
 * share: the handle's layout and the column and error helpers. Nothing
 * outside src/store/ includes it (no other module sees sqlite3). */
#ifndef PT_STORE_INTERNAL_H
#define PT_STORE_INTERNAL_H

#include <math.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/str.h"

struct pt_store {
    sqlite3 *db;
    int version; /* the file's schema version */
    char path[4096];
};

/* A REAL column, NAN for NULL. */
static inline double col_or_nan(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* A TEXT column copied into dst ("" for NULL). */
static inline void col_text(sqlite3_stmt *q, int i, char *dst, size_t n) {
    const unsigned char *t = sqlite3_column_text(q, i);
    pt_strlcpy(dst, t ? (const char *)t : "", n);
}

/* "PATH: WHAT: sqlite's message" into err; returns -1. */
static inline int store_fail(pt_store *st, char *err, size_t n, const char *what) {
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
