/* synth_pamap2.c -- synthetic PAMAP2 subjects in the real 54-column text format, with
 * per-activity movement models and real-looking gaps (see synth.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "data/pamap2.h"
#include "util/rng.h"
#include "data/synth.h"
#include "util/fs.h"

#define G 9.80665

typedef struct {
    int id;
    double f;            /* movement frequency, Hz (0: static) */
    double amp[3];       /* acceleration amplitude per IMU (hand, chest, ankle), m/s^2 */
    double grav[3][3];   /* unit gravity direction per IMU */
    double hr;           /* heart-rate level, bpm */
} act_model;

/* The protocol order of the real recordings. */
static const act_model models[12] = {
    {1, 0.0, {0.05, 0.04, 0.05}, {{0, 0, 1}, {1, 0, 0}, {0, 0.7, 0.7}}, 72},   /* lying */
    {2, 0.0, {0.08, 0.05, 0.05}, {{0.3, 0.9, 0.3}, {0.8, 0.2, 0.55}, {0.9, 0.1, 0.4}}, 80}, /* sitting */
    {3, 0.0, {0.12, 0.08, 0.08}, {{0.95, 0.2, 0.2}, {0.98, 0.05, 0.15}, {0.98, 0.1, -0.1}}, 88}, /* standing */
    {17, 0.6, {2.2, 0.3, 0.15}, {{0.3, 0.3, 0.9}, {0.95, 0.1, 0.3}, {0.98, 0.1, -0.1}}, 92}, /* ironing */
    {16, 0.8, {3.5, 1.0, 0.9}, {{0.6, 0.2, 0.75}, {0.9, 0.25, 0.35}, {0.97, 0.15, -0.1}}, 104}, /* vacuum */
    {12, 1.5, {3.0, 2.6, 7.0}, {{0.9, 0.3, 0.3}, {0.93, 0.0, 0.37}, {0.9, 0.35, 0.25}}, 128}, /* ascending */
    {13, 1.9, {3.6, 3.2, 8.5}, {{0.9, 0.4, 0.15}, {0.97, 0.0, -0.25}, {0.9, -0.3, 0.3}}, 122}, /* descending */
    {4, 1.8, {3.0, 2.0, 6.0}, {{0.95, 0.3, 0.05}, {0.99, 0.0, 0.1}, {0.97, 0.2, 0.1}}, 108}, /* walking */
    {7, 1.7, {6.5, 2.6, 6.2}, {{0.7, 0.7, 0.1}, {0.95, 0.0, 0.3}, {0.97, 0.2, 0.1}}, 118}, /* Nordic walking */
    {6, 1.3, {1.0, 1.4, 5.0}, {{0.2, 0.95, 0.25}, {0.8, 0.0, 0.6}, {0.5, 0.8, 0.3}}, 125}, /* cycling */
    {5, 2.8, {8.0, 7.0, 14.0}, {{0.8, 0.4, 0.45}, {0.97, 0.0, 0.25}, {0.95, 0.3, 0.1}}, 158}, /* running */
    {24, 2.3, {7.0, 9.0, 15.0}, {{0.6, 0.1, 0.8}, {0.99, 0.0, 0.05}, {0.99, 0.05, 0.0}}, 165}, /* rope jumping */
};

void pt_synth_pamap2_options_init(pt_synth_pamap2_options *o) {
    o->subjects = 9;
    o->seconds = 20;
    o->seed = 1;
}

/* Appends v with `dec` decimals, trailing zeros trimmed ("2.5", "-0.0922", "NaN"). */
static char *put_num(char *p, double v, int dec) {
    if (isnan(v)) {
        memcpy(p, "NaN", 3);
        return p + 3;
    }
    static const long long p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    long long s = llround(v * (double)p10[dec]);
    if (s < 0) {
        *p++ = '-';
        s = -s;
    }
    long long ip = s / p10[dec], fp = s % p10[dec];
    char tmp[32];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n) *p++ = tmp[--n];
    if (fp) {
        *p++ = '.';
        for (int k = dec - 1; k >= 0; k--) {
            long long d = (fp / p10[k]) % 10;
            *p++ = (char)('0' + d);
        }
        while (p[-1] == '0') p--;
    }
    return p;
}

typedef struct {
    pt_rng r;
    double amp_k, f_k, hr_off, temp_off[3];
    double hr;           /* current heart rate */
    int gap[3];          /* remaining NaN rows per IMU */
    double phase;
} subj_state;

/* Writes one row for activity model m (NULL: transient, blending prev/next models). */
static char *row(char *p, subj_state *s, double t, int act, const act_model *m,
                 const act_model *blend_to, double blend, long long rowno) {
    double f = m->f * s->f_k;
    double hr_target = m->hr + s->hr_off;
    if (blend_to) hr_target = (1 - blend) * hr_target + blend * (blend_to->hr + s->hr_off);
    s->hr += (hr_target - s->hr) * (0.01 / 20.0) + 0.05 * pt_rng_normal(&s->r);
    s->phase += 2 * M_PI * f * 0.01;
    p = put_num(p, t, 2);
    *p++ = ' ';
    p = put_num(p, act, 0);
    *p++ = ' ';
    p = put_num(p, rowno % 11 == 0 ? round(s->hr) : NAN, 0);
    for (int u = 0; u < 3; u++) {
        if (s->gap[u] == 0) {
            double q = pt_rng_uniform(&s->r);
            if (q < 0.003) s->gap[u] = 1 + (int)pt_rng_below(&s->r, 6);
            else if (q < 0.0031) s->gap[u] = 20 + (int)pt_rng_below(&s->r, 131);
        }
        int nan = s->gap[u] > 0;
        if (nan) s->gap[u]--;
        double g[3], acc[3], gyro[3], mag[3];
        double amp = m->amp[u] * s->amp_k;
        for (int j = 0; j < 3; j++) {
            g[j] = m->grav[u][j];
            if (blend_to) g[j] = (1 - blend) * g[j] + blend * blend_to->grav[u][j];
        }
        double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        static const double w[3][3] = {{1.0, 0.5, 0.3}, {0.4, 1.0, 0.6}, {0.7, 0.3, 1.0}};
        for (int j = 0; j < 3; j++) {
            double ph = s->phase + 1.3 * j + 0.7 * u;
            double mv = amp * w[u][j] * (sin(ph) + 0.35 * sin(2 * ph + 0.5));
            acc[j] = G * g[j] / gn + mv + 0.15 * pt_rng_normal(&s->r);
            gyro[j] = amp * 0.12 * (f > 0 ? f : 0.1) * w[u][2 - j] * cos(ph) + 0.02 * pt_rng_normal(&s->r);
            mag[j] = 35.0 * g[(j + 1) % 3] / gn - 20.0 * g[(j + 2) % 3] / gn + 0.8 * pt_rng_normal(&s->r);
        }
        double temp = s->temp_off[u] + 0.3 * sin(t / 600.0 + u) + 0.02 * pt_rng_normal(&s->r);
        double vals[17];
        vals[0] = temp;
        for (int j = 0; j < 3; j++) {
            vals[1 + j] = acc[j];
            double a6 = acc[j] + 0.05 * pt_rng_normal(&s->r);
            vals[4 + j] = a6 > 6 * G ? 6 * G : a6 < -6 * G ? -6 * G : a6;
            vals[7 + j] = gyro[j];
            vals[10 + j] = mag[j];
        }
        vals[13] = 1;
        vals[14] = vals[15] = vals[16] = 0;
        for (int k = 0; k < 17; k++) {
            *p++ = ' ';
            p = put_num(p, nan ? NAN : vals[k], k == 0 ? 4 : 5);
        }
    }
    *p++ = '\n';
    return p;
}

static int write_subject(const char *path, int subject, const pt_synth_pamap2_options *o, char *err,
                         size_t errlen) {
    subj_state s;
    memset(&s, 0, sizeof s);
    pt_rng_seed(&s.r, o->seed, (uint64_t)subject);
    s.amp_k = 1 + 0.15 * (2 * pt_rng_uniform(&s.r) - 1);
    s.f_k = 1 + 0.08 * (2 * pt_rng_uniform(&s.r) - 1);
    s.hr_off = 8 * (2 * pt_rng_uniform(&s.r) - 1);
    for (int u = 0; u < 3; u++) s.temp_off[u] = 31 + 2.5 * u - 2 * (u == 2) + pt_rng_uniform(&s.r);
    s.hr = models[0].hr + s.hr_off;
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    double t = 5.0 + 0.01 * (double)pt_rng_below(&s.r, 400);
    long long rowno = 0;
    for (int a = 0; a < 12; a++) {
        const act_model *m = &models[a];
        long long n = llround(o->seconds * (0.8 + 0.4 * pt_rng_uniform(&s.r)) * PT_PAMAP2_HZ);
        for (long long i = 0; i < n; i++, rowno++) {
            char *e = row(line, &s, t, m->id, m, NULL, 0, rowno);
            fwrite(line, 1, (size_t)(e - line), af.f);
            t += 0.01;
        }
        if (a == 11) break;
        long long tr = llround(o->seconds * (0.25 + 0.5 * pt_rng_uniform(&s.r)) * PT_PAMAP2_HZ);
        if (tr < 100) tr = 100;
        for (long long i = 0; i < tr; i++, rowno++) {
            char *e = row(line, &s, t, 0, m, &models[a + 1], (double)i / (double)tr, rowno);
            fwrite(line, 1, (size_t)(e - line), af.f);
            t += 0.01;
        }
    }
    if (pt_atomic_commit(&af) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int pt_synth_pamap2(const char *dir, const pt_synth_pamap2_options *o, char *err, size_t errlen) {
    if (o->subjects < 1 || o->subjects > 9 || !(o->seconds > 0) || o->seconds > 3600) {
        snprintf(err, errlen, "synth pamap2: subjects must be 1..9 and seconds 0..3600");
        return -1;
    }
    char p[4096];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(p, sizeof p, "%s/Protocol", dir);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", p, strerror(errno));
        return -1;
    }
    for (int k = 1; k <= o->subjects; k++) {
        char f[4200];
        snprintf(f, sizeof f, "%s/subject%d.dat", p, 100 + k);
        if (write_subject(f, 100 + k, o, err, errlen) != 0) return -1;
    }
    return 0;
}
