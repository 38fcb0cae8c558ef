/* synth_celeba.c -- synthetic CelebA: procedural 178x218 faces as JPEG plus the three
 * label files in the real formats. The identity fixes background, face geometry, skin,
 * eye and hair colour and the identity-bound attributes (Male, hair colour, Big_Nose,
 * ...); per-image attributes (Smiling, Eyeglasses, Wearing_Hat, Bangs, ...) are drawn
 * per image and each visibly changes it; pose, light and noise vary per image. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include "data/celeba.h"
#include "util/rng.h"
#include "data/synth.h"
#include "util/fs.h"

enum {
    A_SHADOW, A_ARCHED, A_ATTRACTIVE, A_BAGS, A_BALD, A_BANGS, A_BIG_LIPS, A_BIG_NOSE, A_BLACK,
    A_BLOND, A_BLURRY, A_BROWN, A_BUSHY, A_CHUBBY, A_DOUBLE_CHIN, A_GLASSES, A_GOATEE, A_GRAY,
    A_MAKEUP, A_CHEEKBONES, A_MALE, A_MOUTH_OPEN, A_MUSTACHE, A_NARROW_EYES, A_NO_BEARD, A_OVAL,
    A_PALE, A_POINTY_NOSE, A_RECEDING, A_ROSY, A_SIDEBURNS, A_SMILING, A_STRAIGHT, A_WAVY,
    A_EARRINGS, A_HAT, A_LIPSTICK, A_NECKLACE, A_NECKTIE, A_YOUNG
};

static const char *const attr_names[PT_CELEBA_ATTRS] = {
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows",
    "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones",
    "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin",
    "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair",
    "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace",
    "Wearing_Necktie", "Young"};

void pt_synth_celeba_options_init(pt_synth_celeba_options *o) {
    o->identities = 50;
    o->images_per_id = 30;
    o->seed = 1;
}

typedef struct {
    int32_t id;
    int nimages;
    double bg[3], skin[3], hair[3], eye[3];
    double cx, cy, rx, ry, eye_dx, eye_y;
    uint8_t a[PT_CELEBA_ATTRS]; /* identity-bound attributes */
} person;

static int bern(pt_rng *r, double p) { return pt_rng_uniform(r) < p; }

static void make_person(person *p, pt_rng *r) {
    uint8_t *a = p->a;
    memset(a, 0, PT_CELEBA_ATTRS);
    for (int c = 0; c < 3; c++) p->bg[c] = 30 + 200 * pt_rng_uniform(r);
    a[A_MALE] = (uint8_t)bern(r, 0.45);
    a[A_YOUNG] = (uint8_t)bern(r, 0.75);
    a[A_PALE] = (uint8_t)bern(r, 0.1);
    double tone = 0.35 + 0.6 * pt_rng_uniform(r);
    if (a[A_PALE]) tone = 1.05;
    p->skin[0] = 120 + 120 * tone;
    p->skin[1] = 80 + 110 * tone;
    p->skin[2] = 60 + 100 * tone;
    int hc = (int)pt_rng_below(r, 5); /* black, blond, brown, gray, red */
    static const double hairs[5][3] = {{25, 20, 20}, {225, 200, 120}, {110, 70, 40}, {170, 170, 175}, {170, 70, 30}};
    if (!a[A_YOUNG] && bern(r, 0.4)) hc = 3;
    if (a[A_YOUNG] && hc == 3) hc = 2;
    for (int c = 0; c < 3; c++) p->hair[c] = hairs[hc][c] + 15 * (pt_rng_uniform(r) - 0.5);
    a[A_BLACK] = hc == 0;
    a[A_BLOND] = hc == 1;
    a[A_BROWN] = hc == 2;
    a[A_GRAY] = hc == 3;
    a[A_BALD] = (uint8_t)(a[A_MALE] && bern(r, 0.12));
    a[A_RECEDING] = (uint8_t)(!a[A_BALD] && bern(r, a[A_MALE] ? 0.2 : 0.04));
    a[A_WAVY] = (uint8_t)(!a[A_BALD] && bern(r, 0.35));
    a[A_STRAIGHT] = (uint8_t)(!a[A_BALD] && !a[A_WAVY] && bern(r, 0.35));
    a[A_CHUBBY] = (uint8_t)bern(r, 0.08);
    a[A_DOUBLE_CHIN] = (uint8_t)(bern(r, a[A_CHUBBY] ? 0.6 : 0.03));
    a[A_OVAL] = (uint8_t)(!a[A_CHUBBY] && bern(r, 0.3));
    a[A_BIG_NOSE] = (uint8_t)bern(r, 0.25);
    a[A_POINTY_NOSE] = (uint8_t)(!a[A_BIG_NOSE] && bern(r, 0.3));
    a[A_BIG_LIPS] = (uint8_t)bern(r, 0.25);
    a[A_NARROW_EYES] = (uint8_t)bern(r, 0.12);
    a[A_ARCHED] = (uint8_t)bern(r, a[A_MALE] ? 0.1 : 0.45);
    a[A_BUSHY] = (uint8_t)(!a[A_ARCHED] && bern(r, 0.25));
    a[A_CHEEKBONES] = (uint8_t)bern(r, 0.45);
    a[A_ATTRACTIVE] = (uint8_t)bern(r, a[A_YOUNG] ? 0.6 : 0.2);
    a[A_BAGS] = (uint8_t)bern(r, a[A_YOUNG] ? 0.12 : 0.5);
    if (a[A_MALE]) {
        a[A_GOATEE] = (uint8_t)bern(r, 0.15);
        a[A_MUSTACHE] = (uint8_t)bern(r, 0.12);
        a[A_SIDEBURNS] = (uint8_t)(!a[A_BALD] && bern(r, 0.15));
    }
    p->cx = 89 + 6 * (pt_rng_uniform(r) - 0.5);
    p->cy = 122 + 8 * (pt_rng_uniform(r) - 0.5);
    p->rx = 40 + 8 * pt_rng_uniform(r) + (a[A_CHUBBY] ? 8 : 0) - (a[A_OVAL] ? 4 : 0);
    p->ry = 52 + 8 * pt_rng_uniform(r) + (a[A_OVAL] ? 6 : 0);
    p->eye_dx = 15 + 6 * pt_rng_uniform(r);
    p->eye_y = -12 - 6 * pt_rng_uniform(r);
    for (int c = 0; c < 3; c++) p->eye[c] = 20 + 120 * pt_rng_uniform(r);
}

/* per-image attributes on top of the person's */
static void image_attrs(const person *p, uint8_t *a, pt_rng *r) {
    memcpy(a, p->a, PT_CELEBA_ATTRS);
    int male = a[A_MALE];
    a[A_SMILING] = (uint8_t)bern(r, 0.48);
    a[A_MOUTH_OPEN] = (uint8_t)bern(r, a[A_SMILING] ? 0.7 : 0.25);
    a[A_GLASSES] = (uint8_t)bern(r, 0.1);
    a[A_HAT] = (uint8_t)bern(r, 0.07);
    a[A_BANGS] = (uint8_t)(!a[A_BALD] && !a[A_HAT] && bern(r, 0.18));
    a[A_MAKEUP] = (uint8_t)(!male && bern(r, 0.6));
    a[A_LIPSTICK] = (uint8_t)(!male && bern(r, 0.75));
    a[A_EARRINGS] = (uint8_t)(!male && bern(r, 0.35));
    a[A_NECKLACE] = (uint8_t)(!male && bern(r, 0.22));
    a[A_NECKTIE] = (uint8_t)(male && bern(r, 0.15));
    a[A_BLURRY] = (uint8_t)bern(r, 0.05);
    a[A_ROSY] = (uint8_t)(!male && bern(r, 0.12));
    a[A_SHADOW] = (uint8_t)(male && !a[A_GOATEE] && bern(r, 0.25));
    a[A_NO_BEARD] = (uint8_t)!(a[A_GOATEE] || a[A_MUSTACHE] || a[A_SHADOW]);
}

static double sq(double x) { return x * x; }

static void set(double *px, const double *c) {
    px[0] = c[0];
    px[1] = c[1];
    px[2] = c[2];
}

static const double black[3] = {15, 15, 15}, white[3] = {235, 235, 235}, red[3] = {190, 20, 40},
                    gold[3] = {230, 190, 40}, pink[3] = {235, 120, 130}, shadow[3] = {90, 80, 75},
                    tie[3] = {30, 40, 120}, hat[3] = {60, 90, 60}, purple[3] = {130, 60, 140};

/* Eyes, brows, bags, makeup and glasses at pixel (x, y) of a face centred at (cx, cy). */
static void paint_eyes(double *px, const person *p, const uint8_t *a, int x, int y, double cx, double cy) {
    for (int s = -1; s <= 1; s += 2) {
        double ex = cx + s * p->eye_dx, ey = cy + p->eye_y;
        double erx = 7, ery = a[A_NARROW_EYES] ? 1.8 : 3.8;
        double e = sq((x - ex) / erx) + sq((y - ey) / ery);
        if (a[A_MAKEUP] && sq((x - ex) / 10) + sq((y - ey + 3) / 6) < 1) set(px, purple);
        if (e < 1) set(px, white);
        if (sq(x - ex) + sq(y - ey) < sq(ery * 0.9)) set(px, p->eye);
        if (a[A_BAGS] && fabs(sq((x - ex) / 7) + sq((y - ey - 4) / 3) - 1) < 0.2 && y > ey + 4) set(px, shadow);
        double by = ey - 8 - (a[A_ARCHED] ? 4 * (1 - sq((x - ex) / 9)) : 0);
        if (fabs(x - ex) < 9 && fabs(y - by) < (a[A_BUSHY] ? 2.6 : 1.2)) set(px, p->hair[0] < 60 ? black : p->hair);
        if (a[A_GLASSES]) {
            double gd = sq((x - ex) / 11) + sq((y - ey) / 8);
            if (gd < 1 && gd > 0.72) set(px, black);
            if (s == 1 && fabs(y - ey) < 1.2 && fabs(x - cx) < p->eye_dx - 10) set(px, black);
        }
    }
}

/* The mouth at pixel (x, y): lips (and teeth or an opening) around row my. */
static void paint_mouth(double *px, const person *p, const uint8_t *a, int x, int y, double cx, double my) {
    double mw = a[A_SMILING] ? 17 : 12, lip = a[A_BIG_LIPS] ? 3.2 : 1.8;
    double curve = a[A_SMILING] ? -7 * (1 - sq((x - cx) / mw)) : 0;
    if (fabs(x - cx) < mw) {
        double yy = my - curve;
        double lipc[3] = {p->skin[0] * 0.7, p->skin[1] * 0.45, p->skin[2] * 0.45};
        if (a[A_MOUTH_OPEN] && y > yy - 3 - (a[A_SMILING] ? 3 : 0) && y < yy + 3) set(px, a[A_SMILING] ? white : black);
        if (fabs(y - (yy - 3 - (a[A_MOUTH_OPEN] ? 1 : 0))) < lip * 0.6 || fabs(y - (yy + 3)) < lip * 0.6)
            set(px, a[A_LIPSTICK] ? red : lipc);
        if (!a[A_MOUTH_OPEN] && fabs(y - yy) < lip) set(px, a[A_LIPSTICK] ? red : lipc);
    }
}

/* A 7x7 box blur of f (H x W x 3); frees f, returns the blurred copy. */
static double *blur(double *f) {
    const int W = PT_CELEBA_SRC_W, H = PT_CELEBA_SRC_H;
    double *g = malloc(sizeof(double) * 3 * W * H);
    if (!g) abort();
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                double s = 0;
                int n = 0;
                for (int k = -3; k <= 3; k++)
                    for (int l = -3; l <= 3; l++) {
                        int yy = y + k, xx = x + l;
                        if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                        s += f[3 * (yy * W + xx) + c];
                        n++;
                    }
                g[3 * (y * W + x) + c] = s / n;
            }
    free(f);
    return g;
}

static void render(const person *p, const uint8_t *a, pt_rng *r, uint8_t *img) {
    const int W = PT_CELEBA_SRC_W, H = PT_CELEBA_SRC_H;
    double dx = 8 * (pt_rng_uniform(r) - 0.5), dy = 8 * (pt_rng_uniform(r) - 0.5);
    double light = 0.85 + 0.3 * pt_rng_uniform(r);
    double cx = p->cx + dx, cy = p->cy + dy, rx = p->rx, ry = p->ry;
    double hairline = cy - ry * (a[A_RECEDING] ? 0.55 : 0.75);
    double stubble[3];
    for (int c = 0; c < 3; c++) stubble[c] = p->skin[c] * 0.6;
    double *f = malloc(sizeof(double) * 3 * W * H);
    if (!f) abort();
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double *px = f + 3 * (y * W + x);
            set(px, p->bg);
            double u = (x - cx) / rx, v = (y - cy) / ry;
            double face = u * u + v * v;
            /* body and neck */
            if (y > cy + ry * 0.8 && fabs(x - cx) < rx * 0.45) set(px, p->skin);
            if (y > cy + ry * 1.25) {
                double body[3] = {p->bg[2] * 0.5 + 40, p->bg[0] * 0.3 + 50, p->bg[1] * 0.4 + 60};
                if (fabs(x - cx) < rx * 1.8) set(px, body);
                if (a[A_NECKTIE] && fabs(x - cx) < 8 - (y - cy - ry * 1.25) * 0.05) set(px, tie);
            }
            /* long hair behind the face (not men, not bald) */
            if (!a[A_BALD] && !a[A_MALE]) {
                double wav = a[A_WAVY] ? 5 * sin(y * 0.25) : 0;
                if (fabs(x - cx) < rx * 1.3 + wav && y > cy - ry * 1.1 && y < cy + ry * 1.3) set(px, p->hair);
            }
            /* hair cap */
            if (!a[A_BALD]) {
                double wav = a[A_WAVY] ? 4 * sin(x * 0.3) : 0;
                if (sq((x - cx) / (rx * 1.12)) + sq((y - cy) / (ry * 1.08)) < 1 && y < hairline + wav) set(px, p->hair);
            }
            if (a[A_NECKLACE] && fabs(sq((x - cx) / (rx * 0.5)) + sq((y - cy - ry * 1.05) / (ry * 0.3)) - 1) < 0.12 &&
                y > cy + ry * 1.05)
                set(px, gold);
            if (face < 1 && y >= hairline) set(px, p->skin);
            if (a[A_BALD] && face < 1) set(px, p->skin);
            if (a[A_DOUBLE_CHIN] && fabs(sq(u / 0.6) + sq((y - cy - ry * 0.95) / (ry * 0.15)) - 1) < 0.15) set(px, shadow);
            if (face >= 1) {
                if (a[A_EARRINGS] && sq(fabs(x - cx) - rx - 1) + sq(y - cy - 8) < 10) set(px, gold);
                if (a[A_SIDEBURNS] && fabs(x - cx) > rx * 0.85 && fabs(x - cx) < rx * 1.05 && y > cy - ry * 0.4 && y < cy + ry * 0.2)
                    set(px, p->hair);
                continue;
            }
            if (a[A_SIDEBURNS] && fabs(u) > 0.82 && v > -0.4 && v < 0.2) set(px, p->hair);
            /* bangs over the forehead */
            if (a[A_BANGS] && y < cy + p->eye_y - 10 && y > hairline - 5) set(px, p->hair);
            /* wrinkles when not young */
            if (!a[A_YOUNG] && (int)(y - cy + 200) % 6 == 0 && v > -0.6 && v < -0.45) set(px, shadow);
            if (a[A_CHEEKBONES] && fabs(v - 0.05) < 0.03 && fabs(u) > 0.45 && fabs(u) < 0.8) set(px, shadow);
            if (a[A_ROSY] && sq(fabs(u) - 0.55) + sq(v - 0.2) < 0.02) set(px, pink);
            if (a[A_SHADOW] && v > 0.35 && (((x * 7 + y * 13) % 5) < 2)) set(px, stubble);
            if (a[A_GOATEE] && v > 0.7 && fabs(u) < 0.25) set(px, p->hair);
            /* eyes, brows, bags, makeup, glasses */
            paint_eyes(px, p, a, x, y, cx, cy);
            /* nose */
            double ny = cy + 8, nw = a[A_BIG_NOSE] ? 7 : 4.5;
            if (a[A_POINTY_NOSE]) {
                if (y > ny - 12 && y < ny + 2 && fabs(x - cx) < (y - ny + 12) * 0.35) set(px, shadow);
            } else if (sq((x - cx) / nw) + sq((y - ny) / (nw * 0.8)) < 1) {
                set(px, shadow);
            }
            paint_mouth(px, p, a, x, y, cx, cy + ry * 0.5);
            if (a[A_MUSTACHE] && fabs(x - cx) < 14 && y > cy + ry * 0.5 - 9 && y < cy + ry * 0.5 - 5) set(px, p->hair);
        }
    /* hat over everything at the top */
    if (a[A_HAT])
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (y < cy - ry * 0.55 && y > cy - ry * 1.35 && fabs(x - cx) < rx * 1.25) set(f + 3 * (y * W + x), hat);
    if (a[A_BLURRY]) f = blur(f);
    double noise = a[A_ATTRACTIVE] ? 3 : 9;
    for (int i = 0; i < W * H * 3; i++) {
        double v = f[i] * light + noise * (pt_rng_uniform(r) - 0.5) * 2;
        img[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
    }
    free(f);
}

static int write_text(const char *path, const char *text, size_t n, char *err, size_t errlen) {
    pt_atomic_file af;
    if (pt_atomic_open(&af, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fwrite(text, 1, n, af.f);
    if (pt_atomic_commit(&af) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->n + (size_t)k + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) abort();
        b->p = np;
        b->cap = cap;
    }
}

/* The people: distinct CelebA-like ids (from r); the first 40 get images_per_id images,
 * the rest fewer. Returns the images in all. */
static int64_t make_people(const pt_synth_celeba_options *o, pt_rng *rr, person *people, int np) {
    int64_t total = 0;
    pt_rng r = *rr;
    for (int i = 0; i < np; i++) {
        int32_t id;
        int dup;
        do {
            id = 1 + (int32_t)pt_rng_below(&r, 10177);
            dup = 0;
            for (int j = 0; j < i; j++) dup |= people[j].id == id;
        } while (dup);
        people[i].id = id;
        people[i].nimages = i < PT_CELEBA_IDENTITIES ? o->images_per_id
                                                     : 1 + (int)pt_rng_below(&r, (uint64_t)(o->images_per_id > 1 ? o->images_per_id - 1 : 1));
        if (people[i].nimages >= o->images_per_id && i >= PT_CELEBA_IDENTITIES) people[i].nimages = o->images_per_id - 1;
        if (people[i].nimages < 1) people[i].nimages = 1;
        pt_rng pr;
        pt_rng_seed(&pr, o->seed, 0x9e0000ull + (uint64_t)id);
        make_person(&people[i], &pr);
        total += people[i].nimages;
    }
    *rr = r;
    return total;
}

/* Encodes img as DIR/img_align_celeba/NAME (JPEG quality 90). 0, or -1 with err. */
static int write_jpeg(tjhandle tj, const uint8_t *img, const char *dir, const char *name, char *err, size_t errlen) {
    unsigned char *jpg = NULL;
    unsigned long jlen = 0;
    int rc;
    if (tjCompress2(tj, img, PT_CELEBA_SRC_W, 0, PT_CELEBA_SRC_H, TJPF_RGB, &jpg, &jlen, TJSAMP_420, 90, 0) != 0) {
        snprintf(err, errlen, "%s: JPEG encoding failed: %s", name, tjGetErrorStr2(tj));
        rc = -1;
    } else {
        char p[4200];
        snprintf(p, sizeof p, "%s/img_align_celeba/%s", dir, name);
        rc = write_text(p, (const char *)jpg, jlen, err, errlen);
    }
    tjFree(jpg);
    return rc;
}

int pt_synth_celeba(const char *dir, const pt_synth_celeba_options *o, char *err, size_t errlen) {
    if (o->identities < PT_CELEBA_IDENTITIES || o->identities > 10177 || o->images_per_id < 1) {
        snprintf(err, errlen, "synth celeba: identities must be 40..10177 and images per id at least 1");
        return -1;
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/img_align_celeba", dir);
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || (mkdir(p, 0755) != 0 && errno != EEXIST)) {
        snprintf(err, errlen, "%s: %s", p, strerror(errno));
        return -1;
    }
    int np = o->identities;
    person *people = calloc((size_t)np, sizeof *people);
    pt_rng r;
    pt_rng_seed(&r, o->seed, 0xce1eba);
    int64_t total = make_people(o, &r, people, np);
    /* images in a shuffled order, numbered 1..total */
    int32_t *owner = malloc((size_t)total * sizeof *owner);
    int64_t k = 0;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < people[i].nimages; j++) owner[k++] = i;
    for (int64_t i = total - 1; i > 0; i--) {
        int64_t j = (int64_t)pt_rng_below(&r, (uint64_t)i + 1);
        int32_t t = owner[i];
        owner[i] = owner[j];
        owner[j] = t;
    }
    sbuf attrs = {0}, ids = {0}, parts = {0};
    sb_printf(&attrs, "%lld\n", (long long)total);
    for (int a = 0; a < PT_CELEBA_ATTRS; a++) sb_printf(&attrs, "%s ", attr_names[a]);
    sb_printf(&attrs, "\n");
    tjhandle tj = tjInitCompress();
    uint8_t *img = malloc((size_t)PT_CELEBA_SRC_W * PT_CELEBA_SRC_H * 3);
    int rc = 0;
    for (int64_t n = 0; n < total && !rc; n++) {
        const person *pe = &people[owner[n]];
        pt_rng ir;
        pt_rng_seed(&ir, o->seed, 0x1a6e000000ull + (uint64_t)n);
        uint8_t a[PT_CELEBA_ATTRS];
        image_attrs(pe, a, &ir);
        render(pe, a, &ir, img);
        char name[32];
        snprintf(name, sizeof name, "%06lld.jpg", (long long)(n + 1));
        rc = write_jpeg(tj, img, dir, name, err, errlen);
        sb_printf(&attrs, "%s", name);
        for (int j = 0; j < PT_CELEBA_ATTRS; j++) sb_printf(&attrs, " %2d", a[j] ? 1 : -1);
        sb_printf(&attrs, "\n");
        sb_printf(&ids, "%s %d\n", name, pe->id);
        /* the official partition keeps identities apart: by identity, 80/10/10 */
        int part = owner[n] % 10 == 8 ? 1 : owner[n] % 10 == 9 ? 2 : 0;
        sb_printf(&parts, "%s %d\n", name, part);
    }
    if (!rc) {
        snprintf(p, sizeof p, "%s/list_attr_celeba.txt", dir);
        rc = write_text(p, attrs.p, attrs.n, err, errlen);
    }
    if (!rc) {
        snprintf(p, sizeof p, "%s/identity_CelebA.txt", dir);
        rc = write_text(p, ids.p, ids.n, err, errlen);
    }
    if (!rc) {
        snprintf(p, sizeof p, "%s/list_eval_partition.txt", dir);
        rc = write_text(p, parts.p, parts.n, err, errlen);
    }
    tjDestroy(tj);
    free(img);
    free(attrs.p);
    free(ids.p);
    free(parts.p);
    free(owner);
    free(people);
    return rc;
}
