/* Tests for aws/credentials*.c, aws/settings.c and aws/ini.c: the environment, profiles in
 * shared files, and the ECS and EC2 (IMDSv2) endpoints served by a real HTTP server
 * (civetweb) that this test starts on 127.0.0.1; refresh before expiry, concurrent
 * getters, and no secret in any log line or error message. */
#include "test.h"
#include "aws/credentials.h"
#include "aws/settings.h"
#include "util/common.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <civetweb.h>

#define SECRET "wJalrXUtnFEMI-secret-never-logged"

/* ===================== the metadata server ===================== */

typedef struct metadata_server {
  struct mg_context *ctx;
  int port;
  pthread_mutex_t lock;
  int token_puts;          /* PUT /latest/api/token */
  int credential_gets;     /* GETs of a credentials document (ECS or IMDS) */
  int token_serial;        /* the current IMDS token is "token-<serial>" */
  time_t expiration;       /* Expiration of the documents served */
  int fail;                /* answer 500 to credential requests */
  const char *ecs_token;   /* Authorization the ECS path requires, or NULL */
} metadata_server;

static metadata_server srv;

static int reply(struct mg_connection *c, int status, const char *body) {
  mg_printf(c, "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s", status, strlen(body), body);
  return status;
}

/* A credentials document; the key id counts the documents served ("AKID-<n>"). */
static int reply_credentials(struct mg_connection *c, metadata_server *s) {
  char body[512], exp[32];
  struct tm tm;
  gmtime_r(&s->expiration, &tm);
  strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  snprintf(body, sizeof body,
           "{\"Code\":\"Success\",\"AccessKeyId\":\"AKID-%d\",\"SecretAccessKey\":\"" SECRET
           "\",\"Token\":\"session-%d\",\"Expiration\":\"%s\"}",
           s->credential_gets, s->credential_gets, exp);
  return reply(c, 200, body);
}

static int handle(struct mg_connection *c, void *ud) {
  metadata_server *s = ud;
  const struct mg_request_info *ri = mg_get_request_info(c);
  char token[32];
  pthread_mutex_lock(&s->lock);
  snprintf(token, sizeof token, "token-%d", s->token_serial);
  int status;
  if (strcmp(ri->local_uri, "/latest/api/token") == 0) {
    const char *ttl = mg_get_header(c, "X-aws-ec2-metadata-token-ttl-seconds");
    s->token_puts++;
    status = strcmp(ri->request_method, "PUT") != 0 ? reply(c, 405, "")
             : ttl == NULL                         ? reply(c, 400, "missing ttl")
                                                   : reply(c, 200, token);
  } else if (strncmp(ri->local_uri, "/latest/meta-data/iam/security-credentials/", 43) == 0) {
    const char *given = mg_get_header(c, "X-aws-ec2-metadata-token");
    const char *role = ri->local_uri + 43;
    if (given == NULL || strcmp(given, token) != 0) status = reply(c, 401, "");
    else if (*role == '\0') status = reply(c, 200, "test-role\n");
    else if (strcmp(role, "test-role") != 0) status = reply(c, 404, "");
    else if (s->fail) status = reply(c, 500, "");
    else s->credential_gets++, status = reply_credentials(c, s);
  } else if (strcmp(ri->local_uri, "/ecs/credentials") == 0) {
    const char *auth = mg_get_header(c, "Authorization");
    if (s->ecs_token && (auth == NULL || strcmp(auth, s->ecs_token) != 0)) status = reply(c, 401, "");
    else if (s->fail) status = reply(c, 500, "");
    else s->credential_gets++, status = reply_credentials(c, s);
  } else {
    status = reply(c, 404, "");
  }
  pthread_mutex_unlock(&s->lock);
  return status;
}

static void stop_server(void) {
  mg_stop(srv.ctx);
  pthread_mutex_destroy(&srv.lock);
  srv.ctx = NULL;
}

/* Starts the server once for the suite (civetweb takes seconds to stop; it is stopped
 * at exit), and resets its state for each test. */
static void start_server(time_t expiration) {
  if (srv.ctx) {
    pthread_mutex_lock(&srv.lock);
    srv.token_puts = srv.credential_gets = srv.token_serial = srv.fail = 0;
    srv.expiration = expiration;
    srv.ecs_token = NULL;
    pthread_mutex_unlock(&srv.lock);
    return;
  }
  memset(&srv, 0, sizeof srv);
  pthread_mutex_init(&srv.lock, NULL);
  srv.expiration = expiration;
  const char *opts[] = {"listening_ports", "127.0.0.1:0", "num_threads", "4", NULL};
  struct mg_callbacks cb;
  memset(&cb, 0, sizeof cb);
  srv.ctx = mg_start(&cb, NULL, opts);
  ASSERT_MSG(srv.ctx != NULL, "metadata server starts on 127.0.0.1");
  atexit(stop_server);
  mg_set_request_handler(srv.ctx, "/", handle, &srv);
  struct mg_server_port port;
  ASSERT_INT_EQ(mg_get_server_ports(srv.ctx, 1, &port), 1, "the server has one port");
  srv.port = port.port;
}

static int counter(const int *field) {
  pthread_mutex_lock(&srv.lock);
  int v = *field;
  pthread_mutex_unlock(&srv.lock);
  return v;
}

/* ===================== environment and files ===================== */

static const char *const aws_vars[] = {
  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
  "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
};

static char tmpdir[64];

/* A clean AWS environment with no files, and no instance metadata unless asked for. */
static void reset_env(void) {
  for (size_t i = 0; i < LG_ARRAY_LEN(aws_vars); i++) unsetenv(aws_vars[i]);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lg_test_creds_XXXXXX");
  ASSERT_MSG(mkdtemp(tmpdir) != NULL, "mkdtemp");
  char path[128];
  snprintf(path, sizeof path, "%s/config", tmpdir);
  setenv("AWS_CONFIG_FILE", path, 1);
  snprintf(path, sizeof path, "%s/credentials", tmpdir);
  setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  ASSERT_MSG(f != NULL, "create a file in the temporary directory");
  fputs(text, f);
  fclose(f);
}

static void cleanup_env(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ASSERT_INT_EQ(system(cmd), 0, "remove the temporary directory");
  for (size_t i = 0; i < LG_ARRAY_LEN(aws_vars); i++) unsetenv(aws_vars[i]);
}

static void set_imds_endpoint(void) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", srv.port);
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
}

/* ===================== helpers ===================== */

static lg_aws_provider *new_provider(void) {
  char err[LG_ERRLEN];
  lg_aws_provider *p = lg_aws_provider_new(NULL, err, sizeof err);
  if (p == NULL) LG_TEST_FAIL("provider: %s", err);
  return p;
}

static void get_ok(lg_aws_provider *p, time_t now, lg_aws_credentials *c) {
  char err[LG_ERRLEN];
  if (lg_aws_provider_get(p, now, c, err, sizeof err) != LG_OK) LG_TEST_FAIL("get: %s", err);
}

/* ===================== environment and profiles ===================== */

static void environment_comes_first(void) {
  reset_env();
  write_file("credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = s\n");
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
  setenv("AWS_SESSION_TOKEN", "tok", 1);
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, time(NULL), &c);
  ASSERT_STR_EQ(c.access_key_id, "AKIDENV", "environment wins over the credentials file");
  ASSERT_STR_EQ(c.secret_access_key, SECRET, "secret");
  ASSERT_STR_EQ(c.session_token, "tok", "session token");
  ASSERT_INT_EQ(c.expiration, 0, "environment credentials do not expire");
  ASSERT_STR_EQ(lg_aws_provider_source(p), "environment", "source");
  lg_aws_credentials_clear(&c);
  ASSERT_MSG(c.secret_access_key == NULL, "clear empties the credentials");
  lg_aws_provider_free(p);
  cleanup_env();
}

static void half_a_key_pair_is_an_error(void) {
  reset_env();
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  char err[LG_ERRLEN];
  ASSERT_MSG(lg_aws_provider_new(NULL, err, sizeof err) == NULL, "creation fails");
  ASSERT_STR_EQ(err, "aws: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", "message");
  cleanup_env();
}

static void profiles_from_both_files(void) {
  reset_env();
  write_file("credentials",
             "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key = s\n"
             "[dev]\naws_access_key_id = DEV\naws_secret_access_key = " SECRET "\n"
             "aws_session_token = devtoken\n");
  write_file("config", "[profile cfgonly]\naws_access_key_id=CFG\naws_secret_access_key=x\n"
                       "region = eu-central-1\n");
  setenv("AWS_PROFILE", "dev", 1);
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, time(NULL), &c);
  ASSERT_STR_EQ(c.access_key_id, "DEV", "AWS_PROFILE picks the profile");
  ASSERT_STR_EQ(c.session_token, "devtoken", "profile session token");
  ASSERT_STR_EQ(lg_aws_provider_source(p), "profile", "source");
  lg_aws_provider_free(p);
  setenv("AWS_PROFILE", "cfgonly", 1);
  p = new_provider();
  get_ok(p, time(NULL), &c);
  ASSERT_STR_EQ(c.access_key_id, "CFG", "keys in the config file's [profile NAME]");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  setenv("AWS_PROFILE", "nope", 1);
  char err[LG_ERRLEN];
  ASSERT_MSG(lg_aws_provider_new(NULL, err, sizeof err) == NULL, "unknown profile");
  ASSERT_STR_EQ(err, "aws: profile nope not found", "message names the profile");
  cleanup_env();
}

static void no_credentials_anywhere(void) {
  reset_env();
  char err[LG_ERRLEN];
  ASSERT_MSG(lg_aws_provider_new(NULL, err, sizeof err) == NULL, "nothing configured");
  ASSERT_MSG(strstr(err, "no credentials configured") != NULL, err);
  cleanup_env();
}

static void region_and_endpoint_resolution(void) {
  reset_env();
  write_file("config", "[default]\nregion = eu-west-3\nendpoint_url = http://profile:1\n"
                       "services = local\n"
                       "[services local]\ns3 =\n  endpoint_url = http://services-s3:2\n"
                       "  ; a comment\nathena =\n  endpoint_url = http://services-athena:3\n");
  lg_aws_files f;
  char err[LG_ERRLEN], out[256];
  ASSERT_INT_EQ(lg_aws_files_load(&f, NULL, err, sizeof err), LG_OK, "load");
  ASSERT_INT_EQ(lg_aws_resolve_region(&f, out, sizeof out, err, sizeof err), LG_OK, "region");
  ASSERT_STR_EQ(out, "eu-west-3", "region from the profile");
  setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
  lg_aws_resolve_region(&f, out, sizeof out, err, sizeof err);
  ASSERT_STR_EQ(out, "us-west-2", "AWS_DEFAULT_REGION wins over the file");
  setenv("AWS_REGION", "ap-south-1", 1);
  lg_aws_resolve_region(&f, out, sizeof out, err, sizeof err);
  ASSERT_STR_EQ(out, "ap-south-1", "AWS_REGION wins over AWS_DEFAULT_REGION");
  ASSERT_INT_EQ(lg_aws_resolve_endpoint(&f, "S3", out, sizeof out), 1, "s3 endpoint");
  ASSERT_STR_EQ(out, "http://services-s3:2", "services section for s3");
  lg_aws_resolve_endpoint(&f, "Athena", out, sizeof out);
  ASSERT_STR_EQ(out, "http://services-athena:3", "services section for athena");
  lg_aws_resolve_endpoint(&f, "STS", out, sizeof out);
  ASSERT_STR_EQ(out, "http://profile:1", "profile endpoint_url for other services");
  setenv("AWS_ENDPOINT_URL", "http://global:4", 1);
  lg_aws_resolve_endpoint(&f, "S3", out, sizeof out);
  ASSERT_STR_EQ(out, "http://global:4", "AWS_ENDPOINT_URL wins over the file");
  setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5", 1);
  lg_aws_resolve_endpoint(&f, "S3", out, sizeof out);
  ASSERT_STR_EQ(out, "http://127.0.0.1:5", "AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL");
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
  ASSERT_INT_EQ(lg_aws_resolve_endpoint(&f, "S3", out, sizeof out), 0, "ignored on request");
  lg_aws_files_free(&f);
  unsetenv("AWS_REGION");
  unsetenv("AWS_DEFAULT_REGION");
  write_file("config", "");
  ASSERT_INT_EQ(lg_aws_files_load(&f, NULL, err, sizeof err), LG_OK, "load empty");
  ASSERT_INT_EQ(lg_aws_resolve_region(&f, out, sizeof out, err, sizeof err), LG_ERR, "no region");
  ASSERT_MSG(strstr(err, "set AWS_REGION") != NULL, err);
  lg_aws_files_free(&f);
  cleanup_env();
}

/* ===================== ECS ===================== */

static void ecs_full_uri_with_token_and_token_file(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 3600);
  pthread_mutex_lock(&srv.lock);
  srv.ecs_token = "Bearer ecs-token";
  pthread_mutex_unlock(&srv.lock);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/ecs/credentials", srv.port);
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  char err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_aws_provider_get(p, now, &c, err, sizeof err), LG_ERR, "wrong token refused");
  ASSERT_MSG(strstr(err, "ecs: GET ") && strstr(err, "HTTP 401"), err);
  lg_aws_provider_free(p);
  write_file("token", "Bearer ecs-token\n");   /* the file wins over the variable */
  char path[128];
  snprintf(path, sizeof path, "%s/token", tmpdir);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
  p = new_provider();
  get_ok(p, now, &c);
  ASSERT_STR_EQ(c.access_key_id, "AKID-1", "credentials from the container endpoint");
  ASSERT_STR_EQ(c.session_token, "session-1", "session token");
  ASSERT_INT_EQ(c.expiration, now + 3600, "expiration from the document");
  ASSERT_STR_EQ(lg_aws_provider_source(p), "ecs", "source");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  cleanup_env();
}

static void ecs_relative_uri_and_unsafe_full_uri(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 3600);
  char base[64];
  snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs/credentials", 1);
  char err[LG_ERRLEN];
  lg_aws_provider_options o = {NULL, NULL, base, 0};
  lg_aws_provider *p = lg_aws_provider_new(&o, err, sizeof err);
  ASSERT_MSG(p != NULL, err);
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, now, &c);
  ASSERT_STR_EQ(c.access_key_id, "AKID-1", "relative URI against the agent's address");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.1.1/creds", 1);
  ASSERT_MSG(lg_aws_provider_new(NULL, err, sizeof err) == NULL, "plain http to a remote host");
  ASSERT_MSG(strstr(err, "must be https") != NULL, err);
  cleanup_env();
}

/* ===================== IMDSv2 ===================== */

static void imds_token_role_and_refresh_before_expiry(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 3600);
  set_imds_endpoint();
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, now, &c);
  ASSERT_STR_EQ(c.access_key_id, "AKID-1", "role credentials");
  ASSERT_STR_EQ(lg_aws_provider_source(p), "imds", "source");
  ASSERT_INT_EQ(counter(&srv.token_puts), 1, "one token PUT");
  get_ok(p, now + 3000, &c);   /* 10 minutes before expiry: still fresh */
  ASSERT_STR_EQ(c.access_key_id, "AKID-1", "cached until the refresh window");
  ASSERT_INT_EQ(counter(&srv.credential_gets), 1, "no second fetch");
  pthread_mutex_lock(&srv.lock);
  srv.expiration = now + 7200;
  pthread_mutex_unlock(&srv.lock);
  get_ok(p, now + 3400, &c);   /* 200 s before expiry: inside the 300 s window */
  ASSERT_STR_EQ(c.access_key_id, "AKID-2", "refreshed before expiry");
  ASSERT_INT_EQ(c.expiration, now + 7200, "new expiration");
  ASSERT_INT_EQ(counter(&srv.token_puts), 1, "the session token is reused");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  cleanup_env();
}

static void imds_new_token_after_401(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 3600);
  set_imds_endpoint();
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, now, &c);
  pthread_mutex_lock(&srv.lock);
  srv.token_serial++;   /* the service restarted: our token is unknown now */
  pthread_mutex_unlock(&srv.lock);
  lg_aws_provider_invalidate(p);
  get_ok(p, now + 10, &c);
  ASSERT_STR_EQ(c.access_key_id, "AKID-2", "fetched again after invalidate");
  ASSERT_INT_EQ(counter(&srv.token_puts), 2, "a new token after the 401");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  cleanup_env();
}

static void failed_refresh_keeps_valid_credentials_until_expiry(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 600);
  set_imds_endpoint();
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  get_ok(p, now, &c);
  pthread_mutex_lock(&srv.lock);
  srv.fail = 1;
  pthread_mutex_unlock(&srv.lock);
  get_ok(p, now + 400, &c);   /* stale (inside the window) and the refresh fails */
  ASSERT_STR_EQ(c.access_key_id, "AKID-1", "the old credentials are still handed out");
  char err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_aws_provider_get(p, now + 600, &c, err, sizeof err), LG_ERR, "expired");
  ASSERT_MSG(strstr(err, "aws: no credentials: imds: GET http://127.0.0.1:") != NULL &&
                 strstr(err, "HTTP 500") != NULL,
             err);
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
  cleanup_env();
}

typedef struct getter {
  lg_aws_provider *p;
  time_t now;
  int ok;
} getter;

static void *get_many(void *ud) {
  getter *g = ud;
  char err[LG_ERRLEN];
  for (int i = 0; i < 50; i++) {
    lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
    if (lg_aws_provider_get(g->p, g->now, &c, err, sizeof err) == LG_OK &&
        strcmp(c.secret_access_key, SECRET) == 0)
      g->ok++;
    lg_aws_credentials_clear(&c);
  }
  return NULL;
}

static void concurrent_getters_share_one_refresh(void) {
  reset_env();
  time_t now = time(NULL);
  start_server(now + 3600);
  set_imds_endpoint();
  lg_aws_provider *p = new_provider();
  getter g[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    g[i] = (getter){p, now, 0};
    ASSERT_INT_EQ(pthread_create(&t[i], NULL, get_many, &g[i]), 0, "thread");
  }
  for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 8; i++) ASSERT_INT_EQ(g[i].ok, 50, "every get succeeded");
  ASSERT_INT_EQ(counter(&srv.credential_gets), 1, "400 gets, one fetch");
  lg_aws_provider_free(p);
  cleanup_env();
}

/* Runs fn with stderr going to a file; returns what it printed (caller frees). */
static char *capture_stderr(void (*fn)(void)) {
  char path[128];
  snprintf(path, sizeof path, "%s/stderr", tmpdir);
  fflush(stderr);
  int saved = dup(2);
  FILE *f = fopen(path, "w+");
  ASSERT_MSG(f != NULL && saved >= 0, "redirect stderr");
  dup2(fileno(f), 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  fseek(f, 0, SEEK_SET);
  lg_buf out = LG_BUF_INIT;
  char chunk[1024];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) lg_buf_append(&out, chunk, n);
  fclose(f);
  lg_buf_append(&out, "", 0);
  return out.data;
}

static void fetch_then_fail(void) {
  lg_aws_provider *p = new_provider();
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  time_t now = time(NULL);
  get_ok(p, now, &c);
  pthread_mutex_lock(&srv.lock);
  srv.fail = 1;
  pthread_mutex_unlock(&srv.lock);
  char err[LG_ERRLEN];
  get_ok(p, now + 3500, &c);   /* stale: refresh fails with a warning */
  if (lg_aws_provider_get(p, now + 3600, &c, err, sizeof err) == LG_OK) LG_TEST_FAIL("expired");
  ASSERT_MSG(strstr(err, SECRET) == NULL, "no secret in the error message");
  lg_aws_credentials_clear(&c);
  lg_aws_provider_free(p);
}

static void secrets_never_reach_the_log(void) {
  reset_env();
  start_server(time(NULL) + 3600);
  set_imds_endpoint();
  char *log = capture_stderr(fetch_then_fail);
  ASSERT_MSG(strstr(log, "credentials from imds") != NULL, "the source is logged");
  ASSERT_MSG(strstr(log, "credentials refresh failed") != NULL, "the failed refresh is logged");
  ASSERT_MSG(strstr(log, SECRET) == NULL && strstr(log, "session-") == NULL,
             "no secret or session token in the log");
  free(log);
  cleanup_env();
}

static void ini_nested_settings_and_comments(void) {
  lg_aws_ini ini = LG_AWS_INI_INIT;
  const char *text = "top = ignored\n[ profile   a ]\nkey = v1 \n; c\n# c\ns3 =\n  x = 1\n"
                     "\tY= 2\nplain = p\n  continuation = no\n[b]\nkey=v2\nkey=v3\n";
  ASSERT_INT_EQ(lg_aws_ini_parse(&ini, text, strlen(text)), LG_OK, "parse");
  ASSERT_STR_EQ(lg_aws_ini_get(&ini, "profile a", "key"), "v1", "trimmed, section normalized");
  ASSERT_STR_EQ(lg_aws_ini_get(&ini, "profile a", "s3.x"), "1", "nested setting");
  ASSERT_STR_EQ(lg_aws_ini_get(&ini, "profile a", "s3.Y"), "2", "tab-indented nested setting");
  ASSERT_MSG(lg_aws_ini_get(&ini, "profile a", "plain.continuation") == NULL, "no nesting under a value");
  ASSERT_STR_EQ(lg_aws_ini_get(&ini, "b", "key"), "v3", "the last repeated key wins");
  ASSERT_MSG(lg_aws_ini_get(&ini, "", "top") == NULL, "settings before a section are ignored");
  lg_aws_ini_free(&ini);
}

const lg_test_case credentials_tests[] = {
  {"environment_comes_first", environment_comes_first},
  {"half_a_key_pair_is_an_error", half_a_key_pair_is_an_error},
  {"profiles_from_both_files", profiles_from_both_files},
  {"no_credentials_anywhere", no_credentials_anywhere},
  {"region_and_endpoint_resolution", region_and_endpoint_resolution},
  {"ini_nested_settings_and_comments", ini_nested_settings_and_comments},
  {"ecs_full_uri_with_token_and_token_file", ecs_full_uri_with_token_and_token_file},
  {"ecs_relative_uri_and_unsafe_full_uri", ecs_relative_uri_and_unsafe_full_uri},
  {"imds_token_role_and_refresh_before_expiry", imds_token_role_and_refresh_before_expiry},
  {"imds_new_token_after_401", imds_new_token_after_401},
  {"failed_refresh_keeps_valid_credentials_until_expiry", failed_refresh_keeps_valid_credentials_until_expiry},
  {"concurrent_getters_share_one_refresh", concurrent_getters_share_one_refresh},
  {"secrets_never_reach_the_log", secrets_never_reach_the_log},
  {NULL, NULL},
};
