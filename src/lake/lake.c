/* The lake writer, first cut: each table appends to one open file per hour partition
 * and fdatasyncs every record before returning (see lake.h for the contract).
 * Layer: libc and POSIX only. */
#define LOG_TAG "lake"
#include "lake/lake.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct lake_table {
  struct lake_table *next;
  char *name;
  pthread_mutex_t mu;     /* serializes appends to fd */
  int fd;                 /* open partition file, -1 when none */
  int64_t hour;           /* epoch hour of the open file */
  lg_buf line;            /* scratch for the line being written, guarded by mu */
} lake_table;

struct lg_lake {
  char *root;             /* directory, owned */
  char host[64];          /* sanitized host name used in object names */
  pthread_mutex_t mu;     /* guards tables and seq */
  lake_table *tables;     /* never shrinks while the lake is open */
  unsigned long seq;      /* per-process object sequence */
};

int lg_lake_valid_table(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 128) return 0;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return 0;
  for (size_t i = 1; i < n; i++) {
    char c = name[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
  }
  return 1;
}

/* mkdir -p; returns 0 or -1 with errno set. */
static int make_dirs(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n >= sizeof tmp) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(tmp, path, n + 1);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
  return 0;
}

static void sanitize_host(char *out, size_t outlen) {
  char name[256] = "localhost";
  gethostname(name, sizeof name - 1);
  size_t j = 0;
  for (size_t i = 0; name[i] && j + 1 < outlen; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '.';
    out[j++] = ok ? c : '_';
  }
  out[j] = '\0';
}

lg_lake *lg_lake_open(const lg_lake_options *opt, char *err, size_t errlen) {
  const char *root = opt->root;
  if (strncmp(root, "file://", 7) == 0) root += 7;
  else if (strstr(root, "://") != NULL) {
    snprintf(err, errlen, "lake: unsupported lake URL '%s' (use DIR or file://DIR)", opt->root);
    return NULL;
  }
  if (*root == '\0') {
    snprintf(err, errlen, "lake: empty lake directory");
    return NULL;
  }
  if (make_dirs(root) != 0) {
    snprintf(err, errlen, "lake: mkdir %s: %s", root, strerror(errno));
    return NULL;
  }
  lg_lake *lake = calloc(1, sizeof *lake);
  if (lake == NULL || (lake->root = strdup(root)) == NULL) {
    free(lake);
    snprintf(err, errlen, "lake: out of memory");
    return NULL;
  }
  size_t n = strlen(lake->root);
  while (n > 1 && lake->root[n - 1] == '/') lake->root[--n] = '\0';
  sanitize_host(lake->host, sizeof lake->host);
  pthread_mutex_init(&lake->mu, NULL);
  return lake;
}

const char *lg_lake_root(const lg_lake *lake) {
  return lake->root;
}

static lake_table *find_table(lg_lake *lake, const char *name) {
  pthread_mutex_lock(&lake->mu);
  lake_table *t = lake->tables;
  while (t && strcmp(t->name, name) != 0) t = t->next;
  if (t == NULL && (t = calloc(1, sizeof *t)) != NULL) {
    if ((t->name = strdup(name)) == NULL) {
      free(t);
      t = NULL;
    } else {
      pthread_mutex_init(&t->mu, NULL);
      t->fd = -1;
      t->next = lake->tables;
      lake->tables = t;
    }
  }
  pthread_mutex_unlock(&lake->mu);
  return t;
}

/* Opens a new object file for the hour of `now_us` in t's partition directory. */
static int open_partition(lg_lake *lake, lake_table *t, int64_t now_us, char *err,
                          size_t errlen) {
  time_t secs = (time_t)(now_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/%s/dt=%04d-%02d-%02d/hr=%02d", lake->root, t->name,
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
  if (make_dirs(dir) != 0) {
    snprintf(err, errlen, "lake: mkdir %s: %s", dir, strerror(errno));
    return LG_ERR;
  }
  pthread_mutex_lock(&lake->mu);
  unsigned long seq = ++lake->seq;
  pthread_mutex_unlock(&lake->mu);
  int n = snprintf(path, sizeof path, "%s/%s-%04d%02d%02dT%02d%02d%02d%03dZ-%06lu.json", dir,
                   lake->host, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, (int)(now_us / 1000 % 1000), seq);
  if (n < 0 || (size_t)n >= sizeof path) {
    snprintf(err, errlen, "lake: path too long under %s", dir);
    return LG_ERR;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, errlen, "lake: open %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  if (t->fd >= 0) close(t->fd);
  t->fd = fd;
  t->hour = now_us / 3600000000LL;
  lg_debug("table %s: writing %s", t->name, path);
  return LG_OK;
}

/* Appends s as a JSON string; request ids are short ASCII, but escape anyway. */
static int append_json_string(lg_buf *b, const char *s) {
  if (lg_buf_appendc(b, '"') != LG_OK) return LG_ERR;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    int rc = (c == '"' || c == '\\') ? lg_buf_appendf(b, "\\%c", c)
             : c < 0x20              ? lg_buf_appendf(b, "\\u%04x", c)
                                     : lg_buf_appendc(b, (char)c);
    if (rc != LG_OK) return LG_ERR;
  }
  return lg_buf_appendc(b, '"');
}

/* record "{...}" -> "{...,"_ingested_at":"...","_request_id":...}\n" into b. */
static int build_line(lg_buf *b, const char *record, size_t len, int64_t now_us,
                      const char *request_id) {
  size_t close = len;
  while (close > 0 && record[close - 1] != '}') close--;
  if (close == 0 || record[0] != '{') return LG_ERR;
  int empty = 1;
  for (size_t i = 1; i + 1 < close; i++) {
    if (record[i] != ' ' && record[i] != '\n' && record[i] != '\t' && record[i] != '\r') {
      empty = 0;
      break;
    }
  }
  char ts[LG_RFC3339_LEN];
  lg_clock_rfc3339(now_us, ts);
  lg_buf_reset(b);
  if (lg_buf_append(b, record, close - 1) != LG_OK ||
      lg_buf_appendf(b, "%s\"_ingested_at\":\"%s\",\"_request_id\":", empty ? "" : ",", ts) != LG_OK)
    return LG_ERR;
  int rc = request_id ? append_json_string(b, request_id) : lg_buf_appends(b, "null");
  if (rc != LG_OK) return LG_ERR;
  return lg_buf_appends(b, "}\n");
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return LG_ERR;
    }
    p += w;
    n -= (size_t)w;
  }
  return LG_OK;
}

int lg_lake_put(lg_lake *lake, const char *table, const char *record, size_t len,
                const char *request_id, char *err, size_t errlen) {
  if (!lg_lake_valid_table(table)) {
    snprintf(err, errlen, "lake: invalid table name '%s'", table);
    return LG_ERR;
  }
  lake_table *t = find_table(lake, table);
  if (t == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    return LG_ERR;
  }
  int rc = LG_ERR;
  pthread_mutex_lock(&t->mu);
  int64_t now_us = lg_clock_realtime_us();
  if (build_line(&t->line, record, len, now_us, request_id) != LG_OK) {
    snprintf(err, errlen, "lake: table %s: record is not a JSON object", table);
    goto done;
  }
  if ((t->fd < 0 || t->hour != now_us / 3600000000LL) &&
      open_partition(lake, t, now_us, err, errlen) != LG_OK)
    goto done;
  if (write_all(t->fd, t->line.data, t->line.len) != LG_OK || fdatasync(t->fd) != 0) {
    snprintf(err, errlen, "lake: table %s: write: %s", table, strerror(errno));
    /* A partial line may be on disk: start a new file so it is never extended. */
    close(t->fd);
    t->fd = -1;
    goto done;
  }
  rc = LG_OK;
done:
  pthread_mutex_unlock(&t->mu);
  return rc;
}

void lg_lake_close(lg_lake *lake) {
  if (lake == NULL) return;
  lake_table *t = lake->tables;
  while (t) {
    lake_table *next = t->next;
    if (t->fd >= 0) close(t->fd);
    pthread_mutex_destroy(&t->mu);
    lg_buf_free(&t->line);
    free(t->name);
    free(t);
    t = next;
  }
  pthread_mutex_destroy(&lake->mu);
  free(lake->root);
  free(lake);
}
