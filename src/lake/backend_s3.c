/* The s3:// backend: a sealed object goes to s3://BUCKET/PREFIX/<key> in one PutObject
 * (a multipart upload above the client's threshold) with its Content-Type and
 * Content-Encoding, a Content-MD5 that S3 checks the bytes against, and the server-side
 * encryption the settings ask for. S3 has no partial objects: a PUT or a completed
 * multipart upload stores the whole object under its key or nothing, and a repeated PUT
 * of the same key overwrites it, which is what backend.h asks of put.
 * Transient failures are retried inside the client (aws/request.c), then by the lake's
 * uploader; messages keep S3's own words ("s3: PUT s3://b/k: 403 SignatureDoesNotMatch
 * (...)"), and credentials never appear in them.
 * Layer: lake backend over aws/s3.h. */
#define LOG_TAG "lake"
#include "lake/backend.h"
#include "aws/http.h"
#include "aws/s3.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_KEY_MAX 1024              /* S3's limit on a key, in bytes */
#define CONNECT_TIMEOUT_MS 5000
#define STALL_TIMEOUT_MS 20000       /* no byte moved for this long: the endpoint hangs */
#define EXCHANGE_TIMEOUT_MS 600000   /* one PUT or part (at most 16 MiB) even on a slow link */

typedef struct s3_backend {
  lg_backend base;
  lg_s3 *s3;                   /* owned */
  lg_http_transport *http;     /* owned; NULL when the client came with its own */
  char bucket[64];
  char prefix[S3_KEY_MAX];     /* "" or "a/b", without leading or trailing '/' */
  lg_s3_put_options put;       /* encryption; put.kms_key_id is kms_key_id */
  char *kms_key_id;            /* owned; NULL: none, or the aws/s3 key */
} s3_backend;

static int is_none(const char *s) {
  return s == NULL || *s == '\0' || strcmp(s, "none") == 0;
}

/* The encryption settings, checked: a key id without aws:kms is a mistake worth a stop. */
static int parse_sse(const lg_backend_options *opt, s3_backend *sb, char *err, size_t errlen) {
  const char *sse = opt ? opt->sse : NULL, *key = opt ? opt->sse_kms_key_id : NULL;
  if (is_none(sse)) sb->put.sse = LG_S3_SSE_NONE;
  else if (strcmp(sse, "AES256") == 0) sb->put.sse = LG_S3_SSE_AES256;
  else if (strcmp(sse, "aws:kms") == 0) sb->put.sse = LG_S3_SSE_KMS;
  else {
    snprintf(err, errlen, "lake: lake_sse must be none, AES256 or aws:kms, got '%s'", sse);
    return LG_ERR;
  }
  if (key == NULL || *key == '\0') return LG_OK;
  if (sb->put.sse != LG_S3_SSE_KMS) {
    snprintf(err, errlen, "lake: lake_sse_kms_key_id is set but lake_sse is not aws:kms");
    return LG_ERR;
  }
  if ((sb->kms_key_id = strdup(key)) == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    return LG_ERR;
  }
  sb->put.kms_key_id = sb->kms_key_id;
  return LG_OK;
}

static int s3_put(lg_backend *b, const lg_backend_object *obj, char *err, size_t errlen,
                  int *retryable) {
  s3_backend *sb = (s3_backend *)b;
  char key[S3_KEY_MAX + 1];
  int n = snprintf(key, sizeof key, "%s%s%s", sb->prefix, sb->prefix[0] ? "/" : "", obj->key);
  if (n < 0 || n > S3_KEY_MAX) {
    snprintf(err, errlen, "s3: PUT %s/%s: the key is over %d bytes", b->url, obj->key, S3_KEY_MAX);
    *retryable = 0;
    return LG_ERR;
  }
  lg_s3_put_options put = sb->put;
  put.content_type = obj->content_type;
  put.content_encoding = obj->content_encoding;
  lg_aws_error e;
  if (lg_s3_put_file(sb->s3, sb->bucket, key, obj->path, &put, NULL, &e) == LG_OK) return LG_OK;
  snprintf(err, errlen, "%s", e.message);
  *retryable = e.retryable;
  return LG_ERR;
}

/* ListObjectsV2 of one key under the prefix: what the runtime policy's s3:ListBucket on
 * the prefix allows, and an answer that tells a missing bucket (404 NoSuchBucket) and a
 * refused credential (403) from a store that is there. */
static int s3_check(lg_backend *b, char *err, size_t errlen, int *retryable) {
  s3_backend *sb = (s3_backend *)b;
  char prefix[S3_KEY_MAX + 2];
  snprintf(prefix, sizeof prefix, "%s%s", sb->prefix, sb->prefix[0] ? "/" : "");
  lg_s3_list_options lo = {.prefix = prefix[0] ? prefix : NULL, .max_keys = 1};
  lg_s3_listing page = LG_S3_LISTING_INIT;
  lg_aws_error e;
  int rc = lg_s3_list_page(sb->s3, sb->bucket, &lo, &page, &e);
  lg_s3_listing_free(&page);
  if (rc == LG_OK) return LG_OK;
  snprintf(err, errlen, "%s", e.message);
  *retryable = e.retryable;
  return LG_ERR;
}

static void s3_close(lg_backend *b) {
  s3_backend *sb = (s3_backend *)b;
  lg_s3_free(sb->s3);
  lg_http_transport_free(sb->http);   /* after the client that borrowed it */
  free(sb->kms_key_id);
  free(sb->base.url);
  free(sb);
}

static const lg_backend_vtable s3_vtable = {.put = s3_put, .close = s3_close, .check = s3_check};

lg_backend *lg_backend_s3_new(const char *uri, lg_s3 *s3, const lg_backend_options *opt,
                              char *err, size_t errlen) {
  s3_backend *sb = calloc(1, sizeof *sb);
  if (sb == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    lg_s3_free(s3);
    return NULL;
  }
  sb->base.vt = &s3_vtable;
  sb->s3 = s3;
  sb->put.checksum = LG_S3_CHECKSUM_MD5;   /* also checked on every part of a multipart upload */
  char why[LG_ERRLEN];
  if (lg_s3_split_uri(uri, sb->bucket, sizeof sb->bucket, sb->prefix, sizeof sb->prefix, why,
                      sizeof why) != LG_OK) {
    snprintf(err, errlen, "lake: %s", why);
    goto fail;
  }
  if (parse_sse(opt, sb, err, errlen) != LG_OK) goto fail;
  size_t ulen = strlen(sb->bucket) + strlen(sb->prefix) + 7;
  if ((sb->base.url = malloc(ulen)) == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    goto fail;
  }
  snprintf(sb->base.url, ulen, "s3://%s%s%s", sb->bucket, sb->prefix[0] ? "/" : "", sb->prefix);
  return &sb->base;
fail:
  s3_close(&sb->base);
  return NULL;
}

lg_backend *lg_backend_s3_open(const char *uri, const lg_backend_options *opt, char *err,
                               size_t errlen) {
  char why[LG_ERRLEN];
  lg_http_curl_options ho = {.connect_timeout_ms = CONNECT_TIMEOUT_MS,
                             .timeout_ms = EXCHANGE_TIMEOUT_MS,
                             .stall_timeout_ms = STALL_TIMEOUT_MS};
  lg_http_transport *http = lg_http_curl_new(&ho, why, sizeof why);
  lg_s3_options so = {.http = http};
  lg_s3 *s3 = http ? lg_s3_new(&so, why, sizeof why) : NULL;
  if (s3 == NULL) {
    snprintf(err, errlen, "lake: %s: %s", uri, why);
    lg_http_transport_free(http);
    return NULL;
  }
  lg_backend *b = lg_backend_s3_new(uri, s3, opt, err, errlen);
  if (b == NULL) {
    lg_http_transport_free(http);
    return NULL;
  }
  s3_backend *sb = (s3_backend *)b;
  sb->http = http;
  static const char *const sse_names[] = {"the bucket's default", "AES256", "aws:kms"};
  lg_info("objects go to %s through %s (region %s), encryption %s", b->url, lg_s3_endpoint(s3),
          lg_s3_region(s3), sse_names[sb->put.sse]);
  return b;
}
