/* cmd_measure.c -- `powertrain measure -- CMD`: runs a command under the meter and
 * cuts its run into epochs, from lines of its output matching --epoch-regex
 * and from `epoch_end [N]` / `phase NAME` lines written to the FIFO named in
 * its POWERTRAIN_MARKS variable. Prints a per-epoch table and totals; writes
 * samples.csv / windows.csv (--out) and a JSON summary (--json) atomically.
 * The command's exit status is ours (128+N when it died of signal N). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "powertrain/meter.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/units.h"

static const char *measure_help =
    "usage: powertrain measure [options] -- CMD ARGS...\n"
    "\n"
    "Runs CMD, samples every energy source while it runs and reports its energy\n"
    "per epoch and in total. CMD's exit status is powertrain's; SIGINT and SIGTERM\n"
    "sent to powertrain are forwarded to CMD.\n"
    "\n"
    "Epochs are cut two ways:\n"
    "  - each line of CMD's stdout or stderr matching --epoch-regex ends an epoch\n"
    "    (lines pass through unchanged, in order, unbuffered);\n"
    "  - CMD writes `epoch_end [N]` or `phase NAME` lines to the FIFO named in its\n"
    "    POWERTRAIN_MARKS environment variable.\n"
    "\n"
    "options:\n"
    "  --interval MS       sampling interval, 1..60000 ms (default 100)\n"
    "  --epoch-regex ERE   a POSIX extended regex; each matching output line ends an epoch\n"
    "  --epochs-total K    after each epoch, predict the total energy of K epochs\n"
    "  --idle S            measure S seconds of idle first; report energy above idle\n"
    "  --attribute process also report the command's process tree's share of CPU energy\n"
    "  --gpus all|LIST     GPUs to bill: NVML indices, GPU-UUIDs or PCI bus ids\n"
    "                      (default: SLURM_STEP_GPUS, SLURM_JOB_GPUS, CUDA_VISIBLE_DEVICES)\n"
    "  --cpu-tdp W         CPU TDP for the estimate when no RAPL counter is readable\n"
    "  --trace FILE        replay a power trace (CSV t_seconds,component,watts) instead\n"
    "                      of the hardware (what-if and tests)\n"
    "  --out DIR           write DIR/samples.csv and DIR/windows.csv\n"
    "  --json FILE         write a JSON summary\n"
    "  --quiet             no per-epoch lines while running (the table still prints)\n"
    "\n"
    "Reports go to stderr, so CMD's stdout stays clean. Methods: counter (hardware\n"
    "energy counter), eq1 (mean sampled power x duration), estimated (a model).\n";

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t child_pid_g;
static int sigchld_pipe[2] = {-1, -1};

static void on_forward(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    /* A signal from the terminal reaches the whole foreground group (the
       child too); forward only what was sent to us alone. */
    if (child_pid_g > 0 && (!si || si->si_code == SI_USER || si->si_code == SI_QUEUE))
        kill((pid_t)child_pid_g, sig);
}

static void on_sigchld(int sig) {
    (void)sig;
    int e = errno;
    if (sigchld_pipe[1] >= 0) (void)!write(sigchld_pipe[1], "c", 1);
    errno = e;
}

/* ---- state -------------------------------------------------------------- */

typedef struct {
    int win;    /* meter window id */
    int index;  /* epoch number (given by epoch_end N, else counted) */
    char phase[PT_METER_NAME_MAX];
} epoch_rec;

typedef struct {
    pt_meter *m;
    int quiet;
    long epochs_total;
    double t_cmd0; /* meter time at which the command started */
    epoch_rec *ep;
    int nep, capep;
    int cur_win; /* the window of the epoch in flight */
    int *phase_win;
    int nphase, capphase;
    char phase[PT_METER_NAME_MAX];
    int warned_mark;
    regex_t re;
    int have_re;
    /* samples.csv */
    FILE *samples;
    char (*names)[PT_METER_NAME_MAX];
} measure_state;

static int push_int(int **a, int *n, int *cap, int v) {
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 16;
        int *na = realloc(*a, (size_t)c * sizeof *na);
        if (!na) return -1;
        *a = na;
        *cap = c;
    }
    (*a)[(*n)++] = v;
    return 0;
}

static void print_prediction(measure_state *st) {
    if (st->epochs_total <= 0 || st->nep == 0) return;
    int n = st->nep;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        pt_meter_window w;
        pt_meter_window_read(st->m, st->ep[i].win, &w);
        sum += w.energy_j;
        sum2 += w.energy_j * w.energy_j;
    }
    double mean = sum / n;
    double var = n > 1 ? (sum2 - n * mean * mean) / (n - 1) : 0;
    if (var < 0) var = 0;
    double left = (double)(st->epochs_total - n);
    if (left < 0) left = 0;
    double pred = sum + left * mean;
    /* spread of the remaining sum: epoch-to-epoch variation plus the
       uncertainty of the mean itself */
    double sd = sqrt(left * var + left * left * var / n);
    char a[32], b[32];
    pt_fmt_joules(a, sizeof a, pred);
    pt_fmt_joules(b, sizeof b, sd);
    fprintf(stderr, "powertrain: predicted total for %ld epochs: %s +- %s%s\n", st->epochs_total, a, b,
            n < 2 ? " (one epoch so far: no spread yet)" : "");
}

static void end_epoch(measure_state *st, int given_index) {
    char label[PT_METER_NAME_MAX];
    snprintf(label, sizeof label, "epoch %d", st->nep + 2);
    /* one read ends this epoch and begins the next: epochs tile the run */
    int ended = st->cur_win, next = pt_meter_window_cut(st->m, ended, label);
    if (next < 0) return;
    st->cur_win = next;
    if (st->nep == st->capep) {
        int c = st->capep ? st->capep * 2 : 16;
        epoch_rec *ne = realloc(st->ep, (size_t)c * sizeof *ne);
        if (!ne) return; /* out of memory: the epoch is measured but not listed */
        st->ep = ne;
        st->capep = c;
    }
    epoch_rec *e = &st->ep[st->nep++];
    e->win = ended;
    e->index = given_index > 0 ? given_index : st->nep;
    pt_strlcpy(e->phase, st->phase, sizeof e->phase);
    if (!st->quiet) {
        pt_meter_window w;
        pt_meter_window_read(st->m, e->win, &w);
        char en[32];
        pt_fmt_joules(en, sizeof en, w.energy_j);
        fprintf(stderr, "powertrain: epoch %d: %.2f s, %s (%s)%s%s\n", e->index, w.end_s - w.start_s, en,
                pt_meter_method_name(w.method), w.degraded ? " [degraded]" : "",
                w.short_window ? " [short: under two update periods of a source, uncertain]" : "");
        print_prediction(st);
    }
}

static void begin_phase(measure_state *st, const char *name) {
    if (st->nphase > 0) pt_meter_window_end(st->m, st->phase_win[st->nphase - 1]);
    pt_strlcpy(st->phase, name, sizeof st->phase);
    int w = pt_meter_window_begin(st->m, name);
    if (w >= 0) push_int(&st->phase_win, &st->nphase, &st->capphase, w);
}

static void handle_mark_line(measure_state *st, char *line) {
    char *s = pt_trim(line);
    if (!*s) return;
    if (!strncmp(s, "epoch_end", 9) && (s[9] == '\0' || s[9] == ' ' || s[9] == '\t')) {
        long n = 0;
        char *arg = pt_trim(s + 9);
        if (*arg && (pt_parse_long(arg, &n) != 0 || n < 0)) n = 0;
        end_epoch(st, (int)n);
    } else if (!strncmp(s, "phase", 5) && (s[5] == ' ' || s[5] == '\t') && *pt_trim(s + 5)) {
        begin_phase(st, pt_trim(s + 5));
    } else if (!st->warned_mark) {
        st->warned_mark = 1;
        fprintf(stderr, "powertrain measure: ignoring unknown mark '%.60s' (expected 'epoch_end [N]' or 'phase NAME')\n", s);
    }
}

/* Line splitter over a byte stream. */
typedef struct {
    char buf[65536];
    size_t len;
} linebuf;

/* Feeds bytes; calls fn for each complete line (without '\n'). Over-long
   lines are cut at the buffer size. */
static void feed_lines(linebuf *lb, const char *data, size_t n, measure_state *st,
                       void (*fn)(measure_state *, char *)) {
    for (size_t i = 0; i < n; i++) {
        char ch = data[i];
        if (ch == '\n' || lb->len == sizeof lb->buf - 1) {
            lb->buf[lb->len] = '\0';
            fn(st, lb->buf);
            lb->len = 0;
            if (ch == '\n') continue;
        }
        lb->buf[lb->len++] = ch;
    }
}

static void flush_line(linebuf *lb, measure_state *st, void (*fn)(measure_state *, char *)) {
    if (lb->len) {
        lb->buf[lb->len] = '\0';
        fn(st, lb->buf);
        lb->len = 0;
    }
}

static void handle_output_line(measure_state *st, char *line) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[n - 1] = '\0';
    if (st->have_re && regexec(&st->re, line, 0, NULL, 0) == 0) end_epoch(st, 0);
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return; /* our stdout is gone: keep measuring */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void drain_fd(int fd) {
    char b[256];
    while (read(fd, b, sizeof b) > 0) {
    }
}

/* Reads what the FIFO holds; marks count only while the command runs. */
static int pump_fifo(int fd, linebuf *lb, measure_state *st, int live) {
    char buf[4096];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0) return 0;
    if (live) feed_lines(lb, buf, (size_t)r, st, handle_mark_line);
    return 1;
}

/* Passes one read of the child's output through to outfd and matches its
   lines while the command runs. Closes *fd at end of stream. */
static int pump_stream(int *fd, int outfd, linebuf *lb, measure_state *st, int live) {
    char buf[16384];
    ssize_t r = read(*fd, buf, sizeof buf);
    if (r > 0) {
        write_all(outfd, buf, (size_t)r);
        if (live) feed_lines(lb, buf, (size_t)r, st, handle_output_line);
        return 1;
    }
    if (r < 0 && errno == EINTR) return 1;
    if (live) flush_line(lb, st, handle_output_line);
    close(*fd);
    *fd = -1;
    return 0;
}

static void on_sample(void *ctx, double t, int ncomp, const double *p, const double *c) {
    measure_state *st = ctx;
    for (int k = 0; k < ncomp; k++) {
        fprintf(st->samples, "%.6f,%s,", t, st->names[k]);
        if (isfinite(p[k])) fprintf(st->samples, "%.6g", p[k]);
        fputc(',', st->samples);
        if (isfinite(c[k])) fprintf(st->samples, "%.9g", c[k]);
        fputc('\n', st->samples);
    }
}

/* ---- output ------------------------------------------------------------- */

static void json_component(FILE *f, const pt_meter_component *c, const pt_meter_energy *e,
                           double idle_w, double dur) {
    fprintf(f, "{\"name\":");
    pt_json_str(f, c->name);
    fprintf(f, ",\"source\":");
    pt_json_str(f, c->source);
    fprintf(f, ",\"method\":\"%s\",\"billed\":%s,\"energy_j\":", pt_meter_method_name(e->method),
            c->billed ? "true" : "false");
    pt_json_num(f, e->energy_j);
    fprintf(f, ",\"counter_j\":");
    pt_json_num(f, e->counter_j);
    fprintf(f, ",\"eq1_j\":");
    pt_json_num(f, e->eq1_j);
    fprintf(f, ",\"mean_w\":");
    pt_json_num(f, e->mean_w);
    fprintf(f, ",\"peak_w\":");
    pt_json_num(f, e->peak_w);
    fprintf(f, ",\"samples\":%ld,\"degraded\":%s", e->samples, e->degraded ? "true" : "false");
    if (isfinite(idle_w)) {
        fprintf(f, ",\"idle_w\":");
        pt_json_num(f, idle_w);
        fprintf(f, ",\"above_idle_j\":");
        pt_json_num(f, e->energy_j - idle_w * dur);
    }
    if (isfinite(e->process_j)) {
        fprintf(f, ",\"process_j\":");
        pt_json_num(f, e->process_j);
    }
    fputc('}', f);
}

static void json_window(FILE *f, pt_meter *m, int win, double t0, const double *idle_w) {
    pt_meter_window w;
    pt_meter_window_read(m, win, &w);
    double dur = w.end_s - w.start_s;
    fprintf(f, "\"start_s\":");
    pt_json_num(f, w.start_s - t0);
    fprintf(f, ",\"end_s\":");
    pt_json_num(f, w.end_s - t0);
    fprintf(f, ",\"energy_j\":");
    pt_json_num(f, w.energy_j);
    fprintf(f, ",\"method\":\"%s\",\"degraded\":%s,\"short\":%s,\"components\":[",
            pt_meter_method_name(w.method), w.degraded ? "true" : "false", w.short_window ? "true" : "false");
    int nc = pt_meter_component_count(m);
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, win, k, &e);
        if (k) fputc(',', f);
        json_component(f, &c, &e, idle_w ? idle_w[k] : NAN, dur);
    }
    fputc(']', f);
}

static int write_json(const char *path, measure_state *st, int total_win, int tail_win,
                      const double *idle_w, double idle_s, int exit_status, unsigned interval_ms) {
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) return -1;
    FILE *f = af.f;
    pt_meter *m = st->m;
    pt_meter_window tw;
    pt_meter_window_read(m, total_win, &tw);
    fprintf(f, "{\"interval_ms\":%u,\"duration_s\":", interval_ms);
    pt_json_num(f, tw.end_s - tw.start_s);
    fprintf(f, ",\"total_energy_j\":");
    pt_json_num(f, tw.energy_j);
    fprintf(f, ",\"method\":\"%s\",\"exit_status\":%d", pt_meter_method_name(tw.method), exit_status);
    if (idle_s > 0) {
        fprintf(f, ",\"idle_s\":");
        pt_json_num(f, idle_s);
    }
    fprintf(f, ",\"sources\":");
    pt_cli_json_sources(f, m);
    fprintf(f, ",\"components\":[");
    double dur = tw.end_s - tw.start_s;
    for (int k = 0; k < pt_meter_component_count(m); k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, total_win, k, &e);
        if (k) fputc(',', f);
        json_component(f, &c, &e, idle_w ? idle_w[k] : NAN, dur);
    }
    fprintf(f, "],\"epochs\":[");
    for (int i = 0; i < st->nep; i++) {
        fprintf(f, "%s{\"index\":%d,", i ? "," : "", st->ep[i].index);
        if (st->ep[i].phase[0]) {
            fprintf(f, "\"phase\":");
            pt_json_str(f, st->ep[i].phase);
            fputc(',', f);
        }
        json_window(f, m, st->ep[i].win, st->t_cmd0, idle_w);
        fputc('}', f);
    }
    fprintf(f, "],\"phases\":[");
    for (int i = 0; i < st->nphase; i++) {
        pt_meter_window w;
        pt_meter_window_read(m, st->phase_win[i], &w);
        fprintf(f, "%s{\"name\":", i ? "," : "");
        pt_json_str(f, w.label);
        fputc(',', f);
        json_window(f, m, st->phase_win[i], st->t_cmd0, idle_w);
        fputc('}', f);
    }
    fputc(']', f);
    if (tail_win >= 0) {
        fprintf(f, ",\"after_last_epoch\":{");
        json_window(f, m, tail_win, st->t_cmd0, idle_w);
        fputc('}', f);
    }
    fprintf(f, "}\n");
    return pt_atomic_commit(&af);
}

static void csv_window_rows(FILE *f, pt_meter *m, const char *kind, int index, int win, double t0) {
    pt_meter_window w;
    pt_meter_window_read(m, win, &w);
    for (int k = 0; k < pt_meter_component_count(m); k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, win, k, &e);
        fprintf(f, "%s,%d,\"%s\",%.6f,%.6f,%s,%s,%s,%.9g,", kind, index, w.label, w.start_s - t0,
                w.end_s - t0, c.name, c.source, pt_meter_method_name(e.method), e.energy_j);
        if (isfinite(e.counter_j)) fprintf(f, "%.9g", e.counter_j);
        fputc(',', f);
        if (isfinite(e.eq1_j)) fprintf(f, "%.9g", e.eq1_j);
        fputc(',', f);
        if (isfinite(e.mean_w)) fprintf(f, "%.6g", e.mean_w);
        fputc(',', f);
        if (isfinite(e.peak_w)) fprintf(f, "%.6g", e.peak_w);
        fprintf(f, ",%ld,%d\n", e.samples, e.degraded);
    }
}

static int write_windows_csv(const char *path, measure_state *st, int total_win, int tail_win,
                             int idle_win) {
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) return -1;
    FILE *f = af.f;
    fprintf(f, "kind,index,label,start_s,end_s,component,source,method,energy_j,counter_j,eq1_j,mean_w,"
               "peak_w,samples,degraded\n");
    if (idle_win >= 0) csv_window_rows(f, st->m, "idle", 0, idle_win, st->t_cmd0);
    for (int i = 0; i < st->nep; i++) csv_window_rows(f, st->m, "epoch", st->ep[i].index, st->ep[i].win, st->t_cmd0);
    for (int i = 0; i < st->nphase; i++) csv_window_rows(f, st->m, "phase", i + 1, st->phase_win[i], st->t_cmd0);
    if (tail_win >= 0) csv_window_rows(f, st->m, "after_last_epoch", 0, tail_win, st->t_cmd0);
    csv_window_rows(f, st->m, "total", 0, total_win, st->t_cmd0);
    return pt_atomic_commit(&af);
}

static void print_report(measure_state *st, int total_win, const double *idle_w, int attribute) {
    pt_meter *m = st->m;
    int nc = pt_meter_component_count(m);
    char en[32], en2[32], en3[32];
    if (st->nep > 0) {
        fprintf(stderr, "\n%-7s %10s %10s %12s %-9s", "epoch", "start s", "seconds", "energy", "method");
        for (int k = 0; k < nc; k++) {
            pt_meter_component c;
            pt_meter_component_info(m, k, &c);
            fprintf(stderr, " %12s", c.name);
        }
        fputc('\n', stderr);
        for (int i = 0; i < st->nep; i++) {
            pt_meter_window w;
            pt_meter_window_read(m, st->ep[i].win, &w);
            pt_fmt_joules(en, sizeof en, w.energy_j);
            fprintf(stderr, "%-7d %10.2f %10.2f %12s %-9s", st->ep[i].index, w.start_s - st->t_cmd0,
                    w.end_s - w.start_s, en, pt_meter_method_name(w.method));
            for (int k = 0; k < nc; k++) {
                pt_meter_energy e;
                pt_meter_window_component(m, st->ep[i].win, k, &e);
                pt_fmt_joules(en, sizeof en, e.energy_j);
                fprintf(stderr, " %12s", en);
            }
            fprintf(stderr, "%s%s\n", w.degraded ? "  degraded" : "", w.short_window ? "  short" : "");
        }
    }
    pt_meter_window tw;
    pt_meter_window_read(m, total_win, &tw);
    double dur = tw.end_s - tw.start_s;
    fprintf(stderr, "\n%-11s %-9s %-10s %12s %12s %12s %9s %9s%s%s\n", "component", "source", "method",
            "energy", "counter", "eq1", "mean W", "peak W", idle_w ? "   above idle" : "",
            attribute ? "      process" : "");
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        pt_meter_window_component(m, total_win, k, &e);
        pt_fmt_joules(en, sizeof en, e.energy_j);
        pt_fmt_joules(en2, sizeof en2, e.counter_j);
        pt_fmt_joules(en3, sizeof en3, e.eq1_j);
        fprintf(stderr, "%-11s %-9s %-10s %12s %12s %12s %9.2f %9.2f", c.name, c.source,
                pt_meter_method_name(e.method), en, en2, en3, e.mean_w, e.peak_w);
        if (idle_w) {
            pt_fmt_joules(en, sizeof en, e.energy_j - idle_w[k] * dur);
            fprintf(stderr, " %12s", en);
        }
        if (attribute) {
            pt_fmt_joules(en, sizeof en, e.process_j);
            fprintf(stderr, " %12s", en);
        }
        fprintf(stderr, "%s%s\n", c.billed ? "" : "  (apart, not in the total)", e.degraded ? "  degraded" : "");
    }
    pt_fmt_joules(en, sizeof en, tw.energy_j);
    fprintf(stderr, "total: %s (%.4f Wh) in %.2f s, method %s%s\n", en, tw.energy_j / 3600.0, dur,
            pt_meter_method_name(tw.method),
            tw.method == PT_METHOD_ESTIMATED ? " (includes estimated components: not a measurement)" : "");
}

/* ---- the verb ----------------------------------------------------------- */

static void quit_child_exec(int errfd, int err) {
    (void)!write(errfd, &err, sizeof err);
    _exit(err == ENOENT ? 127 : 126);
}

int pt_cli_measure(int argc, char **argv) {
    const char *verb = "measure";
    pt_meter_config cfg;
    pt_meter_config_init(&cfg);
    /* short epochs are flagged in measure's own lines and table; the tail after
       the last epoch is no epoch */
    cfg.quiet_short_windows = 1;
    measure_state st;
    memset(&st, 0, sizeof st);
    st.cur_win = -1;
    const char *regex = NULL, *out_dir = NULL, *json_path = NULL;
    double idle_s = 0;
    int attribute = 0, cmd_at = -1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--")) {
            cmd_at = i + 1;
            break;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(measure_help, stdout);
            return PT_EXIT_OK;
        }
        if (!strcmp(argv[i], "--quiet")) {
            st.quiet = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--interval", &v))) {
            long ms;
            if (r < 0 || pt_cli_parse_long(verb, "--interval", v, 1, 60000, &ms)) return PT_EXIT_USAGE;
            cfg.interval_ms = (unsigned)ms;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--epoch-regex", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            regex = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--epochs-total", &v))) {
            if (r < 0 || pt_cli_parse_long(verb, "--epochs-total", v, 1, 100000000, &st.epochs_total))
                return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--idle", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--idle", v, 0, 86400, &idle_s)) return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--attribute", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            if (strcmp(v, "process") != 0)
                return pt_cli_error(verb, PT_EXIT_USAGE, "--attribute: expected 'process', got '%s'", v);
            attribute = 1;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--gpus", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            cfg.gpus = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--cpu-tdp", &v))) {
            if (r < 0 || pt_cli_parse_double(verb, "--cpu-tdp", v, 1, 100000, &cfg.cpu_tdp_w))
                return PT_EXIT_USAGE;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--trace", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            cfg.trace_path = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--out", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            out_dir = v;
        } else if ((r = pt_cli_flag_value(verb, argc, argv, &i, "--json", &v))) {
            if (r < 0) return PT_EXIT_USAGE;
            json_path = v;
        } else if (argv[i][0] == '-') {
            return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain measure --help)", argv[i]);
        } else {
            return pt_cli_error(verb, PT_EXIT_USAGE, "put the command after '--': powertrain measure [options] -- %s ...",
                                argv[i]);
        }
    }
    if (cmd_at < 0 || cmd_at >= argc)
        return pt_cli_error(verb, PT_EXIT_USAGE, "no command given: powertrain measure [options] -- CMD ARGS...");
    if (regex) {
        int rc = regcomp(&st.re, regex, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &st.re, msg, sizeof msg);
            return pt_cli_error(verb, PT_EXIT_USAGE, "--epoch-regex '%s': %s", regex, msg);
        }
        st.have_re = 1;
    }
    int rc_final = PT_EXIT_FAIL;
    char fifo_dir[] = "/tmp/powertrain-XXXXXX", fifo_path[64] = "";
    int fifo_rd = -1, fifo_wr = -1, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, exec_pipe[2] = {-1, -1};
    pt_atomic_file samples_af;
    int samples_open = 0;
    double *idle_w = NULL;
    pt_meter *m = NULL;
    char samples_path[4096], windows_path[4096];

    if (out_dir) {
        struct stat sb;
        if (mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--out %s: %s", out_dir, strerror(errno));
            rc_final = PT_EXIT_USAGE;
            goto done;
        }
        if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--out %s: not a directory", out_dir);
            rc_final = PT_EXIT_USAGE;
            goto done;
        }
        snprintf(samples_path, sizeof samples_path, "%s/samples.csv", out_dir);
        snprintf(windows_path, sizeof windows_path, "%s/windows.csv", out_dir);
    }
    if (json_path) {
        /* Fail now rather than after a long run. */
        pt_atomic_file probe;
        if (pt_atomic_open(&probe, json_path) != 0) {
            pt_cli_error(verb, PT_EXIT_USAGE, "--json %s: %s", json_path, strerror(errno));
            rc_final = PT_EXIT_USAGE;
            goto done;
        }
        pt_atomic_abort(&probe);
    }

    m = pt_meter_open(&cfg);
    if (!m) {
        pt_cli_error(verb, PT_EXIT_USAGE, "%s", pt_meter_last_error());
        rc_final = PT_EXIT_USAGE;
        goto done;
    }
    st.m = m;
    int nc = pt_meter_component_count(m);
    if (nc == 0) pt_cli_error(verb, 0, "warning: no energy source is available; energies will be zero");
    if (out_dir) {
        st.names = calloc((size_t)(nc ? nc : 1), sizeof *st.names);
        if (!st.names || pt_atomic_open(&samples_af, samples_path) != 0) {
            pt_cli_error(verb, PT_EXIT_FAIL, "cannot write %s: %s", samples_path, strerror(errno));
            goto done;
        }
        samples_open = 1;
        st.samples = samples_af.f;
        for (int k = 0; k < nc; k++) {
            pt_meter_component c;
            pt_meter_component_info(m, k, &c);
            pt_strlcpy(st.names[k], c.name, sizeof st.names[k]);
        }
        fprintf(st.samples, "t_s,component,power_w,counter_j\n");
        pt_meter_set_sample_fn(m, on_sample, &st);
    }

    /* Signals: forward INT/TERM/HUP/QUIT to the child; SIGCHLD wakes poll. */
    if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    struct sigaction sc;
    memset(&sc, 0, sizeof sc);
    sc.sa_handler = on_sigchld;
    sc.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sc.sa_mask);
    sigaction(SIGCHLD, &sc, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (pt_meter_start(m) != 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "%s", pt_meter_last_error());
        goto done;
    }
    int idle_win = -1;
    if (idle_s > 0) {
        if (!st.quiet) fprintf(stderr, "powertrain: measuring %.1f s of idle first...\n", idle_s);
        idle_win = pt_meter_window_begin(m, "idle");
        pt_sleep(idle_s);
        pt_meter_window_end(m, idle_win);
        idle_w = calloc((size_t)(nc ? nc : 1), sizeof *idle_w);
        if (!idle_w) goto done;
        pt_meter_window iw;
        pt_meter_window_read(m, idle_win, &iw);
        double d = iw.end_s - iw.start_s;
        for (int k = 0; k < nc; k++) {
            pt_meter_energy e;
            pt_meter_window_component(m, idle_win, k, &e);
            idle_w[k] = d > 0 ? e.energy_j / d : 0;
        }
        char en[32];
        pt_fmt_joules(en, sizeof en, iw.energy_j);
        if (!st.quiet) fprintf(stderr, "powertrain: idle: %.2f W (%s over %.2f s)\n", d > 0 ? iw.energy_j / d : 0, en, d);
    }

    /* The marks FIFO. */
    if (!mkdtemp(fifo_dir)) {
        pt_cli_error(verb, PT_EXIT_FAIL, "mkdtemp: %s", strerror(errno));
        goto done;
    }
    snprintf(fifo_path, sizeof fifo_path, "%s/marks", fifo_dir);
    if (mkfifo(fifo_path, 0600) != 0 || (fifo_rd = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (fifo_wr = open(fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "cannot create the marks FIFO %s: %s", fifo_path, strerror(errno));
        goto done;
    }
    if (st.have_re && (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)) {
        pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
        goto done;
    }
    if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
        goto done;
    }

    st.t_cmd0 = pt_meter_now(m);
    int total_win = pt_meter_window_begin(m, "total");
    st.cur_win = pt_meter_window_begin(m, "epoch 1");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        pt_cli_error(verb, PT_EXIT_FAIL, "fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (st.have_re) {
            dup2(out_pipe[1], 1);
            dup2(err_pipe[1], 2);
        }
        setenv("POWERTRAIN_MARKS", fifo_path, 1);
        execvp(argv[cmd_at], argv + cmd_at);
        quit_child_exec(exec_pipe[1], errno);
    }
    child_pid_g = pid;
    if (attribute) pt_meter_attribute(m, pid);
    close(exec_pipe[1]);
    exec_pipe[1] = -1;
    int exec_err = 0;
    ssize_t got;
    while ((got = read(exec_pipe[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR) {
    }
    if (got == (ssize_t)sizeof exec_err) {
        pt_cli_error(verb, 0, "cannot run '%s': %s", argv[cmd_at], strerror(exec_err));
    }
    if (st.have_re) {
        close(out_pipe[1]);
        close(err_pipe[1]);
        out_pipe[1] = err_pipe[1] = -1;
    }

    linebuf *lb_out = calloc(1, sizeof *lb_out), *lb_err = calloc(1, sizeof *lb_err),
            *lb_fifo = calloc(1, sizeof *lb_fifo);
    int status = 0, exited = 0;
    double exit_t = 0;
    int *fds[2] = {&out_pipe[0], &err_pipe[0]};
    linebuf *lbs[2] = {lb_out, lb_err};
    while (lb_out && lb_err && lb_fifo) {
        struct pollfd pf[4];
        int np = 0, idx[2] = {-1, -1};
        pf[np++] = (struct pollfd){sigchld_pipe[0], POLLIN, 0};
        pf[np++] = (struct pollfd){fifo_rd, POLLIN, 0};
        for (int s = 0; s < 2; s++)
            if (*fds[s] >= 0) idx[s] = np, pf[np++] = (struct pollfd){*fds[s], POLLIN, 0};
        /* After the exit, drain what is left without waiting long on
           grandchildren that may hold the pipes open. */
        int n = poll(pf, (nfds_t)np, exited ? 50 : -1);
        if (n < 0 && errno != EINTR) break;
        int progressed = 0;
        if (n > 0 && (pf[0].revents & POLLIN)) drain_fd(sigchld_pipe[0]);
        if (n > 0 && (pf[1].revents & POLLIN)) progressed |= pump_fifo(fifo_rd, lb_fifo, &st, !exited);
        for (int s = 0; s < 2; s++)
            if (idx[s] >= 0 && (pf[idx[s]].revents & (POLLIN | POLLHUP | POLLERR)))
                progressed |= pump_stream(fds[s], s + 1, lbs[s], &st, !exited);
        if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
            exited = 1;
            exit_t = pt_meter_now(m);
            /* Marks and lines written before the exit still count. */
            while (pump_fifo(fifo_rd, lb_fifo, &st, 1)) {
            }
            for (int s = 0; s < 2; s++) {
                struct pollfd q = {*fds[s], POLLIN, 0};
                while (*fds[s] >= 0 && poll(&q, 1, 0) > 0 && pump_stream(fds[s], s + 1, lbs[s], &st, 1)) {
                }
                flush_line(lbs[s], &st, handle_output_line);
            }
            flush_line(lb_fifo, &st, handle_mark_line);
            pt_meter_window_end(m, st.cur_win); /* energy stops with the command */
            pt_meter_window_end(m, total_win);
            continue;
        }
        if (exited && (!progressed || (*fds[0] < 0 && *fds[1] < 0) || pt_meter_now(m) - exit_t > 2.0)) break;
    }
    if (!exited) {
        waitpid(pid, &status, 0);
        pt_meter_window_end(m, st.cur_win);
        pt_meter_window_end(m, total_win);
    }
    child_pid_g = 0;
    free(lb_out);
    free(lb_err);
    free(lb_fifo);

    /* The window in flight at exit is an epoch only if it was never cut. */
    int tail_win = -1;
    if (st.nep > 0) {
        pt_meter_window w;
        pt_meter_window_read(m, st.cur_win, &w);
        if (w.end_s - w.start_s > 0) tail_win = st.cur_win;
    }
    if (st.nphase > 0) pt_meter_window_end(m, st.phase_win[st.nphase - 1]);
    pt_meter_stop(m);
    pt_meter_set_sample_fn(m, NULL, NULL);

    int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    if (got == (ssize_t)sizeof exec_err) exit_status = exec_err == ENOENT ? 127 : 126;
    else print_report(&st, total_win, idle_w, attribute);
    if (WIFSIGNALED(status) && got != (ssize_t)sizeof exec_err)
        fprintf(stderr, "powertrain: the command was killed by signal %d\n", WTERMSIG(status));
    rc_final = exit_status;

    if (samples_open) {
        samples_open = 0;
        if (pt_atomic_commit(&samples_af) != 0) {
            pt_cli_error(verb, 0, "cannot write %s: %s", samples_path, strerror(errno));
            if (rc_final == 0) rc_final = PT_EXIT_FAIL;
        }
        if (write_windows_csv(windows_path, &st, total_win, tail_win, idle_win) != 0) {
            pt_cli_error(verb, 0, "cannot write %s: %s", windows_path, strerror(errno));
            if (rc_final == 0) rc_final = PT_EXIT_FAIL;
        }
    }
    if (json_path && write_json(json_path, &st, total_win, tail_win, idle_w, idle_s, exit_status, cfg.interval_ms) != 0) {
        pt_cli_error(verb, 0, "cannot write %s: %s", json_path, strerror(errno));
        if (rc_final == 0) rc_final = PT_EXIT_FAIL;
    }

done:
    if (samples_open) pt_atomic_abort(&samples_af);
    if (m) pt_meter_close(m);
    for (int i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0) close(out_pipe[i]);
        if (err_pipe[i] >= 0) close(err_pipe[i]);
        if (exec_pipe[i] >= 0) close(exec_pipe[i]);
        if (sigchld_pipe[i] >= 0) close(sigchld_pipe[i]);
        sigchld_pipe[i] = -1;
    }
    if (fifo_rd >= 0) close(fifo_rd);
    if (fifo_wr >= 0) close(fifo_wr);
    if (fifo_path[0]) unlink(fifo_path);
    if (strcmp(fifo_dir, "/tmp/powertrain-XXXXXX") != 0) rmdir(fifo_dir);
    if (st.have_re) regfree(&st.re);
    free(st.ep);
    free(st.phase_win);
    free(st.names);
    free(idle_w);
    return rc_final;
}
