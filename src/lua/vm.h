/* The Lua host: one lua_State per worker thread, with the runtime library (lua/) and the
 * operator's routes loaded. C calls Lua only through this file's functions. */
#ifndef LG_VM_H
#define LG_VM_H

#include <stddef.h>
#include <lua.h>

#include "lake/lake.h"
#include "util/buf.h"
#include "lua/snapshot.h"

typedef struct lg_vm_options {
  const char *lua_dir;      /* the runtime library (directory holding lakegate/) */
  const char *routes_dir;   /* the operator's route folder (names files in messages); NULL:
                               a state with the runtime library only (CLI commands) */
  const lg_snapshot *routes;   /* its contents; NULL reads the folder itself */
  lg_lake *lake;            /* lake for lake.put, or NULL (lakegate check) */
  long max_json_depth;      /* nesting limit for request bodies */
  /* App-wide defaults, passed to lakegate.app (NULL or "" when unset). */
  const char *auth;         /* "none" or "api_key" */
  const char *rate_limit;   /* "100/s" ... */
  long rate_limit_burst;
  const char *cors_origins; /* "*" or "a,b" */
  const char *root_path;    /* "/prod" */
  int no_docs;              /* 1: no /openapi.json, /docs, /redoc */
  long max_body_size;       /* bytes a body may have once decoded (Content-Encoding: gzip) */
} lg_vm_options;

typedef struct lg_vm lg_vm;

/* Creates a state, loads the runtime library and every route script, and checks them.
 * Returns NULL with a message naming file:line in err if any script fails.
 * Release with lg_vm_close. */
lg_vm *lg_vm_new(const lg_vm_options *opt, char *err, size_t errlen);

lua_State *lg_vm_state(lg_vm *vm);

/* Pushes the app's request handler: function(req) -> status, body, headers, route. */
void lg_vm_push_handler(lg_vm *vm);

/* Pushes the app (lakegate.app), or nil if the state has no routes. */
void lg_vm_push_app(lg_vm *vm);

/* Runs the app's on_start hooks (once per generation). Returns LG_OK, or LG_ERR with the
 * first failure (file:line) in err. */
int lg_vm_run_on_start(lg_vm *vm, char *err, size_t errlen);

/* lua_pcall with a traceback handler slotted under the function. On error the message
 * (with traceback) is left on the stack, as lua_pcall does. */
int lg_lua_pcall(lua_State *L, int nargs, int nresults);

/* Appends the app's OpenAPI document (JSON) to out. Returns LG_OK or LG_ERR with err. */
int lg_vm_openapi(lg_vm *vm, lg_buf *out, char *err, size_t errlen);

/* Closes the state. Accepts NULL. */
void lg_vm_close(lg_vm *vm);

#endif
