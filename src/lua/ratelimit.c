/* lakegate.ratelimit: the process-wide token buckets for Lua.
 *   ratelimit.take(key, rate, burst) -> true | false, retry_after_seconds
 *   ratelimit.parse("100/m") -> tokens per second, count (100) | nil */
#include "lua/modules.h"
#include "http/ratelimit.h"
#include "util/common.h"

#include <lauxlib.h>

static int ratelimit_take(lua_State *L) {
  const char *key = luaL_checkstring(L, 1);
  double rate = luaL_checknumber(L, 2);
  double burst = luaL_optnumber(L, 3, rate);
  luaL_argcheck(L, rate > 0, 2, "rate must be positive");
  double retry_after = 0;
  if (lg_ratelimit_take(key, rate, burst, &retry_after)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushnumber(L, retry_after);
  return 2;
}

static int ratelimit_parse(lua_State *L) {
  double rate, count;
  if (lg_ratelimit_parse(luaL_checkstring(L, 1), &rate, &count) != LG_OK) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushnumber(L, rate);
  lua_pushnumber(L, count);
  return 2;
}

static const luaL_Reg ratelimitlib[] = {
  {"parse", ratelimit_parse},
  {"take", ratelimit_take},
  {NULL, NULL},
};

int lg_open_ratelimit(lua_State *L) {
  luaL_newlib(L, ratelimitlib);
  return 1;
}
