/* Credential source: EC2 instance metadata, IMDSv2 only (a session token first, then
 * the role's credentials). The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT, else
 * http://169.254.169.254 (http://[fd00:ec2::254] with ..._ENDPOINT_MODE=IPv6).
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html */
#include "aws/credentials.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_TIMEOUT_MS 1000L   /* the SDKs' default: off EC2 nobody answers */
#define TOKEN_TTL_S 21600       /* six hours, the maximum */
#define TOKEN_MARGIN_S 60       /* renew the token this long before it lapses */
#define ROLE_PATH "/latest/meta-data/iam/security-credentials/"

typedef struct imds_source {
  lg_aws_credential_source base;
  lg_http_transport *http;   /* borrowed */
  char *endpoint;            /* without a trailing '/' */
  char *token;               /* the IMDSv2 session token, or NULL */
  time_t token_expires;
} imds_source;

static void drop_token(imds_source *s) {
  if (s->token) explicit_bzero(s->token, strlen(s->token));
  free(s->token);
  s->token = NULL;
}

/* PUT /latest/api/token: a session token for TOKEN_TTL_S seconds. */
static int get_token(imds_source *s, time_t now, char *err, size_t errlen) {
  char url[512], ttl[16];
  lg_http_headers h = LG_HTTP_HEADERS_INIT;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  snprintf(url, sizeof url, "%s/latest/api/token", s->endpoint);
  snprintf(ttl, sizeof ttl, "%d", TOKEN_TTL_S);
  int rc = lg_http_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", ttl);
  if (rc == LG_OK)
    rc = lg_aws_source_request(s->http, "PUT", url, &h, IMDS_TIMEOUT_MS, &resp, err, errlen);
  if (rc == LG_OK && (resp.body.len == 0 || (s->token = strdup(resp.body.data)) == NULL)) {
    snprintf(err, errlen, "PUT %s: no token in the answer", url);
    rc = LG_ERR;
  }
  if (rc == LG_OK) s->token_expires = now + TOKEN_TTL_S - TOKEN_MARGIN_S;
  if (resp.body.data) explicit_bzero(resp.body.data, resp.body.len);
  lg_http_headers_free(&h);
  lg_http_response_free(&resp);
  return rc;
}

/* GET endpoint+path with the session token. *unauthorized says the token was refused. */
static int get_with_token(imds_source *s, const char *path, lg_http_response *resp,
                          int *unauthorized, char *err, size_t errlen) {
  char url[1024];
  lg_http_headers h = LG_HTTP_HEADERS_INIT;
  snprintf(url, sizeof url, "%s%s", s->endpoint, path);
  int rc = lg_http_headers_add(&h, "X-aws-ec2-metadata-token", s->token);
  if (rc == LG_OK)
    rc = lg_aws_source_request(s->http, "GET", url, &h, IMDS_TIMEOUT_MS, resp, err, errlen);
  *unauthorized = resp->status == 401;
  lg_http_headers_free(&h);
  return rc;
}

/* The role name (first line of the role list) into role. */
static int get_role(imds_source *s, char *role, size_t rolelen, int *unauthorized, char *err,
                    size_t errlen) {
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  int rc = get_with_token(s, ROLE_PATH, &resp, unauthorized, err, errlen);
  if (rc == LG_OK) {
    size_t n = resp.body.data ? strcspn(resp.body.data, "\r\n") : 0;
    if (n == 0 || n >= rolelen) {
      snprintf(err, errlen, "no IAM role is attached to this instance");
      rc = LG_ERR;
    } else {
      snprintf(role, rolelen, "%.*s", (int)n, resp.body.data);
    }
  } else if (resp.status == 404) {
    snprintf(err, errlen, "no IAM role is attached to this instance");
  }
  lg_http_response_free(&resp);
  return rc;
}

static int fetch_once(imds_source *s, time_t now, lg_aws_credentials *out, int *unauthorized,
                      char *err, size_t errlen) {
  char role[256], path[512];
  *unauthorized = 0;
  if (s->token == NULL || now >= s->token_expires) {
    drop_token(s);
    if (get_token(s, now, err, errlen) != LG_OK) return LG_ERR;
  }
  if (get_role(s, role, sizeof role, unauthorized, err, errlen) != LG_OK) return LG_ERR;
  snprintf(path, sizeof path, ROLE_PATH "%s", role);
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  int rc = get_with_token(s, path, &resp, unauthorized, err, errlen);
  if (rc == LG_OK)
    rc = lg_aws_credentials_from_json(out, resp.body.data ? resp.body.data : "", resp.body.len,
                                      err, errlen);
  if (resp.body.data) explicit_bzero(resp.body.data, resp.body.len);
  lg_http_response_free(&resp);
  return rc;
}

static int imds_fetch(lg_aws_credential_source *base, time_t now, lg_aws_credentials *out,
                      char *err, size_t errlen) {
  imds_source *s = (imds_source *)base;
  int unauthorized;
  if (fetch_once(s, now, out, &unauthorized, err, errlen) == LG_OK) return LG_OK;
  if (!unauthorized) return LG_ERR;
  drop_token(s);   /* the service forgot our token (restart, TTL): one more try */
  return fetch_once(s, now, out, &unauthorized, err, errlen);
}

static void imds_destroy(lg_aws_credential_source *base) {
  imds_source *s = (imds_source *)base;
  drop_token(s);
  free(s->endpoint);
  free(s);
}

lg_aws_credential_source *lg_aws_source_imds(lg_http_transport *http, char *err, size_t errlen) {
  err[0] = '\0';
  if (lg_aws_env_true("AWS_EC2_METADATA_DISABLED")) return NULL;
  const char *endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
  if (endpoint == NULL || *endpoint == '\0')
    endpoint = mode && strcasecmp(mode, "IPv6") == 0 ? "http://[fd00:ec2::254]"
                                                      : "http://169.254.169.254";
  imds_source *s = calloc(1, sizeof *s);
  if (s == NULL || (s->endpoint = strdup(endpoint)) == NULL) {
    free(s);
    snprintf(err, errlen, "aws: out of memory");
    return NULL;
  }
  size_t n = strlen(s->endpoint);
  while (n > 0 && s->endpoint[n - 1] == '/') s->endpoint[--n] = '\0';
  s->base = (lg_aws_credential_source){"imds", imds_fetch, imds_destroy};
  s->http = http;
  return &s->base;
}
