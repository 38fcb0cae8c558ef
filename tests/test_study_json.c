/* test_study_json.c -- the JSON a study stores (the study's config_json and
 * a multitask run's encoder_weights note) is valid JSON whatever the user's
 * strings hold: a path with a quote, a backslash and a newline comes back
 * unchanged from SQLite's json_extract. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "study/study.h"
#include "test.h"
#include "util/json.h"

/* json_valid(doc) and json_extract(doc, key) as text (into out). */
static int sql_json(const char *doc, const char *key, char *out, size_t n) {
    sqlite3 *db;
    sqlite3_stmt *q;
    int valid = -1;
    out[0] = '\0';
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return -1;
    if (sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_extract(?1, ?2)", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, doc, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) {
            valid = sqlite3_column_int(q, 0);
            const unsigned char *t = sqlite3_column_text(q, 1);
            if (t) snprintf(out, n, "%s", (const char *)t);
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return valid;
}

static const char *nasty = "/data/we\"ights\\trunk\nv2\t\x01.safetensors";

static void test_multitask_note(void) {
    pt_study_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.encoder_weights = nasty;
    cfg.alpha = 0.25f;
    char note[PT_STUDY_NOTE_MAX], doc[PT_STUDY_NOTE_MAX + 2], got[256];
    CHECK(pt_study_multitask_note(&cfg, note, sizeof note) == 0);
    snprintf(doc, sizeof doc, "{%s}", note);
    CHECK(sql_json(doc, "$.encoder_weights", got, sizeof got) == 1);
    CHECK_STR(got, nasty);
    CHECK(sql_json(doc, "$.alpha", got, sizeof got) == 1);
    CHECK_STR(got, "0.25");
    /* too long to record: refused, not cut */
    char tiny[24];
    CHECK(pt_study_multitask_note(&cfg, tiny, sizeof tiny) == -1);
}

static void test_config_json(void) {
    pt_study_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.device = "cpu\"\\\n";
    cfg.model = nasty;
    char json[2048], got[256];
    pt_study_config_json(&cfg, "mlp", json, sizeof json);
    CHECK(sql_json(json, "$.model", got, sizeof got) == 1);
    CHECK_STR(got, nasty);
    CHECK(sql_json(json, "$.device", got, sizeof got) == 1);
    CHECK_STR(got, "cpu\"\\\n");
    CHECK(sql_json(json, "$.optimizer", got, sizeof got) == 1);
    CHECK_STR(got, "sgd"); /* PT_OPTIM_SGD is 0 */
}

/* pt_json_sbuf: quoted and escaped, snprintf-style length, never a cut escape. */
static void test_sbuf(void) {
    char buf[64];
    CHECK(pt_json_sbuf(buf, sizeof buf, "a\"b\\c\nd") == 12);
    CHECK_STR(buf, "\"a\\\"b\\\\c\\nd\"");
    CHECK(pt_json_sbuf(buf, 12, "a\"b\\c\nd") == 12);
    CHECK_STR(buf, "");
    CHECK(pt_json_sbuf(buf, sizeof buf, "") == 2);
    CHECK_STR(buf, "\"\"");
}

int main(void) {
    test_multitask_note();
    test_config_json();
    test_sbuf();
    return pt_test_finish("test_study_json");
}
