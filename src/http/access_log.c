/* The access log (see access_log.h). Lines are formatted by hand: printf-style formatting
 * cost more per request than building the response. */
#include "http/access_log.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLUSH_BYTES (16 * 1024)
#define FLUSH_MS 50

struct lg_access_batch {
  pthread_mutex_t mu;        /* the worker appends, the flusher writes */
  lg_buf lines;
  lg_access_batch *next;
};

struct lg_access_log {
  pthread_mutex_t mu;        /* guards batches and stopping */
  pthread_cond_t wake;
  lg_access_batch *batches;
  int stopping;
  pthread_t thread;
};

static void flush(lg_access_batch *b) {
  pthread_mutex_lock(&b->mu);
  if (b->lines.len) lg_log_write(b->lines.data, b->lines.len);
  lg_buf_reset(&b->lines);
  pthread_mutex_unlock(&b->mu);
}

static void *run(void *arg) {
  lg_access_log *log = arg;
  pthread_mutex_lock(&log->mu);
  while (!log->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += FLUSH_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&log->wake, &log->mu, &until);
    for (lg_access_batch *b = log->batches; b; b = b->next) flush(b);
  }
  pthread_mutex_unlock(&log->mu);
  return NULL;
}

lg_access_log *lg_access_log_start(void) {
  lg_access_log *log = calloc(1, sizeof *log);
  if (log == NULL) return NULL;
  pthread_mutex_init(&log->mu, NULL);
  pthread_cond_init(&log->wake, NULL);
  if (pthread_create(&log->thread, NULL, run, log) != 0) {
    pthread_cond_destroy(&log->wake);
    pthread_mutex_destroy(&log->mu);
    free(log);
    return NULL;
  }
  return log;
}

lg_access_batch *lg_access_log_batch(lg_access_log *log) {
  lg_access_batch *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  pthread_mutex_init(&b->mu, NULL);
  pthread_mutex_lock(&log->mu);
  b->next = log->batches;
  log->batches = b;
  pthread_mutex_unlock(&log->mu);
  return b;
}

/* "12.345" milliseconds from microseconds */
static void append_ms(lg_buf *out, int64_t us) {
  if (us < 0) us = 0;
  char frac[4] = {(char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10), (char)('0' + us % 10), 0};
  lg_buf_append_int(out, us / 1000);
  lg_buf_appendc(out, '.');
  lg_buf_append(out, frac, 3);
}

/* Writing a line is on every request's path: the room is reserved once and the line is
 * written through a cursor, escaping strings as JSON on the way. */
typedef struct cursor {
  char *p;
} cursor;

static void put(cursor *c, const char *s, size_t n) {
  memcpy(c->p, s, n);
  c->p += n;
}

#define PUT_LITERAL(c, s) put((c), (s), sizeof(s) - 1)

static void put_uint(cursor *c, unsigned long long v) {
  char text[24], *q = text + sizeof text;
  do *--q = (char)('0' + v % 10); while ((v /= 10) > 0);
  put(c, q, (size_t)(text + sizeof text - q));
}

/* A JSON string; needs room for 6 bytes per input byte plus quotes. */
static void put_json(cursor *c, const char *s) {
  static const char hex[] = "0123456789abcdef";
  *c->p++ = '"';
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch >= 0x20 && ch != '"' && ch != '\\') {
      *c->p++ = (char)ch;
    } else {
      char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
      if (ch == '"' || ch == '\\') put(c, (char[]){'\\', (char)ch}, 2);
      else put(c, esc, 6);
    }
  }
  *c->p++ = '"';
}

static void json_line(lg_buf *out, const lg_access_entry *e) {
  size_t strings = strlen(e->request_id) + strlen(e->method) + strlen(e->path) + strlen(e->client);
  if (lg_buf_reserve(out, 6 * strings + 256) != LG_OK) return;
  cursor c = {out->data + out->len};
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(lg_clock_realtime_us(), ts);
  PUT_LITERAL(&c, "{\"time\":\"");
  put(&c, ts, LG_RFC3339_LEN - 1);
  PUT_LITERAL(&c, "\",\"level\":\"info\",\"module\":\"access\",\"request_id\":");
  put_json(&c, e->request_id);
  PUT_LITERAL(&c, ",\"method\":");
  put_json(&c, e->method);
  PUT_LITERAL(&c, ",\"path\":");
  put_json(&c, e->path);
  PUT_LITERAL(&c, ",\"status\":");
  put_uint(&c, (unsigned)e->status);
  PUT_LITERAL(&c, ",\"bytes_in\":");
  put_uint(&c, e->bytes_in);
  PUT_LITERAL(&c, ",\"bytes_out\":");
  put_uint(&c, e->bytes_out);
  PUT_LITERAL(&c, ",\"duration_ms\":");
  int64_t us = e->duration_us < 0 ? 0 : e->duration_us;
  put_uint(&c, (unsigned long long)(us / 1000));
  char frac[4] = {'.', (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10), (char)('0' + us % 10)};
  put(&c, frac, 4);
  PUT_LITERAL(&c, ",\"client\":");
  put_json(&c, e->client);
  PUT_LITERAL(&c, "}\n");
  out->len = (size_t)(c.p - out->data);
  out->data[out->len] = '\0';
}

static void text_line(lg_buf *out, const lg_access_entry *e) {
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(lg_clock_realtime_us(), ts);
  lg_buf_appends(out, ts);
  lg_buf_appends(out, " info  [access] ");
  lg_buf_appends(out, e->client);
  lg_buf_append(out, " \"", 2);
  lg_buf_appends(out, e->method);
  lg_buf_appendc(out, ' ');
  lg_buf_appends(out, e->path);
  lg_buf_append(out, "\" ", 2);
  lg_buf_append_int(out, e->status);
  lg_buf_appendc(out, ' ');
  lg_buf_append_int(out, (long long)e->bytes_out);
  lg_buf_appendc(out, ' ');
  append_ms(out, e->duration_us);
  lg_buf_appends(out, "ms id=");
  lg_buf_appends(out, e->request_id);
  lg_buf_appendc(out, '\n');
}

void lg_access_log_add(lg_access_batch *b, const lg_access_entry *e) {
  pthread_mutex_lock(&b->mu);
  if (lg_log_get_format() == LG_LOG_JSON) json_line(&b->lines, e);
  else text_line(&b->lines, e);
  if (b->lines.len >= FLUSH_BYTES) {
    lg_log_write(b->lines.data, b->lines.len);
    lg_buf_reset(&b->lines);
  }
  pthread_mutex_unlock(&b->mu);
}

void lg_access_log_stop(lg_access_log *log) {
  if (log == NULL) return;
  pthread_mutex_lock(&log->mu);
  log->stopping = 1;
  pthread_cond_signal(&log->wake);
  pthread_mutex_unlock(&log->mu);
  pthread_join(log->thread, NULL);
  lg_access_batch *b = log->batches;
  while (b) {
    lg_access_batch *next = b->next;
    flush(b);
    lg_buf_free(&b->lines);
    pthread_mutex_destroy(&b->mu);
    free(b);
    b = next;
  }
  pthread_cond_destroy(&log->wake);
  pthread_mutex_destroy(&log->mu);
  free(log);
}
