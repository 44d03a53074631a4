/* The shared part of the AWS service clients (see client.h): region, endpoint, transport
 * and credentials, resolved once when a client is made. */
#include "aws/client.h"
#include "aws/settings.h"
#include "util/common.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

static int is_ip_literal(const char *host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return host[0] == '[' || inet_pton(AF_INET, host, buf) == 1 || strcmp(host, "localhost") == 0;
}

/* Splits the endpoint URL into scheme and authority (host[:port]); no path allowed. */
static int parse_endpoint(lg_aws_client *c, const char *name, const char *url, char *err,
                          size_t errlen) {
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
  int rc = LG_ERR;
  if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    snprintf(err, errlen, "%s: bad endpoint URL \"%s\"", name, url);
  } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
    snprintf(err, errlen, "%s: endpoint \"%s\" is not http or https", name, url);
  } else if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
    snprintf(err, errlen, "%s: endpoint \"%s\" has a path; give scheme://host[:port]", name, url);
  } else {
    curl_url_get(u, CURLUPART_PORT, &port, 0);   /* absent unless given */
    snprintf(c->scheme, sizeof c->scheme, "%s", scheme);
    snprintf(c->authority, sizeof c->authority, "%s%s%s", host, port ? ":" : "", port ? port : "");
    snprintf(c->endpoint, sizeof c->endpoint, "%s://%s", c->scheme, c->authority);
    c->host_is_ip = is_ip_literal(host);
    rc = LG_OK;
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(path);
  curl_url_cleanup(u);
  return rc;
}

/* Region and endpoint from the options, else from the environment and the profile. */
static int resolve_location(lg_aws_client *c, const lg_aws_service_spec *spec,
                            const lg_aws_client_options *o, const lg_aws_files *files,
                            char *err, size_t errlen) {
  char endpoint[512];
  if (o->region && *o->region)
    snprintf(c->region, sizeof c->region, "%s", o->region);
  else if (lg_aws_resolve_region(files, c->region, sizeof c->region, err, errlen) != LG_OK)
    return LG_ERR;
  if (o->endpoint && *o->endpoint)
    snprintf(endpoint, sizeof endpoint, "%s", o->endpoint);
  else if (!lg_aws_resolve_endpoint(files, spec->service_id, endpoint, sizeof endpoint))
    snprintf(endpoint, sizeof endpoint, "https://%s.%s.amazonaws.com", spec->name, c->region);
  return parse_endpoint(c, spec->name, endpoint, err, errlen);
}

/* The transport and credential provider: the caller's, or our own. */
static int attach(lg_aws_client *c, const lg_aws_service_spec *spec,
                  const lg_aws_client_options *o, const lg_aws_files *files, char *err,
                  size_t errlen) {
  lg_http_transport *http = o->http;
  if (http == NULL && (http = c->own_http = lg_http_curl_new(NULL, err, errlen)) == NULL)
    return LG_ERR;
  lg_aws_provider *creds = o->credentials;
  if (creds == NULL) {
    lg_aws_provider_options po = {files, http, NULL, 0};
    if ((creds = c->own_credentials = lg_aws_provider_new(&po, err, errlen)) == NULL)
      return LG_ERR;
  }
  c->svc = (lg_aws_service){spec->name, c->region, spec->sigv4_flags, creds, http, &c->keys,
                            o->retry, spec->parse_error, o->now, o->sleep_ms};
  return LG_OK;
}

int lg_aws_client_init(lg_aws_client *c, const lg_aws_service_spec *spec,
                       const lg_aws_client_options *opt, char *err, size_t errlen) {
  lg_aws_client_options o = opt ? *opt : (lg_aws_client_options){0};
  lg_aws_files files;
  memset(c, 0, sizeof *c);
  lg_sigv4_key_cache_init(&c->keys);
  int rc = lg_aws_files_load(&files, o.profile, err, errlen);
  if (rc == LG_OK) rc = resolve_location(c, spec, &o, &files, err, errlen);
  if (rc == LG_OK) rc = attach(c, spec, &o, &files, err, errlen);
  lg_aws_files_free(&files);
  return rc;
}

void lg_aws_client_destroy(lg_aws_client *c) {
  lg_aws_provider_free(c->own_credentials);
  lg_http_transport_free(c->own_http);
  lg_sigv4_key_cache_destroy(&c->keys);
  c->own_credentials = NULL;
  c->own_http = NULL;
}
