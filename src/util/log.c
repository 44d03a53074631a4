/* Logging (see log.h). A whole line is formatted first and written with one write(2), so
 * lines from different threads never interleave. */
#include "util/log.h"
#include "util/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static lg_log_level max_level = LG_LOG_INFO;   /* written once at startup */
static lg_log_format format = LG_LOG_JSON;     /* written once at startup */

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const format_names[] = {"text", "json"};

void lg_log_set_level(lg_log_level level) { max_level = level; }
void lg_log_set_format(lg_log_format f) { format = f; }
lg_log_format lg_log_get_format(void) { return format; }
int lg_log_enabled(lg_log_level level) { return level <= max_level; }

static int parse(const char *name, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

int lg_log_level_parse(const char *name, lg_log_level *out) {
  int i = parse(name, level_names, 4);
  if (i < 0) return -1;
  *out = (lg_log_level)i;
  return 0;
}

int lg_log_format_parse(const char *name, lg_log_format *out) {
  int i = parse(name, format_names, 2);
  if (i < 0) return -1;
  *out = (lg_log_format)i;
  return 0;
}

void lg_log_write(const char *line, size_t len) {
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void lg_log_json_string(lg_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  lg_buf_appendc(b, '"');
  const char *run = s;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    lg_buf_append(b, run, (size_t)(s - run));
    char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
    size_t n = 2;
    if (c == '\n') esc[1] = 'n';
    else if (c == '\t') esc[1] = 't';
    else if (c == '\r') esc[1] = 'r';
    else if (c < 0x20) {
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      n = 6;
    }
    lg_buf_append(b, esc, n);
    run = s + 1;
  }
  lg_buf_append(b, run, (size_t)(s - run));
  lg_buf_appendc(b, '"');
}

void lg_log_json_begin(lg_buf *b, lg_log_level level, const char *tag) {
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(lg_clock_realtime_us(), ts);
  lg_buf_append(b, "{\"time\":\"", 9);
  lg_buf_append(b, ts, LG_RFC3339_LEN - 1);
  lg_buf_append(b, "\",\"level\":\"", 11);
  lg_buf_appends(b, level_names[level]);
  lg_buf_append(b, "\",\"module\":", 11);
  lg_log_json_string(b, tag);
}

void lg_log(lg_log_level level, const char *tag, const char *fmt, ...) {
  if (level > max_level) return;
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);   /* a longer message is cut, never dropped */
  va_end(ap);
  lg_buf b = LG_BUF_INIT;
  if (format == LG_LOG_JSON) {
    lg_log_json_begin(&b, level, tag);
    lg_buf_appends(&b, ",\"msg\":");
    lg_log_json_string(&b, msg);
    lg_buf_appends(&b, "}\n");
  } else {
    char ts[LG_RFC3339_LEN];
    lg_clock_rfc3339(lg_clock_realtime_us(), ts);
    lg_buf_appendf(&b, "%s %-5s [%s] %s\n", ts, level_names[level], tag, msg);
  }
  if (b.data) lg_log_write(b.data, b.len);   /* NULL only if out of memory */
  lg_buf_free(&b);
}
