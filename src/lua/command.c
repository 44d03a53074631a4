/* CLI commands in Lua (see command.h): their options, their arguments, their state. */
#include "lua/command.h"
#include "util/common.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

static const char *const option_names[LG_CMD_NOPTIONS] = {
  "database", "workgroup", "output", "format", "location", "serde", "since",
};
static const char *const option_settings[LG_CMD_NOPTIONS] = {
  "athena_database", "athena_workgroup", "athena_output",
};

int lg_lua_is_command(const char *cmd) {
  return strcmp(cmd, "ddl") == 0 || strcmp(cmd, "query") == 0 || strcmp(cmd, "athena") == 0;
}

/* If argv[*i] is option k (--name VALUE or --name=VALUE), stores its value, moves *i past
 * it and returns 1; 0 if it is not. -1 for an option without its value. */
static int take(int argc, char **argv, int *i, int k, lg_lua_command_options *o) {
  size_t n = strlen(option_names[k]);
  const char *a = argv[*i];
  if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, option_names[k], n) != 0) return 0;
  if (a[2 + n] == '=') {
    o->values[k] = a + 3 + n;
    return 1;
  }
  if (a[2 + n] != '\0') return 0;   /* a longer name ("--outputs") */
  if (*i + 1 >= argc) return -1;
  o->values[k] = argv[++*i];
  return 1;
}

int lg_lua_command_take_options(int *argc, char **argv, int first, lg_lua_command_options *o,
                                char *err, size_t errlen) {
  int out = first;
  for (int i = first; i < *argc; i++) {
    int taken = 0;
    for (int k = 0; k < LG_CMD_NOPTIONS && taken == 0; k++) taken = take(*argc, argv, &i, k, o);
    if (taken < 0) {
      snprintf(err, errlen, "option '%s' needs a value", argv[i]);
      return LG_ERR;
    }
    if (taken == 0) argv[out++] = argv[i];
  }
  *argc = out;
  return LG_OK;
}

int lg_lua_command_apply_options(lg_config *cfg, const lg_lua_command_options *o, char *err,
                                 size_t errlen) {
  for (int k = 0; k < LG_CMD_NOPTIONS; k++) {
    if (o->values[k] == NULL || option_settings[k] == NULL) continue;
    char origin[32];
    snprintf(origin, sizeof origin, "--%s", option_names[k]);
    if (lg_config_set(cfg, option_settings[k], o->values[k], origin, err, errlen) != LG_OK)
      return LG_ERR;
  }
  return LG_OK;
}

/* Pushes {args = {...}, options = {name = value...}, lake = ...}. */
static void push_invocation(lua_State *L, const char **args, int nargs,
                            const lg_lua_command_options *o, const char *lake) {
  lua_createtable(L, 0, 3);
  lua_createtable(L, nargs, 0);
  for (int i = 0; i < nargs; i++) {
    lua_pushstring(L, args[i]);
    lua_rawseti(L, -2, i + 1);                    /* args[i+1] = argument */
  }
  lua_setfield(L, -2, "args");
  lua_createtable(L, 0, LG_CMD_NOPTIONS);
  for (int k = 0; k < LG_CMD_NOPTIONS; k++) {
    if (o->values[k] == NULL) continue;
    lua_pushstring(L, o->values[k]);
    lua_setfield(L, -2, option_names[k]);         /* options[name] = value */
  }
  lua_setfield(L, -2, "options");
  lua_pushstring(L, lake ? lake : "");
  lua_setfield(L, -2, "lake");
}

/* Runs lakegate.cli[name](app, invocation) in a state made with vo. */
static int run(const lg_vm_options *vo, const char *name, const char **args, int nargs,
               const lg_lua_command_options *o, const char *lake) {
  char err[2048];
  lg_vm *vm = lg_vm_new(vo, err, sizeof err);
  if (vm == NULL) {
    fprintf(stderr, "lakegate: %s\n", err);
    return 1;
  }
  lua_State *L = lg_vm_state(vm);
  int status = 1;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lakegate.cli");
  if (lg_lua_pcall(L, 1, 1) != LUA_OK) {
    fprintf(stderr, "lakegate: cannot load lakegate.cli: %s\n", lua_tostring(L, -1));
    goto done;
  }
  lua_getfield(L, -1, name);                      /* cli cli[name] */
  lg_vm_push_app(vm);
  push_invocation(L, args, nargs, o, lake);
  if (lg_lua_pcall(L, 2, 1) != LUA_OK) {
    fprintf(stderr, "lakegate: %s\n", lua_tostring(L, -1));
    goto done;
  }
  status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 1;
done:
  fflush(stdout);
  lg_vm_close(vm);
  return status;
}

int lg_lua_command_main(const lg_vm_options *vo, const char *cmd, const char **positional,
                        int npos, const lg_lua_command_options *o, const char *lake) {
  const char *name = cmd;
  int want = 0;                                   /* positional arguments it takes */
  if (strcmp(cmd, "athena") == 0) {
    if (npos < 1 || strcmp(positional[0], "init") != 0) {
      fprintf(stderr, "lakegate athena: expected 'athena init'\n");
      return 2;
    }
    name = "athena_init";
    positional++, npos--;
  } else if (strcmp(cmd, "query") == 0) {
    want = 1;
  }
  if (npos != want) {
    if (want) fprintf(stderr, "lakegate query: give the SQL as one argument (or - for stdin)\n");
    else fprintf(stderr, "lakegate %s: unexpected argument '%s'\n", cmd, positional[0]);
    return 2;
  }
  lg_vm_options own = *vo;
  if (strcmp(name, "query") == 0) own.routes_dir = NULL;   /* a query needs no models */
  return run(&own, name, positional, npos, o, lake);
}
