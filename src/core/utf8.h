/* UTF-8 validity and length in code points (Unicode Table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF, no stray continuation bytes, no truncation). */
#ifndef LG_UTF8_H
#define LG_UTF8_H

#include <stddef.h>

/* Returns the end of the well-formed sequence that starts at p (*p >= 0x80, p < end), or
 * NULL if there is none. Inline: the JSON codec calls it for every non-ASCII character. */
static inline const unsigned char *lg_utf8_next(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0], lo = 0x80, hi = 0xBF;
  if (c < 0xC2 || c > 0xF4) return NULL;
  if (c < 0xE0) {
    if (end - p < 2 || (p[1] & 0xC0) != 0x80) return NULL;
    return p + 2;
  }
  if (c == 0xE0 || c == 0xF0) lo = c == 0xE0 ? 0xA0 : 0x90;        /* overlongs */
  else if (c == 0xED || c == 0xF4) hi = c == 0xED ? 0x9F : 0x8F;   /* surrogates, > U+10FFFF */
  if (c < 0xF0) {
    if (end - p < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return NULL;
    return p + 3;
  }
  if (end - p < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
    return NULL;
  return p + 4;
}

/* Returns the number of code points in s[0..len), or -1 if s is not valid UTF-8. */
long lg_utf8_len(const char *s, size_t len);

#endif
