/* The credential provider chain and its cache (see credentials.h). The sources live in
 * credentials_*.c; this file decides which one to ask and when. */
#define LOG_TAG "aws"
#include "aws/credentials.h"
#include "util/common.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define DEFAULT_REFRESH_WINDOW_S 300
#define MAX_SOURCES 4

/* ===================== credentials ===================== */

static char *dup_or_null(const char *s) {
  return s && *s ? strdup(s) : NULL;
}

static void wipe_free(char *s) {
  if (s == NULL) return;
  explicit_bzero(s, strlen(s));
  free(s);
}

void lg_aws_credentials_clear(lg_aws_credentials *c) {
  wipe_free(c->access_key_id);
  wipe_free(c->secret_access_key);
  wipe_free(c->session_token);
  *c = (lg_aws_credentials)LG_AWS_CREDENTIALS_INIT;
}

int lg_aws_credentials_set(lg_aws_credentials *c, const char *access_key_id,
                           const char *secret_access_key, const char *session_token,
                           time_t expiration) {
  lg_aws_credentials n = {strdup(access_key_id), strdup(secret_access_key),
                          dup_or_null(session_token), expiration};
  if (n.access_key_id == NULL || n.secret_access_key == NULL ||
      (session_token && *session_token && n.session_token == NULL)) {
    lg_aws_credentials_clear(&n);
    return LG_ERR;
  }
  lg_aws_credentials_clear(c);
  *c = n;
  return LG_OK;
}

int lg_aws_parse_time(const char *text, time_t *out) {
  struct tm tm = {0};
  int consumed = 0;
  if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
             &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return LG_ERR;
  const char *rest = text + consumed;
  if (*rest == '.') rest += 1 + strspn(rest + 1, "0123456789");
  if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0) return LG_ERR;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *out = timegm(&tm);
  return LG_OK;
}

int lg_aws_credentials_from_json(lg_aws_credentials *c, const char *json, size_t len,
                                 char *err, size_t errlen) {
  json_error_t jerr;
  json_t *doc = json_loadb(json, len, 0, &jerr);
  if (doc == NULL || !json_is_object(doc)) {
    snprintf(err, errlen, "credentials document is not a JSON object (%s)",
             doc ? "wrong type" : jerr.text);
    json_decref(doc);
    return LG_ERR;
  }
  const char *code = json_string_value(json_object_get(doc, "Code"));
  const char *id = json_string_value(json_object_get(doc, "AccessKeyId"));
  const char *secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
  const char *token = json_string_value(json_object_get(doc, "Token"));
  const char *expiration = json_string_value(json_object_get(doc, "Expiration"));
  time_t exp = 0;
  int rc = LG_ERR;
  if (code && strcmp(code, "Success") != 0)
    snprintf(err, errlen, "credentials document says Code=%.64s", code);
  else if (id == NULL || secret == NULL)
    snprintf(err, errlen, "credentials document lacks AccessKeyId or SecretAccessKey");
  else if (expiration && lg_aws_parse_time(expiration, &exp) != LG_OK)
    snprintf(err, errlen, "credentials document has a bad Expiration \"%.40s\"", expiration);
  else if (lg_aws_credentials_set(c, id, secret, token, exp) != LG_OK)
    snprintf(err, errlen, "out of memory");
  else
    rc = LG_OK;
  json_decref(doc);   /* jansson does not wipe: the document was short-lived */
  return rc;
}

/* The metadata endpoints answer with small documents; anything bigger is not one. */
#define MAX_SOURCE_BODY (64 * 1024)

int lg_aws_source_request(lg_http_transport *http, const char *method, const char *url,
                          const lg_http_headers *headers, long timeout_ms,
                          lg_http_response *resp, char *err, size_t errlen) {
  lg_http_request req = {method, url, headers, NULL, 0, timeout_ms, MAX_SOURCE_BODY};
  lg_http_error e;
  lg_http_response_reset(resp);
  if (lg_http_perform(http, &req, resp, &e) != LG_OK) {
    snprintf(err, errlen, "%s %s: %s", method, url, e.message);
    return LG_ERR;
  }
  if (resp->status != 200) {
    snprintf(err, errlen, "%s %s: HTTP %ld", method, url, resp->status);
    return LG_ERR;
  }
  return LG_OK;
}

/* ===================== the provider ===================== */

struct lg_aws_provider {
  lg_aws_credential_source *sources[MAX_SOURCES];   /* in chain order */
  int nsources;
  lg_http_transport *own_http;    /* NULL when the transport is borrowed */
  int refresh_window_s;
  pthread_mutex_t refresh_lock;   /* held by the one thread fetching */
  pthread_mutex_t lock;           /* guards the fields below */
  lg_aws_credentials current;     /* empty until the first fetch */
  int active;                     /* index of the source current came from, or -1 */
  int rejected;                   /* a service rejected current: fetch before reuse */
  int chain;                      /* 1: the default chain (its choice is worth a log line) */
};

static lg_aws_provider *provider_alloc(void) {
  lg_aws_provider *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->active = -1;
  p->refresh_window_s = DEFAULT_REFRESH_WINDOW_S;
  pthread_mutex_init(&p->refresh_lock, NULL);
  pthread_mutex_init(&p->lock, NULL);
  return p;
}

/* Adds the source a constructor returned; a NULL with a message is a configuration error. */
static int add_source(lg_aws_provider *p, lg_aws_credential_source *s, const char *err) {
  if (s == NULL) return err[0] ? LG_ERR : LG_OK;
  p->sources[p->nsources++] = s;
  return LG_OK;
}

static int build_chain(lg_aws_provider *p, const lg_aws_provider_options *o,
                       const lg_aws_files *files, lg_http_transport *http, char *err,
                       size_t errlen) {
  err[0] = '\0';
  if (add_source(p, lg_aws_source_env(err, errlen), err) != LG_OK) return LG_ERR;
  if (add_source(p, lg_aws_source_profile(files, err, errlen), err) != LG_OK) return LG_ERR;
  if (add_source(p, lg_aws_source_ecs(http, o->ecs_endpoint, err, errlen), err) != LG_OK)
    return LG_ERR;
  if (add_source(p, lg_aws_source_imds(http, err, errlen), err) != LG_OK) return LG_ERR;
  if (p->nsources == 0) {
    snprintf(err, errlen, "aws: no credentials configured: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, a profile, or run with an IAM role");
    return LG_ERR;
  }
  return LG_OK;
}

lg_aws_provider *lg_aws_provider_new(const lg_aws_provider_options *opt, char *err,
                                     size_t errlen) {
  lg_aws_provider_options o = opt ? *opt : (lg_aws_provider_options){0};
  lg_aws_files own_files;
  const lg_aws_files *files = o.files;
  lg_aws_provider *p = provider_alloc();
  if (p == NULL) {
    snprintf(err, errlen, "aws: out of memory");
    return NULL;
  }
  p->chain = 1;
  if (o.refresh_window_s > 0) p->refresh_window_s = o.refresh_window_s;
  lg_http_transport *http = o.http;
  if (http == NULL && (http = p->own_http = lg_http_curl_new(NULL, err, errlen)) == NULL) goto fail;
  if (files == NULL) {
    if (lg_aws_files_load(&own_files, NULL, err, errlen) != LG_OK) {
      lg_aws_files_free(&own_files);
      goto fail;
    }
    files = &own_files;
  }
  int rc = build_chain(p, &o, files, http, err, errlen);
  if (files == &own_files) lg_aws_files_free(&own_files);
  if (rc == LG_OK) return p;
fail:
  lg_aws_provider_free(p);
  return NULL;
}

/* ===================== fixed credentials ===================== */

typedef struct fixed_source {
  lg_aws_credential_source base;
  lg_aws_credentials creds;
} fixed_source;

static int fixed_fetch(lg_aws_credential_source *s, time_t now, lg_aws_credentials *out,
                       char *err, size_t errlen) {
  const lg_aws_credentials *c = &((fixed_source *)s)->creds;
  if (lg_aws_credentials_set(out, c->access_key_id, c->secret_access_key, c->session_token,
                             0) != LG_OK) {
    snprintf(err, errlen, "out of memory");
    return LG_ERR;
  }
  return LG_OK;
}

static void fixed_destroy(lg_aws_credential_source *s) {
  lg_aws_credentials_clear(&((fixed_source *)s)->creds);
  free(s);
}

lg_aws_credential_source *lg_aws_source_fixed(const char *name, const char *access_key_id,
                                              const char *secret_access_key,
                                              const char *session_token, char *err,
                                              size_t errlen) {
  fixed_source *s = calloc(1, sizeof *s);
  if (s == NULL || lg_aws_credentials_set(&s->creds, access_key_id, secret_access_key,
                                          session_token, 0) != LG_OK) {
    free(s);
    snprintf(err, errlen, "aws: out of memory");
    return NULL;
  }
  s->base = (lg_aws_credential_source){name, fixed_fetch, fixed_destroy};
  return &s->base;
}

lg_aws_provider *lg_aws_provider_new_static(const char *access_key_id,
                                            const char *secret_access_key,
                                            const char *session_token, char *err,
                                            size_t errlen) {
  lg_aws_provider *p = provider_alloc();
  lg_aws_credential_source *s = p ? lg_aws_source_fixed("static", access_key_id,
                                                        secret_access_key, session_token,
                                                        err, errlen)
                                  : NULL;
  if (s == NULL) {
    lg_aws_provider_free(p);
    snprintf(err, errlen, "aws: out of memory");
    return NULL;
  }
  p->sources[p->nsources++] = s;
  return p;
}

/* ===================== get and refresh ===================== */

typedef enum { FRESH, STALE, EXPIRED } freshness;

/* How usable the cached credentials are at `now` (p->lock held). */
static freshness check(const lg_aws_provider *p, time_t now) {
  if (p->active < 0 || p->rejected) return EXPIRED;
  time_t exp = p->current.expiration;
  if (exp == 0 || now < exp - p->refresh_window_s) return FRESH;
  return now < exp ? STALE : EXPIRED;
}

/* Copies the cached credentials if they are at least `needed` (takes p->lock). */
static int copy_if(lg_aws_provider *p, time_t now, freshness needed, lg_aws_credentials *out,
                   int *copied) {
  int rc = LG_OK;
  *copied = 0;
  pthread_mutex_lock(&p->lock);
  if (check(p, now) <= needed) {
    const lg_aws_credentials *c = &p->current;
    rc = lg_aws_credentials_set(out, c->access_key_id, c->secret_access_key, c->session_token,
                                c->expiration);
    *copied = rc == LG_OK;
  }
  pthread_mutex_unlock(&p->lock);
  return rc;
}

/* Asks the active source first, then the whole chain in order. Returns the index of the
 * source that answered, or -1 with every source's reason in err. */
static int fetch_chain(lg_aws_provider *p, int active, time_t now, lg_aws_credentials *out,
                       char *err, size_t errlen) {
  char why[LG_ERRLEN];
  size_t used = (size_t)snprintf(err, errlen, "aws: no credentials:");
  for (int k = -1; k < p->nsources; k++) {
    int i = k < 0 ? active : k;
    if (i < 0 || (k >= 0 && i == active)) continue;
    lg_aws_credential_source *s = p->sources[i];
    why[0] = '\0';
    if (s->fetch(s, now, out, why, sizeof why) == LG_OK) return i;
    if (used < errlen)
      used += (size_t)snprintf(err + used, errlen - used, " %s: %s;", s->name, why);
  }
  if (used > 0 && used < errlen && err[used - 1] == ';') err[used - 1] = '\0';
  return -1;
}

/* Stores fresh credentials and hands out a copy. */
static int store(lg_aws_provider *p, int source, lg_aws_credentials *fresh,
                 lg_aws_credentials *out) {
  pthread_mutex_lock(&p->lock);
  if (source != p->active && p->chain)
    lg_info("credentials from %s", p->sources[source]->name);
  lg_aws_credentials_clear(&p->current);
  p->current = *fresh;   /* moved: fresh is emptied below */
  p->active = source;
  p->rejected = 0;
  const lg_aws_credentials *c = &p->current;
  int rc = lg_aws_credentials_set(out, c->access_key_id, c->secret_access_key,
                                  c->session_token, c->expiration);
  pthread_mutex_unlock(&p->lock);
  *fresh = (lg_aws_credentials)LG_AWS_CREDENTIALS_INIT;
  return rc;
}

/* The refresh itself, with p->refresh_lock held. */
static int refresh(lg_aws_provider *p, time_t now, lg_aws_credentials *out, char *err,
                   size_t errlen) {
  int copied;
  /* Another thread may have refreshed while this one waited for the lock. */
  if (copy_if(p, now, FRESH, out, &copied) != LG_OK) {
    snprintf(err, errlen, "aws: out of memory");
    return LG_ERR;
  }
  if (copied) return LG_OK;
  pthread_mutex_lock(&p->lock);
  int active = p->active;
  pthread_mutex_unlock(&p->lock);
  lg_aws_credentials fresh = LG_AWS_CREDENTIALS_INIT;
  int source = fetch_chain(p, active, now, &fresh, err, errlen);
  if (source >= 0) return store(p, source, &fresh, out);
  /* Still valid for a while: keep working, and try again on the next request. */
  if (copy_if(p, now, STALE, out, &copied) == LG_OK && copied) {
    lg_warn("credentials refresh failed, the current ones expire soon: %s", err);
    return LG_OK;
  }
  return LG_ERR;
}

int lg_aws_provider_get(lg_aws_provider *p, time_t now, lg_aws_credentials *out, char *err,
                        size_t errlen) {
  int copied;
  if (copy_if(p, now, FRESH, out, &copied) != LG_OK) goto oom;
  if (copied) return LG_OK;
  /* Stale but valid: one thread refreshes, the others go on with what they have. */
  if (pthread_mutex_trylock(&p->refresh_lock) != 0) {
    if (copy_if(p, now, STALE, out, &copied) != LG_OK) goto oom;
    if (copied) return LG_OK;
    pthread_mutex_lock(&p->refresh_lock);
  }
  int rc = refresh(p, now, out, err, errlen);
  pthread_mutex_unlock(&p->refresh_lock);
  return rc;
oom:
  snprintf(err, errlen, "aws: out of memory");
  return LG_ERR;
}

void lg_aws_provider_invalidate(lg_aws_provider *p) {
  pthread_mutex_lock(&p->lock);
  p->rejected = 1;
  pthread_mutex_unlock(&p->lock);
}

const char *lg_aws_provider_source(lg_aws_provider *p) {
  pthread_mutex_lock(&p->lock);
  const char *name = p->active >= 0 ? p->sources[p->active]->name : "none";
  pthread_mutex_unlock(&p->lock);
  return name;
}

void lg_aws_provider_free(lg_aws_provider *p) {
  if (p == NULL) return;
  for (int i = 0; i < p->nsources; i++) p->sources[i]->destroy(p->sources[i]);
  lg_http_transport_free(p->own_http);
  lg_aws_credentials_clear(&p->current);
  pthread_mutex_destroy(&p->lock);
  pthread_mutex_destroy(&p->refresh_lock);
  free(p);
}
