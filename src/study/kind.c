/* kind.c -- the table of study kinds (see kind.h). */
#include "study/kind.h"

#include <string.h>

extern const pt_study_kind pt_kind_regime, pt_kind_pretrain, pt_kind_multitask, pt_kind_tune;

static const pt_study_kind *const kinds[] = {
    &pt_kind_regime,
    &pt_kind_tune,
    &pt_kind_pretrain,
    &pt_kind_multitask,
};

int pt_study_kind_count(void) { return (int)(sizeof kinds / sizeof kinds[0]); }

const pt_study_kind *pt_study_kind_at(int i) { return i >= 0 && i < pt_study_kind_count() ? kinds[i] : NULL; }

const pt_study_kind *pt_study_kind_find(const char *name) {
    for (int i = 0; name && i < pt_study_kind_count(); i++)
        if (!strcmp(kinds[i]->name, name)) return kinds[i];
    return NULL;
}
