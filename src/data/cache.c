/* cache.c -- the cache directory (created on demand) and FNV-1a keys for cache files. */
#include "data/cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"
#include "util/str.h"

int pt_data_cache_dir(const char *override, char *buf, size_t n, char *err, size_t errlen) {
    const char *e;
    if (override && !*override) {
        if (n) buf[0] = '\0';
        return 1;
    }
    if (override)
        snprintf(buf, n, "%s", override);
    else if ((e = getenv("POWERTRAIN_CACHE_DIR")) && *e)
        snprintf(buf, n, "%s", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && *e)
        snprintf(buf, n, "%s/powertrain", e);
    else if ((e = getenv("HOME")) && *e)
        snprintf(buf, n, "%s/.cache/powertrain", e);
    else
        snprintf(buf, n, "/tmp/powertrain-cache");
    if (pt_mkdirs(buf, 0755) != 0) {
        snprintf(err, errlen, "cache directory %s: %s", buf, strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t pt_data_fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int pt_data_fnv_file(uint64_t *h, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    int64_t v[3] = {(int64_t)st.st_size, (int64_t)st.st_mtim.tv_sec, (int64_t)st.st_mtim.tv_nsec};
    *h = pt_data_fnv(*h, path, strlen(path) + 1);
    *h = pt_data_fnv(*h, v, sizeof v);
    return 0;
}
