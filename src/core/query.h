/* URL query strings and percent-decoding (application/x-www-form-urlencoded rules). */
#ifndef LG_QUERY_H
#define LG_QUERY_H

#include <stddef.h>

/* Decodes %XX escapes (and '+' as space when plus_is_space) from src[0..len) into dst,
 * which must hold len bytes. Returns the decoded length, or -1 on a malformed escape. */
long lg_url_decode(const char *src, size_t len, char *dst, int plus_is_space);

#endif
