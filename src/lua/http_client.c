/* lakegate.http: an outbound HTTP client for routes that call other services (libcurl).
 * Each Lua state keeps one curl handle, so connections to a service are reused.
 *   http.request{url=, method="GET", headers={}, body=, timeout=10, connect_timeout=5,
 *                follow_redirects=false, max_body=10 MiB, verify_tls=true}
 *     -> {status=, headers={lowercase name = value}, body=} | nil, message
 *   http.get(url [, opts]), http.post(url, body [, opts])
 * The call blocks its worker for at most `timeout` seconds (documented for route authors). */
#include "lua/modules.h"
#include "util/buf.h"
#include "util/common.h"

#include <ctype.h>
#include <string.h>

#include <curl/curl.h>
#include <lauxlib.h>

#define CLIENT_MT "lakegate.http.client"   /* the client's metatable (luaL_newmetatable) */
#define CLIENT "lakegate.http.default"      /* registry: this state's client userdata; a key
                                             * of its own, or __gc's type check would fail */

typedef struct client {
  CURL *curl;        /* NULL until first use */
  lg_buf body;       /* response body of the current call */
  lg_buf headers;    /* response header lines of the current call */
  size_t max_body;   /* limit of the current call */
  int too_big;
} client;

static int client_gc(lua_State *L) {
  client *c = luaL_checkudata(L, 1, CLIENT_MT);
  if (c->curl) curl_easy_cleanup(c->curl);
  c->curl = NULL;
  lg_buf_free(&c->body);
  lg_buf_free(&c->headers);
  return 0;
}

/* This state's client, created on first use. */
static client *get_client(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, CLIENT) == LUA_TUSERDATA) {
    client *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
  }
  lua_pop(L, 1);
  client *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  if (luaL_newmetatable(L, CLIENT_MT)) {
    lua_pushcfunction(L, client_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, CLIENT);   /* registry[CLIENT] = client */
  return c;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  client *c = ud;
  size_t len = size * n;
  if (c->body.len + len > c->max_body) {
    c->too_big = 1;
    return 0;   /* aborts the transfer */
  }
  return lg_buf_append(&c->body, p, len) == LG_OK ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  client *c = ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) lg_buf_reset(&c->headers);   /* a new response (after 1xx or a redirect) */
  return lg_buf_append(&c->headers, p, len) == LG_OK ? len : 0;
}

/* Pushes the collected header lines as {lowercase name = value} (repeats joined by ", "). */
static void push_headers(lua_State *L, const lg_buf *h) {
  lua_newtable(L);
  const char *p = h->data ? h->data : "", *end = p + h->len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = eol ? eol : end;
    const char *colon = memchr(p, ':', (size_t)(line_end - p));
    if (colon && colon > p) {
      luaL_Buffer name;
      luaL_buffinit(L, &name);
      for (const char *q = p; q < colon; q++) luaL_addchar(&name, (char)tolower((unsigned char)*q));
      luaL_pushresult(&name);                                        /* t name */
      const char *v = colon + 1, *ve = line_end;
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) {                          /* t name old */
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    p = eol ? eol + 1 : end;
  }
}

static double opt_number(lua_State *L, int t, const char *field, double dflt) {
  lua_getfield(L, t, field);
  double v = luaL_optnumber(L, -1, dflt);
  lua_pop(L, 1);
  return v;
}

static int opt_boolean(lua_State *L, int t, const char *field, int dflt) {
  lua_getfield(L, t, field);
  int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* request{...} */
static int http_request(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_getfield(L, 1, "url");                        /* 2 */
  const char *url = luaL_checkstring(L, 2);
  luaL_argcheck(L, strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0, 1,
                "url must start with http:// or https://");
  lua_getfield(L, 1, "method");                     /* 3 */
  const char *method = luaL_optstring(L, 3, "GET");
  lua_getfield(L, 1, "body");                       /* 4 */
  size_t body_len = 0;
  const char *body = luaL_optlstring(L, 4, NULL, &body_len);
  double timeout = opt_number(L, 1, "timeout", 10);
  double connect_timeout = opt_number(L, 1, "connect_timeout", 5);
  double max_body = opt_number(L, 1, "max_body", 10 * 1024 * 1024);
  int follow = opt_boolean(L, 1, "follow_redirects", 0);
  int verify = opt_boolean(L, 1, "verify_tls", 1);
  luaL_argcheck(L, timeout > 0 && connect_timeout > 0 && max_body >= 0, 1, "timeouts must be positive");

  client *c = get_client(L);
  if (c->curl == NULL && (c->curl = curl_easy_init()) == NULL) return luaL_error(L, "lakegate.http: cannot create a curl handle");
  CURL *curl = c->curl;
  curl_easy_reset(curl);   /* keeps the connection cache */
  lg_buf_reset(&c->body);
  lg_buf_reset(&c->headers);
  c->max_body = (size_t)max_body;
  c->too_big = 0;

  /* Request headers: built before the transfer, so no Lua error can occur during it. */
  struct curl_slist *list = NULL;
  lua_getfield(L, 1, "headers");                    /* 5 */
  if (lua_istable(L, 5)) {
    lua_pushnil(L);
    while (lua_next(L, 5)) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1)) {
        lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
        struct curl_slist *grown = curl_slist_append(list, lua_tostring(L, -1));
        lua_pop(L, 1);
        if (grown == NULL) {
          curl_slist_free_all(list);
          return luaL_error(L, "lakegate.http: out of memory");
        }
        list = grown;
      }
      lua_pop(L, 1);
    }
  }
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_timeout * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);   /* threads: no SIGALRM for DNS timeouts */
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, (long)follow);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, (long)verify);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");   /* any encoding curl can decode */
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    luaL_pushfail(L);
    if (c->too_big) lua_pushfstring(L, "http: %s %s: response body larger than %d bytes", method, url, (int)max_body);
    else lua_pushfstring(L, "http: %s %s: %s", method, url, curl_easy_strerror(rc));
    return 2;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  push_headers(L, &c->headers);
  lua_setfield(L, -2, "headers");
  lua_pushlstring(L, c->body.data ? c->body.data : "", c->body.len);
  lua_setfield(L, -2, "body");
  if (c->body.cap > 1 << 20) lg_buf_free(&c->body);
  return 1;
}

/* get(url [, opts]) and post(url, body [, opts]): request with url, method and body set. */
static int with(lua_State *L, const char *method, int has_body) {
  const char *url = luaL_checkstring(L, 1);
  int opts = has_body ? 3 : 2;
  lua_newtable(L);
  if (lua_istable(L, opts)) {
    lua_pushnil(L);
    while (lua_next(L, opts)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
  }
  lua_pushstring(L, url);
  lua_setfield(L, -2, "url");
  lua_pushstring(L, method);
  lua_setfield(L, -2, "method");
  if (has_body) {
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "body");
  }
  lua_replace(L, 1);
  lua_settop(L, 1);
  return http_request(L);
}

static int http_get(lua_State *L) { return with(L, "GET", 0); }
static int http_post(lua_State *L) { return with(L, "POST", 1); }

static const luaL_Reg httplib[] = {
  {"get", http_get},
  {"post", http_post},
  {"request", http_request},
  {NULL, NULL},
};

int lg_open_http(lua_State *L) {
  luaL_newlib(L, httplib);
  return 1;
}
