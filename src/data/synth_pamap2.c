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
    o->difficulty = 1;
}

/* The difficulty knobs (synth.h) at difficulty d: each is its easy value (that of the
 * generator before difficulty existed) plus d times its realistic excess. d = 0 draws
 * no extra random numbers, so it writes the easy set's bytes. */
typedef struct {
    double d;
    double amp, tempo, hr_off; /* per subject (+-): amplitude, movement frequency, heart rate (bpm) */
    double hr_fit;             /* per subject (+-): heart-rate rise with effort, fraction */
    double rot;                /* per subject, per IMU: placement turned by up to this (radians) */
    double gain, bias;         /* per subject, per IMU axis: gain sd, acceleration offset sd (m/s^2) */
    double style;              /* per subject, per activity: per-IMU amplitude and waveform sd */
    double overlap;            /* fraction of their differences that similar activities lose */
    double noise;              /* factor on the sensor noise (acc 0.15 m/s^2, gyro 0.02, mag 0.8) */
    double jitter;             /* irregular movement: low-pass noise, fraction of the amplitude */
    double mod;                /* slow (4 s) modulation of amplitude and tempo, sd */
    double drift;              /* slow (60 s) bias drift, sd: acc m/s^2; gyro x0.02 rad/s, mag x10 uT */
    double gaps_short, gaps_long; /* factors on the drop-out rates */
    double smear;              /* label edges: up to this many s of each transient carry a neighbour's label */
} knobs;

static void knobs_at(double d, knobs *k) {
    k->d = d;
    k->amp = 0.15 + 0.05 * d;
    k->tempo = 0.08 + 0.12 * d;
    k->hr_off = 8 + 12 * d;
    k->hr_fit = 0.3 * d;
    k->rot = 0.10 * d; /* 6 degrees */
    k->gain = 0.03 * d;
    k->bias = 0.10 * d;
    k->style = 0.10 * d;
    k->overlap = 0.70 * d;
    k->noise = 1 + 2 * d;
    k->jitter = 0.40 * d;
    k->mod = 0.20 * d;
    k->drift = 0.40 * d;
    k->gaps_short = 1 + 2 * d;
    k->gaps_long = 1 + 0.5 * d;
    k->smear = 1.0 * d;
}

/* Activities that look alike share a base: each model keeps (1 - overlap) of its
 * difference from its group's mean. Groups: gait (walking, Nordic walking, stairs up and
 * down), upright and nearly still (sitting, standing, ironing, vacuum cleaning),
 * vigorous (running, rope jumping); lying and cycling stand alone. */
static const int model_group[12] = {0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 4, 4};

static void models_at(double overlap, act_model out[12]) {
    memcpy(out, models, sizeof models);
    if (overlap <= 0) return;
    for (int a = 0; a < 12; a++) {
        act_model mean;
        memset(&mean, 0, sizeof mean);
        int n = 0;
        for (int b = 0; b < 12; b++) {
            if (model_group[b] != model_group[a]) continue;
            n++;
            mean.f += models[b].f, mean.hr += models[b].hr;
            for (int u = 0; u < 3; u++) {
                mean.amp[u] += models[b].amp[u];
                for (int j = 0; j < 3; j++) mean.grav[u][j] += models[b].grav[u][j];
            }
        }
        double keep = 1 - overlap, w = overlap / n;
        out[a].f = keep * models[a].f + w * mean.f;
        out[a].hr = keep * models[a].hr + w * mean.hr;
        for (int u = 0; u < 3; u++) {
            out[a].amp[u] = keep * models[a].amp[u] + w * mean.amp[u];
            for (int j = 0; j < 3; j++) out[a].grav[u][j] = keep * models[a].grav[u][j] + w * mean.grav[u][j];
        }
    }
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
    knobs k;
    const act_model *models; /* the 12, after overlap */
    double amp_k, f_k, hr_off, temp_off[3];
    double hr;           /* current heart rate */
    int gap[3];          /* remaining NaN rows per IMU */
    double phase;
    /* difficulty > 0 only */
    double hr_fit;
    double rot[3][3][3];             /* per IMU: placement rotation */
    double gain[3][3];               /* per IMU axis */
    double bias[3][3], gbias[3][3], mbias[3][3]; /* drifting offsets: acc, gyro, mag */
    double bias0[3][3], mbias0[3][3]; /* their per-subject means */
    double jit[3][3];                /* irregular movement state */
    double amod, fmod;               /* slow modulation states */
    double sty_amp[12][3], sty_h2[12], sty_ph[12][3]; /* per activity style */
} subj_state;

/* An Ornstein-Uhlenbeck step of x (mean mu, stationary sd, time constant tau s) over 10 ms. */
static double ou_step(pt_rng *r, double x, double mu, double sd, double tau) {
    double a = exp(-0.01 / tau);
    return mu + a * (x - mu) + sd * sqrt(1 - a * a) * pt_rng_normal(r);
}

/* Rotation by angle about a uniformly random axis (Rodrigues). */
static void random_rotation(pt_rng *r, double angle, double R[3][3]) {
    double v[3], n = 0;
    for (int j = 0; j < 3; j++) v[j] = pt_rng_normal(r), n += v[j] * v[j];
    n = sqrt(n) > 1e-12 ? sqrt(n) : 1;
    for (int j = 0; j < 3; j++) v[j] /= n;
    double c = cos(angle), s = sin(angle), C = 1 - c;
    double K[3][3] = {{0, -v[2], v[1]}, {v[2], 0, -v[0]}, {-v[1], v[0], 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) R[i][j] = (i == j) * c + s * K[i][j] + C * v[i] * v[j];
}

/* The per-subject draws of difficulty > 0 (none at 0: the easy set's bytes stay). */
static void subject_difficulty(subj_state *s) {
    const knobs *k = &s->k;
    if (k->d <= 0) return;
    s->hr_fit = 1 + k->hr_fit * (2 * pt_rng_uniform(&s->r) - 1);
    for (int u = 0; u < 3; u++) {
        random_rotation(&s->r, k->rot * pt_rng_uniform(&s->r), s->rot[u]);
        for (int j = 0; j < 3; j++) {
            s->gain[u][j] = 1 + k->gain * pt_rng_normal(&s->r);
            s->bias[u][j] = s->bias0[u][j] = k->bias * pt_rng_normal(&s->r);
            s->mbias[u][j] = s->mbias0[u][j] = 10 * k->bias * pt_rng_normal(&s->r);
        }
    }
    s->amod = s->fmod = 1;
    for (int a = 0; a < 12; a++) {
        s->sty_h2[a] = 0.35 + k->style * pt_rng_normal(&s->r);
        for (int u = 0; u < 3; u++) {
            s->sty_amp[a][u] = fmax(0.3, 1 + k->style * pt_rng_normal(&s->r));
            s->sty_ph[a][u] = 0.5 + 4 * k->style * pt_rng_normal(&s->r);
        }
    }
}

/* The per-row state of difficulty > 0: slow modulation, drift, irregular movement. */
static void row_difficulty(subj_state *s) {
    const knobs *k = &s->k;
    s->amod = fmax(0.2, ou_step(&s->r, s->amod, 1, k->mod, 4));
    s->fmod = fmax(0.5, ou_step(&s->r, s->fmod, 1, 0.4 * k->mod, 4));
    for (int u = 0; u < 3; u++)
        for (int j = 0; j < 3; j++) {
            s->bias[u][j] = ou_step(&s->r, s->bias[u][j], s->bias0[u][j], k->drift, 60);
            s->gbias[u][j] = ou_step(&s->r, s->gbias[u][j], 0, 0.02 * k->drift, 60);
            s->mbias[u][j] = ou_step(&s->r, s->mbias[u][j], s->mbias0[u][j], 10 * k->drift, 60);
            s->jit[u][j] = ou_step(&s->r, s->jit[u][j], 0, 1, 0.15);
        }
}

/* v <- R v */
static void rotate(const double R[3][3], double v[3]) {
    double o[3];
    for (int i = 0; i < 3; i++) o[i] = R[i][0] * v[0] + R[i][1] * v[1] + R[i][2] * v[2];
    for (int i = 0; i < 3; i++) v[i] = o[i];
}

/* The 17 values of IMU u (temperature, acc16, acc6, gyro, mag, orientation) for model m
 * (blended towards blend_to by blend), without drop-outs. */
static void imu_values(subj_state *s, int u, double t, int act_ix, const act_model *m, const act_model *blend_to,
                       double blend, double f, double vals[17]) {
    const knobs *k = &s->k;
    double g[3], acc[3], gyro[3], mag[3];
    double amp = m->amp[u] * s->amp_k;
    if (k->d > 0) amp *= s->amod * (act_ix >= 0 ? s->sty_amp[act_ix][u] : 1);
    double h2 = k->d > 0 && act_ix >= 0 ? s->sty_h2[act_ix] : 0.35;
    double h2ph = k->d > 0 && act_ix >= 0 ? s->sty_ph[act_ix][u] : 0.5;
    for (int j = 0; j < 3; j++) {
        g[j] = m->grav[u][j];
        if (blend_to) g[j] = (1 - blend) * g[j] + blend * blend_to->grav[u][j];
    }
    double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    static const double w[3][3] = {{1.0, 0.5, 0.3}, {0.4, 1.0, 0.6}, {0.7, 0.3, 1.0}};
    double a[3], gy[3], mg[3];
    for (int j = 0; j < 3; j++) {
        double ph = s->phase + 1.3 * j + 0.7 * u;
        double mv = amp * w[u][j] * (sin(ph) + h2 * sin(2 * ph + h2ph));
        if (k->d > 0) mv += k->jitter * (amp + 0.3) * s->jit[u][j];
        a[j] = G * g[j] / gn + mv;
        gy[j] = amp * 0.12 * (f > 0 ? f : 0.1) * w[u][2 - j] * cos(ph);
        mg[j] = 35.0 * g[(j + 1) % 3] / gn - 20.0 * g[(j + 2) % 3] / gn;
    }
    if (k->d > 0) {
        rotate(s->rot[u], a), rotate(s->rot[u], gy), rotate(s->rot[u], mg);
        for (int j = 0; j < 3; j++) {
            a[j] = a[j] * s->gain[u][j] + s->bias[u][j];
            gy[j] += s->gbias[u][j];
            mg[j] += s->mbias[u][j];
        }
    }
    for (int j = 0; j < 3; j++) {
        acc[j] = a[j] + 0.15 * k->noise * pt_rng_normal(&s->r);
        gyro[j] = gy[j] + 0.02 * k->noise * pt_rng_normal(&s->r);
        mag[j] = mg[j] + 0.8 * k->noise * pt_rng_normal(&s->r);
    }
    vals[0] = s->temp_off[u] + 0.3 * sin(t / 600.0 + u) + 0.02 * pt_rng_normal(&s->r);
    for (int j = 0; j < 3; j++) {
        vals[1 + j] = acc[j];
        double a6 = acc[j] + 0.05 * pt_rng_normal(&s->r);
        vals[4 + j] = a6 > 6 * G ? 6 * G : a6 < -6 * G ? -6 * G : a6;
        vals[7 + j] = gyro[j];
        vals[10 + j] = mag[j];
    }
    vals[13] = 1;
    vals[14] = vals[15] = vals[16] = 0;
}

/* Writes one row labelled act for model m (index act_ix; blend_to: a transient
 * blending m into blend_to by blend). */
static char *row(char *p, subj_state *s, double t, int act, int act_ix, const act_model *m,
                 const act_model *blend_to, double blend, long long rowno) {
    const knobs *k = &s->k;
    if (k->d > 0) row_difficulty(s);
    double f = m->f * s->f_k;
    if (k->d > 0) f *= s->fmod;
    double hr_m = k->d > 0 ? 72 + (m->hr - 72) * s->hr_fit : m->hr;
    double hr_target = hr_m + s->hr_off;
    if (blend_to) {
        double hr_b = k->d > 0 ? 72 + (blend_to->hr - 72) * s->hr_fit : blend_to->hr;
        hr_target = (1 - blend) * hr_target + blend * (hr_b + s->hr_off);
    }
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
            if (q < 0.003 * k->gaps_short) s->gap[u] = 1 + (int)pt_rng_below(&s->r, 6);
            else if (q < 0.003 * k->gaps_short + 0.0001 * k->gaps_long) s->gap[u] = 20 + (int)pt_rng_below(&s->r, 131);
        }
        int nan = s->gap[u] > 0;
        if (nan) s->gap[u]--;
        double vals[17];
        imu_values(s, u, t, blend_to ? -1 : act_ix, m, blend_to, blend, f, vals);
        for (int c = 0; c < 17; c++) {
            *p++ = ' ';
            p = put_num(p, nan ? NAN : vals[c], c == 0 ? 4 : 5);
        }
    }
    *p++ = '\n';
    return p;
}

/* Writes the transient between models a and a + 1; with smear, its first s0 rows still
 * carry a's label and its last s1 rows already a + 1's. */
static void transient(FILE *f, subj_state *s, double *t, int a, const pt_synth_pamap2_options *o, long long *rowno) {
    long long tr = llround(o->seconds * (0.25 + 0.5 * pt_rng_uniform(&s->r)) * PT_PAMAP2_HZ);
    if (tr < 100) tr = 100;
    long long s0 = 0, s1 = 0;
    if (s->k.d > 0) {
        s0 = llround(s->k.smear * PT_PAMAP2_HZ * pt_rng_uniform(&s->r));
        s1 = llround(s->k.smear * PT_PAMAP2_HZ * pt_rng_uniform(&s->r));
        if (s0 + s1 > tr) s0 = s1 = tr / 2;
    }
    const act_model *m = &s->models[a], *next = &s->models[a + 1];
    char line[2048];
    for (long long i = 0; i < tr; i++, (*rowno)++) {
        int label = i < s0 ? m->id : i >= tr - s1 ? next->id : 0;
        char *e = row(line, s, *t, label, a, m, next, (double)i / (double)tr, *rowno);
        fwrite(line, 1, (size_t)(e - line), f);
        *t += 0.01;
    }
}

static int write_subject(const char *path, int subject, const pt_synth_pamap2_options *o, const act_model *ms,
                         char *err, size_t errlen) {
    subj_state s;
    memset(&s, 0, sizeof s);
    knobs_at(o->difficulty, &s.k);
    s.models = ms;
    pt_rng_seed(&s.r, o->seed, (uint64_t)subject);
    s.amp_k = 1 + s.k.amp * (2 * pt_rng_uniform(&s.r) - 1);
    s.f_k = 1 + s.k.tempo * (2 * pt_rng_uniform(&s.r) - 1);
    s.hr_off = s.k.hr_off * (2 * pt_rng_uniform(&s.r) - 1);
    for (int u = 0; u < 3; u++) s.temp_off[u] = 31 + 2.5 * u - 2 * (u == 2) + pt_rng_uniform(&s.r);
    s.hr = ms[0].hr + s.hr_off;
    subject_difficulty(&s);
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    double t = 5.0 + 0.01 * (double)pt_rng_below(&s.r, 400);
    long long rowno = 0;
    for (int a = 0; a < 12; a++) {
        const act_model *m = &ms[a];
        long long n = llround(o->seconds * (0.8 + 0.4 * pt_rng_uniform(&s.r)) * PT_PAMAP2_HZ);
        for (long long i = 0; i < n; i++, rowno++) {
            char *e = row(line, &s, t, m->id, a, m, NULL, 0, rowno);
            fwrite(line, 1, (size_t)(e - line), af.f);
            t += 0.01;
        }
        if (a < 11) transient(af.f, &s, &t, a, o, &rowno);
    }
    if (pt_atomic_commit(&af) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int pt_synth_pamap2(const char *dir, const pt_synth_pamap2_options *o, char *err, size_t errlen) {
    if (o->subjects < 1 || o->subjects > 9 || !(o->seconds > 0) || o->seconds > 3600 || !(o->difficulty >= 0) ||
        o->difficulty > 1) {
        snprintf(err, errlen, "synth pamap2: subjects must be 1..9, seconds 0..3600 and difficulty 0..1");
        return -1;
    }
    knobs k;
    knobs_at(o->difficulty, &k);
    act_model ms[12];
    models_at(k.overlap, ms);
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
        if (write_subject(f, 100 + k, o, ms, err, errlen) != 0) return -1;
    }
    return 0;
}
