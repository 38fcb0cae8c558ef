/* test_study_inputs.c -- a study's inputs are checked before its first run,
 * and a study that trains nothing says so: a multitask study with an
 * --encoder-weights file that is not safetensors, or holds no tensor of the
 * model, exits 2 with one line naming the flag and the file and stores
 * nothing; a regime study whose every run fails (its batch exceeds the
 * data) exits 1 with a line saying so, each run's reason (and phase) on
 * stderr; so do a pretrain study (the phases after a failed autoencoder
 * fail for want of its checkpoint) and a `train` whose run failed; --cooldown
 * waits for the power and (fake NVML) for the GPU's temperature.
 * argv[1] is the powertrain binary, argv[2] the fake libnvidia-ml. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char *bin;
static char dir[] = "/tmp/pt-inputs-XXXXXX";
static char db[512];

#include "cli_test.h"

/* A valid safetensors file holding one F32 tensor "not_a_layer.weight" [1]. */
static int write_foreign_safetensors(const char *path) {
    const char hdr[] = "{\"not_a_layer.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    uint64_t n = sizeof hdr - 1;
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(n >> (8 * i));
    float one = 1.0f;
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(len, 1, 8, f) == 8 && fwrite(hdr, 1, n, f) == n && fwrite(&one, 4, 1, f) == 1;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_bad_encoder_weights(const char *celeba) {
    char err[8192], garbage[600], foreign[600];
    snprintf(garbage, sizeof garbage, "%s/garbage.safetensors", dir);
    snprintf(foreign, sizeof foreign, "%s/foreign.safetensors", dir);
    FILE *f = fopen(garbage, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("this is not a safetensors file\n", f);
        fclose(f);
    }
    CHECK(write_foreign_safetensors(foreign) == 0);
    const char *files[2] = {garbage, foreign};
    for (int i = 0; i < 2; i++) {
        snprintf(db, sizeof db, "%s/mt%d.db", dir, i);
        char *args[] = {(char *)bin, "multitask", "--data", (char *)celeba, "--batch-sizes", "4", "--lrs", "0.01",
                        "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--quiet", "--encoder-weights",
                        (char *)files[i], "--db", db, NULL};
        int rc = run(args, err, sizeof err);
        CHECK(rc == 2);
        CHECK_CONTAINS(err, "--encoder-weights");
        CHECK_CONTAINS(err, files[i]);
        CHECK(lines(err) == 1);
        if (rc != 2 || lines(err) != 1) fprintf(stderr, "%s: rc %d: %s\n", files[i], rc, err);
        /* nothing stored: no store, or one without runs or studies */
        CHECK(access(db, F_OK) != 0 || (q1("SELECT count(*) FROM runs") <= 0 && q1("SELECT count(*) FROM studies") <= 0));
    }
}

static void test_all_failed(const char *pamap2) {
    char err[8192];
    snprintf(db, sizeof db, "%s/fail.db", dir);
    /* batch 200 exceeds the data (112 training samples): every run is stored as failed */
    char *args[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes", "200",
                    "--lrs", "0.01,0.001", "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--quiet", "--db",
                    db, NULL};
    int rc = run(args, err, sizeof err);
    CHECK(rc == 1);
    CHECK_CONTAINS(err, "every one of the 2 runs failed");
    CHECK_CONTAINS(err, "failed: batch size 200 exceeds"); /* each run's reason */
    if (rc != 1) fprintf(stderr, "all failed: rc %d: %s\n", rc, err);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'failed'") == 2);
    /* and each run's reason is stored with it (schema 4: runs.end_reason) */
    CHECK(q1("SELECT count(*) FROM runs WHERE end_reason LIKE 'batch size 200 exceeds%112%'") == 2);
    /* a batch far beyond the data is refused as such, before memory is planned for it */
    snprintf(db, sizeof db, "%s/huge.db", dir);
    char *huge[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes", "65536",
                    "--lrs", "0.01", "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--quiet", "--db", db,
                    NULL};
    CHECK(run(huge, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "batch size 65536 exceeds the 112 training samples");
    /* pretrain: the frozen phase fails too (no autoencoder saved); each line names its phase */
    snprintf(db, sizeof db, "%s/pre.db", dir);
    char *pre[] = {(char *)bin, "pretrain", "--data", (char *)pamap2, "--batch-sizes", "200", "--lrs", "0.01",
                   "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--quiet", "--db", db, NULL};
    CHECK(run(pre, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "every one of the 4 runs failed");
    CHECK_CONTAINS(err, "setup 1 repeat 1 (pretrain) failed: batch size 200 exceeds");
    CHECK_CONTAINS(err, "setup 1 repeat 1 (frozen) failed: ");
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'failed'") == 4);
    CHECK(q1("SELECT count(*) FROM runs WHERE phase = 'pretrain' AND end_reason LIKE '%exceeds%'") == 1);
    CHECK(q1("SELECT count(*) FROM runs WHERE end_reason IS NOT NULL AND end_reason != ''") == 4);
    /* train: its one run failed */
    snprintf(db, sizeof db, "%s/train.db", dir);
    char *one[] = {(char *)bin, "train", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-size", "200",
                   "--lr", "0.01", "--max-epochs", "1", "--threads", "1", "--quiet", "--db", db, NULL};
    CHECK(run(one, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "failed: batch size 200 exceeds");
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'failed'") == 1);
    /* one run that trains is no failed study */
    snprintf(db, sizeof db, "%s/mixed.db", dir);
    char *mixed[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes",
                     "16,200", "--lrs", "0.01", "--repeats", "1", "--max-epochs", "1", "--threads", "1", "--quiet",
                     "--db", db, NULL};
    CHECK(run(mixed, err, sizeof err) == 0);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'failed'") == 1);
    /* every run has its end reason: the one that trained stopped at the cap */
    CHECK(q1("SELECT count(*) FROM runs WHERE status != 'failed' AND end_reason LIKE 'epoch cap reached%'") == 1);
    CHECK(q1("SELECT count(*) FROM runs WHERE status = 'failed' AND end_reason LIKE '%exceeds%'") == 1);
    /* a run that never reaches its target: its line says so, never nan */
    snprintf(db, sizeof db, "%s/unreached.db", dir);
    char *low[] = {(char *)bin, "train", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-size", "16",
                   "--lr", "1e-12", "--threshold", "1", "--max-epochs", "1", "--threads", "1", "--quiet", "--db", db,
                   NULL};
    char out[4096];
    CHECK(run_capture(low, 1, out, sizeof out) == 0);
    CHECK_CONTAINS(out, "not_reached after 1 epochs (epoch cap reached below the threshold)");
    CHECK_CONTAINS(out, "target not reached");
    CHECK(!strstr(out, "nan") && !strstr(out, "inf"));
    CHECK(q1("SELECT count(*) FROM runs WHERE end_reason = 'epoch cap reached below the threshold'") == 1);
}

/* --cooldown (issue 18): refused without --idle in one line; with it, the run
 * after a trained one records how long it waited for the power to come back
 * within 5% of idle (at most the given seconds) and the power it reached. */
static void test_cooldown(const char *pamap2) {
    char err[8192];
    snprintf(db, sizeof db, "%s/cool.db", dir);
    char *bad[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes", "16",
                   "--lrs", "0.01", "--repeats", "2", "--max-epochs", "1", "--threads", "1", "--quiet",
                   "--cooldown", "2", "--db", db, NULL};
    CHECK(run(bad, err, sizeof err) == 2);
    CHECK_CONTAINS(err, "--cooldown needs --idle");
    CHECK(lines(err) == 1);
    char *ok[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes", "16",
                  "--lrs", "0.01", "--repeats", "2", "--max-epochs", "1", "--threads", "1", "--quiet",
                  "--idle", "1", "--cooldown", "2", "--db", db, NULL};
    CHECK(run(ok, err, sizeof err) == 0);
    CHECK(q1("SELECT count(*) FROM runs WHERE repeat = 1 AND json_extract(config_json,'$.cooldown_s') IS NULL") == 1);
    CHECK(q1("SELECT count(*) FROM runs WHERE repeat = 2 AND json_extract(config_json,'$.cooldown_s') BETWEEN 0.9 "
             "AND 3 AND json_extract(config_json,'$.cooldown_w') > 0 AND "
             "json_type(config_json,'$.cooled') IN ('true','false')") == 1);
}

/* --cooldown with a GPU (fake NVML, 100 kW so that the CPU's estimate cannot move
 * the power out of 5% of idle): it also waits until the GPU is back within 2 C
 * of its temperature at the study's start, and stores both. The fake's
 * temperatures, one a read: at open 40; then one per 1 s window of the cooldown.
 * temps 40,50,45,42,41: back at the third window (42 <= 40 + 2), about 3 s;
 * temps 40,60: never, the maximum wait (2 s) ends it, not cooled, 60 C stored;
 * no temperature: "unavailable", and the power alone decides. */
static void test_cooldown_gpu(const char *pamap2, const char *fake) {
    static const struct {
        const char *temps, *max_s;
        double start, end, lo_s, hi_s;
        int cooled;
    } cases[3] = {{" temps=40,50,45,42,41", "10", 40, 42, 2.5, 5, 1},
                  {" temps=40,60", "2", 40, 60, 1.5, 3.5, 0},
                  {"", "10", NAN, NAN, 0.5, 2.5, 1}};
    char control[600], err[8192], sql[512];
    snprintf(control, sizeof control, "%s/nvml.control", dir);
    setenv("POWERTRAIN_NVML_LIBRARY", fake, 1);
    setenv("FAKE_NVML_CONTROL", control, 1);
    unsetenv("CUDA_VISIBLE_DEVICES"), unsetenv("SLURM_STEP_GPUS"), unsetenv("SLURM_JOB_GPUS");
    for (int k = 0; k < 3; k++) {
        FILE *f = fopen(control, "w");
        CHECK(f != NULL);
        if (!f) return;
        fprintf(f, "gpu NVIDIA_Fake GPU-11111111-2222-3333-4444-555555555555 00000000:3B:00.0 100000000 ramp%s\n",
                cases[k].temps);
        fclose(f);
        snprintf(db, sizeof db, "%s/coolgpu%d.db", dir, k);
        char *args[] = {(char *)bin, "regime", "--dataset", "pamap2", "--data", (char *)pamap2, "--batch-sizes", "16",
                        "--lrs", "0.01", "--repeats", "2", "--max-epochs", "1", "--threads", "1", "--quiet",
                        "--idle", "1", "--cooldown", (char *)cases[k].max_s, "--db", db, NULL};
        CHECK(run(args, err, sizeof err) == 0);
        const char *r2 = "FROM runs WHERE repeat = 2";
        if (isnan(cases[k].start)) {
            snprintf(sql, sizeof sql, "SELECT count(*) %s AND json_extract(config_json,'$.cooldown_gpu_c[0].start') = "
                     "'unavailable' AND json_extract(config_json,'$.cooldown_gpu_c[0].end') = 'unavailable'", r2);
        } else {
            snprintf(sql, sizeof sql, "SELECT count(*) %s AND json_extract(config_json,'$.cooldown_gpu_c[0].start') = %g "
                     "AND json_extract(config_json,'$.cooldown_gpu_c[0].end') = %g", r2, cases[k].start, cases[k].end);
        }
        CHECK(q1(sql) == 1);
        snprintf(sql, sizeof sql, "SELECT count(*) %s AND json_extract(config_json,'$.cooldown_gpu_c[0].gpu') = 'gpu-0' "
                 "AND json_extract(config_json,'$.cooled') = %d", r2, cases[k].cooled);
        CHECK(q1(sql) == 1);
        snprintf(sql, sizeof sql, "SELECT json_extract(config_json,'$.cooldown_s') %s", r2);
        double waited = q1(sql);
        CHECK(waited >= cases[k].lo_s && waited <= cases[k].hi_s);
        if (!(waited >= cases[k].lo_s && waited <= cases[k].hi_s)) fprintf(stderr, "case %d: waited %g s\n", k, waited);
    }
    unsetenv("POWERTRAIN_NVML_LIBRARY"), unsetenv("FAKE_NVML_CONTROL");
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    bin = argv[1];
    if (!mkdtemp(dir)) return 1;
    char cache[600], pamap2[600], celeba[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("POWERTRAIN_CACHE_DIR", cache, 1);
    snprintf(pamap2, sizeof pamap2, "%s/pamap2", dir);
    snprintf(celeba, sizeof celeba, "%s/celeba", dir);
    char *s1[] = {(char *)bin, "synth", "pamap2", "--out", pamap2, "--subjects", "4", "--seconds", "4",
                   "--difficulty", "0", NULL}; /* the easy set: this tests the machinery, not the data */
    CHECK(run(s1, NULL, 0) == 0);
    char *s2[] = {(char *)bin, "synth", "celeba", "--out", celeba, "--identities", "40", "--images-per-id", "10", NULL};
    CHECK(run(s2, NULL, 0) == 0);
    test_bad_encoder_weights(celeba);
    test_all_failed(pamap2);
    test_cooldown(pamap2);
    test_cooldown_gpu(pamap2, argv[2]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return pt_test_finish("test_study_inputs");
}
