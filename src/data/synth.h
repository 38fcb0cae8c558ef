/* synth.h -- synthetic data sets in the real file formats, deterministic by seed
 * (same options, same bytes) and learnable, read back by the real readers.
 *
 * PAMAP2 (synth_pamap2.c): DIR/Protocol/subject101.dat .. subject1NN.dat, 54 columns at
 * 100 Hz. Each subject performs the 12 protocol activities in the protocol's order,
 * each for about `seconds` (x0.8..1.2), with transient (activity 0) stretches of
 * 0.25..0.75 x `seconds` (at least 1 s) between them. Each activity has its own model: a
 * posture (the gravity direction of each IMU), a movement frequency and per-IMU
 * amplitudes (with a harmonic), gyroscope rates following the movement, a magnetometer
 * field rotated by the posture and a heart-rate level approached with a 20 s lag. Sensor
 * noise everywhere; acc6 clips at +-6 g. Missing data as in the real files: heart rate
 * only every 11th row (about 9 Hz), IMU drop-outs (all 17 columns of one IMU NaN) of 1-6
 * samples and of 20-150 samples. The orientation columns hold an arbitrary unit
 * quaternion (invalid in the real release too).
 *
 * `difficulty` d (0..1, default 1) scales the knobs that make it as hard as the real set
 * (synth_pamap2.c, knobs_at: each knob is its easy value plus d times its excess):
 *   subjects    amplitude +-(15+5d)%, tempo +-(8+12d)%, heart rate +-(8+12d) bpm and its
 *               rise with effort +-30d%; each IMU's placement turned by up to 6d degrees,
 *               per-axis gain (sd 3d%) and offset (sd 0.1d m/s^2); per activity, a style
 *               (per-IMU amplitude sd 10d%, harmonic shape);
 *   overlap     activities that look alike share a base: walking, Nordic walking and
 *               stairs up and down; sitting, standing, ironing and vacuum cleaning;
 *               running and rope jumping -- each keeps (1 - 0.7d) of its difference from
 *               its group's mean (posture, frequency, amplitudes, heart rate);
 *   noise       sensor noise x(1+2d); irregular movement (0.15 s low-pass noise, 40d% of
 *               the amplitude); slow (4 s) amplitude and tempo modulation (sd 20d%);
 *   drift       acc, gyro and magnetometer offsets wander (60 s; sd 0.4d m/s^2, 0.008d
 *               rad/s, 4d uT);
 *   gaps        short drop-outs at 0.3(1+2d)% of rows, long ones at 0.01(1+0.5d)%;
 *   labels      up to 1d s at each end of a transient carry the neighbouring activity's
 *               label (the real annotation is not sample-exact).
 * d = 0 draws no extra random numbers: it writes the bytes of the easy generator (every
 * setup past 0.8 in its first epoch), for tests of the machinery around the data.
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
    double difficulty; /* 0..1 (default 1): 0 the easy set, 1 as hard as the real one */
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
