/* Lake backends: where sealed objects end up. One small interface, one implementation
 * per kind of store (backend_file.c for file://, backend_s3.c for s3://).
 *
 * Contract, for implementers:
 *  - put() stores one object under `key`, relative to the backend's root (e.g.
 *    "unicorns/dt=2026-11-27/hr=02/host-20261127T021944932Z-1764209984932767.json.gz").
 *    The object's bytes are the file at obj->path (obj->size bytes), a sealed gzip NDJSON
 *    object that stays unchanged until put returns; read it, do not modify or delete it.
 *  - Return LG_OK only once the object is durable in the store (file: data and directory
 *    entry fsynced; S3: the PUT or CompleteMultipartUpload answered 200). Only then does
 *    the lake delete its spool copy.
 *  - On failure return LG_ERR, write a message with context into err (e.g.
 *    "s3: PUT s3://bucket/key: 503 SlowDown") and set *retryable: 1 if the same call may
 *    succeed later (network, 5xx, throttling, disk full), 0 if it will not without an
 *    operator (403, no such bucket, a file where a directory should be). The uploader
 *    retries retryable errors with exponential backoff and jitter, and keeps retrying
 *    the others at the longest interval (logging each as an error): data is never dropped.
 *  - put() must be idempotent: after a crash the same key may be put again with the same
 *    bytes, and must overwrite. Never store a partial object under `key`.
 *  - check() (optional, NULL when there is nothing to ask) makes one cheap call that shows
 *    whether the store takes requests for this root, with the same err and *retryable as
 *    put (S3: list one key under the prefix). The uploader calls it when the lake opens and
 *    until it passes or an upload does, so /readyz reports a missing bucket or a refused
 *    credential before the first object is sealed.
 *  - Threads: put() and check() are called only from the lake's uploader threads, possibly
 *    from several at once, never from request threads; they may block (they set their own
 *    timeouts). close() is called once, after every put() and check() has returned.
 *  - Ownership: the lake owns the backend from lg_backend_open until it calls close(),
 *    which frees everything, the backend struct included.
 */
#ifndef LG_LAKE_BACKEND_H
#define LG_LAKE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_backend lg_backend;

typedef struct lg_backend_object {
  const char *key;                /* relative to the backend root, '/'-separated */
  const char *path;               /* local file with the object's bytes */
  int64_t size;                   /* bytes in path */
  const char *content_type;       /* "application/x-ndjson" */
  const char *content_encoding;   /* "gzip" */
} lg_backend_object;

typedef struct lg_backend_vtable {
  int (*put)(lg_backend *b, const lg_backend_object *obj, char *err, size_t errlen,
             int *retryable);
  void (*close)(lg_backend *b);
  int (*check)(lg_backend *b, char *err, size_t errlen, int *retryable);
} lg_backend_vtable;

struct lg_backend {
  const lg_backend_vtable *vt;
  char *url;   /* where objects go, for logs: "file:///abs/dir" or "s3://bucket/prefix" */
};

/* Settings of the store a root names; zeros mean the defaults. */
typedef struct lg_backend_options {
  const char *sse;              /* s3 server-side encryption: NULL, "" or "none" (the
                                   bucket's default), "AES256" or "aws:kms" */
  const char *sse_kms_key_id;   /* with "aws:kms": key id, ARN or alias; NULL or "": the
                                   account's aws/s3 key */
} lg_backend_options;

/* Opens the backend a lake root names: "DIR", "file://DIR" or "s3://BUCKET[/PREFIX]".
 * This is the one place that parses lake roots. opt may be NULL; S3 settings given for
 * another kind of root are an error. Returns NULL with a message in err. */
lg_backend *lg_backend_open(const char *root, const lg_backend_options *opt, char *err,
                            size_t errlen);

/* The file backend over directory `dir` (created if missing). */
lg_backend *lg_backend_file_open(const char *dir, char *err, size_t errlen);

/* The S3 backend: objects go to s3://BUCKET/PREFIX/<key> through `s3` (a client made by
 * lg_s3_new; the backend owns it from this call on, also when it fails), with the object's
 * Content-Type and Content-Encoding, Content-MD5, and the encryption opt asks for. */
struct lg_s3;
lg_backend *lg_backend_s3_new(const char *uri, struct lg_s3 *s3, const lg_backend_options *opt,
                              char *err, size_t errlen);

/* The S3 backend with a client made from the environment, as every AWS SDK makes one
 * (region, endpoint, credential chain; see aws/s3.h), with the lake's timeouts. */
lg_backend *lg_backend_s3_open(const char *uri, const lg_backend_options *opt, char *err,
                               size_t errlen);

/* The directory of a file backend, or NULL for any other kind. */
const char *lg_backend_file_dir(const lg_backend *b);

/* Calls b->vt->close(b). Accepts NULL. */
void lg_backend_close(lg_backend *b);

#endif
