/* marks.h -- one line of the marks FIFO (POWERTRAIN_MARKS) of `powertrain measure`
 * and of the studies' --exec runs: `epoch_end [N] [val_acc=A] [val_loss=L]` ends an
 * epoch (N its number; the metrics in any order, other key=value words ignored),
 * `phase NAME` begins a phase. Blanks around the line and between words are ignored. */
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
    long epoch;       /* EPOCH_END: N, or 0 when absent, not an integer, negative, over INT_MAX
                         or more than one bare word */
    double val_acc;   /* EPOCH_END: A; NAN when absent, INFINITY when given but not a finite number */
    double val_loss;  /* EPOCH_END: L, the same way */
    const char *text; /* PHASE: the name; UNKNOWN: the trimmed line; both point into line */
} pt_mark;

/* Parses one line (without its '\n'), trimming (and, for epoch_end, cutting) it in
 * place. Returns m->kind. */
pt_mark_kind pt_marks_parse_line(char *line, pt_mark *m);

#endif
