/* exec.c -- the command of a study around a user's trainer (exec.h): its
 * placeholders checked and filled, its JSON in the study's config, the
 * metrics of a marks line. */
#include "study/exec.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"
#include "util/str.h"

static const char *const names[] = {"batch_size", "lr", "seed", "repeat", "run_dir", "max_epochs"};
#define NNAMES (int)(sizeof names / sizeof names[0])

/* The placeholder at s (s[0] == '{'): its index, -1 for "{{", -2 when s is
   no placeholder (a brace without a name), -3 for an unknown {name}. *len
   gets the characters it spans. */
static int placeholder_at(const char *s, size_t *len) {
    if (s[1] == '{') return *len = 2, -1;
    size_t k = 1;
    while ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_') k++;
    if (k == 1 || s[k] != '}') return *len = 1, -2;
    *len = k + 1;
    for (int i = 0; i < NNAMES; i++)
        if (strlen(names[i]) == k - 1 && !strncmp(s + 1, names[i], k - 1)) return i;
    return -3;
}

/* A regex flag's value: an ERE, with one group when want_group. */
static int check_regex(const char *flag, const char *re, int want_group, char *err, size_t errlen) {
    if (!re) return 0;
    regex_t r;
    int rc = regcomp(&r, re, REG_EXTENDED);
    if (rc != 0) {
        char m[160];
        regerror(rc, &r, m, sizeof m);
        pt_say(err, errlen, "%s '%s': not a regular expression (%s)", flag, re, m);
        return -1;
    }
    size_t groups = r.re_nsub;
    regfree(&r);
    if (want_group && groups < 1) {
        pt_say(err, errlen, "%s '%s': needs one group (...) around the number, e.g. 'acc ([0-9.]+)'", flag, re);
        return -1;
    }
    return 0;
}

/* 1 when cmd names a program execvp would find. */
static int on_path(const char *cmd) {
    if (strchr(cmd, '/')) return access(cmd, X_OK) == 0;
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", cmd);
        if (access(buf, X_OK) == 0) return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

int pt_exec_check(const pt_exec_spec *e, char *err, size_t errlen) {
    if (!e->argv || e->argc < 1 || !e->argv[0][0]) return pt_say(err, errlen, "--exec: no command after --"), -1;
    for (int a = 0; a < e->argc; a++)
        for (const char *s = e->argv[a]; (s = strchr(s, '{'));) {
            size_t len;
            if (placeholder_at(s, &len) == -3) {
                pt_say(err, errlen,
                       "--exec: argument %d '%s': unknown placeholder %.*s (known: {batch_size} {lr} {seed} "
                       "{repeat} {run_dir} {max_epochs}; {{ is a literal {)",
                       a, e->argv[a], (int)len, s);
                return -1;
            }
            s += len;
        }
    if (!on_path(e->argv[0]))
        return pt_say(err, errlen, "--exec: cannot run '%s': %s", e->argv[0],
                      strchr(e->argv[0], '/') ? strerror(errno) : "not found on PATH"), -1;
    if (check_regex("--epoch-regex", e->epoch_regex, 0, err, errlen) ||
        check_regex("--acc-regex", e->acc_regex, 1, err, errlen) ||
        check_regex("--loss-regex", e->loss_regex, 1, err, errlen))
        return -1;
    char json[PT_EXEC_JSON_MAX + 8] = "{}";
    if (pt_exec_config_json(e, json, sizeof json) != 0)
        return pt_say(err, errlen, "--exec: the command line is too long to record in the store (at most about %d "
                      "bytes as JSON)", PT_EXEC_JSON_MAX), -1;
    return 0;
}

/* s as a JSON string at out + *used (n bytes in all); -1 when it does not fit. */
static int put_str(char *out, size_t n, size_t *used, const char *s) {
    size_t need = pt_json_sbuf(out + *used, n - *used, s ? s : "");
    if (*used + need >= n) return -1;
    *used += need;
    return 0;
}

static int put_raw(char *out, size_t n, size_t *used, const char *s) {
    size_t k = strlen(s);
    if (*used + k >= n) return -1;
    memcpy(out + *used, s, k + 1);
    *used += k;
    return 0;
}

int pt_exec_config_json(const pt_exec_spec *e, char *json, size_t n) {
    size_t used = strlen(json);
    if (!e->argv || used < 1 || json[used - 1] != '}') return 0;
    used--; /* the closing brace */
    int bad = put_raw(json, n, &used, used > 1 ? ",\"exec\":{\"argv\":[" : "\"exec\":{\"argv\":[");
    for (int a = 0; a < e->argc && !bad; a++)
        bad = (a && put_raw(json, n, &used, ",")) || put_str(json, n, &used, e->argv[a]);
    const char *keys[3] = {"epoch_regex", "acc_regex", "loss_regex"};
    const char *vals[3] = {e->epoch_regex, e->acc_regex, e->loss_regex};
    bad = bad || put_raw(json, n, &used, "]");
    for (int k = 0; k < 3 && !bad; k++) {
        if (!vals[k]) continue;
        char key[32];
        snprintf(key, sizeof key, ",\"%s\":", keys[k]);
        bad = put_raw(json, n, &used, key) || put_str(json, n, &used, vals[k]);
    }
    bad = bad || put_raw(json, n, &used, "}}");
    return bad ? -1 : 0;
}

/* One placeholder's value as text. */
static void value_text(int i, const pt_exec_values *v, char *buf, size_t n) {
    switch (i) {
    case 0: snprintf(buf, n, "%d", v->batch_size); break;
    case 1: /* the shortest text that reads back as the same number: 0.1, not 0.10000000000000001 */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, n, "%.*g", prec, v->lr);
            if (strtod(buf, NULL) == v->lr) break;
        }
        break;
    case 2: snprintf(buf, n, "%llu", v->seed); break;
    case 3: snprintf(buf, n, "%d", v->repeat); break;
    case 4: snprintf(buf, n, "%s", v->run_dir ? v->run_dir : ""); break;
    default: snprintf(buf, n, "%d", v->max_epochs); break;
    }
}

/* One argument with its placeholders filled (malloc'd), NULL when out of memory. */
static char *fill(const char *arg, const pt_exec_values *v) {
    size_t cap = strlen(arg) + 64, len = 0;
    char *out = malloc(cap);
    for (const char *s = arg; out && *s;) {
        char val[4200];
        size_t span = 1;
        int i = *s == '{' ? placeholder_at(s, &span) : -2;
        if (i >= 0) value_text(i, v, val, sizeof val);
        else if (i == -1) pt_strlcpy(val, "{", sizeof val);
        else snprintf(val, sizeof val, "%c", *s);
        size_t k = strlen(val);
        if (len + k + 1 > cap) {
            char *g = realloc(out, cap = 2 * (len + k + 1));
            if (!g) free(out);
            out = g;
            if (!out) break;
        }
        memcpy(out + len, val, k);
        len += k;
        s += span;
    }
    if (out) out[len] = '\0';
    return out;
}

char **pt_exec_argv(const pt_exec_spec *e, const pt_exec_values *v, char *err, size_t errlen) {
    char **argv = calloc((size_t)e->argc + 1, sizeof *argv);
    for (int a = 0; argv && a < e->argc; a++)
        if (!(argv[a] = fill(e->argv[a], v))) {
            pt_exec_argv_free(argv);
            argv = NULL;
        }
    if (!argv) pt_say(err, errlen, "out of memory");
    return argv;
}

void pt_exec_argv_free(char **argv) {
    for (int a = 0; argv && argv[a]; a++) free(argv[a]);
    free(argv);
}
