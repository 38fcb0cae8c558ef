/* test_proc.c -- the sampler's process-tree reader (src/meter/proc.c) on the
 * real /proc: it finds the tree by a scan, then re-reads only the members'
 * kept stat files (no open per read); a member that exits triggers a scan at
 * once, a new child is found by the check after PT_TREE_CHECK_S; its sums
 * match a full scan's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meter/proc.h"
#include "test.h"
#include "util/fs.h"

/* A child that waits (no CPU) until killed. */
static pid_t spawn_sleeper(void) {
    pid_t p = fork();
    if (p == 0) {
        for (;;) pause();
    }
    return p;
}

static void sleep_s(double s) {
    struct timespec d = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&d, &d) != 0) {
    }
}

static void test_tree(void) {
    int self = (int)getpid();
    pt_tree_reader t;
    pt_proc_tree_init(&t);
    pid_t a = spawn_sleeper();
    CHECK(a > 0);
    sleep_s(0.05);
    unsigned long long j = 0, full = 0;
    CHECK(pt_proc_tree_read(&t, self, &j) == 0);
    CHECK(t.root == self && t.nmem == 2 && t.mem_pid[0] == self && t.mem_pid[1] == a);
    /* steady state: the kept files are re-read, nothing is opened */
    unsigned long opens = pt_reread_opens();
    for (int i = 0; i < 200; i++) CHECK(pt_proc_tree_read(&t, self, &j) == 0);
    CHECK(pt_reread_opens() == opens);
    CHECK(pt_proc_tree_jiffies(self, &full) == 0);
    CHECK(pt_proc_tree_read(&t, self, &j) == 0);
    CHECK(j >= full && j <= full + 2); /* the same sum (this process runs on meanwhile) */
    /* a child started after the scan counts from the next check */
    pid_t b = spawn_sleeper();
    CHECK(b > 0);
    sleep_s(PT_TREE_CHECK_S + 0.1);
    CHECK(pt_proc_tree_read(&t, self, &j) == 0);
    CHECK(t.nmem == 3);
    /* a member that exits (reaped) is dropped at the next read */
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
    CHECK(pt_proc_tree_read(&t, self, &j) == 0);
    CHECK(t.nmem == 2 && t.mem_pid[1] == b);
    /* another root: scanned anew; a gone root fails */
    CHECK(pt_proc_tree_read(&t, (int)b, &j) == 0 && t.nmem == 1 && t.root == (int)b);
    kill(b, SIGKILL);
    waitpid(b, NULL, 0);
    CHECK(pt_proc_tree_read(&t, (int)b, &j) == -1);
    CHECK(pt_proc_tree_jiffies((int)b, &j) == -1);
    pt_proc_tree_close(&t);
    CHECK(t.nmem == 0 && t.mem == NULL);
}

int main(void) {
    test_tree();
    return pt_test_finish("test_proc");
}
