/* What s3.c, s3_multipart.c and s3_list.c share. Not part of the public interface. */
#ifndef LG_AWS_S3_INTERNAL_H
#define LG_AWS_S3_INTERNAL_H

#include "aws/client.h"
#include "aws/s3.h"

struct lg_s3 {
  lg_aws_client base;                  /* region, endpoint, signing, transport */
  lg_s3_addressing addressing;
  size_t multipart_threshold;
  size_t part_size;
  long timeout_ms;
};

/* One request on an object or bucket, ready to send. */
typedef struct lg_s3_request {
  const char *method;
  lg_buf url;                /* absolute, encoded */
  lg_http_headers headers;   /* Host and the operation's headers */
  char what[600];            /* "PUT s3://bucket/key" for messages */
} lg_s3_request;

/* Builds method + the URL of bucket/key (key NULL or "" for the bucket itself) with an
 * encoded query (NULL for none), and the Host header. Returns LG_OK or LG_ERR (memory). */
int lg_s3_request_init(lg_s3 *s3, lg_s3_request *r, const char *method, const char *bucket,
                    const char *key, const char *query, lg_aws_error *err);
void lg_s3_request_free(lg_s3_request *r);

/* Sends r with body through the retrying signer (aws/request.c). */
int lg_s3_send(lg_s3 *s3, lg_s3_request *r, const void *body, size_t len, size_t max_body,
            int error_in_200, lg_http_response *resp, lg_aws_error *err);

/* Adds the headers every upload of an object carries (type, encoding, SSE). */
int lg_s3_object_headers(lg_http_headers *h, const lg_s3_put_options *opt);
/* Adds Content-MD5 (or x-amz-checksum-sha256) of data[0..len). */
int lg_s3_checksum_header(lg_http_headers *h, lg_s3_checksum kind, const void *data, size_t len);

/* Where an upload's bytes come from: memory, or a file read one part at a time. */
typedef struct lg_s3_source {
  const char *data;    /* the bytes in memory, or NULL for a file */
  int fd;              /* the file (when data is NULL) */
  const char *path;    /* for messages */
  uint64_t size;
  lg_buf scratch;      /* the part last read from the file */
} lg_s3_source;

/* Points *out at size bytes from offset (in memory, or read into scratch). */
int lg_s3_source_read(lg_s3_source *src, uint64_t offset, size_t size, const char **out,
                   char *err, size_t errlen);

/* The multipart upload of the whole source (s3_multipart.c). */
int lg_s3_multipart_upload(lg_s3 *s3, const char *bucket, const char *key, lg_s3_source *src,
                        const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err);

/* Sets err as a local failure (no request was sent). */
void lg_s3_local_error(lg_aws_error *err, const char *what, const char *detail);

#endif
