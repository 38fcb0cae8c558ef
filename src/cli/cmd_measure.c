/* cmd_measure.c -- `powertrain measure -- CMD`: runs a command under the meter and
 * cuts its run into epochs, from lines of its output matching --epoch-regex
 * and from `epoch_end [N]` / `phase NAME` lines written to the FIFO named in
 * its POWERTRAIN_MARKS variable (read while the command runs, and what the FIFO
 * holds when it exits: a writer that outlives it is not followed). Keeps at
 * most MEASURE_MAX_WINDOWS epochs and as many phases. Prints a per-epoch table
 * and totals; writes samples.csv / windows.csv (--out) and a JSON summary
 * (--json) atomically.
 * The command's exit status is ours (128+N when it died of signal N). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/ompwait.h"
#include "cli/metrics.h"
#include "meter/marks.h"
#include "powertrain/meter.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/grow.h"
#include "util/json.h"
#include "util/str.h"
#include "util/units.h"

/* The most epochs, and the most phases, one run keeps (each is a meter window
   and some 330 bytes of JSON): epochs past it are merged into the window after
   the last kept one (after_last_epoch), phases past it are not listed; the
   total holds them all. README's measure section and --help name it. */
#define MEASURE_MAX_WINDOWS 100000
#define MEASURE_STR_(x) #x
#define MEASURE_STR(x) MEASURE_STR_(x)

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
    "    POWERTRAIN_MARKS environment variable; marks count while CMD runs (and\n"
    "    those in the FIFO when it exits: a background writer is not followed).\n"
    "At most " MEASURE_STR(MEASURE_MAX_WINDOWS) " epochs and " MEASURE_STR(MEASURE_MAX_WINDOWS)
    " phases are kept: later epochs are merged\n"
    "into after_last_epoch, later phases only counted in the total (one warning).\n"
    "\n"
    "options:\n"
    "  --interval MS       sampling interval, 1..60000 ms (default 100)\n"
    "  --epoch-regex ERE   a POSIX extended regex; each matching output line ends an epoch\n"
    "  --epochs-total K    after each epoch, predict the total energy of K epochs\n"
    "  --idle S            measure S seconds of idle first; report energy above idle\n"
    "  --attribute process also report the command's process tree's share of CPU energy\n"
    "  --gpus all|LIST     GPUs to bill: NVML/AMD SMI indices, GPU UUIDs or PCI bus ids\n"
    "                      (default: SLURM_STEP_GPUS, SLURM_JOB_GPUS, CUDA_VISIBLE_DEVICES;\n"
    "                      AMD: ROCR_VISIBLE_DEVICES, then HIP_VISIBLE_DEVICES)\n"
    "  --cpu-tdp W         CPU TDP for the estimate when no RAPL counter is readable\n"
    "  --trace FILE        replay a power trace (CSV t_seconds,component,watts, or an\n"
    "                      Apple powermetrics log, text or plist) instead of the hardware\n"
    "  --out DIR           write DIR/samples.csv and DIR/windows.csv\n"
    "  --json FILE         write a JSON summary\n"
    "  --metrics FILE      rewrite FILE every second in the Prometheus text format\n"
    "                      (power and energy per component, epoch, job and machine energy)\n"
    "  --metrics-port PORT serve the same at http://127.0.0.1:PORT/metrics (0: a free port)\n"
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
    int nep;
    size_t capep;
    int cur_win; /* the window of the epoch in flight */
    int *phase_win;
    int nphase;
    size_t capphase;
    char phase[PT_METER_NAME_MAX];
    double sum_j, sum2_j; /* the kept epochs' energies and their squares, J, J^2 */
    long merged_epochs;  /* epoch marks past MEASURE_MAX_WINDOWS */
    long dropped_phases; /* phase marks past MEASURE_MAX_WINDOWS */
    int warned_mark;
    regex_t re;
    int have_re;
    struct pt_metrics *metrics; /* --metrics / --metrics-port, else NULL */
    /* samples.csv */
    FILE *samples;
    char (*names)[PT_METER_NAME_MAX];
} measure_state;

static int push_int(int **a, int *n, size_t *cap, int v) {
    int *na = pt_grow(*a, sizeof *na, (size_t)*n, cap, 16);
    if (!na) return -1;
    *a = na;
    (*a)[(*n)++] = v;
    return 0;
}

static void print_prediction(measure_state *st) {
    if (st->epochs_total <= 0 || st->nep == 0) return;
    int n = st->nep;
    double sum = st->sum_j, sum2 = st->sum2_j;
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
    if (st->nep >= MEASURE_MAX_WINDOWS) {
        st->merged_epochs++; /* the window in flight goes on: after_last_epoch */
        return;
    }
    char label[PT_METER_NAME_MAX];
    snprintf(label, sizeof label, "epoch %d", st->nep + 2);
    /* one read ends this epoch and begins the next: epochs tile the run */
    int ended = st->cur_win, next = pt_meter_window_cut(st->m, ended, label);
    if (next < 0) return;
    st->cur_win = next;
    epoch_rec *ne = pt_grow(st->ep, sizeof *ne, (size_t)st->nep, &st->capep, 16);
    if (!ne) return; /* out of memory: the epoch is measured but not listed */
    st->ep = ne;
    epoch_rec *e = &st->ep[st->nep++];
    e->win = ended;
    e->index = given_index > 0 ? given_index : st->nep;
    pt_strlcpy(e->phase, st->phase, sizeof e->phase);
    if (st->metrics) pt_metrics_epoch(st->metrics, st->nep + 1, st->nep);
    pt_meter_window w;
    pt_meter_window_read(st->m, e->win, &w);
    st->sum_j += w.energy_j; /* for the prediction: no pass over every epoch */
    st->sum2_j += w.energy_j * w.energy_j;
    if (!st->quiet) {
        char en[32];
        pt_fmt_joules(en, sizeof en, w.energy_j);
        fprintf(stderr, "powertrain: epoch %d: %.2f s, %s (%s)%s%s\n", e->index, w.end_s - w.start_s, en,
                pt_meter_method_name(w.method), w.degraded ? " [degraded]" : "",
                w.short_window ? " [short: under two update periods of a source, uncertain]" : "");
        print_prediction(st);
    }
}

static void begin_phase(measure_state *st, const char *name) {
    if (st->nphase > 0 && st->dropped_phases == 0) pt_meter_window_end(st->m, st->phase_win[st->nphase - 1]);
    pt_strlcpy(st->phase, name, sizeof st->phase);
    if (st->nphase >= MEASURE_MAX_WINDOWS) {
        st->dropped_phases++; /* the last kept phase ended here; this one is in the total only */
        return;
    }
    int w = pt_meter_window_begin(st->m, name);
    if (w >= 0) push_int(&st->phase_win, &st->nphase, &st->capphase, w);
}

static void handle_mark_line(measure_state *st, char *line) {
    pt_mark m;
    switch (pt_marks_parse_line(line, &m)) {
    case PT_MARK_BLANK: break;
    case PT_MARK_EPOCH_END: end_epoch(st, (int)m.epoch); break;
    case PT_MARK_PHASE: begin_phase(st, m.text); break;
    case PT_MARK_UNKNOWN:
        if (!st->warned_mark) {
            st->warned_mark = 1;
            fprintf(stderr, "powertrain measure: ignoring unknown mark '%.60s' (expected 'epoch_end [N]' or 'phase NAME')\n",
                    m.text);
        }
        break;
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

/* Reads the marks the FIFO holds at this moment (FIONREAD) and no more: a
   writer that outlives the command may keep it full for ever. */
static void drain_fifo_now(int fd, linebuf *lb, measure_state *st) {
    int left = 0;
    if (ioctl(fd, FIONREAD, &left) != 0) return;
    char buf[4096];
    while (left > 0) {
        ssize_t r = read(fd, buf, (size_t)left < sizeof buf ? (size_t)left : sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        feed_lines(lb, buf, (size_t)r, st, handle_mark_line);
        left -= (int)r;
    }
}

/* Reads one chunk of marks while the command runs. */
static void pump_fifo(int fd, linebuf *lb, measure_state *st) {
    char buf[4096];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r > 0) feed_lines(lb, buf, (size_t)r, st, handle_mark_line);
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
    if (st->metrics) pt_metrics_sample(st->metrics, ncomp, p);
    if (!st->samples) return;
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
    /* job energy beside machine energy (the meter's one code path, as studies store it) */
    fprintf(f, ",\"machine_j\":");
    pt_json_num(f, e->machine_j);
    fprintf(f, ",\"job_j\":");
    pt_json_num(f, e->job_j);
    fprintf(f, ",\"attribution\":\"%s\"", pt_meter_attribution_name(e->attribution));
    fputc('}', f);
}

/* Every component's energy in window win as a JSON array; dur is the window's
 * length (for above_idle_j), idle_w the idle power per component or NULL. */
static void json_components(FILE *f, pt_meter *m, int win, const double *idle_w, double dur) {
    fputc('[', f);
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
    fprintf(f, ",\"method\":\"%s\",\"degraded\":%s,\"short\":%s,\"components\":",
            pt_meter_method_name(w.method), w.degraded ? "true" : "false", w.short_window ? "true" : "false");
    json_components(f, m, win, idle_w, dur);
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
    fprintf(f, ",\"components\":");
    json_components(f, m, total_win, idle_w, tw.end_s - tw.start_s);
    fprintf(f, ",\"epochs\":[");
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

static const char verb[] = "measure";

/* What the flags ask for. */
typedef struct {
    pt_meter_config cfg;
    const char *regex, *out_dir, *json_path, *metrics_file;
    long metrics_port; /* -1: no server */
    double idle_s;
    int attribute, quiet;
    long epochs_total;
    char **cmd; /* the command and its arguments: argv's NULL-terminated tail */
} measure_opts;

/* One run: the state the epoch and output code shares, and what the end
   releases (every descriptor -1 and every pointer NULL until opened). */
typedef struct {
    measure_state st;
    char samples_path[4096], windows_path[4096];
    pt_atomic_file samples_af;
    int samples_open;
    double *idle_w; /* with --idle: each component's idle power, W */
    int idle_win, total_win, tail_win;
    char fifo_dir[32], fifo_path[64];
    int fifo_rd, fifo_wr, out_pipe[2], err_pipe[2], exec_pipe[2];
    pid_t pid;
    int status;      /* the command's wait status */
    int exec_failed; /* the command could not be run: exec_err says why */
    int exec_err;
} measure_run;

/* One option at argv[*i] (advancing *i past a separate value): 0 when taken,
   else PT_EXIT_USAGE after the error line. */
static int parse_option(measure_opts *o, int argc, char **argv, int *i) {
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--quiet")) {
        o->quiet = 1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--interval", &v))) {
        long ms;
        if (r < 0 || pt_cli_parse_long(verb, "--interval", v, 1, 60000, &ms)) return PT_EXIT_USAGE;
        o->cfg.interval_ms = (unsigned)ms;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--epoch-regex", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->regex = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--epochs-total", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--epochs-total", v, 1, 100000000, &o->epochs_total))
            return PT_EXIT_USAGE;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--idle", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--idle", v, 0, 86400, &o->idle_s)) return PT_EXIT_USAGE;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--attribute", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        if (strcmp(v, "process") != 0)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--attribute: expected 'process', got '%s'", v);
        o->attribute = 1;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--gpus", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->cfg.gpus = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--cpu-tdp", &v))) {
        if (r < 0 || pt_cli_parse_double(verb, "--cpu-tdp", v, 1, 100000, &o->cfg.cpu_tdp_w))
            return PT_EXIT_USAGE;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--trace", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->cfg.trace_path = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--out", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->out_dir = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--json", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->json_path = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--metrics", &v))) {
        if (r < 0) return PT_EXIT_USAGE;
        o->metrics_file = v;
    } else if ((r = pt_cli_flag_value(verb, argc, argv, i, "--metrics-port", &v))) {
        if (r < 0 || pt_cli_parse_long(verb, "--metrics-port", v, 0, 65535, &o->metrics_port)) return PT_EXIT_USAGE;
    } else if (argv[*i][0] == '-') {
        return pt_cli_error(verb, PT_EXIT_USAGE, "unknown option '%s' (see powertrain measure --help)", argv[*i]);
    } else {
        return pt_cli_error(verb, PT_EXIT_USAGE, "put the command after '--': powertrain measure [options] -- %s ...",
                            argv[*i]);
    }
    return 0;
}

/* The options before "--" and the command after it: -1 to go on, else the
   exit status (0 after --help, PT_EXIT_USAGE after the error line). */
static int parse_options(int argc, char **argv, measure_opts *o) {
    memset(o, 0, sizeof *o);
    o->metrics_port = -1;
    pt_meter_config_init(&o->cfg);
    /* short epochs are flagged in measure's own lines and table; the tail after
       the last epoch is no epoch */
    o->cfg.quiet_short_windows = 1;
    int cmd_at = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            cmd_at = i + 1;
            break;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(measure_help, stdout);
            return PT_EXIT_OK;
        }
        int rc = parse_option(o, argc, argv, &i);
        if (rc) return rc;
    }
    if (cmd_at < 0 || cmd_at >= argc)
        return pt_cli_error(verb, PT_EXIT_USAGE, "no command given: powertrain measure [options] -- CMD ARGS...");
    o->cmd = argv + cmd_at;
    return -1;
}

static void run_init(measure_run *run, const measure_opts *o) {
    memset(run, 0, sizeof *run);
    run->st.cur_win = -1;
    run->st.quiet = o->quiet;
    run->st.epochs_total = o->epochs_total;
    run->idle_win = run->total_win = run->tail_win = -1;
    pt_strlcpy(run->fifo_dir, "/tmp/powertrain-XXXXXX", sizeof run->fifo_dir);
    run->fifo_rd = run->fifo_wr = -1;
    for (int i = 0; i < 2; i++) run->out_pipe[i] = run->err_pipe[i] = run->exec_pipe[i] = -1;
}

/* Compiles --epoch-regex and checks that --out and --json can be written,
   rather than failing after a long run: -1 to go on, else the exit status. */
static int check_options(const measure_opts *o, measure_run *run) {
    if (o->regex) {
        int rc = regcomp(&run->st.re, o->regex, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &run->st.re, msg, sizeof msg);
            return pt_cli_error(verb, PT_EXIT_USAGE, "--epoch-regex '%s': %s", o->regex, msg);
        }
        run->st.have_re = 1;
    }
    if (pt_cli_check_only()) return PT_EXIT_OK; /* fuzz_cli: no directory made, no file probed */
    if (o->out_dir) {
        struct stat sb;
        if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--out %s: %s", o->out_dir, strerror(errno));
        if (stat(o->out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return pt_cli_error(verb, PT_EXIT_USAGE, "--out %s: not a directory", o->out_dir);
        snprintf(run->samples_path, sizeof run->samples_path, "%s/samples.csv", o->out_dir);
        snprintf(run->windows_path, sizeof run->windows_path, "%s/windows.csv", o->out_dir);
    }
    if (o->json_path) {
        pt_atomic_file probe;
        if (pt_atomic_open(&probe, o->json_path) != 0)
            return pt_cli_error(verb, PT_EXIT_USAGE, "--json %s: %s", o->json_path, strerror(errno));
        pt_atomic_abort(&probe);
    }
    if (o->metrics_file || o->metrics_port >= 0) {
        char err[512];
        run->st.metrics = pt_metrics_open(o->metrics_file, (int)o->metrics_port, err, sizeof err);
        if (!run->st.metrics) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", err);
    }
    return -1;
}

/* samples.csv, one row per component and regular sample, written by the
   meter's sampler through on_sample: -1 to go on, else the exit status. */
static int open_samples(measure_run *run, int nc) {
    measure_state *st = &run->st;
    st->names = calloc((size_t)(nc ? nc : 1), sizeof *st->names);
    if (!st->names || pt_atomic_open(&run->samples_af, run->samples_path) != 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "cannot write %s: %s", run->samples_path, strerror(errno));
    run->samples_open = 1;
    st->samples = run->samples_af.f;
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_component_info(st->m, k, &c);
        pt_strlcpy(st->names[k], c.name, sizeof st->names[k]);
    }
    fprintf(st->samples, "t_s,component,power_w,counter_j\n");
    pt_meter_set_sample_fn(st->m, on_sample, st);
    return -1;
}

/* The meter over the sources the flags select, and with --out its samples
   file: -1 to go on, else the exit status. */
static int open_meter(const measure_opts *o, measure_run *run) {
    run->st.m = pt_meter_open(&o->cfg);
    if (!run->st.m) return pt_cli_error(verb, PT_EXIT_USAGE, "%s", pt_meter_last_error());
    int nc = pt_meter_component_count(run->st.m);
    if (nc == 0) pt_cli_error(verb, 0, "warning: no energy source is available; energies will be zero");
    if (run->st.metrics && !o->out_dir) pt_meter_set_sample_fn(run->st.m, on_sample, &run->st);
    return o->out_dir ? open_samples(run, nc) : -1;
}

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT go on to the command (on_forward);
   SIGCHLD wakes the poll loop. -1 to go on, else the exit status. */
static int install_signals(void) {
    if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
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
    return -1;
}

/* Starts the sampler and with --idle measures the idle power of each
   component first: -1 to go on, else the exit status. */
static int start_meter(const measure_opts *o, measure_run *run) {
    pt_meter *m = run->st.m;
    if (pt_meter_start(m) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "%s", pt_meter_last_error());
    if (o->idle_s <= 0) return -1;
    int nc = pt_meter_component_count(m);
    if (!o->quiet) fprintf(stderr, "powertrain: measuring %.1f s of idle first...\n", o->idle_s);
    run->idle_win = pt_meter_window_begin(m, "idle");
    pt_sleep(o->idle_s);
    pt_meter_window_end(m, run->idle_win);
    run->idle_w = calloc((size_t)(nc ? nc : 1), sizeof *run->idle_w);
    if (!run->idle_w) return PT_EXIT_FAIL;
    pt_meter_window iw;
    pt_meter_window_read(m, run->idle_win, &iw);
    double d = iw.end_s - iw.start_s;
    for (int k = 0; k < nc; k++) {
        pt_meter_energy e;
        pt_meter_window_component(m, run->idle_win, k, &e);
        run->idle_w[k] = d > 0 ? e.energy_j / d : 0;
    }
    pt_meter_idle_from_window(m, run->idle_win); /* --attribute bills the job above it */
    char en[32];
    pt_fmt_joules(en, sizeof en, iw.energy_j);
    if (!o->quiet) fprintf(stderr, "powertrain: idle: %.2f W (%s over %.2f s)\n", d > 0 ? iw.energy_j / d : 0, en, d);
    return -1;
}

/* The marks FIFO, the output pipes (with --epoch-regex) and the pipe that
   carries a failed exec's errno: -1 to go on, else the exit status. */
static int open_channels(measure_run *run) {
    if (!mkdtemp(run->fifo_dir)) return pt_cli_error(verb, PT_EXIT_FAIL, "mkdtemp: %s", strerror(errno));
    snprintf(run->fifo_path, sizeof run->fifo_path, "%s/marks", run->fifo_dir);
    if (mkfifo(run->fifo_path, 0600) != 0 ||
        (run->fifo_rd = open(run->fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (run->fifo_wr = open(run->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "cannot create the marks FIFO %s: %s", run->fifo_path,
                            strerror(errno));
    if (run->st.have_re && (pipe2(run->out_pipe, O_CLOEXEC) != 0 || pipe2(run->err_pipe, O_CLOEXEC) != 0))
        return pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
    if (pipe2(run->exec_pipe, O_CLOEXEC) != 0) return pt_cli_error(verb, PT_EXIT_FAIL, "pipe: %s", strerror(errno));
    return -1;
}

static void quit_child_exec(int errfd, int err) {
    (void)!write(errfd, &err, sizeof err);
    _exit(err == ENOENT ? 127 : 126);
}

/* In the forked child: default signal handling and the caller's signal mask,
   the output pipes with --epoch-regex, POWERTRAIN_MARKS; never returns. */
static void exec_command(const measure_opts *o, const measure_run *run, const sigset_t *mask) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (run->st.have_re) {
        dup2(run->out_pipe[1], 1);
        dup2(run->err_pipe[1], 2);
    }
    setenv("POWERTRAIN_MARKS", run->fifo_path, 1);
    pt_omp_wait_child(); /* the command gets the user's OpenMP settings, not powertrain's */
    execvp(o->cmd[0], o->cmd);
    quit_child_exec(run->exec_pipe[1], errno);
}

/* Opens the total window and the first epoch, forks and runs the command.
   The forwarded signals stay blocked until child_pid_g names the child, so
   one sent right after the fork still reaches it. -1 to go on, else the exit
   status. A command that cannot be run is not an error here (exec_failed). */
static int start_command(const measure_opts *o, measure_run *run) {
    pt_meter *m = run->st.m;
    run->st.t_cmd0 = pt_meter_now(m);
    run->total_win = pt_meter_window_begin(m, "total");
    run->st.cur_win = pt_meter_window_begin(m, "epoch 1");
    if (run->st.metrics && pt_metrics_start(run->st.metrics, m, run->total_win) != 0)
        return pt_cli_error(verb, PT_EXIT_FAIL, "cannot start the metrics thread: %s", strerror(errno));
    if (pt_metrics_port(run->st.metrics) >= 0)
        fprintf(stderr, "powertrain: metrics at http://127.0.0.1:%d/metrics\n", pt_metrics_port(run->st.metrics));
    fflush(stdout);
    fflush(stderr);
    sigset_t fwd, old;
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGQUIT);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    run->pid = fork();
    int fork_errno = errno;
    if (run->pid == 0) exec_command(o, run, &old);
    if (run->pid > 0) child_pid_g = run->pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (run->pid < 0) return pt_cli_error(verb, PT_EXIT_FAIL, "fork: %s", strerror(fork_errno));
    if (o->attribute) pt_meter_attribute(m, run->pid);
    close(run->exec_pipe[1]);
    run->exec_pipe[1] = -1;
    ssize_t got;
    while ((got = read(run->exec_pipe[0], &run->exec_err, sizeof run->exec_err)) < 0 && errno == EINTR) {
    }
    run->exec_failed = got == (ssize_t)sizeof run->exec_err;
    if (run->exec_failed) pt_cli_error(verb, 0, "cannot run '%s': %s", o->cmd[0], strerror(run->exec_err));
    if (run->st.have_re) {
        close(run->out_pipe[1]);
        close(run->err_pipe[1]);
        run->out_pipe[1] = run->err_pipe[1] = -1;
    }
    return -1;
}

/* The command has exited: the marks (those in the FIFO now) and lines it wrote
   before count still, and the energy stops with it. lbs: stdout, stderr, FIFO
   line buffers. */
static void drain_after_exit(measure_run *run, int *fds[2], linebuf *lbs[3]) {
    measure_state *st = &run->st;
    drain_fifo_now(run->fifo_rd, lbs[2], st);
    for (int s = 0; s < 2; s++) {
        struct pollfd q = {*fds[s], POLLIN, 0};
        while (*fds[s] >= 0 && poll(&q, 1, 0) > 0 && pump_stream(fds[s], s + 1, lbs[s], st, 1)) {
        }
        flush_line(lbs[s], st, handle_output_line);
    }
    flush_line(lbs[2], st, handle_mark_line);
    pt_meter_window_end(st->m, st->cur_win);
    pt_meter_window_end(st->m, run->total_win);
}

/* Passes the command's output through and reads its marks until it has
   exited and its pipes are drained (or stay quiet, or 2 s have passed:
   grandchildren may hold them open); the FIFO is not read after the exit.
   Waits for the command. */
static void follow_command(measure_run *run) {
    measure_state *st = &run->st;
    linebuf *lbs[3] = {calloc(1, sizeof(linebuf)), calloc(1, sizeof(linebuf)), calloc(1, sizeof(linebuf))};
    int *fds[2] = {&run->out_pipe[0], &run->err_pipe[0]};
    int exited = 0;
    double exit_t = 0;
    while (lbs[0] && lbs[1] && lbs[2]) {
        struct pollfd pf[4];
        int np = 0, idx[2] = {-1, -1};
        pf[np++] = (struct pollfd){sigchld_pipe[0], POLLIN, 0};
        pf[np++] = (struct pollfd){exited ? -1 : run->fifo_rd, POLLIN, 0};
        for (int s = 0; s < 2; s++)
            if (*fds[s] >= 0) idx[s] = np, pf[np++] = (struct pollfd){*fds[s], POLLIN, 0};
        /* After the exit, drain what is left without waiting long on
           grandchildren that may hold the pipes open. */
        int n = poll(pf, (nfds_t)np, exited ? 50 : -1);
        if (n < 0 && errno != EINTR) break;
        int progressed = 0;
        if (n > 0 && (pf[0].revents & POLLIN)) drain_fd(sigchld_pipe[0]);
        if (n > 0 && (pf[1].revents & POLLIN)) pump_fifo(run->fifo_rd, lbs[2], st);
        for (int s = 0; s < 2; s++)
            if (idx[s] >= 0 && (pf[idx[s]].revents & (POLLIN | POLLHUP | POLLERR)))
                progressed |= pump_stream(fds[s], s + 1, lbs[s], st, !exited);
        if (!exited && waitpid(run->pid, &run->status, WNOHANG) == run->pid) {
            exited = 1;
            exit_t = pt_meter_now(st->m);
            drain_after_exit(run, fds, lbs);
            continue;
        }
        if (exited && (!progressed || (*fds[0] < 0 && *fds[1] < 0) || pt_meter_now(st->m) - exit_t > 2.0)) break;
    }
    if (!exited) {
        waitpid(run->pid, &run->status, 0);
        pt_meter_window_end(st->m, st->cur_win);
        pt_meter_window_end(st->m, run->total_win);
    }
    child_pid_g = 0;
    for (int i = 0; i < 3; i++) free(lbs[i]);
}

/* After the command: the tail after the last epoch (the window in flight at
   the exit is an epoch only if it was never cut), the last phase ended, the
   meter stopped. */
static void close_windows(measure_run *run) {
    measure_state *st = &run->st;
    if (st->nep > 0) {
        pt_meter_window w;
        pt_meter_window_read(st->m, st->cur_win, &w);
        if (w.end_s - w.start_s > 0) run->tail_win = st->cur_win;
    }
    if (st->nphase > 0 && st->dropped_phases == 0) pt_meter_window_end(st->m, st->phase_win[st->nphase - 1]);
    pt_meter_stop(st->m);
    pt_meter_set_sample_fn(st->m, NULL, NULL);
    if (st->metrics && pt_metrics_stop(st->metrics) != 0)
        pt_cli_error(verb, 0, "warning: cannot write the last metrics: %s", strerror(errno));
    st->metrics = NULL;
}

/* One line when marks went past MEASURE_MAX_WINDOWS. */
static void warn_capped(const measure_state *st) {
    if (st->merged_epochs > 0)
        pt_cli_error(verb, 0,
                     "warning: more than %d epochs: the last %ld merged into after_last_epoch (the total holds them)",
                     MEASURE_MAX_WINDOWS, st->merged_epochs);
    if (st->dropped_phases > 0)
        pt_cli_error(verb, 0, "warning: more than %d phases: the last %ld not listed (the total holds them)",
                     MEASURE_MAX_WINDOWS, st->dropped_phases);
}

/* The tables on stderr; returns the command's exit status (128+N when it
   died of signal N, 127/126 when it could not be run). */
static int summarise(const measure_opts *o, measure_run *run) {
    int status = run->status;
    int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    if (run->exec_failed) exit_status = run->exec_err == ENOENT ? 127 : 126;
    else print_report(&run->st, run->total_win, run->idle_w, o->attribute);
    if (WIFSIGNALED(status) && !run->exec_failed)
        fprintf(stderr, "powertrain: the command was killed by signal %d\n", WTERMSIG(status));
    warn_capped(&run->st);
    return exit_status;
}

/* samples.csv and windows.csv (--out), the JSON summary (--json); returns
   exit_status, or PT_EXIT_FAIL for a file not written when it was 0. */
static int write_outputs(const measure_opts *o, measure_run *run, int exit_status) {
    int rc = exit_status;
    if (run->samples_open) {
        run->samples_open = 0;
        if (pt_atomic_commit(&run->samples_af) != 0) {
            pt_cli_error(verb, 0, "cannot write %s: %s", run->samples_path, strerror(errno));
            if (rc == 0) rc = PT_EXIT_FAIL;
        }
        if (write_windows_csv(run->windows_path, &run->st, run->total_win, run->tail_win, run->idle_win) != 0) {
            pt_cli_error(verb, 0, "cannot write %s: %s", run->windows_path, strerror(errno));
            if (rc == 0) rc = PT_EXIT_FAIL;
        }
    }
    if (o->json_path && write_json(o->json_path, &run->st, run->total_win, run->tail_win, run->idle_w, o->idle_s,
                                   exit_status, o->cfg.interval_ms) != 0) {
        pt_cli_error(verb, 0, "cannot write %s: %s", o->json_path, strerror(errno));
        if (rc == 0) rc = PT_EXIT_FAIL;
    }
    return rc;
}

static void run_free(measure_run *run) {
    if (run->samples_open) pt_atomic_abort(&run->samples_af);
    (void)pt_metrics_stop(run->st.metrics); /* on an early failure; NULL after close_windows */
    if (run->st.m) pt_meter_close(run->st.m);
    for (int i = 0; i < 2; i++) {
        if (run->out_pipe[i] >= 0) close(run->out_pipe[i]);
        if (run->err_pipe[i] >= 0) close(run->err_pipe[i]);
        if (run->exec_pipe[i] >= 0) close(run->exec_pipe[i]);
        if (sigchld_pipe[i] >= 0) close(sigchld_pipe[i]);
        sigchld_pipe[i] = -1;
    }
    if (run->fifo_rd >= 0) close(run->fifo_rd);
    if (run->fifo_wr >= 0) close(run->fifo_wr);
    if (run->fifo_path[0]) unlink(run->fifo_path);
    if (strcmp(run->fifo_dir, "/tmp/powertrain-XXXXXX") != 0) rmdir(run->fifo_dir);
    if (run->st.have_re) regfree(&run->st.re);
    free(run->st.ep);
    free(run->st.phase_win);
    free(run->st.names);
    free(run->idle_w);
}

/* parse, check, open the meter, start it (and measure idle), run the command
   and follow its epochs, summarise, write the files. */
int pt_cli_measure(int argc, char **argv) {
    measure_opts o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0) return rc;
    measure_run run;
    run_init(&run, &o);
    rc = check_options(&o, &run);
    if (rc < 0) rc = open_meter(&o, &run);
    if (rc < 0) rc = install_signals();
    if (rc < 0) rc = start_meter(&o, &run);
    if (rc < 0) rc = open_channels(&run);
    if (rc < 0) rc = start_command(&o, &run);
    if (rc < 0) {
        follow_command(&run);
        close_windows(&run);
        rc = write_outputs(&o, &run, summarise(&o, &run));
    }
    run_free(&run);
    return rc;
}
