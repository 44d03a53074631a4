/* The HTTP host: civetweb worker threads, each with its own Lua VM, turning requests into
 * calls of the app's Lua handler. */
#ifndef LG_HTTP_SERVER_H
#define LG_HTTP_SERVER_H

#include <stddef.h>

#include "http/metrics.h"
#include "lua/generation.h"

typedef struct lg_server_options {
  const char *listen;           /* "HOST:PORT" */
  const char *tls_listen;       /* "HOST:PORT" for HTTPS, or NULL/"" */
  const char *tls_cert, *tls_key;   /* PEM files for HTTPS */
  const char *tls_compat_dir;   /* where the libssl.so/libcrypto.so shims are */
  long threads;                 /* worker threads = connections served at once */
  long max_body_size;           /* larger bodies get 413 */
  long max_header_size;         /* request line + headers; larger get 431 */
  long keep_alive_timeout_ms;   /* idle keep-alive connections are closed after this */
  long request_timeout_ms;      /* time to receive a request's headers, and each body read */
  lg_generations *generations;  /* the routes; workers follow the current generation */
  lg_metrics *metrics;          /* where workers count requests (must outlive the server) */
  int access_log;               /* 1: one log line per request */
  const char *root_path;        /* prefix a gateway adds ("/prod"), stripped before routing */
  const char *assets_dir;       /* files served under /docs/assets/, or NULL */
  int trust_proxy;              /* 1: client address and scheme from X-Forwarded-For/-Proto */
  /* /readyz: returns 1 if the service can take writes, else 0 with the reason in why. */
  int (*ready)(void *ud, char *why, size_t whylen);
  void *ready_ud;
} lg_server_options;

typedef struct lg_server lg_server;

/* Starts listening and serving. Returns NULL with a message in err on failure.
 * Stop and free with lg_server_stop. */
lg_server *lg_server_start(const lg_server_options *opt, char *err, size_t errlen);

/* Stops accepting, waits for in-flight requests to finish, closes every worker's VM.
 * Accepts NULL. */
void lg_server_stop(lg_server *srv);

#endif
