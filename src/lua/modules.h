/* The C modules lakegate offers to Lua, and how a state gets them. */
#ifndef LG_LUA_MODULES_H
#define LG_LUA_MODULES_H

#include <lua.h>

#include "lake/lake.h"

int lg_open_core(lua_State *L);         /* lakegate.core (core.c) */
int lg_open_lakewriter(lua_State *L);   /* lakegate.lakewriter (lakewriter.c) */
int lg_open_gzip(lua_State *L);         /* lakegate.gzip (gzip.c) */
int lg_open_auth(lua_State *L);         /* lakegate.auth (auth.c) */
int lg_open_ratelimit(lua_State *L);    /* lakegate.ratelimit (ratelimit.c) */
int lg_open_shared(lua_State *L);       /* lakegate.shared (shared.c) */
int lg_open_http(lua_State *L);         /* lakegate.http (http_client.c) */
int lg_open_s3(lua_State *L);           /* lakegate.s3 (s3.c) */
int lg_open_athenaclient(lua_State *L); /* lakegate.athenaclient (athena.c) */

/* The server's Athena settings, which lakegate.athena reads through
 * lakegate.athenaclient.settings(). Strings are copied; NULL means "". */
typedef struct lg_lua_athena_settings {
  const char *database;    /* the database queries run in */
  const char *workgroup;   /* "" for primary */
  const char *output;      /* s3://bucket/prefix/ for results ("" if the workgroup has one) */
  long timeout_ms;         /* default deadline of a blocking query */
  long max_queries;        /* blocking queries allowed at once, process-wide; 0: no cap */
} lg_lua_athena_settings;

/* Sets the Athena settings; call before any thread uses lakegate.athenaclient. */
void lg_lua_athena_configure(const lg_lua_athena_settings *s);

/* Pushes the query string's values: last (name -> last value) and all (name -> list of
 * values), as lakegate.core.parse_query returns them (core.c). */
void lg_lua_push_parsed_query(lua_State *L, const char *qs, size_t len);

/* Entry limit of lakegate.shared (default 100000); call before any thread uses it. */
void lg_lua_shared_capacity(size_t entries);

/* Adds the validation primitives to the lakegate.core table on top of the stack
 * (core_validate.c). */
void lg_core_open_validation(lua_State *L);
/* Adds lakegate.core.schema, the fast-path programs (core_schema.c). */
void lg_core_open_schema(lua_State *L);

/* The compiled pattern of a lakegate.regex userdata at idx (raises if it is not one). */
struct lg_regex *lg_lua_check_regex(lua_State *L, int idx);

/* Registers every C module in package.preload, so require() finds them without cpath.
 * This function is the table of contents of lakegate's C API for Lua. */
void lg_lua_preload_modules(lua_State *L);

/* Makes `lake` the lake that lakegate.lakewriter.host() returns in this state. The lake
 * must outlive the state. */
void lg_lua_set_host_lake(lua_State *L, lg_lake *lake);

#endif
