/* A yardstick for bench/http, not part of lakegate: a server on the same libcivetweb,
 * configured as lakegate configures it (worker threads, keep-alive, TCP_NODELAY, backlog),
 * that reads each request body and answers in one mg_write.
 *
 *   civetweb-peer --listen HOST:PORT --threads N
 *       answers every request with the same 201 (the ceiling of civetweb itself)
 *   civetweb-peer --listen HOST:PORT --threads N --lua FILE
 *       FILE returns a function handle(method, path, body) -> status, body; each worker
 *       thread runs it in a Lua state of its own (the hand-written Lua + cjson peer)
 *
 * Exits 1 with a message when it cannot listen or FILE does not load. Stops on SIGTERM or
 * SIGINT. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define MAX_BODY (1024 * 1024)
#define MAX_HEAD 256

/* The fixed answer: the body lakegate returns for the benchmark's valid unicorn. */
static const char fixed_body[] =
  "{\"name\":\"honey\",\"rainbow\":true,\"horn_length_cm\":31.5,\"color\":\"pink\","
  "\"tags\":[\"sparkly\",\"bench\"]}";

typedef struct options {
  const char *listen;
  const char *threads;
  const char *lua_file;   /* NULL: fixed answer */
} options;

/* Per worker thread (civetweb init_thread/exit_thread). */
typedef struct worker {
  lua_State *L;   /* NULL in fixed mode; the handler sits at stack index 1 */
  char *body;     /* MAX_BODY + 1 bytes */
  char *out;      /* MAX_HEAD + the largest body answered so far */
  size_t out_cap;
} worker;

/* ===================== Lua ===================== */

/* A new state with FILE's handler at index 1. Returns NULL with a message in err. */
static lua_State *load_handler(const char *file, char *err, size_t errlen) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  luaL_openlibs(L);
  if (luaL_dofile(L, file) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  if (lua_gettop(L) != 1 || !lua_isfunction(L, 1)) {
    snprintf(err, errlen, "%s: must return one function handle(method, path, body)", file);
    lua_close(L);
    return NULL;
  }
  return L;
}

/* Calls the handler; returns its status and points *body at its answer, which stays valid
 * until the next call (the string sits on the stack at index 2). */
static int call_handler(lua_State *L, const struct mg_request_info *ri, const char *body,
                        size_t body_len, const char **answer, size_t *answer_len) {
  lua_settop(L, 1);
  lua_pushvalue(L, 1);
  lua_pushstring(L, ri->request_method);
  lua_pushstring(L, ri->local_uri_raw ? ri->local_uri_raw : "/");
  lua_pushlstring(L, body, body_len);
  if (lua_pcall(L, 3, 2, 0) != LUA_OK) {   /* handler status body | handler msg */
    fprintf(stderr, "civetweb-peer: %s\n", lua_tostring(L, -1));
    *answer = "{\"detail\":\"Internal Server Error\"}";
    *answer_len = strlen(*answer);
    return 500;
  }
  int status = (int)lua_tointeger(L, 2);
  *answer = lua_tolstring(L, 3, answer_len);
  if (*answer == NULL) {
    *answer = "";
    *answer_len = 0;
  }
  lua_remove(L, 2);   /* handler body */
  return status;
}

/* ===================== civetweb callbacks ===================== */

static const char *reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Content Too Large";
  case 422: return "Unprocessable Content";
  default: return "Internal Server Error";
  }
}

/* Reads the Content-Length body into w->body. Returns its length, or -1. */
static long read_body(struct mg_connection *conn, const struct mg_request_info *ri, worker *w) {
  long long cl = ri->content_length;
  if (cl <= 0) return 0;
  if (cl > MAX_BODY) return -1;
  long got = 0;
  while (got < cl) {
    int n = mg_read(conn, w->body + got, (size_t)(cl - got));
    if (n <= 0) return -1;
    got += n;
  }
  return got;
}

/* Head and body in w->out, sent with one mg_write. */
static int answer(struct mg_connection *conn, worker *w, int status, const char *body,
                  size_t len) {
  if (w->out_cap < MAX_HEAD + len) {
    char *grown = realloc(w->out, MAX_HEAD + len);
    if (grown == NULL) return 500;
    w->out = grown;
    w->out_cap = MAX_HEAD + len;
  }
  int head = snprintf(w->out, MAX_HEAD,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n", status, reason(status), len);
  memcpy(w->out + head, body, len);
  mg_write(conn, w->out, (size_t)head + len);
  return status;
}

static int handle_request(struct mg_connection *conn, void *cbdata) {
  worker *w = mg_get_thread_pointer(conn);
  const struct mg_request_info *ri = mg_get_request_info(conn);
  long len = read_body(conn, ri, w);
  if (len < 0) {
    mg_disable_connection_keep_alive(conn);
    return answer(conn, w, 413, "{}", 2);
  }
  if (w->L == NULL) return answer(conn, w, 201, fixed_body, sizeof fixed_body - 1);
  const char *out;
  size_t out_len;
  int status = call_handler(w->L, ri, w->body, (size_t)len, &out, &out_len);
  return answer(conn, w, status, out, out_len);
}

static void *init_thread(const struct mg_context *ctx, int thread_type) {
  if (thread_type != 1) return NULL;   /* 1 = worker */
  const options *opt = mg_get_user_data(ctx);
  worker *w = calloc(1, sizeof *w);
  if (w == NULL || (w->body = malloc(MAX_BODY + 1)) == NULL) {
    fprintf(stderr, "civetweb-peer: out of memory\n");
    exit(1);
  }
  if (opt->lua_file) {
    char err[512];
    w->L = load_handler(opt->lua_file, err, sizeof err);
    if (w->L == NULL) {   /* main() loaded the same file, so this is not expected */
      fprintf(stderr, "civetweb-peer: %s\n", err);
      exit(1);
    }
  }
  return w;
}

static void exit_thread(const struct mg_context *ctx, int thread_type, void *ptr) {
  worker *w = ptr;
  if (thread_type != 1 || w == NULL) return;
  if (w->L) lua_close(w->L);
  free(w->body);
  free(w->out);
  free(w);
}

/* ===================== main ===================== */

static int parse_args(int argc, char **argv, options *opt) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--listen") == 0) opt->listen = argv[i + 1];
    else if (strcmp(argv[i], "--threads") == 0) opt->threads = argv[i + 1];
    else if (strcmp(argv[i], "--lua") == 0) opt->lua_file = argv[i + 1];
    else return -1;
  }
  return argc % 2 == 1 ? 0 : -1;
}

int main(int argc, char **argv) {
  options opt = {"127.0.0.1:8080", "128", NULL};
  if (parse_args(argc, argv, &opt) != 0) {
    fprintf(stderr, "usage: civetweb-peer [--listen HOST:PORT] [--threads N] [--lua FILE]\n");
    return 2;
  }
  if (opt.lua_file) {   /* fail at start, not on the first request */
    char err[512];
    lua_State *L = load_handler(opt.lua_file, err, sizeof err);
    if (L == NULL) {
      fprintf(stderr, "civetweb-peer: %s\n", err);
      return 1;
    }
    lua_close(L);
  }

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);   /* workers inherit the mask */
  signal(SIGPIPE, SIG_IGN);

  const char *civetweb_options[] = {   /* as lakegate's src/http/server.c */
    "listening_ports", opt.listen,
    "num_threads", opt.threads,
    "enable_keep_alive", "yes",
    "keep_alive_timeout_ms", "5000",
    "request_timeout_ms", "30000",
    "tcp_nodelay", "1",
    "listen_backlog", "1024",
    "connection_queue", "256",
    NULL,
  };
  struct mg_callbacks callbacks = {0};
  callbacks.init_thread = init_thread;
  callbacks.exit_thread = exit_thread;
  struct mg_init_data init = {&callbacks, &opt, civetweb_options};
  unsigned code = 0;
  char text[256] = "";
  struct mg_error_data error = {&code, text, sizeof text};
  struct mg_context *ctx = mg_start2(&init, &error);
  if (ctx == NULL) {
    fprintf(stderr, "civetweb-peer: cannot listen on %s: %s\n", opt.listen, text);
    return 1;
  }
  mg_set_request_handler(ctx, "/", handle_request, NULL);
  fprintf(stderr, "civetweb-peer: listening on %s, %s threads, %s\n", opt.listen, opt.threads,
          opt.lua_file ? opt.lua_file : "fixed 201");

  int sig;
  sigwait(&stop, &sig);
  mg_stop(ctx);
  return 0;
}
