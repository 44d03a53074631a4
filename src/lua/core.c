/* lakegate.core: exact JSON and the validation primitives, bound to Lua.
 * Expected failures return fail, msg[, detail]; misuse raises (see STYLE.md). */
#include "lua/modules.h"
#include "core/json.h"
#include "core/query.h"
#include "core/utf8.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"
#include "util/random.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define ENCODE_BUF "lakegate.core.encode_buf"

/* ===================== JSON ===================== */

/* json_decode(text [, max_depth [, keep_order]]) -> value | fail, message, offset.
 * With keep_order, objects carry their key order (a metatable with __order). */
static int core_json_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer depth = luaL_optinteger(L, 2, LG_JSON_MAX_DEPTH);
  luaL_argcheck(L, depth > 0 && depth <= 100000, 2, "depth out of range");
  lg_json_options opts = {.max_depth = (int)depth, .keep_order = lua_toboolean(L, 3)};
  lg_json_error err;
  if (lg_json_decode_opts(L, s, len, &opts, &err) == LG_OK) return 1;
  luaL_pushfail(L);
  lua_pushstring(L, err.msg);
  lua_pushinteger(L, (lua_Integer)err.offset);
  return 3;
}

static int encode_buf_gc(lua_State *L) {
  lg_buf_free((lg_buf *)lua_touserdata(L, 1));
  return 0;
}

/* json_encode(value) -> text | fail, message. The buffer (upvalue 1) is reused across
 * calls and freed by its __gc, so an out-of-memory error cannot leak it. */
static int core_json_encode(lua_State *L) {
  luaL_checkany(L, 1);
  lg_buf *b = lua_touserdata(L, lua_upvalueindex(1));
  char err[128];
  lg_buf_reset(b);
  if (lg_json_encode(L, 1, b, err, sizeof err) != LG_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  if (b->cap > 1 << 20) lg_buf_free(b);   /* don't keep a huge block for every later call */
  return 1;
}

/* array(t) -> t, marked as a JSON array (so an empty t encodes as []) */
static int core_array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) lua_newtable(L);
  else luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lg_json_push_array_mt(L);
  lua_setmetatable(L, 1);
  return 1;
}

/* is_array(v) -> true if v is a table marked as a JSON array */
static int core_is_array(lua_State *L) {
  if (!lua_getmetatable(L, 1)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lg_json_push_array_mt(L);
  lua_pushboolean(L, lua_rawequal(L, -1, -2));
  return 1;
}

/* ===================== strings and URLs ===================== */

/* utf8_len(s) -> number of code points | fail if s is not valid UTF-8 */
static int core_utf8_len(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  long n = lg_utf8_len(s, len);
  if (n < 0) luaL_pushfail(L);
  else lua_pushinteger(L, n);
  return 1;
}

/* url_decode(s [, plus_is_space]) -> decoded | fail on a malformed escape */
static int core_url_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int plus = lua_toboolean(L, 2);
  char *dst = lua_newuserdatauv(L, len + 1, 0);   /* GC-owned scratch */
  long n = lg_url_decode(s, len, dst, plus);
  if (n < 0) luaL_pushfail(L);
  else lua_pushlstring(L, dst, (size_t)n);
  return 1;
}

/* Pushes the decoded form of s[0..len); a malformed escape keeps the raw text, as
 * Python's unquote_plus does. */
static void push_decoded(lua_State *L, const char *s, size_t len, char *scratch) {
  long n = lg_url_decode(s, len, scratch, 1);
  if (n < 0) lua_pushlstring(L, s, len);
  else lua_pushlstring(L, scratch, (size_t)n);
}

void lg_lua_push_parsed_query(lua_State *L, const char *qs, size_t len) {
  char *scratch = lua_newuserdatauv(L, len + 1, 0);   /* GC-owned scratch */
  lua_newtable(L);                                     /* scratch last */
  lua_newtable(L);                                     /* scratch last all */
  int last = lua_gettop(L) - 1, all = last + 1;
  const char *p = qs, *end = qs + len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    if (stop > p) {
      const char *eq = memchr(p, '=', (size_t)(stop - p));
      const char *kend = eq ? eq : stop;
      push_decoded(L, p, (size_t)(kend - p), scratch);                  /* key */
      if (eq) push_decoded(L, eq + 1, (size_t)(stop - eq - 1), scratch);
      else lua_pushliteral(L, "");                                       /* key value */
      lua_pushvalue(L, -2);
      lua_pushvalue(L, -2);
      lua_rawset(L, last);                                               /* last[key] = value */
      lua_pushvalue(L, -2);
      if (lua_rawget(L, all) != LUA_TTABLE) {                            /* key value list|nil */
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -2);
        lua_rawset(L, all);                                              /* all[key] = list */
      }
      lua_insert(L, -2);                                                 /* key list value */
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
      lua_pop(L, 2);
    }
    p = stop + 1;
  }
  lua_remove(L, last - 1);                             /* last all */
}

/* parse_query(qs) -> last, all: last maps each name to its last value, all maps each
 * name to the list of its values in order. */
static int core_parse_query(lua_State *L) {
  size_t len;
  const char *qs = luaL_optlstring(L, 1, "", &len);
  lg_lua_push_parsed_query(L, qs, len);
  return 2;
}

/* ===================== host services ===================== */

/* log(level, message): level is "error", "warn", "info" or "debug" */
static int core_log(lua_State *L) {
  static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
  int level = luaL_checkoption(L, 1, NULL, levels);
  const char *msg = luaL_checkstring(L, 2);
  const char *tag = luaL_optstring(L, 3, "lua");
  lg_log((lg_log_level)level, tag, "%s", msg);
  return 0;
}

/* now() -> RFC 3339 UTC text, epoch microseconds */
static int core_now(lua_State *L) {
  int64_t us = lg_clock_realtime_us();
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(us, ts);
  lua_pushstring(L, ts);
  lua_pushinteger(L, (lua_Integer)us);
  return 2;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_dir(path) -> sorted array of entry names (without . and ..) | fail, message */
static int core_list_dir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR *d = opendir(path);
  if (d == NULL) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_newtable(L);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    lua_pushstring(L, e->d_name);   /* may raise on OOM: the DIR leaks only then */
    lua_rawseti(L, -2, ++n);
  }
  closedir(d);
  /* Sort in C for a locale-independent byte order. */
  const char **names = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, -2, i + 1);
    names[i] = lua_tostring(L, -1);   /* kept alive by the table at -3 */
    lua_pop(L, 1);
  }
  qsort(names, (size_t)n, sizeof *names, compare_names);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* random_id() -> 32 lowercase hex digits (128 random bits), for request ids */
static int core_random_id(lua_State *L) {
  char out[33];
  lg_random_id(out);
  lua_pushlstring(L, out, 32);
  return 1;
}

/* ===================== module ===================== */

static const luaL_Reg corelib[] = {
  {"array", core_array},
  {"is_array", core_is_array},
  {"json_decode", core_json_decode},
  {"json_encode", core_json_encode},
  {"list_dir", core_list_dir},
  {"log", core_log},
  {"now", core_now},
  {"parse_query", core_parse_query},
  {"random_id", core_random_id},
  {"url_decode", core_url_decode},
  {"utf8_len", core_utf8_len},
  {NULL, NULL},
};

int lg_open_core(lua_State *L) {
  luaL_newlibtable(L, corelib);
  lg_buf *b = lua_newuserdatauv(L, sizeof *b, 0);   /* shared encode buffer */
  *b = (lg_buf)LG_BUF_INIT;
  if (luaL_newmetatable(L, ENCODE_BUF)) {
    lua_pushcfunction(L, encode_buf_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  luaL_setfuncs(L, corelib, 1);          /* every function gets the buffer as upvalue 1 */
  lg_core_open_validation(L);            /* regex, dates, formats (core_validate.c) */
  lg_core_open_schema(L);                /* fast-path programs (core_schema.c) */
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");           /* == cjson.null */
  lg_json_push_array_mt(L);
  lua_setfield(L, -2, "array_mt");
  lua_pushinteger(L, LG_JSON_MAX_DEPTH);
  lua_setfield(L, -2, "max_json_depth");
  lua_pushliteral(L, LG_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
