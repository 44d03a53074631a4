/* The S3 client: PutObject (multipart above a threshold), GetObject, HeadObject,
 * ListObjectsV2, DeleteObject and presigned GET URLs, against AWS or any S3-compatible
 * store (endpoint override, path-style addressing).
 *
 * Every call returns LG_OK, or LG_ERR with an lg_aws_error whose `retryable` says whether
 * the same call may pass later (network, 5xx, throttling) or never will as is (auth,
 * missing bucket), and whose message reads "s3: PUT s3://b/k: 403 SignatureDoesNotMatch
 * (...)". Transient failures are already retried inside the call (see aws/request.c).
 * A client is thread-safe: one can serve every thread of the process. */
#ifndef LG_AWS_S3_H
#define LG_AWS_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/request.h"
#include "util/buf.h"

typedef struct lg_s3 lg_s3;

typedef enum {
  LG_S3_ADDRESSING_AUTO,      /* path style for IP addresses, localhost and bucket names
                                 that are no DNS label; virtual host otherwise */
  LG_S3_ADDRESSING_PATH,      /* http://endpoint/bucket/key */
  LG_S3_ADDRESSING_VIRTUAL,   /* http://bucket.endpoint/key */
} lg_s3_addressing;

typedef struct lg_s3_options {
  const char *region;             /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile */
  const char *endpoint;           /* NULL: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
                                     profile's endpoint_url, else https://s3.REGION.amazonaws.com */
  const char *profile;            /* NULL: AWS_PROFILE or "default" */
  lg_s3_addressing addressing;
  lg_aws_provider *credentials;   /* borrowed; NULL: the default chain (owned) */
  lg_http_transport *http;        /* borrowed; NULL: a libcurl transport (owned) */
  lg_aws_retry_policy retry;      /* zeros: 3 attempts, 100 ms base, 5 s cap */
  size_t multipart_threshold;     /* larger uploads go multipart; 0: 16 MiB */
  size_t part_size;               /* 0: 8 MiB (S3 wants at least 5 MiB but for the last) */
  long timeout_ms;                /* per HTTP exchange; 0: the transport's default */
  /* For tests: a fixed clock and a recorded backoff (see lg_aws_service). */
  time_t (*now)(void);
  void (*sleep_ms)(long ms);
} lg_s3_options;

/* Makes a client. opt may be NULL (everything from the environment). Returns NULL with
 * a message in err (no region, bad endpoint, no credentials). Free with lg_s3_free. */
lg_s3 *lg_s3_new(const lg_s3_options *opt, char *err, size_t errlen);
/* Frees the client and what it owns. Accepts NULL. No call may be running. */
void lg_s3_free(lg_s3 *s3);
/* The endpoint in use ("https://s3.eu-west-1.amazonaws.com") and the region. */
const char *lg_s3_endpoint(const lg_s3 *s3);
const char *lg_s3_region(const lg_s3 *s3);

/* Splits "s3://bucket/prefix/..." into the bucket and the key prefix after it ("" if
 * none; without leading or trailing '/'). Checks the bucket name (3-63 characters:
 * lowercase letters, digits, '.', '-'). Returns LG_OK, or LG_ERR with a message in err. */
int lg_s3_split_uri(const char *uri, char *bucket, size_t bucket_len, char *prefix,
                    size_t prefix_len, char *err, size_t errlen);

/* ===================== objects ===================== */

typedef enum {
  LG_S3_CHECKSUM_MD5,      /* Content-MD5 (the default) */
  LG_S3_CHECKSUM_SHA256,   /* x-amz-checksum-sha256 (single PUTs; parts use Content-MD5) */
} lg_s3_checksum;

typedef enum {
  LG_S3_SSE_NONE,          /* the bucket's default encryption */
  LG_S3_SSE_AES256,        /* SSE-S3 */
  LG_S3_SSE_KMS,           /* SSE-KMS, with kms_key_id or the account's aws/s3 key */
} lg_s3_sse;

typedef struct lg_s3_put_options {
  const char *content_type;       /* NULL: S3's default (binary/octet-stream) */
  const char *content_encoding;   /* "gzip" for gzip objects, or NULL */
  lg_s3_checksum checksum;
  lg_s3_sse sse;
  const char *kms_key_id;         /* with LG_S3_SSE_KMS; NULL: the aws/s3 key */
} lg_s3_put_options;

/* What S3 says about an object (from HEAD/GET headers or a listing). */
typedef struct lg_s3_object {
  char key[1024];
  uint64_t size;
  char etag[80];                  /* with its quotes, as S3 sends it */
  char last_modified[40];         /* as S3 sends it */
  char content_type[128];
  char content_encoding[64];
  char sse[16];                   /* "AES256", "aws:kms" or "" */
} lg_s3_object;

/* Uploads data[0..len) to bucket/key: one PUT, or a multipart upload above the
 * threshold (aborted if any part fails, so no orphaned parts are billed). opt may be
 * NULL. out (may be NULL) receives the ETag. */
int lg_s3_put(lg_s3 *s3, const char *bucket, const char *key, const void *data, size_t len,
              const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err);
/* The same from a file (read part by part: memory stays at one part). */
int lg_s3_put_file(lg_s3 *s3, const char *bucket, const char *key, const char *path,
                   const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err);

/* Downloads bucket/key into body (appended). max_size 0: no limit; a larger object
 * fails (not retryable). info may be NULL. A missing key fails with status 404. */
int lg_s3_get(lg_s3 *s3, const char *bucket, const char *key, lg_buf *body, size_t max_size,
              lg_s3_object *info, lg_aws_error *err);
/* The object's metadata. A missing key fails with status 404. */
int lg_s3_head(lg_s3 *s3, const char *bucket, const char *key, lg_s3_object *info,
               lg_aws_error *err);
/* Deletes bucket/key (S3 reports success for a key that does not exist). */
int lg_s3_delete(lg_s3 *s3, const char *bucket, const char *key, lg_aws_error *err);

/* A presigned GET URL valid for expires_s seconds from now (no request is made). */
int lg_s3_presign_get(lg_s3 *s3, const char *bucket, const char *key, long expires_s,
                      time_t now, lg_buf *url, lg_aws_error *err);

/* ===================== listing (ListObjectsV2) ===================== */

typedef struct lg_s3_list_options {
  const char *prefix;               /* NULL: the whole bucket */
  const char *delimiter;            /* "/" to group keys into common prefixes, or NULL */
  const char *start_after;          /* NULL or a key */
  const char *continuation_token;   /* from the previous page, or NULL */
  int max_keys;                     /* per page; 0: S3's default (1000) */
} lg_s3_list_options;

typedef struct lg_s3_listing {
  lg_s3_object *objects;            /* count entries (owned by the page) */
  size_t count;
  char **prefixes;                  /* nprefixes common prefixes (with a delimiter) */
  size_t nprefixes;
  int truncated;                    /* 1: more pages; pass next_token to get the next */
  char *next_token;                 /* NULL on the last page */
} lg_s3_listing;

#define LG_S3_LISTING_INIT {NULL, 0, NULL, 0, 0, NULL}

/* One page of the listing into page (emptied first; free with lg_s3_listing_free). */
int lg_s3_list_page(lg_s3 *s3, const char *bucket, const lg_s3_list_options *opt,
                    lg_s3_listing *page, lg_aws_error *err);
void lg_s3_listing_free(lg_s3_listing *page);

/* Every object under prefix, page after page: calls each(ud, object) in key order;
 * a non-zero return from each stops the listing (and is no error). */
int lg_s3_list(lg_s3 *s3, const char *bucket, const char *prefix,
               int (*each)(void *ud, const lg_s3_object *o), void *ud, lg_aws_error *err);

#endif
