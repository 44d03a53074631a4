/* Tests for aws/s3*.c and aws/request.c over a scripted fake transport: addressing,
 * headers, checksums, error messages, which failures are retried (and which never are),
 * multipart uploads (with abort), listing pages. The same client against a real
 * S3-compatible server is tested in test_s3_moto.c. */
#include "test.h"
#include "fake_http.h"
#include "aws/digest.h"
#include "aws/s3.h"
#include "util/common.h"

#include <stdlib.h>
#include <unistd.h>

/* ===================== the fake transport ===================== */

#define MAX_EXCHANGES FAKE_HTTP_MAX

typedef fake_answer answer;

static fake_http fake;
static long slept[MAX_EXCHANGES];
static int nslept;

static time_t fixed_now(void) {
  return 1440938160;   /* 2015-08-30T12:36:00Z */
}

static void record_sleep(long ms) {
  slept[nslept++] = ms;
}

/* A client on the fake transport with static credentials. */
static lg_s3 *fake_client(const char *endpoint, lg_s3_addressing addressing, lg_aws_provider **creds) {
  fake_http_init(&fake);
  nslept = 0;
  unsetenv("AWS_ENDPOINT_URL");   /* only the test decides the endpoint */
  setenv("AWS_CONFIG_FILE", "/dev/null", 1);
  char err[LG_ERRLEN];
  *creds = lg_aws_provider_new_static("AKIDTEST", "secret", NULL, err, sizeof err);
  ASSERT_MSG(*creds != NULL, err);
  lg_s3_options o = {"eu-west-1", endpoint, NULL, addressing, *creds, &fake.base, {3, 100, 5000},
                     8, 4, 0, fixed_now, record_sleep};
  lg_s3 *s3 = lg_s3_new(&o, err, sizeof err);
  if (s3 == NULL) LG_TEST_FAIL("lg_s3_new: %s", err);
  return s3;
}

/* The usual client: path style on 127.0.0.1:9000. */
static lg_s3 *local_client(lg_aws_provider **creds) {
  return fake_client("http://127.0.0.1:9000", LG_S3_ADDRESSING_AUTO, creds);
}

static void free_client(lg_s3 *s3, lg_aws_provider *creds) {
  lg_s3_free(s3);
  lg_aws_provider_free(creds);
  fake_http_free(&fake);
}

static void script(answer a) {
  fake_http_script(&fake, a);
}

static const char *header(int i, const char *name) {
  return lg_http_headers_get(&fake.seen[i].headers, name);
}

#define INITIATE_XML(id) \
  "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>" id \
  "</UploadId></InitiateMultipartUploadResult>"

#define ERROR_XML(code, msg) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" code "</Code><Message>" msg \
  "</Message><RequestId>R1</RequestId></Error>"

/* ===================== addressing ===================== */

static void path_style_for_ip_endpoints_virtual_for_aws(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  ASSERT_INT_EQ(lg_s3_put(s3, "bkt", "lake/t/dt=2026-01-02/hr=03/a b.json.gz", "x", 1, NULL, NULL, &err),
                LG_OK, err.message);
  ASSERT_STR_EQ(fake.seen[0].url, "http://127.0.0.1:9000/bkt/lake/t/dt%3D2026-01-02/hr%3D03/a%20b.json.gz",
                "path style, key encoded once with '/' kept");
  ASSERT_STR_EQ(header(0, "Host"), "127.0.0.1:9000", "Host with the port");
  free_client(s3, c);

  s3 = fake_client(NULL, LG_S3_ADDRESSING_AUTO, &c);
  ASSERT_STR_EQ(lg_s3_endpoint(s3), "https://s3.eu-west-1.amazonaws.com", "the regional endpoint");
  lg_s3_head(s3, "bkt", "k", NULL, &err);
  lg_s3_head(s3, "my.bucket", "k", NULL, &err);
  ASSERT_STR_EQ(fake.seen[0].url, "https://bkt.s3.eu-west-1.amazonaws.com/k", "virtual host");
  ASSERT_STR_EQ(header(0, "Host"), "bkt.s3.eu-west-1.amazonaws.com", "virtual Host");
  ASSERT_STR_EQ(fake.seen[1].url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k",
                "a dotted bucket over https goes path style (the certificate is *.s3...)");
  free_client(s3, c);

  s3 = fake_client("http://localhost:4566", LG_S3_ADDRESSING_VIRTUAL, &c);
  lg_s3_delete(s3, "bkt", "k", &err);
  ASSERT_STR_EQ(fake.seen[0].url, "http://bkt.localhost:4566/k", "virtual style when asked");
  ASSERT_STR_EQ(fake.seen[0].method, "DELETE", "DeleteObject");
  free_client(s3, c);
}

static void endpoint_from_environment_and_bad_endpoints(void) {
  setenv("AWS_ENDPOINT_URL_S3", "http://10.1.2.3:7480", 1);
  lg_aws_provider *c;
  lg_s3 *s3 = fake_client(NULL, LG_S3_ADDRESSING_AUTO, &c);
  ASSERT_STR_EQ(lg_s3_endpoint(s3), "http://10.1.2.3:7480", "AWS_ENDPOINT_URL_S3");
  free_client(s3, c);
  unsetenv("AWS_ENDPOINT_URL_S3");
  char err[LG_ERRLEN];
  c = lg_aws_provider_new_static("AKIDTEST", "secret", NULL, err, sizeof err);
  lg_s3_options o = {"eu-west-1", "http://minio:9000/sub", NULL, 0, c, &fake.base, {0}, 0, 0, 0, NULL, NULL};
  ASSERT_MSG(lg_s3_new(&o, err, sizeof err) == NULL, "an endpoint with a path");
  ASSERT_STR_EQ(err, "s3: endpoint \"http://minio:9000/sub\" has a path; give scheme://host[:port]", "message");
  o.endpoint = "ftp://x";
  ASSERT_MSG(lg_s3_new(&o, err, sizeof err) == NULL, "not http");
  ASSERT_STR_EQ(err, "s3: endpoint \"ftp://x\" is not http or https", "message");
  lg_aws_provider_free(c);
}

/* ===================== PutObject ===================== */

static void put_sends_checksums_types_and_sse(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){200, NULL, "\"etag1\"", 0});
  lg_s3_put_options po = {"application/x-ndjson", "gzip", LG_S3_CHECKSUM_MD5, LG_S3_SSE_KMS, "key-1"};
  lg_s3_object out;
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "hello", 5, &po, &out, &err), LG_OK, err.message);
  ASSERT_STR_EQ(out.etag, "\"etag1\"", "ETag of the answer");
  ASSERT_STR_EQ(fake.seen[0].method, "PUT", "PutObject");
  ASSERT_STR_EQ(fake.seen[0].body.data, "hello", "body");
  ASSERT_STR_EQ(header(0, "Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==", "base64 MD5 of the body");
  ASSERT_STR_EQ(header(0, "Content-Type"), "application/x-ndjson", "type");
  ASSERT_STR_EQ(header(0, "Content-Encoding"), "gzip", "encoding");
  ASSERT_STR_EQ(header(0, "x-amz-server-side-encryption"), "aws:kms", "SSE-KMS");
  ASSERT_STR_EQ(header(0, "x-amz-server-side-encryption-aws-kms-key-id"), "key-1", "KMS key");
  ASSERT_STR_EQ(header(0, "x-amz-content-sha256"),
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "payload hash");
  ASSERT_STR_EQ(header(0, "X-Amz-Date"), "20150830T123600Z", "the injected clock");
  const char *auth = header(0, "Authorization");
  const char *signed_list = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20150830/eu-west-1/s3/aws4_request, "
                            "SignedHeaders=content-encoding;content-md5;content-type;host;"
                            "x-amz-content-sha256;x-amz-date;x-amz-server-side-encryption;"
                            "x-amz-server-side-encryption-aws-kms-key-id, Signature=";
  ASSERT_MSG(auth && strncmp(auth, signed_list, strlen(signed_list)) == 0, "every header is signed");
  po = (lg_s3_put_options){NULL, NULL, LG_S3_CHECKSUM_SHA256, LG_S3_SSE_AES256, NULL};
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "hello", 5, &po, NULL, &err), LG_OK, err.message);
  ASSERT_STR_EQ(header(1, "x-amz-checksum-sha256"), "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
                "base64 SHA-256 of the body");
  ASSERT_MSG(header(1, "Content-MD5") == NULL, "no MD5 with a SHA-256 checksum");
  ASSERT_STR_EQ(header(1, "x-amz-server-side-encryption"), "AES256", "SSE-S3");
  free_client(s3, c);
}

/* ===================== errors and retries ===================== */

static void auth_errors_are_reported_and_never_retried(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){403, ERROR_XML("SignatureDoesNotMatch", "The request signature we calculated does "
                                 "not match the signature you provided."), NULL, 0});
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "x", 1, NULL, NULL, &err), LG_ERR, "403");
  ASSERT_STR_EQ(err.message, "s3: PUT s3://b/k: 403 SignatureDoesNotMatch (The request signature we "
                             "calculated does not match the signature you provided.)", "message");
  ASSERT_STR_EQ(err.code, "SignatureDoesNotMatch", "code");
  ASSERT_INT_EQ(err.retryable, 0, "not retryable");
  ASSERT_INT_EQ(fake.nseen, 1, "sent once");
  ASSERT_INT_EQ(nslept, 0, "no backoff");
  free_client(s3, c);

  s3 = local_client(&c);
  script((answer){404, NULL, NULL, 0});
  ASSERT_INT_EQ(lg_s3_head(s3, "b", "missing", NULL, &err), LG_ERR, "HEAD 404");
  ASSERT_STR_EQ(err.message, "s3: HEAD s3://b/missing: 404 Not Found", "a status without a document");
  ASSERT_INT_EQ(err.status, 404, "status");
  ASSERT_INT_EQ(fake.nseen, 1, "404 is not retried");
  free_client(s3, c);
}

static void throttling_and_5xx_are_retried_with_backoff(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){503, ERROR_XML("SlowDown", "Please reduce your request rate."), NULL, 0});
  script((answer){0, NULL, NULL, 1});
  script((answer){200, NULL, "\"e\"", 0});
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "x", 1, NULL, NULL, &err), LG_OK, "third attempt passes");
  ASSERT_INT_EQ(fake.nseen, 3, "three attempts");
  ASSERT_INT_EQ(nslept, 2, "two waits");
  ASSERT_MSG(slept[0] >= 0 && slept[0] <= 100 && slept[1] >= 0 && slept[1] <= 200,
             "full jitter under the doubling cap");
  ASSERT_MSG(strcmp(header(0, "X-Amz-Date"), "20150830T123600Z") == 0, "each attempt is signed");
  free_client(s3, c);

  s3 = local_client(&c);
  for (int i = 0; i < 3; i++)
    script((answer){503, ERROR_XML("SlowDown", "Please reduce your request rate."), NULL, 0});
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "x", 1, NULL, NULL, &err), LG_ERR, "out of attempts");
  ASSERT_STR_EQ(err.message, "s3: PUT s3://b/k: 503 SlowDown (Please reduce your request rate.) "
                             "after 3 attempts", "message");
  ASSERT_INT_EQ(err.retryable, 1, "the caller may try again later");
  free_client(s3, c);

  s3 = local_client(&c);
  script((answer){0, NULL, NULL, 0});
  ASSERT_INT_EQ(lg_s3_get(s3, "b", "k", &(lg_buf)LG_BUF_INIT, 0, NULL, &err), LG_ERR, "fatal transport error");
  ASSERT_INT_EQ(fake.nseen, 1, "a non-retryable transport failure is not retried");
  ASSERT_STR_EQ(err.message, "s3: GET s3://b/k: connection refused (fake)", "message");
  free_client(s3, c);
}

static void expired_token_refreshes_credentials_once(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){400, ERROR_XML("ExpiredToken", "The provided token has expired."), NULL, 0});
  script((answer){200, NULL, NULL, 0});
  ASSERT_INT_EQ(lg_s3_delete(s3, "b", "k", &err), LG_OK, "passes with fresh credentials");
  ASSERT_INT_EQ(fake.nseen, 2, "resent once");
  ASSERT_INT_EQ(nslept, 0, "without a backoff");
  free_client(s3, c);
  s3 = local_client(&c);
  script((answer){400, ERROR_XML("ExpiredToken", "expired"), NULL, 0});
  script((answer){400, ERROR_XML("ExpiredToken", "expired"), NULL, 0});
  ASSERT_INT_EQ(lg_s3_delete(s3, "b", "k", &err), LG_ERR, "fresh credentials refused too");
  ASSERT_INT_EQ(fake.nseen, 2, "only one renewal");
  free_client(s3, c);
}

/* ===================== multipart ===================== */

static void multipart_upload_above_the_threshold(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);   /* parts of 4 */
  script((answer){200, INITIATE_XML("up/1+x"), NULL, 0});
  script((answer){200, NULL, "\"p1\"", 0});
  script((answer){200, NULL, "\"p2\"", 0});
  script((answer){200, NULL, "\"p3\"", 0});
  script((answer){200, "<CompleteMultipartUploadResult><ETag>\"final-3\"</ETag>"
                       "</CompleteMultipartUploadResult>", NULL, 0});
  lg_s3_put_options po = {"application/x-ndjson", "gzip", LG_S3_CHECKSUM_MD5, LG_S3_SSE_AES256, NULL};
  lg_s3_object out;
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "0123456789", 10, &po, &out, &err), LG_OK, err.message);
  ASSERT_INT_EQ(fake.nseen, 5, "create, three parts, complete");
  ASSERT_STR_EQ(fake.seen[0].url, "http://127.0.0.1:9000/b/k?uploads=", "CreateMultipartUpload");
  ASSERT_STR_EQ(fake.seen[0].method, "POST", "create is a POST");
  ASSERT_STR_EQ(header(0, "Content-Type"), "application/x-ndjson", "type set at create");
  ASSERT_STR_EQ(header(0, "x-amz-server-side-encryption"), "AES256", "SSE set at create");
  ASSERT_STR_EQ(fake.seen[2].url, "http://127.0.0.1:9000/b/k?partNumber=2&uploadId=up%2F1%2Bx",
                "UploadPart with the encoded upload id");
  ASSERT_STR_EQ(fake.seen[1].body.data, "0123", "part 1");
  ASSERT_STR_EQ(fake.seen[2].body.data, "4567", "part 2");
  ASSERT_STR_EQ(fake.seen[3].body.data, "89", "the last part is short");
  ASSERT_MSG(header(3, "Content-MD5") != NULL, "each part carries its MD5");
  ASSERT_STR_EQ(fake.seen[4].body.data,
                "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                "<Part><ETag>\"p1\"</ETag><PartNumber>1</PartNumber></Part>"
                "<Part><ETag>\"p2\"</ETag><PartNumber>2</PartNumber></Part>"
                "<Part><ETag>\"p3\"</ETag><PartNumber>3</PartNumber></Part></CompleteMultipartUpload>",
                "CompleteMultipartUpload lists every part");
  ASSERT_STR_EQ(out.etag, "\"final-3\"", "the object's ETag");
  ASSERT_INT_EQ(out.size, 10, "size");
  free_client(s3, c);
}

static void failed_part_aborts_the_upload(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){200, INITIATE_XML("U"), NULL, 0});
  script((answer){200, NULL, "\"p1\"", 0});
  script((answer){403, ERROR_XML("AccessDenied", "Access Denied"), NULL, 0});
  script((answer){204, NULL, NULL, 0});
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "0123456789", 10, NULL, NULL, &err), LG_ERR, "part 2 fails");
  ASSERT_STR_EQ(err.message, "s3: PUT s3://b/k (part 2 of 3): 403 AccessDenied (Access Denied)", "message");
  ASSERT_INT_EQ(fake.nseen, 4, "create, part 1, part 2, abort");
  ASSERT_STR_EQ(fake.seen[3].method, "DELETE", "AbortMultipartUpload");
  ASSERT_STR_EQ(fake.seen[3].url, "http://127.0.0.1:9000/b/k?uploadId=U", "abort names the upload");
  free_client(s3, c);
}

static void error_inside_a_200_completion_is_retried(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){200, INITIATE_XML("U"), NULL, 0});
  for (int i = 0; i < 3; i++) script((answer){200, NULL, "\"p\"", 0});
  script((answer){200, ERROR_XML("InternalError", "We encountered an internal error."), NULL, 0});
  script((answer){200, "<CompleteMultipartUploadResult><ETag>\"f\"</ETag></CompleteMultipartUploadResult>",
                  NULL, 0});
  ASSERT_INT_EQ(lg_s3_put(s3, "b", "k", "0123456789", 10, NULL, NULL, &err), LG_OK, err.message);
  ASSERT_INT_EQ(fake.nseen, 6, "the completion was sent twice");
  ASSERT_INT_EQ(nslept, 1, "after a backoff");
  free_client(s3, c);
}

static void put_file_reads_part_by_part(void) {
  char path[] = "/tmp/lg_test_s3_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_MSG(fd >= 0 && write(fd, "abcdefghij", 10) == 10, "temporary file");
  close(fd);
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){200, INITIATE_XML("U"), NULL, 0});
  for (int i = 0; i < 3; i++) script((answer){200, NULL, "\"p\"", 0});
  ASSERT_INT_EQ(lg_s3_put_file(s3, "b", "k", path, NULL, NULL, &err), LG_OK, err.message);
  ASSERT_STR_EQ(fake.seen[1].body.data, "abcd", "part 1 from the file");
  ASSERT_STR_EQ(fake.seen[3].body.data, "ij", "part 3 from the file");
  ASSERT_INT_EQ(lg_s3_put_file(s3, "b", "k", "/nonexistent/x", NULL, NULL, &err), LG_ERR, "missing file");
  ASSERT_STR_EQ(err.message, "s3: PUT s3://b/k: open /nonexistent/x: No such file or directory", "message");
  free_client(s3, c);
  unlink(path);
}

/* ===================== listing ===================== */

static int collect(void *ud, const lg_s3_object *o) {
  lg_buf *keys = ud;
  lg_buf_appendf(keys, "%s:%llu,", o->key, (unsigned long long)o->size);
  return 0;
}

static void listing_follows_continuation_tokens(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  script((answer){200, "<ListBucketResult><IsTruncated>true</IsTruncated>"
                       "<Contents><Key>lake/a&amp;b</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag></Contents>"
                       "<NextContinuationToken>tok/1=</NextContinuationToken></ListBucketResult>", NULL, 0});
  script((answer){200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
                       "<Contents><Key>lake/c</Key><Size>40</Size></Contents></ListBucketResult>", NULL, 0});
  lg_buf keys = LG_BUF_INIT;
  ASSERT_INT_EQ(lg_s3_list(s3, "b", "lake/", collect, &keys, &err), LG_OK, err.message);
  ASSERT_STR_EQ(keys.data, "lake/a&b:3,lake/c:40,", "every object of both pages");
  ASSERT_STR_EQ(fake.seen[0].url, "http://127.0.0.1:9000/b/?list-type=2&prefix=lake%2F", "first page");
  ASSERT_STR_EQ(fake.seen[1].url,
                "http://127.0.0.1:9000/b/?list-type=2&continuation-token=tok%2F1%3D&prefix=lake%2F",
                "second page with the token");
  lg_buf_free(&keys);
  lg_s3_listing page = LG_S3_LISTING_INIT;
  script((answer){200, "<ListBucketResult><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>t/dt=1/"
                       "</Prefix></CommonPrefixes><CommonPrefixes><Prefix>t/dt=2/</Prefix></CommonPrefixes>"
                       "</ListBucketResult>", NULL, 0});
  lg_s3_list_options lo = {"t/", "/", NULL, NULL, 2};
  ASSERT_INT_EQ(lg_s3_list_page(s3, "b", &lo, &page, &err), LG_OK, err.message);
  ASSERT_INT_EQ(page.nprefixes, 2, "common prefixes");
  ASSERT_STR_EQ(page.prefixes[1], "t/dt=2/", "second prefix");
  ASSERT_STR_EQ(fake.seen[2].url, "http://127.0.0.1:9000/b/?list-type=2&delimiter=%2F&max-keys=2&prefix=t%2F",
                "delimiter and page size");
  lg_s3_listing_free(&page);
  free_client(s3, c);
}

static void presigned_get_url(void) {
  lg_aws_provider *c;
  lg_aws_error err;
  lg_s3 *s3 = local_client(&c);
  lg_buf url = LG_BUF_INIT;
  ASSERT_INT_EQ(lg_s3_presign_get(s3, "b", "dt=1/k", 600, fixed_now(), &url, &err), LG_OK, err.message);
  const char *want = "http://127.0.0.1:9000/b/dt%3D1/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
                     "X-Amz-Credential=AKIDTEST%2F20150830%2Feu-west-1%2Fs3%2Faws4_request&"
                     "X-Amz-Date=20150830T123600Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&"
                     "X-Amz-Signature=";
  ASSERT_MSG(strncmp(url.data, want, strlen(want)) == 0 && strlen(url.data) == strlen(want) + 64,
             url.data);
  ASSERT_INT_EQ(fake.nseen, 0, "presigning sends nothing");
  lg_buf_free(&url);
  free_client(s3, c);
}

static void split_s3_uris(void) {
  char bucket[64], prefix[256], err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_s3_split_uri("s3://my-lake.data/lake/raw/", bucket, sizeof bucket, prefix,
                                sizeof prefix, err, sizeof err), LG_OK, err);
  ASSERT_STR_EQ(bucket, "my-lake.data", "bucket");
  ASSERT_STR_EQ(prefix, "lake/raw", "prefix without the trailing slash");
  ASSERT_INT_EQ(lg_s3_split_uri("s3://bkt", bucket, sizeof bucket, prefix, sizeof prefix, err,
                                sizeof err), LG_OK, err);
  ASSERT_STR_EQ(prefix, "", "no prefix");
  ASSERT_INT_EQ(lg_s3_split_uri("s3://Bad_Bucket/x", bucket, sizeof bucket, prefix, sizeof prefix,
                                err, sizeof err), LG_ERR, "uppercase and '_'");
  ASSERT_STR_EQ(err, "s3: \"s3://Bad_Bucket/x\": bad bucket name \"Bad_Bucket\"", "message");
  ASSERT_INT_EQ(lg_s3_split_uri("file:///tmp", bucket, sizeof bucket, prefix, sizeof prefix, err,
                                sizeof err), LG_ERR, "not s3://");
  ASSERT_STR_EQ(err, "s3: \"file:///tmp\" is not an s3://bucket[/prefix] URI", "message");
}

const lg_test_case s3_tests[] = {
  {"split_s3_uris", split_s3_uris},
  {"path_style_for_ip_endpoints_virtual_for_aws", path_style_for_ip_endpoints_virtual_for_aws},
  {"endpoint_from_environment_and_bad_endpoints", endpoint_from_environment_and_bad_endpoints},
  {"put_sends_checksums_types_and_sse", put_sends_checksums_types_and_sse},
  {"auth_errors_are_reported_and_never_retried", auth_errors_are_reported_and_never_retried},
  {"throttling_and_5xx_are_retried_with_backoff", throttling_and_5xx_are_retried_with_backoff},
  {"expired_token_refreshes_credentials_once", expired_token_refreshes_credentials_once},
  {"multipart_upload_above_the_threshold", multipart_upload_above_the_threshold},
  {"failed_part_aborts_the_upload", failed_part_aborts_the_upload},
  {"error_inside_a_200_completion_is_retried", error_inside_a_200_completion_is_retried},
  {"put_file_reads_part_by_part", put_file_reads_part_by_part},
  {"listing_follows_continuation_tokens", listing_follows_continuation_tokens},
  {"presigned_get_url", presigned_get_url},
  {NULL, NULL},
};
