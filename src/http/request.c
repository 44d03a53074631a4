/* The Lua request object (see request.h). Fields are computed on first access and cached
 * in the object's own table, so a handler that never looks at headers never pays for them. */
#include "http/request.h"

#include <string.h>
#include <strings.h>

#include <civetweb.h>
#include <lauxlib.h>

#define REQ_MT "lakegate.request"

typedef struct req_box {
  lg_req *r;   /* NULL once the response has been sent */
} req_box;

static lg_req *checkreq(lua_State *L) {
  req_box *box = luaL_checkudata(L, 1, REQ_MT);
  if (box->r == NULL) luaL_error(L, "request object used after its response was sent");
  return box->r;
}

/* req:header(name) -> value | nil; name is case-insensitive */
static int req_header(lua_State *L) {
  lg_req *r = checkreq(L);
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

/* Pushes the value of a computed field, or returns 0 if key is not one. */
static int push_field(lua_State *L, lg_req *r, const char *key) {
  const struct mg_request_info *ri = r->ri;
  if (strcmp(key, "method") == 0) lua_pushstring(L, r->method);
  else if (strcmp(key, "path") == 0) lua_pushlstring(L, r->path, r->path_len);
  else if (strcmp(key, "query_string") == 0) lua_pushstring(L, ri->query_string ? ri->query_string : "");
  else if (strcmp(key, "body") == 0) lua_pushlstring(L, r->body ? r->body : "", r->body_len);
  else if (strcmp(key, "id") == 0) lua_pushstring(L, r->id);
  else if (strcmp(key, "headers") == 0) push_headers(L, ri);
  else if (strcmp(key, "client") == 0) lua_pushstring(L, r->client);
  else if (strcmp(key, "scheme") == 0) lua_pushstring(L, r->scheme);
  else if (strcmp(key, "http_version") == 0) lua_pushstring(L, ri->http_version);
  else return 0;
  return 1;
}

/* __index(req, key): own table, then computed fields (cached), then methods. */
static int req_index(lua_State *L) {
  lg_req *r = checkreq(L);
  lua_getiuservalue(L, 1, 1);              /* own */
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  const char *key = lua_tostring(L, 2);
  if (key && push_field(L, r, key)) {
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);                     /* own[key] = value */
    return 1;
  }
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

/* __newindex(req, key, value): handlers and the router may set their own fields. */
static int req_newindex(lua_State *L) {
  checkreq(L);
  lua_getiuservalue(L, 1, 1);
  lua_insert(L, 2);
  lua_rawset(L, 2);
  return 0;
}

static const luaL_Reg methods[] = {
  {"header", req_header},
  {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
  {"__index", req_index},
  {"__newindex", req_newindex},
  {NULL, NULL},
};

void lg_req_push(lua_State *L, lg_req *r) {
  req_box *box = lua_newuserdatauv(L, sizeof *box, 1);
  box->r = r;
  lua_createtable(L, 0, 4);
  lua_setiuservalue(L, -2, 1);
  if (luaL_newmetatable(L, REQ_MT)) {
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
  }
  lua_setmetatable(L, -2);
}

void lg_req_finish(lua_State *L, int idx) {
  req_box *box = luaL_testudata(L, idx, REQ_MT);
  if (box) box->r = NULL;
}
