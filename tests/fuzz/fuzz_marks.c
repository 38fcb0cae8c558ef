/* fuzz_marks.c -- the marks-line parser of `powertrain measure` (src/meter/marks.c):
 * the input cut into lines at '\n' as measure's line splitter does, each line parsed
 * from its own exact-size heap copy (an overread is an ASan error), and the result
 * checked: an epoch number >= 0, val_acc/val_loss only on epoch_end, a phase name non-empty and trimmed inside the line. */
#include <ctype.h>
#include <math.h>

#include "meter/marks.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const uint8_t *p, size_t n) {
    char *line = malloc(n + 1);
    if (!line) abort();
    memcpy(line, p, n);
    line[n] = '\0';
    size_t len = strlen(line); /* a NUL in the line ends it, as for measure */
    pt_mark m;
    pt_mark_kind k = pt_marks_parse_line(line, &m);
    if (k != m.kind || m.text < line || m.text > line + len) abort();
    if (k == PT_MARK_EPOCH_END && m.epoch < 0) abort();
    if (k == PT_MARK_PHASE) {
        size_t t = strlen(m.text);
        if (t == 0 || isspace((unsigned char)m.text[0]) || isspace((unsigned char)m.text[t - 1])) abort();
    }
    if (k != PT_MARK_EPOCH_END && m.epoch != 0) abort();
    /* metrics only on epoch_end; present ones are numbers or +inf (not finite) */
    if (k != PT_MARK_EPOCH_END && (!isnan(m.val_acc) || !isnan(m.val_loss))) abort();
    if (k == PT_MARK_BLANK && *m.text) abort();
    pt_fuzz_note(k == PT_MARK_EPOCH_END ? "epoch_end" : k == PT_MARK_PHASE ? m.text : k == PT_MARK_BLANK ? "blank" : "unknown");
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t start = 0;
    for (size_t i = 0; i <= size; i++)
        if (i == size || data[i] == '\n') {
            if (i > start || i < size) one_line(data + start, i - start);
            start = i + 1;
        }
    return 0;
}
