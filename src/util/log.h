/* Process-wide logging to stderr, one line per message. Each .c file defines LOG_TAG
 * (its subsystem) before including this header and logs through lg_error/lg_warn/... */
#ifndef LG_LOG_H
#define LG_LOG_H

typedef enum { LG_LOG_ERROR, LG_LOG_WARN, LG_LOG_INFO, LG_LOG_DEBUG } lg_log_level;

/* Set once at startup, before any thread starts; read without locks afterwards. */
void lg_log_set_level(lg_log_level level);
/* Parses "error|warn|info|debug". Returns 0 on success, -1 if the name is unknown. */
int lg_log_level_parse(const char *name, lg_log_level *out);
int lg_log_enabled(lg_log_level level);
void lg_log(lg_log_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifndef LOG_TAG
#define LOG_TAG "lakegate"
#endif
#define lg_error(...) lg_log(LG_LOG_ERROR, LOG_TAG, __VA_ARGS__)
#define lg_warn(...)  lg_log(LG_LOG_WARN, LOG_TAG, __VA_ARGS__)
#define lg_info(...)  lg_log(LG_LOG_INFO, LOG_TAG, __VA_ARGS__)
#define lg_debug(...) do { if (lg_log_enabled(LG_LOG_DEBUG)) lg_log(LG_LOG_DEBUG, LOG_TAG, __VA_ARGS__); } while (0)

#endif
