/* The lake writer: lg_lake_put appends one record to a table and returns once the record
 * is on disk. Records land in Hive layout, <root>/<table>/dt=YYYY-MM-DD/hr=HH/, one JSON
 * object per line with "_ingested_at" and "_request_id" added. Thread-safe. */
#ifndef LG_LAKE_H
#define LG_LAKE_H

#include <stddef.h>

typedef struct lg_lake lg_lake;

typedef struct lg_lake_options {
  const char *root;    /* "DIR" or "file://DIR" */
  const char *spool;   /* spool directory (reserved for the spooling writer) */
} lg_lake_options;

/* Opens the lake, creating the root directory if needed. Returns NULL with a message in
 * err on failure. Release with lg_lake_close. */
lg_lake *lg_lake_open(const lg_lake_options *opt, char *err, size_t errlen);

/* Appends `record` (one encoded JSON object, "{...}", no newline) to `table`, adding
 * _ingested_at (now, RFC 3339 UTC) and _request_id (may be NULL: written as null).
 * Returns 0 once durable, or -1 with a message in err (the record was not stored). */
int lg_lake_put(lg_lake *lake, const char *table, const char *record, size_t len,
                const char *request_id, char *err, size_t errlen);

/* Returns 1 if `name` is a valid table name ([a-z_][a-z0-9_]*, at most 128 bytes). */
int lg_lake_valid_table(const char *name);

/* The root directory the lake writes to (without "file://"). */
const char *lg_lake_root(const lg_lake *lake);

/* Closes every open file and frees the lake. Accepts NULL. */
void lg_lake_close(lg_lake *lake);

#endif
