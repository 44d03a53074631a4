/* The AWS JSON protocol (see json_protocol.h): request building and error documents. */
#include "aws/json_protocol.h"
#include "aws/xml.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer larger than this is refused: the largest documents the clients read are
 * result pages (at most 1000 rows), far below it. */
#define MAX_ANSWER_BYTES ((size_t)128 << 20)

static void local_error(lg_aws_error *err, const char *service, const char *operation,
                        const char *detail) {
  memset(err, 0, sizeof *err);
  snprintf(err->message, sizeof err->message, "%s: %s: %s", service, operation, detail);
}

/* The code part of "__type": "com.amazon.coral.validate#ValidationException" and
 * "ValidationException:http://internal.amazon.com/..." both give ValidationException. */
static void type_to_code(const char *type, char *code, size_t codelen) {
  const char *hash = strchr(type, '#');
  if (hash) type = hash + 1;
  size_t n = strcspn(type, ":");
  snprintf(code, codelen, "%.*s", (int)n, type);
}

void lg_aws_json_error(const char *body, size_t len, char *code, size_t codelen, char *msg,
                       size_t msglen) {
  code[0] = msg[0] = '\0';
  size_t skip = strspn(body, " \t\r\n");
  if (skip < len && body[skip] == '<') {   /* a proxy's (or a stand-in's) XML error */
    lg_xml_error(body, len, code, codelen, msg, msglen);
    return;
  }
  json_t *doc = json_loadb(body, len, 0, NULL);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return;
  }
  const char *type = json_string_value(json_object_get(doc, "__type"));
  if (type == NULL) type = json_string_value(json_object_get(doc, "code"));
  if (type) type_to_code(type, code, codelen);
  const char *m = json_string_value(json_object_get(doc, "message"));
  if (m == NULL) m = json_string_value(json_object_get(doc, "Message"));
  if (m) snprintf(msg, msglen, "%s", m);
  json_decref(doc);
}

int lg_aws_json_call(lg_aws_client *c, const char *version, const char *target_prefix,
                     const char *operation, json_t *input, long timeout_ms, json_t **output,
                     lg_aws_error *err) {
  char url[sizeof c->endpoint + 2], target[160], content_type[64];
  *output = NULL;
  snprintf(url, sizeof url, "%s/", c->endpoint);
  snprintf(target, sizeof target, "%s.%s", target_prefix, operation);
  snprintf(content_type, sizeof content_type, "application/x-amz-json-%s", version);
  /* jansson refuses strings that are not UTF-8 when they are made, so this only fails
   * on memory */
  char *body = json_dumps(input, JSON_COMPACT);
  if (body == NULL) {
    local_error(err, c->svc.name, operation, "out of memory encoding the request");
    return LG_ERR;
  }
  lg_http_headers headers = LG_HTTP_HEADERS_INIT;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  int rc = LG_ERR;
  if (lg_http_headers_add(&headers, "Host", c->authority) != LG_OK ||
      lg_http_headers_add(&headers, "Content-Type", content_type) != LG_OK ||
      lg_http_headers_add(&headers, "X-Amz-Target", target) != LG_OK) {
    local_error(err, c->svc.name, operation, "out of memory");
    goto done;
  }
  lg_aws_call call = {"POST", url, &headers, body, strlen(body), operation, timeout_ms,
                      MAX_ANSWER_BYTES, 0};
  if (lg_aws_send(&c->svc, &call, &resp, err) != LG_OK) goto done;
  json_error_t jerr;
  *output = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
  if (!json_is_object(*output)) {
    char detail[300];
    snprintf(detail, sizeof detail, "the answer is not a JSON object (%s)", jerr.text);
    local_error(err, c->svc.name, operation, detail);
    err->status = resp.status;
    json_decref(*output);
    *output = NULL;
    goto done;
  }
  rc = LG_OK;
done:
  lg_http_headers_free(&headers);
  lg_http_response_free(&resp);
  free(body);
  return rc;
}
