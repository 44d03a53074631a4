/* HTTP/1.1 response assembly into one buffer, so each response leaves in one mg_write
 * (civetweb's header helpers cost a syscall per line). */
#ifndef LG_HTTP_RESPONSE_H
#define LG_HTTP_RESPONSE_H

#include <stddef.h>

#include "util/buf.h"

/* Reason phrase for a status code ("Unknown" for codes it does not know). */
const char *lg_http_reason(int status);

/* Starts a response: status line and Date. Returns LG_OK or LG_ERR (out of memory). */
int lg_response_begin(lg_buf *out, int status);

/* Adds one header. Returns LG_ERR if the name is not a token or either part holds CR, LF
 * or NUL (header injection), or on out-of-memory. */
int lg_response_header(lg_buf *out, const char *name, size_t nlen, const char *value,
                       size_t vlen);

/* Adds Content-Length, Connection and the body (omitted when send_body is 0, as for HEAD). */
int lg_response_end(lg_buf *out, const char *body, size_t len, int keep_alive, int send_body);

/* A whole JSON error response: {"detail": "<detail>"}. */
int lg_response_error(lg_buf *out, int status, const char *detail, const char *request_id,
                      int keep_alive, int send_body);

#endif
