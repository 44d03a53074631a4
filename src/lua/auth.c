/* lakegate.auth: the API key store for Lua.
 *   auth.verify(key) -> key name | nil    (constant time over the stored keys)
 *   auth.count() -> number of keys
 *   auth.add_keys{name = secret, ...}      (tests and tools; secrets may be "sha256:<hex>") */
#include "lua/modules.h"
#include "http/keys.h"
#include "util/common.h"

#include <lauxlib.h>

static int auth_verify(lua_State *L) {
  size_t len;
  const char *key = luaL_checklstring(L, 1, &len);
  char name[64];
  if (lg_keys_verify(key, len, name, sizeof name)) lua_pushstring(L, name);
  else luaL_pushfail(L);
  return 1;
}

static int auth_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lg_keys_count());
  return 1;
}

static int auth_add_keys(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 1)) {   /* name secret */
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      return luaL_argerror(L, 1, "expected {name = secret, ...}");
    char err[LG_ERRLEN];
    if (lg_keys_add(lua_tostring(L, -2), lua_tostring(L, -1), err, sizeof err) != LG_OK)
      return luaL_error(L, "%s", err);
    lua_pop(L, 1);
  }
  return 0;
}

static const luaL_Reg authlib[] = {
  {"add_keys", auth_add_keys},
  {"count", auth_count},
  {"verify", auth_verify},
  {NULL, NULL},
};

int lg_open_auth(lua_State *L) {
  luaL_newlib(L, authlib);
  return 1;
}
