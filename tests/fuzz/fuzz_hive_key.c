/* libFuzzer target for the Hive escaping of partition values (lake/key.c). The input is a
 * partition value (any bytes). Besides memory errors (ASan/UBSan), it checks properties
 * that must hold for any value:
 *   - escaping succeeds exactly when lg_key_value_fits says so, and then writes at most
 *     LG_PARTITION_VALUE_MAX bytes; a refusal leaves the buffer as it was;
 *   - the escaped text is valid UTF-8 (S3 keys are UTF-8) with no '/' (it would add a
 *     directory level) and no control character (C0, DEL or C1); every '%' starts an
 *     escape of two uppercase hex digits;
 *   - Hive's unescaping (FileUtils.unescapePathName, which Athena follows: each "%XX"
 *     becomes the character U+00XX) gives back the value (a byte that is not UTF-8 comes
 *     back as U+00XX: Java strings cannot hold it);
 *   - a null or empty value is Hive's default partition. */
#include "core/utf8.h"
#include "lake/key.h"
#include "util/buf.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *value, size_t size, const lg_buf *escaped) {
  fprintf(stderr, "property violated: %s\nvalue (%zu bytes):", what, size);
  for (size_t i = 0; i < size && i < 300; i++) fprintf(stderr, " %02x", value[i]);
  fprintf(stderr, "\nescaped: %s\n", escaped->data ? escaped->data : "(nothing)");
  abort();
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* The code point of the UTF-8 sequence at p (valid, ending at next). */
static unsigned code_point(const unsigned char *p, const unsigned char *next) {
  size_t n = (size_t)(next - p);
  unsigned cp = n == 2 ? p[0] & 0x1Fu : n == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
  for (size_t i = 1; i < n; i++) cp = cp << 6 | (p[i] & 0x3Fu);
  return cp;
}

/* Appends code point cp (< 0x800) as UTF-8. */
static void append_utf8(lg_buf *b, unsigned cp) {
  if (cp < 0x80) {
    lg_buf_appendc(b, (char)cp);
  } else {
    lg_buf_appendc(b, (char)(0xC0 | cp >> 6));
    lg_buf_appendc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

/* Hive's FileUtils.unescapePathName over the UTF-8 text s, re-encoded as UTF-8: "%XX" with
 * two hex digits (and at least two characters after the '%') becomes U+00XX. */
static void hive_unescape(lg_buf *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n) {
      int hi = hex_digit((unsigned char)s[i + 1]), lo = hex_digit((unsigned char)s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        append_utf8(out, (unsigned)(hi << 4 | lo));
        i += 2;
        continue;
      }
    }
    lg_buf_appendc(out, s[i]);
  }
}

/* What Hive's unescaping must give for value: the value itself when it is UTF-8; a byte
 * that is not part of a UTF-8 sequence can only come back as U+00XX (Java strings hold
 * characters, not bytes). */
static void as_hive_reads(lg_buf *out, const uint8_t *value, size_t size) {
  const unsigned char *p = value, *end = value + size;
  while (p < end) {
    const unsigned char *next = *p < 0x80 ? p + 1 : lg_utf8_next(p, end);
    if (next == NULL) {
      append_utf8(out, *p++);
    } else {
      lg_buf_append(out, p, (size_t)(next - p));
      p = next;
    }
  }
}

/* The escaped text: UTF-8, no '/', no control character, well-formed escapes. */
static void check_charset(const uint8_t *value, size_t size, const lg_buf *e) {
  const unsigned char *p = (const unsigned char *)e->data, *end = p + e->len;
  while (p < end) {
    if (*p >= 0x80) {
      const unsigned char *next = lg_utf8_next(p, end);
      if (next == NULL) fail("the escaped value is UTF-8", value, size, e);
      unsigned cp = code_point(p, next);
      if (cp >= 0x80 && cp <= 0x9F) fail("no C1 control character", value, size, e);
      p = next;
      continue;
    }
    if (*p < 0x20 || *p == 0x7F) fail("no C0 control character or DEL", value, size, e);
    if (*p == '/') fail("no '/'", value, size, e);
    if (*p == '%') {
      if (end - p < 3 || hex_digit(p[1]) < 0 || hex_digit(p[2]) < 0 || p[1] > 'F' || p[2] > 'F')
        fail("'%' starts %XX with uppercase hex digits", value, size, e);
      p += 3;
      continue;
    }
    p++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *value = (const char *)data;
  lg_buf e = LG_BUF_INIT;
  lg_buf_appends(&e, "k=");   /* escaping appends: what is already there stays */
  int fits = lg_key_value_fits(value, size);
  int rc = lg_key_escape_value(&e, value, size);
  if ((rc == LG_OK) != fits) fail("escaping succeeds exactly when the value fits", data, size, &e);
  if (e.len < 2 || memcmp(e.data, "k=", 2) != 0) fail("the buffer's start stays", data, size, &e);
  if (rc != LG_OK) {
    if (e.len != 2) fail("a refusal appends nothing", data, size, &e);
    lg_buf_free(&e);
    return 0;
  }
  lg_buf escaped = LG_BUF_INIT;
  lg_buf_append(&escaped, e.data + 2, e.len - 2);
  lg_buf_free(&e);
  if (escaped.len == 0 || escaped.len > LG_PARTITION_VALUE_MAX)
    fail("the escaped value has 1..LG_PARTITION_VALUE_MAX bytes", data, size, &escaped);
  check_charset(data, size, &escaped);
  if (size == 0) {
    if (strcmp(escaped.data, LG_HIVE_DEFAULT_PARTITION) != 0)
      fail("an empty value is the default partition", data, size, &escaped);
  } else {
    lg_buf back = LG_BUF_INIT, expected = LG_BUF_INIT;
    hive_unescape(&back, escaped.data, escaped.len);
    as_hive_reads(&expected, data, size);
    if (back.len != expected.len || memcmp(back.data, expected.data, back.len) != 0)
      fail("Hive's unescaping gives the value back", data, size, &escaped);
    lg_buf_free(&back);
    lg_buf_free(&expected);
  }
  lg_buf null_value = LG_BUF_INIT;
  if (lg_key_escape_value(&null_value, NULL, 0) != LG_OK ||
      strcmp(null_value.data, LG_HIVE_DEFAULT_PARTITION) != 0)
    fail("null is the default partition", data, size, &null_value);
  lg_buf_free(&null_value);
  lg_buf_free(&escaped);
  return 0;
}
