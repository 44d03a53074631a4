/* package.preload registration for lakegate's C modules (see modules.h). */
#include "lua/modules.h"

#include <lauxlib.h>

static const luaL_Reg preloads[] = {
  {"lakegate.athenaclient", lg_open_athenaclient},
  {"lakegate.auth", lg_open_auth},
  {"lakegate.core", lg_open_core},
  {"lakegate.gzip", lg_open_gzip},
  {"lakegate.http", lg_open_http},
  {"lakegate.lakewriter", lg_open_lakewriter},
  {"lakegate.ratelimit", lg_open_ratelimit},
  {"lakegate.s3", lg_open_s3},
  {"lakegate.shared", lg_open_shared},
  {NULL, NULL},
};

void lg_lua_preload_modules(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);   /* package.preload */
  for (const luaL_Reg *m = preloads; m->name; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);                               /* preload[name] = opener */
  }
  lua_pop(L, 1);
}
