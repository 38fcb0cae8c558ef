/* cmd_devices.c -- `powertrain devices`: every energy source, found or not and why,
 * each component with its model, counter, power and measured update period. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "powertrain/meter.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/json.h"

static const char *devices_help =
    "usage: powertrain devices [--gpus all|LIST] [--cpu-tdp W] [--period-s S]\n"
    "                          [--interval MS] [--json FILE]\n"
    "\n"
    "Lists every energy source (nvml, amdsmi, rapl, estimate), found or not and why\n"
    "(RAPL refused to a user: see powertrain rapl-access), and\n"
    "each component: model, whether an energy counter exists, the power now and\n"
    "the update period (how often its reading really changes), measured by\n"
    "sampling every --interval MS (default 2) for --period-s S (default 1).\n"
    "Exits 0 even when only the estimate is available.\n"
    "\n"
    "  --gpus all|LIST   GPUs to list: NVML/AMD SMI indices, GPU UUIDs or PCI bus ids\n"
    "                    (default: those the job can see: SLURM_STEP_GPUS,\n"
    "                    SLURM_JOB_GPUS, CUDA_VISIBLE_DEVICES; AMD: ROCR_VISIBLE_DEVICES\n"
    "                    then HIP_VISIBLE_DEVICES)\n"
    "  --cpu-tdp W       CPU TDP for the estimate (default: built-in table, else\n"
    "                    10 W per logical CPU)\n"
    "  --json FILE       also write the listing as JSON\n";

/* The flags: -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, pt_meter_config *cfg, double *period_s, const char **json_path) {
    const char *verb = "devices";
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(devices_help, stdout);
            return PT_EXIT_OK;
        }
        if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--gpus", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            cfg->gpus = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--cpu-tdp", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--cpu-tdp", v, 1, 100000, &cfg->cpu_tdp_w))
                return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--period-s", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--period-s", v, 0, 60, period_s)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--interval", &v))) {
            long ms;
            if (r < 0 || pt_cli_parse_long(verb, "--interval", v, 1, 60000, &ms)) return PT_EXIT_USAGE;
            cfg->interval_ms = (unsigned)ms;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--json", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            *json_path = v;
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain devices --help)",
                                argv[i]);
        }
    }
    return -1;
}

/* Samples for period_s inside one window ("probe"); its id, or -1. */
static int probe(pt_meter *m, double period_s) {
    int w = -1;
    if (pt_meter_start(m) == 0) {
        w = pt_meter_window_begin(m, "probe");
        pt_sleep(period_s);
        if (w >= 0) pt_meter_window_end(m, w);
        pt_meter_stop(m);
    }
    return w;
}

/* The listing on stdout: sources, then components with the probe's power. */
static void print_listing(pt_meter *m, int w, const char *host, const pt_meter_config *cfg, double period_s) {
    printf("powertrain %s: energy sources on %s\n\nsources:\n", PT_METER_VERSION, host);
    int ns = pt_meter_source_count(m);
    for (int i = 0; i < ns; i++) {
        pt_meter_source s;
        pt_meter_source_info(m, i, &s);
        printf("  %-9s %s\n", s.name, s.status);
    }
    int nc = pt_meter_component_count(m);
    int any_estimate = 0;
    printf("\ncomponents (update period measured over %.1f s at %u ms):\n", period_s, cfg->interval_ms);
    printf("  %-11s %-9s %-5s %-10s %-8s %-10s %-14s %-7s %s\n", "name", "source", "kind", "method",
           "counter", "power now", "update period", "billed", "model");
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        char pw[32] = "-", per[32] = "-";
        if (w >= 0 && pt_meter_window_component(m, w, k, &e) == 0 && isfinite(e.mean_w))
            snprintf(pw, sizeof pw, "%.1f W", e.mean_w);
        if (c.update_period_s > 0) snprintf(per, sizeof per, "%.3f s", c.update_period_s);
        any_estimate |= c.method == PT_METHOD_ESTIMATED;
        printf("  %-11s %-9s %-5s %-10s %-8s %-10s %-14s %-7s %s\n", c.name, c.source,
               pt_meter_kind_name(c.kind), pt_meter_method_name(c.method), c.has_counter ? "yes" : "no",
               pw, per, c.billed ? "yes" : "no (apart)", c.model);
        if (c.bus_id[0] || c.id[0] || c.power_limit_w > 0)
            printf("  %-11s id %s%s%s", "", c.id, c.bus_id[0] ? ", bus " : "", c.bus_id);
        if (c.power_limit_w > 0) printf(", power limit %.0f W", c.power_limit_w);
        if (c.bus_id[0] || c.id[0] || c.power_limit_w > 0) printf("\n");
        if (c.note[0]) printf("  %-11s %s\n", "", c.note);
    }
    if (nc == 0) printf("  (none)\n");
    printf("\nmethods: counter = hardware energy counter; eq1 = mean sampled power x duration;\n"
           "estimated = a model, not a measurement.\n");
    if (any_estimate)
        printf("No CPU energy counter is readable here: CPU and DRAM figures will be estimated.\n");
}

static void json_component(FILE *f, pt_meter *m, int w, int k) {
    pt_meter_component c;
    pt_meter_energy e;
    pt_meter_component_info(m, k, &c);
    double pw = NAN;
    if (w >= 0 && pt_meter_window_component(m, w, k, &e) == 0) pw = e.mean_w;
    fprintf(f, "%s{\"name\":", k ? "," : "");
    pt_json_str(f, c.name);
    fprintf(f, ",\"source\":");
    pt_json_str(f, c.source);
    fprintf(f, ",\"kind\":\"%s\",\"method\":\"%s\",\"has_counter\":%s,\"billed\":%s,\"model\":",
            pt_meter_kind_name(c.kind), pt_meter_method_name(c.method), c.has_counter ? "true" : "false",
            c.billed ? "true" : "false");
    pt_json_str(f, c.model);
    fprintf(f, ",\"id\":");
    pt_json_str(f, c.id);
    fprintf(f, ",\"bus_id\":");
    pt_json_str(f, c.bus_id);
    fprintf(f, ",\"power_w\":");
    pt_json_num(f, pw);
    fprintf(f, ",\"power_limit_w\":");
    pt_json_num(f, c.power_limit_w > 0 ? c.power_limit_w : NAN);
    fprintf(f, ",\"update_period_s\":");
    pt_json_num(f, c.update_period_s > 0 ? c.update_period_s : NAN);
    fprintf(f, ",\"note\":");
    pt_json_str(f, c.note);
    fputc('}', f);
}

/* The listing as JSON, atomically: PT_EXIT_OK, or PT_EXIT_FAIL after the error line. */
static int write_json(const char *path, pt_meter *m, int w, const char *host) {
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0)
        return pt_cli_error("devices", PT_EXIT_FAIL, "cannot write %s: %s", path, strerror(errno));
    FILE *f = af.f;
    fprintf(f, "{\"host\":");
    pt_json_str(f, host);
    fprintf(f, ",\"sources\":");
    pt_cli_json_sources(f, m);
    fprintf(f, ",\"components\":[");
    for (int k = 0; k < pt_meter_component_count(m); k++) json_component(f, m, w, k);
    fprintf(f, "]}\n");
    if (pt_atomic_commit(&af) != 0)
        return pt_cli_error("devices", PT_EXIT_FAIL, "cannot write %s: %s", path, strerror(errno));
    return PT_EXIT_OK;
}

/* The meter's warnings, less the unavailable sources the listing shows anyway. */
static void devices_warn(void *ctx, const char *message) {
    (void)ctx;
    if (!strstr(message, " unavailable: ")) fprintf(stderr, "powertrain devices: warning: %s\n", message);
}

/* parse, open the meter, probe it for period_s, list, write the JSON. */
int pt_cli_devices(int argc, char **argv) {
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    cfg.interval_ms = 2;
    cfg.quiet_short_windows = 1; /* the 1 s probe is short by design */
    cfg.warn = devices_warn;
    double period_s = 1.0;
    const char *json_path = NULL;
    int rc = parse_options(argc, argv, &cfg, &period_s, &json_path);
    if (rc >= 0) return rc;
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: nothing past the checks */
    pt_meter *m = pt_meter_open(&cfg);
    if (!m) return pt_cli_error("devices", PT_EXIT_USAGE, "%s", pt_meter_last_error());
    int w = probe(m, period_s);
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    print_listing(m, w, host, &cfg, period_s);
    rc = json_path ? write_json(json_path, m, w, host) : PT_EXIT_OK;
    pt_meter_close(m);
    return rc;
}
