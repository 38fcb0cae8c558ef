/* test_marks.c -- the marks-line parser of `powertrain measure` (src/meter/marks.c):
 * which lines end an epoch (and with which number), begin a phase, are blank or are
 * refused as unknown. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "meter/marks.h"
#include "test.h"

/* Parses a copy of text; returns its kind and fills m (text points into buf). */
static pt_mark_kind parse(const char *text, char *buf, size_t n, pt_mark *m) {
    snprintf(buf, n, "%s", text);
    return pt_marks_parse_line(buf, m);
}

static void test_epoch_end(void) {
    static const struct {
        const char *line;
        long epoch;
    } ok[] = {
        {"epoch_end", 0},         {"epoch_end 3", 3},    {"  epoch_end\t7  ", 7}, {"epoch_end\r", 0},
        {"epoch_end 0", 0},       {"epoch_end   12", 12}, {"epoch_end -4", 0},   {"epoch_end x", 0},
        {"epoch_end 3 4", 0},     {"epoch_end 99999999999999999999", 0},     {"epoch_end 2\r", 2},
        {"epoch_end 4294967297", 0}, {"epoch_end 2147483647", 2147483647}, /* never wrapped into an int */
    };
    char buf[128];
    pt_mark m;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        m.epoch = -1;
        CHECK(parse(ok[i].line, buf, sizeof buf, &m) == PT_MARK_EPOCH_END);
        CHECK(m.kind == PT_MARK_EPOCH_END);
        if (m.epoch != ok[i].epoch) fprintf(stderr, "'%s': epoch %ld, expected %ld\n", ok[i].line, m.epoch, ok[i].epoch);
        CHECK(m.epoch == ok[i].epoch);
    }
}

/* The metrics of --exec studies: in any order around N, absent NAN, a value
   that is no finite number INFINITY; other key=value words ignored. */
static void test_metrics(void) {
    static const struct {
        const char *line;
        long epoch;
        double acc, loss; /* -1: NAN expected */
    } ok[] = {
        {"epoch_end 3 val_acc=0.8 val_loss=0.4", 3, 0.8, 0.4},
        {"epoch_end val_loss=1.5 val_acc=0.25 7", 7, 0.25, 1.5},
        {"epoch_end\t2\tval_acc=0.5", 2, 0.5, -1},
        {"epoch_end 4 val_acc=nan", 4, INFINITY, -1},
        {"epoch_end 4 val_acc=inf val_loss=x", 4, INFINITY, INFINITY},
        {"epoch_end 5 lr=0.1 val_acc=0.9", 5, 0.9, -1},
        {"epoch_end val_acc=0.9", 0, 0.9, -1},
        {"epoch_end 5 6 val_acc=0.9", 0, 0.9, -1},
        {"epoch_end 5", 5, -1, -1},
        {"epoch_end 5 val_accuracy=0.9", 5, -1, -1},
    };
    char buf[128];
    pt_mark m;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK(parse(ok[i].line, buf, sizeof buf, &m) == PT_MARK_EPOCH_END);
        if (m.epoch != ok[i].epoch) fprintf(stderr, "'%s': epoch %ld, expected %ld\n", ok[i].line, m.epoch, ok[i].epoch);
        CHECK(m.epoch == ok[i].epoch);
        CHECK(ok[i].acc < 0 ? isnan(m.val_acc) : m.val_acc == ok[i].acc);
        CHECK(ok[i].loss < 0 ? isnan(m.val_loss) : m.val_loss == ok[i].loss);
    }
    CHECK(parse("phase warmup", buf, sizeof buf, &m) == PT_MARK_PHASE);
    CHECK(isnan(m.val_acc) && isnan(m.val_loss));
}

static void test_phase(void) {
    static const struct {
        const char *line, *name;
    } ok[] = {
        {"phase warmup", "warmup"},
        {"\tphase\t fine tune  ", "fine tune"},
        {"phase  x\r", "x"},
        {"phase phase", "phase"},
    };
    char buf[128];
    pt_mark m;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK(parse(ok[i].line, buf, sizeof buf, &m) == PT_MARK_PHASE);
        CHECK_STR(m.text, ok[i].name);
        CHECK(m.text >= buf && m.text < buf + sizeof buf);
    }
}

static void test_blank_and_unknown(void) {
    static const char *const blank[] = {"", " ", "\t\t", "\r", " \r "};
    static const char *const unknown[] = {"epoch", "epoch_end5", "epoch_ends 2", "phase", "phase   ", "phase\r",
                                          "phasewarmup", "PHASE x", "Epoch_end", "epoch_end\v1", "phase\vx",
                                          "# epoch_end", "x epoch_end"};
    char buf[128];
    pt_mark m;
    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++) CHECK(parse(blank[i], buf, sizeof buf, &m) == PT_MARK_BLANK);
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        pt_mark_kind k = parse(unknown[i], buf, sizeof buf, &m);
        if (k != PT_MARK_UNKNOWN) fprintf(stderr, "'%s': kind %d, expected unknown\n", unknown[i], (int)k);
        CHECK(k == PT_MARK_UNKNOWN);
    }
    /* the unknown line comes back trimmed, for measure's warning */
    CHECK(parse("  epochs 3 \r", buf, sizeof buf, &m) == PT_MARK_UNKNOWN);
    CHECK_STR(m.text, "epochs 3");
}

int main(void) {
    test_epoch_end();
    test_metrics();
    test_phase();
    test_blank_and_unknown();
    return pt_test_finish("test_marks");
}
