/* XML reading on expat (see xml.h). */
#include "aws/xml.h"
#include "util/buf.h"
#include "util/common.h"

#include <stdio.h>
#include <string.h>

#include <expat.h>

#define MAX_PATH 256

typedef struct walker {
  lg_xml_fn fn;
  void *ud;
  char path[MAX_PATH];   /* "A/B/C" of the open elements */
  size_t depth_over;     /* open elements beyond MAX_PATH (not reported) */
  lg_buf text;           /* text of the innermost open element */
  int oom;
} walker;

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
  walker *w = ud;
  size_t used = strlen(w->path), n = strlen(name);
  if (w->depth_over || used + n + 2 > MAX_PATH) {
    w->depth_over++;
    return;
  }
  if (used) w->path[used++] = '/';
  memcpy(w->path + used, name, n + 1);
  lg_buf_reset(&w->text);
  w->fn(w->ud, w->path, NULL, 0);
}

static void on_end(void *ud, const XML_Char *name) {
  walker *w = ud;
  if (w->depth_over) {
    w->depth_over--;
    return;
  }
  w->fn(w->ud, w->path, w->text.data ? w->text.data : "", w->text.len);
  lg_buf_reset(&w->text);
  char *slash = strrchr(w->path, '/');
  if (slash) *slash = '\0';
  else w->path[0] = '\0';
}

static void on_text(void *ud, const XML_Char *s, int len) {
  walker *w = ud;
  if (!w->depth_over && lg_buf_append(&w->text, s, (size_t)len) != LG_OK) w->oom = 1;
}

int lg_xml_walk(const char *xml, size_t len, lg_xml_fn fn, void *ud, char *err, size_t errlen) {
  walker w = {fn, ud, "", 0, LG_BUF_INIT, 0};
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (p == NULL) {
    snprintf(err, errlen, "out of memory");
    return LG_ERR;
  }
  XML_SetUserData(p, &w);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  int rc = LG_OK;
  if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR) {
    snprintf(err, errlen, "bad XML at line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(p),
             XML_ErrorString(XML_GetErrorCode(p)));
    rc = LG_ERR;
  } else if (w.oom) {
    snprintf(err, errlen, "out of memory");
    rc = LG_ERR;
  }
  XML_ParserFree(p);
  lg_buf_free(&w.text);
  return rc;
}

typedef struct error_doc {
  char *code, *msg;
  size_t codelen, msglen;
} error_doc;

/* 1 if path is `name` or ends with "/name": S3 answers <Error>, the query protocol
 * <ErrorResponse><Error> (or <Errors><Error>). */
static int is_field(const char *path, const char *name) {
  size_t n = strlen(path), m = strlen(name);
  return n >= m && strcmp(path + n - m, name) == 0 && (n == m || path[n - m - 1] == '/');
}

static void on_error_field(void *ud, const char *path, const char *text, size_t len) {
  error_doc *d = ud;
  if (text == NULL) return;
  if (is_field(path, "Error/Code")) snprintf(d->code, d->codelen, "%s", text);
  else if (is_field(path, "Error/Message")) snprintf(d->msg, d->msglen, "%s", text);
}

void lg_xml_error(const char *body, size_t len, char *code, size_t codelen, char *msg,
                  size_t msglen) {
  error_doc d = {code, msg, codelen, msglen};
  char err[128];
  code[0] = msg[0] = '\0';
  lg_xml_walk(body, len, on_error_field, &d, err, sizeof err);
}
