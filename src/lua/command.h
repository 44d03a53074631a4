/* CLI commands written in Lua (lakegate.cli): `lakegate ddl`, `athena init`, `query`.
 * Each runs in a Lua state of its own, with the operator's routes loaded when it needs
 * the models, and prints its own output. */
#ifndef LG_LUA_COMMAND_H
#define LG_LUA_COMMAND_H

#include <stddef.h>

#include "lua/vm.h"

typedef struct lg_lua_command {
  const char *name;                 /* the function of lakegate.cli: "ddl", "athena_init", "query" */
  const char *const *args;          /* positional arguments */
  size_t nargs;
  const char *const (*options)[2];  /* the command's own options: {name, value}; value NULL
                                       when not given */
  size_t noptions;
  const char *lake;                 /* the lake setting (DIR, file://DIR, s3://...) */
} lg_lua_command;

/* Runs lakegate.cli.<name>(app, {args=, options=, lake=}) in a new state made with vo
 * (vo->routes_dir NULL: no routes, app is nil). Returns the command's exit status; a
 * state that cannot be made or a Lua error is reported on stderr and gives 1. */
int lg_lua_run_command(const lg_vm_options *vo, const lg_lua_command *cmd);

#endif
