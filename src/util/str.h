/* str.h -- small string helpers: bounded copy, strict number parsing, trimming,
 * shell quoting. */
#ifndef PT_UTIL_STR_H
#define PT_UTIL_STR_H

#include <stddef.h>

/* Copies at most n-1 bytes and always terminates (n > 0). Returns strlen(src). */
size_t pt_strlcpy(char *dst, const char *src, size_t n);
/* Whole-string parses: leading/trailing blanks allowed, nothing else. 0 on success. */
int pt_parse_double(const char *s, double *out);
int pt_parse_long(const char *s, long *out);
int pt_parse_ull(const char *s, unsigned long long *out);
/* Trims blanks and newlines in place; returns s advanced past leading blanks. */
char *pt_trim(char *s);
/* snprintf for messages and notes whose cut output is acceptable; buf may
 * be NULL (or n 0) when the caller wants no message. */
void pt_say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 when s starts with prefix. */
int pt_starts_with(const char *s, const char *prefix);
/* s as one POSIX shell word: in single quotes, each ' written as '\''
 * ("a'b" -> 'a'\''b'). Every byte else is kept as it is, so callers that
 * write the word into a script refuse control characters first
 * (pt_find_control). Copies at most n-1 bytes and always terminates (n > 0);
 * returns the quoted length (as pt_strlcpy: >= n means it was cut; out may
 * be NULL when n is 0, to measure). */
size_t pt_shell_quote(char *out, size_t n, const char *s);
/* The first control character of s (a byte < 0x20, or 0x7f), or NULL. */
const char *pt_find_control(const char *s);

#endif
