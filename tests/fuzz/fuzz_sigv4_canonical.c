/* libFuzzer target for the SigV4 canonicalizer (aws/sigv4.c, aws/uri.c). The input is a
 * raw HTTP request as in AWS's SigV4 suite (.req files, the seed corpus): request line,
 * "Name:value" header lines, a blank line, a body. Besides memory errors (ASan/UBSan), it
 * checks properties that must hold for any input:
 *   - canonical URIs and queries use only unreserved characters, '/', '=', '&' and %XX;
 *   - query pairs come out sorted;
 *   - canonicalizing S3 paths and any query is idempotent (decode then encode);
 *   - percent-decoding undoes percent-encoding;
 *   - signing never fails and adds exactly one Authorization header. */
#include "aws/sigv4.h"
#include "aws/uri.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text) {
  fprintf(stderr, "property violated: %s: \"%s\"\n", what, text);
  abort();
}

static int hex_upper(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Only unreserved characters, %XX with uppercase hex, and the separators in `extra`. */
static void check_charset(const char *s, size_t n, const char *extra, const char *what) {
  for (size_t i = 0; i < n; i++) {
    if (lg_uri_unreserved((unsigned char)s[i]) || strchr(extra, s[i])) continue;
    if (s[i] == '%' && i + 2 < n && hex_upper(s[i + 1]) && hex_upper(s[i + 2])) {
      i += 2;
      continue;
    }
    fail(what, s);
  }
}

static void check_uri(const char *path, size_t len, unsigned flags) {
  lg_buf once = LG_BUF_INIT, twice = LG_BUF_INIT;
  if (lg_sigv4_canonical_uri(&once, path, len, flags) != LG_OK) abort();
  check_charset(once.data, once.len, "/", "canonical URI charset");
  if (once.data[0] != '/') fail("canonical URI starts with '/'", once.data);
  if (flags & LG_SIGV4_S3) {
    if (lg_sigv4_canonical_uri(&twice, once.data, once.len, flags) != LG_OK) abort();
    if (strcmp(once.data, twice.data) != 0) fail("S3 canonical URI is idempotent", once.data);
  }
  lg_buf_free(&once);
  lg_buf_free(&twice);
}

static void check_query(const char *query, size_t len) {
  lg_buf once = LG_BUF_INIT, twice = LG_BUF_INIT;
  if (lg_sigv4_canonical_query(&once, query, len) != LG_OK) abort();
  const char *s = once.data ? once.data : "";
  check_charset(s, once.len, "=&", "canonical query charset");
  const char *prev = NULL;
  for (const char *p = s; *p;) {   /* pairs are sorted: compare "name=value" by name, value */
    const char *amp = strchr(p, '&');
    size_t n = amp ? (size_t)(amp - p) : strlen(p);
    if (memchr(p, '=', n) == NULL) fail("every pair has '='", s);
    if (prev) {
      const char *pe = strchr(prev, '='), *ce = strchr(p, '=');
      size_t pn = (size_t)(pe - prev), cn = (size_t)(ce - p);
      int c = memcmp(prev, p, pn < cn ? pn : cn);
      if (c > 0 || (c == 0 && pn > cn)) fail("pairs sorted by name", s);
    }
    prev = p;
    p += n + (amp != NULL);
  }
  if (lg_sigv4_canonical_query(&twice, s, once.len) != LG_OK) abort();
  if (strcmp(s, twice.data ? twice.data : "") != 0) fail("canonical query is idempotent", s);
  lg_buf_free(&once);
  lg_buf_free(&twice);
}

static void check_round_trip(const char *s, size_t n) {
  lg_buf enc = LG_BUF_INIT, dec = LG_BUF_INIT;
  if (lg_uri_encode(&enc, s, n, 0) != LG_OK || lg_uri_decode(&dec, enc.data, enc.len) != LG_OK) abort();
  if (dec.len != n || memcmp(dec.data, s, n) != 0) fail("decode(encode(x)) == x", enc.data);
  lg_buf_free(&enc);
  lg_buf_free(&dec);
}

/* Request line and headers of the input, as the SigV4 suite writes requests. */
static void parse(const char *text, char *method, size_t mlen, lg_buf *target, lg_http_headers *h) {
  const char *eol = strchr(text, '\n');
  size_t line = eol ? (size_t)(eol - text) : strlen(text);
  const char *sp = memchr(text, ' ', line);
  const char *last = text + line;
  while (sp && last > sp && *last != ' ') last--;
  if (sp == NULL || last <= sp) {
    snprintf(method, mlen, "GET");
    lg_buf_append(target, text, line);
  } else {
    snprintf(method, mlen, "%.*s", (int)(sp - text), text);
    lg_buf_append(target, sp + 1, (size_t)(last - sp - 1));
  }
  for (const char *p = eol ? eol + 1 : text + line; *p && *p != '\n' && h->len < MAX_HEADERS;) {
    eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    const char *colon = memchr(p, ':', n);
    if (colon && colon > p)
      lg_http_headers_addn(h, p, (size_t)(colon - p), colon + 1, (size_t)(p + n - colon - 1));
    p += n + (eol != NULL);
  }
}

static void check_signing(const char *method, const char *target, const lg_http_headers *in) {
  lg_http_headers h = LG_HTTP_HEADERS_INIT;
  for (size_t i = 0; i < in->len; i++)
    lg_http_headers_add(&h, in->items[i].name, in->items[i].value);
  lg_sigv4_params p = {"AKIDEXAMPLE", "secret", "token", "us-east-1", "s3",
                       LG_SIGV4_S3 | LG_SIGV4_CONTENT_SHA256, NULL};
  char err[LG_ERRLEN];
  if (lg_sigv4_sign_headers(&p, 1440938160, method, target, LG_SIGV4_UNSIGNED_PAYLOAD, &h, NULL,
                            err, sizeof err) != LG_OK)
    fail("signing succeeds", err);
  int auth = 0;
  for (size_t i = 0; i < h.len; i++) auth += strcasecmp(h.items[i].name, "Authorization") == 0;
  if (auth != 1) fail("exactly one Authorization header", target);
  lg_http_headers_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';   /* a NUL inside the input ends it, as a C string would */
  char method[32];
  lg_buf target = LG_BUF_INIT;
  lg_http_headers headers = LG_HTTP_HEADERS_INIT;
  parse(text, method, sizeof method, &target, &headers);
  const char *t = target.data ? target.data : "";
  const char *q = strchr(t, '?');
  size_t path_len = q ? (size_t)(q - t) : strlen(t);
  check_uri(t, path_len, LG_SIGV4_S3);
  check_uri(t, path_len, 0);
  check_uri(t, path_len, LG_SIGV4_NO_NORMALIZE);
  check_query(q ? q + 1 : "", q ? strlen(q + 1) : 0);
  check_round_trip(t, strlen(t));
  check_signing(method, t, &headers);
  lg_buf_free(&target);
  lg_http_headers_free(&headers);
  free(text);
  return 0;
}
