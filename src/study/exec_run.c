/* exec_run.c -- one run of a study around a user's trainer (exec_run.h): the
 * command's output and marks read while it runs, each epoch cut into its
 * meter window, stored, fed to the stopping rule and the search's watch,
 * and the process group ended when the run ends here. */
#include "study/exec_run.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/marks.h"
#include "study/exec.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/str.h"

#define TAIL_LINES 5

typedef struct {
    char buf[8192];
    size_t len;
} linebuf;

/* A run in flight. */
typedef struct {
    pt_study *s;
    const pt_exec_job *job;
    pt_train_result *res;
    pt_exec_proc proc;
    regex_t re[3]; /* epoch, accuracy, loss */
    int have[3];
    FILE *log;
    char tail[TAIL_LINES][160];
    int ntail;
    linebuf out, marks;
    char label[128];
    pt_stopper stop;
    pt_epoch_component *comp;
    int maxcomp, win, nep;
    int pending;               /* an epoch ended whose metrics are awaited */
    pt_epoch_row prow;
    double pacc, ploss;        /* its metrics: NAN not yet, INFINITY not a number */
    pt_meter_method pmethod;
    double extra_j;            /* energy outside stored epochs: a partial epoch, the tail */
    double seconds_done, t0, t_term, last_beat, last_watch;
    double *hist;              /* the watch's accuracy, then energy, per epoch */
    int cap;
    pt_run_progress wp;
    int decided;               /* powertrain ends the run: later epochs are not counted */
    int killed, gone, interrupted, claim_lost, watched, store_failed, failed;
    char reason[1024];
} exec_ctx;

static void decide(exec_ctx *c) {
    if (c->decided) return;
    c->decided = 1;
    if (!c->t_term && !c->gone) {
        c->t_term = pt_clock_now();
        pt_exec_proc_kill(&c->proc, SIGTERM);
    }
}

/* The run fails now with a reason said at once. */
static void fail(exec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(exec_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->failed = 1;
    fprintf(stderr, "powertrain: %s failed: %s\n", c->label, c->reason);
    decide(c);
}

/* Ends the epoch in flight at this instant (its window cut) as the pending one. */
static void cut_epoch(exec_ctx *c) {
    pt_meter *m = c->s->meter;
    char label[48];
    snprintf(label, sizeof label, "epoch %d", c->nep + 2);
    int ended = c->win;
    c->win = pt_meter_window_cut(m, ended, label);
    memset(&c->prow, 0, sizeof c->prow);
    pt_train_epoch_energy(m, ended, &c->prow, c->comp, c->maxcomp, &c->pmethod);
    pt_meter_window w;
    c->prow.seconds = pt_meter_window_read(m, ended, &w) == 0 ? w.end_s - w.start_s : 0;
    c->pending = 1;
    c->pacc = c->ploss = NAN;
}

/* After a stored epoch: the watch (tune's search) sees it; 1 when it stops the run. */
static int watch_epoch(exec_ctx *c, double acc, double energy_j) {
    int e = c->nep;
    if (e <= c->cap) {
        c->hist[e - 1] = acc;
        c->hist[c->cap + e - 1] = energy_j;
    }
    c->wp.nacc = e < c->cap ? e : c->cap;
    c->wp.epoch = e;
    c->wp.finished_epoch = 1;
    c->wp.energy_j = c->stop.energy_j + c->extra_j;
    c->wp.seconds = c->seconds_done;
    c->wp.target_energy_j = c->stop.energy_to_target_j;
    c->wp.target_seconds = c->res->seconds_to_target;
    return c->job->watch(c->job->watch_ctx, &c->wp) != 0;
}

static void epoch_line(const exec_ctx *c, const pt_epoch_row *row) {
    if (!c->s->cfg->progress) return;
    fprintf(stderr, "%s: epoch %d: val loss %.4f, val acc %.4f, %.1f s, %.1f J (%s)%s%s\n", c->label, row->epoch,
            row->val_loss, row->val_acc, row->seconds, row->energy_j, row->method, c->stop.finished ? " -> " : "",
            c->stop.finished ? pt_run_status_name(c->stop.status) : "");
}

/* The pending epoch with its metrics: stored, fed to the rule and the watch. */
static void finish_epoch(exec_ctx *c) {
    c->pending = 0;
    pt_epoch_row *row = &c->prow;
    int bad = isinf(c->pacc) || isinf(c->ploss); /* reported, but not a number */
    if (!bad && isnan(c->pacc)) {
        c->extra_j += row->energy_j;
        const char *how = c->have[1] ? "--acc-regex matched no line after it" : "no val_acc= on its epoch_end mark";
        fail(c, "epoch %d reported no accuracy (%s)", c->nep + 1, how);
        return;
    }
    row->epoch = c->nep + 1;
    row->train_loss = NAN;
    row->val_loss = isfinite(c->ploss) ? c->ploss : NAN;
    row->val_acc = isfinite(c->pacc) ? c->pacc : NAN;
    row->method = pt_meter_method_name(c->pmethod);
    row->components = c->comp;
    if (c->pmethod > c->res->method) c->res->method = c->pmethod;
    char serr[512];
    if (pt_store_epoch_add(c->s->store, c->job->run_id, row, serr, sizeof serr) != 0) {
        c->extra_j += row->energy_j;
        c->store_failed = 1;
        pt_strlcpy(c->reason, serr, sizeof c->reason);
        decide(c);
        return;
    }
    c->nep++;
    /* the validation loss stands for the training loss the rule watches for divergence */
    double loss = bad ? NAN : isnan(c->ploss) ? 0 : c->ploss;
    pt_stop_update(&c->stop, loss, row->val_loss, row->val_acc, row->energy_j);
    c->seconds_done += row->seconds;
    if (c->stop.target_epoch == row->epoch) c->res->seconds_to_target = c->seconds_done;
    epoch_line(c, row);
    if (c->stop.finished) decide(c);
    else if (c->job->watch && watch_epoch(c, row->val_acc, row->energy_j)) {
        c->watched = 1;
        decide(c);
    }
}

/* Group 1 of a match as a number (an accuracy above 1 as a percentage);
   INFINITY when it is not one. */
static double group_value(const char *line, const regmatch_t *m, int is_acc) {
    char num[64];
    int len = (int)(m[1].rm_eo - m[1].rm_so);
    snprintf(num, sizeof num, "%.*s", len < 63 ? len : 63, line + m[1].rm_so);
    double v;
    if (pt_parse_double(num, &v) != 0 || !isfinite(v)) return INFINITY;
    return is_acc && v > 1 && v <= 100 ? v / 100 : v;
}

static void keep_tail(exec_ctx *c, const char *line) {
    if (c->ntail == TAIL_LINES) {
        memmove(c->tail[0], c->tail[1], sizeof c->tail[0] * (TAIL_LINES - 1));
        c->ntail--;
    }
    pt_strlcpy(c->tail[c->ntail++], line, sizeof c->tail[0]);
}

/* One line of the command's output: logged, kept for a failure's reason,
   matched against the regexes. */
static void on_output(exec_ctx *c, char *line) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[--n] = '\0';
    if (c->log) fprintf(c->log, "%s\n", line);
    if (n) keep_tail(c, line);
    if (c->decided) return;
    regmatch_t m[2];
    if (c->have[0] && regexec(&c->re[0], line, 0, NULL, 0) == 0) {
        if (c->pending) finish_epoch(c);
        if (c->decided) return;
        cut_epoch(c);
    }
    if (!c->pending) return;
    if (c->have[1] && isnan(c->pacc) && regexec(&c->re[1], line, 2, m, 0) == 0 && m[1].rm_so >= 0)
        c->pacc = group_value(line, m, 1);
    if (c->have[2] && isnan(c->ploss) && regexec(&c->re[2], line, 2, m, 0) == 0 && m[1].rm_so >= 0)
        c->ploss = group_value(line, m, 0);
    if (!isnan(c->pacc) && (!c->have[2] || !isnan(c->ploss))) finish_epoch(c);
}

/* One line of the marks FIFO: `epoch_end N val_acc=A val_loss=L` ends an epoch. */
static void on_mark(exec_ctx *c, char *line) {
    pt_mark m;
    if (c->have[1] || pt_marks_parse_line(line, &m) != PT_MARK_EPOCH_END || c->decided) return; /* --acc-regex: lines only */
    if (c->pending) finish_epoch(c);
    if (c->decided) return;
    cut_epoch(c);
    c->pacc = m.val_acc;
    c->ploss = m.val_loss;
    finish_epoch(c);
}

static void feed(exec_ctx *c, linebuf *lb, const char *data, size_t n, void (*fn)(exec_ctx *, char *)) {
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n' || lb->len == sizeof lb->buf - 1) {
            lb->buf[lb->len] = '\0';
            fn(c, lb->buf);
            lb->len = 0;
            if (data[i] == '\n') continue;
        }
        lb->buf[lb->len++] = data[i];
    }
}

/* Reads what fd holds now (at most max bytes); closes it (-1) at end of file. */
static void pump(exec_ctx *c, int *fd, linebuf *lb, void (*fn)(exec_ctx *, char *), size_t max) {
    char buf[16384];
    for (size_t got = 0; *fd >= 0 && got < max;) {
        ssize_t r = read(*fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) {
            feed(c, lb, buf, (size_t)r, fn);
            got += (size_t)r;
            continue;
        }
        if (r == 0 && fd == &c->proc.out_fd) {
            close(*fd);
            *fd = -1;
        }
        break;
    }
}

/* Ctrl-C, the claim's heartbeat, the watch in the middle of an epoch. */
static void check_run(exec_ctx *c, double now) {
    const pt_study_config *cfg = c->s->cfg;
    if (c->decided) return;
    if (cfg->interrupt && *cfg->interrupt) {
        c->interrupted = 1;
        pt_strlcpy(c->reason, "interrupted", sizeof c->reason);
        decide(c);
        return;
    }
    char e[512];
    if (now - c->last_beat >= PT_TRAIN_HEARTBEAT_S) {
        c->last_beat = now;
        if (pt_store_run_heartbeat(c->s->store, c->job->run_id, e, sizeof e) == 0) {
            c->claim_lost = 1;
            pt_strlcpy(c->reason, "another process took over this run's claim", sizeof c->reason);
            decide(c);
            return;
        }
    }
    if (!c->job->watch || now - c->last_watch < 0.25) return;
    c->last_watch = now;
    pt_meter_window w;
    double in_flight = pt_meter_window_read(c->s->meter, c->win, &w) == 0 ? w.energy_j : 0;
    c->wp.epoch = c->nep + 1;
    c->wp.finished_epoch = 0;
    c->wp.energy_j = c->stop.energy_j + c->extra_j + in_flight;
    c->wp.seconds = now - c->t0;
    if (c->job->watch(c->job->watch_ctx, &c->wp) != 0) {
        c->watched = 1;
        decide(c);
    }
}

/* Follows the command until no process of its group is left: output and
   marks read, the group told to end (SIGTERM, SIGKILL after the grace
   period) once the run is decided or the command itself has exited. */
static void follow(exec_ctx *c) {
    double grace = c->s->cfg->exec.grace_s; /* 0: SIGKILL at once */
    for (;;) {
        struct pollfd pf[2] = {{c->proc.out_fd, POLLIN, 0}, {c->proc.fifo_rd, POLLIN, 0}};
        if (poll(pf, 2, 50) < 0 && errno != EINTR) break;
        pump(c, &c->proc.out_fd, &c->out, on_output, 1 << 20);
        pump(c, &c->proc.fifo_rd, &c->marks, on_mark, 1 << 20);
        double now = pt_clock_now();
        check_run(c, now);
        pt_exec_proc_reap(&c->proc);
        if (!c->decided && !c->proc.exited) continue;
        if (!pt_exec_proc_alive(&c->proc)) {
            c->gone = 1; /* no signal is sent after this: its process group id may be reused */
            break;
        }
        if (!c->t_term) { /* the command has exited: what it left running goes too */
            c->t_term = now;
            pt_exec_proc_kill(&c->proc, SIGTERM);
        } else if (!c->killed && now - c->t_term >= grace) {
            c->killed = 1;
            pt_exec_proc_kill(&c->proc, SIGKILL);
        } else if (c->killed && now - c->t_term >= grace + 5) {
            break; /* unkillable (uninterruptible sleep): given up on */
        }
    }
    /* what the group wrote before it was gone still counts */
    pump(c, &c->proc.out_fd, &c->out, on_output, 16 << 20);
    pump(c, &c->proc.fifo_rd, &c->marks, on_mark, 16 << 20);
    if (c->out.len) feed(c, &c->out, "\n", 1, on_output);
    if (c->marks.len) feed(c, &c->marks, "\n", 1, on_mark);
    if (c->pending && !c->decided) finish_epoch(c);
}

/* The reason of a command that failed on its own: its exit, its last lines. */
static void exit_reason(exec_ctx *c) {
    int st = c->proc.status;
    size_t u = 0;
    if (WIFSIGNALED(st))
        u = (size_t)snprintf(c->reason, sizeof c->reason, "killed by signal %d (%s)", WTERMSIG(st),
                             strsignal(WTERMSIG(st)));
    else
        u = (size_t)snprintf(c->reason, sizeof c->reason, "exit status %d", WEXITSTATUS(st));
    u += (size_t)snprintf(c->reason + u, sizeof c->reason - u, " after %d epochs", c->nep);
    for (int i = 0; i < c->ntail && u < sizeof c->reason; i++)
        u += (size_t)snprintf(c->reason + u, sizeof c->reason - u, "%s%s", i ? " | " : "; last output: ", c->tail[i]);
    fprintf(stderr, "powertrain: %s failed: %s\n", c->label, c->reason);
}

/* How the run ended, into res (energy until the group was gone). */
static void outcome(exec_ctx *c) {
    pt_train_result *res = c->res;
    res->epochs = c->stop.epoch;
    res->best_val_acc = c->stop.best_val_acc;
    res->best_val_loss = c->stop.best_val_loss;
    res->energy_j = c->stop.energy_j + c->extra_j;
    res->energy_to_target_j = c->stop.energy_to_target_j;
    res->seconds = pt_clock_now() - c->t0;
    res->claim_lost = c->claim_lost;
    res->status = PT_RUN_FAILED;
    int st = c->proc.status;
    if (c->interrupted || c->claim_lost || c->store_failed || c->failed) {
    } else if (c->watched) {
        res->status = PT_RUN_STOPPED;
        pt_strlcpy(c->reason, "stopped by the search", sizeof c->reason);
    } else if (c->stop.finished) {
        res->status = c->stop.status;
        pt_strlcpy(c->reason, c->stop.reason, sizeof c->reason);
    } else if (!c->proc.exited || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        exit_reason(c);
    } else if (c->nep == 0) {
        fail(c, "the command exited without reporting an epoch (no line matched --epoch-regex/--acc-regex, no "
                "epoch_end mark on POWERTRAIN_MARKS); its output is in its run folder's output.log");
    } else {
        res->status = c->stop.armed ? PT_RUN_DONE : PT_RUN_NOT_REACHED;
        snprintf(c->reason, sizeof c->reason, "the command ended after %d epochs %s", c->nep,
                 c->stop.armed ? "past the target" : "below the threshold");
    }
    if (res->status == PT_RUN_FAILED) /* a target reached before a crash is no setup's answer */
        res->energy_to_target_j = res->seconds_to_target = NAN;
    pt_strlcpy(res->reason, c->reason, sizeof res->reason);
}

/* The run's end in the store: finished, or given back when interrupted. */
static void store_end(exec_ctx *c) {
    pt_train_result *res = c->res;
    char serr[512];
    if (c->claim_lost || c->store_failed) return;
    if (c->interrupted) {
        pt_store_run_release(c->s->store, c->job->run_id, serr, sizeof serr);
        return;
    }
    pt_run_result rr = {res->status, res->epochs, res->best_val_acc, res->best_val_loss, res->energy_j,
                        res->energy_to_target_j, pt_meter_method_name(res->method),
                        c->reason, NAN, NAN, 0}; /* every end has its reason; has_job 0: billed whole */
    if (pt_store_run_finish(c->s->store, c->job->run_id, &rr, serr, sizeof serr) != 0) {
        fprintf(stderr, "powertrain: %s: %s\n", c->label, serr);
        res->status = PT_RUN_FAILED;
    }
}

/* DB.runs/study<ID>/setup<S>-repeat<R> (created). 0, or -1 with err. */
static int run_dir(const pt_study *s, const pt_exec_job *job, char *out, size_t n, char *err, size_t errlen) {
    snprintf(out, n, "%s.runs/study%lld/setup%d-repeat%d", s->cfg->db, (long long)s->study_id, job->setup,
             job->repeat);
    if (pt_mkdirs(out, 0777) != 0) return pt_say(err, errlen, "cannot create %s: %s", out, strerror(errno)), -1;
    return 0;
}

/* The regexes, the buffers, the log, the stopping rule: 0 or -1 (err). */
static int ctx_open(exec_ctx *c, const char *dir, char *err, size_t errlen) {
    const pt_study_config *cfg = c->s->cfg;
    const char *res[3] = {cfg->exec.epoch_regex ? cfg->exec.epoch_regex : cfg->exec.acc_regex, cfg->exec.acc_regex,
                          cfg->exec.loss_regex};
    for (int i = 0; i < 3; i++) /* checked by pt_exec_check already */
        if (res[i] && regcomp(&c->re[i], res[i], REG_EXTENDED) == 0) c->have[i] = 1;
    c->maxcomp = pt_meter_component_count(c->s->meter);
    c->comp = calloc((size_t)(c->maxcomp > 0 ? c->maxcomp : 1), sizeof *c->comp);
    c->cap = cfg->preset.max_epochs > 0 ? cfg->preset.max_epochs : 1;
    c->hist = calloc(2 * (size_t)c->cap, sizeof *c->hist);
    char path[4400];
    snprintf(path, sizeof path, "%s/output.log", dir);
    c->log = fopen(path, "w");
    if (!c->comp || !c->hist || !c->log) {
        pt_say(err, errlen, "%s", c->log ? "out of memory" : strerror(errno));
        return -1;
    }
    setvbuf(c->log, NULL, _IOLBF, 0);
    pt_stop_config_default(&c->stop.cfg);
    pt_stop_config sc = c->stop.cfg;
    sc.threshold = cfg->preset.threshold;
    sc.patience = cfg->preset.patience;
    sc.max_epochs = cfg->preset.max_epochs;
    pt_stop_init(&c->stop, &sc);
    c->wp.val_acc = c->hist;
    c->wp.epoch_j = c->hist + c->cap;
    c->wp.target_energy_j = c->wp.target_seconds = NAN;
    return 0;
}

static void ctx_close(exec_ctx *c) {
    for (int i = 0; i < 3; i++)
        if (c->have[i]) regfree(&c->re[i]);
    if (c->log) fclose(c->log);
    free(c->comp);
    free(c->hist);
}

/* The command of the job with its placeholders filled, started in the
   epoch's first window. 0 or -1 (err). */
static int start(exec_ctx *c, const char *dir, char *err, size_t errlen) {
    const pt_study_config *cfg = c->s->cfg;
    const pt_exec_job *job = c->job;
    pt_exec_values v = {job->batch_size, job->repeat, cfg->preset.max_epochs, job->lr,
                        (unsigned long long)(cfg->seed + (uint64_t)job->repeat - 1), dir};
    char **argv = pt_exec_argv(&cfg->exec, &v, err, errlen);
    if (!argv) return -1;
    c->t0 = c->last_beat = c->last_watch = pt_clock_now();
    c->win = pt_meter_window_begin(c->s->meter, "epoch 1");
    int rc = pt_exec_proc_start(&c->proc, argv, err, errlen);
    pt_exec_argv_free(argv);
    if (rc != 0 && c->win >= 0) pt_meter_window_end(c->s->meter, c->win);
    return rc;
}

int pt_exec_run(pt_study *s, const pt_exec_job *job, pt_train_result *res, char *terr, size_t tlen) {
    memset(res, 0, sizeof *res);
    res->status = PT_RUN_FAILED;
    res->best_val_acc = res->best_val_loss = res->energy_to_target_j = res->seconds_to_target = NAN;
    res->method = PT_METHOD_COUNTER;
    exec_ctx *c = calloc(1, sizeof *c);
    if (!c) return pt_say(terr, tlen, "out of memory"), -1;
    c->s = s;
    c->job = job;
    c->res = res;
    snprintf(c->label, sizeof c->label, "setup %d (batch %d, lr %g) repeat %d", job->setup, job->batch_size, job->lr,
             job->repeat);
    char dir[4300];
    int rc = -1;
    if (pt_store_run_truncate(s->store, job->run_id, 0, terr, tlen) == 0 && run_dir(s, job, dir, sizeof dir, terr, tlen) == 0 &&
        ctx_open(c, dir, terr, tlen) == 0 && start(c, dir, terr, tlen) == 0) {
        follow(c);
        pt_meter_window_end(s->meter, c->win); /* the tail: after the last epoch until the group was gone */
        pt_meter_window w;
        if (pt_meter_window_read(s->meter, c->win, &w) == 0) {
            c->extra_j += w.energy_j;
            if (w.method > res->method) res->method = w.method;
        }
        outcome(c);
        store_end(c);
        pt_exec_proc_close(&c->proc);
        rc = 0;
    }
    ctx_close(c);
    free(c);
    return rc;
}
