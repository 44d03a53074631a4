/* The Lua host (see vm.h): state creation, preloading, protected calls. */
#define LOG_TAG "lua"
#include "lua/vm.h"
#include "lua/metrics.h"
#include "lua/modules.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

struct lg_vm {
  lua_State *L;
  int app_ref;       /* registry ref of the app */
  int handler_ref;   /* registry ref of app.handle */
};

static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int lg_lua_pcall(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;   /* function index */
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  return status;
}

/* package.path: the runtime library first, then the system's. Modules in the routes folder
 * come from the generation's snapshot (lakegate.app installs that searcher). */
static void set_paths(lua_State *L, const lg_vm_options *opt) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", opt->lua_dir, opt->lua_dir,
                  lua_tostring(L, -1));
  lua_setfield(L, -3, "path");   /* package.path = ours .. system */
  lua_pop(L, 2);
}

/* Pushes the snapshot as a table: relative path -> contents. */
static void push_files(lua_State *L, const lg_snapshot *snap) {
  size_t n = lg_snapshot_count(snap);
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *data = lg_snapshot_data(snap, i, &len);
    lua_pushlstring(L, data, len);
    lua_setfield(L, -2, lg_snapshot_path(snap, i));   /* files[path] = data */
  }
}

/* Runs require("lakegate.app").load(routes_dir, options) and keeps the app and app.handle. */
static int load_app(lg_vm *vm, const lg_vm_options *opt, char *err, size_t errlen) {
  lua_State *L = vm->L;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lakegate.app");
  if (lg_lua_pcall(L, 1, 1) != LUA_OK) {
    snprintf(err, errlen, "cannot load the runtime library from %s: %s", opt->lua_dir,
             lua_tostring(L, -1));
    return LG_ERR;
  }
  lua_getfield(L, -1, "load");
  lua_pushstring(L, opt->routes_dir);
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, opt->max_json_depth);
  lua_setfield(L, -2, "max_json_depth");
  const char *strings[][2] = {{"auth", opt->auth}, {"rate_limit", opt->rate_limit},
                              {"cors_origins", opt->cors_origins}, {"root_path", opt->root_path}};
  for (size_t i = 0; i < LG_ARRAY_LEN(strings); i++) {
    if (strings[i][1] == NULL || *strings[i][1] == '\0') continue;
    lua_pushstring(L, strings[i][1]);
    lua_setfield(L, -2, strings[i][0]);          /* options[name] = value */
  }
  lua_pushinteger(L, opt->rate_limit_burst);
  lua_setfield(L, -2, "rate_limit_burst");
  lua_pushboolean(L, !opt->no_docs);
  lua_setfield(L, -2, "docs");
  if (opt->max_body_size > 0) {
    lua_pushinteger(L, opt->max_body_size);
    lua_setfield(L, -2, "max_body_size");
  }
  if (opt->routes) {
    push_files(L, opt->routes);
    lua_setfield(L, -2, "files");
  }
  if (lg_lua_pcall(L, 2, 2) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
    return LG_ERR;
  }
  if (lua_isnil(L, -2)) {   /* app, message */
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
    return LG_ERR;
  }
  lua_pop(L, 1);
  lua_getfield(L, -1, "handle");
  if (!lua_isfunction(L, -1)) {
    snprintf(err, errlen, "lakegate.app.load returned an app without a handle function");
    return LG_ERR;
  }
  vm->handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  vm->app_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, 0);
  return LG_OK;
}

/* Host-only modules: they reach state that only the server has. */
static void preload_host_modules(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, lg_open_metrics);
  lua_setfield(L, -2, "lakegate.metrics");   /* preload["lakegate.metrics"] */
  lua_pop(L, 1);
}

lg_vm *lg_vm_new(const lg_vm_options *opt, char *err, size_t errlen) {
  lg_vm *vm = calloc(1, sizeof *vm);
  if (vm == NULL || (vm->L = luaL_newstate()) == NULL) {
    free(vm);
    snprintf(err, errlen, "out of memory creating a Lua state");
    return NULL;
  }
  vm->handler_ref = vm->app_ref = LUA_NOREF;
  luaL_openlibs(vm->L);
  lg_lua_preload_modules(vm->L);
  preload_host_modules(vm->L);
  if (opt->lake) lg_lua_set_host_lake(vm->L, opt->lake);
  set_paths(vm->L, opt);
  if (opt->routes_dir && load_app(vm, opt, err, errlen) != LG_OK) {
    lg_vm_close(vm);
    return NULL;
  }
  /* Requests leave short-lived garbage beside the long-lived library and models: the
   * generational collector suits that (measured: fewer instructions per request). */
  lua_gc(vm->L, LUA_GCGEN, 0, 0);
  return vm;
}

lua_State *lg_vm_state(lg_vm *vm) {
  return vm->L;
}

void lg_vm_push_handler(lg_vm *vm) {
  lua_rawgeti(vm->L, LUA_REGISTRYINDEX, vm->handler_ref);
}

void lg_vm_push_app(lg_vm *vm) {
  lua_rawgeti(vm->L, LUA_REGISTRYINDEX, vm->app_ref);   /* nil when no routes were loaded */
}

int lg_vm_run_on_start(lg_vm *vm, char *err, size_t errlen) {
  lua_State *L = vm->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, vm->app_ref);
  lua_getfield(L, -1, "run_on_start");
  lua_insert(L, -2);                          /* run_on_start app */
  /* A raised error leaves its message on top; a returned failure is nil, message. */
  int failed = lg_lua_pcall(L, 1, 2) != LUA_OK || !lua_toboolean(L, -2);
  if (failed) snprintf(err, errlen, "%s", lua_tostring(L, -1));
  lua_settop(L, 0);
  return failed ? LG_ERR : LG_OK;
}

int lg_vm_openapi(lg_vm *vm, lg_buf *out, char *err, size_t errlen) {
  lua_State *L = vm->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, vm->app_ref);
  lua_getfield(L, -1, "openapi_json");
  lua_insert(L, -2);                          /* openapi_json app */
  int rc = LG_ERR;
  if (lg_lua_pcall(L, 1, 1) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
  } else {
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    rc = text ? lg_buf_append(out, text, len) : LG_ERR;
    if (rc != LG_OK) snprintf(err, errlen, "no OpenAPI document");
  }
  lua_settop(L, 0);
  return rc;
}

void lg_vm_close(lg_vm *vm) {
  if (vm == NULL) return;
  if (vm->L) lua_close(vm->L);
  free(vm);
}
