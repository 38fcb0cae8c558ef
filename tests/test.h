/* test.h -- a tiny assertion harness for ctest executables.
 * CHECK* record a failure with file:line and continue; a test's main returns
 * pt_test_finish(), non-zero when anything failed (so ctest sees it). */
#ifndef PT_TEST_H
#define PT_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int pt_test_failures;
static int pt_test_checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        pt_test_checks++;                                                             \
        if (!(cond)) {                                                                \
            pt_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

/* |a-b| <= tol_abs + tol_rel*|b| */
#define CHECK_NEAR(a, b, tol_rel, tol_abs)                                                      \
    do {                                                                                        \
        double pt_a_ = (double)(a), pt_b_ = (double)(b);                                        \
        pt_test_checks++;                                                                       \
        if (!(fabs(pt_a_ - pt_b_) <= (tol_abs) + (tol_rel)*fabs(pt_b_))) {                      \
            pt_test_failures++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g\n", __FILE__,       \
                    __LINE__, #a, pt_a_, #b, pt_b_);                                            \
        }                                                                                       \
    } while (0)

#define CHECK_STR(a, b)                                                                      \
    do {                                                                                     \
        const char *pt_a_ = (a), *pt_b_ = (b);                                               \
        pt_test_checks++;                                                                    \
        if (!pt_a_ || !pt_b_ || strcmp(pt_a_, pt_b_) != 0) {                                 \
            pt_test_failures++;                                                              \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s = \"%s\", expected \"%s\"\n",       \
                    __FILE__, __LINE__, #a, pt_a_ ? pt_a_ : "(null)", pt_b_ ? pt_b_ : "(null)"); \
        }                                                                                    \
    } while (0)

/* a contains b */
#define CHECK_CONTAINS(a, b)                                                                   \
    do {                                                                                       \
        const char *pt_a_ = (a), *pt_b_ = (b);                                                 \
        pt_test_checks++;                                                                      \
        if (!pt_a_ || !strstr(pt_a_, pt_b_)) {                                                 \
            pt_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: %s = \"%s\" lacks \"%s\"\n",        \
                    __FILE__, __LINE__, #a, pt_a_ ? pt_a_ : "(null)", pt_b_);                  \
        }                                                                                      \
    } while (0)

static inline int pt_test_finish(const char *name) {
    if (pt_test_checks == 0) {
        fprintf(stderr, "%s: no checks ran\n", name);
        return 1;
    }
    fprintf(stderr, "%s: %d checks, %d failed\n", name, pt_test_checks, pt_test_failures);
    return pt_test_failures ? 1 : 0;
}

#endif
