/* args.c -- flag parsing, number checks and error lines shared by the verbs. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"
#include "util/json.h"
#include "util/str.h"

static int check_only;

void pt_cli_set_check_only(int on) { check_only = on != 0; }

int pt_cli_check_only(void) { return check_only; }

int pt_cli_error(const char *verb, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "powertrain %s: ", verb);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int pt_cli_flag_value(const char *verb, int argc, char **argv, int *i, const char *name,
                      const char **val) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        pt_cli_error(verb, PT_EXIT_USAGE, "%s needs a value (see powertrain %s --help)", name, verb);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

int pt_cli_parse_double(const char *verb, const char *name, const char *s, double lo, double hi,
                        double *out) {
    double v;
    if (pt_parse_double(s, &v) != 0 || !isfinite(v) || v < lo || v > hi) {
        pt_cli_error(verb, PT_EXIT_USAGE, "%s: expected a number in %g..%g, got '%s'", name, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int pt_cli_parse_long(const char *verb, const char *name, const char *s, long lo, long hi,
                      long *out) {
    long v;
    if (pt_parse_long(s, &v) != 0 || v < lo || v > hi) {
        pt_cli_error(verb, PT_EXIT_USAGE, "%s: expected an integer in %ld..%ld, got '%s'", name, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

void pt_cli_json_sources(FILE *f, const pt_meter *m) {
    fputc('[', f);
    for (int i = 0; i < pt_meter_source_count(m); i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        fprintf(f, "%s{\"name\":", i ? "," : "");
        pt_json_str(f, s.name);
        fprintf(f, ",\"available\":%s,\"status\":", s.available ? "true" : "false");
        pt_json_str(f, s.status);
        fputc('}', f);
    }
    fputc(']', f);
}
