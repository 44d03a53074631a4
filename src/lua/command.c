/* CLI commands in Lua (see command.h). */
#include "lua/command.h"
#include "util/common.h"

#include <stdio.h>

#include <lauxlib.h>

/* Pushes {args = {...}, options = {name = value...}, lake = ...}. */
static void push_invocation(lua_State *L, const lg_lua_command *cmd) {
  lua_createtable(L, 0, 3);
  lua_createtable(L, (int)cmd->nargs, 0);
  for (size_t i = 0; i < cmd->nargs; i++) {
    lua_pushstring(L, cmd->args[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);       /* args[i+1] = argument */
  }
  lua_setfield(L, -2, "args");
  lua_createtable(L, 0, (int)cmd->noptions);
  for (size_t i = 0; i < cmd->noptions; i++) {
    if (cmd->options[i][1] == NULL) continue;
    lua_pushstring(L, cmd->options[i][1]);
    lua_setfield(L, -2, cmd->options[i][0]);      /* options[name] = value */
  }
  lua_setfield(L, -2, "options");
  lua_pushstring(L, cmd->lake ? cmd->lake : "");
  lua_setfield(L, -2, "lake");
}

int lg_lua_run_command(const lg_vm_options *vo, const lg_lua_command *cmd) {
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
  lua_getfield(L, -1, cmd->name);                 /* cli cli[name] */
  if (!lua_isfunction(L, -1)) {
    fprintf(stderr, "lakegate: lakegate.cli has no command %s\n", cmd->name);
    goto done;
  }
  lg_vm_push_app(vm);
  push_invocation(L, cmd);
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
