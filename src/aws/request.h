/* One signed AWS API call with retries: the part every AWS client (S3, Athena) shares.
 * Credentials, signing, the retry policy and the error message all live here, so a
 * client only builds requests and reads answers. */
#ifndef LG_AWS_REQUEST_H
#define LG_AWS_REQUEST_H

#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/sigv4.h"

/* Why a call failed, for the caller to decide what to do next. */
typedef struct lg_aws_error {
  int retryable;        /* 1: transient (network, 5xx, throttling): the same call may pass
                           later; 0: it never will as is (auth, missing bucket, bad input) */
  long status;          /* HTTP status of the last answer; 0 if none arrived */
  char code[64];        /* the service's error code ("SignatureDoesNotMatch"), or "" */
  int attempts;         /* how many times the call was sent */
  char message[512];    /* "s3: PUT s3://b/k: 403 SignatureDoesNotMatch (...)" */
} lg_aws_error;

typedef struct lg_aws_retry_policy {
  int max_attempts;       /* 0: 3 */
  long base_delay_ms;     /* 0: 100; attempt n waits up to base * 2^(n-1) */
  long max_delay_ms;      /* 0: 5000 */
} lg_aws_retry_policy;

/* A service endpoint's fixed part: who signs and how calls go out. Borrowed pointers
 * must outlive every call. Thread-safe if the provider and transport are (ours are). */
typedef struct lg_aws_service {
  const char *name;                 /* message prefix and signing name: "s3", "athena" */
  const char *region;
  unsigned sigv4_flags;             /* LG_SIGV4_S3 | LG_SIGV4_CONTENT_SHA256 for S3 */
  lg_aws_provider *credentials;
  lg_http_transport *http;
  lg_sigv4_key_cache *keys;         /* may be NULL */
  lg_aws_retry_policy retry;
  /* Reads the service's error document: code and message ("" when absent). */
  void (*parse_error)(const char *body, size_t len, char *code, size_t codelen, char *msg,
                      size_t msglen);
  time_t (*now)(void);              /* NULL: time(); tests pass a fixed clock */
  void (*sleep_ms)(long ms);        /* NULL: nanosleep; tests record the backoff */
} lg_aws_service;

/* One call. */
typedef struct lg_aws_call {
  const char *method;
  const char *url;                  /* absolute, path and query percent-encoded */
  lg_http_headers *headers;         /* the call's own headers (with Host); signing adds
                                       X-Amz-Date, the token, Authorization... */
  const void *body;
  size_t body_len;
  const char *what;                 /* for messages: "PUT s3://bucket/key" */
  long timeout_ms;                  /* 0: the transport's default */
  size_t max_body;                  /* 0: no limit on the answer's size */
  int error_in_200;                 /* a 200 may carry an error document (S3's
                                       CompleteMultipartUpload) */
} lg_aws_call;

/* Sends the call until it succeeds (2xx), fails for good, or runs out of attempts.
 * Returns LG_OK with the answer in resp, or LG_ERR with err filled in (resp then holds
 * the last answer, if any). resp is reset first; the caller frees it. */
int lg_aws_send(const lg_aws_service *svc, const lg_aws_call *call, lg_http_response *resp,
                lg_aws_error *err);

/* "404 Not Found"-style text for a status without an error document. */
const char *lg_aws_status_text(long status);

#endif
