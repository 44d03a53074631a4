/* Tests for aws/http_curl.c against a real HTTP server (civetweb with keep-alive, started
 * on 127.0.0.1 by this test): connection reuse, what goes out (no invented Content-Type,
 * no Expect), what comes back (status, headers, body), and failures. */
#include "test.h"
#include "aws/http.h"
#include "util/common.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#define MAX_PORTS 64

typedef struct echo_server {
  struct mg_context *ctx;
  int port;
  pthread_mutex_t lock;
  int ports[MAX_PORTS];   /* distinct client ports seen: one per TCP connection */
  int nports;
  char last_content_type[128];
  int last_had_expect;
  long last_body_len;
} echo_server;

static echo_server srv;

static void note_client(const struct mg_request_info *ri) {
  for (int i = 0; i < srv.nports; i++)
    if (srv.ports[i] == ri->remote_port) return;
  if (srv.nports < MAX_PORTS) srv.ports[srv.nports++] = ri->remote_port;
}

#define STALL_MS 4000   /* how long /stall keeps a request before answering */

/* Answers every request with its method and the length of its body; /big sends 4 KiB;
 * /stall answers only after STALL_MS, as a peer that hangs. */
static int echo(struct mg_connection *c, void *ud) {
  const struct mg_request_info *ri = mg_get_request_info(c);
  char buf[4096];
  long total = 0;
  int n;
  while ((n = mg_read(c, buf, sizeof buf)) > 0) total += n;
  if (strcmp(ri->local_uri, "/stall") == 0) usleep(STALL_MS * 1000);
  const char *type = mg_get_header(c, "Content-Type");
  pthread_mutex_lock(&srv.lock);
  note_client(ri);
  snprintf(srv.last_content_type, sizeof srv.last_content_type, "%s", type ? type : "");
  srv.last_had_expect = mg_get_header(c, "Expect") != NULL;
  srv.last_body_len = total;
  pthread_mutex_unlock(&srv.lock);
  int big = strcmp(ri->local_uri, "/big") == 0;
  char body[64];
  snprintf(body, sizeof body, "%s %ld", ri->request_method, total);
  if (big) memset(buf, 'x', sizeof buf);
  mg_printf(c, "HTTP/1.1 %d OK\r\nX-Echo: %s\r\nETag: \"abc\"\r\nContent-Length: %zu\r\n\r\n",
            strcmp(ri->local_uri, "/teapot") == 0 ? 418 : 200, ri->request_method,
            big ? sizeof buf : strlen(body));
  if (strcmp(ri->request_method, "HEAD") != 0) mg_write(c, big ? buf : body, big ? sizeof buf : strlen(body));
  return 200;
}

static void stop_server(void) {
  mg_stop(srv.ctx);
  pthread_mutex_destroy(&srv.lock);
}

/* Started once for the suite (civetweb takes seconds to stop; it is stopped at exit). */
static void start_server(void) {
  if (srv.ctx) {
    pthread_mutex_lock(&srv.lock);
    srv.nports = 0;
    pthread_mutex_unlock(&srv.lock);
    return;
  }
  pthread_mutex_init(&srv.lock, NULL);
  const char *opts[] = {"listening_ports", "127.0.0.1:0", "num_threads", "8",
                        "enable_keep_alive", "yes", "keep_alive_timeout_ms", "10000", NULL};
  struct mg_callbacks cb;
  memset(&cb, 0, sizeof cb);
  srv.ctx = mg_start(&cb, NULL, opts);
  ASSERT_MSG(srv.ctx != NULL, "echo server starts on 127.0.0.1");
  atexit(stop_server);
  mg_set_request_handler(srv.ctx, "/", echo, NULL);
  struct mg_server_port port;
  ASSERT_INT_EQ(mg_get_server_ports(srv.ctx, 1, &port), 1, "one port");
  srv.port = port.port;
}

static int connections(void) {
  pthread_mutex_lock(&srv.lock);
  int n = srv.nports;
  pthread_mutex_unlock(&srv.lock);
  return n;
}

static lg_http_transport *new_transport(void) {
  char err[LG_ERRLEN];
  lg_http_transport *t = lg_http_curl_new(NULL, err, sizeof err);
  ASSERT_MSG(t != NULL, err);
  return t;
}

static void call(lg_http_transport *t, const char *method, const char *path, const char *body,
                 const lg_http_headers *h, lg_http_response *resp) {
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv.port, path);
  lg_http_request req = {method, url, h, body, body ? strlen(body) : 0, 5000, 0};
  lg_http_error e;
  lg_http_response_reset(resp);
  if (lg_http_perform(t, &req, resp, &e) != LG_OK) LG_TEST_FAIL("%s %s: %s", method, path, e.message);
}

static void sequential_calls_reuse_one_connection(void) {
  start_server();
  lg_http_transport *t = new_transport();
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  const char *methods[] = {"GET", "PUT", "HEAD", "POST", "DELETE", "GET"};
  for (size_t i = 0; i < LG_ARRAY_LEN(methods); i++) call(t, methods[i], "/x", NULL, NULL, &resp);
  ASSERT_INT_EQ(connections(), 1, "six calls over one connection");
  lg_http_response_free(&resp);
  lg_http_transport_free(t);
}

typedef struct caller {
  lg_http_transport *t;
  int ok;
} caller;

static void *call_ten(void *ud) {
  caller *c = ud;
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/t", srv.port);
  for (int i = 0; i < 10; i++) {
    lg_http_response resp = LG_HTTP_RESPONSE_INIT;
    lg_http_request req = {"POST", url, NULL, "abc", 3, 5000, 0};
    lg_http_error e;
    if (lg_http_perform(c->t, &req, &resp, &e) == LG_OK && resp.status == 200) c->ok++;
    lg_http_response_free(&resp);
  }
  return NULL;
}

static void threads_share_the_pool(void) {
  start_server();
  lg_http_transport *t = new_transport();
  caller c[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    c[i] = (caller){t, 0};
    ASSERT_INT_EQ(pthread_create(&th[i], NULL, call_ten, &c[i]), 0, "thread");
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++) ASSERT_INT_EQ(c[i].ok, 10, "every call of every thread");
  ASSERT_MSG(connections() <= 4, "at most one connection per concurrent caller");
  lg_http_transport_free(t);
}

static void requests_and_answers(void) {
  start_server();
  lg_http_transport *t = new_transport();
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  call(t, "PUT", "/x", "hello", NULL, &resp);
  ASSERT_INT_EQ(resp.status, 200, "status");
  ASSERT_STR_EQ(resp.body.data, "PUT 5", "the server got the body");
  ASSERT_STR_EQ(lg_http_headers_get(&resp.headers, "x-echo"), "PUT", "headers, any case");
  ASSERT_STR_EQ(lg_http_headers_get(&resp.headers, "ETag"), "\"abc\"", "quoted header value");
  ASSERT_STR_EQ(srv.last_content_type, "", "no Content-Type invented for a body");
  ASSERT_INT_EQ(srv.last_had_expect, 0, "no Expect: 100-continue");
  lg_http_headers h = LG_HTTP_HEADERS_INIT;
  lg_http_headers_add(&h, "Content-Type", "application/x-ndjson");
  call(t, "PUT", "/x", "{}", &h, &resp);
  ASSERT_STR_EQ(srv.last_content_type, "application/x-ndjson", "the given Content-Type");
  call(t, "HEAD", "/x", NULL, NULL, &resp);
  ASSERT_INT_EQ(resp.body.len, 0, "HEAD has no body");
  ASSERT_STR_EQ(lg_http_headers_get(&resp.headers, "Content-Length"), "6", "HEAD headers");
  call(t, "GET", "/teapot", NULL, NULL, &resp);
  ASSERT_INT_EQ(resp.status, 418, "a non-2xx status is an answer, not a failure");
  lg_http_headers_free(&h);
  lg_http_response_free(&resp);
  lg_http_transport_free(t);
}

static void failures_say_if_they_may_pass_later(void) {
  start_server();
  lg_http_transport *t = new_transport();
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  lg_http_error e;
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/big", srv.port);
  lg_http_request req = {"GET", url, NULL, NULL, 0, 5000, 1000};
  ASSERT_INT_EQ(lg_http_perform(t, &req, &resp, &e), LG_ERR, "body over max_body");
  ASSERT_STR_EQ(e.message, "response body over 1000 bytes", "message");
  ASSERT_INT_EQ(e.retryable, 0, "too big stays too big");
  lg_http_response_reset(&resp);
  req = (lg_http_request){"GET", "http://127.0.0.1:1/", NULL, NULL, 0, 5000, 0};
  ASSERT_INT_EQ(lg_http_perform(t, &req, &resp, &e), LG_ERR, "refused");
  ASSERT_INT_EQ(e.retryable, 1, "a refused connection may pass later");
  ASSERT_MSG(strncmp(e.message, "connection refused (", 20) == 0, e.message);
  lg_http_response_reset(&resp);
  req = (lg_http_request){"GET", "gopher://127.0.0.1/", NULL, NULL, 0, 5000, 0};
  ASSERT_INT_EQ(lg_http_perform(t, &req, &resp, &e), LG_ERR, "not http");
  ASSERT_INT_EQ(e.retryable, 0, "an unsupported scheme never passes");
  lg_http_response_free(&resp);
  lg_http_transport_free(t);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void a_peer_that_hangs_fails_at_the_stall_timeout(void) {
  start_server();
  char err[LG_ERRLEN];
  lg_http_curl_options o = {.timeout_ms = 60000, .stall_timeout_ms = 1000};
  lg_http_transport *t = lg_http_curl_new(&o, err, sizeof err);
  ASSERT_MSG(t != NULL, err);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/stall", srv.port);
  lg_http_request req = {"PUT", url, NULL, "abc", 3, 0, 0};
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  lg_http_error e;
  int64_t started = now_ms();
  ASSERT_INT_EQ(lg_http_perform(t, &req, &resp, &e), LG_ERR, "a hanging peer fails");
  int64_t took = now_ms() - started;
  ASSERT_MSG(took >= 1000 && took < STALL_MS - 500, "after the stall timeout, before the answer");
  ASSERT_INT_EQ(e.retryable, 1, "it may answer next time");
  ASSERT_STR_EQ(e.message, "timed out (no byte moved for 1000 ms)", "message");
  lg_http_response_free(&resp);
  lg_http_transport_free(t);
}

const lg_test_case aws_http_tests[] = {
  {"sequential_calls_reuse_one_connection", sequential_calls_reuse_one_connection},
  {"threads_share_the_pool", threads_share_the_pool},
  {"requests_and_answers", requests_and_answers},
  {"failures_say_if_they_may_pass_later", failures_say_if_they_may_pass_later},
  {"a_peer_that_hangs_fails_at_the_stall_timeout", a_peer_that_hangs_fails_at_the_stall_timeout},
  {NULL, NULL},
};
