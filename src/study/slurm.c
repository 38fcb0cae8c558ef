/* slurm.c -- a study as a SLURM job array plus a merge job: the sbatch
 * scripts (written atomically next to the store), submission with sbatch
 * --parsable, and which tasks a resumed cluster study still has to run. */
#include "study/slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/str.h"

/* path made absolute against the working directory (not resolved). */
static void absolute(const char *path, char *out, size_t n) {
    char cwd[PATH_MAX];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) pt_strlcpy(out, path, n);
    else pt_say(out, n, "%s/%s", cwd, path[0] == '.' && path[1] == '/' ? path + 2 : path);
}

/* The working directory the tasks start in (#SBATCH --chdir), "/" when unknown. */
static void working_dir(char *cwd, size_t n) {
    if (!getcwd(cwd, n)) pt_strlcpy(cwd, "/", n);
}

void pt_slurm_dir(const pt_slurm_study *js, char *out, size_t n) {
    char db[PATH_MAX];
    absolute(js->db, db, sizeof db);
    pt_say(out, n, "%s.slurm/study%lld", db, (long long)js->study_id);
}

static void shard_path(const pt_slurm_study *js, int i, char *out, size_t n) {
    char dir[PATH_MAX];
    pt_slurm_dir(js, dir, sizeof dir);
    pt_say(out, n, "%s/shards/task-%d.db", dir, i);
}

/* 1 when every phase of task i is finished in study `study` of st. */
static int task_finished(pt_store *st, int64_t study, const pt_slurm_study *js, int i, char *err, size_t errlen) {
    for (int p = 0; p < js->nphases; p++) {
        int f = pt_store_run_finished(st, study, js->tasks[i].setup, js->tasks[i].repeat, js->phases[p], err, errlen);
        if (f <= 0) return f;
    }
    return 1;
}

int pt_slurm_pending(const pt_slurm_study *js, pt_store *target, int *sel, char *err, size_t errlen) {
    int n = 0;
    for (int i = 0; i < js->ntasks; i++) {
        int done = 0;
        if (target) {
            done = task_finished(target, js->study_id, js, i, err, errlen);
            if (done < 0) return -1;
        }
        char shard[PATH_MAX + 64];
        shard_path(js, i, shard, sizeof shard);
        if (!done && access(shard, R_OK) == 0) { /* finished on the cluster, not merged yet */
            char serr[1024];
            pt_store *s = pt_store_open_readonly(shard, serr, sizeof serr);
            if (s) {
                int64_t id = pt_store_study_find(s, js->kind, js->dataset, js->preset, js->config_json, serr,
                                                 sizeof serr);
                if (id > 0) done = task_finished(s, id, js, i, serr, sizeof serr) == 1;
                pt_store_close(s);
            }
        }
        sel[i] = !done;
        n += !done;
    }
    return n;
}

/* Runs argv, its stdout into out (trimmed); stderr passes through. The exit
 * status, or -1 when it could not run (errno). */
static int run_capture(char *const argv[], char *out, size_t n) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t got = 0;
    for (;;) {
        char buf[512];
        ssize_t r = read(fd[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t k = 0; k < r && got + 1 < n; k++) out[got++] = buf[k];
    }
    close(fd[0]);
    if (n) out[got < n ? got : n - 1] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    if (n) {
        char *t = pt_trim(out);
        if (t != out) memmove(out, t, strlen(t) + 1);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long pt_slurm_active_array(const pt_slurm_study *js) {
    char dir[PATH_MAX], path[PATH_MAX + 16], buf[256];
    pt_slurm_dir(js, dir, sizeof dir);
    pt_say(path, sizeof path, "%s/jobs", dir);
    if (pt_read_small_file(path, buf, sizeof buf) != 0) return 0;
    long id = 0;
    if (sscanf(buf, "array %ld", &id) != 1 || id <= 0) return 0;
    char ids[32], out[4096];
    pt_say(ids, sizeof ids, "%ld", id);
    char *argv[] = {"squeue", "-h", "-j", ids, "-o", "%i", NULL};
    /* squeue fails for a job it no longer knows: not active */
    if (run_capture(argv, out, sizeof out) != 0 || !out[0]) return 0;
    return id;
}

/* --- scripts ------------------------------------------------------------------ */

/* s as one shell word (pt_shell_quote), quoted in pieces that the shell (and
   sbatch) join back: 'abc''def' is abcdef. */
static void put_quoted(FILE *f, const char *s) {
    char piece[1024], q[4 * sizeof piece + 3];
    size_t len = strlen(s), at = 0;
    do {
        size_t k = len - at < sizeof piece - 1 ? len - at : sizeof piece - 1;
        memcpy(piece, s + at, k);
        piece[k] = '\0';
        pt_shell_quote(q, sizeof q, piece);
        fputs(q, f);
        at += k;
    } while (at < len);
}

/* "#SBATCH --NAME=VALUE", VALUE quoted: sbatch reads #SBATCH lines with
   single quotes, '\'' and # as a shell does (slurm 22.05: a backslash is an
   escape even inside quotes, so paths with one are refused before). */
static void put_sbatch(FILE *f, const char *name, const char *value) {
    fprintf(f, "#SBATCH --%s=", name);
    put_quoted(f, value);
    fputc('\n', f);
}

/* #SBATCH --output=DIR/logs/FILE: the folder's own % doubled (%% is a % in
   SLURM's file name patterns; FILE keeps its %a or %j). */
static void put_output(FILE *f, const char *dir, const char *file) {
    size_t n = strlen(dir);
    char *v = malloc(2 * n + strlen(file) + 8), *p = v;
    if (!v) {
        put_sbatch(f, "output", "/dev/null");
        return;
    }
    for (const char *d = dir; *d; d++) {
        if (*d == '%') *p++ = '%';
        *p++ = *d;
    }
    sprintf(p, "/logs/%s", file);
    put_sbatch(f, "output", v);
    free(v);
}

static void put_resources(FILE *f, const pt_slurm_options *o, int task) {
    if (o->partition) put_sbatch(f, "partition", o->partition);
    if (o->account) put_sbatch(f, "account", o->account);
    if (o->time) put_sbatch(f, "time", o->time);
    if (task && o->cpus_per_task > 0) fprintf(f, "#SBATCH --cpus-per-task=%d\n", o->cpus_per_task);
    if (task && o->gpus_per_task > 0) fprintf(f, "#SBATCH --gpus-per-task=%d\n", o->gpus_per_task);
    for (int i = 0; i < o->nsbatch_args; i++) fprintf(f, "#SBATCH %s\n", o->sbatch_args[i]);
}

/* "0-7" or "1,3,5" (ranges folded). */
static void array_list(const int *sel, int n, char *out, size_t len) {
    out[0] = '\0';
    for (int i = 0; i < n;) {
        if (sel && !sel[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < n && (!sel || sel[j + 1])) j++;
        size_t l = strlen(out);
        if (j > i) pt_say(out + l, len - l, "%s%d-%d", l ? "," : "", i, j);
        else pt_say(out + l, len - l, "%s%d", l ? "," : "", i);
        i = j + 1;
    }
}

static void task_script(FILE *f, const pt_slurm_study *js, const pt_slurm_options *o, const char *exe,
                        const char *dir, const char *db, const char *array) {
    char cwd[PATH_MAX];
    working_dir(cwd, sizeof cwd);
    fprintf(f,
            "#!/bin/bash\n"
            "# powertrain %s: study %lld of %s as a job array, one task per setup x repeat\n"
            "# (tasks.tsv lists them). Written by powertrain; the merge job (merge.sbatch)\n"
            "# runs after the array and merges each task's shard into the store.\n",
            js->name, (long long)js->study_id, db);
    fprintf(f, "#SBATCH --job-name=pt-%s-%lld\n", js->name, (long long)js->study_id);
    fprintf(f, "#SBATCH --array=%s\n", array);
    put_output(f, dir, "task-%a.out");
    put_sbatch(f, "chdir", cwd);
    fprintf(f, "#SBATCH --ntasks=1\n");
    put_resources(f, o, 1);
    fputs("set -u\npt=", f);
    put_quoted(f, exe);
    fputs("\ndir=", f);
    put_quoted(f, dir);
    fputs("\ni=\"${SLURM_ARRAY_TASK_ID:?not inside a SLURM array task}\"\n"
          "shard=\"$dir/shards/task-$i.db\"\n"
          "# SQLite stays off the shared file system while the task runs: the shard is\n"
          "# written on the node's own disk and copied back when the task ends.\n"
          "work=\"$(mktemp -d \"${SLURM_TMPDIR:-${TMPDIR:-/tmp}}/powertrain-task-$i.XXXXXX\")\" || exit 1\n"
          "db=\"$work/task-$i.db\"\n"
          "if [ -f \"$shard\" ]; then cp \"$shard\" \"$db\" || exit 1; fi   # a rerun resumes its shard\n"
          "if [ -f \"$shard-wal\" ]; then cp \"$shard-wal\" \"$db-wal\" || exit 1; fi\n"
          "if [ -d \"$shard.checkpoints\" ]; then cp -r \"$shard.checkpoints\" \"$db.checkpoints\" || exit 1; fi\n"
          "save() {\n"
          "  if [ -f \"$db\" ]; then\n"
          "    tmp=\"$shard.part.$$\"\n"
          "    if cp \"$db\" \"$tmp\"; then\n"
          "      if [ -f \"$db-wal\" ]; then cp \"$db-wal\" \"$tmp-wal\"; fi  # killed before its store closed\n"
          "      rm -f \"$shard-wal\" \"$shard-shm\"\n"
          "      mv -f \"$tmp\" \"$shard\"\n"
          "      if [ -f \"$tmp-wal\" ]; then mv -f \"$tmp-wal\" \"$shard-wal\"; fi\n"
          "    fi\n"
          "    if [ -d \"$db.checkpoints\" ]; then\n"
          "      rm -rf \"$shard.checkpoints.part\"\n"
          "      cp -r \"$db.checkpoints\" \"$shard.checkpoints.part\" && rm -rf \"$shard.checkpoints\" &&\n"
          "        mv \"$shard.checkpoints.part\" \"$shard.checkpoints\"\n"
          "    fi\n"
          "  fi\n"
          "  rm -rf \"$work\"\n"
          "}\n"
          "# scancel and the time limit send SIGTERM: powertrain stops after the batch\n"
          "# in flight, leaving its run resumable, and the shard is still saved.\n"
          "child=\n"
          "trap 'if [ -n \"$child\" ]; then kill -TERM \"$child\" 2>/dev/null; fi' TERM INT\n"
          "echo \"powertrain task $i on $(hostname -s) (job ${SLURM_JOB_ID:-?}): shard $shard\"\n"
          "\"$pt\"",
          f);
    int dd = 0; /* --exec's command after "--" stays last */
    for (int a = 0; a < js->argc; a++) {
        if (!dd && !strcmp(js->argv[a], "--")) fputs(" --db \"$db\" --task-index \"$i\" --resume", f), dd = 1;
        fputc(' ', f);
        put_quoted(f, js->argv[a]);
    }
    fputs(dd ? " &\n" : " --db \"$db\" --task-index \"$i\" --resume &\n", f);
    fputs("child=$!\n"
          "while :; do\n"
          "  wait \"$child\"; rc=$?\n"
          "  kill -0 \"$child\" 2>/dev/null || break\n"
          "done\n"
          "save\n"
          "exit \"$rc\"\n",
          f);
}

static void merge_script(FILE *f, const pt_slurm_study *js, const pt_slurm_options *o, const char *exe,
                         const char *dir, const char *db) {
    fprintf(f,
            "#!/bin/bash\n"
            "# powertrain %s: merges the shards of study %lld's tasks into %s.\n"
            "# Submitted with --dependency=afterany on the array: it runs whatever the tasks' end;\n"
            "# a run a killed task left unfinished is stored as failed (--final), and\n"
            "# `powertrain %s ... --resume --slurm --submit` reruns its task.\n",
            js->name, (long long)js->study_id, db, js->name);
    fprintf(f, "#SBATCH --job-name=pt-%s-%lld-merge\n", js->name, (long long)js->study_id);
    put_output(f, dir, "merge-%j.out");
    fprintf(f, "#SBATCH --ntasks=1\n");
    put_resources(f, o, 0);
    fputs("set -u\nshopt -s nullglob\nshards=(", f);
    put_quoted(f, dir);
    fputs("/shards/task-*.db)\n"
          "if [ ${#shards[@]} -eq 0 ]; then\n"
          "  echo \"powertrain: no shard to merge: every task ended before writing its store\" >&2\n"
          "  exit 1\n"
          "fi\n"
          "exec ",
          f);
    put_quoted(f, exe);
    fputs(" merge --into ", f);
    put_quoted(f, db);
    fprintf(f, " --study %lld --final \"${shards[@]}\"\n", (long long)js->study_id);
}

static void tasks_table(FILE *f, const pt_slurm_study *js) {
    fputs("index\tsetup\tbatch_size\tlr\trepeat\n", f);
    for (int i = 0; i < js->ntasks; i++)
        fprintf(f, "%d\t%d\t%d\t%g\t%d\n", i, js->tasks[i].setup, js->tasks[i].batch_size, js->tasks[i].lr,
                js->tasks[i].repeat);
}

static int mkdirs(const char *path, char *err, size_t errlen) {
    if (pt_mkdirs(path, 0777) == 0) return 0;
    pt_say(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
}

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} membuf;

static int write_file(const char *path, const membuf *m, int exec, char *err, size_t errlen) {
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) {
        pt_say(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (exec) fchmod(fileno(af.f), 0755);
    fwrite(m->buf, 1, m->len, af.f);
    if (pt_atomic_commit(&af) != 0) {
        pt_say(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int pt_slurm_check_options(const pt_slurm_options *o, char *err, size_t errlen) {
    for (int i = 0; i < o->nsbatch_args; i++)
        if (pt_find_control(o->sbatch_args[i]) || o->sbatch_args[i][0] != '-') {
            pt_say(err, errlen, "--sbatch-arg '%s': expected one sbatch option such as --qos=high",
                   o->sbatch_args[i]);
            return -1;
        }
    const char *opt[3] = {o->partition, o->account, o->time}, *name[3] = {"--partition", "--account", "--time"};
    for (int i = 0; i < 3; i++)
        if (opt[i] && (!opt[i][0] || pt_find_control(opt[i]) || strpbrk(opt[i], " '\"\\"))) {
            pt_say(err, errlen, "%s '%s': expected a single word", name[i], opt[i]);
            return -1;
        }
    if (o->time && strspn(o->time, "0123456789:-") != strlen(o->time)) {
        pt_say(err, errlen, "--time '%s': expected a SLURM time such as 02:00:00 or 1-12:00:00", o->time);
        return -1;
    }
    return 0;
}

/* s for a one-line message: control characters as \n, \t, \r or \xNN. */
static void visible(const char *s, char *out, size_t n) {
    size_t len = 0;
    for (; *s && len + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') len += (size_t)snprintf(out + len, n - len, "\\n");
        else if (c == '\t') len += (size_t)snprintf(out + len, n - len, "\\t");
        else if (c == '\r') len += (size_t)snprintf(out + len, n - len, "\\r");
        else if (c < 0x20 || c == 0x7f) len += (size_t)snprintf(out + len, n - len, "\\x%02x", c);
        else out[len++] = (char)c;
    }
    out[len] = '\0';
}

/* 0 when value can go into a script, else -1 with err naming what: no
   control character (a newline would start a new script line), and in a
   #SBATCH line (sbatch_line) no backslash, which sbatch reads as an escape. */
static int check_value(const char *what, const char *value, int sbatch_line, char *err, size_t errlen) {
    const char *bad = pt_find_control(value);
    if (!bad && !(sbatch_line && strchr(value, '\\'))) return 0;
    char shown[1024];
    visible(value, shown, sizeof shown);
    if (bad)
        pt_say(err, errlen, "%s '%s': a control character (byte 0x%02x) cannot go into a SLURM script", what, shown,
               (unsigned char)*bad);
    else
        pt_say(err, errlen, "%s '%s': a backslash cannot go into a SLURM script's #SBATCH lines (sbatch reads it as an escape)",
               what, shown);
    return -1;
}

/* The flag that argv[a] of the tasks' command is, or is the value of. */
static void arg_flag(const pt_slurm_study *js, int a, char *out, size_t n) {
    const char *s = js->argv[a];
    if (pt_starts_with(s, "--")) pt_say(out, n, "%.*s", (int)strcspn(s, "="), s);
    else if (a > 0 && pt_starts_with(js->argv[a - 1], "-")) pt_strlcpy(out, js->argv[a - 1], n);
    else pt_say(out, n, "argument %d", a);
}

int pt_slurm_check_study(const pt_slurm_study *js, char *err, size_t errlen) {
    char cwd[PATH_MAX];
    working_dir(cwd, sizeof cwd);
    if (check_value("--db", js->db, 1, err, errlen) != 0) return -1; /* made absolute against cwd */
    if (check_value("the working directory (the tasks' --chdir)", cwd, 1, err, errlen) != 0) return -1;
    if (js->exe && check_value("the powertrain binary", js->exe, 0, err, errlen) != 0) return -1;
    for (int a = 0; a < js->argc; a++) {
        char flag[128];
        arg_flag(js, a, flag, sizeof flag);
        if (check_value(flag, js->argv[a], 0, err, errlen) != 0) return -1;
    }
    return 0;
}

int pt_slurm_available(void) {
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n < sizeof buf - 8) {
            pt_say(buf, sizeof buf, "%.*s/sbatch", (int)n, p);
            if (access(buf, X_OK) == 0) return 1;
        }
        p += n;
        if (*p == ':') p++;
    }
    return 0;
}

/* The job id at the start of sbatch --parsable's "ID[;cluster]". */
static long parse_job_id(const char *s) {
    char *end;
    long id = strtol(s, &end, 10);
    return end != s && (*end == '\0' || *end == ';') && id > 0 ? id : 0;
}

/* The powertrain binary the scripts run: js->exe, else this process's. */
static int find_exe(const pt_slurm_study *js, char *exe, size_t len, char *err, size_t errlen) {
    if (js->exe) {
        pt_strlcpy(exe, js->exe, len);
        return 0;
    }
    ssize_t k = readlink("/proc/self/exe", exe, len - 1);
    if (k <= 0) {
        pt_say(err, errlen, "cannot find the powertrain binary (/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    exe[k] = '\0';
    return 0;
}

/* The three files (task.sbatch, merge.sbatch, tasks.tsv) into memory. */
static int scripts_build(membuf m[3], const pt_slurm_study *js, const pt_slurm_options *o, const char *exe,
                         const char *dir, const char *db, const char *array, char *err, size_t errlen) {
    for (int i = 0; i < 3; i++)
        if (!(m[i].f = open_memstream(&m[i].buf, &m[i].len))) return pt_say(err, errlen, "out of memory"), -1;
    task_script(m[0].f, js, o, exe, dir, db, array);
    merge_script(m[1].f, js, o, exe, dir, db);
    tasks_table(m[2].f, js);
    for (int i = 0; i < 3; i++) {
        fclose(m[i].f);
        m[i].f = NULL;
    }
    return 0;
}

/* The shards and logs folders and the three files on disk. */
static int scripts_write(const char *dir, membuf m[3], char path[3][PATH_MAX + 32], char *err, size_t errlen) {
    char sub[PATH_MAX + 16];
    pt_say(sub, sizeof sub, "%s/shards", dir);
    if (mkdirs(sub, err, errlen) != 0) return -1;
    pt_say(sub, sizeof sub, "%s/logs", dir);
    if (mkdirs(sub, err, errlen) != 0) return -1;
    for (int i = 0; i < 3; i++)
        if (write_file(path[i], &m[i], i < 2, err, errlen) != 0) return -1;
    return 0;
}

/* submit: the array, then the merge job after it (their ids into DIR/jobs).
   0, -1 (err), 3: the array is submitted but not the merge job (err says how to merge). */
static int scripts_submit(const pt_slurm_study *js, char path[3][PATH_MAX + 32], const char *exe, const char *dir,
                          const char *db, int nsel, const char *array, FILE *out, char *err, size_t errlen) {
    char got[4096];
    char *a1[] = {"sbatch", "--parsable", path[0], NULL};
    int st = run_capture(a1, got, sizeof got);
    long array_id = st == 0 ? parse_job_id(got) : 0;
    if (!array_id) {
        if (st < 0 || st == 127) pt_say(err, errlen, "cannot run sbatch (is SLURM installed and on PATH?)");
        else pt_say(err, errlen, "sbatch %s failed (exit %d)%s%s", path[0], st, got[0] ? ": " : "", got);
        return -1;
    }
    char dep[64];
    pt_say(dep, sizeof dep, "--dependency=afterany:%ld", array_id);
    char *a2[] = {"sbatch", "--parsable", dep, path[1], NULL};
    st = run_capture(a2, got, sizeof got);
    long merge_id = st == 0 ? parse_job_id(got) : 0;
    char jobs[128];
    pt_say(jobs, sizeof jobs, "array %ld\nmerge %ld\n", array_id, merge_id);
    membuf jm = {jobs, strlen(jobs), NULL};
    char jpath[PATH_MAX + 16], jerr[512];
    pt_say(jpath, sizeof jpath, "%s/jobs", dir);
    if (write_file(jpath, &jm, 0, jerr, sizeof jerr) != 0) fprintf(stderr, "powertrain: %s\n", jerr);
    if (!merge_id) {
        char qexe[4 * PATH_MAX + 3], qdb[4 * PATH_MAX + 3], qdir[4 * PATH_MAX + 3];
        pt_shell_quote(qexe, sizeof qexe, exe);
        pt_shell_quote(qdb, sizeof qdb, db);
        pt_shell_quote(qdir, sizeof qdir, dir);
        pt_say(err, errlen,
               "array job %ld is submitted, but sbatch %s failed (exit %d): merge the shards when the array ends "
               "with: %s merge --into %s --study %lld --final %s/shards/task-*.db",
               array_id, path[1], st, qexe, qdb, (long long)js->study_id, qdir);
        return 3;
    }
    fprintf(out, "array %ld\nmerge %ld\n", array_id, merge_id);
    fflush(out);
    fprintf(stderr,
            "powertrain %s: study %lld: %d of %d tasks as array job %ld (indices %s), merge job %ld after it "
            "into %s; logs in %s/logs\n",
            js->name, (long long)js->study_id, nsel, js->ntasks, array_id, array, merge_id, db, dir);
    return 0;
}

/* How to submit the two scripts by hand, each line after prefix, the paths quoted. */
static void print_submit(FILE *out, const char *prefix, char path[3][PATH_MAX + 32]) {
    fprintf(out, "%sarray=$(sbatch --parsable ", prefix);
    put_quoted(out, path[0]);
    fprintf(out, ")\n%ssbatch --parsable --dependency=afterany:${array%%%%;*} ", prefix);
    put_quoted(out, path[1]);
    fputc('\n', out);
}

int pt_slurm_run(const pt_slurm_study *js, const int *sel, const pt_slurm_options *o, int mode, FILE *out,
                 char *err, size_t errlen) {
    if (pt_slurm_check_options(o, err, errlen) != 0) return 2;
    char exe[PATH_MAX], dir[PATH_MAX], db[PATH_MAX];
    if (pt_slurm_check_study(js, err, errlen) != 0) return 2;
    if (find_exe(js, exe, sizeof exe, err, errlen) != 0) return -1;
    if (check_value("the powertrain binary", exe, 0, err, errlen) != 0) return 2;
    absolute(js->db, db, sizeof db);
    pt_slurm_dir(js, dir, sizeof dir);
    int nsel = 0;
    for (int i = 0; i < js->ntasks; i++) nsel += !sel || sel[i];
    if (nsel == 0) {
        pt_say(err, errlen, "no task to run");
        return -1;
    }
    char *array = malloc((size_t)js->ntasks * 24 + 16);
    if (!array) return pt_say(err, errlen, "out of memory"), -1;
    array_list(sel, js->ntasks, array, (size_t)js->ntasks * 24 + 16);
    membuf m[3] = {{0}, {0}, {0}};
    static const char *const names[3] = {"task.sbatch", "merge.sbatch", "tasks.tsv"};
    char path[3][PATH_MAX + 32];
    for (int i = 0; i < 3; i++) pt_say(path[i], sizeof path[i], "%s/%s", dir, names[i]);
    int rc = scripts_build(m, js, o, exe, dir, db, array, err, errlen);
    if (rc == 0 && mode == PT_SLURM_DRY_RUN) {
        fprintf(out, "# %s\n%s\n# %s\n%s\n", path[0], m[0].buf, path[1], m[1].buf);
        fprintf(out, "# %d of %d tasks (array %s); submit with:\n", nsel, js->ntasks, array);
        print_submit(out, "#   ", path);
    } else if (rc == 0 && (rc = scripts_write(dir, m, path, err, errlen)) == 0 && mode == PT_SLURM_WRITE) {
        fprintf(out, "wrote %s and %s (%d of %d tasks, array %s); submit with:\n", path[0], path[1], nsel,
                js->ntasks, array);
        print_submit(out, "  ", path);
    } else if (rc == 0) {
        rc = scripts_submit(js, path, exe, dir, db, nsel, array, out, err, errlen);
    }
    for (int i = 0; i < 3; i++) {
        if (m[i].f) fclose(m[i].f);
        free(m[i].buf);
    }
    free(array);
    return rc;
}
