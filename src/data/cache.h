/* cache.h -- where the data layer keeps its caches, and the key hash naming them. */
#ifndef PT_DATA_CACHE_H
#define PT_DATA_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache directory: override when not NULL, else $POWERTRAIN_CACHE_DIR, else
 * $XDG_CACHE_HOME/powertrain, else $HOME/.cache/powertrain (else /tmp/powertrain-cache).
 * Creates it (and its parents). Returns 0, or -1 with err when it cannot be made.
 * An override of "" means no cache: returns 1 with buf "". */
int pt_data_cache_dir(const char *override, char *buf, size_t n, char *err, size_t errlen);

/* FNV-1a 64 over bytes, chained from h (start with PT_DATA_FNV_INIT). */
#define PT_DATA_FNV_INIT 0xcbf29ce484222325ull
uint64_t pt_data_fnv(uint64_t h, const void *p, size_t n);
/* Adds a file's name (as given), size and mtime to h; 0, or -1 when stat fails. */
int pt_data_fnv_file(uint64_t *h, const char *path);

#endif
