/* lakegate.lakewriter: the C lake writer (src/lake) as Lua userdata.
 *   writer.open{root=DIR [, spool=DIR]} -> handle that owns its lake (closed by __gc/__close)
 *   writer.host() -> handle on the server's lake, or nil outside the server
 *   handle:put(table, record [, request_id]) -> true | fail, message
 *   handle:root() -> the lake's root directory */
#include "lua/modules.h"
#include "core/json.h"
#include "util/buf.h"
#include "util/common.h"

#include <lauxlib.h>

#define WRITER_MT "lakegate.lakewriter"
#define HOST_LAKE "lakegate.host_lake"   /* registry: lightuserdata lg_lake* */

typedef struct writer {
  lg_lake *lake;   /* NULL once closed (or for a half-built handle) */
  int owned;       /* 1 if closing the handle closes the lake */
  lg_buf line;     /* scratch for the encoded record */
} writer;

#define checkwriter(L) ((writer *)luaL_checkudata(L, 1, WRITER_MT))

static writer *new_writer(lua_State *L) {
  writer *w = lua_newuserdatauv(L, sizeof *w, 0);
  w->lake = NULL;   /* empty until the lake is attached, so __gc is always safe */
  w->owned = 0;
  w->line = (lg_buf)LG_BUF_INIT;
  luaL_setmetatable(L, WRITER_MT);
  return w;
}

static int writer_open(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "root");
  lua_getfield(L, 1, "spool");
  lg_lake_options opt = {luaL_checkstring(L, -2), luaL_optstring(L, -1, NULL)};
  writer *w = new_writer(L);
  char err[LG_ERRLEN];
  w->lake = lg_lake_open(&opt, err, sizeof err);
  if (w->lake == NULL) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  w->owned = 1;
  return 1;
}

static int writer_host(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, HOST_LAKE);
  lg_lake *lake = lua_touserdata(L, -1);
  if (lake == NULL) {
    luaL_pushfail(L);
    return 1;
  }
  new_writer(L)->lake = lake;
  return 1;
}

static int writer_put(lua_State *L) {
  writer *w = checkwriter(L);
  const char *table = luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  const char *request_id = luaL_optstring(L, 4, NULL);
  if (w->lake == NULL) return luaL_error(L, "attempt to use a closed lake writer");
  char err[LG_ERRLEN];
  lg_buf_reset(&w->line);
  int rc = lg_json_encode(L, 3, &w->line, err, sizeof err);
  if (rc == LG_OK)
    rc = lg_lake_put(w->lake, table, w->line.data, w->line.len, request_id, err, sizeof err);
  if (w->line.cap > 1 << 20) lg_buf_free(&w->line);
  if (rc != LG_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int writer_root(lua_State *L) {
  writer *w = checkwriter(L);
  if (w->lake == NULL) return luaL_error(L, "attempt to use a closed lake writer");
  lua_pushstring(L, lg_lake_root(w->lake));
  return 1;
}

/* __gc and __close: skips half-built and non-owning handles */
static int writer_gc(lua_State *L) {
  writer *w = checkwriter(L);
  if (w->owned) lg_lake_close(w->lake);
  w->lake = NULL;
  lg_buf_free(&w->line);
  return 0;
}

static const luaL_Reg funcs[] = {
  {"host", writer_host},
  {"open", writer_open},
  {NULL, NULL},
};

static const luaL_Reg methods[] = {
  {"close", writer_gc},
  {"put", writer_put},
  {"root", writer_root},
  {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
  {"__close", writer_gc},
  {"__gc", writer_gc},
  {"__index", NULL},   /* placeholder, set to the methods table below */
  {NULL, NULL},
};

void lg_lua_set_host_lake(lua_State *L, lg_lake *lake) {
  lua_pushlightuserdata(L, lake);
  lua_setfield(L, LUA_REGISTRYINDEX, HOST_LAKE);
}

int lg_open_lakewriter(lua_State *L) {
  if (luaL_newmetatable(L, WRITER_MT)) {
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlibtable(L, methods);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");   /* metatable.__index = methods */
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
