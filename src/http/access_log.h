/* The access log: one line per request (JSON, or text with --log-format text), gathered
 * per worker thread and written to stderr in batches -- when a worker's batch passes 16 KiB
 * or every 50 ms -- instead of one write(2) per request. A crash can lose the last 50 ms of
 * access lines; no other log line is delayed. */
#ifndef LG_ACCESS_LOG_H
#define LG_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_access_log lg_access_log;
typedef struct lg_access_batch lg_access_batch;

typedef struct lg_access_entry {
  const char *request_id, *method, *path, *client;
  int status;
  size_t bytes_in, bytes_out;
  int64_t duration_us;
} lg_access_entry;

/* Starts the flusher thread. Returns NULL when out of resources. */
lg_access_log *lg_access_log_start(void);

/* A batch for one worker thread (owned by the log). NULL when out of memory. */
lg_access_batch *lg_access_log_batch(lg_access_log *log);

/* Adds one request's line to the worker's batch. */
void lg_access_log_add(lg_access_batch *batch, const lg_access_entry *e);

/* Writes what is gathered, stops the thread and frees everything. Accepts NULL. */
void lg_access_log_stop(lg_access_log *log);

#endif
