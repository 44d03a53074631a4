/* The request object Lua handlers see: a userdata over the C request, valid only while
 * the request is being handled. Fields: method, path, query_string, headers, body, id,
 * client, scheme, root_path; method req:header(name). Fields the router sets (params, query, ...) are kept in
 * the object's own table. */
#ifndef LG_HTTP_REQUEST_H
#define LG_HTTP_REQUEST_H

#include <stddef.h>
#include <lua.h>

struct mg_connection;
struct mg_request_info;

typedef struct lg_req {
  struct mg_connection *conn;
  const struct mg_request_info *ri;
  const char *method;   /* as sent; the app answers HEAD as GET and the host drops the body */
  const char *path;     /* percent-decoded path (civetweb decodes it), without the query */
  size_t path_len;
  const char *body;     /* request body (not NUL-terminated) */
  size_t body_len;
  const char *id;       /* request id: the client's X-Request-Id or a generated one */
  const char *client;   /* client address (from X-Forwarded-For when the proxy is trusted) */
  const char *scheme;   /* "http" or "https" (from X-Forwarded-Proto when trusted) */
} lg_req;

/* Pushes a request object for r. The object refers to r until lg_req_finish is called on
 * it, after which any access raises an error. */
void lg_req_push(lua_State *L, lg_req *r);

/* Detaches the request object at stack index idx from its C request. */
void lg_req_finish(lua_State *L, int idx);

#endif
