/* grow.h -- room for one more item in a dynamic array, by doubling. */
#ifndef PT_UTIL_GROW_H
#define PT_UTIL_GROW_H

#include <stdlib.h>

/* items holds n of *cap entries of elem bytes. When full (n == *cap), grows
 * it to twice *cap (first when empty) and updates *cap. Returns the array,
 * moved or not, or NULL on no memory (items and *cap then unchanged). */
static inline void *pt_grow(void *items, size_t elem, size_t n, size_t *cap, size_t first) {
    if (n < *cap) return items;
    size_t ncap = *cap ? *cap * 2 : first;
    void *p = realloc(items, ncap * elem);
    if (p) *cap = ncap;
    return p;
}

#endif
