/* Signed AWS calls with retries (see request.h). The only place that retries, backs off
 * and asks for fresh credentials; the clients above it never loop. */
#define LOG_TAG "aws"
#include "aws/request.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_ATTEMPTS 3
#define DEFAULT_BASE_DELAY_MS 100
#define DEFAULT_MAX_DELAY_MS 5000

typedef enum {
  DONE,            /* 2xx */
  RETRY,           /* transient: back off and send again */
  NEW_CREDENTIALS, /* the credentials were rejected as expired: fetch and send again */
  FAIL,            /* will not pass as is */
} outcome;

const char *lg_aws_status_text(long status) {
  switch (status) {
    case 301: return "Moved Permanently (wrong region or endpoint)";
    case 307: return "Temporary Redirect (wrong region or endpoint)";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "HTTP error";
  }
}

static int code_is(const char *code, const char *const *list) {
  for (; *list; list++)
    if (strcmp(code, *list) == 0) return 1;
  return 0;
}

/* Which failures are worth another try. Why:
 * - 5xx, 429 and the throttling codes are the service asking us to come back later
 *   (S3 answers 503 SlowDown under load); the SDKs retry them too.
 * - RequestTimeout (400) means S3 gave up waiting for our bytes: a network hiccup.
 * - Expired or unknown session tokens mean our cached credentials were rotated under us:
 *   fetching fresh ones and signing again fixes that, once.
 * - Every other 4xx (SignatureDoesNotMatch, AccessDenied, NoSuchBucket, ...) is a fact
 *   about the request or the account: sending it again would only hide it. */
static outcome classify(long status, const char *code) {
  static const char *const transient[] = {
    "SlowDown", "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "ProvisionedThroughputExceededException", "RequestTimeout",
    "RequestTimeoutException", "InternalError", "ServiceUnavailable", NULL,
  };
  static const char *const expired[] = {
    "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "InvalidToken", NULL,
  };
  if (code_is(code, expired)) return NEW_CREDENTIALS;
  if (code_is(code, transient) || status >= 500 || status == 429) return RETRY;
  return FAIL;
}

/* The request target ("/path?query") of an absolute URL. */
static const char *target_of(const char *url) {
  const char *p = strstr(url, "://");
  p = p ? strchr(p + 3, '/') : NULL;
  return p ? p : "/";
}

static void set_failure(lg_aws_error *err, const lg_aws_service *svc, const lg_aws_call *call,
                        long status, const char *code, const char *detail, int retryable) {
  err->retryable = retryable;
  err->status = status;
  snprintf(err->code, sizeof err->code, "%s", code);
  if (status == 0)
    snprintf(err->message, sizeof err->message, "%s: %s: %s", svc->name, call->what, detail);
  else if (code[0] && detail[0])
    snprintf(err->message, sizeof err->message, "%s: %s: %ld %s (%s)", svc->name, call->what,
             status, code, detail);
  else
    snprintf(err->message, sizeof err->message, "%s: %s: %ld %s", svc->name, call->what, status,
             code[0] ? code : lg_aws_status_text(status));
}

/* Signs call->headers for this attempt with the provider's current credentials. */
static int sign(const lg_aws_service *svc, const lg_aws_call *call, const char *payload_hash,
                lg_aws_error *err) {
  char why[LG_ERRLEN];
  lg_aws_credentials c = LG_AWS_CREDENTIALS_INIT;
  time_t now = svc->now ? svc->now() : time(NULL);
  if (lg_aws_provider_get(svc->credentials, now, &c, why, sizeof why) != LG_OK) {
    set_failure(err, svc, call, 0, "", why, 1);   /* a metadata endpoint may come back */
    return LG_ERR;
  }
  lg_sigv4_params p = {c.access_key_id, c.secret_access_key, c.session_token, svc->region,
                       svc->name, svc->sigv4_flags, svc->keys};
  lg_http_headers_remove(call->headers, "X-Amz-Security-Token");   /* from older credentials */
  int rc = lg_sigv4_sign_headers(&p, now, call->method, target_of(call->url), payload_hash,
                                 call->headers, NULL, why, sizeof why);
  lg_aws_credentials_clear(&c);
  if (rc != LG_OK) set_failure(err, svc, call, 0, "", why, 0);
  return rc;
}

static outcome attempt(const lg_aws_service *svc, const lg_aws_call *call,
                       const char *payload_hash, lg_http_response *resp, lg_aws_error *err) {
  if (sign(svc, call, payload_hash, err) != LG_OK) return err->retryable ? RETRY : FAIL;
  lg_http_request req = {call->method, call->url, call->headers, call->body, call->body_len,
                         call->timeout_ms, call->max_body};
  lg_http_error e;
  lg_http_response_reset(resp);
  if (lg_http_perform(svc->http, &req, resp, &e) != LG_OK) {
    set_failure(err, svc, call, 0, "", e.message, e.retryable);
    return e.retryable ? RETRY : FAIL;
  }
  int ok = resp->status >= 200 && resp->status < 300;
  if (ok && !call->error_in_200) return DONE;
  char code[64] = "", msg[384] = "";
  if (resp->body.len > 0 && svc->parse_error)
    svc->parse_error(resp->body.data, resp->body.len, code, sizeof code, msg, sizeof msg);
  if (ok && code[0] == '\0') return DONE;
  outcome o = classify(resp->status, code);
  set_failure(err, svc, call, resp->status, code, msg, o != FAIL);
  return o;
}

/* Full jitter: a random wait in [0, min(max, base * 2^(n-1))], so clients that failed
 * together do not come back together.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ */
static long backoff_ms(const lg_aws_retry_policy *r, int attempt_no) {
  long cap = r->base_delay_ms;
  for (int i = 1; i < attempt_no && cap < r->max_delay_ms; i++) cap *= 2;
  if (cap > r->max_delay_ms) cap = r->max_delay_ms;
  return cap > 0 ? (long)arc4random_uniform((uint32_t)cap + 1) : 0;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {}
}

int lg_aws_send(const lg_aws_service *svc, const lg_aws_call *call, lg_http_response *resp,
                lg_aws_error *err) {
  lg_aws_retry_policy r = svc->retry;
  if (r.max_attempts <= 0) r.max_attempts = DEFAULT_ATTEMPTS;
  if (r.base_delay_ms <= 0) r.base_delay_ms = DEFAULT_BASE_DELAY_MS;
  if (r.max_delay_ms <= 0) r.max_delay_ms = DEFAULT_MAX_DELAY_MS;
  char payload_hash[LG_SHA256_HEX_LEN];
  lg_sha256_hex(call->body ? call->body : "", call->body_len, payload_hash);
  memset(err, 0, sizeof *err);
  int renewed = 0;
  for (int n = 1;; n++) {
    err->attempts = n;
    outcome o = attempt(svc, call, payload_hash, resp, err);
    if (o == DONE) return LG_OK;
    if (o == FAIL || n >= r.max_attempts) break;
    if (o == NEW_CREDENTIALS) {
      if (renewed++) break;   /* fresh credentials were refused too: not a cache problem */
      lg_aws_provider_invalidate(svc->credentials);
      continue;
    }
    long wait = backoff_ms(&r, n);
    lg_warn("%s; attempt %d of %d, next in %ld ms", err->message, n, r.max_attempts, wait);
    (svc->sleep_ms ? svc->sleep_ms : sleep_ms)(wait);
  }
  if (err->attempts > 1) {
    size_t used = strlen(err->message);
    snprintf(err->message + used, sizeof err->message - used, " after %d attempts",
             err->attempts);
  }
  return LG_ERR;
}
