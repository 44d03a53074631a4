/* package.preload registration for lakegate's C modules (see modules.h). */
#include "lua/modules.h"

#include <lauxlib.h>

static const luaL_Reg preloads[] = {
  {"lakegate.core", lg_open_core},
  {"lakegate.gzip", lg_open_gzip},
  {"lakegate.lakewriter", lg_open_lakewriter},
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
