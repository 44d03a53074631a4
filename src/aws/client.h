/* What every AWS service client shares: where it sends (region and endpoint, from the
 * options or the SDKs' standard settings), who signs (the credential provider and its
 * signing-key cache) and how calls go out (the transport). The S3 and Athena clients embed
 * one; the calls themselves go through aws/request.c. */
#ifndef LG_AWS_CLIENT_H
#define LG_AWS_CLIENT_H

#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/request.h"
#include "aws/sigv4.h"

typedef struct lg_aws_client_options {
  const char *region;             /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile */
  const char *endpoint;           /* NULL: AWS_ENDPOINT_URL_<ID>, AWS_ENDPOINT_URL, the
                                     profile's endpoint_url, else the service's default */
  const char *profile;            /* NULL: AWS_PROFILE or "default" */
  lg_aws_provider *credentials;   /* borrowed; NULL: the default chain (owned) */
  lg_http_transport *http;        /* borrowed; NULL: a libcurl transport (owned) */
  lg_aws_retry_policy retry;      /* zeros: 3 attempts, 100 ms base, 5 s cap */
  /* For tests: a fixed clock and a recorded backoff (see lg_aws_service). */
  time_t (*now)(void);
  void (*sleep_ms)(long ms);
} lg_aws_client_options;

/* How one service is reached and signed. */
typedef struct lg_aws_service_spec {
  const char *name;                 /* signing name and message prefix: "s3", "athena" */
  const char *service_id;           /* for endpoint settings: "S3", "Athena" */
  unsigned sigv4_flags;
  /* Reads the service's error documents (see lg_aws_service.parse_error). */
  void (*parse_error)(const char *body, size_t len, char *code, size_t codelen, char *msg,
                      size_t msglen);
} lg_aws_service_spec;

typedef struct lg_aws_client {
  lg_aws_service svc;                  /* signing and retries; points into this struct */
  char region[64];
  char scheme[8];                      /* "https" or "http" */
  char authority[300];                 /* "host" or "host:port" of the endpoint */
  char endpoint[320];                  /* scheme://authority */
  int host_is_ip;                      /* an IP literal or localhost */
  lg_aws_provider *own_credentials;    /* NULL when borrowed */
  lg_http_transport *own_http;         /* NULL when borrowed */
  lg_sigv4_key_cache keys;
} lg_aws_client;

/* Fills c (which must stay where it is: svc points into it) for the service: the region,
 * the endpoint (default https://<name>.<region>.amazonaws.com), the transport and the
 * credentials. Returns LG_OK, or LG_ERR with a message in err ("athena: no region ...").
 * Release with lg_aws_client_destroy, also after an error. */
int lg_aws_client_init(lg_aws_client *c, const lg_aws_service_spec *spec,
                       const lg_aws_client_options *opt, char *err, size_t errlen);
/* Frees what c owns. Accepts a zeroed or half-initialized client. */
void lg_aws_client_destroy(lg_aws_client *c);

#endif
