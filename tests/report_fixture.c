/* report_fixture.c -- writes a fixture results store for the report shell
 * tests: report_fixture full|failed|empty|other-version|tune|ends PATH. */
#include <stdio.h>
#include <string.h>

#include "report_fixture.h"

int main(int argc, char **argv) {
    static const char *names[] = {"full", "failed", "empty", "other-version", "tune", "ends"};
    if (argc != 3) {
        fprintf(stderr, "usage: report_fixture full|failed|empty|other-version|tune|ends PATH\n");
        return 2;
    }
    for (int i = 0; i < 6; i++)
        if (!strcmp(argv[1], names[i])) {
            char err[512];
            if (fixture_write(argv[2], i, err, sizeof err) != 0) {
                fprintf(stderr, "report_fixture: %s\n", err);
                return 1;
            }
            return 0;
        }
    fprintf(stderr, "report_fixture: unknown fixture '%s'\n", argv[1]);
    return 2;
}
