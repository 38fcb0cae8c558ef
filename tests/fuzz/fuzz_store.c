/* fuzz_store.c -- pt_store_open_readonly (src/store/store.c) on a file holding
 * arbitrary bytes (a damaged or foreign SQLite file must be refused, not crash). */
#include "store/store.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = pt_fuzz_file("store", ".db", data, size);
    char err[512];
    err[0] = '\0';
    pt_store *st = pt_store_open_readonly(path, err, sizeof err);
    if (st) {
        (void)pt_store_schema_version(st);
        pt_store_close(st);
        pt_fuzz_note(NULL);
    } else if (!err[0]) {
        abort();
    } else {
        pt_fuzz_note(err);
    }
    unlink(path);
    return 0;
}
