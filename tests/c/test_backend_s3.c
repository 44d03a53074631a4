/* Tests for lake/backend_s3.c over an S3 client whose transport is a scripted stand-in:
 * where objects go (bucket, prefix, the lake's key), what a PUT carries (type, encoding,
 * checksum, encryption), how S3's failures map to the uploader's retryable flag, and the
 * checks on settings. The backend against moto, through the lake, is
 * tests/integration/test_lake_s3.py. */
#include "test.h"
#include "aws/s3.h"
#include "lake/backend.h"
#include "util/common.h"

#include <stdlib.h>
#include <unistd.h>

/* ===================== a scripted transport ===================== */

#define MAX_CALLS 8

typedef struct scripted_http {
  lg_http_transport base;
  long status[MAX_CALLS];      /* answers in order (0: connection refused); then 200 */
  const char *body[MAX_CALLS];
  int nscripted;
  int ncalls;
  char url[1200];              /* of the last request */
  lg_http_headers headers;     /* of the last request */
  lg_buf sent;                 /* body of the last request */
} scripted_http;

static int scripted_perform(lg_http_transport *t, const lg_http_request *req,
                            lg_http_response *resp, lg_http_error *e) {
  scripted_http *s = (scripted_http *)t;
  int i = s->ncalls++;
  snprintf(s->url, sizeof s->url, "%s", req->url);
  lg_http_headers_free(&s->headers);
  for (size_t h = 0; req->headers && h < req->headers->len; h++)
    lg_http_headers_add(&s->headers, req->headers->items[h].name, req->headers->items[h].value);
  lg_buf_reset(&s->sent);
  lg_buf_append(&s->sent, req->body ? req->body : "", req->body_len);
  long status = i < s->nscripted ? s->status[i] : 200;
  if (status == 0) {
    *e = (lg_http_error){1, "connection refused (scripted)"};
    return LG_ERR;
  }
  resp->status = status;
  if (i < s->nscripted && s->body[i]) lg_buf_appends(&resp->body, s->body[i]);
  return LG_OK;
}

static void scripted_destroy(lg_http_transport *t) {
  scripted_http *s = (scripted_http *)t;
  lg_http_headers_free(&s->headers);
  lg_buf_free(&s->sent);
}

static const lg_http_transport_vtable scripted_vtable = {scripted_perform, scripted_destroy};

static scripted_http http;
static lg_aws_provider *creds;

static void no_sleep(long ms) {
  (void)ms;
}

/* A client on the scripted transport: path style on 127.0.0.1:9000. */
static lg_s3 *scripted_client(void) {
  memset(&http, 0, sizeof http);
  http.base.vt = &scripted_vtable;
  char err[LG_ERRLEN];
  creds = lg_aws_provider_new_static("AKIDLAKE", "lake-secret-key", NULL, err, sizeof err);
  ASSERT_MSG(creds != NULL, err);
  lg_s3_options o = {.region = "us-east-1", .endpoint = "http://127.0.0.1:9000",
                     .credentials = creds, .http = &http.base, .sleep_ms = no_sleep};
  lg_s3 *s3 = lg_s3_new(&o, err, sizeof err);
  if (s3 == NULL) LG_TEST_FAIL("lg_s3_new: %s", err);
  return s3;
}

static lg_backend *open_backend(const char *uri, const char *sse, const char *kms_key) {
  char err[LG_ERRLEN];
  lg_backend_options opt = {sse, kms_key};
  lg_backend *b = lg_backend_s3_new(uri, scripted_client(), &opt, err, sizeof err);
  if (b == NULL) LG_TEST_FAIL("lg_backend_s3_new: %s", err);
  return b;
}

static void close_backend(lg_backend *b) {
  lg_backend_close(b);
  lg_aws_provider_free(creds);
  scripted_destroy(&http.base);
}

/* A sealed object's file: "hello". */
static lg_backend_object object(const char *key, char *path, size_t pathlen) {
  snprintf(path, pathlen, "/tmp/lg_test_backend_s3_XXXXXX");
  int fd = mkstemp(path);
  ASSERT_MSG(fd >= 0, "mkstemp");
  ASSERT_INT_EQ(write(fd, "hello", 5), 5, "write the object");
  close(fd);
  return (lg_backend_object){key, path, 5, "application/x-ndjson", "gzip"};
}

#define KEY "unicorns/dt=2026-11-27/hr=02/host-20261127T021944932Z-1764209984932767.json.gz"
#define ERROR_XML(code, msg) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" code "</Code><Message>" msg \
  "</Message><RequestId>R1</RequestId></Error>"

/* ===================== tests ===================== */

static void objects_go_under_the_prefix_with_type_encoding_and_checksum(void) {
  lg_backend *b = open_backend("s3://lake-bucket/raw/lake/", NULL, NULL);
  ASSERT_STR_EQ(b->url, "s3://lake-bucket/raw/lake", "the root, without a trailing '/'");
  char path[64], err[1024];
  lg_backend_object obj = object(KEY, path, sizeof path);
  int retryable = -1;
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, err);
  ASSERT_STR_EQ(http.url, "http://127.0.0.1:9000/lake-bucket/raw/lake/unicorns/dt%3D2026-11-27/hr%3D02/"
                "host-20261127T021944932Z-1764209984932767.json.gz", "bucket, prefix, the lake's key");
  ASSERT_MEM_EQ(http.sent.data, http.sent.len, "hello", 5, "the file's bytes");
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "Content-Type"), "application/x-ndjson", "type");
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "Content-Encoding"), "gzip", "encoding");
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==",
                "S3 checks the bytes against their MD5");
  ASSERT_MSG(lg_http_headers_get(&http.headers, "x-amz-server-side-encryption") == NULL,
             "no encryption header: the bucket's default applies");
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, "a second put of the same key");
  ASSERT_INT_EQ(http.ncalls, 2, "overwrites with one more PUT");
  unlink(path);
  close_backend(b);
}

static void a_bucket_without_prefix_and_encryption(void) {
  lg_backend *b = open_backend("s3://lake-bucket", "aws:kms", "alias/lake");
  ASSERT_STR_EQ(b->url, "s3://lake-bucket", "no prefix");
  char path[64], err[1024];
  lg_backend_object obj = object("t/dt=2026-01-01/hr=00/a.json.gz", path, sizeof path);
  int retryable = -1;
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, err);
  ASSERT_STR_EQ(http.url, "http://127.0.0.1:9000/lake-bucket/t/dt%3D2026-01-01/hr%3D00/a.json.gz",
                "the key at the bucket's root");
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "x-amz-server-side-encryption"), "aws:kms", "SSE-KMS");
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "x-amz-server-side-encryption-aws-kms-key-id"),
                "alias/lake", "the key id");
  close_backend(b);
  b = open_backend("s3://lake-bucket/p", "AES256", "");
  ASSERT_INT_EQ(b->vt->put(b, &obj, err, sizeof err, &retryable), LG_OK, err);
  ASSERT_STR_EQ(lg_http_headers_get(&http.headers, "x-amz-server-side-encryption"), "AES256", "SSE-S3");
  ASSERT_MSG(lg_http_headers_get(&http.headers, "x-amz-server-side-encryption-aws-kms-key-id") == NULL,
             "no key id with SSE-S3");
  unlink(path);
  close_backend(b);
}

/* Puts obj once more with the next answers scripted; returns the backend's verdict. */
static int put_with(lg_backend *b, const lg_backend_object *obj, long status, const char *body,
                    int times, char *err, size_t errlen, int *retryable) {
  http.ncalls = 0;
  http.nscripted = times;
  for (int i = 0; i < times; i++) {
    http.status[i] = status;
    http.body[i] = body;
  }
  *retryable = -1;
  return b->vt->put(b, obj, err, errlen, retryable);
}

static void failures_say_whether_a_retry_can_help(void) {
  lg_backend *b = open_backend("s3://lake-bucket/lake", NULL, NULL);
  char path[64], err[1024];
  lg_backend_object obj = object(KEY, path, sizeof path);
  int retryable;
  ASSERT_INT_EQ(put_with(b, &obj, 403, ERROR_XML("SignatureDoesNotMatch", "The request signature we "
                         "calculated does not match"), 1, err, sizeof err, &retryable), LG_ERR, "403");
  ASSERT_STR_EQ(err, "s3: PUT s3://lake-bucket/lake/" KEY ": 403 SignatureDoesNotMatch (The request "
                "signature we calculated does not match)", "S3's own words, with the object");
  ASSERT_INT_EQ(retryable, 0, "a wrong secret needs an operator");
  ASSERT_INT_EQ(http.ncalls, 1, "and is not retried inside the client");
  ASSERT_MSG(strstr(err, "lake-secret-key") == NULL && strstr(err, "AKIDLAKE") == NULL,
             "no credentials in the message");
  ASSERT_INT_EQ(put_with(b, &obj, 404, ERROR_XML("NoSuchBucket", "The specified bucket does not exist"),
                         1, err, sizeof err, &retryable), LG_ERR, "404");
  ASSERT_MSG(strstr(err, ": 404 NoSuchBucket (The specified bucket does not exist)") != NULL, err);
  ASSERT_INT_EQ(retryable, 0, "a missing bucket needs an operator");
  ASSERT_INT_EQ(put_with(b, &obj, 503, ERROR_XML("SlowDown", "Please reduce your request rate."), 3,
                         err, sizeof err, &retryable), LG_ERR, "503 three times");
  ASSERT_INT_EQ(retryable, 1, "throttling passes later");
  ASSERT_INT_EQ(http.ncalls, 3, "retried inside the client first");
  ASSERT_MSG(strstr(err, ": 503 SlowDown (Please reduce your request rate.) after 3 attempts") != NULL, err);
  ASSERT_INT_EQ(put_with(b, &obj, 0, NULL, 3, err, sizeof err, &retryable), LG_ERR, "refused");
  ASSERT_INT_EQ(retryable, 1, "an unreachable endpoint may come back");
  ASSERT_MSG(strstr(err, "connection refused (scripted) after 3 attempts") != NULL, err);
  ASSERT_INT_EQ(put_with(b, &obj, 503, ERROR_XML("SlowDown", "Please reduce your request rate."), 1,
                         err, sizeof err, &retryable), LG_OK, "passes when S3 does");
  unlink(path);
  obj.path = path;   /* now missing: the outbox copy is gone */
  ASSERT_INT_EQ(put_with(b, &obj, 200, NULL, 0, err, sizeof err, &retryable), LG_ERR, "no file");
  ASSERT_MSG(strstr(err, "open ") != NULL && strstr(err, path) != NULL, err);
  close_backend(b);
}

#define EMPTY_LISTING \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>lake-bucket</Name>" \
  "<Prefix>lake/</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated>" \
  "</ListBucketResult>"

/* The check lists one key under the prefix (what s3:ListBucket on the prefix allows). */
static void the_check_lists_one_key_under_the_prefix(void) {
  lg_backend *b = open_backend("s3://lake-bucket/lake", NULL, NULL);
  char err[1024];
  int retryable = -1;
  http.nscripted = 1;
  http.status[0] = 200;
  http.body[0] = EMPTY_LISTING;
  ASSERT_INT_EQ(b->vt->check(b, err, sizeof err, &retryable), LG_OK, err);
  ASSERT_MSG(strstr(http.url, "http://127.0.0.1:9000/lake-bucket/?") == http.url, http.url);
  ASSERT_MSG(strstr(http.url, "list-type=2") && strstr(http.url, "max-keys=1") &&
             strstr(http.url, "prefix=lake%2F"), http.url);
  http.ncalls = 0;
  http.status[0] = 404;
  http.body[0] = ERROR_XML("NoSuchBucket", "The specified bucket does not exist");
  ASSERT_INT_EQ(b->vt->check(b, err, sizeof err, &retryable), LG_ERR, "no bucket");
  ASSERT_STR_EQ(err, "s3: LIST s3://lake-bucket/lake/: 404 NoSuchBucket (The specified bucket does "
                "not exist)", "S3's words, with what was asked");
  ASSERT_INT_EQ(retryable, 0, "a missing bucket needs an operator");
  http.ncalls = 0;
  http.nscripted = 3;
  for (int i = 0; i < 3; i++) http.status[i] = 0;
  ASSERT_INT_EQ(b->vt->check(b, err, sizeof err, &retryable), LG_ERR, "refused");
  ASSERT_INT_EQ(retryable, 1, "an unreachable endpoint may come back");
  close_backend(b);
}

static void settings_are_checked(void) {
  char err[LG_ERRLEN];
  lg_backend_options opt = {"AES-256", NULL};
  ASSERT_MSG(lg_backend_s3_new("s3://lake-bucket/x", scripted_client(), &opt, err, sizeof err) == NULL,
             "an unknown encryption");
  ASSERT_STR_EQ(err, "lake: lake_sse must be none, AES256 or aws:kms, got 'AES-256'", "message");
  lg_aws_provider_free(creds);
  opt = (lg_backend_options){"AES256", "alias/lake"};
  ASSERT_MSG(lg_backend_s3_new("s3://lake-bucket/x", scripted_client(), &opt, err, sizeof err) == NULL,
             "a KMS key without aws:kms");
  ASSERT_STR_EQ(err, "lake: lake_sse_kms_key_id is set but lake_sse is not aws:kms", "message");
  lg_aws_provider_free(creds);
  ASSERT_MSG(lg_backend_s3_new("s3://Lake_Bucket/x", scripted_client(), NULL, err, sizeof err) == NULL,
             "a bad bucket name");
  ASSERT_STR_EQ(err, "lake: s3: \"s3://Lake_Bucket/x\": bad bucket name \"Lake_Bucket\"", "message");
  lg_aws_provider_free(creds);
  opt = (lg_backend_options){"aws:kms", NULL};
  ASSERT_MSG(lg_backend_open("/tmp/lg-lake-never-made", &opt, err, sizeof err) == NULL,
             "encryption for a directory lake");
  ASSERT_STR_EQ(err, "lake: /tmp/lg-lake-never-made: server-side encryption (lake_sse, "
                "lake_sse_kms_key_id) applies to s3:// lakes only", "message");
  ASSERT_MSG(lg_backend_open("gs://bucket/lake", NULL, err, sizeof err) == NULL, "another scheme");
  ASSERT_MSG(strstr(err, "unsupported lake URL 'gs://bucket/lake'") != NULL, err);
  opt = (lg_backend_options){"none", ""};
  lg_backend *b = lg_backend_open("file:///tmp/lg-lake-none-sse", &opt, err, sizeof err);
  ASSERT_MSG(b != NULL, "\"none\" is no encryption, fine for a directory");
  ASSERT_STR_EQ(b->url, "file:///tmp/lg-lake-none-sse", "file://");
  lg_backend_close(b);
  rmdir("/tmp/lg-lake-none-sse");
}

const lg_test_case backend_s3_tests[] = {
  {"objects_go_under_the_prefix_with_type_encoding_and_checksum",
   objects_go_under_the_prefix_with_type_encoding_and_checksum},
  {"a_bucket_without_prefix_and_encryption", a_bucket_without_prefix_and_encryption},
  {"failures_say_whether_a_retry_can_help", failures_say_whether_a_retry_can_help},
  {"the_check_lists_one_key_under_the_prefix", the_check_lists_one_key_under_the_prefix},
  {"settings_are_checked", settings_are_checked},
  {NULL, NULL},
};
