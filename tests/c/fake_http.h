/* A scripted HTTP transport for the AWS client tests: it records every request it is
 * given and plays back the answers a test scripted, in order. */
#ifndef LG_TEST_FAKE_HTTP_H
#define LG_TEST_FAKE_HTTP_H

#include "aws/http.h"
#include "util/buf.h"

#define FAKE_HTTP_MAX 64

typedef struct fake_answer {
  long status;              /* 0: a transport failure */
  const char *body;
  const char *etag;         /* an ETag header, or NULL */
  int retryable;            /* for transport failures */
} fake_answer;

typedef struct fake_request {
  char method[8];
  char url[1200];
  lg_http_headers headers;
  lg_buf body;
} fake_request;

typedef struct fake_http {
  lg_http_transport base;
  fake_answer answers[FAKE_HTTP_MAX];   /* played in order; then 200 with no body */
  int nanswers;
  fake_request seen[FAKE_HTTP_MAX];
  int nseen;
} fake_http;

/* Empties f and makes it a transport (&f->base). */
void fake_http_init(fake_http *f);
/* Appends an answer to the script. */
void fake_http_script(fake_http *f, fake_answer a);
/* Frees the recorded requests. */
void fake_http_free(fake_http *f);

#endif
