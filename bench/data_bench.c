/* data_bench.c -- data-layer throughput: PAMAP2 text parsing in MB/s per core (the
 * streaming parser alone, then the whole load without a cache) and CelebA cache building
 * in images/s per core at 64x64 (decode + resize + crop), on synthetic files in the
 * real formats (or on real ones: data_bench [PAMAP2_DIR [CELEBA_DIR]]). CPU time of
 * this single-threaded process is the per-core denominator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/celeba.h"
#include "data/pamap2.h"
#include "data/synth.h"
#include "util/clock.h"

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int noop(void *ctx, long long line, const double *v) {
    (void)line;
    *(double *)ctx += v[1];
    return 0;
}

int main(int argc, char **argv) {
    char tmp[] = "/tmp/pt_data_bench.XXXXXX", err[1024], p[1400];
    if (!mkdtemp(tmp)) return 1;
    const char *pdir = argc > 1 ? argv[1] : NULL, *cdir = argc > 2 ? argv[2] : NULL;
    char pd[600], cd[600];
    if (!pdir) {
        snprintf(pd, sizeof pd, "%s/pamap2", tmp);
        pt_synth_pamap2_options so;
        pt_synth_pamap2_options_init(&so);
        so.subjects = 3;
        so.seconds = 60;
        if (pt_synth_pamap2(pd, &so, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
        pdir = pd;
    }
    /* the parser alone, every Protocol file, best of 3 */
    double best = 1e300, bytes = 0, sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        double c0 = cpu_now();
        bytes = 0;
        for (int s = 101; s <= 109; s++) {
            snprintf(p, sizeof p, "%s/Protocol/subject%d.dat", pdir, s);
            struct stat st;
            if (stat(p, &st) != 0) continue;
            if (pt_pamap2_parse_file(p, noop, &sink, err, sizeof err) < 0) return fprintf(stderr, "%s\n", err), 1;
            bytes += (double)st.st_size;
        }
        double c = cpu_now() - c0;
        if (c < best) best = c;
    }
    printf("pamap2 parse: %.1f MB in %.3f s CPU: %.0f MB/s per core\n", bytes / 1e6, best, bytes / 1e6 / best);
    pt_pamap2_options o;
    pt_pamap2_options_init(&o);
    o.cache_dir = "";
    double c0 = cpu_now();
    pt_pamap2 pm;
    if (pt_pamap2_load(pdir, &o, &pm, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
    double c = cpu_now() - c0;
    printf("pamap2 load (parse + NaN policy + windows + stats, no cache): %lld windows, %.3f s CPU: %.0f MB/s per core\n",
           (long long)pm.nwindows, c, (double)pm.bytes / 1e6 / c);
    pt_pamap2_free(&pm);

    if (!cdir) {
        snprintf(cd, sizeof cd, "%s/celeba", tmp);
        pt_synth_celeba_options so;
        pt_synth_celeba_options_init(&so);
        so.images_per_id = 25;
        if (pt_synth_celeba(cd, &so, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
        cdir = cd;
    }
    int sizes[3][2] = {{64, 64}, {128, 128}, {178, 218}};
    for (int k = 0; k < 3; k++) {
        pt_celeba_options co;
        pt_celeba_options_init(&co);
        co.width = sizes[k][0];
        co.height = sizes[k][1];
        co.cache_dir = "";
        double w0 = pt_clock_now();
        c0 = cpu_now();
        pt_celeba cb;
        if (pt_celeba_load(cdir, &co, &cb, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
        c = cpu_now() - c0;
        double w = pt_clock_now() - w0;
        printf("celeba cache build %dx%d: %lld images in %.3f s CPU (%.3f s wall): %.0f images/s per core\n", co.width,
               co.height, (long long)cb.n, c, w, (double)cb.n / c);
        pt_celeba_free(&cb);
    }
    snprintf(p, sizeof p, "rm -rf '%s'", tmp);
    return system(p) == 0 ? 0 : 1;
}
