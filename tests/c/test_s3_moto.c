/* Tests for the S3 client against a real S3-compatible server: moto's server mode with
 * signature checking on, started on 127.0.0.1 by tests/integration/moto_launcher.py
 * (once for the suite, stopped by PID at exit). moto accepts a wrong Content-MD5 and a
 * wrong payload hash, so every upload here is read back and compared byte for byte.
 * Presigned URLs are not tried here: with signature checking on, moto 5.2.1 answers any
 * request without an Authorization header with 500; test_sigv4.c checks presigning
 * against AWS's published presigned URL and aws-c-auth's query-signing suite. */
#include "test.h"
#include "aws/s3.h"
#include "util/common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define BUCKET "lakegate-test"
#define START_DEADLINE_MS 60000   /* moto imports slowly, under ASan more so */
#define STOP_DEADLINE_MS 10000

extern char **environ;

/* ===================== the moto server ===================== */

typedef struct moto {
  pid_t pid;                 /* 0 until started */
  char endpoint[128];
  char access_key_id[64];
  char secret_access_key[128];
} moto;

static moto server;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGTERM, a bounded wait, then SIGKILL. Registered with atexit. */
static void stop_moto(void) {
  if (server.pid <= 0) return;
  kill(server.pid, SIGTERM);
  int64_t end = now_ms() + STOP_DEADLINE_MS;
  while (waitpid(server.pid, NULL, WNOHANG) == 0) {
    if (now_ms() > end) {
      kill(server.pid, SIGKILL);
      waitpid(server.pid, NULL, 0);
      break;
    }
    usleep(20000);
  }
  server.pid = 0;
}

/* Reads the launcher's ready line (one JSON object) within the deadline. */
static void read_ready_line(int fd, char *line, size_t len) {
  size_t used = 0;
  int64_t end = now_ms() + START_DEADLINE_MS;
  while (used == 0 || line[used - 1] != '\n') {
    struct pollfd p = {fd, POLLIN, 0};
    int left = (int)(end - now_ms());
    if (left <= 0 || poll(&p, 1, left) <= 0)
      LG_TEST_FAIL("moto did not start within %d ms", START_DEADLINE_MS);
    ssize_t n = read(fd, line + used, len - used - 1);
    if (n <= 0)
      LG_TEST_FAIL("moto's launcher exited before it was ready (see its error above; "
                   "install moto with: pip install 'moto[server]')");
    used += (size_t)n;
    line[used] = '\0';
  }
}

static void start_moto(void) {
  if (server.pid > 0) return;
  int out[2];
  ASSERT_INT_EQ(pipe(out), 0, "pipe");
  char parent[32];
  snprintf(parent, sizeof parent, "%d", (int)getpid());
  char *argv[] = {LG_PYTHON3, LG_SOURCE_DIR "/tests/integration/moto_launcher.py", "--bucket",
                  BUCKET, "--parent-pid", parent, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawn(&server.pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  ASSERT_INT_EQ(rc, 0, "spawn moto's launcher");
  atexit(stop_moto);
  char line[1024];
  read_ready_line(out[0], line, sizeof line);
  close(out[0]);   /* the launcher prints nothing more on stdout */
  json_error_t jerr;
  json_t *ready = json_loads(line, 0, &jerr);
  ASSERT_MSG(ready != NULL, "the ready line is JSON");
  snprintf(server.endpoint, sizeof server.endpoint, "%s", json_string_value(json_object_get(ready, "endpoint")));
  snprintf(server.access_key_id, sizeof server.access_key_id, "%s",
           json_string_value(json_object_get(ready, "access_key_id")));
  snprintf(server.secret_access_key, sizeof server.secret_access_key, "%s",
           json_string_value(json_object_get(ready, "secret_access_key")));
  json_decref(ready);
}

/* ===================== clients ===================== */

typedef struct client {
  lg_s3 *s3;
  lg_aws_provider *creds;
} client;

static client connect_as(const char *access_key_id, const char *secret, const char *endpoint,
                         size_t threshold) {
  start_moto();
  char err[LG_ERRLEN];
  client c;
  c.creds = lg_aws_provider_new_static(access_key_id, secret, NULL, err, sizeof err);
  ASSERT_MSG(c.creds != NULL, err);
  lg_s3_options o = {"us-east-1", endpoint, NULL, LG_S3_ADDRESSING_AUTO, c.creds, NULL,
                     {3, 10, 50}, threshold, 5u << 20, 30000, NULL, NULL};
  c.s3 = lg_s3_new(&o, err, sizeof err);
  if (c.s3 == NULL) LG_TEST_FAIL("lg_s3_new: %s", err);
  return c;
}

static client connect_moto(void) {
  start_moto();
  return connect_as(server.access_key_id, server.secret_access_key, server.endpoint, 0);
}

static void disconnect(client *c) {
  lg_s3_free(c->s3);
  lg_aws_provider_free(c->creds);
}

/* Reads bucket/key back and compares it with data[0..len). */
static void assert_object(client *c, const char *key, const void *data, size_t len) {
  lg_buf got = LG_BUF_INIT;
  lg_aws_error err;
  if (lg_s3_get(c->s3, BUCKET, key, &got, 0, NULL, &err) != LG_OK) LG_TEST_FAIL("%s", err.message);
  ASSERT_INT_EQ(got.len, len, "object size read back");
  ASSERT_MSG(memcmp(got.data, data, len) == 0, "the bytes read back are the bytes written");
  lg_buf_free(&got);
}

/* n pseudo-random bytes (fixed seed: reproducible). Caller frees. */
static char *random_bytes(size_t n, unsigned seed) {
  char *p = malloc(n);
  ASSERT_MSG(p != NULL, "malloc");
  uint64_t x = 0x9E3779B97F4A7C15ull ^ seed;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[i] = (char)(x >> 24);
  }
  return p;
}

/* ===================== tests ===================== */

static void hive_keys_round_trip(void) {
  client c = connect_moto();
  lg_aws_error err;
  const char *key = "lake/unicorns/dt=2026-11-27/hr=02/host-1 a+b%é.json.gz";
  const char body[] = "{\"name\":\"honey\"}\n{\"name\":\"sparkle\"}\n";
  lg_s3_put_options po = {"application/x-ndjson", "gzip", LG_S3_CHECKSUM_MD5, LG_S3_SSE_NONE, NULL};
  lg_s3_object put, head;
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, key, body, sizeof body - 1, &po, &put, &err), LG_OK, err.message);
  ASSERT_MSG(put.etag[0] == '"', "PUT answers with an ETag");
  assert_object(&c, key, body, sizeof body - 1);
  ASSERT_INT_EQ(lg_s3_head(c.s3, BUCKET, key, &head, &err), LG_OK, err.message);
  ASSERT_INT_EQ(head.size, sizeof body - 1, "HEAD size");
  ASSERT_STR_EQ(head.etag, put.etag, "HEAD ETag");
  ASSERT_STR_EQ(head.content_type, "application/x-ndjson", "stored Content-Type");
  ASSERT_STR_EQ(head.content_encoding, "gzip", "stored Content-Encoding");
  ASSERT_INT_EQ(lg_s3_delete(c.s3, BUCKET, key, &err), LG_OK, err.message);
  ASSERT_INT_EQ(lg_s3_head(c.s3, BUCKET, key, &head, &err), LG_ERR, "gone after delete");
  ASSERT_INT_EQ(err.status, 404, "HEAD of a deleted key");
  lg_buf none = LG_BUF_INIT;
  ASSERT_INT_EQ(lg_s3_get(c.s3, BUCKET, key, &none, 0, NULL, &err), LG_ERR, "GET of a deleted key");
  ASSERT_STR_EQ(err.code, "NoSuchKey", "code");
  ASSERT_INT_EQ(err.retryable, 0, "a missing key is final");
  lg_buf_free(&none);
  disconnect(&c);
}

static int count_keys(void *ud, const lg_s3_object *o) {
  lg_buf *keys = ud;
  lg_buf_appendf(keys, "%s,", o->key + strlen("lake/t/dt=2026-01-01/"));
  return 0;
}

static void listing_pages_under_a_prefix(void) {
  client c = connect_moto();
  lg_aws_error err;
  char key[128];
  for (int i = 0; i < 7; i++) {
    snprintf(key, sizeof key, "lake/t/dt=2026-01-01/%d.json", i);
    ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, key, "{}", 2, NULL, NULL, &err), LG_OK, err.message);
  }
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, "lake/t/dt=2026-01-02/x.json", "{}", 2, NULL, NULL, &err),
                LG_OK, err.message);
  lg_s3_listing page = LG_S3_LISTING_INIT;
  lg_s3_list_options lo = {"lake/t/dt=2026-01-01/", NULL, NULL, NULL, 3};
  int pages = 0;
  size_t total = 0;
  char *token = NULL;
  do {
    lo.continuation_token = token;
    ASSERT_INT_EQ(lg_s3_list_page(c.s3, BUCKET, &lo, &page, &err), LG_OK, err.message);
    pages++;
    total += page.count;
    free(token);
    token = page.next_token ? strdup(page.next_token) : NULL;
  } while (page.truncated && pages < 10);
  free(token);
  ASSERT_INT_EQ(pages, 3, "7 keys in pages of 3");
  ASSERT_INT_EQ(total, 7, "every key once");
  lg_buf keys = LG_BUF_INIT;
  ASSERT_INT_EQ(lg_s3_list(c.s3, BUCKET, "lake/t/dt=2026-01-01/", count_keys, &keys, &err), LG_OK, err.message);
  ASSERT_STR_EQ(keys.data, "0.json,1.json,2.json,3.json,4.json,5.json,6.json,", "in key order");
  lo = (lg_s3_list_options){"lake/t/", "/", NULL, NULL, 0};
  ASSERT_INT_EQ(lg_s3_list_page(c.s3, BUCKET, &lo, &page, &err), LG_OK, err.message);
  ASSERT_INT_EQ(page.nprefixes, 2, "two partitions");
  ASSERT_STR_EQ(page.prefixes[0], "lake/t/dt=2026-01-01/", "first partition");
  lg_s3_listing_free(&page);
  lg_buf_free(&keys);
  disconnect(&c);
}

static void multipart_upload_from_memory_and_file(void) {
  start_moto();
  client c = connect_as(server.access_key_id, server.secret_access_key, server.endpoint, 5u << 20);
  lg_aws_error err;
  size_t n = (11u << 20) + 12345;   /* three parts: 5 MiB, 5 MiB, the rest */
  char *data = random_bytes(n, 1);
  lg_s3_put_options po = {"application/x-ndjson", "gzip", LG_S3_CHECKSUM_MD5, LG_S3_SSE_AES256, NULL};
  lg_s3_object out;
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, "big/dt=1/memory.bin", data, n, &po, &out, &err), LG_OK, err.message);
  if (strstr(out.etag, "-3\"") == NULL) LG_TEST_FAIL("a multipart ETag names its 3 parts: %s", out.etag);
  assert_object(&c, "big/dt=1/memory.bin", data, n);
  lg_s3_object head;
  ASSERT_INT_EQ(lg_s3_head(c.s3, BUCKET, "big/dt=1/memory.bin", &head, &err), LG_OK, err.message);
  ASSERT_STR_EQ(head.content_encoding, "gzip", "headers given at create apply to the object");
  ASSERT_STR_EQ(head.sse, "AES256", "SSE given at create applies to the object");
  char path[] = "/tmp/lg_test_s3_moto_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_MSG(fd >= 0 && write(fd, data, n) == (ssize_t)n, "temporary file");
  close(fd);
  ASSERT_INT_EQ(lg_s3_put_file(c.s3, BUCKET, "big/dt=1/file.bin", path, NULL, &out, &err), LG_OK, err.message);
  assert_object(&c, "big/dt=1/file.bin", data, n);
  unlink(path);
  free(data);
  disconnect(&c);
}

static void sha256_checksum_and_kms_encryption(void) {
  client c = connect_moto();
  lg_aws_error err;
  lg_s3_put_options po = {NULL, NULL, LG_S3_CHECKSUM_SHA256, LG_S3_SSE_KMS, "alias/lake"};
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, "kms/dt=1/x", "abc", 3, &po, NULL, &err), LG_OK, err.message);
  assert_object(&c, "kms/dt=1/x", "abc", 3);
  lg_s3_object head;
  ASSERT_INT_EQ(lg_s3_head(c.s3, BUCKET, "kms/dt=1/x", &head, &err), LG_OK, err.message);
  ASSERT_STR_EQ(head.sse, "aws:kms", "SSE-KMS");
  disconnect(&c);
}

static void wrong_secret_is_rejected_and_not_retried(void) {
  start_moto();
  client c = connect_as(server.access_key_id, "not-the-secret", server.endpoint, 0);
  lg_aws_error err;
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, "lake/dt=2026-01-01/x", "x", 1, NULL, NULL, &err), LG_ERR,
                "a wrong secret fails");
  ASSERT_INT_EQ(err.status, 403, "403");
  ASSERT_STR_EQ(err.code, "SignatureDoesNotMatch", "moto still checks signatures");
  const char *want = "s3: PUT s3://" BUCKET "/lake/dt=2026-01-01/x: 403 SignatureDoesNotMatch (";
  ASSERT_MSG(strncmp(err.message, want, strlen(want)) == 0, err.message);
  ASSERT_INT_EQ(err.retryable, 0, "auth errors are final");
  ASSERT_INT_EQ(err.attempts, 1, "and never retried");
  disconnect(&c);
  c = connect_as("AKIANOSUCHKEY0000000", "x", server.endpoint, 0);
  ASSERT_INT_EQ(lg_s3_head(c.s3, BUCKET, "x", NULL, &err), LG_ERR, "an unknown key id fails");
  ASSERT_INT_EQ(err.status, 403, "403 for an unknown access key");
  disconnect(&c);
}

static void missing_bucket_and_unreachable_endpoint(void) {
  client c = connect_moto();
  lg_aws_error err;
  ASSERT_INT_EQ(lg_s3_put(c.s3, "no-such-bucket", "k", "x", 1, NULL, NULL, &err), LG_ERR, "missing bucket");
  ASSERT_STR_EQ(err.code, "NoSuchBucket", "code");
  ASSERT_INT_EQ(err.retryable, 0, "final");
  disconnect(&c);
  /* A port nobody listens on: refused connections are retried, then reported. */
  c = connect_as(server.access_key_id, server.secret_access_key, "http://127.0.0.1:1", 0);
  ASSERT_INT_EQ(lg_s3_put(c.s3, BUCKET, "k", "x", 1, NULL, NULL, &err), LG_ERR, "unreachable");
  ASSERT_INT_EQ(err.retryable, 1, "the caller may try again later");
  ASSERT_INT_EQ(err.attempts, 3, "retried");
  const char *want = "s3: PUT s3://" BUCKET "/k: connection refused (";
  ASSERT_MSG(strncmp(err.message, want, strlen(want)) == 0 &&
                 strstr(err.message, "after 3 attempts") != NULL,
             err.message);
  disconnect(&c);
}

typedef struct uploader {
  lg_s3 *s3;
  int id;
  int stored;
} uploader;

static void *upload_five(void *ud) {
  uploader *u = ud;
  char key[64], body[32];
  lg_aws_error err;
  for (int i = 0; i < 5; i++) {
    snprintf(key, sizeof key, "threads/dt=1/%d-%d.json", u->id, i);
    snprintf(body, sizeof body, "{\"t\":%d,\"i\":%d}", u->id, i);
    if (lg_s3_put(u->s3, BUCKET, key, body, strlen(body), NULL, NULL, &err) == LG_OK) u->stored++;
    else fprintf(stderr, "%s\n", err.message);
  }
  return NULL;
}

static int count_objects(void *ud, const lg_s3_object *o) {
  (*(int *)ud)++;
  return 0;
}

static void one_client_serves_many_threads(void) {
  client c = connect_moto();
  uploader u[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    u[i] = (uploader){c.s3, i, 0};
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, upload_five, &u[i]), 0, "thread");
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(u[i].stored, 5, "every upload of every thread");
  int listed = 0;
  lg_aws_error err;
  ASSERT_INT_EQ(lg_s3_list(c.s3, BUCKET, "threads/", count_objects, &listed, &err), LG_OK, err.message);
  ASSERT_INT_EQ(listed, 20, "20 objects listed");
  const char *last = "{\"t\":3,\"i\":4}";
  assert_object(&c, "threads/dt=1/3-4.json", last, strlen(last));
  disconnect(&c);
}

const lg_test_case s3_moto_tests[] = {
  {"hive_keys_round_trip", hive_keys_round_trip},
  {"listing_pages_under_a_prefix", listing_pages_under_a_prefix},
  {"multipart_upload_from_memory_and_file", multipart_upload_from_memory_and_file},
  {"sha256_checksum_and_kms_encryption", sha256_checksum_and_kms_encryption},
  {"wrong_secret_is_rejected_and_not_retried", wrong_secret_is_rejected_and_not_retried},
  {"missing_bucket_and_unreachable_endpoint", missing_bucket_and_unreachable_endpoint},
  {"one_client_serves_many_threads", one_client_serves_many_threads},
  {NULL, NULL},
};
