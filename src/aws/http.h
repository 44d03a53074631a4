/* The HTTP transport the AWS clients call: a small vtable, so tests can put a fake in
 * place of libcurl (http_curl.c). A transport only moves bytes: signing, retries and
 * error messages belong to the caller (aws/request.c). Transports are thread-safe. */
#ifndef LG_AWS_HTTP_H
#define LG_AWS_HTTP_H

#include <stddef.h>

#include "aws/headers.h"
#include "util/buf.h"

typedef struct lg_http_request {
  const char *method;               /* "GET", "PUT", "POST", "HEAD", "DELETE" */
  const char *url;                  /* absolute; path and query already percent-encoded */
  const lg_http_headers *headers;   /* sent as given; NULL for none */
  const void *body;                 /* NULL for none */
  size_t body_len;
  long timeout_ms;                  /* whole exchange; 0: the transport's default */
  size_t max_body;                  /* larger responses fail (not retryable); 0: no limit */
} lg_http_request;

typedef struct lg_http_response {
  long status;               /* HTTP status of the final response */
  lg_http_headers headers;   /* of the final response */
  lg_buf body;
} lg_http_response;

#define LG_HTTP_RESPONSE_INIT {0, LG_HTTP_HEADERS_INIT, LG_BUF_INIT}

/* Empties a response for reuse (keeps memory). */
void lg_http_response_reset(lg_http_response *r);
void lg_http_response_free(lg_http_response *r);

/* How a request failed without an HTTP response. */
typedef struct lg_http_error {
  int retryable;          /* 1: connection refused/reset, timeout, DNS... may pass later */
  char message[256];      /* "connection refused (Failed to connect to ...)" */
} lg_http_error;

typedef struct lg_http_transport lg_http_transport;

typedef struct lg_http_transport_vtable {
  /* Sends req; on LG_OK resp holds the response (any status). On LG_ERR no response
   * arrived and e says why. resp must be empty (reset) on entry. */
  int (*perform)(lg_http_transport *t, const lg_http_request *req, lg_http_response *resp,
                 lg_http_error *e);
  void (*destroy)(lg_http_transport *t);
} lg_http_transport_vtable;

struct lg_http_transport {
  const lg_http_transport_vtable *vt;
};

static inline int lg_http_perform(lg_http_transport *t, const lg_http_request *req,
                                  lg_http_response *resp, lg_http_error *e) {
  return t->vt->perform(t, req, resp, e);
}

/* Frees a transport. Accepts NULL. */
void lg_http_transport_free(lg_http_transport *t);

typedef struct lg_http_curl_options {
  long connect_timeout_ms;   /* 0: 5000 */
  long timeout_ms;           /* default whole-request timeout; 0: 120000 */
  const char *ca_file;       /* NULL: the system's CA bundle */
  int max_idle;              /* idle connections kept for reuse; 0: 16 */
  long stall_timeout_ms;     /* an exchange in which no byte moves for this long (a peer
                                that accepted the connection and hangs) fails, retryable;
                                checked about once a second; 0: only timeout_ms bounds it */
} lg_http_curl_options;

/* A libcurl transport with TLS verification on. It keeps up to max_idle curl handles,
 * each with its open connections, and hands one to each request, so connections are
 * reused across requests and threads without sharing a handle between two threads.
 * opt may be NULL. Returns NULL with a message in err. Free with lg_http_transport_free. */
lg_http_transport *lg_http_curl_new(const lg_http_curl_options *opt, char *err, size_t errlen);

#endif
