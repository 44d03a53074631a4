/* Credential source: ECS/EKS container credentials. The agent serves a JSON document at
 * http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or at
 * $AWS_CONTAINER_CREDENTIALS_FULL_URI, with an optional Authorization token from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every fetch: it rotates) or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html */
#include "aws/credentials.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define ECS_DEFAULT_ENDPOINT "http://169.254.170.2"
#define ECS_TIMEOUT_MS 2000L

typedef struct ecs_source {
  lg_aws_credential_source base;
  lg_http_transport *http;   /* borrowed */
  char *url;
  char *token;               /* AWS_CONTAINER_AUTHORIZATION_TOKEN, or NULL */
  char *token_file;          /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or NULL */
} ecs_source;

/* The token file's contents without surrounding whitespace, into out. */
static int read_token_file(const char *path, char *out, size_t outlen, char *err,
                           size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot read the token file %s", path);
    return LG_ERR;
  }
  size_t n = fread(out, 1, outlen - 1, f);
  fclose(f);
  out[n] = '\0';
  while (n > 0 && strchr(" \t\r\n", out[n - 1])) out[--n] = '\0';
  size_t lead = strspn(out, " \t\r\n");
  memmove(out, out + lead, n - lead + 1);
  return LG_OK;
}

static int ecs_fetch(lg_aws_credential_source *base, time_t now, lg_aws_credentials *out,
                     char *err, size_t errlen) {
  ecs_source *s = (ecs_source *)base;
  lg_http_headers headers = LG_HTTP_HEADERS_INIT;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  char token[4096];
  int rc = LG_ERR;
  const char *auth = s->token;
  if (s->token_file) {
    if (read_token_file(s->token_file, token, sizeof token, err, errlen) != LG_OK) goto done;
    auth = token;
  }
  if (lg_http_headers_add(&headers, "Accept", "application/json") != LG_OK ||
      (auth && lg_http_headers_add(&headers, "Authorization", auth) != LG_OK)) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (lg_aws_source_request(s->http, "GET", s->url, &headers, ECS_TIMEOUT_MS, &resp, err,
                            errlen) != LG_OK)
    goto done;
  rc = lg_aws_credentials_from_json(out, resp.body.data ? resp.body.data : "", resp.body.len,
                                    err, errlen);
done:
  explicit_bzero(token, sizeof token);
  lg_http_headers_free(&headers);
  lg_http_response_free(&resp);
  return rc;
}

static void ecs_destroy(lg_aws_credential_source *base) {
  ecs_source *s = (ecs_source *)base;
  free(s->url);
  if (s->token) explicit_bzero(s->token, strlen(s->token));
  free(s->token);
  free(s->token_file);
  free(s);
}

/* A full URI must be HTTPS, or HTTP to the container agent or to this host: the token
 * and the credentials must not cross a network in clear text. */
static int allowed_full_uri(const char *uri) {
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL;
  int ok = 0;
  if (u && curl_url_set(u, CURLUPART_URL, uri, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    ok = strcmp(scheme, "https") == 0 ||
         (strcmp(scheme, "http") == 0 &&
          (strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
           strcmp(host, "[::1]") == 0 || strcmp(host, "169.254.170.2") == 0 ||
           strcmp(host, "169.254.170.23") == 0 || strcmp(host, "[fd00:ec2::23]") == 0));
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

lg_aws_credential_source *lg_aws_source_ecs(lg_http_transport *http, const char *endpoint,
                                            char *err, size_t errlen) {
  const char *relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  err[0] = '\0';
  if (relative == NULL && full == NULL) return NULL;
  if (relative == NULL && !allowed_full_uri(full)) {
    snprintf(err, errlen, "aws: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to "
                          "a loopback address or the container agent: %s", full);
    return NULL;
  }
  ecs_source *s = calloc(1, sizeof *s);
  lg_buf url = LG_BUF_INIT;
  if (s == NULL ||
      (relative ? lg_buf_appendf(&url, "%s%s", endpoint ? endpoint : ECS_DEFAULT_ENDPOINT, relative)
                : lg_buf_appends(&url, full)) != LG_OK ||
      (env("AWS_CONTAINER_AUTHORIZATION_TOKEN") &&
       (s->token = strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"))) == NULL) ||
      (env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") &&
       (s->token_file = strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))) == NULL)) {
    lg_buf_free(&url);
    if (s) ecs_destroy(&s->base);
    snprintf(err, errlen, "aws: out of memory");
    return NULL;
  }
  s->base = (lg_aws_credential_source){"ecs", ecs_fetch, ecs_destroy};
  s->http = http;
  s->url = url.data;   /* the buffer's block, now owned by the source */
  return &s->base;
}
