/* An ordered list of HTTP header fields, each name and value an owned copy. The AWS
 * signer reads it and adds to it; the HTTP transport sends it. Not thread-safe. */
#ifndef LG_AWS_HEADERS_H
#define LG_AWS_HEADERS_H

#include <stddef.h>

typedef struct lg_http_header {
  char *name;    /* as given (case kept); owned by the list */
  char *value;   /* owned by the list */
} lg_http_header;

typedef struct lg_http_headers {
  lg_http_header *items;   /* NULL until the first add */
  size_t len;
  size_t cap;
} lg_http_headers;

#define LG_HTTP_HEADERS_INIT {NULL, 0, 0}

/* Appends a copy of name/value (a repeated name is kept as a second field). Returns
 * LG_OK or LG_ERR (out of memory; the list is unchanged). */
int lg_http_headers_add(lg_http_headers *h, const char *name, const char *value);
int lg_http_headers_addn(lg_http_headers *h, const char *name, size_t name_len,
                         const char *value, size_t value_len);
/* Sets the value of the first field named `name` (case-insensitive), or appends one. */
int lg_http_headers_set(lg_http_headers *h, const char *name, const char *value);
/* The value of the first field named `name` (case-insensitive), or NULL. */
const char *lg_http_headers_get(const lg_http_headers *h, const char *name);
/* Removes every field named `name` (case-insensitive). */
void lg_http_headers_remove(lg_http_headers *h, const char *name);
/* Frees every field; the list is empty and reusable afterwards. Accepts an empty list. */
void lg_http_headers_free(lg_http_headers *h);

#endif
