/* marks.h -- one line of the marks FIFO of `powertrain measure` (POWERTRAIN_MARKS):
 * `epoch_end [N]` ends an epoch (N its number), `phase NAME` begins a phase. Blanks
 * around the line and between the word and its argument are ignored. */
#ifndef PT_METER_MARKS_H
#define PT_METER_MARKS_H

typedef enum {
    PT_MARK_BLANK = 0,     /* an empty or blank line: ignored */
    PT_MARK_EPOCH_END = 1, /* `epoch_end` or `epoch_end N` */
    PT_MARK_PHASE = 2,     /* `phase NAME` */
    PT_MARK_UNKNOWN = 3    /* anything else (measure warns once and ignores it) */
} pt_mark_kind;

typedef struct {
    pt_mark_kind kind;
    long epoch;       /* EPOCH_END: N, or 0 when absent, not an integer, negative or over INT_MAX */
    const char *text; /* PHASE: the name; UNKNOWN: the trimmed line; both point into line */
} pt_mark;

/* Parses one line (without its '\n'), trimming it in place. Returns m->kind. */
pt_mark_kind pt_marks_parse_line(char *line, pt_mark *m);

#endif
