/* The CLI commands written in Lua (lakegate.cli): `lakegate ddl`, `athena init` and
 * `query`. main.c hands them their arguments; each runs in a Lua state of its own, with the
 * operator's routes loaded when it needs the models, and prints its own output. */
#ifndef LG_LUA_COMMAND_H
#define LG_LUA_COMMAND_H

#include <stddef.h>

#include "config/config.h"
#include "lua/vm.h"

/* The commands' own options. --database, --workgroup and --output are short for the
 * settings athena_database, athena_workgroup and athena_output; --format, --location,
 * --serde and --since belong to the commands alone. */
enum { LG_CMD_DATABASE, LG_CMD_WORKGROUP, LG_CMD_OUTPUT, LG_CMD_FORMAT, LG_CMD_LOCATION,
       LG_CMD_SERDE, LG_CMD_SINCE, LG_CMD_NOPTIONS };

typedef struct lg_lua_command_options {
  const char *values[LG_CMD_NOPTIONS];   /* borrowed from argv; NULL when not given */
} lg_lua_command_options;

/* 1 if cmd is one of these commands ("ddl", "athena", "query"). */
int lg_lua_is_command(const char *cmd);

/* Moves the commands' own options out of argv[first..) into o; argv keeps the rest (the
 * settings and the arguments). Returns LG_OK, or LG_ERR with a message in err. */
int lg_lua_command_take_options(int *argc, char **argv, int first, lg_lua_command_options *o,
                                char *err, size_t errlen);

/* Applies --database and friends to cfg; they win over every other source, as flags do.
 * Returns LG_OK, or LG_ERR with a message in err (a value the setting refuses). */
int lg_lua_command_apply_options(lg_config *cfg, const lg_lua_command_options *o, char *err,
                                 size_t errlen);

/* Checks the arguments of cmd, then runs lakegate.cli.<command>(app, {args=, options=,
 * lake=}) in a new state made with vo (a query's state loads no routes). Returns the exit
 * status: the command's, 2 for wrong arguments, 1 when the state cannot be made or Lua
 * fails (reported on stderr). */
int lg_lua_command_main(const lg_vm_options *vo, const char *cmd, const char **positional,
                        int npos, const lg_lua_command_options *o, const char *lake);

#endif
