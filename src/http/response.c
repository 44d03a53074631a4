/* HTTP/1.1 response assembly (see response.h). */
#include "http/response.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *lg_http_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 207: return "Multi-Status";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 412: return "Precondition Failed";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "Unknown";
  }
}

/* The Date header changes once a second: format it once a second per thread. */
static const char *http_date(void) {
  static __thread time_t cached_at;
  static __thread char cached[40];
  time_t now = time(NULL);
  if (now != cached_at) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_at = now;
  }
  return cached;
}

/* Assembled by hand: printf-style formatting cost more than the rest of the response. */
int lg_response_begin(lg_buf *out, int status) {
  lg_buf_reset(out);
  if (lg_buf_reserve(out, 96) != LG_OK) return LG_ERR;
  lg_buf_append(out, "HTTP/1.1 ", 9);
  lg_buf_append_int(out, status);
  lg_buf_appendc(out, ' ');
  lg_buf_appends(out, lg_http_reason(status));
  lg_buf_append(out, "\r\nDate: ", 8);
  lg_buf_appends(out, http_date());
  return lg_buf_append(out, "\r\n", 2);
}

static int is_token_char(unsigned char c) {
  return c > 32 && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

int lg_response_header(lg_buf *out, const char *name, size_t nlen, const char *value,
                       size_t vlen) {
  if (nlen == 0) return LG_ERR;
  for (size_t i = 0; i < nlen; i++)
    if (!is_token_char((unsigned char)name[i])) return LG_ERR;
  for (size_t i = 0; i < vlen; i++)
    if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') return LG_ERR;
  if (lg_buf_reserve(out, nlen + vlen + 4) != LG_OK) return LG_ERR;
  lg_buf_append(out, name, nlen);
  lg_buf_append(out, ": ", 2);
  lg_buf_append(out, value, vlen);
  return lg_buf_append(out, "\r\n", 2);
}

int lg_response_end(lg_buf *out, const char *body, size_t len, int keep_alive, int send_body) {
  static const char ka[] = "\r\nConnection: keep-alive\r\n\r\n", cl[] = "\r\nConnection: close\r\n\r\n";
  if (lg_buf_reserve(out, 64 + (send_body ? len : 0)) != LG_OK) return LG_ERR;
  lg_buf_append(out, "Content-Length: ", 16);
  lg_buf_append_int(out, (long long)len);
  if (keep_alive) lg_buf_append(out, ka, sizeof ka - 1);
  else lg_buf_append(out, cl, sizeof cl - 1);
  return send_body ? lg_buf_append(out, body, len) : LG_OK;
}

int lg_response_error(lg_buf *out, int status, const char *detail, const char *request_id,
                      int keep_alive, int send_body) {
  lg_buf body = LG_BUF_INIT;
  lg_buf_appends(&body, "{\"detail\":");
  lg_log_json_string(&body, detail);
  lg_buf_appendc(&body, '}');
  static const char ct[] = "application/json";
  int rc = LG_ERR;
  if (body.data && lg_response_begin(out, status) == LG_OK &&
      lg_response_header(out, "Content-Type", 12, ct, sizeof ct - 1) == LG_OK &&
      (request_id == NULL || lg_response_header(out, "X-Request-Id", 12, request_id, strlen(request_id)) == LG_OK))
    rc = lg_response_end(out, body.data, body.len, keep_alive, send_body);
  lg_buf_free(&body);
  return rc;
}
