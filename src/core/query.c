/* Percent-decoding (see query.h). */
#include "core/query.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long lg_url_decode(const char *src, size_t len, char *dst, int plus_is_space) {
  size_t j = 0;
  for (size_t i = 0; i < len; i++) {
    char c = src[i];
    if (c == '%') {
      if (i + 2 >= len) return -1;
      int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
      if (hi < 0 || lo < 0) return -1;
      dst[j++] = (char)(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      dst[j++] = ' ';
    } else {
      dst[j++] = c;
    }
  }
  return (long)j;
}
