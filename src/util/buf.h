/* Growable byte buffer. Used for response assembly and JSON encoding; not thread-safe. */
#ifndef LG_BUF_H
#define LG_BUF_H

#include <stddef.h>
#include <stdarg.h>

typedef struct lg_buf {
  char *data;   /* heap block owned by the buffer (NULL until the first append) */
  size_t len;   /* bytes in use; data[len] is always '\0' once data != NULL */
  size_t cap;   /* bytes allocated */
} lg_buf;

#define LG_BUF_INIT {NULL, 0, 0}

/* Makes room for `extra` more bytes. Returns LG_OK or LG_ERR (out of memory; b unchanged). */
int lg_buf_reserve(lg_buf *b, size_t extra);
int lg_buf_append(lg_buf *b, const void *p, size_t n);
int lg_buf_appendc(lg_buf *b, char c);
int lg_buf_appends(lg_buf *b, const char *s);
int lg_buf_appendf(lg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lg_buf_vappendf(lg_buf *b, const char *fmt, va_list ap);
/* Appends a decimal integer (without printf: this runs several times per request). */
int lg_buf_append_int(lg_buf *b, long long v);

/* Empties the buffer but keeps its memory for reuse. */
void lg_buf_reset(lg_buf *b);
/* Frees the memory; the buffer is empty and reusable afterwards. Accepts an empty buffer. */
void lg_buf_free(lg_buf *b);

#endif
