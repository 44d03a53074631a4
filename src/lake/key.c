/* Object keys in Hive layout (see key.h). Layer: libc only. */
#include "lake/key.h"
#include "core/utf8.h"
#include "util/common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Hive's FileUtils.charToEscape: controls, DEL and "#%'*\/:=?\^{[] (plus NUL). */
static int hive_escapes(unsigned char c) {
  if (c < 0x20 || c == 0x7F) return 1;
  return strchr("\"#%'*/:=?\\^{[]", c) != NULL;
}

static int escape_byte(lg_buf *b, unsigned char c) {
  static const char hex[] = "0123456789ABCDEF";
  char x[3] = {'%', hex[c >> 4], hex[c & 15]};
  return lg_buf_append(b, x, 3);
}

/* Escapes value[0..len) into b, or only counts the bytes when b is NULL. Returns the
 * escaped length, or -1 when out of memory. */
static long escape(lg_buf *b, const char *value, size_t len) {
  long n = 0;
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)value[i];
    size_t keep = 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)value[i + 1] >= 0x80 &&
        (unsigned char)value[i + 1] <= 0x9F) {
      /* A C1 control (U+0080..U+009F, e.g. NEL, a line break to many tools) is escaped as
       * its code point: Hive reads "%XX" as the character U+00XX, so "%85" is U+0085. */
      if (b && escape_byte(b, (unsigned char)value[i + 1]) != LG_OK) return -1;
      n += 3;
      i += 2;
      continue;
    }
    if (c >= 0x80) {
      /* Keep a whole valid UTF-8 sequence as is (S3 keys are UTF-8); escape stray bytes. */
      const unsigned char *p = (const unsigned char *)value + i;
      const unsigned char *next = lg_utf8_next(p, (const unsigned char *)value + len);
      keep = next ? (size_t)(next - p) : 0;
    } else if (hive_escapes(c)) {
      keep = 0;
    }
    if (keep == 0) {
      if (b && escape_byte(b, c) != LG_OK) return -1;
      n += 3;
      i++;
    } else {
      if (b && lg_buf_append(b, value + i, keep) != LG_OK) return -1;
      n += (long)keep;
      i += keep;
    }
  }
  return n;
}

int lg_key_value_fits(const char *value, size_t len) {
  if (value == NULL || len == 0) return 1;
  return escape(NULL, value, len) <= LG_PARTITION_VALUE_MAX;
}

int lg_key_escape_value(lg_buf *b, const char *value, size_t len) {
  if (value == NULL || len == 0) return lg_buf_appends(b, LG_HIVE_DEFAULT_PARTITION);
  if (!lg_key_value_fits(value, len)) return LG_ERR;
  return escape(b, value, len) < 0 ? LG_ERR : LG_OK;
}

int lg_key_append_hour(lg_buf *b, int64_t us) {
  time_t secs = (time_t)(us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  return lg_buf_appendf(b, "dt=%04d-%02d-%02d/hr=%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour);
}

int lg_key_append_object_name(lg_buf *b, const char *host, size_t host_len, int64_t first_us,
                              uint64_t seq) {
  time_t secs = (time_t)(first_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  return lg_buf_appendf(b, "%.*s-%04d%02d%02dT%02d%02d%02d%03dZ-%" PRIu64 ".json.gz",
                        (int)host_len, host, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(first_us / 1000 % 1000), seq);
}

uint64_t lg_key_seq_of(const char *key) {
  static const char suffix[] = ".json.gz";
  size_t n = strlen(key), s = sizeof suffix - 1;
  if (n <= s || strcmp(key + n - s, suffix) != 0) return 0;
  size_t end = n - s, i = end;
  while (i > 0 && key[i - 1] >= '0' && key[i - 1] <= '9') i--;
  if (i == end || i == 0 || key[i - 1] != '-') return 0;
  return strtoull(key + i, NULL, 10);
}

int lg_key_valid_name(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 128) return 0;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return 0;
  for (size_t i = 1; i < n; i++) {
    char c = name[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
  }
  return 1;
}

void lg_key_host(char *out, size_t outlen) {
  char name[256] = "localhost";
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') strcpy(name, "localhost");
  name[sizeof name - 1] = '\0';
  size_t j = 0;
  for (size_t i = 0; name[i] && j + 1 < outlen; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '.';
    out[j++] = ok ? c : '_';
  }
  out[j] = '\0';
}
