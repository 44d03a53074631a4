/* UTF-8 counting (see utf8.h). ASCII runs take the fast path, 8 bytes at a time. */
#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

long lg_utf8_len(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  long count = 0;
  while (p < end) {
    if (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        count += 8;
        continue;
      }
    }
    if (*p < 0x80) p++;
    else if ((p = lg_utf8_next(p, end)) == NULL) return -1;
    count++;
  }
  return count;
}
