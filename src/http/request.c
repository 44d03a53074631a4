/* The Lua request object (see request.h): a plain Lua table holding what every request
 * needs (method, path), so reading them or setting req.params costs a table access, not a
 * C call. The rest -- body, id, client, headers, the parsed query ... -- is computed on
 * first access by the metatable's __index and cached in the table. The table reaches the C
 * request through the worker's slot, which forgets it when the response has gone. */
#include "http/request.h"
#include "lua/modules.h"

#include <string.h>

#include <civetweb.h>
#include <lauxlib.h>

#define REQ_MT "lakegate.request"

/* Their addresses are keys: of the slot and the request's seq in the object, of the
 * metatable in the registry. */
static const char SLOT_KEY = 0, SEQ_KEY = 0, MT_KEY = 0;

/* The C request behind the table at idx; raises once its response has gone. */
static lg_req *checkreq(lua_State *L, int idx) {
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_rawgetp(L, idx, &SLOT_KEY);
  lg_req_slot *slot = lua_touserdata(L, -1);
  lua_rawgetp(L, idx, &SEQ_KEY);
  long long seq = (long long)lua_tointeger(L, -1);
  lua_pop(L, 2);
  if (slot != NULL && slot->r != NULL && slot->seq == seq) return slot->r;
  luaL_error(L, "request object used after its response was sent");
  return NULL;   /* not reached: luaL_error does not return */
}

/* req:header(name) -> value | nil; name is case-insensitive */
static int req_header(lua_State *L) {
  lg_req *r = checkreq(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const char *v = mg_get_header(r->conn, name);
  if (v) lua_pushstring(L, v);
  else lua_pushnil(L);
  return 1;
}

/* Pushes the headers as a table: lowercase name -> value (repeated headers joined by ", ",
 * as RFC 9110 allows for list-valued fields). */
static void push_headers(lua_State *L, const struct mg_request_info *ri) {
  lua_createtable(L, 0, ri->num_headers);
  char name[256];
  for (int i = 0; i < ri->num_headers; i++) {
    size_t n = strlen(ri->http_headers[i].name);
    if (n >= sizeof name) continue;
    for (size_t k = 0; k < n; k++) {
      char c = ri->http_headers[i].name[k];
      name[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    lua_pushlstring(L, name, n);                       /* t name */
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TSTRING) {            /* t name old */
      lua_pushliteral(L, ", ");
      lua_pushstring(L, ri->http_headers[i].value);
      lua_concat(L, 3);                                /* t name joined */
    } else {
      lua_pop(L, 1);
      lua_pushstring(L, ri->http_headers[i].value);    /* t name value */
    }
    lua_rawset(L, -3);
  }
}

/* __index(req, key): the method, or a lazy field computed once and cached in req. */
static int req_index(lua_State *L) {
  const char *key = lua_tostring(L, 2);
  if (key == NULL) return 0;
  if (strcmp(key, "header") == 0) {
    lua_pushcfunction(L, req_header);
    return 1;
  }
  if (strcmp(key, "body") == 0) {
    lg_req *r = checkreq(L, 1);
    lua_pushlstring(L, r->body ? r->body : "", r->body_len);
  } else if (strcmp(key, "id") == 0) {
    lua_pushstring(L, checkreq(L, 1)->id);
  } else if (strcmp(key, "query_string") == 0) {
    const char *qs = checkreq(L, 1)->ri->query_string;
    lua_pushstring(L, qs ? qs : "");
  } else if (strcmp(key, "client") == 0) {
    lua_pushstring(L, checkreq(L, 1)->client);
  } else if (strcmp(key, "scheme") == 0) {
    lua_pushstring(L, checkreq(L, 1)->scheme);
  } else if (strcmp(key, "headers") == 0) {
    push_headers(L, checkreq(L, 1)->ri);
  } else if (strcmp(key, "query") == 0 || strcmp(key, "query_all") == 0) {
    size_t len;
    lua_getfield(L, 1, "query_string");
    const char *qs = lua_tolstring(L, -1, &len);
    lg_lua_push_parsed_query(L, qs ? qs : "", qs ? len : 0);   /* ... last all */
    lua_setfield(L, 1, "query_all");
    lua_setfield(L, 1, "query");
    lua_getfield(L, 1, key);
    return 1;
  } else if (strcmp(key, "http_version") == 0) {
    lua_pushstring(L, checkreq(L, 1)->ri->http_version);
  } else {
    return 0;
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, 1, key);   /* cached: req[key] = value */
  return 1;
}

/* The eager fields (every request routes on them), in the order of the registry's
 * FIELDS_KEY list; the others are made on first use by __index. */
enum { F_METHOD = 1, F_PATH, F_COUNT = F_PATH };
static const char *const field_names[] = {NULL, "method", "path"};
static const char FIELDS_KEY = 0;

/* The field names as Lua strings, made once per state: pushing them from a list is cheaper
 * than interning them again for every request. Leaves the list on the stack. */
static void push_field_names(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &FIELDS_KEY) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, F_COUNT, 0);
  for (int i = 1; i <= F_COUNT; i++) {
    lua_pushstring(L, field_names[i]);
    lua_rawseti(L, -2, i);
  }
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FIELDS_KEY);
}

/* req[names[field]] = value, with req at -2 and the names list at -1. */
static void setstring(lua_State *L, int field, const char *value, size_t len) {
  lua_rawgeti(L, -1, field);                 /* req names name */
  lua_pushlstring(L, value, len);            /* req names name value */
  lua_rawset(L, -4);
}

void lg_req_push(lua_State *L, lg_req_slot *slot, lg_req *r) {
  lua_createtable(L, 0, 8);
  push_field_names(L);                       /* req names */
  setstring(L, F_METHOD, r->method, strlen(r->method));
  setstring(L, F_PATH, r->path, r->path_len);
  lua_pop(L, 1);                             /* req */
  slot->r = r;
  slot->seq++;
  lua_pushlightuserdata(L, slot);
  lua_rawsetp(L, -2, &SLOT_KEY);             /* req[slot key] = slot */
  lua_pushinteger(L, (lua_Integer)slot->seq);
  lua_rawsetp(L, -2, &SEQ_KEY);              /* req[seq key] = seq */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &MT_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, req_index);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, REQ_MT);
    lua_setfield(L, -2, "__name");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &MT_KEY);
  }
  lua_setmetatable(L, -2);
}

void lg_req_finish(lg_req_slot *slot) {
  slot->r = NULL;
}
