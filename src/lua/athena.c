/* lakegate.athenaclient: the Athena client (src/aws/athena.h) for lakegate.athena, which is
 * what route scripts use. Calls block the calling worker until Athena answers.
 *   athenaclient.client([opts]) -> client | fail, message
 *   client:start(sql, {literal...}, {database=, catalog=, workgroup=, output=, token=})
 *       -> id | fail, message, code, status
 *   client:status(id) -> status | fail, message, code, status
 *   client:wait(id, {timeout_ms=, first_delay_ms=, max_delay_ms=})
 *       -> status | fail, message, code, status, last_status
 *   client:results(id [, next_token [, max_results]])
 *       -> {columns = {{name=, type=, precision=, scale=}...}, rows = {{cell...}...},
 *           next_token=, update_count=} | fail, message, code, status
 *   client:stop(id) -> true | fail, message, code, status
 *   client:table(database, table [, catalog])
 *       -> {columns=, partition_keys=, location=} | fail, message, code, status
 *   client:close()
 *   athenaclient.settings() -> the server's Athena settings (database, workgroup, output,
 *       timeout_ms, max_queries; see lg_lua_athena_configure)
 *   athenaclient.enter() -> true | false; athenaclient.leave(): the process-wide count of
 *       blocking queries, capped at max_queries.
 * Cells are strings as Athena sends them, or lakegate.null for SQL NULL; lakegate.athena
 * types them. `code` is Athena's error code, a query's end state (FAILED, CANCELLED) or
 * TIMEOUT, or nil; `status` is the HTTP status (0 when no answer came). */
#include "lua/modules.h"
#include "lua/options.h"
#include "aws/athena.h"
#include "util/common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define CLIENT_MT "lakegate.athena.client"
#define PAGE_MT "lakegate.athena.page"   /* a result page on its way into Lua */
#define MAX_PARAMS 256   /* far above what a query needs; bounds the stack array */

typedef struct client {
  lg_athena *athena;          /* NULL for a closed or half-built client */
  lg_aws_provider *creds;     /* fixed credentials given in opts, or NULL */
} client;

#define checkclient(L) ((client *)luaL_checkudata(L, 1, CLIENT_MT))

/* ===================== the server's settings and the query gate ===================== */

/* Written once by the host before any thread runs (lg_lua_athena_configure), read-only
 * afterwards; the gate counter is the one piece of state shared by every worker. */
static struct {
  char database[256];
  char workgroup[256];
  char output[1024];
  long timeout_ms;
  long max_queries;           /* 0: no cap (a state outside the server) */
} settings = {"", "", "", 60000, 0};

static atomic_long running;   /* blocking queries in flight, process-wide */

void lg_lua_athena_configure(const lg_lua_athena_settings *s) {
  snprintf(settings.database, sizeof settings.database, "%s", s->database ? s->database : "");
  snprintf(settings.workgroup, sizeof settings.workgroup, "%s", s->workgroup ? s->workgroup : "");
  snprintf(settings.output, sizeof settings.output, "%s", s->output ? s->output : "");
  settings.timeout_ms = s->timeout_ms;
  settings.max_queries = s->max_queries;
}

static int athena_settings(lua_State *L) {
  lua_createtable(L, 0, 5);
  lua_pushstring(L, settings.database);
  lua_setfield(L, -2, "database");
  lua_pushstring(L, settings.workgroup);
  lua_setfield(L, -2, "workgroup");
  lua_pushstring(L, settings.output);
  lua_setfield(L, -2, "output");
  lua_pushinteger(L, settings.timeout_ms);
  lua_setfield(L, -2, "timeout_ms");
  lua_pushinteger(L, settings.max_queries);
  lua_setfield(L, -2, "max_queries");
  return 1;
}

/* Takes a slot if fewer than max_queries are taken. */
static int athena_enter(lua_State *L) {
  long n = atomic_load(&running);
  do {
    if (settings.max_queries > 0 && n >= settings.max_queries) {
      lua_pushboolean(L, 0);
      return 1;
    }
  } while (!atomic_compare_exchange_weak(&running, &n, n + 1));
  lua_pushboolean(L, 1);
  return 1;
}

static int athena_leave(lua_State *L) {
  long n = atomic_fetch_sub(&running, 1);
  if (n <= 0) {
    atomic_fetch_add(&running, 1);
    return luaL_error(L, "athenaclient.leave without enter");
  }
  return 0;
}

/* ===================== results ===================== */

static int push_failure(lua_State *L, const lg_aws_error *err) {
  luaL_pushfail(L);
  lua_pushstring(L, err->message);
  if (err->code[0]) lua_pushstring(L, err->code);
  else lua_pushnil(L);
  lua_pushinteger(L, err->status);
  return 4;
}

static void set_int(lua_State *L, const char *name, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, name);
}

static void set_string(lua_State *L, const char *name, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, name);
}

/* Pushes {state=, reason=, statement_type=, data_scanned_bytes=, ...}. */
static void push_status(lua_State *L, const lg_athena_status *st) {
  lua_createtable(L, 0, 10);
  set_string(L, "state", lg_athena_state_name(st->state));
  if (st->reason[0]) set_string(L, "reason", st->reason);
  if (st->statement_type[0]) set_string(L, "statement_type", st->statement_type);
  if (st->output_location[0]) set_string(L, "output_location", st->output_location);
  set_int(L, "data_scanned_bytes", st->data_scanned_bytes);
  set_int(L, "engine_time_ms", st->engine_time_ms);
  set_int(L, "total_time_ms", st->total_time_ms);
  if (st->error_category) set_int(L, "error_category", st->error_category);
  if (st->error_type) set_int(L, "error_type", st->error_type);
  lua_pushboolean(L, st->retryable);
  lua_setfield(L, -2, "retryable");
}

static void push_columns(lua_State *L, const lg_athena_column *cols, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    set_string(L, "name", cols[i].name);
    set_string(L, "type", cols[i].type);
    if (cols[i].precision) set_int(L, "precision", cols[i].precision);
    if (cols[i].scale) set_int(L, "scale", cols[i].scale);
    lua_rawseti(L, -2, (lua_Integer)i + 1);   /* columns[i+1] = column */
  }
}

/* Pushes {columns=, rows=, next_token=, update_count=}; NULL cells are lakegate.null. */
static void push_page(lua_State *L, const lg_athena_page *p) {
  luaL_checkstack(L, 8, "pushing a result page");
  lua_createtable(L, 0, 4);
  push_columns(L, p->columns, p->ncolumns);
  lua_setfield(L, -2, "columns");
  lua_createtable(L, (int)p->nrows, 0);
  for (size_t r = 0; r < p->nrows; r++) {
    lua_createtable(L, (int)p->ncolumns, 0);
    for (size_t c = 0; c < p->ncolumns; c++) {
      size_t i = r * p->ncolumns + c;
      if (p->cells[i]) lua_pushlstring(L, p->cells[i], p->lens[i]);
      else lua_pushlightuserdata(L, NULL);    /* lakegate.null */
      lua_rawseti(L, -2, (lua_Integer)c + 1);  /* row[c+1] = cell */
    }
    lua_rawseti(L, -2, (lua_Integer)r + 1);    /* rows[r+1] = row */
  }
  lua_setfield(L, -2, "rows");
  if (p->next_token) set_string(L, "next_token", p->next_token);
  set_int(L, "update_count", p->update_count);
}

/* ===================== clients ===================== */

static client *new_client(lua_State *L) {
  client *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->athena = NULL;   /* empty until built, so __gc is always safe */
  c->creds = NULL;
  luaL_setmetatable(L, CLIENT_MT);
  return c;
}

/* athenaclient.client([{region=, endpoint=, profile=, access_key_id=, secret_access_key=,
 * session_token=, max_attempts=, timeout_ms=}]) */
static int athena_client(lua_State *L) {
  lg_lua_check_opts(L, 1);
  luaL_checkstack(L, 12, "reading Athena client options");
  client *c = new_client(L);
  int top = lua_gettop(L);
  const char *id = lg_lua_opt_string(L, 1, "access_key_id");
  const char *secret = lg_lua_opt_string(L, 1, "secret_access_key");
  const char *token = lg_lua_opt_string(L, 1, "session_token");
  if ((id == NULL) != (secret == NULL))
    return luaL_error(L, "give both access_key_id and secret_access_key, or neither");
  lg_athena_options o = {0};
  o.region = lg_lua_opt_string(L, 1, "region");
  o.endpoint = lg_lua_opt_string(L, 1, "endpoint");
  o.profile = lg_lua_opt_string(L, 1, "profile");
  o.retry.max_attempts = (int)lg_lua_opt_integer(L, 1, "max_attempts", 0);
  o.timeout_ms = (long)lg_lua_opt_integer(L, 1, "timeout_ms", 0);
  char err[LG_ERRLEN];
  if (id && (c->creds = o.credentials = lg_aws_provider_new_static(id, secret, token, err, sizeof err)) == NULL)
    goto fail;
  if ((c->athena = lg_athena_new(&o, err, sizeof err)) == NULL) goto fail;
  lua_settop(L, top);   /* the option strings were needed until here */
  return 1;
fail:
  luaL_pushfail(L);
  lua_pushstring(L, err);
  return 2;
}

static lg_athena *checkopen(lua_State *L) {
  client *c = checkclient(L);
  if (c->athena == NULL) luaL_error(L, "attempt to use a closed Athena client");
  return c->athena;
}

/* __gc, __close and close: skips half-built clients */
static int client_gc(lua_State *L) {
  client *c = checkclient(L);
  lg_athena_free(c->athena);
  lg_aws_provider_free(c->creds);
  c->athena = NULL;
  c->creds = NULL;
  return 0;
}

/* ===================== operations ===================== */

/* client:start(sql, params, opts) */
static int client_start(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *params[MAX_PARAMS];
  lg_athena_query q = {.sql = luaL_checkstring(L, 2), .params = params};
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 3);
    luaL_argcheck(L, n <= MAX_PARAMS, 3, "too many parameters");
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 3, i);   /* stays on the stack: the array holds it anyway */
      if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "parameter %d must be a string", (int)i);
      params[q.nparams++] = lua_tostring(L, -1);
    }
  }
  lg_lua_check_opts(L, 4);
  luaL_checkstack(L, 8, "reading query options");
  q.database = lg_lua_opt_string(L, 4, "database");
  q.catalog = lg_lua_opt_string(L, 4, "catalog");
  q.workgroup = lg_lua_opt_string(L, 4, "workgroup");
  q.output_location = lg_lua_opt_string(L, 4, "output");
  q.request_token = lg_lua_opt_string(L, 4, "token");
  char id[LG_ATHENA_ID_LEN];
  lg_aws_error err;
  if (lg_athena_start(a, &q, id, &err) != LG_OK) return push_failure(L, &err);
  lua_pushstring(L, id);
  return 1;
}

static int client_status(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *id = luaL_checkstring(L, 2);
  lg_athena_status st;
  lg_aws_error err;
  if (lg_athena_get_status(a, id, &st, &err) != LG_OK) return push_failure(L, &err);
  push_status(L, &st);
  return 1;
}

static int client_wait(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *id = luaL_checkstring(L, 2);
  lg_lua_check_opts(L, 3);
  lg_athena_wait_options o = {(long)lg_lua_opt_integer(L, 3, "timeout_ms", 0),
                              (long)lg_lua_opt_integer(L, 3, "first_delay_ms", 0),
                              (long)lg_lua_opt_integer(L, 3, "max_delay_ms", 0)};
  lg_athena_status st;
  lg_aws_error err;
  if (lg_athena_wait(a, id, &o, &st, &err) == LG_OK) {
    push_status(L, &st);
    return 1;
  }
  push_failure(L, &err);
  push_status(L, &st);   /* the last status seen, for a FAILED query's details */
  return 5;
}

static int client_results(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *id = luaL_checkstring(L, 2);
  const char *token = luaL_optstring(L, 3, NULL);
  lua_Integer max = luaL_optinteger(L, 4, 0);
  luaL_argcheck(L, max >= 0 && max <= LG_ATHENA_MAX_RESULTS, 4, "max_results must be 1..1000");
  /* The page lives in a userdata whose __gc frees it, made before the page is filled, so
   * a memory error while pushing it cannot leak it. */
  lg_athena_page *page = lua_newuserdatauv(L, sizeof *page, 0);
  *page = (lg_athena_page)LG_ATHENA_PAGE_INIT;
  luaL_setmetatable(L, PAGE_MT);
  lg_aws_error err;
  if (lg_athena_get_results(a, id, token, (int)max, page, &err) != LG_OK) return push_failure(L, &err);
  push_page(L, page);
  lg_athena_page_free(page);
  return 1;
}

static int page_gc(lua_State *L) {
  lg_athena_page_free(luaL_checkudata(L, 1, PAGE_MT));
  return 0;
}

static int client_stop(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *id = luaL_checkstring(L, 2);
  lg_aws_error err;
  if (lg_athena_stop(a, id, &err) != LG_OK) return push_failure(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

static int client_table(lua_State *L) {
  lg_athena *a = checkopen(L);
  const char *database = luaL_checkstring(L, 2), *table = luaL_checkstring(L, 3);
  const char *catalog = luaL_optstring(L, 4, NULL);
  lg_athena_table t;
  lg_aws_error err;
  if (lg_athena_get_table(a, catalog, database, table, &t, &err) != LG_OK) return push_failure(L, &err);
  lua_createtable(L, 0, 3);
  push_columns(L, t.columns, t.ncolumns);
  lua_setfield(L, -2, "columns");
  push_columns(L, t.partition_keys, t.npartition_keys);
  lua_setfield(L, -2, "partition_keys");
  if (t.location) set_string(L, "location", t.location);
  lg_athena_table_free(&t);
  return 1;
}

static const luaL_Reg methods[] = {
  {"close", client_gc},
  {"results", client_results},
  {"start", client_start},
  {"status", client_status},
  {"stop", client_stop},
  {"table", client_table},
  {"wait", client_wait},
  {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
  {"__close", client_gc},
  {"__gc", client_gc},
  {"__index", NULL},   /* placeholder, set to the methods table below */
  {NULL, NULL},
};

static const luaL_Reg funcs[] = {
  {"client", athena_client},
  {"enter", athena_enter},
  {"leave", athena_leave},
  {"settings", athena_settings},
  {NULL, NULL},
};

int lg_open_athenaclient(lua_State *L) {
  if (luaL_newmetatable(L, CLIENT_MT)) {
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlibtable(L, methods);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");   /* metatable.__index = methods */
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, PAGE_MT)) {
    lua_pushcfunction(L, page_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
