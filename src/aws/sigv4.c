/* AWS Signature Version 4 (see sigv4.h). Uses libc, OpenSSL (through digest.h) and the
 * percent-encoder in uri.c. Each section below is one task of the spec:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html */
#include "aws/sigv4.h"
#include "aws/uri.h"
#include "util/common.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expr) do { if ((expr) != LG_OK) goto oom; } while (0)

/* =====================================================================================
 * Task 1: create a canonical request
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-canonical-request
 * =================================================================================== */

/* Appends "/" + seg, or drops the last segment for "..", or nothing for "" and ".".
 * Returns 1 if the segment was a dot segment (a trailing one keeps a trailing slash). */
static int push_segment(lg_buf *out, const char *seg, size_t n) {
  if (n == 0) return 0;
  if (n == 1 && seg[0] == '.') return 1;
  if (n == 2 && seg[0] == '.' && seg[1] == '.') {
    while (out->len > 0 && out->data[out->len - 1] != '/') out->len--;
    if (out->len > 0) out->len--;   /* the '/' before the dropped segment */
    if (out->data) out->data[out->len] = '\0';
    return 1;
  }
  if (lg_buf_appendc(out, '/') != LG_OK || lg_buf_append(out, seg, n) != LG_OK) return -1;
  return 0;
}

/* RFC 3986 section 5.2.4 dot-segment removal, plus merging of repeated slashes, as the
 * spec asks for every service but S3 ("Normalize URI paths according to RFC 3986"). */
static int normalize_path(lg_buf *out, const char *path, size_t len) {
  int trailing = len > 0 && path[len - 1] == '/';
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && path[i] != '/') continue;
    int dot = push_segment(out, path + start, i - start);
    if (dot < 0) return LG_ERR;
    if (i == len && dot) trailing = 1;   /* "/a/.." ends in a directory */
    start = i + 1;
  }
  if (out->len == 0 || trailing) return lg_buf_appendc(out, '/');
  return LG_OK;
}

int lg_sigv4_canonical_uri(lg_buf *out, const char *path, size_t len, unsigned flags) {
  if (len == 0) return lg_buf_appendc(out, '/');
  lg_buf tmp = LG_BUF_INIT;
  int rc;
  /* The canonical URI is an absolute path even when the target is not (normalizing
   * makes it absolute by itself). */
  if (path[0] != '/' && (flags & (LG_SIGV4_S3 | LG_SIGV4_NO_NORMALIZE)) &&
      lg_buf_appendc(out, '/') != LG_OK)
    return LG_ERR;
  if (flags & LG_SIGV4_S3) {
    /* S3 encodes once: the path on the wire is already encoded, so decode it first. */
    rc = lg_uri_decode(&tmp, path, len);
  } else if (flags & LG_SIGV4_NO_NORMALIZE) {
    rc = lg_buf_append(&tmp, path, len);
  } else {
    rc = normalize_path(&tmp, path, len);
  }
  if (rc == LG_OK) rc = lg_uri_encode(out, tmp.data ? tmp.data : "", tmp.len, 1);
  lg_buf_free(&tmp);
  return rc;
}

typedef struct query_param {
  size_t name, name_len;     /* offsets into the scratch buffer of encoded text */
  size_t value, value_len;
} query_param;

/* Byte order, a prefix first (the order AWS sorts encoded names and values in). */
static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);
  if (c != 0) return c;
  return alen < blen ? -1 : alen > blen;
}

static int compare_params(const void *a, const void *b, void *scratch) {
  const query_param *x = a, *y = b;
  const char *s = scratch;
  int c = compare_bytes(s + x->name, x->name_len, s + y->name, y->name_len);
  if (c != 0) return c;
  return compare_bytes(s + x->value, x->value_len, s + y->value, y->value_len);
}

/* Decodes then encodes s[0..n) onto scratch (so raw and pre-encoded input agree). */
static int reencode(lg_buf *scratch, lg_buf *tmp, const char *s, size_t n) {
  lg_buf_reset(tmp);
  if (lg_uri_decode(tmp, s, n) != LG_OK) return LG_ERR;
  return lg_uri_encode(scratch, tmp->data, tmp->len, 0);
}

/* Splits the query into encoded pairs: params[] and their text in scratch. */
static int split_query(const char *query, size_t len, lg_buf *scratch, query_param **params,
                       size_t *count) {
  size_t cap = 1;
  for (size_t i = 0; i < len; i++) cap += query[i] == '&';
  query_param *ps = calloc(cap, sizeof *ps);
  if (ps == NULL) return LG_ERR;
  lg_buf tmp = LG_BUF_INIT;
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && query[i] != '&') continue;
    if (i > start) {   /* "a=1&&b=2": an empty piece is no parameter */
      const char *pair = query + start, *eq = memchr(pair, '=', i - start);
      size_t name_len = eq ? (size_t)(eq - pair) : i - start;
      ps[n].name = scratch->len;
      CHECK(reencode(scratch, &tmp, pair, name_len));
      ps[n].name_len = scratch->len - ps[n].name;
      ps[n].value = scratch->len;
      if (eq) CHECK(reencode(scratch, &tmp, eq + 1, (size_t)(query + i - eq - 1)));
      ps[n].value_len = scratch->len - ps[n].value;
      n++;
    }
    start = i + 1;
  }
  lg_buf_free(&tmp);
  *params = ps;
  *count = n;
  return LG_OK;
oom:
  lg_buf_free(&tmp);
  free(ps);
  return LG_ERR;
}

int lg_sigv4_canonical_query(lg_buf *out, const char *query, size_t len) {
  lg_buf scratch = LG_BUF_INIT;
  query_param *ps = NULL;
  size_t n = 0;
  if (len == 0) return lg_buf_append(out, "", 0);
  if (split_query(query, len, &scratch, &ps, &n) != LG_OK) goto oom;
  qsort_r(ps, n, sizeof *ps, compare_params, scratch.data);
  for (size_t i = 0; i < n; i++) {
    if (i > 0) CHECK(lg_buf_appendc(out, '&'));
    CHECK(lg_buf_append(out, scratch.data + ps[i].name, ps[i].name_len));
    CHECK(lg_buf_appendc(out, '='));
    CHECK(lg_buf_append(out, scratch.data + ps[i].value, ps[i].value_len));
  }
  free(ps);
  lg_buf_free(&scratch);
  return LG_OK;
oom:
  free(ps);
  lg_buf_free(&scratch);
  return LG_ERR;
}

typedef struct header_ref {
  const lg_http_header *h;
  size_t index;   /* position in the request: repeated names keep their order */
} header_ref;

static int compare_headers(const void *a, const void *b) {
  const header_ref *x = a, *y = b;
  int c = strcasecmp(x->h->name, y->h->name);
  if (c != 0) return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "Trim leading and trailing spaces, convert sequential spaces to a single space."
 * Folded (multi-line) values count as whitespace too. */
static int append_trimmed(lg_buf *out, const char *v) {
  while (is_space(*v)) v++;
  int pending_space = 0;
  for (; *v; v++) {
    if (is_space(*v)) {
      pending_space = 1;
      continue;
    }
    if (pending_space && lg_buf_appendc(out, ' ') != LG_OK) return LG_ERR;
    pending_space = 0;
    if (lg_buf_appendc(out, *v) != LG_OK) return LG_ERR;
  }
  return LG_OK;
}

static int append_lower(lg_buf *out, const char *s) {
  for (; *s; s++)
    if (lg_buf_appendc(out, (char)tolower((unsigned char)*s)) != LG_OK) return LG_ERR;
  return LG_OK;
}

int lg_sigv4_canonical_headers(lg_buf *out, lg_buf *signed_headers,
                               const lg_http_header *h, size_t n) {
  header_ref *refs = calloc(n ? n : 1, sizeof *refs);
  if (refs == NULL) return LG_ERR;
  for (size_t i = 0; i < n; i++) refs[i] = (header_ref){&h[i], i};
  qsort(refs, n, sizeof *refs, compare_headers);
  for (size_t i = 0; i < n; i++) {
    int same = i > 0 && strcasecmp(refs[i].h->name, refs[i - 1].h->name) == 0;
    if (same) {
      CHECK(lg_buf_appendc(out, ','));
    } else {
      if (i > 0) CHECK(lg_buf_appendc(out, '\n'));
      if (i > 0) CHECK(lg_buf_appendc(signed_headers, ';'));
      CHECK(append_lower(out, refs[i].h->name));
      CHECK(lg_buf_appendc(out, ':'));
      CHECK(append_lower(signed_headers, refs[i].h->name));
    }
    CHECK(append_trimmed(out, refs[i].h->value));
  }
  if (n > 0) CHECK(lg_buf_appendc(out, '\n'));
  free(refs);
  return LG_OK;
oom:
  free(refs);
  return LG_ERR;
}

int lg_sigv4_canonical_request(lg_buf *out, lg_buf *signed_headers, const char *method,
                               const char *target, const lg_http_header *h, size_t n,
                               const char *payload_hash, unsigned flags) {
  const char *q = strchr(target, '?');
  size_t path_len = q ? (size_t)(q - target) : strlen(target);
  CHECK(lg_buf_appends(out, method));
  CHECK(lg_buf_appendc(out, '\n'));
  CHECK(lg_sigv4_canonical_uri(out, target, path_len, flags));
  CHECK(lg_buf_appendc(out, '\n'));
  if (q) CHECK(lg_sigv4_canonical_query(out, q + 1, strlen(q + 1)));
  CHECK(lg_buf_appendc(out, '\n'));
  CHECK(lg_sigv4_canonical_headers(out, signed_headers, h, n));
  CHECK(lg_buf_appendc(out, '\n'));
  CHECK(lg_buf_append(out, signed_headers->data ? signed_headers->data : "", signed_headers->len));
  CHECK(lg_buf_appendc(out, '\n'));
  CHECK(lg_buf_appends(out, payload_hash));
  return LG_OK;
oom:
  return LG_ERR;
}

/* =====================================================================================
 * Task 2: create a string to sign
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-string-to-sign
 * =================================================================================== */

int lg_sigv4_scope(lg_buf *out, const char *date8, const char *region, const char *service) {
  return lg_buf_appendf(out, "%s/%s/%s/aws4_request", date8, region, service);
}

int lg_sigv4_string_to_sign(lg_buf *out, const char *amz_date, const char *scope,
                            const char *canonical_request, size_t len) {
  char hash[LG_SHA256_HEX_LEN];
  lg_sha256_hex(canonical_request, len, hash);
  return lg_buf_appendf(out, LG_SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hash);
}

/* =====================================================================================
 * Task 3: derive a signing key and calculate the signature
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#derive-signing-key
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#calculate-signature
 * =================================================================================== */

int lg_sigv4_signing_key(const char *secret, const char *date8, const char *region,
                         const char *service, uint8_t key[LG_SHA256_LEN]) {
  size_t secret_len = strlen(secret);
  char *k_secret = malloc(secret_len + 5);
  if (k_secret == NULL) return LG_ERR;
  memcpy(k_secret, "AWS4", 4);
  memcpy(k_secret + 4, secret, secret_len + 1);
  uint8_t k_date[LG_SHA256_LEN], k_region[LG_SHA256_LEN], k_service[LG_SHA256_LEN];
  lg_hmac_sha256(k_secret, secret_len + 4, date8, strlen(date8), k_date);
  lg_hmac_sha256(k_date, sizeof k_date, region, strlen(region), k_region);
  lg_hmac_sha256(k_region, sizeof k_region, service, strlen(service), k_service);
  lg_hmac_sha256(k_service, sizeof k_service, "aws4_request", 12, key);
  /* The intermediate keys are as good as the secret for a day: wipe them. */
  explicit_bzero(k_secret, secret_len + 5);
  free(k_secret);
  explicit_bzero(k_date, sizeof k_date);
  explicit_bzero(k_region, sizeof k_region);
  explicit_bzero(k_service, sizeof k_service);
  return LG_OK;
}

void lg_sigv4_key_cache_init(lg_sigv4_key_cache *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
}

void lg_sigv4_key_cache_destroy(lg_sigv4_key_cache *c) {
  explicit_bzero(c->key, sizeof c->key);
  c->valid = 0;
  pthread_mutex_destroy(&c->lock);
}

int lg_sigv4_cached_key(lg_sigv4_key_cache *c, const char *secret, const char *date8,
                        const char *region, const char *service,
                        uint8_t key[LG_SHA256_LEN]) {
  int rc = LG_OK;
  char scope[sizeof c->scope];
  uint8_t fp[LG_SHA256_LEN];
  snprintf(scope, sizeof scope, "%s/%s/%s", date8, region, service);
  lg_sha256(secret, strlen(secret), fp);   /* rotated credentials miss the cache */
  pthread_mutex_lock(&c->lock);
  if (c->valid && strcmp(c->scope, scope) == 0 && memcmp(c->secret_fp, fp, sizeof fp) == 0) {
    memcpy(key, c->key, LG_SHA256_LEN);
    c->hits++;
  } else if ((rc = lg_sigv4_signing_key(secret, date8, region, service, key)) == LG_OK) {
    memcpy(c->key, key, LG_SHA256_LEN);
    memcpy(c->secret_fp, fp, sizeof fp);
    snprintf(c->scope, sizeof c->scope, "%s", scope);
    c->valid = 1;
    c->misses++;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

void lg_sigv4_signature(const uint8_t key[LG_SHA256_LEN], const char *string_to_sign,
                        size_t len, char hex[LG_SHA256_HEX_LEN]) {
  uint8_t sig[LG_SHA256_LEN];
  lg_hmac_sha256(key, LG_SHA256_LEN, string_to_sign, len, sig);
  lg_hex_encode(sig, sizeof sig, hex);
}

/* =====================================================================================
 * Task 4: add the signature to the request
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#add-signature-to-request
 * =================================================================================== */

int lg_sigv4_authorization(lg_buf *out, const char *access_key_id, const char *scope,
                           const char *signed_headers, const char *signature) {
  return lg_buf_appendf(out, LG_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                        access_key_id, scope, signed_headers, signature);
}

void lg_sigv4_amz_date(time_t t, char out[LG_SIGV4_AMZ_DATE_LEN]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, LG_SIGV4_AMZ_DATE_LEN, "%Y%m%dT%H%M%SZ", &tm);
}

/* ===================== the whole signing, header and query forms ===================== */

/* What both forms share: the date, the scope and the key for this request. */
typedef struct signing {
  char amz_date[LG_SIGV4_AMZ_DATE_LEN];
  char date8[9];
  lg_buf scope;
  lg_buf creq;            /* canonical request */
  lg_buf signed_headers;
  lg_buf sts;             /* string to sign */
  char signature[LG_SHA256_HEX_LEN];
} signing;

static int begin(signing *s, const lg_sigv4_params *p, time_t now) {
  memset(s, 0, sizeof *s);
  lg_sigv4_amz_date(now, s->amz_date);
  memcpy(s->date8, s->amz_date, 8);
  return lg_sigv4_scope(&s->scope, s->date8, p->region, p->service);
}

/* Tasks 2 and 3 over the canonical request already in s->creq. */
static int finish(signing *s, const lg_sigv4_params *p, lg_sigv4_trace *trace) {
  if (lg_sigv4_string_to_sign(&s->sts, s->amz_date, s->scope.data, s->creq.data,
                              s->creq.len) != LG_OK)
    return LG_ERR;
  uint8_t key[LG_SHA256_LEN];
  int rc = p->cache ? lg_sigv4_cached_key(p->cache, p->secret_access_key, s->date8,
                                          p->region, p->service, key)
                    : lg_sigv4_signing_key(p->secret_access_key, s->date8, p->region,
                                           p->service, key);
  if (rc != LG_OK) return LG_ERR;
  lg_sigv4_signature(key, s->sts.data, s->sts.len, s->signature);
  explicit_bzero(key, sizeof key);
  if (trace) {
    if (lg_buf_append(&trace->canonical_request, s->creq.data, s->creq.len) != LG_OK ||
        lg_buf_append(&trace->string_to_sign, s->sts.data, s->sts.len) != LG_OK)
      return LG_ERR;
    memcpy(trace->signature, s->signature, sizeof s->signature);
  }
  return LG_OK;
}

static void end(signing *s) {
  lg_buf_free(&s->scope);
  lg_buf_free(&s->creq);
  lg_buf_free(&s->signed_headers);
  lg_buf_free(&s->sts);
}

static int has_token(const lg_sigv4_params *p) {
  return p->session_token != NULL && p->session_token[0] != '\0';
}

int lg_sigv4_sign_headers(const lg_sigv4_params *p, time_t now, const char *method,
                          const char *target, const char *payload_hash,
                          lg_http_headers *headers, lg_sigv4_trace *trace, char *err,
                          size_t errlen) {
  signing s;
  lg_buf auth = LG_BUF_INIT;
  CHECK(begin(&s, p, now));
  lg_http_headers_remove(headers, "Authorization");
  CHECK(lg_http_headers_set(headers, "X-Amz-Date", s.amz_date));
  if (has_token(p) && !(p->flags & LG_SIGV4_OMIT_TOKEN))
    CHECK(lg_http_headers_set(headers, "X-Amz-Security-Token", p->session_token));
  if (p->flags & LG_SIGV4_CONTENT_SHA256)
    CHECK(lg_http_headers_set(headers, "x-amz-content-sha256", payload_hash));
  CHECK(lg_sigv4_canonical_request(&s.creq, &s.signed_headers, method, target,
                                   headers->items, headers->len, payload_hash, p->flags));
  CHECK(finish(&s, p, trace));
  if (has_token(p) && (p->flags & LG_SIGV4_OMIT_TOKEN))
    CHECK(lg_http_headers_set(headers, "X-Amz-Security-Token", p->session_token));
  CHECK(lg_sigv4_authorization(&auth, p->access_key_id, s.scope.data, s.signed_headers.data,
                               s.signature));
  CHECK(lg_http_headers_add(headers, "Authorization", auth.data));
  lg_buf_free(&auth);
  end(&s);
  return LG_OK;
oom:
  lg_buf_free(&auth);
  end(&s);
  snprintf(err, errlen, "sigv4: out of memory");
  return LG_ERR;
}

/* Appends "&name=value" (value encoded) to a query being built. */
static int add_param(lg_buf *q, const char *name, const char *value) {
  if (q->len > 0 && lg_buf_appendc(q, '&') != LG_OK) return LG_ERR;
  if (lg_buf_appendf(q, "%s=", name) != LG_OK) return LG_ERR;
  return lg_uri_encode(q, value, strlen(value), 0);
}

/* The X-Amz-* parameters of a presigned URL, in sorted order (Signature comes later). */
static int auth_params(lg_buf *q, const lg_sigv4_params *p, const signing *s, long expires_s,
                       int with_token) {
  char expires[32], credential[512];
  snprintf(expires, sizeof expires, "%ld", expires_s);
  snprintf(credential, sizeof credential, "%s/%s", p->access_key_id, s->scope.data);
  if (add_param(q, "X-Amz-Algorithm", LG_SIGV4_ALGORITHM) != LG_OK ||
      add_param(q, "X-Amz-Credential", credential) != LG_OK ||
      add_param(q, "X-Amz-Date", s->amz_date) != LG_OK ||
      add_param(q, "X-Amz-Expires", expires) != LG_OK)
    return LG_ERR;
  if (with_token && add_param(q, "X-Amz-Security-Token", p->session_token) != LG_OK)
    return LG_ERR;
  return add_param(q, "X-Amz-SignedHeaders", s->signed_headers.data);
}

int lg_sigv4_presign(const lg_sigv4_params *p, time_t now, long expires_s,
                     const char *method, const char *target,
                     const lg_http_headers *headers, const char *payload_hash,
                     lg_buf *out_target, lg_sigv4_trace *trace, char *err, size_t errlen) {
  signing s;
  lg_buf canon_headers = LG_BUF_INIT, query = LG_BUF_INIT, signed_target = LG_BUF_INIT;
  int sign_token = has_token(p) && !(p->flags & LG_SIGV4_OMIT_TOKEN);
  CHECK(begin(&s, p, now));
  /* The signed-headers list goes into the query, so the headers come first. */
  CHECK(lg_sigv4_canonical_headers(&canon_headers, &s.signed_headers, headers->items,
                                   headers->len));
  const char *q = strchr(target, '?');
  size_t path_len = q ? (size_t)(q - target) : strlen(target);
  if (q && q[1]) CHECK(lg_buf_appends(&query, q + 1));
  CHECK(auth_params(&query, p, &s, expires_s, sign_token));
  CHECK(lg_buf_append(&signed_target, target, path_len));
  CHECK(lg_buf_appendc(&signed_target, '?'));
  CHECK(lg_buf_append(&signed_target, query.data, query.len));
  lg_buf_free(&s.signed_headers);   /* rebuilt by the canonical request */
  CHECK(lg_sigv4_canonical_request(&s.creq, &s.signed_headers, method, signed_target.data,
                                   headers->items, headers->len, payload_hash, p->flags));
  CHECK(finish(&s, p, trace));
  CHECK(lg_buf_append(out_target, signed_target.data, signed_target.len));
  if (has_token(p) && !sign_token) {   /* added after signing: not in the signature */
    CHECK(lg_buf_appends(out_target, "&X-Amz-Security-Token="));
    CHECK(lg_uri_encode(out_target, p->session_token, strlen(p->session_token), 0));
  }
  CHECK(lg_buf_appendf(out_target, "&X-Amz-Signature=%s", s.signature));
  lg_buf_free(&canon_headers);
  lg_buf_free(&query);
  lg_buf_free(&signed_target);
  end(&s);
  return LG_OK;
oom:
  lg_buf_free(&canon_headers);
  lg_buf_free(&query);
  lg_buf_free(&signed_target);
  end(&s);
  snprintf(err, errlen, "sigv4: out of memory");
  return LG_ERR;
}
