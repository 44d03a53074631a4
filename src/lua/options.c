/* Options tables of the C modules (see options.h). */
#include "lua/options.h"

#include <string.h>

#include <lauxlib.h>

static int has_opts(lua_State *L, int idx) {
  return idx > 0 && !lua_isnoneornil(L, idx);
}

void lg_lua_check_opts(lua_State *L, int idx) {
  if (has_opts(L, idx)) luaL_checktype(L, idx, LUA_TTABLE);
}

const char *lg_lua_opt_string(lua_State *L, int idx, const char *name) {
  if (!has_opts(L, idx)) return NULL;
  lua_getfield(L, idx, name);   /* the value stays on the stack while opts are read */
  if (lua_isnil(L, -1)) return NULL;
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "option '%s' must be a string", name);
  return lua_tostring(L, -1);
}

lua_Integer lg_lua_opt_integer(lua_State *L, int idx, const char *name, lua_Integer def) {
  if (!has_opts(L, idx)) return def;
  lua_getfield(L, idx, name);
  lua_Integer v = lua_isnil(L, -1) ? def : luaL_checkinteger(L, -1);
  lua_pop(L, 1);
  return v;
}

int lg_lua_opt_choice(lua_State *L, int idx, const char *name, const char *const words[], int def) {
  const char *v = lg_lua_opt_string(L, idx, name);
  if (v == NULL) return def;
  for (int i = 0; words[i]; i++)
    if (strcmp(v, words[i]) == 0) return i;
  return luaL_error(L, "option '%s': unknown value '%s'", name, v);
}
