/* civetweb glue (see server.h): per-thread workers, body limits, the call into Lua and
 * the one-write response. */
#define LOG_TAG "http"
#include "http/server.h"
#include "http/request.h"
#include "http/access_log.h"
#include "http/response.h"
#include "http/tls.h"
#include "http/watchdog.h"
#include "lua/metrics.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"
#include "util/random.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <civetweb.h>
#include <lauxlib.h>

struct lg_server {
  struct mg_context *ctx;
  void *tls_ctx;           /* SSL_CTX for HTTPS, owned (NULL without TLS) */
  lg_watchdog *watchdog;   /* cuts bodies that arrive too slowly */
  lg_access_log *access_log;   /* NULL when access logging is off */
  lg_server_options opt;   /* copied; its strings belong to the caller */
  atomic_int in_flight;    /* requests being handled */
  atomic_int stopping;     /* set once by lg_server_stop: new requests get 503 */
};

/* Per worker thread (civetweb init_thread/exit_thread). */
typedef struct worker {
  lg_vm *vm;             /* built on the thread's first request (NULL before) */
  lg_generation *gen;    /* the generation vm belongs to (a reference), or NULL */
  long gen_id;           /* the generation this worker last tried to move to */
  lg_buf body;   /* request body */
  lg_buf out;    /* response being assembled */
  lg_metrics_shard *shard;   /* this thread's counters (owned by the registry) */
  lg_req_slot req_slot;      /* how this thread's request objects reach the request */
  lg_watch_slot *slot;       /* body-read deadline (owned by the watchdog) */
  lg_access_batch *access;   /* this thread's access lines (owned by the log), or NULL */
  int64_t idle_since_us;     /* when the connection last started waiting for a request */
  long handled;              /* requests answered on the current connection */
  char route[256];           /* route template of the current request, for metrics and logs */
} worker;

/* Buffers above this size are released after the request instead of kept for reuse. */
#define KEEP_BUFFER_MAX (256 * 1024)

/* ===================== request body ===================== */

static int wants_keep_alive(struct mg_connection *conn, const struct mg_request_info *ri) {
  const char *c = mg_get_header(conn, "Connection");
  if (strcmp(ri->http_version, "1.1") == 0) return !(c && strcasestr(c, "close"));
  return c && strcasestr(c, "keep-alive");
}

static int is_chunked(struct mg_connection *conn) {
  const char *te = mg_get_header(conn, "Transfer-Encoding");
  return te && strcasestr(te, "chunked");
}

/* RFC 9112 6.3: a Content-Length that is not a number ("2, 3", "2abc", which civetweb
 * reads as 2), Content-Length values that differ, or a Content-Length beside a
 * Transfer-Encoding leave the end of the body ambiguous; a proxy in front may read it the
 * other way and pass the rest on as a request of its own (request smuggling). */
static int ambiguous_framing(const struct mg_request_info *ri) {
  const char *length = NULL;
  int transfer_encoding = 0;
  for (int i = 0; i < ri->num_headers; i++) {
    const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
    if (strcasecmp(name, "Transfer-Encoding") == 0) {
      transfer_encoding = 1;
    } else if (strcasecmp(name, "Content-Length") == 0) {
      if (value[0] == '\0' || value[strspn(value, "0123456789")] != '\0') return 1;
      if (length && strcmp(length, value) != 0) return 1;
      length = value;
    }
  }
  return transfer_encoding && length;
}

/* Reads the whole body into b. Returns 0, or the HTTP status to answer with (413 too
 * large, 408 too slow, 400 broken framing). civetweb's timeout applies to each read, so a
 * body trickled a byte at a time is also bounded as a whole, by timeout_ms. */
static int read_body(struct mg_connection *conn, const struct mg_request_info *ri, long max,
                     int64_t deadline, lg_buf *b) {
  long long cl = ri->content_length;
  int chunked = is_chunked(conn);
  if (cl < 0 && !chunked) return 0;
  if (cl > max) return 413;
  const char *expect = mg_get_header(conn, "Expect");
  if (expect && strcasecmp(expect, "100-continue") == 0)
    mg_write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);   /* civetweb does this only for CGI */
  for (;;) {
    if (!chunked && b->len == (size_t)cl) return 0;
    size_t room = chunked ? 16384 : (size_t)cl - b->len;
    if (lg_buf_reserve(b, room) != LG_OK) return 413;
    int n = mg_read(conn, b->data + b->len, room);
    if (n < 0) return 400;
    if (n == 0) return chunked ? 0 : 408;   /* a plain body ends only at Content-Length */
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    if ((long long)b->len > max) return 413;
    if (lg_clock_monotonic_ms() > deadline) return 408;
  }
}

/* ===================== Lua ===================== */

/* Moves the worker to the current generation between requests. If the new VM cannot be
 * built the worker keeps serving on the one it has. */
static int ensure_vm(lg_server *srv, worker *w) {
  long current = lg_generations_current_id(srv->opt.generations);
  if (w->vm && w->gen_id == current) return LG_OK;
  w->gen_id = current;   /* one attempt per generation, not one per request */
  lg_generation *gen = lg_generations_acquire(srv->opt.generations);
  if (gen == NULL) return w->vm ? LG_OK : LG_ERR;
  char err[1024];
  lg_vm *vm = lg_generation_new_vm(gen, err, sizeof err);
  if (vm == NULL) {
    lg_error("worker cannot load generation %ld: %s", lg_generation_id(gen), err);
    lg_generation_release(gen);
    return w->vm ? LG_OK : LG_ERR;
  }
  lg_vm_close(w->vm);
  lg_generation_release(w->gen);
  w->vm = vm;
  w->gen = gen;
  if (w->shard) lg_lua_set_metrics_shard(lg_vm_state(vm), w->shard);
  return LG_OK;
}

/* Copies the headers table at idx into the response. Returns LG_ERR on a bad header. */
static int add_lua_headers(lua_State *L, int idx, lg_buf *out) {
  if (lua_isnoneornil(L, idx)) return LG_OK;
  if (!lua_istable(L, idx)) return LG_ERR;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t nlen, vlen;
    if (lua_type(L, -2) != LUA_TSTRING || !(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)) {
      lua_pop(L, 2);
      return LG_ERR;
    }
    const char *name = lua_tolstring(L, -2, &nlen);
    const char *value = lua_tolstring(L, -1, &vlen);   /* a number is converted in place */
    if (strcasecmp(name, "content-length") != 0 && strcasecmp(name, "connection") != 0 &&
        lg_response_header(out, name, nlen, value, vlen) != LG_OK) {
      lua_pop(L, 2);
      return LG_ERR;
    }
    lua_pop(L, 1);
  }
  return LG_OK;
}

/* Keeps the route template for metrics, cut to fit. (snprintf showed up in profiles.) */
static void set_route(worker *w, const char *route) {
  size_t n = strnlen(route, sizeof w->route - 1);
  memcpy(w->route, route, n);
  w->route[n] = '\0';
}

/* Calls the app's handler and assembles its answer in w->out. Returns the status. */
static int call_lua(worker *w, lg_req *r, int keep_alive, int send_body) {
  lua_State *L = lg_vm_state(w->vm);
  lua_settop(L, 0);
  lg_req_push(L, &w->req_slot, r);   /* 1: req */
  lg_vm_push_handler(w->vm);
  lua_pushvalue(L, 1);
  int status = 500;
  w->route[0] = '\0';
  if (lg_lua_pcall(L, 1, 4) != LUA_OK) {   /* req status body headers route | req msg */
    lg_error("request %s: %s", r->id, lua_tostring(L, -1));
    goto fail;
  }
  int isnum;
  lua_Integer st = lua_tointegerx(L, 2, &isnum);
  size_t blen;
  const char *body = lua_tolstring(L, 3, &blen);
  if (!isnum || st < 200 || st > 599 || body == NULL) {
    lg_error("request %s: the app handler returned %s, %s (want status, body)", r->id,
             luaL_typename(L, 2), luaL_typename(L, 3));
    goto fail;
  }
  status = (int)st;
  const char *route = lua_tostring(L, 5);
  if (route) set_route(w, route);
  if (lg_response_begin(&w->out, status) != LG_OK ||
      lg_response_header(&w->out, "X-Request-Id", 12, r->id, strlen(r->id)) != LG_OK)
    goto fail;
  if (add_lua_headers(L, 4, &w->out) != LG_OK) {
    lg_error("request %s: invalid response header from the app", r->id);
    goto fail;
  }
  if (lg_response_end(&w->out, body, blen, keep_alive, send_body) != LG_OK) goto fail;
  lg_req_finish(&w->req_slot);
  lua_settop(L, 0);
  lg_metrics_set_lua_memory(w->shard, (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 +
                                          (size_t)lua_gc(L, LUA_GCCOUNTB, 0));
  return status;
fail:
  lg_req_finish(&w->req_slot);
  lua_settop(L, 0);
  lg_response_error(&w->out, 500, "Internal Server Error", r->id, keep_alive, send_body);
  return 500;
}

/* ===================== civetweb callbacks ===================== */

/* X-Request-Id from the client is kept if it is short printable ASCII. */
static const char *request_id(struct mg_connection *conn, char generated[33]) {
  const char *id = mg_get_header(conn, "X-Request-Id");
  if (id) {
    size_t n = 0;
    while (id[n] > 32 && id[n] < 127 && id[n] != '"' && id[n] != '\\' && n <= 128) n++;
    if (n > 0 && n <= 128 && id[n] == '\0') return id;
  }
  lg_random_id(generated);
  return generated;
}

static void send_out(struct mg_connection *conn, worker *w) {
  mg_write(conn, w->out.data, w->out.len);
  if (w->out.cap > KEEP_BUFFER_MAX) lg_buf_free(&w->out);
  if (w->body.cap > KEEP_BUFFER_MAX) lg_buf_free(&w->body);
  lg_buf_reset(&w->body);
}

/* ===================== client identity ===================== */

/* The client's address: the socket's peer, or with a trusted proxy the first address of
 * X-Forwarded-For (the original client). Writes into out. */
static const char *client_address(struct mg_connection *conn, const struct mg_request_info *ri,
                                  int trust_proxy, char *out, size_t outlen) {
  const char *xff = trust_proxy ? mg_get_header(conn, "X-Forwarded-For") : NULL;
  if (xff == NULL) return ri->remote_addr;
  while (*xff == ' ') xff++;
  size_t n = strcspn(xff, ", ");
  if (n == 0 || n >= outlen) return ri->remote_addr;
  memcpy(out, xff, n);
  out[n] = '\0';
  return out;
}

static const char *scheme(struct mg_connection *conn, const struct mg_request_info *ri,
                          int trust_proxy) {
  const char *proto = trust_proxy ? mg_get_header(conn, "X-Forwarded-Proto") : NULL;
  if (proto && strcasecmp(proto, "https") == 0) return "https";
  if (proto && strcasecmp(proto, "http") == 0) return "http";
  return ri->is_ssl ? "https" : "http";
}

/* The path the routes see: without the gateway's root_path prefix when it is there. */
static const char *route_path(const char *uri, const char *root_path) {
  size_t n = root_path ? strlen(root_path) : 0;
  if (n && strncmp(uri, root_path, n) == 0 && (uri[n] == '/' || uri[n] == '\0'))
    return uri[n] ? uri + n : "/";
  return uri;
}

/* ===================== built-in endpoints ===================== */

static int answer_json(worker *w, int status, const char *body, int keep_alive, int send_body) {
  lg_response_begin(&w->out, status);
  lg_response_header(&w->out, "Content-Type", 12, "application/json", 16);
  lg_response_end(&w->out, body, strlen(body), keep_alive, send_body);
  return status;
}

/* /readyz: routes loaded, not stopping, and the lake can take writes. */
static int readyz(lg_server *srv, worker *w, int keep_alive, int send_body) {
  char why[1024] = "";   /* room for an S3 error with its key */
  int ready = lg_generations_current_id(srv->opt.generations) > 0 && !atomic_load(&srv->stopping);
  if (!ready) snprintf(why, sizeof why, "routes not loaded or stopping");
  else if (srv->opt.ready && !srv->opt.ready(srv->opt.ready_ud, why, sizeof why)) ready = 0;
  if (ready) return answer_json(w, 200, "{\"status\":\"ready\"}", keep_alive, send_body);
  lg_buf detail = LG_BUF_INIT;
  lg_buf_appends(&detail, "{\"status\":\"not ready\",\"reason\":");
  lg_log_json_string(&detail, why);
  lg_buf_appendc(&detail, '}');
  int status = answer_json(w, 503, detail.data ? detail.data : "{}", keep_alive, send_body);
  lg_buf_free(&detail);
  return status;
}

static int metrics(lg_server *srv, worker *w, int keep_alive, int send_body) {
  lg_buf text = LG_BUF_INIT;
  if (lg_metrics_render(srv->opt.metrics, &text) != LG_OK) {
    lg_buf_free(&text);
    lg_response_error(&w->out, 500, "Internal Server Error", NULL, keep_alive, send_body);
    return 500;
  }
  static const char ct[] = "text/plain; version=0.0.4; charset=utf-8";
  lg_response_begin(&w->out, 200);
  lg_response_header(&w->out, "Content-Type", 12, ct, sizeof ct - 1);
  lg_response_end(&w->out, text.data, text.len, keep_alive, send_body);
  lg_buf_free(&text);
  return 200;
}

/* /docs/assets/<name>: the Swagger UI and ReDoc files, read from the assets folder and sent
 * in one write like every other answer. Names are plain file names, nothing else. */
static int asset(lg_server *srv, worker *w, const char *name, int keep_alive, int send_body) {
  static const struct { const char *ext, *type; } types[] = {
    {".js", "application/javascript"}, {".css", "text/css"}, {".png", "image/png"}};
  const char *type = NULL;
  size_t n = strlen(name);
  for (size_t i = 0; i < LG_ARRAY_LEN(types); i++) {
    size_t e = strlen(types[i].ext);
    if (n > e && strcmp(name + n - e, types[i].ext) == 0) type = types[i].type;
  }
  int plain = n > 0 && name[0] != '.' && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
  char path[4096];
  FILE *f = NULL;
  if (srv->opt.assets_dir && plain && type &&
      snprintf(path, sizeof path, "%s/%s", srv->opt.assets_dir, name) < (int)sizeof path)
    f = fopen(path, "rb");
  if (f == NULL) {
    lg_response_error(&w->out, 404, srv->opt.assets_dir ? "Not Found"
                      : "The /docs assets are not installed (run scripts/install-deps)", NULL, keep_alive, send_body);
    return 404;
  }
  lg_buf body = LG_BUF_INIT;
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) lg_buf_append(&body, chunk, got);
  fclose(f);
  lg_response_begin(&w->out, 200);
  lg_response_header(&w->out, "Content-Type", 12, type, strlen(type));
  lg_response_header(&w->out, "Cache-Control", 13, "public, max-age=86400", 21);
  lg_response_end(&w->out, body.data ? body.data : "", body.len, keep_alive, send_body);
  lg_buf_free(&body);
  return 200;
}

/* Answers the built-in endpoints; returns 0 when uri is not one of them. They are served in
 * C, so they answer even while the routes are broken or the VM is busy loading. */
static int builtin(lg_server *srv, worker *w, const char *uri, int keep_alive, int send_body) {
  static const char assets[] = "/docs/assets/";
  if (strncmp(uri, assets, sizeof assets - 1) == 0)
    return asset(srv, w, uri + sizeof assets - 1, keep_alive, send_body);
  if (strcmp(uri, "/healthz") == 0) return answer_json(w, 200, "{\"status\":\"ok\"}", keep_alive, send_body);
  if (strcmp(uri, "/readyz") == 0) return readyz(srv, w, keep_alive, send_body);
  if (strcmp(uri, "/metrics") == 0) return metrics(srv, w, keep_alive, send_body);
  return 0;
}

/* ===================== requests ===================== */

static int serve_request(lg_server *srv, struct mg_connection *conn, worker *w, const char *id,
                         const char *client) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  int send_body = strcmp(ri->request_method, "HEAD") != 0;
  int keep_alive = wants_keep_alive(conn, ri);
  const char *uri = route_path(ri->local_uri_raw ? ri->local_uri_raw : "/", srv->opt.root_path);

  int status = builtin(srv, w, uri, keep_alive, send_body);
  if (status) {
    set_route(w, uri);
    return status;
  }
  w->route[0] = '\0';
  lg_buf_reset(&w->body);
  int64_t deadline = lg_clock_monotonic_ms() + srv->opt.request_timeout_ms;
  int bad = ambiguous_framing(ri) ? 400 : 0;
  int has_body = !bad && (ri->content_length > 0 || is_chunked(conn));
  if (has_body && w->slot) lg_watch_arm(w->slot, deadline, ri->remote_addr, ri->remote_port, ri->server_port);
  if (!bad) bad = read_body(conn, ri, srv->opt.max_body_size, deadline, &w->body);
  if (has_body && w->slot && lg_watch_disarm(w->slot)) bad = 408;
  if (bad) {
    /* Whatever is left of the body must not be read as the next request. */
    mg_disable_connection_keep_alive(conn);
    const char *detail = bad == 413 ? "Request body too large"
                       : bad == 408 ? "Request body not received in time"
                                    : "Malformed request body framing";
    lg_response_error(&w->out, bad, detail, id, 0, send_body);
    return bad;
  }
  if (ensure_vm(srv, w) != LG_OK) {
    lg_response_error(&w->out, 500, "Internal Server Error", id, keep_alive, send_body);
    return 500;
  }
  lg_req r = {
    .conn = conn, .ri = ri, .method = ri->request_method, .path = uri, .path_len = strlen(uri),
    .body = w->body.data, .body_len = w->body.len, .id = id, .client = client,
    .scheme = scheme(conn, ri, srv->opt.trust_proxy),
  };
  status = call_lua(w, &r, keep_alive, send_body);
  if (!keep_alive) mg_disable_connection_keep_alive(conn);
  return status;
}

/* Counts the request in flight around serve_request. lg_server_stop sets `stopping` and then
 * waits for in_flight to reach 0; with both sides sequentially consistent, a request either
 * sees `stopping` and does no work, or is counted and waited for -- so civetweb is never
 * stopped under a request whose response is still to be written. */
static int handle_request(struct mg_connection *conn, void *cbdata) {
  lg_server *srv = cbdata;
  int64_t start = lg_clock_monotonic_us();
  worker *w = mg_get_thread_pointer(conn);
  const struct mg_request_info *ri = mg_get_request_info(conn);
  char generated[33], forwarded[64];
  const char *id = request_id(conn, generated);
  const char *client = client_address(conn, ri, srv->opt.trust_proxy, forwarded, sizeof forwarded);
  atomic_fetch_add(&srv->in_flight, 1);
  int status;
  if (atomic_load(&srv->stopping)) {
    mg_disable_connection_keep_alive(conn);
    lg_response_error(&w->out, 503, "Server is shutting down", id, 0, 1);
    w->route[0] = '\0';
    status = 503;
  } else {
    status = serve_request(srv, conn, w, id, client);
  }
  size_t bytes_out = w->out.len, bytes_in = w->body.len;
  /* Counted before the answer leaves, so a client that scrapes /metrics right after its
   * response already sees it. */
  int64_t took = lg_clock_monotonic_us() - start;
  if (w->shard) lg_metrics_observe_request(w->shard, ri->request_method, w->route, status, took, bytes_in, bytes_out);
  send_out(conn, w);
  atomic_fetch_sub(&srv->in_flight, 1);
  if (w->access) {
    lg_access_entry e = {id, ri->request_method, ri->local_uri_raw ? ri->local_uri_raw : "", client,
                         status, bytes_in, bytes_out, took};
    lg_access_log_add(w->access, &e);
  }
  return status;   /* > 0: civetweb sends nothing more */
}

static void *init_thread(const struct mg_context *ctx, int thread_type) {
  if (thread_type != 1) return NULL;   /* 1 = worker; only workers handle requests */
  lg_server *srv = mg_get_user_data(ctx);
  worker *w = calloc(1, sizeof *w);
  if (w == NULL) {
    lg_error("out of memory creating a worker");
    return NULL;
  }
  w->shard = lg_metrics_shard_new(srv->opt.metrics);
  w->slot = lg_watchdog_slot(srv->watchdog);
  if (srv->access_log) w->access = lg_access_log_batch(srv->access_log);
  return w;
}

static void exit_thread(const struct mg_context *ctx, int thread_type, void *ptr) {
  worker *w = ptr;
  if (thread_type != 1 || w == NULL) return;
  lg_vm_close(w->vm);
  lg_generation_release(w->gen);
  lg_buf_free(&w->body);
  lg_buf_free(&w->out);
  free(w);
}

/* A connection starts waiting for its first request, or for the next one. */
static int init_connection(const struct mg_connection *conn, void **conn_data) {
  worker *w = mg_get_thread_pointer(conn);
  if (w) {
    w->idle_since_us = lg_clock_monotonic_us();
    w->handled = 0;
  }
  return 0;
}

static void end_request(const struct mg_connection *conn, int status) {
  worker *w = mg_get_thread_pointer(conn);
  if (w) {
    w->idle_since_us = lg_clock_monotonic_us();
    w->handled++;
  }
}

/* civetweb's own error answers (requests it could not parse), as JSON. It reports both
 * headers that overflow max_header_size and headers cut short by the timeout as "Malformed
 * message"; the time the connection has waited tells them apart. */
static int http_error(struct mg_connection *conn, int status, const char *msg) {
  lg_server *srv = mg_get_user_data(mg_get_context(conn));
  worker *w = mg_get_thread_pointer(conn);
  if (w == NULL) return 1;
  const char *detail = msg;
  if (status == 400 && strcmp(msg, "Malformed message") == 0) {
    long timeout = w->handled ? srv->opt.keep_alive_timeout_ms : srv->opt.request_timeout_ms;
    int64_t waited_ms = (lg_clock_monotonic_us() - w->idle_since_us) / 1000;
    int timed_out = waited_ms + 100 >= timeout;
    status = timed_out ? 408 : 431;
    detail = timed_out ? "Request not received in time" : "Request header fields too large";
  }
  mg_disable_connection_keep_alive(conn);
  lg_buf_reset(&w->out);
  lg_response_error(&w->out, status, detail, NULL, 0, 1);
  mg_write(conn, w->out.data, w->out.len);
  return 0;   /* handled: civetweb sends nothing more */
}

/* civetweb asks for the SSL_CTX at start (*ssl_ctx NULL) and again before freeing it:
 * returning 1 both times keeps the context ours, freed in lg_server_stop. */
static int external_ssl_ctx(void **ssl_ctx, void *user_data) {
  lg_server *srv = user_data;
  if (*ssl_ctx == NULL) *ssl_ctx = srv->tls_ctx;
  return 1;
}

static int log_message(const struct mg_connection *conn, const char *message) {
  lg_warn("civetweb: %s", message);
  return 1;
}

/* ===================== start / stop ===================== */

/* civetweb serves each accepted connection on a worker thread, and a connection that sends
 * nothing holds its worker until request_timeout_ms: a few hundred idle sockets would queue
 * ahead of real clients. With TCP_DEFER_ACCEPT the kernel hands civetweb a connection only
 * once its first bytes arrive (as nginx's "listen ... deferred" does). civetweb has no option
 * for it and does not expose its listening sockets, so they are found among our own
 * descriptors by the ports civetweb reports. */
static void defer_accept(struct mg_context *ctx) {
  struct mg_server_port ports[8];
  int n = mg_get_server_ports(ctx, 8, ports);
  int deferred = 0;
  for (int fd = 0; fd < 1024 && n > 0; fd++) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    struct sockaddr_storage addr = {0};
    len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) continue;
    int port = addr.ss_family == AF_INET  ? ntohs(((struct sockaddr_in *)&addr)->sin_port)
             : addr.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&addr)->sin6_port)
                                          : -1;
    for (int i = 0; i < n; i++) {
      int secs = 30;   /* a client silent this long after connecting is not a client */
      if (ports[i].port == port && setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs) == 0) {
        deferred++;
        break;
      }
    }
  }
  if (deferred < n) lg_warn("could not defer accept on every listening socket (%d of %d)", deferred, n);
}

lg_server *lg_server_start(const lg_server_options *opt, char *err, size_t errlen) {
  lg_server *srv = calloc(1, sizeof *srv);
  if (srv == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  srv->opt = *opt;
  if ((srv->watchdog = lg_watchdog_start()) == NULL ||
      (opt->access_log && (srv->access_log = lg_access_log_start()) == NULL)) {
    snprintf(err, errlen, "http: cannot start the watchdog or access log thread");
    lg_watchdog_stop(srv->watchdog);
    free(srv);
    return NULL;
  }
  char ports[512];
  int tls = opt->tls_listen && *opt->tls_listen;
  snprintf(ports, sizeof ports, "%s%s%s%s", opt->listen, tls ? "," : "", tls ? opt->tls_listen : "", tls ? "s" : "");
  if (tls && (lg_tls_load_compat(opt->tls_compat_dir, err, errlen) != LG_OK ||
              (srv->tls_ctx = lg_tls_server_ctx(opt->tls_cert, opt->tls_key, err, errlen)) == NULL)) {
    lg_watchdog_stop(srv->watchdog);
    free(srv);
    return NULL;
  }
  char threads[24], keep_alive[24], request_timeout[24], header_size[24];
  snprintf(threads, sizeof threads, "%ld", opt->threads);
  snprintf(header_size, sizeof header_size, "%ld", opt->max_header_size);
  snprintf(keep_alive, sizeof keep_alive, "%ld", opt->keep_alive_timeout_ms);
  snprintf(request_timeout, sizeof request_timeout, "%ld", opt->request_timeout_ms);
  const char *options[] = {
    "listening_ports", ports,
    "ssl_protocol_version", "4",   /* TLS 1.2 and later (the context enforces it too) */
    "num_threads", threads,
    "enable_keep_alive", "yes",
    "keep_alive_timeout_ms", keep_alive,
    "request_timeout_ms", request_timeout,
    "max_request_size", header_size,
    /* civetweb answers CORS preflights itself, allowing any origin, unless these are
     * empty; lakegate's routes decide (see lua/lakegate/security.lua). */
    "access_control_allow_origin", "",
    "access_control_allow_methods", "",
    "tcp_nodelay", "1",
    "listen_backlog", "1024",
    "connection_queue", "256",
    NULL,
  };
  struct mg_callbacks callbacks = {0};
  callbacks.init_thread = init_thread;
  callbacks.exit_thread = exit_thread;
  callbacks.log_message = log_message;
  callbacks.init_connection = init_connection;
  callbacks.end_request = end_request;
  callbacks.http_error = http_error;
  if (tls) callbacks.external_ssl_ctx = external_ssl_ctx;
  struct mg_init_data init = {&callbacks, srv, options};
  unsigned code = 0;
  char text[256] = "";
  struct mg_error_data error = {&code, text, sizeof text};
  srv->ctx = mg_start2(&init, &error);
  if (srv->ctx == NULL) {
    snprintf(err, errlen, "http: cannot listen on %s: %s", ports, text[0] ? text : "mg_start failed");
    lg_watchdog_stop(srv->watchdog);
    lg_access_log_stop(srv->access_log);
    lg_tls_free_ctx(srv->tls_ctx);
    free(srv);
    return NULL;
  }
  mg_set_request_handler(srv->ctx, "/", handle_request, srv);
  defer_accept(srv->ctx);
  return srv;
}

void lg_server_stop(lg_server *srv) {
  if (srv == NULL) return;
  /* civetweb stops writing as soon as mg_stop starts, so let running handlers answer first. */
  atomic_store(&srv->stopping, 1);
  int64_t deadline = lg_clock_monotonic_ms() + srv->opt.request_timeout_ms;
  while (atomic_load(&srv->in_flight) > 0 && lg_clock_monotonic_ms() < deadline) {
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (atomic_load(&srv->in_flight) > 0) lg_warn("stopping with requests still in flight");
  mg_stop(srv->ctx);   /* closes idle connections; exit_thread frees the workers */
  lg_watchdog_stop(srv->watchdog);
  lg_access_log_stop(srv->access_log);
  lg_tls_free_ctx(srv->tls_ctx);
  free(srv);
}
