/* The libcurl HTTP transport (see http.h). Uses libcurl's easy interface only; curl's own
 * AWS signing (CURLOPT_AWS_SIGV4) is never used: aws/sigv4.c signs every request. */
#include "aws/http.h"
#include "util/clock.h"
#include "util/common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_IDLE 16

typedef struct curl_transport {
  lg_http_transport base;
  pthread_mutex_t lock;        /* guards idle[] and nidle */
  CURL **idle;                 /* handles not in use; each keeps its open connections */
  int nidle;
  int max_idle;
  long connect_timeout_ms;
  long timeout_ms;
  long stall_timeout_ms;       /* 0: none */
  char *ca_file;               /* NULL: the system's bundle */
} curl_transport;

/* What the curl callbacks write into during one request. */
typedef struct exchange {
  lg_http_response *resp;
  size_t max_body;
  int too_big;                 /* the body passed max_body: the transfer was cut */
  long stall_ms;               /* 0: no stall check */
  curl_off_t moved;            /* bytes sent and received so far */
  int64_t moved_at_ms;         /* monotonic time `moved` last grew */
  int stalled;                 /* nothing moved for stall_ms: the transfer was cut */
} exchange;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;   /* written once, under pthread_once */

/* curl_global_init is not thread-safe before 7.84; one call for the whole process. */
static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ===================== the handle pool ===================== */

static CURL *take_handle(curl_transport *t) {
  CURL *h = NULL;
  pthread_mutex_lock(&t->lock);
  if (t->nidle > 0) h = t->idle[--t->nidle];
  pthread_mutex_unlock(&t->lock);
  if (h == NULL) return curl_easy_init();
  curl_easy_reset(h);   /* options go; live connections and the DNS cache stay */
  return h;
}

static void give_back(curl_transport *t, CURL *h) {
  pthread_mutex_lock(&t->lock);
  if (t->nidle < t->max_idle) {
    t->idle[t->nidle++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&t->lock);
  if (h) curl_easy_cleanup(h);
}

/* ===================== callbacks ===================== */

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  exchange *x = ud;
  size_t len = size * n;
  if (x->max_body && x->resp->body.len + len > x->max_body) {
    x->too_big = 1;
    return 0;   /* CURLE_WRITE_ERROR ends the transfer */
  }
  return lg_buf_append(&x->resp->body, data, len) == LG_OK ? len : 0;
}

/* Called by curl about once a second and whenever bytes move: cuts an exchange in which
 * no byte has moved for stall_ms (a peer that accepted and hangs). curl's own
 * LOW_SPEED_TIME cannot do this: it averages over several seconds, so a hang right after
 * the request went out is noticed only seconds late. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  exchange *x = ud;
  (void)dltotal;
  (void)ultotal;
  int64_t now = lg_clock_monotonic_ms();
  if (dlnow + ulnow != x->moved) {
    x->moved = dlnow + ulnow;
    x->moved_at_ms = now;
    return 0;
  }
  if (now - x->moved_at_ms < x->stall_ms) return 0;
  x->stalled = 1;
  return 1;   /* CURLE_ABORTED_BY_CALLBACK */
}

/* One header line; a status line starts a new response (after 100 Continue). */
static size_t on_header(char *line, size_t size, size_t n, void *ud) {
  exchange *x = ud;
  size_t len = size * n;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    lg_http_headers_free(&x->resp->headers);
    return len;
  }
  const char *colon = memchr(line, ':', len);
  if (colon == NULL) return len;   /* the blank line that ends the headers */
  const char *v = colon + 1, *end = line + len;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
  if (lg_http_headers_addn(&x->resp->headers, line, (size_t)(colon - line), v,
                           (size_t)(end - v)) != LG_OK)
    return 0;
  return len;
}

/* ===================== one request ===================== */

static struct curl_slist *header_list(const lg_http_headers *h, int has_body) {
  struct curl_slist *list = NULL, *next;
  lg_buf line = LG_BUF_INIT;
  int has_type = 0;
  for (size_t i = 0; h && i < h->len; i++) {
    lg_buf_reset(&line);
    /* "Name;" is curl's spelling of a header with an empty value. */
    if (h->items[i].value[0] == '\0') lg_buf_appendf(&line, "%s;", h->items[i].name);
    else lg_buf_appendf(&line, "%s: %s", h->items[i].name, h->items[i].value);
    has_type |= strcasecmp(h->items[i].name, "Content-Type") == 0;
    if (line.data == NULL || (next = curl_slist_append(list, line.data)) == NULL) goto oom;
    list = next;
  }
  /* No "Expect: 100-continue" round trip, and no form Content-Type curl would invent for
   * a body: S3 would store it as the object's type. */
  if ((next = curl_slist_append(list, "Expect:")) == NULL) goto oom;
  list = next;
  if (has_body && !has_type) {
    if ((next = curl_slist_append(list, "Content-Type:")) == NULL) goto oom;
    list = next;
  }
  lg_buf_free(&line);
  return list;
oom:
  lg_buf_free(&line);
  curl_slist_free_all(list);
  return NULL;
}

static void set_method(CURL *h, const lg_http_request *req) {
  if (strcmp(req->method, "GET") == 0) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(req->method, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
  }
}

static int retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: case CURLE_SSL_CONNECT_ERROR: case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: case CURLE_AGAIN:
      return 1;
    default:   /* bad URL, certificate rejected, out of memory...: retrying cannot help */
      return 0;
  }
}

static void describe_failure(lg_http_error *e, CURLcode rc, const exchange *x,
                             const char *detail, const lg_http_request *req) {
  e->retryable = x->stalled || (!x->too_big && retryable(rc));
  if (x->too_big)
    snprintf(e->message, sizeof e->message, "response body over %zu bytes", req->max_body);
  else if (x->stalled)
    snprintf(e->message, sizeof e->message, "timed out (no byte moved for %ld ms)", x->stall_ms);
  else if (rc == CURLE_COULDNT_CONNECT)
    snprintf(e->message, sizeof e->message, "connection refused (%s)", detail);
  else if (rc == CURLE_OPERATION_TIMEDOUT)
    snprintf(e->message, sizeof e->message, "timed out (%s)", detail);
  else
    snprintf(e->message, sizeof e->message, "%s (%s)", curl_easy_strerror(rc), detail);
}

static int perform(lg_http_transport *base, const lg_http_request *req, lg_http_response *resp,
                   lg_http_error *e) {
  curl_transport *t = (curl_transport *)base;
  exchange x = {resp, req->max_body, 0, t->stall_timeout_ms, 0, lg_clock_monotonic_ms(), 0};
  char detail[CURL_ERROR_SIZE] = "";
  int has_body = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
  struct curl_slist *headers = header_list(req->headers, has_body);
  CURL *h = headers ? take_handle(t) : NULL;
  if (h == NULL) {
    curl_slist_free_all(headers);
    *e = (lg_http_error){0, "out of memory"};
    return LG_ERR;
  }
  curl_easy_setopt(h, CURLOPT_URL, req->url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : t->timeout_ms);
  if (x.stall_ms > 0) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(h, CURLOPT_USERAGENT, "lakegate/" LG_VERSION);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (t->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  set_method(h, req);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
  else describe_failure(e, rc, &x, detail[0] ? detail : curl_easy_strerror(rc), req);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);   /* detail[] dies with this frame */
  curl_slist_free_all(headers);
  give_back(t, h);
  return rc == CURLE_OK ? LG_OK : LG_ERR;
}

static void destroy(lg_http_transport *base) {
  curl_transport *t = (curl_transport *)base;
  for (int i = 0; i < t->nidle; i++) curl_easy_cleanup(t->idle[i]);
  free(t->idle);
  free(t->ca_file);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

static const lg_http_transport_vtable curl_vtable = {perform, destroy};

lg_http_transport *lg_http_curl_new(const lg_http_curl_options *opt, char *err, size_t errlen) {
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK) {
    snprintf(err, errlen, "http: curl_global_init: %s", curl_easy_strerror(global_rc));
    return NULL;
  }
  lg_http_curl_options o = opt ? *opt : (lg_http_curl_options){0, 0, NULL, 0, 0};
  curl_transport *t = calloc(1, sizeof *t);
  int max_idle = o.max_idle > 0 ? o.max_idle : DEFAULT_MAX_IDLE;
  if (t == NULL || (t->idle = calloc((size_t)max_idle, sizeof *t->idle)) == NULL ||
      (o.ca_file && (t->ca_file = strdup(o.ca_file)) == NULL)) {
    if (t) free(t->idle);
    free(t);
    snprintf(err, errlen, "http: out of memory");
    return NULL;
  }
  t->base.vt = &curl_vtable;
  pthread_mutex_init(&t->lock, NULL);
  t->max_idle = max_idle;
  t->connect_timeout_ms = o.connect_timeout_ms > 0 ? o.connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
  t->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : DEFAULT_TIMEOUT_MS;
  t->stall_timeout_ms = o.stall_timeout_ms > 0 ? o.stall_timeout_ms : 0;
  return &t->base;
}
