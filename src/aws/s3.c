/* The S3 client (see s3.h): the client, addressing, and the single-request operations.
 * Multipart uploads are in s3_multipart.c, listings in s3_list.c. */
#include "aws/s3_internal.h"
#include "aws/digest.h"
#include "aws/uri.h"
#include "aws/xml.h"
#include "util/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>


#define DEFAULT_MULTIPART_THRESHOLD (16u << 20)
#define DEFAULT_PART_SIZE (8u << 20)

/* ===================== the client ===================== */

lg_s3 *lg_s3_new(const lg_s3_options *opt, char *err, size_t errlen) {
  static const lg_aws_service_spec spec = {"s3", "S3", LG_SIGV4_S3 | LG_SIGV4_CONTENT_SHA256,
                                           lg_xml_error};
  lg_s3_options o = opt ? *opt : (lg_s3_options){0};
  lg_s3 *s3 = calloc(1, sizeof *s3);
  if (s3 == NULL) {
    snprintf(err, errlen, "s3: out of memory");
    return NULL;
  }
  s3->addressing = o.addressing;
  s3->multipart_threshold = o.multipart_threshold ? o.multipart_threshold : DEFAULT_MULTIPART_THRESHOLD;
  s3->part_size = o.part_size ? o.part_size : DEFAULT_PART_SIZE;
  s3->timeout_ms = o.timeout_ms;
  lg_aws_client_options co = {o.region, o.endpoint, o.profile, o.credentials, o.http, o.retry,
                              o.now, o.sleep_ms};
  if (lg_aws_client_init(&s3->base, &spec, &co, err, errlen) == LG_OK) return s3;
  lg_s3_free(s3);
  return NULL;
}

void lg_s3_free(lg_s3 *s3) {
  if (s3 == NULL) return;
  lg_aws_client_destroy(&s3->base);
  free(s3);
}

const char *lg_s3_endpoint(const lg_s3 *s3) {
  return s3->base.endpoint;
}

const char *lg_s3_region(const lg_s3 *s3) {
  return s3->base.region;
}

int lg_s3_split_uri(const char *uri, char *bucket, size_t bucket_len, char *prefix,
                    size_t prefix_len, char *err, size_t errlen) {
  if (strncmp(uri, "s3://", 5) != 0) {
    snprintf(err, errlen, "s3: \"%s\" is not an s3://bucket[/prefix] URI", uri);
    return LG_ERR;
  }
  const char *b = uri + 5, *slash = strchr(b, '/');
  size_t n = slash ? (size_t)(slash - b) : strlen(b);
  int ok = n >= 3 && n <= 63 && n < bucket_len && b[0] != '.' && b[0] != '-' &&
           b[n - 1] != '.' && b[n - 1] != '-';
  for (size_t i = 0; ok && i < n; i++)
    ok = (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '.' || b[i] == '-';
  if (!ok) {
    snprintf(err, errlen, "s3: \"%s\": bad bucket name \"%.*s\"", uri, (int)(n < 80 ? n : 80), b);
    return LG_ERR;
  }
  const char *p = slash ? slash + 1 : "";
  size_t plen = strlen(p);
  while (plen > 0 && p[plen - 1] == '/') plen--;
  if (plen >= prefix_len) {
    snprintf(err, errlen, "s3: \"%s\": the prefix is too long", uri);
    return LG_ERR;
  }
  snprintf(bucket, bucket_len, "%.*s", (int)n, b);
  snprintf(prefix, prefix_len, "%.*s", (int)plen, p);
  return LG_OK;
}

/* ===================== requests ===================== */

/* A bucket name that can be the first label of a host name (and of a TLS certificate's
 * wildcard, so no dots over https). */
static int dns_compatible(const char *bucket, int https) {
  size_t n = strlen(bucket);
  if (n < 3 || n > 63 || bucket[0] == '-' || bucket[n - 1] == '-') return 0;
  for (const char *p = bucket; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
          (*p == '.' && !https)))
      return 0;
  }
  return 1;
}

static int path_style(const lg_s3 *s3, const char *bucket) {
  if (s3->addressing == LG_S3_ADDRESSING_PATH) return 1;
  if (s3->addressing == LG_S3_ADDRESSING_VIRTUAL) return 0;
  return s3->base.host_is_ip || !dns_compatible(bucket, strcmp(s3->base.scheme, "https") == 0);
}

void lg_s3_local_error(lg_aws_error *err, const char *what, const char *detail) {
  memset(err, 0, sizeof *err);
  snprintf(err->message, sizeof err->message, "s3: %s: %s", what, detail);
}

int lg_s3_request_init(lg_s3 *s3, lg_s3_request *r, const char *method, const char *bucket,
                    const char *key, const char *query, lg_aws_error *err) {
  memset(r, 0, sizeof *r);
  r->method = method;
  snprintf(r->what, sizeof r->what, "%s s3://%s/%s", method, bucket, key ? key : "");
  lg_buf host = LG_BUF_INIT;
  int path = path_style(s3, bucket);
  int rc = path ? lg_buf_appends(&host, s3->base.authority)
                : lg_buf_appendf(&host, "%s.%s", bucket, s3->base.authority);
  if (rc == LG_OK) rc = lg_buf_appendf(&r->url, "%s://%s/", s3->base.scheme, host.data);
  if (rc == LG_OK && path) rc = lg_buf_appendf(&r->url, "%s/", bucket);
  if (rc == LG_OK && key) rc = lg_uri_encode(&r->url, key, strlen(key), 1);
  if (rc == LG_OK && query) rc = lg_buf_appendf(&r->url, "?%s", query);
  if (rc == LG_OK) rc = lg_http_headers_add(&r->headers, "Host", host.data);
  lg_buf_free(&host);
  if (rc != LG_OK) {
    lg_s3_local_error(err, r->what, "out of memory");
    lg_s3_request_free(r);
  }
  return rc;
}

void lg_s3_request_free(lg_s3_request *r) {
  lg_buf_free(&r->url);
  lg_http_headers_free(&r->headers);
}

int lg_s3_send(lg_s3 *s3, lg_s3_request *r, const void *body, size_t len, size_t max_body,
            int error_in_200, lg_http_response *resp, lg_aws_error *err) {
  lg_aws_call call = {r->method, r->url.data, &r->headers, body, len, r->what,
                      s3->timeout_ms, max_body, error_in_200};
  return lg_aws_send(&s3->base.svc, &call, resp, err);
}

/* ===================== object headers ===================== */

int lg_s3_object_headers(lg_http_headers *h, const lg_s3_put_options *opt) {
  if (opt == NULL) return LG_OK;
  if (opt->content_type && lg_http_headers_add(h, "Content-Type", opt->content_type) != LG_OK)
    return LG_ERR;
  if (opt->content_encoding &&
      lg_http_headers_add(h, "Content-Encoding", opt->content_encoding) != LG_OK)
    return LG_ERR;
  if (opt->sse == LG_S3_SSE_AES256)
    return lg_http_headers_add(h, "x-amz-server-side-encryption", "AES256");
  if (opt->sse != LG_S3_SSE_KMS) return LG_OK;
  if (lg_http_headers_add(h, "x-amz-server-side-encryption", "aws:kms") != LG_OK) return LG_ERR;
  if (opt->kms_key_id &&
      lg_http_headers_add(h, "x-amz-server-side-encryption-aws-kms-key-id", opt->kms_key_id) != LG_OK)
    return LG_ERR;
  return LG_OK;
}

int lg_s3_checksum_header(lg_http_headers *h, lg_s3_checksum kind, const void *data, size_t len) {
  char b64[LG_BASE64_LEN(LG_SHA256_LEN)];
  if (kind == LG_S3_CHECKSUM_SHA256) {
    uint8_t md[LG_SHA256_LEN];
    lg_sha256(data, len, md);
    lg_base64_encode(md, sizeof md, b64);
    return lg_http_headers_add(h, "x-amz-checksum-sha256", b64);
  }
  uint8_t md[LG_MD5_LEN];
  lg_md5(data, len, md);
  lg_base64_encode(md, sizeof md, b64);
  return lg_http_headers_add(h, "Content-MD5", b64);
}

/* Fills info from a HEAD/GET/PUT answer's headers (key is left to the caller). */
static void object_from_headers(lg_s3_object *o, const lg_http_headers *h) {
  const char *v;
  if ((v = lg_http_headers_get(h, "Content-Length"))) o->size = strtoull(v, NULL, 10);
  if ((v = lg_http_headers_get(h, "ETag"))) snprintf(o->etag, sizeof o->etag, "%s", v);
  if ((v = lg_http_headers_get(h, "Last-Modified")))
    snprintf(o->last_modified, sizeof o->last_modified, "%s", v);
  if ((v = lg_http_headers_get(h, "Content-Type")))
    snprintf(o->content_type, sizeof o->content_type, "%s", v);
  if ((v = lg_http_headers_get(h, "Content-Encoding")))
    snprintf(o->content_encoding, sizeof o->content_encoding, "%s", v);
  if ((v = lg_http_headers_get(h, "x-amz-server-side-encryption")))
    snprintf(o->sse, sizeof o->sse, "%s", v);
}

static void start_info(lg_s3_object *o, const char *key) {
  if (o == NULL) return;
  memset(o, 0, sizeof *o);
  snprintf(o->key, sizeof o->key, "%s", key);
}

/* ===================== uploads ===================== */

/* One PutObject of data[0..len). */
static int put_single(lg_s3 *s3, const char *bucket, const char *key, const void *data,
                      size_t len, const lg_s3_put_options *opt, lg_s3_object *out,
                      lg_aws_error *err) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  if (lg_s3_request_init(s3, &r, "PUT", bucket, key, NULL, err) != LG_OK) return LG_ERR;
  int rc = LG_ERR;
  if (lg_s3_object_headers(&r.headers, opt) != LG_OK ||
      lg_s3_checksum_header(&r.headers, opt ? opt->checksum : LG_S3_CHECKSUM_MD5, data, len) != LG_OK)
    lg_s3_local_error(err, r.what, "out of memory");
  else
    rc = lg_s3_send(s3, &r, data, len, 0, 0, &resp, err);
  if (rc == LG_OK && out) {
    start_info(out, key);
    object_from_headers(out, &resp.headers);
    out->size = len;
  }
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  return rc;
}

int lg_s3_put(lg_s3 *s3, const char *bucket, const char *key, const void *data, size_t len,
              const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err) {
  if (len <= s3->multipart_threshold) return put_single(s3, bucket, key, data, len, opt, out, err);
  lg_s3_source src = {data, -1, NULL, len, LG_BUF_INIT};
  return lg_s3_multipart_upload(s3, bucket, key, &src, opt, out, err);
}

int lg_s3_source_read(lg_s3_source *src, uint64_t offset, size_t size, const char **out, char *err,
                   size_t errlen) {
  if (src->data) {
    *out = src->data + offset;
    return LG_OK;
  }
  lg_buf_reset(&src->scratch);
  if (lg_buf_reserve(&src->scratch, size) != LG_OK) {
    snprintf(err, errlen, "out of memory for a %zu-byte part", size);
    return LG_ERR;
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(src->fd, src->scratch.data + done, size - done, (off_t)(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(err, errlen, "read %s: %s", src->path, n < 0 ? strerror(errno) : "file shrank");
      return LG_ERR;
    }
    done += (size_t)n;
  }
  src->scratch.len = size;
  *out = src->scratch.data;
  return LG_OK;
}

int lg_s3_put_file(lg_s3 *s3, const char *bucket, const char *key, const char *path,
                   const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err) {
  char what[600], detail[300];
  snprintf(what, sizeof what, "PUT s3://%s/%s", bucket, key);
  lg_s3_source src = {NULL, open(path, O_RDONLY | O_CLOEXEC), path, 0, LG_BUF_INIT};
  struct stat st;
  if (src.fd < 0 || fstat(src.fd, &st) != 0) {
    snprintf(detail, sizeof detail, "open %s: %s", path, strerror(errno));
    lg_s3_local_error(err, what, detail);
    if (src.fd >= 0) close(src.fd);
    return LG_ERR;
  }
  src.size = (uint64_t)st.st_size;
  int rc;
  if (src.size > s3->multipart_threshold) {
    rc = lg_s3_multipart_upload(s3, bucket, key, &src, opt, out, err);
  } else {
    const char *data;
    rc = lg_s3_source_read(&src, 0, (size_t)src.size, &data, detail, sizeof detail);
    if (rc == LG_OK) rc = put_single(s3, bucket, key, data, (size_t)src.size, opt, out, err);
    else lg_s3_local_error(err, what, detail);
  }
  close(src.fd);
  lg_buf_free(&src.scratch);
  return rc;
}

/* ===================== reads and deletes ===================== */

/* One request on an object without a body: the answer's body is appended to body and
 * its headers describe the object in info (either may be NULL). */
static int object_call(lg_s3 *s3, const char *method, const char *bucket, const char *key,
                       size_t max_size, lg_buf *body, lg_s3_object *info, lg_aws_error *err) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  if (lg_s3_request_init(s3, &r, method, bucket, key, NULL, err) != LG_OK) return LG_ERR;
  int rc = lg_s3_send(s3, &r, NULL, 0, max_size, 0, &resp, err);
  if (rc == LG_OK && body &&
      lg_buf_append(body, resp.body.data ? resp.body.data : "", resp.body.len) != LG_OK) {
    lg_s3_local_error(err, r.what, "out of memory");
    rc = LG_ERR;
  }
  if (rc == LG_OK && info) {
    start_info(info, key);
    object_from_headers(info, &resp.headers);
  }
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  return rc;
}

int lg_s3_get(lg_s3 *s3, const char *bucket, const char *key, lg_buf *body, size_t max_size,
              lg_s3_object *info, lg_aws_error *err) {
  return object_call(s3, "GET", bucket, key, max_size, body, info, err);
}

int lg_s3_head(lg_s3 *s3, const char *bucket, const char *key, lg_s3_object *info,
               lg_aws_error *err) {
  return object_call(s3, "HEAD", bucket, key, 0, NULL, info, err);
}

int lg_s3_delete(lg_s3 *s3, const char *bucket, const char *key, lg_aws_error *err) {
  return object_call(s3, "DELETE", bucket, key, 0, NULL, NULL, err);
}

/* ===================== presigned URLs ===================== */

int lg_s3_presign_get(lg_s3 *s3, const char *bucket, const char *key, long expires_s,
                      time_t now, lg_buf *url, lg_aws_error *err) {
  lg_s3_request r;
  char why[LG_ERRLEN];
  if (lg_s3_request_init(s3, &r, "GET", bucket, key, NULL, err) != LG_OK) return LG_ERR;
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  int rc = lg_aws_provider_get(s3->base.svc.credentials, now, &c, why, sizeof why);
  if (rc == LG_OK) {
    lg_sigv4_params p = {c.access_key_id, c.secret_access_key, c.session_token, s3->base.region,
                         "s3", LG_SIGV4_S3, &s3->base.keys};
    const char *target = strchr(strstr(r.url.data, "://") + 3, '/');
    size_t base_len = (size_t)(target - r.url.data);
    rc = lg_buf_append(url, r.url.data, base_len);
    if (rc != LG_OK) snprintf(why, sizeof why, "out of memory");
    else
      rc = lg_sigv4_presign(&p, now, expires_s, "GET", target, &r.headers,
                            LG_SIGV4_UNSIGNED_PAYLOAD, url, NULL, why, sizeof why);
  }
  if (rc != LG_OK) lg_s3_local_error(err, r.what, why);
  lg_aws_credentials_clear(&c);
  lg_s3_request_free(&r);
  return rc;
}
