/* The lake writer: records go into a spool on local disk first, then into gzip NDJSON
 * objects in the lake (a directory, or S3 through the same backend interface).
 *
 *   lg_lake_write ──> spool segment (framed, group-commit fdatasync) ──> 2xx
 *                        │ sealed at seal_bytes / seal_ms / flush / close
 *                        └─> <spool>/outbox/<key> (gzip NDJSON, fsynced) ──> backend put
 *
 * Object keys: <table>/dt=YYYY-MM-DD/hr=HH[/<key>=<value>...]/<host>-<firstTs>-<seq>.json.gz
 * (see key.h), one JSON object per line, each record's fields plus "_ingested_at" and
 * "_request_id". The durability contract: with durability DURABLE (the default), a
 * successful write means the record is fdatasynced in the spool; it then reaches the lake
 * exactly once, across crashes (SIGKILL included) and backend outages, because spool
 * frames carry a CRC (a torn tail is cut, never uploaded) and object names are fixed
 * when a segment is created (a re-upload overwrites the same key).
 *
 * Threads: every function here is thread-safe. The lake runs its own threads: one spool
 * sync thread per table, one sealer, two uploaders and (optionally) the admin socket. */
#ifndef LG_LAKE_H
#define LG_LAKE_H

#include <stddef.h>
#include <stdint.h>

#include "lake/backend.h"
#include "util/buf.h"

/* Return codes of lg_lake_write and friends, besides LG_OK and LG_ERR (spool failure). */
#define LG_LAKE_FULL (-2)      /* the spool is over spool_max_bytes: retry later (503) */
#define LG_LAKE_INVALID (-3)   /* the input cannot be stored as given (bad table, record, value) */

typedef enum {
  LG_LAKE_DURABLE = 0,   /* acknowledged once fdatasynced (group commit) */
  LG_LAKE_MEMORY = 1,    /* acknowledged once appended in memory; a crash loses what the
                            sync thread had not yet written (milliseconds), a power loss
                            what was not yet sealed */
} lg_lake_durability;

typedef struct lg_lake lg_lake;

typedef struct lg_lake_options {
  const char *root;            /* "DIR", "file://DIR" or "s3://BUCKET/PREFIX" */
  const char *spool;           /* spool directory, created if missing (required) */
  lg_backend *backend;         /* if set, used instead of opening root; owned by the lake
                                  from then on, also when lg_lake_open fails */
  lg_backend_options store;    /* settings of the store root names (S3 encryption) */
  int64_t seal_bytes;          /* seal a segment at this size (0: 64 MiB) */
  int64_t seal_ms;             /* ... or at this age (0: 60 s) */
  int64_t spool_max_bytes;     /* refuse writes (LG_LAKE_FULL) beyond this (0: 1 GiB) */
  int64_t group_commit_us;     /* while syncs run back to back, wait this long to gather
                                  more writers into the next one (0: no extra wait) */
  int gzip_level;              /* 1..9 (0: 6) */
  int64_t idempotency_window_s;/* how long Idempotency-Key answers are kept (0: 24 h) */
  int admin_socket;            /* 1: serve `lakegate flush` on <spool>/lakegate.sock */
} lg_lake_options;

/* Opens the lake: locks the spool (one lakegate per spool), recovers what an earlier run
 * left in it (verifying every frame, cutting torn tails; then sealing and uploading it),
 * loads the idempotency index and starts the lake's threads. Returns NULL with a message
 * in err on failure. Release with lg_lake_close. */
lg_lake *lg_lake_open(const lg_lake_options *opt, char *err, size_t errlen);

/* Per-table settings (lake.table{} in Lua). A table used without a declaration gets the
 * defaults: no partition keys, durable, the lake's seal limits, no dead letters. */
typedef struct lg_lake_table_options {
  int npartition;                    /* partition_by keys, 0..8 */
  const char *const *partition_by;   /* names ([a-z_][a-z0-9_]*), in path order */
  lg_lake_durability durability;
  int64_t seal_bytes;                /* 0: the lake's */
  int64_t seal_ms;                   /* 0: the lake's */
  int dead_letters;                  /* 1: lg_lake_reject stores into _rejected/<table> */
} lg_lake_table_options;

/* Declares a table (idempotent: every Lua worker declares the same tables). The
 * partition keys of a table cannot change while the lake is open: a different list is an
 * error; the other settings take effect for the next segment. */
int lg_lake_declare(lg_lake *lake, const char *table, const lg_lake_table_options *opt,
                    char *err, size_t errlen);

/* One record: an encoded JSON object "{...}" (no newline), and one value per partition
 * key of its table (values[i] NULL for a JSON null; value_lens[i] its length). */
typedef struct lg_lake_record {
  const char *json;
  size_t len;
  const char *const *values;   /* NULL when the table has no partition keys */
  const size_t *value_lens;
} lg_lake_record;

/* An Idempotency-Key answer stored together with a write (see lg_lake_idem_begin). */
typedef struct lg_lake_answer {
  const char *key;             /* scope + key, as given to lg_lake_idem_begin */
  size_t key_len;
  uint64_t fingerprint;        /* of the request (lg_lake_fingerprint of its body) */
  const char *answer;          /* the encoded response to replay */
  size_t answer_len;
} lg_lake_answer;

/* Appends n records (a batch: all or none) to `table`, each line with "_ingested_at"
 * (now, RFC 3339 UTC) and "_request_id" (NULL: null) added, and with `answer` (may be
 * NULL) committed to the idempotency index in the same frame. Returns once the records
 * are durable (or in memory, for a MEMORY table): LG_OK; LG_ERR (spool write or sync
 * failed: logged with the path, message in err), LG_LAKE_FULL or LG_LAKE_INVALID. */
int lg_lake_write(lg_lake *lake, const char *table, const lg_lake_record *recs, size_t n,
                  const char *request_id, const lg_lake_answer *answer, char *err,
                  size_t errlen);

/* lg_lake_write of one record in a table without partition keys. */
int lg_lake_put(lg_lake *lake, const char *table, const char *record, size_t len,
                const char *request_id, char *err, size_t errlen);

/* Stores a rejected record (a JSON object describing the input and its errors) in the
 * table's dead-letter table, _rejected/<table> (MEMORY durability). Returns LG_OK without
 * storing anything when the table does not keep dead letters. */
int lg_lake_reject(lg_lake *lake, const char *table, const char *json, size_t len,
                   const char *request_id, char *err, size_t errlen);

/* ===================== Idempotency-Key ===================== */

typedef enum {
  LG_IDEM_NEW,        /* reserved for the caller: write with an answer, or abort */
  LG_IDEM_REPLAY,     /* done before: *answer holds the first answer */
  LG_IDEM_BUSY,       /* another request with this key is in progress (409) */
  LG_IDEM_MISMATCH,   /* the key was used with a different request (422) */
} lg_idem_state;

/* Looks up (and, if new, reserves) key[0..len) for a request with `fingerprint`. */
lg_idem_state lg_lake_idem_begin(lg_lake *lake, const char *key, size_t len, uint64_t fingerprint,
                                 lg_buf *answer);
/* Releases a reservation that will not be committed (the request failed). */
void lg_lake_idem_abort(lg_lake *lake, const char *key, size_t len);
/* A 64-bit fingerprint of a request body. */
uint64_t lg_lake_fingerprint(const void *data, size_t len);

/* ===================== sealing, status ===================== */

/* Seals every table's open segment and waits until everything written before the call is
 * in the lake (uploaded). Returns LG_OK, or LG_ERR with a message (e.g. the timeout and
 * the last upload error). */
int lg_lake_flush(lg_lake *lake, int64_t timeout_ms, char *err, size_t errlen);

/* Seconds a client refused with LG_LAKE_FULL should wait: the uploader's current backoff
 * when uploads fail, else 1. */
int lg_lake_retry_after_s(lg_lake *lake);

/* How long a memory table's first unwritten frame waits for others to share its write(2):
 * what a crash of the process can lose, beyond what the page cache holds at a power loss. */
#define LG_LAKE_MEMORY_WINDOW_US 1000

typedef struct lg_lake_stats {
  int64_t spool_bytes;        /* segments + outbox + unwritten frames */
  int64_t records;            /* accepted since open */
  int64_t syncs;              /* fdatasyncs of segments */
  int64_t synced_frames;      /* frames those syncs covered */
  int64_t writes;             /* write(2)s of batches to segments */
  int64_t written_frames;     /* frames those writes carried */
  int64_t segments_sealed;
  int64_t objects_uploaded;
  int64_t upload_failures;
  int64_t objects_pending;    /* sealed, not yet confirmed by the backend */
  char last_error[768];       /* the last spool or upload error ("" if none) */
} lg_lake_stats;

void lg_lake_stats_get(lg_lake *lake, lg_lake_stats *out);

/* Readiness (/readyz): 1 if the lake can take writes -- the spool is writable and under its
 * limit, and the backend takes objects or is still within its retry budget -- else 0 with
 * the reason in why. */
int lg_lake_ready(lg_lake *lake, char *why, size_t whylen);

/* Returns 1 if `name` is a valid table name ([a-z_][a-z0-9_]*, at most 128 bytes). */
int lg_lake_valid_table(const char *name);

/* Where objects go, e.g. "file:///srv/lake" (for logs and lake.root()). */
const char *lg_lake_root(const lg_lake *lake);

/* The file backend's directory, or NULL when the lake is not a directory. */
const char *lg_lake_dir(const lg_lake *lake);

/* Stops taking writes, seals every open segment, uploads what it can within a bounded
 * time (what is left stays in the spool for the next start), stops the threads and frees
 * the lake. Accepts NULL. */
void lg_lake_close(lg_lake *lake);

/* ===================== `lakegate flush` client ===================== */

#define LG_LAKE_NO_SERVER (-4)   /* no lakegate serves this spool */

/* Asks the lakegate serving `spool` to flush (see lg_lake_flush), over its admin socket.
 * Returns LG_OK, LG_ERR with the server's message, or LG_LAKE_NO_SERVER. */
int lg_lake_request_flush(const char *spool, int64_t timeout_ms, char *err, size_t errlen);

#endif
