/* The C modules lakegate offers to Lua, and how a state gets them. */
#ifndef LG_LUA_MODULES_H
#define LG_LUA_MODULES_H

#include <lua.h>

#include "lake/lake.h"

int lg_open_core(lua_State *L);         /* lakegate.core (core.c) */
int lg_open_lakewriter(lua_State *L);   /* lakegate.lakewriter (lakewriter.c) */
int lg_open_gzip(lua_State *L);         /* lakegate.gzip (gzip.c) */

/* Registers every C module in package.preload, so require() finds them without cpath.
 * This function is the table of contents of lakegate's C API for Lua. */
void lg_lua_preload_modules(lua_State *L);

/* Makes `lake` the lake that lakegate.lakewriter.host() returns in this state. The lake
 * must outlive the state. */
void lg_lua_set_host_lake(lua_State *L, lg_lake *lake);

#endif
