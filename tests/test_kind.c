/* test_kind.c -- the study kinds' registry (study/kind.h): every kind of
 * the CLI found by its name, an unknown name refused, every entry complete
 * (summary, help that starts with its usage line, a run hook), the kinds
 * that default their dataset and restrict --slurm saying so. */
#include <string.h>

#include "study/kind.h"
#include "test.h"

static void test_found_by_name(void) {
    const char *names[] = {"regime", "tune", "pretrain", "multitask"}; /* the table's order: --help's */
    CHECK(pt_study_kind_count() == 4);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const pt_study_kind *k = pt_study_kind_find(names[i]);
        CHECK(k != NULL);
        if (!k) continue;
        CHECK(!strcmp(k->name, names[i]));
        CHECK(k == pt_study_kind_at((int)i));
    }
    CHECK(pt_study_kind_at(-1) == NULL);
    CHECK(pt_study_kind_at(pt_study_kind_count()) == NULL);
}

static void test_unknown_refused(void) {
    CHECK(pt_study_kind_find("regimes") == NULL);
    CHECK(pt_study_kind_find("train") == NULL); /* one run, not a study kind */
    CHECK(pt_study_kind_find("") == NULL);
    CHECK(pt_study_kind_find(NULL) == NULL);
}

static void test_entries_complete(void) {
    for (int i = 0; i < pt_study_kind_count(); i++) {
        const pt_study_kind *k = pt_study_kind_at(i);
        char usage[64];
        snprintf(usage, sizeof usage, "usage: powertrain %s ", k->name);
        CHECK(k->summary && k->summary[0]);
        CHECK(k->help && !strncmp(k->help, usage, strlen(usage)));
        CHECK(k->help && k->help[strlen(k->help) - 1] == '\n');
        CHECK(k->run != NULL);
        CHECK(!k->slurm_dataset || (k->slurm && k->slurm_dataset_why && strstr(k->slurm_dataset_why, k->slurm_dataset)));
    }
    CHECK(!strcmp(pt_study_kind_find("pretrain")->dataset, "pamap2"));
    CHECK(!strcmp(pt_study_kind_find("multitask")->dataset, "celeba"));
    CHECK(pt_study_kind_find("regime")->dataset == NULL);
    CHECK(pt_study_kind_find("regime")->slurm && !pt_study_kind_find("tune")->slurm);
    CHECK(strstr(pt_study_kind_find("tune")->help, "--space") != NULL);
    CHECK(strstr(pt_study_kind_find("multitask")->help, "--alpha") != NULL);
}

int main(void) {
    test_found_by_name();
    test_unknown_refused();
    test_entries_complete();
    return pt_test_finish("test_kind");
}
