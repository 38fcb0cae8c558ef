/* registry.c -- the data set table and look-ups. To add a data set: its entry file
 * (see fmnist_entry.c) and one line below. */
#include "data/registry.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

extern const pt_data_entry pt_data_pamap2, pt_data_celeba, pt_data_fmnist;

/* The order of `data info --help` and the error messages. */
static const pt_data_entry *const entries[] = {
    &pt_data_pamap2,
    &pt_data_celeba,
    &pt_data_fmnist,
};

int pt_data_count(void) { return (int)(sizeof entries / sizeof entries[0]); }

const pt_data_entry *pt_data_at(int i) { return i >= 0 && i < pt_data_count() ? entries[i] : NULL; }

const pt_data_entry *pt_data_find(const char *name) {
    for (int i = 0; i < pt_data_count(); i++)
        if (!strcmp(entries[i]->name, name)) return entries[i];
    return NULL;
}

const pt_data_entry *pt_data_find_task(const char *name, const pt_data_task **task) {
    for (int i = 0; i < pt_data_count(); i++)
        for (int t = 0; t < entries[i]->ntasks; t++)
            if (!strcmp(entries[i]->tasks[t].name, name)) {
                if (task) *task = &entries[i]->tasks[t];
                return entries[i];
            }
    return NULL;
}

const char *pt_data_names(char *buf, size_t n, const char *sep, const char *last, int synth_only) {
    const char *names[16];
    int k = 0;
    for (int i = 0; i < pt_data_count() && k < 16; i++)
        if (!synth_only || entries[i]->synth) names[k++] = entries[i]->name;
    buf[0] = '\0';
    for (int i = 0; i < k; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i == 0 ? "" : i == k - 1 ? last : sep, names[i]);
    return buf;
}

void pt_data_print_splits(int nclasses, const char *(*name)(int, void *), void *ctx,
                          const pt_dataset *views, int nviews, const char *const *vnames) {
    int64_t counts[3][256] = {{0}}; /* an empty view (no labels) counts 0 */
    assert(nviews >= 1 && nviews <= 3 && nclasses >= 0 && nclasses <= 256);
    printf("%-22s", "class");
    for (int v = 0; v < nviews; v++) {
        pt_dataset_class_counts(&views[v], counts[v]);
        printf(" %9s", vnames[v]);
    }
    printf("\n");
    int64_t tot[3] = {0, 0, 0};
    for (int c = 0; c < nclasses; c++) {
        printf("%-22.22s", name(c, ctx));
        for (int v = 0; v < nviews; v++) {
            printf(" %9lld", (long long)counts[v][c]);
            tot[v] += counts[v][c];
        }
        printf("\n");
    }
    printf("%-22s", "total");
    for (int v = 0; v < nviews; v++) printf(" %9lld", (long long)tot[v]);
    printf("\n");
    if (tot[0] + tot[1] + tot[2] == 0) printf("note      empty: no samples in any split\n");
}
