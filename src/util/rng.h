/* rng.h -- the project's one home for deterministic random numbers:
 * splitmix64 (and its finaliser pt_mix64) for seeding and hashing, xoshiro256**
 * for streams. Integer-only state, so the same seed gives the same stream on
 * every machine. */
#ifndef PT_UTIL_RNG_H
#define PT_UTIL_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} pt_rng;

/* splitmix64's output function: a bijective 64-bit mix (hash of a counter). */
static inline uint64_t pt_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* splitmix64: advances *x by the golden-ratio step and mixes it. */
static inline uint64_t pt_splitmix64(uint64_t *x) { return pt_mix64(*x += 0x9E3779B97F4A7C15ull); }

/* Seeds from (seed, stream): different streams of one seed are independent. */
static inline void pt_rng_seed(pt_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++) r->s[i] = pt_splitmix64(&x);
}

static inline uint64_t pt_rng_next(pt_rng *r) {
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

/* Uniform in [0, n) without modulo bias (n > 0). */
static inline uint64_t pt_rng_below(pt_rng *r, uint64_t n) {
    uint64_t lim = -n % n; /* 2^64 mod n */
    for (;;) {
        uint64_t v = pt_rng_next(r);
        if (v >= lim) return v % n;
    }
}

/* Uniform double in [0, 1). */
static inline double pt_rng_uniform(pt_rng *r) {
    return (double)(pt_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box-Muller, one value per call). */
static inline double pt_rng_normal(pt_rng *r) {
    double u = pt_rng_uniform(r), v = pt_rng_uniform(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
