/* Logging (see log.h). A whole line is formatted first and written with one write(2),
 * so lines from different threads never interleave. */
#include "util/log.h"
#include "util/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static lg_log_level max_level = LG_LOG_INFO;   /* written once at startup */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void lg_log_set_level(lg_log_level level) {
  max_level = level;
}

int lg_log_level_parse(const char *name, lg_log_level *out) {
  for (int i = 0; i < 4; i++) {
    if (strcmp(name, level_names[i]) == 0) {
      *out = (lg_log_level)i;
      return 0;
    }
  }
  return -1;
}

int lg_log_enabled(lg_log_level level) {
  return level <= max_level;
}

void lg_log(lg_log_level level, const char *tag, const char *fmt, ...) {
  if (level > max_level) return;
  char line[2048];
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(lg_clock_realtime_us(), ts);
  int n = snprintf(line, sizeof line, "%s %-5s [%s] ", ts, level_names[level], tag);
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (m < 0) return;
  size_t len = (size_t)n + (size_t)m;
  if (len > sizeof line - 2) len = sizeof line - 2;   /* truncated: keep the newline */
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}
