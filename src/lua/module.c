/* Entry points of the loadable lakegate/core.so, for stock Lua (busted). The build installs
 * lakegate/<name>.so aliases of this one file for every C module, so `require` finds each
 * of them directly (dlopen maps the file once); requiring any of them also registers the
 * others in package.preload. One shared object carries the same C code the server runs. */
#include "lua/modules.h"

#include <lauxlib.h>

#define ENTRY(name, opener)                              \
  LUAMOD_API int luaopen_lakegate_##name(lua_State *L); \
  LUAMOD_API int luaopen_lakegate_##name(lua_State *L) { \
    lg_lua_preload_modules(L);                           \
    return opener(L);                                    \
  }

ENTRY(athenaclient, lg_open_athenaclient)
ENTRY(auth, lg_open_auth)
ENTRY(core, lg_open_core)
ENTRY(gzip, lg_open_gzip)
ENTRY(http, lg_open_http)
ENTRY(lakewriter, lg_open_lakewriter)
ENTRY(ratelimit, lg_open_ratelimit)
ENTRY(s3, lg_open_s3)
ENTRY(shared, lg_open_shared)
