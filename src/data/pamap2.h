/* pamap2.h -- PAMAP2 physical activity monitoring (Reiss and Stricker 2012): the text
 * files Protocol/subject101.dat .. subject109.dat (and Optional/), cleaned, cut into
 * sliding windows, split by subject, cached.
 *
 * File format: whitespace-separated, 54 columns a line (CRLF and trailing blanks
 * accepted): 0 timestamp (s), 1 activityID, 2 heart rate (bpm), then three IMUs
 * (hand 3..19, chest 20..36, ankle 37..53) of 17 columns each: temperature (C),
 * 3-D acceleration +-16 g (m/s^2), 3-D acceleration +-6 g, 3-D gyroscope (rad/s),
 * 3-D magnetometer (uT), 4 orientation values (invalid in this release). 100 Hz;
 * "NaN" marks missing values. Activity 0 (transient) is dropped.
 *
 * Default channels (PT_PAMAP2_CHANNELS = 40), in this order: heart rate, then for each
 * IMU in the order hand, chest, ankle: temperature, acc16 x y z, acc6 x y z, gyro x y z,
 * mag x y z -- i.e. every column but timestamp, activity and orientation.
 *
 * NaN policy, applied per file and per activity segment (a run of rows with one
 * activity; a timestamp jump longer than max_gap samples also ends a segment):
 *   - heart rate (about 9 Hz) holds its last reading; rows before the first reading of
 *     a file take that first reading;
 *   - IMU gaps (runs of NaN in a channel) of at most max_gap samples (default 10, 0.1 s)
 *     are linearly interpolated between the neighbouring readings (held at a segment's
 *     edges); longer gaps stay NaN;
 *   - a window with any NaN left in a selected channel is dropped (counted).
 * Windows: window samples (default 128) every step samples (default 64), each inside
 * one segment, so each has exactly one activity.
 * Classes: the 12 protocol activities in the order of pt_pamap2_activities (1 lying,
 * 2 sitting, 3 standing, 4 walking, 5 running, 6 cycling, 7 Nordic walking,
 * 12 ascending stairs, 13 descending stairs, 16 vacuum cleaning, 17 ironing,
 * 24 rope jumping) are classes 0..11; with `optional` the 6 optional activities
 * (9, 10, 11, 18, 19, 20) are classes 12..17 and Optional/ is read too.
 * Split (leave subjects out): validation subject 105, test subject 106, training the
 * rest (Hammerla et al. 2016); when 105 or 106 is absent, the two highest subject
 * numbers present are validation and test. Explicit lists override this.
 * Normalisation: per-channel mean and standard deviation over the training windows.
 * Cache: the windows of one (files, options) pair are written once to
 * CACHE_DIR/pamap2-<key>.bin (key: FNV-1a of the absolute data directory, each file's
 * name, size and mtime, and the options) and mmapped on later loads. CACHE_DIR is
 * options.cache_dir, else $POWERTRAIN_CACHE_DIR, else $XDG_CACHE_HOME/powertrain,
 * else ~/.cache/powertrain; "" disables the cache. */
#ifndef PT_DATA_PAMAP2_H
#define PT_DATA_PAMAP2_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "data/pamap2_parse.h" /* PT_PAMAP2_COLUMNS, pt_pamap2_column_name, the parser */

#define PT_PAMAP2_CHANNELS 40   /* default channels: shape of a window is (128, 40) NWC */
#define PT_PAMAP2_WINDOW 128    /* default window, samples (1.28 s) */
#define PT_PAMAP2_STEP 64       /* default step, samples */
#define PT_PAMAP2_CLASSES 12    /* the protocol activities */
#define PT_PAMAP2_CLASSES_ALL 18 /* with the optional activities */
#define PT_PAMAP2_HZ 100
#define PT_PAMAP2_MAX_GAP 10    /* default longest interpolated IMU gap, samples */
#define PT_PAMAP2_MAX_SUBJECTS 16

/* Activity IDs by class: 12 protocol activities, then 6 optional ones. */
extern const int pt_pamap2_activities[PT_PAMAP2_CLASSES_ALL];
/* "lying", ... "rope jumping"; "transient" for 0; NULL for unknown IDs. */
const char *pt_pamap2_activity_name(int activity_id);
/* Class of an activity ID (-1: not a class, e.g. 0 or optional when !optional). */
int pt_pamap2_activity_class(int activity_id, int optional);

typedef enum { PT_PAMAP2_TRAIN = 0, PT_PAMAP2_VAL = 1, PT_PAMAP2_TEST = 2 } pt_pamap2_split;

typedef struct {
    int window, step;                       /* samples: 128, 64 */
    int nchannels;                          /* 40 */
    int columns[PT_PAMAP2_COLUMNS];         /* the file columns of the channels, in order */
    int max_gap;                            /* 10 */
    int optional;                           /* 0: 12 protocol classes; 1: 18, and Optional/ */
    int nval, ntest;                        /* -1: the default split rule */
    int val_subjects[PT_PAMAP2_MAX_SUBJECTS], test_subjects[PT_PAMAP2_MAX_SUBJECTS];
    const char *cache_dir;                  /* NULL: default; "": no cache */
} pt_pamap2_options;

void pt_pamap2_options_init(pt_pamap2_options *o);
/* Channel list: "default" (the 40), "acc" (the 9 acc16 channels), "imu" (the 39 IMU
 * channels), or comma-separated column names or numbers ("heart_rate,chest_acc16_x,4").
 * 0, or -1 with err. */
int pt_pamap2_set_channels(pt_pamap2_options *o, const char *spec, char *err, size_t errlen);

typedef struct {
    pt_pamap2_options opt;
    int nclasses;
    int window, channels;
    int64_t nwindows;
    const float *series;     /* nrows x channels, cleaned (windows point into it) */
    int64_t nrows;
    const int64_t *offset;   /* per window: element offset of its first sample in series */
    const uint8_t *label;    /* per window: class */
    const uint8_t *subject;  /* per window: subject number - 100 (101 -> 1) */
    int64_t nsplit[3];       /* windows in train, val, test */
    int64_t *split_rows[3];  /* the windows of each split */
    int split_subjects[3][PT_PAMAP2_MAX_SUBJECTS], nsplit_subjects[3];
    float mean[PT_DATA_MAX_CHANNELS], std[PT_DATA_MAX_CHANNELS]; /* from train windows */
    /* what the parse saw (stored in the cache too) */
    int nfiles;
    int64_t lines, transient_rows, dropped_windows, interpolated, bytes;
    char cache_path[4096];   /* "" when uncached */
    int from_cache;          /* 1: this load read the cache, no parsing */
    /* owned memory */
    void *map;
    size_t map_len;
    void *heap[4];
} pt_pamap2;

/* Loads DIR (containing Protocol/ and, with optional, Optional/; or subject*.dat files
 * directly). Errors name the file and line ("DIR/Protocol/subject101.dat:17: expected
 * 54 columns, found 53"). Returns 0, or -1 with err (out empty). */
int pt_pamap2_load(const char *dir, const pt_pamap2_options *o, pt_pamap2 *out, char *err,
                   size_t errlen);
void pt_pamap2_free(pt_pamap2 *p);
/* A view of one split: shape (window, channels) float32 NWC, class labels, normalised
 * with the training statistics. Name "pamap2-train", "pamap2-val", "pamap2-test". */
void pt_pamap2_dataset(const pt_pamap2 *p, pt_pamap2_split split, pt_dataset *ds);

#endif
