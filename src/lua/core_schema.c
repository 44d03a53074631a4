/* lakegate.core.schema: builds a fast-path program (core/schema.h) from the description
 * lakegate.model.fast makes of a model, and runs it on JSON texts.
 *
 * The description is a Lua table: {root, array_mt, consts = {...}, nodes = {...},
 * fields = {...}, members = {...}}; node, field and member references are 1-based indexes
 * into those lists, and every string or value the program uses is an index into consts
 * (which the program keeps alive as its user value). */
#include "lua/modules.h"
#include "core/json.h"
#include "core/schema.h"
#include "util/common.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define SCHEMA_MT "lakegate.schema"

static const char *const kind_names[] = {
  "any", "string", "integer", "number", "boolean", "none", "enum", "datetime", "date", "time",
  "uuid", "array", "map", "model", "lua", NULL,
};
static const char *const format_names[] = {"date", "time", "date-time", "uuid", "email", "ipv4", "ipv6", NULL};
static const char *const extra_names[] = {"ignore", "forbid", "allow", NULL};
static const char *const missing_names[] = {"required", "optional", "value", "copy", "factory", NULL};

/* {====================== reading the description ====================== */

/* t[key] as an integer (def when absent) for the table at idx. */
static lua_Integer opt_int(lua_State *L, int idx, const char *key, lua_Integer def) {
  lua_getfield(L, idx, key);
  lua_Integer v = def;
  if (!lua_isnil(L, -1)) {
    if (!lua_isinteger(L, -1)) luaL_error(L, "schema: '%s' must be an integer", key);
    v = lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static int opt_bool(lua_State *L, int idx, const char *key) {
  lua_getfield(L, idx, key);
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* t[key] as one of names (def when absent). */
static int opt_enum(lua_State *L, int idx, const char *key, const char *const names[], int def) {
  lua_getfield(L, idx, key);
  int v = def;
  if (!lua_isnil(L, -1)) {
    const char *s = luaL_checkstring(L, -1);
    for (v = 0; names[v] && strcmp(names[v], s) != 0; v++) {}
    if (names[v] == NULL) luaL_error(L, "schema: bad %s '%s'", key, s);
  }
  lua_pop(L, 1);
  return v;
}

/* Reads numeric bound `key` into *i (integer node) or *d, setting bit in *mask. */
static void read_bound(lua_State *L, int idx, const char *key, uint8_t bit, int integer,
                       uint8_t *mask, int64_t *i, double *d) {
  lua_getfield(L, idx, key);
  if (!lua_isnil(L, -1)) {
    if (integer && !lua_isinteger(L, -1)) luaL_error(L, "schema: integer bound '%s' must be an integer", key);
    if (integer) *i = lua_tointeger(L, -1);
    else *d = luaL_checknumber(L, -1);
    *mask |= bit;
  }
  lua_pop(L, 1);
}

/* The string constant k (consts at index consts), kept alive by the constants table. */
static const char *const_string(lua_State *L, int consts, lua_Integer k, size_t *len) {
  lua_rawgeti(L, consts, k);
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "schema: constant %d must be a string", (int)k);
  const char *s = lua_tolstring(L, -1, len);
  lua_pop(L, 1);   /* the string stays referenced by the constants table */
  return s;
}

static int32_t node_ref(lua_State *L, int idx, const char *key, int32_t nnodes) {
  lua_Integer v = opt_int(L, idx, key, 0);
  if (v < 0 || v > nnodes) luaL_error(L, "schema: '%s' refers to no node", key);
  return (int32_t)v - 1;   /* -1: none */
}

static void read_node(lua_State *L, int consts, int idx, lg_snode *n, int32_t nnodes) {
  memset(n, 0, sizeof *n);
  n->kind = (uint8_t)opt_enum(L, idx, "kind", kind_names, -1);
  n->nullable = (uint8_t)opt_bool(L, idx, "nullable");
  n->min = (int32_t)opt_int(L, idx, "min", -1);
  n->max = (int32_t)opt_int(L, idx, "max", -1);
  n->child = node_ref(L, idx, "child", nnodes);
  n->first = (int32_t)opt_int(L, idx, "first", 1) - 1;
  n->count = (int32_t)opt_int(L, idx, "count", 0);
  n->konst = (int32_t)opt_int(L, idx, "const", 0);
  n->order = (int32_t)opt_int(L, idx, "order", 0);
  n->version = (int32_t)opt_int(L, idx, "version", 0);
  n->after = (int32_t)opt_int(L, idx, "after", 0);
  n->extra = (uint8_t)opt_enum(L, idx, "extra", extra_names, LG_SX_IGNORE);
  n->format = (int8_t)opt_enum(L, idx, "format", format_names, -1);
  if (n->kind == LG_SK_MODEL && n->count > 64) luaL_error(L, "schema: a model node holds at most 64 fields");
  if (opt_bool(L, idx, "as_float")) n->flags |= LG_SF_AS_FLOAT;
  if (opt_bool(L, idx, "data")) n->flags |= LG_SF_LUA_DATA;
  int tz = opt_enum(L, idx, "tz", (const char *const[]){"aware", "naive", NULL}, -1);
  if (tz == 0) n->flags |= LG_SF_AWARE;
  if (tz == 1) n->flags |= LG_SF_NAIVE;
  int integer = n->kind == LG_SK_INTEGER;
  read_bound(L, idx, "gt", LG_SB_GT, integer, &n->bounds, &n->igt, &n->dgt);
  read_bound(L, idx, "ge", LG_SB_GE, integer, &n->bounds, &n->ige, &n->dge);
  read_bound(L, idx, "lt", LG_SB_LT, integer, &n->bounds, &n->ilt, &n->dlt);
  read_bound(L, idx, "le", LG_SB_LE, integer, &n->bounds, &n->ile, &n->dle);
  if (integer) {
    read_bound(L, idx, "multiple_of", LG_SB_MUL, 1, &n->bounds, &n->imul, &n->dle);
    if ((n->bounds & LG_SB_MUL) && n->imul <= 0) luaL_error(L, "schema: multiple_of must be positive");
  }
  lua_Integer re = opt_int(L, idx, "regex", 0);
  if (re) {
    lua_rawgeti(L, consts, re);
    n->re = lg_lua_check_regex(L, -1);   /* owned by the regex userdata in consts */
    lua_pop(L, 1);
  }
}

/* }====================== */

/* {====================== the userdata ====================== */

static int schema_gc(lua_State *L) {
  lg_schema_free(luaL_checkudata(L, 1, SCHEMA_MT));
  return 0;
}

/* run(text [, max_depth]) -> value | nil (the Lua validators must decide). A closure over
 * the program (upvalue 1) and its constants (upvalue 2): no type check or method lookup
 * on the per-request path. */
static int schema_run(lua_State *L) {
  lg_schema *s = lua_touserdata(L, lua_upvalueindex(1));
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  lua_Integer depth = lua_isnoneornil(L, 2) ? LG_JSON_MAX_DEPTH : luaL_checkinteger(L, 2);
  if (lg_schema_run(L, s, lua_upvalueindex(2), text, len, (int)depth) != LG_OK) lua_pushnil(L);
  return 1;
}

/* Allocates n zeroed items for a program array; raises on OOM (the gc frees the rest). */
static void *alloc_items(lua_State *L, size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (p == NULL) luaL_error(L, "schema: out of memory");
  return p;
}

/* schema(desc) -> run: compiles a model description (see lakegate.model.fast) into a
 * program and returns the function that runs it. */
static int core_schema(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lg_schema *s = lua_newuserdatauv(L, sizeof *s, 1);            /* desc prog */
  memset(s, 0, sizeof *s);                                      /* empty first: the gc copes */
  luaL_setmetatable(L, SCHEMA_MT);
  lua_getfield(L, 1, "consts");                                 /* desc prog consts */
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_pushvalue(L, 3);
  lua_setiuservalue(L, 2, 1);                                   /* the program keeps its constants */
  lua_getfield(L, 1, "nodes");                                  /* desc prog consts nodes */
  lua_getfield(L, 1, "fields");                                 /* ... nodes fields */
  lua_getfield(L, 1, "members");                                /* ... nodes fields members */
  int32_t nn = (int32_t)luaL_len(L, 4), nf = lua_istable(L, 5) ? (int32_t)luaL_len(L, 5) : 0;
  int32_t nm = lua_istable(L, 6) ? (int32_t)luaL_len(L, 6) : 0;
  s->nodes = alloc_items(L, (size_t)nn, sizeof *s->nodes);
  s->nnodes = nn;
  s->fields = alloc_items(L, (size_t)nf, sizeof *s->fields);
  s->nfields = nf;
  s->members = alloc_items(L, (size_t)nm, sizeof *s->members);
  s->nmembers = nm;
  for (int32_t i = 0; i < nn; i++) {
    lua_rawgeti(L, 4, i + 1);
    read_node(L, 3, lua_gettop(L), &s->nodes[i], nn);
    lua_pop(L, 1);
  }
  for (int32_t i = 0; i < nf; i++) {
    lg_sfield *f = &s->fields[i];
    lua_rawgeti(L, 5, i + 1);
    int idx = lua_gettop(L);
    f->key = const_string(L, 3, opt_int(L, idx, "key", 0), &f->key_len);
    f->name = (int32_t)opt_int(L, idx, "name", 0);
    f->node = node_ref(L, idx, "node", nn);
    f->dflt = (int32_t)opt_int(L, idx, "default", 0);
    f->missing = (uint8_t)opt_enum(L, idx, "missing", missing_names, LG_SM_REQUIRED);
    f->inplace = 1;
    for (size_t k = 0; k < f->key_len; k++)
      if (f->key[k] == '"' || f->key[k] == '\\' || (unsigned char)f->key[k] < 0x20) f->inplace = 0;
    if (f->node < 0) luaL_error(L, "schema: field %d has no node", (int)i + 1);
    lua_pop(L, 1);
  }
  for (int32_t i = 0; i < nm; i++) {
    lg_smember *m = &s->members[i];
    lua_rawgeti(L, 6, i + 1);
    int idx = lua_gettop(L);
    m->konst = (int32_t)opt_int(L, idx, "const", 0);
    lua_rawgeti(L, 3, m->konst);
    if (lua_type(L, -1) == LUA_TSTRING) m->s = lua_tolstring(L, -1, &m->len);
    else if (lua_isinteger(L, -1)) m->i = lua_tointeger(L, -1);
    else luaL_error(L, "schema: enum members are strings or integers");
    lua_pop(L, 2);
  }
  for (int32_t i = 0; i < nn; i++) {   /* references must stay inside the program */
    const lg_snode *n = &s->nodes[i];
    if (n->kind == LG_SK_MODEL && (n->first < 0 || n->first + n->count > nf)) luaL_error(L, "schema: bad field range");
    if (n->kind == LG_SK_ENUM && (n->first < 0 || n->first + n->count > nm)) luaL_error(L, "schema: bad member range");
  }
  s->root = node_ref(L, 1, "root", nn);
  s->array_mt = (int32_t)opt_int(L, 1, "array_mt", 0);
  if (s->root < 0) luaL_error(L, "schema: no root node");
  lua_settop(L, 3);                                             /* desc prog consts */
  lua_pushcclosure(L, schema_run, 2);                           /* desc run */
  return 1;
}

/* }====================== */

void lg_core_open_schema(lua_State *L) {
  if (luaL_newmetatable(L, SCHEMA_MT)) {                       /* ... core mt */
    lua_pushcfunction(L, schema_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);                                               /* ... core */
  lua_pushcfunction(L, core_schema);
  lua_setfield(L, -2, "schema");
}
