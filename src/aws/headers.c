/* HTTP header lists (see headers.h). Uses only libc. */
#include "aws/headers.h"
#include "util/common.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *copy(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static int grow(lg_http_headers *h) {
  if (h->len < h->cap) return LG_OK;
  size_t cap = h->cap ? h->cap * 2 : 8;
  lg_http_header *items = realloc(h->items, cap * sizeof *items);
  if (items == NULL) return LG_ERR;
  h->items = items;
  h->cap = cap;
  return LG_OK;
}

int lg_http_headers_addn(lg_http_headers *h, const char *name, size_t name_len,
                         const char *value, size_t value_len) {
  if (grow(h) != LG_OK) return LG_ERR;
  char *n = copy(name, name_len);
  char *v = copy(value, value_len);
  if (n == NULL || v == NULL) {
    free(n);
    free(v);
    return LG_ERR;
  }
  h->items[h->len++] = (lg_http_header){n, v};
  return LG_OK;
}

int lg_http_headers_add(lg_http_headers *h, const char *name, const char *value) {
  return lg_http_headers_addn(h, name, strlen(name), value, strlen(value));
}

static lg_http_header *find(const lg_http_headers *h, const char *name) {
  for (size_t i = 0; i < h->len; i++)
    if (strcasecmp(h->items[i].name, name) == 0) return &h->items[i];
  return NULL;
}

int lg_http_headers_set(lg_http_headers *h, const char *name, const char *value) {
  lg_http_header *f = find(h, name);
  if (f == NULL) return lg_http_headers_add(h, name, value);
  char *v = copy(value, strlen(value));
  if (v == NULL) return LG_ERR;
  free(f->value);
  f->value = v;
  return LG_OK;
}

const char *lg_http_headers_get(const lg_http_headers *h, const char *name) {
  lg_http_header *f = find(h, name);
  return f ? f->value : NULL;
}

void lg_http_headers_remove(lg_http_headers *h, const char *name) {
  size_t kept = 0;
  for (size_t i = 0; i < h->len; i++) {
    if (strcasecmp(h->items[i].name, name) == 0) {
      free(h->items[i].name);
      free(h->items[i].value);
    } else {
      h->items[kept++] = h->items[i];
    }
  }
  h->len = kept;
}

void lg_http_headers_free(lg_http_headers *h) {
  for (size_t i = 0; i < h->len; i++) {
    free(h->items[i].name);
    free(h->items[i].value);
  }
  free(h->items);
  *h = (lg_http_headers)LG_HTTP_HEADERS_INIT;
}
