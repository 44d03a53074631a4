/* Entry point of the loadable lakegate/core.so, for stock Lua (busted): requiring
 * lakegate.core also registers lakegate's other C modules in package.preload, so one
 * shared object carries the same C code the server runs. */
#include "lua/modules.h"

#include <lauxlib.h>

LUAMOD_API int luaopen_lakegate_core(lua_State *L);

LUAMOD_API int luaopen_lakegate_core(lua_State *L) {
  lg_lua_preload_modules(L);
  return lg_open_core(L);
}
