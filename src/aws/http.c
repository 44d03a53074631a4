/* HTTP responses and the transport's generic part (see http.h). */
#include "aws/http.h"

void lg_http_response_reset(lg_http_response *r) {
  r->status = 0;
  lg_http_headers_free(&r->headers);
  lg_buf_reset(&r->body);
}

void lg_http_response_free(lg_http_response *r) {
  lg_http_headers_free(&r->headers);
  lg_buf_free(&r->body);
  r->status = 0;
}

void lg_http_transport_free(lg_http_transport *t) {
  if (t) t->vt->destroy(t);
}
