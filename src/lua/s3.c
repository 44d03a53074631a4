/* lakegate.s3: the S3 client (src/aws/s3.h) for route scripts.
 *   s3.client([opts]) -> client | fail, message        (a client owns its connections)
 *   client:put(bucket, key, body [, opts]) -> info | fail, message, status
 *   client:get(bucket, key [, opts]) -> body, info | fail, message, status
 *   client:head(bucket, key) -> info | fail, message, status
 *   client:delete(bucket, key) -> true | fail, message, status
 *   client:list(bucket [, opts]) -> {info...} | fail, message, status
 *   client:presign(bucket, key [, expires_s]) -> url | fail, message
 *   client:close()
 *   s3.put/get/head/delete/list/presign(...): the same on this state's default client,
 *   made from the environment (AWS_REGION, AWS_ENDPOINT_URL_S3, credentials...) on first use.
 * Calls block the calling worker until S3 answers (retries included). `status` is the
 * HTTP status of S3's answer, 0 when none arrived. Misuse raises; S3 failures return. */
#include "lua/modules.h"
#include "lua/options.h"
#include "aws/s3.h"
#include "util/common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#define CLIENT_MT "lakegate.s3.client"
#define DEFAULT_CLIENT "lakegate.s3.default"   /* registry: this state's default client */

typedef struct client {
  lg_s3 *s3;                  /* NULL for a closed or half-built client */
  lg_aws_provider *creds;     /* fixed credentials given in opts, or NULL (s3 has its own) */
} client;

#define checkclient(L) ((client *)luaL_checkudata(L, 1, CLIENT_MT))

/* ===================== options ===================== */

static lg_s3_put_options put_options(lua_State *L, int idx) {
  static const char *const checksums[] = {"md5", "sha256", NULL};
  static const char *const sse[] = {"none", "AES256", "aws:kms", NULL};
  lg_lua_check_opts(L, idx);
  lg_s3_put_options o;
  o.content_type = lg_lua_opt_string(L, idx, "content_type");
  o.content_encoding = lg_lua_opt_string(L, idx, "content_encoding");
  o.checksum = (lg_s3_checksum)lg_lua_opt_choice(L, idx, "checksum", checksums, LG_S3_CHECKSUM_MD5);
  o.sse = (lg_s3_sse)lg_lua_opt_choice(L, idx, "sse", sse, LG_S3_SSE_NONE);
  o.kms_key_id = lg_lua_opt_string(L, idx, "kms_key_id");
  return o;
}

/* ===================== results ===================== */

static int push_failure(lua_State *L, const lg_aws_error *err) {
  luaL_pushfail(L);
  lua_pushstring(L, err->message);
  lua_pushinteger(L, err->status);
  return 3;
}

static void set_string(lua_State *L, const char *name, const char *value) {
  if (value[0] == '\0') return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, name);
}

/* Pushes {key=, size=, etag=, last_modified=, content_type=, content_encoding=, sse=}. */
static void push_info(lua_State *L, const lg_s3_object *o) {
  lua_createtable(L, 0, 7);
  set_string(L, "key", o->key);
  lua_pushinteger(L, (lua_Integer)o->size);
  lua_setfield(L, -2, "size");
  set_string(L, "etag", o->etag);
  set_string(L, "last_modified", o->last_modified);
  set_string(L, "content_type", o->content_type);
  set_string(L, "content_encoding", o->content_encoding);
  set_string(L, "sse", o->sse);
}

/* ===================== clients ===================== */

static client *new_client(lua_State *L) {
  client *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->s3 = NULL;   /* empty until built, so __gc is always safe */
  c->creds = NULL;
  luaL_setmetatable(L, CLIENT_MT);
  return c;
}

/* Fills c from opts at idx (may be absent). Returns LG_OK or LG_ERR with err set. */
static int build_client(lua_State *L, int idx, client *c, char *err, size_t errlen) {
  static const char *const styles[] = {"auto", "path", "virtual", NULL};
  lg_lua_check_opts(L, idx);
  luaL_checkstack(L, 12, "reading S3 client options");
  int top = lua_gettop(L);
  const char *id = lg_lua_opt_string(L, idx, "access_key_id");
  const char *secret = lg_lua_opt_string(L, idx, "secret_access_key");
  const char *token = lg_lua_opt_string(L, idx, "session_token");
  if ((id == NULL) != (secret == NULL))
    luaL_error(L, "give both access_key_id and secret_access_key, or neither");
  lg_s3_options o = {0};
  o.region = lg_lua_opt_string(L, idx, "region");
  o.endpoint = lg_lua_opt_string(L, idx, "endpoint");
  o.profile = lg_lua_opt_string(L, idx, "profile");
  o.addressing = (lg_s3_addressing)lg_lua_opt_choice(L, idx, "addressing", styles, LG_S3_ADDRESSING_AUTO);
  o.retry.max_attempts = (int)lg_lua_opt_integer(L, idx, "max_attempts", 0);
  o.timeout_ms = (long)lg_lua_opt_integer(L, idx, "timeout_ms", 0);
  if (id && (c->creds = o.credentials = lg_aws_provider_new_static(id, secret, token, err, errlen)) == NULL)
    return LG_ERR;
  c->s3 = lg_s3_new(&o, err, errlen);
  lua_settop(L, top);   /* the option strings were needed until here */
  return c->s3 ? LG_OK : LG_ERR;
}

static int s3_client(lua_State *L) {
  client *c = new_client(L);
  char err[LG_ERRLEN];
  if (build_client(L, 1, c, err, sizeof err) == LG_OK) return 1;
  luaL_pushfail(L);
  lua_pushstring(L, err);
  return 2;
}

/* The client an operation works on, and in *a the index of its first argument: the
 * client the method was called on (raises if closed), or, for the module's shortcuts
 * (upvalue 1 is true), this state's default client, made on first use. Returns NULL
 * with fail, message pushed when the default client cannot be made. */
static lg_s3 *target(lua_State *L, int *a) {
  if (!lua_toboolean(L, lua_upvalueindex(1))) {
    client *c = checkclient(L);
    if (c->s3 == NULL) luaL_error(L, "attempt to use a closed S3 client");
    *a = 2;
    return c->s3;
  }
  *a = 1;
  /* Nothing stays pushed: the arguments' indexes must keep meaning what the caller passed. */
  int cached = lua_getfield(L, LUA_REGISTRYINDEX, DEFAULT_CLIENT) == LUA_TUSERDATA;
  client *made = cached ? lua_touserdata(L, -1) : NULL;
  lua_pop(L, 1);
  if (cached) return made->s3;   /* the registry keeps the userdata alive */
  client *c = new_client(L);
  char err[LG_ERRLEN];
  if (build_client(L, 0, c, err, sizeof err) != LG_OK) {
    luaL_pushfail(L);   /* not cached: the environment may be fixed before the next call */
    lua_pushstring(L, err);
    return NULL;
  }
  lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_CLIENT);   /* registry[DEFAULT] = client */
  return c->s3;   /* the registry keeps the userdata alive */
}

/* __gc, __close and close: skips half-built clients */
static int client_gc(lua_State *L) {
  client *c = checkclient(L);
  lg_s3_free(c->s3);
  lg_aws_provider_free(c->creds);
  c->s3 = NULL;
  c->creds = NULL;
  return 0;
}

/* ===================== operations ===================== */

static int client_put(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a), *key = luaL_checkstring(L, a + 1);
  size_t len;
  const char *body = luaL_checklstring(L, a + 2, &len);
  lg_s3_put_options o = put_options(L, a + 3);
  lg_s3_object info;
  lg_aws_error err;
  if (lg_s3_put(s3, bucket, key, body, len, &o, &info, &err) != LG_OK) return push_failure(L, &err);
  push_info(L, &info);
  return 1;
}

static int client_get(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a), *key = luaL_checkstring(L, a + 1);
  lg_lua_check_opts(L, a + 2);
  lua_Integer max_size = lg_lua_opt_integer(L, a + 2, "max_size", 0);
  luaL_argcheck(L, max_size >= 0, a + 2, "max_size must not be negative");
  lg_buf body = LG_BUF_INIT;
  lg_s3_object info;
  lg_aws_error err;
  if (lg_s3_get(s3, bucket, key, &body, (size_t)max_size, &info, &err) != LG_OK) {
    lg_buf_free(&body);
    return push_failure(L, &err);
  }
  lua_pushlstring(L, body.data ? body.data : "", body.len);   /* Lua copies */
  lg_buf_free(&body);
  push_info(L, &info);
  return 2;
}

static int client_head(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a), *key = luaL_checkstring(L, a + 1);
  lg_s3_object info;
  lg_aws_error err;
  if (lg_s3_head(s3, bucket, key, &info, &err) != LG_OK) return push_failure(L, &err);
  push_info(L, &info);
  return 1;
}

static int client_delete(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a), *key = luaL_checkstring(L, a + 1);
  lg_aws_error err;
  if (lg_s3_delete(s3, bucket, key, &err) != LG_OK) return push_failure(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* Appends a page's objects to the array at -2 and its prefixes to the array at -1. */
static void append_page(lua_State *L, const lg_s3_listing *page, lua_Integer *n, lua_Integer *np) {
  for (size_t i = 0; i < page->count; i++) {
    push_info(L, &page->objects[i]);
    lua_rawseti(L, -3, ++*n);          /* result[n] = info */
  }
  for (size_t i = 0; i < page->nprefixes; i++) {
    lua_pushstring(L, page->prefixes[i]);
    lua_rawseti(L, -2, ++*np);         /* prefixes[np] = prefix */
  }
}

/* list(bucket [, {prefix=, delimiter=, start_after=, continuation_token=, max_keys=,
 * limit=}]): whole pages until at least `limit` objects (default: every page);
 * result.prefixes holds the common prefixes, and result.next_token (set when the limit
 * stopped the listing) continues it as continuation_token. */
static int client_list(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a);
  lg_lua_check_opts(L, a + 1);
  lg_s3_list_options o = {lg_lua_opt_string(L, a + 1, "prefix"), lg_lua_opt_string(L, a + 1, "delimiter"),
                          lg_lua_opt_string(L, a + 1, "start_after"),
                          lg_lua_opt_string(L, a + 1, "continuation_token"),
                          (int)lg_lua_opt_integer(L, a + 1, "max_keys", 0)};
  lua_Integer limit = lg_lua_opt_integer(L, a + 1, "limit", 0), n = 0, np = 0;
  lua_newtable(L);   /* result */
  lua_newtable(L);   /* result.prefixes */
  lg_s3_listing page = LG_S3_LISTING_INIT;
  lg_aws_error err;
  char *token = NULL;
  int rc;
  do {
    rc = lg_s3_list_page(s3, bucket, &o, &page, &err);
    if (rc == LG_OK) append_page(L, &page, &n, &np);
    free(token);
    token = page.next_token;   /* taken over from the page */
    page.next_token = NULL;
    o.continuation_token = token;
  } while (rc == LG_OK && page.truncated && (limit <= 0 || n < limit));
  lg_s3_listing_free(&page);
  if (rc != LG_OK) {
    free(token);
    return push_failure(L, &err);
  }
  lua_setfield(L, -2, "prefixes");   /* result.prefixes = prefixes */
  if (token) {
    lua_pushstring(L, token);
    lua_setfield(L, -2, "next_token");
  }
  free(token);
  return 1;
}

static int client_presign(lua_State *L) {
  int a;
  lg_s3 *s3 = target(L, &a);
  if (s3 == NULL) return 2;
  const char *bucket = luaL_checkstring(L, a), *key = luaL_checkstring(L, a + 1);
  lua_Integer expires = luaL_optinteger(L, a + 2, 3600);
  luaL_argcheck(L, expires > 0 && expires <= 604800, a + 2, "expires must be 1..604800 seconds");
  lg_buf url = LG_BUF_INIT;
  lg_aws_error err;
  if (lg_s3_presign_get(s3, bucket, key, (long)expires, time(NULL), &url, &err) != LG_OK) {
    lg_buf_free(&url);
    return push_failure(L, &err);
  }
  lua_pushlstring(L, url.data, url.len);
  lg_buf_free(&url);
  return 1;
}

static const luaL_Reg methods[] = {
  {"close", client_gc},
  {"delete", client_delete},
  {"get", client_get},
  {"head", client_head},
  {"list", client_list},
  {"presign", client_presign},
  {"put", client_put},
  {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
  {"__close", client_gc},
  {"__gc", client_gc},
  {"__index", NULL},   /* placeholder, set to the methods table below */
  {NULL, NULL},
};

static const luaL_Reg funcs[] = {
  {"client", s3_client},
  {NULL, NULL},
};

int lg_open_s3(lua_State *L) {
  if (luaL_newmetatable(L, CLIENT_MT)) {
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlibtable(L, methods);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");   /* metatable.__index = methods */
  }
  luaL_newlib(L, funcs);
  /* s3.get(...) works like default_client:get(...); so does every method but close */
  for (const luaL_Reg *m = methods; m->name; m++) {
    if (strcmp(m->name, "close") == 0) continue;
    lua_pushboolean(L, 1);
    lua_pushcclosure(L, m->func, 1);
    lua_setfield(L, -2, m->name);      /* s3[name] = the method on the default client */
  }
  lua_remove(L, -2);                   /* the metatable */
  return 1;
}
