/* Growable byte buffer (see buf.h). Uses only libc. */
#include "util/buf.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lg_buf_reserve(lg_buf *b, size_t extra) {
  if (b->cap - b->len > extra) return LG_OK;   /* keeps one byte for the '\0' */
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len <= extra) {
    if (cap > ((size_t)-1) / 2) return LG_ERR;
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (p == NULL) return LG_ERR;
  b->data = p;
  b->cap = cap;
  return LG_OK;
}

int lg_buf_append(lg_buf *b, const void *p, size_t n) {
  if (lg_buf_reserve(b, n) != LG_OK) return LG_ERR;
  if (n > 0) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return LG_OK;
}

int lg_buf_appendc(lg_buf *b, char c) {
  return lg_buf_append(b, &c, 1);
}

int lg_buf_appends(lg_buf *b, const char *s) {
  return lg_buf_append(b, s, strlen(s));
}

int lg_buf_vappendf(lg_buf *b, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  char small[256];
  /* The analyzer loses track of va_copy: `again` and `ap` are both initialized here. */
  int n = vsnprintf(small, sizeof small, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized)
  if (n < 0) { va_end(again); return LG_ERR; }
  if ((size_t)n < sizeof small) {
    va_end(again);
    return lg_buf_append(b, small, (size_t)n);
  }
  if (lg_buf_reserve(b, (size_t)n) != LG_OK) { va_end(again); return LG_ERR; }
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
  va_end(again);
  b->len += (size_t)n;
  return LG_OK;
}

int lg_buf_appendf(lg_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = lg_buf_vappendf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int lg_buf_append_int(lg_buf *b, long long v) {
  char text[24], *p = text + sizeof text;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  return lg_buf_append(b, p, (size_t)(text + sizeof text - p));
}

void lg_buf_reset(lg_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void lg_buf_free(lg_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
