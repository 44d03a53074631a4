/* lakegate.metrics: lets the runtime library count what only Lua sees (validation errors by
 * type) into the worker's metrics shard. Host only: the shard comes from the worker. */
#include "lua/metrics.h"

#include <lauxlib.h>

#define SHARD "lakegate.metrics_shard"   /* registry: lightuserdata lg_metrics_shard* */

/* count_validation(route, type [, n]) */
static int metrics_count_validation(lua_State *L) {
  const char *route = luaL_checkstring(L, 1);
  const char *type = luaL_checkstring(L, 2);
  lua_Integer n = luaL_optinteger(L, 3, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, SHARD);
  lg_metrics_shard *s = lua_touserdata(L, -1);
  if (s) lg_metrics_count_validation(s, route, type, (long)n);
  return 0;
}

static const luaL_Reg metricslib[] = {
  {"count_validation", metrics_count_validation},
  {NULL, NULL},
};

int lg_open_metrics(lua_State *L) {
  luaL_newlib(L, metricslib);
  return 1;
}

void lg_lua_set_metrics_shard(lua_State *L, lg_metrics_shard *shard) {
  lua_pushlightuserdata(L, shard);
  lua_setfield(L, LUA_REGISTRYINDEX, SHARD);
}
