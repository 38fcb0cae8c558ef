/* synth.h -- synthetic data sets in the real file formats, deterministic by seed
 * (same options, same bytes) and learnable, read back by the real readers.
 *
 * PAMAP2 (synth_pamap2.c): DIR/Protocol/subject101.dat .. subject1NN.dat, 54 columns at
 * 100 Hz. Each subject performs the 12 protocol activities in the protocol's order,
 * each for about `seconds` (x0.8..1.2), with transient (activity 0) stretches of
 * 0.25..0.75 x `seconds` (at least 1 s) between them. Each activity has its own model: a posture (the gravity direction of
 * each IMU), a movement frequency and per-IMU amplitudes (with a harmonic), gyroscope
 * rates following the movement, a magnetometer field rotated by the posture and a
 * heart-rate level approached with a 20 s lag; subjects vary amplitude (+-15%),
 * frequency (+-8%) and heart rate (+-8 bpm). Sensor noise everywhere; acc6 clips at
 * +-6 g. Missing data as in the real files: heart rate only every 11th row (about
 * 9 Hz), IMU drop-outs (all 17 columns of one IMU NaN) of 1-6 samples (0.3% of rows)
 * and of 20-150 samples (0.01%). The orientation columns hold an arbitrary unit
 * quaternion (invalid in the real release too).
 *
 * CelebA (synth_celeba.c): DIR/img_align_celeba/NNNNNN.jpg (178x218 JPEG, quality 90),
 * list_attr_celeba.txt, identity_CelebA.txt, list_eval_partition.txt. Procedural faces:
 * the identity fixes face shape, skin, eye and hair colours and background; the
 * attributes visibly change the picture (see synth_celeba.c for the 40). */
#ifndef PT_DATA_SYNTH_H
#define PT_DATA_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int subjects;     /* 1..9 (default 9): subject101 .. subject10N */
    double seconds;   /* mean duration of each activity, s (default 20) */
    uint64_t seed;    /* default 1 */
} pt_synth_pamap2_options;

void pt_synth_pamap2_options_init(pt_synth_pamap2_options *o);
/* Writes the files (each atomically); creates DIR and DIR/Protocol. 0, or -1 with err. */
int pt_synth_pamap2(const char *dir, const pt_synth_pamap2_options *o, char *err, size_t errlen);

typedef struct {
    int identities;     /* distinct people (default 50: more than the 40 of the subset) */
    int images_per_id;  /* images of each of the 40 most frequent (default 30) */
    uint64_t seed;      /* default 1 */
} pt_synth_celeba_options;

void pt_synth_celeba_options_init(pt_synth_celeba_options *o);
int pt_synth_celeba(const char *dir, const pt_synth_celeba_options *o, char *err, size_t errlen);

#endif
