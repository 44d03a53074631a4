/* Regular expressions for string patterns: PCRE2 (8-bit, UTF), JIT-compiled once.
 *
 * A pattern is compiled when a model is declared and matched on every request, so the
 * compiled code and the match data live together in one lg_regex, reused for every match.
 * An lg_regex is not thread-safe (its match data is shared); lakegate keeps one per Lua
 * state, and each worker thread has its own state.
 * This file's layer: PCRE2 and libc only. */
#ifndef LG_REGEX_H
#define LG_REGEX_H

#include <stddef.h>

typedef struct lg_regex lg_regex;

/* Compiles pattern[0..len) (UTF-8; unanchored search semantics, as JSON Schema and
 * pydantic use). Returns the regex, freed with lg_regex_free, or NULL with a message in
 * err (e.g. "missing closing parenthesis at offset 3"). */
lg_regex *lg_regex_compile(const char *pattern, size_t len, char *err, size_t errlen);

/* Searches s[0..len) for a match. s must be valid UTF-8 when trusted is non-zero (the
 * check is skipped); otherwise invalid UTF-8 never matches.
 * Returns 1 (match), 0 (no match) or LG_ERR (matching failed, e.g. the match limit). */
int lg_regex_search(lg_regex *re, const char *s, size_t len, int trusted);

/* The pattern text the regex was compiled from (NUL-terminated). */
const char *lg_regex_pattern(const lg_regex *re);

/* Frees re; accepts NULL. */
void lg_regex_free(lg_regex *re);

#endif
