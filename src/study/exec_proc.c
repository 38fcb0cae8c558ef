/* exec_proc.c -- the process group of a study's trainer command (exec.h):
 * started in a group of its own with its output in one pipe and a marks
 * FIFO, and ended as a whole (SIGTERM, SIGKILL after the grace period),
 * its processes reaped: none is left behind. */
#include "study/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "util/ompwait.h"
#include "util/str.h"

/* The FIFO in a fresh temporary folder, opened for reading (non-blocking)
   and by ourselves for writing (so the reader never sees end of file). */
static int open_fifo(pt_exec_proc *p, char *err, size_t errlen) {
    const char *tmp = getenv("TMPDIR");
    snprintf(p->fifo_dir, sizeof p->fifo_dir, "%s/powertrain-exec-XXXXXX",
             tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(p->fifo_dir)) {
        pt_say(err, errlen, "cannot create a folder for the marks FIFO in %s: %s", tmp ? tmp : "/tmp", strerror(errno));
        p->fifo_dir[0] = '\0';
        return -1;
    }
    snprintf(p->fifo_path, sizeof p->fifo_path, "%s/marks", p->fifo_dir);
    if (mkfifo(p->fifo_path, 0600) != 0 || (p->fifo_rd = open(p->fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (p->fifo_wr = open(p->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        pt_say(err, errlen, "cannot create the marks FIFO %s: %s", p->fifo_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* In the child: its own process group, default signals, the pipe as stdout
   and stderr, POWERTRAIN_MARKS; never returns (127/126 when exec fails,
   its errno written to errfd). */
static void child(const pt_exec_proc *p, char *const *argv, int outfd, int errfd) {
    setpgid(0, 0);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    dup2(outfd, 1);
    dup2(outfd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    setenv("POWERTRAIN_MARKS", p->fifo_path, 1);
    pt_omp_wait_child(); /* the command gets the user's OpenMP settings, not powertrain's */
    execvp(argv[0], argv);
    int e = errno;
    (void)!write(errfd, &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
}

int pt_exec_proc_start(pt_exec_proc *p, char *const *argv, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->out_fd = p->fifo_rd = p->fifo_wr = -1;
#ifdef __linux__
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* the command's orphans are ours to reap, not init's */
#endif
    int out[2] = {-1, -1}, ex[2] = {-1, -1};
    if (open_fifo(p, err, errlen) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(ex, O_CLOEXEC) != 0) {
        if (!err[0]) pt_say(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    p->pid = fork();
    if (p->pid == 0) child(p, argv, out[1], ex[1]);
    if (p->pid < 0) {
        pt_say(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    setpgid(p->pid, p->pid); /* also here: no signal may reach a group not yet made */
    close(out[1]);
    close(ex[1]);
    out[1] = ex[1] = -1;
    p->out_fd = out[0];
    int e = 0;
    ssize_t got;
    while ((got = read(ex[0], &e, sizeof e)) < 0 && errno == EINTR) {
    }
    close(ex[0]);
    if (got == (ssize_t)sizeof e) {
        pt_say(err, errlen, "cannot run '%s': %s", argv[0], strerror(e));
        waitpid(p->pid, &p->status, 0);
        p->exited = 1;
        pt_exec_proc_close(p);
        return -1;
    }
    fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (ex[i] >= 0) close(ex[i]);
    }
    pt_exec_proc_close(p);
    return -1;
}

int pt_exec_proc_reap(pt_exec_proc *p) {
    if (!p->exited && p->pid > 0 && waitpid(p->pid, &p->status, WNOHANG) == p->pid) p->exited = 1;
    return p->exited;
}

int pt_exec_proc_alive(pt_exec_proc *p) {
    if (p->pid <= 0) return 0;
    pt_exec_proc_reap(p);
    int st;
    while (waitpid(-p->pid, &st, WNOHANG) > 0) { /* the group's orphans that came to us */
    }
    return kill(-p->pid, 0) == 0 || errno == EPERM;
}

void pt_exec_proc_kill(pt_exec_proc *p, int sig) {
    if (p->pid <= 0) return;
    kill(-p->pid, sig);
    if (sig != SIGKILL) kill(-p->pid, SIGCONT);
}

void pt_exec_proc_close(pt_exec_proc *p) {
    if (p->out_fd >= 0) close(p->out_fd);
    if (p->fifo_rd >= 0) close(p->fifo_rd);
    if (p->fifo_wr >= 0) close(p->fifo_wr);
    p->out_fd = p->fifo_rd = p->fifo_wr = -1;
    if (p->fifo_path[0]) unlink(p->fifo_path);
    if (p->fifo_dir[0]) rmdir(p->fifo_dir);
    p->fifo_path[0] = p->fifo_dir[0] = '\0';
}
