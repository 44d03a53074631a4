/* Process-wide logging to stderr, one line per message, as text or JSON. Each .c file
 * defines LOG_TAG (its subsystem) before including this header and logs through
 * lg_error/lg_warn/lg_info/lg_debug. */
#ifndef LG_LOG_H
#define LG_LOG_H

#include <stddef.h>

#include "util/buf.h"

typedef enum { LG_LOG_ERROR, LG_LOG_WARN, LG_LOG_INFO, LG_LOG_DEBUG } lg_log_level;
typedef enum { LG_LOG_TEXT, LG_LOG_JSON } lg_log_format;

/* Set once at startup, before any thread starts; read without locks afterwards. */
void lg_log_set_level(lg_log_level level);
void lg_log_set_format(lg_log_format format);
lg_log_format lg_log_get_format(void);
/* Parse "error|warn|info|debug" and "text|json". Return 0, or -1 if the name is unknown. */
int lg_log_level_parse(const char *name, lg_log_level *out);
int lg_log_format_parse(const char *name, lg_log_format *out);
int lg_log_enabled(lg_log_level level);
void lg_log(lg_log_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Starts a JSON log line in b: {"time":"...","level":"...","module":"tag" (no closing brace). */
void lg_log_json_begin(lg_buf *b, lg_log_level level, const char *tag);
/* Appends s as a JSON string (quotes included; control characters escaped). */
void lg_log_json_string(lg_buf *b, const char *s);
/* Writes a finished line (newline included) to stderr in one write(2). */
void lg_log_write(const char *line, size_t len);

#ifndef LOG_TAG
#define LOG_TAG "lakegate"
#endif
#define lg_error(...) lg_log(LG_LOG_ERROR, LOG_TAG, __VA_ARGS__)
#define lg_warn(...)  lg_log(LG_LOG_WARN, LOG_TAG, __VA_ARGS__)
#define lg_info(...)  lg_log(LG_LOG_INFO, LOG_TAG, __VA_ARGS__)
#define lg_debug(...) do { if (lg_log_enabled(LG_LOG_DEBUG)) lg_log(LG_LOG_DEBUG, LOG_TAG, __VA_ARGS__); } while (0)

#endif
