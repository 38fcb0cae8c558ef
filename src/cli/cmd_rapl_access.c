/* cmd_rapl_access.c -- `powertrain rapl-access`: RAPL without root.
 *
 * Since 2020 (CVE-2020-8694) Linux makes the powercap energy_uj files readable
 * by root only. --install (as root, once) creates a system group (default
 * "powercap"), makes every RAPL zone's energy_uj group-readable by it now, and
 * keeps it so across reboots and hotplug with a udev rule and a
 * systemd-tmpfiles entry; it records what it changed in a manifest, which
 * --uninstall reverts exactly. --check says, for the calling user or
 * --user NAME, which energy files are readable and why not.
 *
 * Every path lives under POWERTRAIN_SYSFS_ROOT when it is set (a fake root
 * for tests: ROOT/sys/class/powercap, ROOT/etc/group, ROOT/etc/udev/...);
 * the group is then created in ROOT/etc with groupadd --prefix ROOT. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "meter/source.h"
#include "util/fs.h"
#include "util/str.h"

static const char verb[] = "rapl-access";

#define RA_MAX_ZONES 64
#define RA_MAX_GROUPS 256
#define RA_PATH 4096
#define RA_MARK "# written by powertrain rapl-access --install; removed by --uninstall"
#define RA_UDEV "/etc/udev/rules.d/70-powertrain-rapl.rules"
#define RA_TMPFILES "/etc/tmpfiles.d/powertrain-rapl.conf"
#define RA_MANIFEST "/var/lib/powertrain/rapl-access.manifest"
#define RA_POWERCAP "/sys/class/powercap"

static const char *help_text =
    "usage: powertrain rapl-access --install|--check|--uninstall [options]\n"
    "\n"
    "Reads RAPL energy counters without root. Linux makes the powercap energy_uj files\n"
    "readable by root only since 2020 (CVE-2020-8694).\n"
    "\n"
    "  --install       (as root, once) create the group, make every RAPL zone's energy_uj\n"
    "                  readable by it now, and at every boot and hotplug through\n"
    "                  " RA_UDEV " and " RA_TMPFILES ";\n"
    "                  then: sudo usermod -aG GROUP USER (and log in again)\n"
    "  --check         which energy files the user can read, and why not (exit 1 when\n"
    "                  some cannot be read)\n"
    "  --uninstall     revert exactly what --install changed (" RA_MANIFEST ")\n"
    "  --group NAME    the group (default powercap)\n"
    "  --user NAME     with --check: that user instead of the caller\n"
    "\n"
    "POWERTRAIN_SYSFS_ROOT=DIR works on a fake root (DIR/sys, DIR/etc, DIR/var).\n";

typedef struct {
    int action; /* 'i', 'c', 'u' */
    const char *group, *user, *root;
} ra_opts;

/* Whose access --check judges. */
typedef struct {
    char name[64];
    uid_t uid;
    gid_t gids[RA_MAX_GROUPS];
    int ngids;
} ra_cred;

/* ROOT + abs into out. */
static void rooted(char *out, size_t n, const char *root, const char *abs) { pt_say(out, n, "%s%s", root, abs); }

static int name_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* The energy files of every RAPL zone (class entries with "rapl" in their
 * name and an energy_uj), as paths under the root; their count. */
static int list_zone_files(const char *root, char (*out)[256], int max) {
    char dir[RA_PATH];
    rooted(dir, sizeof dir, root, RA_POWERCAP);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        char p[RA_PATH + 300];
        struct stat sb;
        if (!strstr(e->d_name, "rapl") || strlen(e->d_name) > 200) continue;
        pt_say(p, sizeof p, "%s/%s/energy_uj", dir, e->d_name);
        if (stat(p, &sb) != 0) continue;
        pt_say(out[n++], sizeof out[0], RA_POWERCAP "/%s/energy_uj", e->d_name);
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof out[0], name_cmp);
    return n;
}

/* Looks NAME up in ROOT/etc/group (the system's database when root is ""):
 * 0 with its gid (and, when members != NULL, its member list), else -1. */
static int group_lookup(const char *root, const char *name, gid_t *gid, char *members, size_t mlen) {
    if (!root[0]) {
        struct group *g = getgrnam(name);
        if (!g) return -1;
        *gid = g->gr_gid;
        if (members) members[0] = '\0';
        for (char **m = g->gr_mem; members && *m; m++) {
            size_t len = strlen(members);
            pt_say(members + len, mlen - len, "%s%s", len ? "," : "", *m);
        }
        return 0;
    }
    char path[RA_PATH], line[2048];
    rooted(path, sizeof path, root, "/etc/group");
    FILE *f = fopen(path, "r");
    int rc = -1;
    while (f && rc != 0 && fgets(line, sizeof line, f)) {
        char *save = NULL, *nm = strtok_r(line, ":", &save), *x = strtok_r(NULL, ":", &save);
        char *id = strtok_r(NULL, ":\n", &save), *mem = strtok_r(NULL, "\n", &save);
        long v;
        if (!nm || !x || !id || strcmp(nm, name) != 0 || pt_parse_long(id, &v) != 0) continue;
        *gid = (gid_t)v;
        if (members) pt_strlcpy(members, mem ? mem : "", mlen);
        rc = 0;
    }
    if (f) fclose(f);
    return rc;
}

/* 1 when name is in the comma-separated list. */
static int in_list(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n')) return 1;
    return 0;
}

/* The calling process's effective identity. */
static void cred_self(ra_cred *c) {
    c->uid = geteuid();
    struct passwd *pw = getpwuid(c->uid);
    if (pw) pt_strlcpy(c->name, pw->pw_name, sizeof c->name);
    else pt_say(c->name, sizeof c->name, "uid %u", (unsigned)c->uid);
    c->gids[0] = getegid();
    int n = getgroups(RA_MAX_GROUPS - 1, c->gids + 1);
    c->ngids = 1 + (n > 0 ? n : 0);
}

/* USER's uid and groups from ROOT/etc/passwd and ROOT/etc/group (the
 * system's databases when root is ""); 0, or -1 when there is no such user. */
static int cred_user(const char *root, const char *user, ra_cred *c) {
    pt_strlcpy(c->name, user, sizeof c->name);
    if (!root[0]) {
        struct passwd *pw = getpwnam(user);
        if (!pw) return -1;
        c->uid = pw->pw_uid;
        c->ngids = RA_MAX_GROUPS;
        if (getgrouplist(user, pw->pw_gid, c->gids, &c->ngids) < 0) c->ngids = RA_MAX_GROUPS;
        return 0;
    }
    char path[RA_PATH], line[2048];
    rooted(path, sizeof path, root, "/etc/passwd");
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        char *save = NULL, *nm = strtok_r(line, ":", &save), *x = strtok_r(NULL, ":", &save);
        char *u = strtok_r(NULL, ":", &save), *g = strtok_r(NULL, ":", &save);
        long uv, gv;
        if (!nm || !x || !u || !g || strcmp(nm, user) != 0 || pt_parse_long(u, &uv) || pt_parse_long(g, &gv)) continue;
        c->uid = (uid_t)uv;
        c->gids[0] = (gid_t)gv;
        c->ngids = 1;
        found = 1;
    }
    if (f) fclose(f);
    if (!found) return -1;
    rooted(path, sizeof path, root, "/etc/group");
    f = fopen(path, "r");
    while (f && c->ngids < RA_MAX_GROUPS && fgets(line, sizeof line, f)) {
        char *save = NULL, *nm = strtok_r(line, ":", &save), *x = strtok_r(NULL, ":", &save);
        char *id = strtok_r(NULL, ":\n", &save), *mem = strtok_r(NULL, "\n", &save);
        long v;
        if (nm && x && id && mem && in_list(mem, user) && pt_parse_long(id, &v) == 0) c->gids[c->ngids++] = (gid_t)v;
    }
    if (f) fclose(f);
    return 0;
}

static int has_gid(const ra_cred *c, gid_t g) {
    for (int i = 0; i < c->ngids; i++)
        if (c->gids[i] == g) return 1;
    return 0;
}

/* Owner and group names of a file, for messages. */
static void owner_text(const char *root, const struct stat *sb, char *out, size_t n) {
    char gname[64] = "";
    struct passwd *pw = root[0] ? NULL : getpwuid(sb->st_uid);
    struct group *gr = root[0] ? NULL : getgrgid(sb->st_gid);
    if (gr) pt_strlcpy(gname, gr->gr_name, sizeof gname);
    else pt_say(gname, sizeof gname, "%u", (unsigned)sb->st_gid);
    if (pw) pt_say(out, n, "%s:%s", pw->pw_name, gname);
    else pt_say(out, n, "%u:%s", (unsigned)sb->st_uid, gname);
}

/* The verdict on one file for c: 1 readable, else 0 with why. */
static int judge(const ra_cred *c, const struct stat *sb, gid_t grp_gid, int have_grp, const ra_opts *o,
                 char *why, size_t whylen) {
    if (c->uid == 0) return 1;
    if (sb->st_uid == c->uid) {
        if (sb->st_mode & S_IRUSR) return 1;
        pt_say(why, whylen, "the owner has no read permission");
        return 0;
    }
    if (has_gid(c, sb->st_gid) && (sb->st_mode & S_IRGRP)) return 1;
    if (sb->st_mode & S_IROTH) return 1;
    if (have_grp && sb->st_gid == grp_gid && (sb->st_mode & S_IRGRP))
        pt_say(why, whylen, "%s is not in group %s: sudo usermod -aG %s %s, then log in again", c->name, o->group,
               o->group, c->name);
    else
        pt_say(why, whylen, "only root reads it: sudo powertrain rapl-access --install, then sudo usermod -aG %s %s",
               o->group, c->name);
    return 0;
}

static int do_check(const ra_opts *o) {
    ra_cred c;
    memset(&c, 0, sizeof c);
    if (o->user) {
        if (cred_user(o->root, o->user, &c) != 0) return pt_cli_error(verb, PT_EXIT_USAGE, "--user %s: no such user", o->user);
    } else {
        cred_self(&c);
    }
    static char zones[RA_MAX_ZONES][256];
    int nz = list_zone_files(o->root, zones, RA_MAX_ZONES);
    if (nz == 0) {
        printf("no RAPL zones under %s%s: nothing to read\n", o->root, RA_POWERCAP);
        return PT_EXIT_FAIL;
    }
    gid_t g = 0;
    int have_grp = group_lookup(o->root, o->group, &g, NULL, 0) == 0;
    int unreadable = 0;
    printf("user %s (uid %u)%s\n", c.name, (unsigned)c.uid, have_grp ? "" : "; the group does not exist yet");
    for (int i = 0; i < nz; i++) {
        char path[RA_PATH + 300], why[400] = "", own[160];
        struct stat sb;
        rooted(path, sizeof path, o->root, zones[i]);
        if (stat(path, &sb) != 0) continue;
        owner_text(o->root, &sb, own, sizeof own);
        int ok = judge(&c, &sb, g, have_grp, o, why, sizeof why);
        unreadable += !ok;
        printf("  %s  mode %04o %s  %s%s\n", zones[i], (unsigned)(sb.st_mode & 07777), own,
               ok ? "readable" : "not readable: ", why);
    }
    char man[RA_PATH];
    rooted(man, sizeof man, o->root, RA_MANIFEST);
    printf("rapl-access --install: %s\n", access(man, F_OK) == 0 ? "installed" : "not installed");
    return unreadable ? PT_EXIT_FAIL : PT_EXIT_OK;
}

/* --- install ---------------------------------------------------------------------- */

/* Runs a tool (groupadd, groupdel) and waits: its exit status, or -1. */
static int run_tool(char *const argv[]) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "powertrain %s: cannot run %s: %s\n", verb, argv[0], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* groupadd/groupdel NAME, with --prefix ROOT on a fake root. */
static int group_tool(const char *tool, const char *root, const char *name) {
    char *argv[8];
    int k = 0;
    argv[k++] = (char *)tool;
    if (strcmp(tool, "groupadd") == 0) argv[k++] = "--system";
    if (root[0]) {
        argv[k++] = "--prefix";
        argv[k++] = (char *)root;
    }
    argv[k++] = (char *)name;
    argv[k] = NULL;
    return run_tool(argv);
}

/* Creates the missing directories of ROOT+abs_dir, appending "dir PATH" to
 * the manifest for each (outermost first). 0, or -1 with errno set. */
static int make_dirs(const char *root, const char *abs_dir, FILE *man) {
    char part[RA_PATH];
    size_t len = strlen(abs_dir);
    for (size_t i = 1; i <= len; i++) {
        if (abs_dir[i] != '/' && abs_dir[i] != '\0') continue;
        char sub[RA_PATH];
        pt_say(sub, sizeof sub, "%.*s", (int)i, abs_dir);
        rooted(part, sizeof part, root, sub);
        if (mkdir(part, 0755) == 0) fprintf(man, "dir %s\n", sub);
        else if (errno != EEXIST) return -1;
    }
    return 0;
}

/* Writes ROOT+abs (its directory created when missing), recorded as "file". */
static int write_conf(const char *root, const char *abs, const char *text, FILE *man) {
    char dir[RA_PATH], path[RA_PATH];
    pt_say(dir, sizeof dir, "%s", abs);
    *strrchr(dir, '/') = '\0';
    if (make_dirs(root, dir, man) != 0) return -1;
    rooted(path, sizeof path, root, abs);
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) return -1;
    fputs(text, af.f);
    if (fchmod(fileno(af.f), 0644) != 0 || pt_atomic_commit(&af) != 0) return -1;
    fprintf(man, "file %s\n", abs);
    return 0;
}

/* The udev rule and the tmpfiles entry for group name. */
static int write_persistence(const char *root, const char *group, FILE *man) {
    char udev[1024], tmpf[1024];
    pt_say(udev, sizeof udev,
           RA_MARK "\n"
           "SUBSYSTEM==\"powercap\", KERNEL==\"intel-rapl:*|amd-rapl:*\", ACTION==\"add|change\", "
           "RUN+=\"/bin/chgrp %s /sys%%p/energy_uj\", RUN+=\"/bin/chmod g+r /sys%%p/energy_uj\"\n",
           group);
    pt_say(tmpf, sizeof tmpf,
           RA_MARK "\n"
           "z /sys/class/powercap/intel-rapl:*/energy_uj 0440 root %s -\n"
           "z /sys/class/powercap/amd-rapl:*/energy_uj 0440 root %s -\n",
           group, group);
    if (write_conf(root, RA_UDEV, udev, man) != 0) return -1;
    return write_conf(root, RA_TMPFILES, tmpf, man);
}

/* Makes each zone's energy_uj group-readable by gid, recording its mode and
 * group before. 0, or -1 with the path in err. */
static int open_zones(const char *root, gid_t gid, FILE *man, int *nzones, char *err, size_t errlen) {
    static char zones[RA_MAX_ZONES][256];
    int nz = list_zone_files(root, zones, RA_MAX_ZONES);
    *nzones = nz;
    for (int i = 0; i < nz; i++) {
        char path[RA_PATH + 300];
        struct stat sb;
        rooted(path, sizeof path, root, zones[i]);
        if (stat(path, &sb) != 0 || chown(path, (uid_t)-1, gid) != 0 || chmod(path, (sb.st_mode & 07777) | S_IRGRP) != 0) {
            pt_say(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        fprintf(man, "zone %s %04o %u\n", zones[i], (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_gid);
    }
    return 0;
}

/* The group (created when missing, recorded in the manifest). */
static int ensure_group(const ra_opts *o, gid_t *gid, FILE *man) {
    int created = 0;
    if (group_lookup(o->root, o->group, gid, NULL, 0) != 0) {
        int rc = group_tool("groupadd", o->root, o->group);
        if (rc != 0 || group_lookup(o->root, o->group, gid, NULL, 0) != 0)
            return pt_cli_error(verb, PT_EXIT_FAIL, "cannot create group %s (groupadd exit %d)", o->group, rc);
        created = 1;
    }
    fprintf(man, "group %s %u %s\n", o->group, (unsigned)*gid, created ? "created" : "existing");
    return 0;
}

static int do_install(const ra_opts *o) {
    char man_path[RA_PATH], err[RA_PATH + 400];
    rooted(man_path, sizeof man_path, o->root, RA_MANIFEST);
    if (geteuid() != 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "--install must run as root: sudo powertrain rapl-access --install");
    if (access(man_path, F_OK) == 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "already installed (%s); --uninstall first to change it", man_path);
    char *text = NULL;
    size_t len = 0;
    FILE *man = open_memstream(&text, &len);
    if (!man) return pt_cli_error(verb, PT_EXIT_FAIL, "out of memory");
    fputs("# powertrain rapl-access --install changed this; --uninstall reverts it\n", man);
    char mdir[RA_PATH];
    pt_say(mdir, sizeof mdir, "%s", RA_MANIFEST);
    *strrchr(mdir, '/') = '\0';
    gid_t gid = 0;
    int nz = 0, rc = make_dirs(o->root, mdir, man);
    if (rc != 0) rc = pt_cli_error(verb, PT_EXIT_FAIL, "cannot create %s%s: %s", o->root, mdir, strerror(errno));
    if (rc == 0) rc = ensure_group(o, &gid, man);
    if (rc == 0 && open_zones(o->root, gid, man, &nz, err, sizeof err) != 0)
        rc = pt_cli_error(verb, PT_EXIT_FAIL, "cannot open %s", err);
    if (rc == 0 && write_persistence(o->root, o->group, man) != 0)
        rc = pt_cli_error(verb, PT_EXIT_FAIL, "cannot write the udev rule or tmpfiles entry: %s", strerror(errno));
    fclose(man);
    pt_atomic_file af;
    /* the manifest is written even after a failure: --uninstall reverts what was done */
    if (pt_atomic_open(&af, man_path) != 0 || fputs(text, af.f) < 0 || pt_atomic_commit(&af) != 0)
        rc = pt_cli_error(verb, PT_EXIT_FAIL, "cannot write %s: %s", man_path, strerror(errno));
    free(text);
    if (rc != 0) return rc;
    printf("%d RAPL energy file%s now readable by group %s (gid %u); kept so at boot and hotplug by\n"
           "  %s%s and %s%s\n"
           "let a user read them: sudo usermod -aG %s USER (then log in again)\n"
           "check: powertrain rapl-access --check --user USER\n",
           nz, nz == 1 ? " is" : "s are", o->group, (unsigned)gid, o->root, RA_UDEV, o->root, RA_TMPFILES, o->group);
    return PT_EXIT_OK;
}

/* --- uninstall --------------------------------------------------------------------- */

/* Removes ROOT+abs when it is still the file --install wrote. */
static void remove_conf(const char *root, const char *abs) {
    char path[RA_PATH], first[256];
    rooted(path, sizeof path, root, abs);
    FILE *f = fopen(path, "r");
    if (!f) return;
    int ours = fgets(first, sizeof first, f) && strncmp(first, RA_MARK, strlen(RA_MARK)) == 0;
    fclose(f);
    if (ours && unlink(path) == 0) printf("removed %s\n", path);
    else if (!ours) printf("kept %s: no longer the file rapl-access wrote\n", path);
}

/* Puts a zone's mode and group back when its group is still ours. */
static void restore_zone(const char *root, const char *abs, unsigned mode, unsigned old_gid, gid_t our_gid) {
    char path[RA_PATH];
    struct stat sb;
    rooted(path, sizeof path, root, abs);
    if (stat(path, &sb) != 0 || sb.st_gid != our_gid) return; /* gone (reboot) or changed since */
    if (chown(path, (uid_t)-1, (gid_t)old_gid) != 0 || chmod(path, (mode_t)mode) != 0)
        fprintf(stderr, "powertrain %s: cannot restore %s: %s\n", verb, path, strerror(errno));
}

/* One manifest line, reverted. dirs collects "dir" lines for the end. */
static void revert_line(const ra_opts *o, char *line, gid_t *our_gid, char (*dirs)[256], int *ndirs, int *del_group) {
    char what[16], a[256], b[64], c[64];
    int n = sscanf(line, "%15s %255s %63s %63s", what, a, b, c);
    unsigned v1, v2;
    if (n == 4 && strcmp(what, "group") == 0 && sscanf(b, "%u", &v1) == 1) {
        *our_gid = (gid_t)v1;
        *del_group = strcmp(c, "created") == 0;
    } else if (n == 2 && strcmp(what, "file") == 0) {
        remove_conf(o->root, a);
    } else if (n == 4 && strcmp(what, "zone") == 0 && sscanf(b, "%o", &v1) == 1 && sscanf(c, "%u", &v2) == 1) {
        restore_zone(o->root, a, v1, v2, *our_gid);
    } else if (n == 2 && strcmp(what, "dir") == 0 && *ndirs < 16) {
        pt_strlcpy(dirs[(*ndirs)++], a, sizeof dirs[0]);
    }
}

static int do_uninstall(const ra_opts *o) {
    char man_path[RA_PATH], line[600], group[64] = "";
    rooted(man_path, sizeof man_path, o->root, RA_MANIFEST);
    FILE *f = fopen(man_path, "r");
    if (!f) {
        printf("nothing to uninstall: %s does not exist\n", man_path);
        return PT_EXIT_OK;
    }
    if (geteuid() != 0) {
        fclose(f);
        return pt_cli_error(verb, PT_EXIT_FAIL, "--uninstall must run as root: sudo powertrain rapl-access --uninstall");
    }
    gid_t our_gid = (gid_t)-1;
    char dirs[16][256];
    int ndirs = 0, del_group = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        if (pt_starts_with(line, "group ")) sscanf(line, "group %63s", group);
        revert_line(o, line, &our_gid, dirs, &ndirs, &del_group);
    }
    fclose(f);
    if (unlink(man_path) != 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "cannot remove %s: %s", man_path, strerror(errno));
    for (int i = ndirs - 1; i >= 0; i--) { /* the directories --install created, innermost first */
        char p[RA_PATH];
        rooted(p, sizeof p, o->root, dirs[i]);
        if (rmdir(p) != 0 && errno != ENOENT) printf("kept %s: not empty\n", p);
    }
    if (del_group && group[0]) {
        int rc = group_tool("groupdel", o->root, group);
        if (rc != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "groupdel %s failed (exit %d)", group, rc);
        printf("removed group %s\n", group);
    }
    printf("uninstalled: RAPL energy files are as they were before --install\n");
    return PT_EXIT_OK;
}

static int parse(int argc, char **argv, ra_opts *o) {
    memset(o, 0, sizeof *o);
    o->group = "powercap";
    o->root = pt_sysfs_root();
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help_text, stdout);
            return PT_EXIT_OK;
        } else if (!strcmp(argv[i], "--install") || !strcmp(argv[i], "--check") || !strcmp(argv[i], "--uninstall")) {
            if (o->action) return pt_cli_error(verb, PT_EXIT_USAGE, "give one of --install, --check, --uninstall");
            o->action = argv[i][2];
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--group", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(v) || strlen(v) > 32)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--group '%s': not a group name ([a-z0-9_-], 32 at most)", v);
            o->group = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--user", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            o->user = v;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown argument '%s' (see powertrain rapl-access --help)", argv[i]);
        }
    }
    if (!o->action) return pt_cli_error(verb, PT_EXIT_USAGE, "give one of --install, --check, --uninstall");
    if (o->user && o->action != 'c') return pt_cli_error(verb, PT_EXIT_USAGE, "--user goes with --check");
    return -1;
}

int pt_cli_rapl_access(int argc, char **argv) {
    ra_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.action == 'c') return do_check(&o);
    if (o.action == 'i') return do_install(&o);
    return do_uninstall(&o);
}
