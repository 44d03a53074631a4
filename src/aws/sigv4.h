/* AWS Signature Version 4 (header and query-string authentication).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * One function per step of the spec, each usable alone (the tests compare every step with
 * AWS's test suite byte for byte), and two entry points that run them all:
 * lg_sigv4_sign_headers (Authorization header) and lg_sigv4_presign (presigned URL).
 * The clock is an argument, so signing is deterministic. Nothing here logs: secrets and
 * signatures never reach a log line. Thread-safe; the key cache has its own lock. */
#ifndef LG_AWS_SIGV4_H
#define LG_AWS_SIGV4_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws/digest.h"
#include "aws/headers.h"
#include "util/buf.h"

#define LG_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define LG_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define LG_SIGV4_AMZ_DATE_LEN 17   /* "20150830T123600Z" + '\0' */

/* Flags that change the canonical form. */
enum {
  /* S3: the path is not normalized and is encoded once (decoded first, so a path that
   * is already percent-encoded keeps its meaning). Other services encode it twice. */
  LG_SIGV4_S3 = 1 << 0,
  /* Non-S3 services only: keep "." / ".." segments and repeated slashes. */
  LG_SIGV4_NO_NORMALIZE = 1 << 1,
  /* Add the session token after signing instead of signing it (a few services). */
  LG_SIGV4_OMIT_TOKEN = 1 << 2,
  /* Add the x-amz-content-sha256 header (S3 requires it) and sign it. */
  LG_SIGV4_CONTENT_SHA256 = 1 << 3,
};

/* Derived signing keys, cached per date/region/service and secret (a day's key is used
 * for every request of that day). Init before use, destroy once no thread uses it. */
typedef struct lg_sigv4_key_cache {
  pthread_mutex_t lock;
  int valid;                          /* 0 until the first key is stored */
  char scope[128];                    /* "date/region/service" of the stored key */
  uint8_t secret_fp[LG_SHA256_LEN];   /* SHA-256 of the secret the key was made from */
  uint8_t key[LG_SHA256_LEN];
  unsigned long hits, misses;         /* for tests and metrics */
} lg_sigv4_key_cache;

void lg_sigv4_key_cache_init(lg_sigv4_key_cache *c);
/* Wipes the stored key. Accepts a cache that was never used (but must be initialized). */
void lg_sigv4_key_cache_destroy(lg_sigv4_key_cache *c);

/* Who signs, for whom, and how. The strings are borrowed for the call. */
typedef struct lg_sigv4_params {
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token;    /* NULL or "" for long-term credentials */
  const char *region;
  const char *service;          /* "s3", "athena", ... */
  unsigned flags;               /* LG_SIGV4_* */
  lg_sigv4_key_cache *cache;    /* optional */
} lg_sigv4_params;

/* Optional copies of the intermediate results (for tests and debugging). The caller
 * frees the buffers with lg_buf_free. */
typedef struct lg_sigv4_trace {
  lg_buf canonical_request;
  lg_buf string_to_sign;
  char signature[LG_SHA256_HEX_LEN];
} lg_sigv4_trace;

/* ---- Task 1: canonical request ---- */

/* The canonical URI of a request path as sent (the part of the target before '?'). */
int lg_sigv4_canonical_uri(lg_buf *out, const char *path, size_t len, unsigned flags);
/* The canonical query string of a query as sent (without '?'): each name and value
 * decoded then encoded, the pairs sorted by name, then value. */
int lg_sigv4_canonical_query(lg_buf *out, const char *query, size_t len);
/* The canonical headers block (each line "name:value\n") and the signed-headers list
 * ("a;b;c"): names lowercased, values trimmed with inner whitespace runs collapsed,
 * repeated names joined with ',' in their order. Every field in h is signed. */
int lg_sigv4_canonical_headers(lg_buf *out, lg_buf *signed_headers,
                               const lg_http_header *h, size_t n);
/* The whole canonical request for method, target ("path?query" as sent), the headers
 * and the payload hash (hex SHA-256 or UNSIGNED-PAYLOAD). Also returns the signed list. */
int lg_sigv4_canonical_request(lg_buf *out, lg_buf *signed_headers, const char *method,
                               const char *target, const lg_http_header *h, size_t n,
                               const char *payload_hash, unsigned flags);

/* ---- Task 2: string to sign ---- */

/* "date/region/service/aws4_request" for an 8-digit date. */
int lg_sigv4_scope(lg_buf *out, const char *date8, const char *region, const char *service);
int lg_sigv4_string_to_sign(lg_buf *out, const char *amz_date, const char *scope,
                            const char *canonical_request, size_t len);

/* ---- Task 3: signature ---- */

/* The day's signing key. Returns LG_OK, or LG_ERR (out of memory). */
int lg_sigv4_signing_key(const char *secret, const char *date8, const char *region,
                         const char *service, uint8_t key[LG_SHA256_LEN]);
/* The same key through the cache (computed and stored on a miss). */
int lg_sigv4_cached_key(lg_sigv4_key_cache *c, const char *secret, const char *date8,
                        const char *region, const char *service,
                        uint8_t key[LG_SHA256_LEN]);
void lg_sigv4_signature(const uint8_t key[LG_SHA256_LEN], const char *string_to_sign,
                        size_t len, char hex[LG_SHA256_HEX_LEN]);

/* ---- Task 4: add the signature to the request ---- */

int lg_sigv4_authorization(lg_buf *out, const char *access_key_id, const char *scope,
                           const char *signed_headers, const char *signature);

/* "YYYYMMDDTHHMMSSZ" for a Unix time (UTC). */
void lg_sigv4_amz_date(time_t t, char out[LG_SIGV4_AMZ_DATE_LEN]);

/* Signs with an Authorization header: sets X-Amz-Date (to `now`), X-Amz-Security-Token
 * (with a session token) and x-amz-content-sha256 (with LG_SIGV4_CONTENT_SHA256) in
 * `headers`, signs every field of `headers`, then appends Authorization (replacing any).
 * `target` is the request target as sent ("/path?query"). trace may be NULL.
 * Returns LG_OK, or LG_ERR with a message in err (only on out of memory). */
int lg_sigv4_sign_headers(const lg_sigv4_params *p, time_t now, const char *method,
                          const char *target, const char *payload_hash,
                          lg_http_headers *headers, lg_sigv4_trace *trace, char *err,
                          size_t errlen);

/* Presigns: writes to out_target the request target with the X-Amz-* query parameters
 * appended (Algorithm, Credential, Date, Expires, Security-Token, SignedHeaders, then
 * Signature). `headers` (at least Host) are signed and must be sent with the request.
 * Returns LG_OK, or LG_ERR with a message in err. */
int lg_sigv4_presign(const lg_sigv4_params *p, time_t now, long expires_s,
                     const char *method, const char *target,
                     const lg_http_headers *headers, const char *payload_hash,
                     lg_buf *out_target, lg_sigv4_trace *trace, char *err, size_t errlen);

#endif
