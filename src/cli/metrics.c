/* metrics.c -- Prometheus / OpenMetrics export of a running measure (see
 * metrics.h). One thread: it waits on the listening socket with a deadline
 * at every whole second, rewrites the file at each deadline and answers
 * each scrape with the text of that moment. The meter's API is thread-safe;
 * the latest power and the epoch are copied in under this module's mutex. */
#include "cli/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/str.h"

#define METRICS_MAX_COMP 1024

struct pt_metrics {
    const char *file;
    int listen_fd, port;
    pt_meter *m;
    int total_win;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    int stopping;
    double power[METRICS_MAX_COMP];
    int npower, epoch, ended;
    int wake[2]; /* a byte here ends the thread's wait */
};

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') fputc('\\', f), fputc(*s, f);
        else if (*s == '\n') fputs("\\n", f);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static void number(FILE *f, double v) {
    if (isnan(v)) fputs("NaN", f);
    else fprintf(f, "%.17g", v);
}

static void head(FILE *f, const char *name, const char *type, const char *help) {
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void comp_labels(FILE *f, const pt_meter_component *c) {
    fputs("{component=", f);
    label_value(f, c->name);
    fputs(",source=", f);
    label_value(f, c->source);
    fprintf(f, ",kind=\"%s\",method=\"%s\",billed=\"%s\"}", pt_meter_kind_name(c->kind),
            pt_meter_method_name(c->method), c->billed ? "true" : "false");
}

/* Per component: power now and energy since the command started. Returns
 * the machine's energy: the platform (psys) zone's where there is one, else
 * every component's. */
static double render_components(FILE *f, pt_meter *m, int total_win, const double *power_w, int npower) {
    int nc = pt_meter_component_count(m);
    double all = 0, psys = NAN;
    head(f, "powertrain_power_watts", "gauge", "Power of each component at the latest sample.");
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_component_info(m, k, &c);
        fputs("powertrain_power_watts", f);
        comp_labels(f, &c);
        fputc(' ', f);
        number(f, k < npower ? power_w[k] : NAN);
        fputc('\n', f);
    }
    head(f, "powertrain_energy_joules_total", "counter",
         "Energy of each component since the command started, by its method.");
    for (int k = 0; k < nc; k++) {
        pt_meter_component c;
        pt_meter_energy e;
        pt_meter_component_info(m, k, &c);
        if (total_win < 0 || pt_meter_window_component(m, total_win, k, &e) != 0) e.energy_j = 0;
        if (!isfinite(e.energy_j) || e.energy_j < 0) e.energy_j = 0;
        fputs("powertrain_energy_joules_total", f);
        comp_labels(f, &c);
        fputc(' ', f);
        number(f, e.energy_j);
        fputc('\n', f);
        if (c.kind == PT_KIND_PSYS) psys = e.energy_j;
        else all += e.energy_j;
    }
    return isnan(psys) ? all : psys;
}

void pt_metrics_render(FILE *f, pt_meter *m, int total_win, const double *power_w, int npower, int epoch,
                       int ended) {
    double machine = render_components(f, m, total_win, power_w, npower);
    pt_meter_window w;
    if (total_win < 0 || pt_meter_window_read(m, total_win, &w) != 0) {
        memset(&w, 0, sizeof w);
        w.method = PT_METHOD_COUNTER;
    }
    head(f, "powertrain_job_energy_joules_total", "counter",
         "Energy of the billed components (the job's) since the command started.");
    fprintf(f, "powertrain_job_energy_joules_total{method=\"%s\"} ", pt_meter_method_name(w.method));
    number(f, isfinite(w.energy_j) && w.energy_j > 0 ? w.energy_j : 0);
    fputc('\n', f);
    head(f, "powertrain_machine_energy_joules_total", "counter",
         "Energy of the whole machine since the command started: the platform zone where RAPL has one, "
         "else every component.");
    fputs("powertrain_machine_energy_joules_total ", f);
    number(f, machine);
    fputc('\n', f);
    head(f, "powertrain_epoch", "gauge", "The epoch in flight (1 when the command starts).");
    fprintf(f, "powertrain_epoch %d\n", epoch);
    head(f, "powertrain_epochs_ended_total", "counter", "Epochs ended so far.");
    fprintf(f, "powertrain_epochs_ended_total %d\n", ended);
    head(f, "powertrain_seconds", "gauge", "Seconds since the command started.");
    fputs("powertrain_seconds ", f);
    number(f, w.end_s - w.start_s > 0 ? w.end_s - w.start_s : 0);
    fputc('\n', f);
}

/* The current text into a malloc'ed buffer (*len bytes); NULL on OOM. */
static char *render_now(pt_metrics *x, size_t *len) {
    double p[METRICS_MAX_COMP];
    pthread_mutex_lock(&x->mu);
    int np = x->npower, ep = x->epoch, ended = x->ended;
    memcpy(p, x->power, (size_t)np * sizeof *p);
    pthread_mutex_unlock(&x->mu);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) return NULL;
    pt_metrics_render(f, x->m, x->total_win, p, np, ep, ended);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int write_file(pt_metrics *x) {
    size_t len = 0;
    char *text = render_now(x, &len);
    pt_atomic_file af;
    int rc = -1;
    if (text && pt_atomic_open(&af, x->file) == 0) {
        if (fwrite(text, 1, len, af.f) == len) rc = pt_atomic_commit(&af);
        else pt_atomic_abort(&af);
    }
    free(text);
    return rc;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Reads the request head (1 s at most) and answers it. */
static void serve_one(pt_metrics *x, int fd) {
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[4096];
    size_t n = 0;
    while (n < sizeof req - 1 && !memmem(req, n, "\r\n\r\n", 4) && !memmem(req, n, "\n\n", 2)) {
        ssize_t r = recv(fd, req + n, sizeof req - 1 - n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    req[n] = '\0';
    const char *status = "404 Not Found", *ctype = "text/plain; charset=utf-8";
    char *body = NULL;
    size_t blen = 0;
    if (!pt_starts_with(req, "GET ") && !pt_starts_with(req, "HEAD ")) {
        status = "405 Method Not Allowed";
    } else if (pt_starts_with(req + (req[0] == 'G' ? 4 : 5), "/metrics") &&
               strchr(" ?", req[(req[0] == 'G' ? 4 : 5) + 8])) {
        status = "200 OK";
        ctype = "text/plain; version=0.0.4; charset=utf-8";
        body = render_now(x, &blen);
    }
    const char *fallback = strcmp(status, "200 OK") == 0 ? "" : "powertrain: only GET /metrics is served\n";
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                      status, ctype, body ? blen : strlen(fallback));
    send_all(fd, hdr, (size_t)hl);
    if (req[0] != 'H') send_all(fd, body ? body : fallback, body ? blen : strlen(fallback));
    free(body);
    close(fd);
}

static void *metrics_thread(void *arg) {
    pt_metrics *x = arg;
    double next = pt_clock_now() + 1.0;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        int stop = x->stopping;
        pthread_mutex_unlock(&x->mu);
        if (stop) break;
        double left = next - pt_clock_now();
        if (left <= 0) {
            if (x->file) (void)write_file(x);
            next += 1.0;
            if (next < pt_clock_now()) next = pt_clock_now() + 1.0;
            continue;
        }
        struct pollfd pf[2] = {{x->wake[0], POLLIN, 0}, {x->listen_fd, POLLIN, 0}};
        int n = poll(pf, x->listen_fd >= 0 ? 2 : 1, (int)(left * 1000) + 1);
        if (n > 0 && (pf[1].revents & POLLIN)) {
            int fd = accept4(x->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) serve_one(x, fd);
        }
    }
    return NULL;
}

static int listen_on(pt_metrics *x, int port, char *err, size_t errlen) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t sl = sizeof sa;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        pt_say(err, errlen, "--metrics-port %d: cannot listen on 127.0.0.1:%d: %s", port, port, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    x->listen_fd = fd;
    x->port = ntohs(sa.sin_port);
    return 0;
}

pt_metrics *pt_metrics_open(const char *file, int port, char *err, size_t errlen) {
    pt_metrics *x = calloc(1, sizeof *x);
    if (!x) {
        pt_say(err, errlen, "out of memory");
        return NULL;
    }
    x->listen_fd = x->port = -1;
    x->wake[0] = x->wake[1] = -1;
    x->file = file;
    x->total_win = -1;
    x->epoch = 1;
    pthread_mutex_init(&x->mu, NULL);
    pt_atomic_file probe;
    if (file && pt_atomic_open(&probe, file) != 0) {
        pt_say(err, errlen, "--metrics %s: %s", file, strerror(errno));
    } else {
        if (file) pt_atomic_abort(&probe);
        if ((port < 0 || listen_on(x, port, err, errlen) == 0) && pipe2(x->wake, O_CLOEXEC) == 0) return x;
        if (x->wake[0] < 0 && port < 0) pt_say(err, errlen, "pipe: %s", strerror(errno));
    }
    (void)pt_metrics_stop(x);
    return NULL;
}

int pt_metrics_port(const pt_metrics *x) { return x ? x->port : -1; }

int pt_metrics_start(pt_metrics *x, pt_meter *m, int total_win) {
    x->m = m;
    x->total_win = total_win;
    int rc = pthread_create(&x->thread, NULL, metrics_thread, x);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    x->started = 1;
    return 0;
}

void pt_metrics_sample(pt_metrics *x, int ncomp, const double *power_w) {
    if (ncomp > METRICS_MAX_COMP) ncomp = METRICS_MAX_COMP;
    pthread_mutex_lock(&x->mu);
    memcpy(x->power, power_w, (size_t)ncomp * sizeof *power_w);
    x->npower = ncomp;
    pthread_mutex_unlock(&x->mu);
}

void pt_metrics_epoch(pt_metrics *x, int current, int ended) {
    pthread_mutex_lock(&x->mu);
    x->epoch = current;
    x->ended = ended;
    pthread_mutex_unlock(&x->mu);
}

int pt_metrics_stop(pt_metrics *x) {
    if (!x) return 0;
    int rc = 0;
    if (x->started) {
        pthread_mutex_lock(&x->mu);
        x->stopping = 1;
        pthread_mutex_unlock(&x->mu);
        (void)!write(x->wake[1], "x", 1);
        pthread_join(x->thread, NULL);
        if (x->file) rc = write_file(x);
    }
    for (int i = 0; i < 2; i++)
        if (x->wake[i] >= 0) close(x->wake[i]);
    if (x->listen_fd >= 0) close(x->listen_fd);
    pthread_mutex_destroy(&x->mu);
    free(x);
    return rc;
}
