/* Reading an options table given to a C module's function ({region = ..., timeout_ms =
 * ...}), the same way in every module: absent options take their defaults, options of
 * the wrong type raise. idx 0 means "no options table". */
#ifndef LG_LUA_OPTIONS_H
#define LG_LUA_OPTIONS_H

#include <lua.h>

/* Raises unless the value at idx is a table, nil or absent. */
void lg_lua_check_opts(lua_State *L, int idx);

/* opts[name] as a string, or NULL when absent; raises on another type. The string stays
 * on the stack (the caller restores the top when done with it). */
const char *lg_lua_opt_string(lua_State *L, int idx, const char *name);

/* opts[name] as an integer, or def when absent; raises on another type. */
lua_Integer lg_lua_opt_integer(lua_State *L, int idx, const char *name, lua_Integer def);

/* The index of opts[name] in words (NULL-terminated), or def when absent; raises for a
 * word not in the list. */
int lg_lua_opt_choice(lua_State *L, int idx, const char *name, const char *const words[], int def);

#endif
