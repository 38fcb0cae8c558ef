/* rapl.c -- the rapl source: RAPL energy counters of Intel and AMD CPUs read
 * from the powercap sysfs tree (<root>/sys/class/powercap, root from
 * POWERTRAIN_SYSFS_ROOT).
 *
 * Components:
 *   top zone "package-X"        -> "package-X" (CPU, billed)
 *   its subzone "dram"          -> "dram-X"    (DRAM, billed)
 *   top zone "psys"             -> "psys"      (PSYS, never billed: it
 *                                   contains the packages and DRAM)
 *   subzones "core" / "uncore"  -> never components: they lie inside the
 *                                   package (mentioned in its note)
 * Zones are the directories intel-rapl:N (and amd-rapl:N where a kernel names
 * them so); subzones intel-rapl:N:M are looked up both inside the zone
 * directory (the device tree) and next to it (the class symlinks).
 * intel-rapl-mmio:N duplicates the package counter and is ignored.
 *
 * Every component is a counter: energy_j is the raw energy_uj / 1e6 and
 * wrap_j is max_energy_range_uj / 1e6; the core unwraps the counter and
 * derives power from its differences (has_power = 0). Each energy_uj is opened
 * once (at open) and re-read with one pread per sample (pt_reread); under a
 * fake POWERTRAIN_SYSFS_ROOT, whose files tests rewrite by rename, each read
 * also checks that the path still names the opened file. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/proc.h"
#include "meter/source.h"
#include "util/fs.h"
#include "util/str.h"

#define RAPL_MAX_COMP 64
#define RAPL_PATH_MAX 4096

typedef struct {
    int n;
    pt_reread *energy; /* per component: <zone>/energy_uj, kept open */
} rapl_impl;

/* A zone directory name: "<prefix>:N" (depth 1) or "<prefix>:N:M" (depth 2)
 * with prefix "intel-rapl" or "amd-rapl". Returns the depth, 0 otherwise. */
static int parse_zone_name(const char *s, const char **prefix, long *n, long *m) {
    static const char *const prefixes[] = {"intel-rapl:", "amd-rapl:"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t len = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], len) != 0) continue;
        const char *p = s + len;
        long v[2] = {0, 0};
        int depth = 0;
        while (depth < 2) {
            if (*p < '0' || *p > '9') return 0;
            long x = 0;
            while (*p >= '0' && *p <= '9') {
                if (x > 100000) return 0;
                x = x * 10 + (*p++ - '0');
            }
            v[depth++] = x;
            if (*p == '\0') break;
            if (*p != ':') return 0;
            p++;
        }
        if (*p != '\0') return 0;
        *prefix = prefixes[i];
        *n = v[0];
        *m = v[1];
        return depth;
    }
    return 0;
}

typedef struct {
    char name[64]; /* directory name */
    const char *prefix;
    long n, m;
} zone_ent;

static int zone_cmp(const void *a, const void *b) {
    const zone_ent *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    if (c) return c;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    if (x->m != y->m) return x->m < y->m ? -1 : 1;
    return 0;
}

/* Lists the entries of dir that are zones of the wanted depth; for depth 2
 * only the subzones of (prefix, n). Appends to ents (deduplicated by name). */
static void list_zones(const char *dir, int want_depth, const char *want_prefix, long want_n,
                       zone_ent *ents, int *count, int cap) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *prefix;
        long n, m;
        if (parse_zone_name(e->d_name, &prefix, &n, &m) != want_depth) continue;
        if (want_depth == 2 && (strcmp(prefix, want_prefix) != 0 || n != want_n)) continue;
        if (strlen(e->d_name) >= sizeof ents[0].name) continue;
        int dup = 0;
        for (int i = 0; i < *count; i++) dup |= strcmp(ents[i].name, e->d_name) == 0;
        if (dup || *count >= cap) continue;
        zone_ent *z = &ents[(*count)++];
        pt_strlcpy(z->name, e->d_name, sizeof z->name);
        z->prefix = prefix;
        z->n = n;
        z->m = m;
    }
    closedir(d);
    qsort(ents, (size_t)*count, sizeof *ents, zone_cmp);
}

/* Reads <zdir>/<file> as an unsigned integer. On failure writes the reason
 * to err and sets *perm when the cause was a permission refusal. */
static int read_uj(const char *zdir, const char *file, const char *prefix,
                   unsigned long long *out, char *err, size_t errlen, int *perm) {
    char path[RAPL_PATH_MAX + 32], buf[64];
    (void)prefix; /* the fix is the same for intel-rapl and amd-rapl zones */
    pt_say(path, sizeof path, "%s/%s", zdir, file);
    if (pt_read_small_file(path, buf, sizeof buf) != 0) {
        int e = errno;
        if (e == EACCES || e == EPERM) {
            *perm = 1;
            /* prefix is "intel-rapl:" or "amd-rapl:" */
            pt_say(err, errlen,
                     "permission denied reading %s (root-only since 2020, CVE-2020-8694); fix, once: "
                     "sudo powertrain rapl-access --install, then join its group powercap "
                     "(powertrain rapl-access --check says why)",
                     path);
        } else {
            pt_say(err, errlen, "cannot read %s: %s", path, strerror(e));
        }
        return -1;
    }
    if (pt_parse_ull(buf, out) != 0) {
        pt_say(err, errlen, "unexpected content in %s: \"%.32s\"", path, buf);
        return -1;
    }
    return 0;
}

/* Probes a zone's counter: energy_uj readable and max_energy_range_uj known. */
static int probe_zone(const char *zdir, const char *prefix, double *wrap_j, char *err,
                      size_t errlen, int *perm) {
    unsigned long long v, range;
    if (read_uj(zdir, "energy_uj", prefix, &v, err, errlen, perm) != 0) return -1;
    if (read_uj(zdir, "max_energy_range_uj", prefix, &range, err, errlen, perm) != 0) return -1;
    *wrap_j = (double)range / 1e6;
    return 0;
}

static int read_zone_name(const char *zdir, char *name, size_t n) {
    char path[RAPL_PATH_MAX + 16];
    pt_say(path, sizeof path, "%s/name", zdir);
    return pt_read_small_file(path, name, n);
}

/* A component found while scanning, before the source is allocated. */
typedef struct {
    char name[PT_METER_NAME_MAX];
    char dir[RAPL_PATH_MAX];
    pt_meter_kind kind;
    double wrap_j;
    char note[PT_METER_TEXT_MAX];
} rapl_found;

typedef struct {
    rapl_found *found;
    int nfound;
    char first_perm[512]; /* first permission refusal */
    char first_err[512];  /* first other failure */
} rapl_scan;

static void scan_note_error(rapl_scan *s, const char *err, int perm) {
    char *slot = perm ? s->first_perm : s->first_err;
    if (!slot[0]) pt_strlcpy(slot, err, sizeof s->first_perm);
}

static void add_found(rapl_scan *s, const char *name, const char *dir, pt_meter_kind kind,
                      double wrap_j) {
    if (s->nfound >= RAPL_MAX_COMP) return;
    rapl_found *f = &s->found[s->nfound++];
    memset(f, 0, sizeof *f);
    /* Two zones with one name (never seen, but cheap to survive): suffix. */
    int dup = 0;
    for (int i = 0; i < s->nfound - 1; i++) dup |= strcmp(s->found[i].name, name) == 0;
    if (dup)
        pt_say(f->name, sizeof f->name, "%.40s-z%d", name, s->nfound - 1);
    else
        pt_strlcpy(f->name, name, sizeof f->name);
    pt_strlcpy(f->dir, dir, sizeof f->dir);
    f->kind = kind;
    f->wrap_j = wrap_j;
}

/* The psys top zone at zdir: a component never billed. */
static void scan_psys(rapl_scan *s, const char *zdir, const zone_ent *top) {
    char err[512];
    int perm = 0;
    double wrap_j = 0;
    if (probe_zone(zdir, top->prefix, &wrap_j, err, sizeof err, &perm) == 0) {
        add_found(s, "psys", zdir, PT_KIND_PSYS, wrap_j);
        pt_strlcpy(s->found[s->nfound - 1].note,
                   "platform zone (contains packages and DRAM): reported apart, never added",
                   PT_METER_TEXT_MAX);
    } else {
        scan_note_error(s, err, perm);
    }
}

/* What the subzones of a package said, for the package's note. */
typedef struct {
    char inner[64];        /* "core, uncore": inside the package */
    char dram_problem[48]; /* why its dram zone was not added */
} subzone_notes;

/* The subzones of package x (top zone zdir): inside the zone directory and as
   siblings under base. Adds its dram zone; notes core/uncore and problems. */
static void scan_subzones(rapl_scan *s, const char *base, const char *zdir, const zone_ent *top,
                          const char *x, subzone_notes *sn) {
    zone_ent subs[32];
    int nsub = 0;
    list_zones(zdir, 2, top->prefix, top->n, subs, &nsub, 32);
    list_zones(base, 2, top->prefix, top->n, subs, &nsub, 32);
    for (int i = 0; i < nsub; i++) {
        char sdir[RAPL_PATH_MAX], sname[64], err[512];
        /* list_zones sorts, so tell the places apart by looking again. */
        pt_say(sdir, sizeof sdir, "%s/%s", zdir, subs[i].name);
        DIR *probe = opendir(sdir);
        if (probe)
            closedir(probe);
        else
            pt_say(sdir, sizeof sdir, "%s/%s", base, subs[i].name);
        if (read_zone_name(sdir, sname, sizeof sname) != 0) continue;
        if (strcmp(sname, "dram") == 0) {
            int sperm = 0;
            double swrap = 0;
            if (probe_zone(sdir, top->prefix, &swrap, err, sizeof err, &sperm) == 0) {
                char dname[PT_METER_NAME_MAX];
                pt_say(dname, sizeof dname, "dram-%.40s", x);
                add_found(s, dname, sdir, PT_KIND_DRAM, swrap);
            } else {
                scan_note_error(s, err, sperm);
                pt_say(sn->dram_problem, sizeof sn->dram_problem, "%s",
                       sperm ? "permission denied" : "unreadable");
            }
        } else if (strcmp(sname, "core") == 0 || strcmp(sname, "uncore") == 0) {
            if (!strstr(sn->inner, sname)) {
                size_t len = strlen(sn->inner);
                pt_say(sn->inner + len, sizeof sn->inner - len, "%s%s", len ? ", " : "", sname);
            }
        }
    }
}

/* Scans one top zone and its subzones. */
static void scan_top_zone(rapl_scan *s, const char *base, const zone_ent *top) {
    char zdir[RAPL_PATH_MAX], zname[64], err[512];
    pt_say(zdir, sizeof zdir, "%s/%s", base, top->name);
    if (read_zone_name(zdir, zname, sizeof zname) != 0) {
        pt_say(err, sizeof err, "cannot read %s/name: %s", zdir, strerror(errno));
        scan_note_error(s, err, 0);
        return;
    }
    if (strcmp(zname, "psys") == 0) {
        scan_psys(s, zdir, top);
        return;
    }
    if (!pt_starts_with(zname, "package-")) return; /* unknown zone kind: not ours to add */
    const char *x = zname + strlen("package-");
    int perm = 0;
    double wrap_j = 0;
    int pkg = -1;
    if (probe_zone(zdir, top->prefix, &wrap_j, err, sizeof err, &perm) == 0) {
        add_found(s, zname, zdir, PT_KIND_CPU, wrap_j);
        pkg = s->nfound - 1;
    } else {
        scan_note_error(s, err, perm);
    }
    subzone_notes sn = {"", ""};
    scan_subzones(s, base, zdir, top, x, &sn);
    if (pkg >= 0) {
        char *note = s->found[pkg].note;
        if (sn.inner[0])
            pt_say(note, PT_METER_TEXT_MAX, "includes its %s subzone%s (not added apart)", sn.inner,
                   strchr(sn.inner, ',') ? "s" : "");
        if (sn.dram_problem[0]) {
            size_t len = strlen(note);
            pt_say(note + len, PT_METER_TEXT_MAX - len, "%sdram zone %s", len ? "; " : "", sn.dram_problem);
        }
    }
}

static int rapl_read(pt_source *src, double t_s, int regular, pt_reading *out) {
    (void)t_s;
    (void)regular;
    rapl_impl *impl = src->impl;
    int any = 0;
    for (int i = 0; i < impl->n; i++) {
        char buf[64];
        unsigned long long uj;
        out[i].ok = 0;
        out[i].energy_j = 0;
        out[i].power_w = 0;
        if (pt_reread_read(&impl->energy[i], buf, sizeof buf) >= 0 && pt_parse_ull(buf, &uj) == 0) {
            out[i].ok = 1;
            out[i].energy_j = (double)uj / 1e6;
            any = 1;
        }
    }
    return any ? 0 : -1;
}

static void rapl_close(pt_source *src) {
    if (!src) return;
    rapl_impl *impl = src->impl;
    if (impl) {
        for (int i = 0; i < impl->n; i++) pt_reread_close(&impl->energy[i]);
        free(impl->energy);
        free(impl);
    }
    pt_source_free(src);
}

static const pt_source_ops rapl_ops = {"rapl", rapl_read, rapl_close, NULL};

/* Scans the powercap tree at base into scan (scan->found allocated); -1 with
   why set (and nothing to free) when no readable rapl zone is there. */
static int find_zones(const char *base, rapl_scan *scan, char *why, size_t whylen) {
    DIR *d = opendir(base);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            pt_say(why, whylen, "no powercap zones (/sys/class/powercap missing)");
        else
            pt_say(why, whylen, "cannot open %s: %s", base, strerror(errno));
        return -1;
    }
    closedir(d);
    zone_ent tops[RAPL_MAX_COMP];
    int ntop = 0;
    list_zones(base, 1, NULL, 0, tops, &ntop, RAPL_MAX_COMP);
    if (ntop == 0) {
        pt_say(why, whylen, "no rapl zones in /sys/class/powercap (no intel-rapl:N; "
                            "kernel module intel_rapl_common not loaded?)");
        return -1;
    }
    memset(scan, 0, sizeof *scan);
    scan->found = calloc(RAPL_MAX_COMP, sizeof *scan->found);
    if (!scan->found) {
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    for (int i = 0; i < ntop; i++) scan_top_zone(scan, base, &tops[i]);
    if (scan->nfound == 0) {
        if (scan->first_perm[0])
            pt_say(why, whylen, "%s", scan->first_perm);
        else if (scan->first_err[0])
            pt_say(why, whylen, "%s", scan->first_err);
        else
            pt_say(why, whylen, "no rapl package, dram or psys zones in /sys/class/powercap");
        free(scan->found);
        return -1;
    }
    return 0;
}

/* Fills component i of src from zone f. */
static void describe_zone(pt_source *src, int i, const rapl_found *f, const char *model) {
    pt_meter_component *c = &src->comp[i];
    pt_strlcpy(c->name, f->name, sizeof c->name);
    pt_strlcpy(c->source, "rapl", sizeof c->source);
    pt_strlcpy(c->model, model, sizeof c->model);
    pt_strlcpy(c->id, f->dir, sizeof c->id);
    c->bus_id[0] = '\0';
    c->kind = f->kind;
    c->method = PT_METHOD_COUNTER;
    c->has_counter = 1;
    c->billed = f->kind != PT_KIND_PSYS;
    c->power_limit_w = 0;
    c->wrap_j = f->wrap_j;
    c->update_period_s = 0;
    pt_strlcpy(c->note, f->note, sizeof c->note);
    src->has_power[i] = 0;
}

/* The source over the zones found; NULL on OOM. */
static pt_source *build_source(const rapl_scan *scan) {
    char model[PT_METER_TEXT_MAX];
    int sockets = 1;
    if (pt_proc_cpu_model(model, sizeof model, &sockets) != 0) pt_strlcpy(model, "unknown CPU", sizeof model);
    pt_source *src = pt_source_alloc(&rapl_ops, scan->nfound);
    rapl_impl *impl = calloc(1, sizeof *impl);
    if (impl) impl->energy = calloc((size_t)scan->nfound, sizeof *impl->energy);
    if (!src || !impl || !impl->energy) {
        if (impl) free(impl->energy);
        free(impl);
        pt_source_free(src);
        return NULL;
    }
    src->impl = impl;
    for (int i = 0; i < scan->nfound; i++) {
        const rapl_found *f = &scan->found[i];
        char path[RAPL_PATH_MAX + 16];
        pt_say(path, sizeof path, "%s/energy_uj", f->dir);
        /* a failed open is retried by each read (and counted failed there) */
        if (pt_reread_open(&impl->energy[i], path, pt_sysfs_root()[0] != '\0') != 0 &&
            !impl->energy[i].path) {
            rapl_close(src);
            return NULL;
        }
        impl->n = i + 1;
        describe_zone(src, i, f, model);
    }
    return src;
}

int pt_rapl_open(const pt_meter_config *cfg, const pt_source_needs *needs, pt_source **out, char *why,
                 size_t whylen) {
    (void)needs;
    (void)cfg;
    *out = NULL;
    char base[RAPL_PATH_MAX];
    pt_say(base, sizeof base, "%s/sys/class/powercap", pt_sysfs_root());
    rapl_scan scan;
    if (find_zones(base, &scan, why, whylen) != 0) return -1;
    pt_source *src = build_source(&scan);
    free(scan.found);
    if (!src) {
        pt_say(why, whylen, "out of memory");
        return -1;
    }
    *out = src;
    return 0;
}
