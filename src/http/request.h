/* The request object Lua handlers see: a table with method, path, query_string, body, id,
 * client, scheme, headers, query, query_all and http_version (all but method and path
 * computed on first use) and req:header(name). The router and handlers add their own fields (params, query, ...).
 * Whatever reaches the C request raises once the response has gone. */
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

/* Where a worker's request objects find the C request: one per worker, reused for every
 * request (so making a request object allocates nothing in C). */
typedef struct lg_req_slot {
  lg_req *r;       /* the request being handled, NULL between requests */
  long long seq;   /* which request that is: objects of earlier ones see a mismatch */
} lg_req_slot;

/* Pushes a request object for r, reached through slot until lg_req_finish. */
void lg_req_push(lua_State *L, lg_req_slot *slot, lg_req *r);

/* Ends the request: its object no longer reaches the C request. */
void lg_req_finish(lg_req_slot *slot);

#endif
