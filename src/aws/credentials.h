/* AWS credentials: the standard provider chain of the AWS SDKs -- environment, shared
 * credentials/config file profile, ECS container credentials, EC2 instance metadata
 * (IMDSv2) -- with caching and refresh before expiry. One source per file:
 * credentials_env.c, credentials_profile.c, credentials_ecs.c, credentials_imds.c.
 * https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 * Secrets never reach a log line or an error message. */
#ifndef LG_AWS_CREDENTIALS_H
#define LG_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "aws/http.h"
#include "aws/settings.h"

typedef struct lg_aws_credentials {
  char *access_key_id;       /* owned */
  char *secret_access_key;   /* owned; wiped when cleared */
  char *session_token;       /* owned; NULL for long-term keys */
  time_t expiration;         /* 0: never expires */
} lg_aws_credentials;

#define LG_AWS_CREDENTIALS_INIT {NULL, NULL, NULL, 0}

/* Replaces c's contents with copies (token may be NULL or ""). LG_OK or LG_ERR (memory). */
int lg_aws_credentials_set(lg_aws_credentials *c, const char *access_key_id,
                           const char *secret_access_key, const char *session_token,
                           time_t expiration);
/* Wipes and frees the strings; c is empty afterwards. Accepts an empty c. */
void lg_aws_credentials_clear(lg_aws_credentials *c);
/* Reads the JSON document the ECS and EC2 metadata endpoints serve: AccessKeyId,
 * SecretAccessKey, Token, Expiration (and Code, which must be "Success" if present). */
int lg_aws_credentials_from_json(lg_aws_credentials *c, const char *json, size_t len,
                                 char *err, size_t errlen);
/* "2026-11-27T08:00:00Z" (fractional seconds allowed) -> Unix time. LG_OK or LG_ERR. */
int lg_aws_parse_time(const char *text, time_t *out);

/* ===================== credential sources ===================== */

typedef struct lg_aws_credential_source lg_aws_credential_source;

struct lg_aws_credential_source {
  const char *name;   /* "environment", "profile", "ecs", "imds" */
  /* Fetches credentials now. Called by one thread at a time (the provider serializes
   * refreshes). Returns LG_OK, or LG_ERR with a message in err (never a secret). */
  int (*fetch)(lg_aws_credential_source *s, time_t now, lg_aws_credentials *out, char *err,
               size_t errlen);
  void (*destroy)(lg_aws_credential_source *s);
};

/* A source that always gives the same long-term credentials (copied), named `name`
 * (a string literal). Returns NULL with a message in err (out of memory). */
lg_aws_credential_source *lg_aws_source_fixed(const char *name, const char *access_key_id,
                                              const char *secret_access_key,
                                              const char *session_token, char *err,
                                              size_t errlen);

/* Each constructor returns NULL with err[0] == '\0' when its source is not configured,
 * or NULL with a message in err when it is configured wrongly (e.g. only half of a key
 * pair); otherwise the source, freed by its destroy. */
lg_aws_credential_source *lg_aws_source_env(char *err, size_t errlen);
lg_aws_credential_source *lg_aws_source_profile(const lg_aws_files *f, char *err, size_t errlen);
/* http is borrowed. endpoint: base URL for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (NULL:
 * http://169.254.170.2). */
lg_aws_credential_source *lg_aws_source_ecs(lg_http_transport *http, const char *endpoint,
                                            char *err, size_t errlen);
/* http is borrowed. endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else
 * http://169.254.169.254. Not configured when AWS_EC2_METADATA_DISABLED is true. */
lg_aws_credential_source *lg_aws_source_imds(lg_http_transport *http, char *err, size_t errlen);

/* For the HTTP sources: one request with a short timeout; LG_OK only for a 200 answer
 * (resp holds it), else LG_ERR with "GET URL: ..." in err. */
int lg_aws_source_request(lg_http_transport *http, const char *method, const char *url,
                          const lg_http_headers *headers, long timeout_ms,
                          lg_http_response *resp, char *err, size_t errlen);

/* ===================== the provider ===================== */

typedef struct lg_aws_provider lg_aws_provider;

typedef struct lg_aws_provider_options {
  const lg_aws_files *files;     /* the profile to read; NULL: loaded from the defaults */
  lg_http_transport *http;       /* for ECS and IMDS (borrowed); NULL: the provider's own */
  const char *ecs_endpoint;      /* see lg_aws_source_ecs; NULL for the default */
  int refresh_window_s;          /* refresh this long before expiry; 0: 300 */
} lg_aws_provider_options;

/* The default chain: every configured source, in the SDKs' order. opt may be NULL.
 * Returns NULL with a message in err (a misconfigured source, or none at all).
 * Free with lg_aws_provider_free. */
lg_aws_provider *lg_aws_provider_new(const lg_aws_provider_options *opt, char *err,
                                     size_t errlen);
/* A provider of fixed credentials (token may be NULL). */
lg_aws_provider *lg_aws_provider_new_static(const char *access_key_id,
                                            const char *secret_access_key,
                                            const char *session_token, char *err,
                                            size_t errlen);

/* Copies current credentials into out (clear it after use). Fetches on first use, and
 * again once `now` is within the refresh window of the expiry. While one thread
 * refreshes, others keep using credentials that have not expired yet; a failed refresh
 * keeps them too (with a warning) until they expire. Thread-safe.
 * Returns LG_OK, or LG_ERR with a message in err. */
int lg_aws_provider_get(lg_aws_provider *p, time_t now, lg_aws_credentials *out, char *err,
                        size_t errlen);
/* Marks the current credentials as rejected (ExpiredToken): the next get fetches anew. */
void lg_aws_provider_invalidate(lg_aws_provider *p);
/* Name of the source the current credentials came from, or "none". */
const char *lg_aws_provider_source(lg_aws_provider *p);
/* Frees the provider. Accepts NULL. No thread may be inside get. */
void lg_aws_provider_free(lg_aws_provider *p);

#endif
