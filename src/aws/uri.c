/* Percent-encoding (see uri.h). Uses only libc. */
#include "aws/uri.h"
#include "util/common.h"

int lg_uri_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

int lg_uri_encode(lg_buf *out, const char *s, size_t n, int keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  if (lg_buf_reserve(out, n * 3) != LG_OK) return LG_ERR;   /* worst case: all %XX */
  char *p = out->data + out->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (lg_uri_unreserved(c) || (keep_slash && c == '/')) {
      *p++ = (char)c;
    } else {
      *p++ = '%';
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
    }
  }
  out->len = (size_t)(p - out->data);
  out->data[out->len] = '\0';
  return LG_OK;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int lg_uri_decode(lg_buf *out, const char *s, size_t n) {
  if (lg_buf_reserve(out, n) != LG_OK) return LG_ERR;   /* decoding never grows */
  char *p = out->data + out->len;
  for (size_t i = 0; i < n; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
        (lo = hexval(s[i + 2])) >= 0) {
      *p++ = (char)(hi << 4 | lo);
      i += 2;
    } else {
      *p++ = s[i];
    }
  }
  out->len = (size_t)(p - out->data);
  out->data[out->len] = '\0';
  return LG_OK;
}
