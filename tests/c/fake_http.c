/* The scripted HTTP transport of the AWS client tests (see fake_http.h). */
#include "fake_http.h"
#include "test.h"
#include "util/common.h"

#include <stdio.h>

static int fake_perform(lg_http_transport *t, const lg_http_request *req, lg_http_response *resp,
                        lg_http_error *e) {
  fake_http *f = (fake_http *)t;
  ASSERT_MSG(f->nseen < FAKE_HTTP_MAX, "too many requests for the fake transport");
  fake_request *s = &f->seen[f->nseen];
  snprintf(s->method, sizeof s->method, "%s", req->method);
  snprintf(s->url, sizeof s->url, "%s", req->url);
  for (size_t i = 0; req->headers && i < req->headers->len; i++)
    lg_http_headers_add(&s->headers, req->headers->items[i].name, req->headers->items[i].value);
  lg_buf_append(&s->body, req->body ? req->body : "", req->body_len);
  fake_answer a = f->nseen < f->nanswers ? f->answers[f->nseen] : (fake_answer){200, NULL, NULL, 0};
  f->nseen++;
  if (a.status == 0) {
    e->retryable = a.retryable;
    snprintf(e->message, sizeof e->message, "connection refused (fake)");
    return LG_ERR;
  }
  resp->status = a.status;
  if (a.body) lg_buf_appends(&resp->body, a.body);
  if (a.etag) lg_http_headers_add(&resp->headers, "ETag", a.etag);
  return LG_OK;
}

static void fake_destroy(lg_http_transport *t) {
  fake_http_free((fake_http *)t);
}

static const lg_http_transport_vtable fake_vtable = {fake_perform, fake_destroy};

void fake_http_init(fake_http *f) {
  memset(f, 0, sizeof *f);
  f->base.vt = &fake_vtable;
}

void fake_http_script(fake_http *f, fake_answer a) {
  ASSERT_MSG(f->nanswers < FAKE_HTTP_MAX, "too many scripted answers");
  f->answers[f->nanswers++] = a;
}

void fake_http_free(fake_http *f) {
  for (int i = 0; i < f->nseen; i++) {
    lg_http_headers_free(&f->seen[i].headers);
    lg_buf_free(&f->seen[i].body);
  }
  f->nseen = 0;
}
