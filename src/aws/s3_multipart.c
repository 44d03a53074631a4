/* S3 multipart uploads: create, upload the parts one by one, complete; abort when any
 * step fails, so no parts are left behind to be billed.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html */
#define LOG_TAG "s3"
#include "aws/s3_internal.h"
#include "aws/uri.h"
#include "aws/xml.h"
#include "util/common.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 10000   /* S3's limit */

typedef char part_etag[80];

typedef struct upload {
  lg_s3 *s3;
  const char *bucket, *key;
  lg_buf upload_id;          /* encoded for the query string */
  part_etag *etags;          /* one per part, as S3 returned them */
  int nparts;
  size_t part_size;
} upload;

/* ---- answers ---- */

typedef struct field {
  const char *path;
  char *out;
  size_t outlen;
} field;

static void on_field(void *ud, const char *path, const char *text, size_t len) {
  field *f = ud;
  const char *below_root = strchr(path, '/');
  if (text && below_root && strcmp(below_root + 1, f->path) == 0)
    snprintf(f->out, f->outlen, "%s", text);
}

/* The text of the element at path below the root of an XML answer, or "" if absent.
 * The root's name is not checked: S3 says CompleteMultipartUploadResult where some
 * S3-compatible stores (moto) say ...Response. */
static void xml_field(const lg_http_response *resp, const char *path, char *out, size_t outlen) {
  field f = {path, out, outlen};
  char err[128];
  out[0] = '\0';
  lg_xml_walk(resp->body.data ? resp->body.data : "", resp->body.len, on_field, &f, err, sizeof err);
}

/* ---- the steps ---- */

/* A request on the object with a query, or LG_ERR (memory) with err set. */
static int start(upload *u, lg_s3_request *r, const char *method, const char *query,
                 lg_aws_error *err) {
  return lg_s3_request_init(u->s3, r, method, u->bucket, u->key, query, err);
}

static int create(upload *u, const lg_s3_put_options *opt, lg_aws_error *err) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  char id[1024];
  if (start(u, &r, "POST", "uploads=", err) != LG_OK) return LG_ERR;
  snprintf(r.what, sizeof r.what, "PUT s3://%s/%s (create multipart upload)", u->bucket, u->key);
  int rc = lg_s3_object_headers(&r.headers, opt);
  if (rc != LG_OK) lg_s3_local_error(err, r.what, "out of memory");
  else rc = lg_s3_send(u->s3, &r, NULL, 0, 0, 0, &resp, err);
  if (rc == LG_OK) {
    xml_field(&resp, "UploadId", id, sizeof id);
    if (id[0] == '\0') {
      lg_s3_local_error(err, r.what, "no UploadId in the answer to CreateMultipartUpload");
      rc = LG_ERR;
    } else {
      rc = lg_uri_encode(&u->upload_id, id, strlen(id), 0);
    }
  }
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  return rc;
}

static int upload_part(upload *u, int no, const char *data, size_t len, lg_aws_error *err) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  char query[1200];
  snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", no, u->upload_id.data);
  if (start(u, &r, "PUT", query, err) != LG_OK) return LG_ERR;
  snprintf(r.what, sizeof r.what, "PUT s3://%s/%s (part %d of %d)", u->bucket, u->key, no, u->nparts);
  int rc = lg_s3_checksum_header(&r.headers, LG_S3_CHECKSUM_MD5, data, len);
  if (rc != LG_OK) lg_s3_local_error(err, r.what, "out of memory");
  else rc = lg_s3_send(u->s3, &r, data, len, 0, 0, &resp, err);
  const char *etag = rc == LG_OK ? lg_http_headers_get(&resp.headers, "ETag") : NULL;
  if (rc == LG_OK && etag == NULL) {
    lg_s3_local_error(err, r.what, "no ETag in the answer to UploadPart");
    rc = LG_ERR;
  }
  if (rc == LG_OK) snprintf(u->etags[no - 1], sizeof u->etags[no - 1], "%s", etag);
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  return rc;
}

static int parts_upload(upload *u, lg_s3_source *src, lg_aws_error *err) {
  char detail[300];
  for (int no = 1; no <= u->nparts; no++) {
    uint64_t offset = (uint64_t)(no - 1) * u->part_size;
    size_t len = src->size - offset < u->part_size ? (size_t)(src->size - offset) : u->part_size;
    const char *data;
    if (lg_s3_source_read(src, offset, len, &data, detail, sizeof detail) != LG_OK) {
      char what[600];
      snprintf(what, sizeof what, "PUT s3://%s/%s (part %d)", u->bucket, u->key, no);
      lg_s3_local_error(err, what, detail);
      return LG_ERR;
    }
    if (upload_part(u, no, data, len, err) != LG_OK) return LG_ERR;
  }
  return LG_OK;
}

/* The CompleteMultipartUpload document: every part with its ETag. */
static int complete_body(const upload *u, lg_buf *xml) {
  int rc = lg_buf_appends(xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
  for (int i = 0; rc == LG_OK && i < u->nparts; i++) {
    rc = lg_buf_appendf(xml, "<Part><ETag>");
    for (const char *p = u->etags[i]; rc == LG_OK && *p; p++)   /* hex and quotes; escape anyway */
      rc = *p == '&' ? lg_buf_appends(xml, "&amp;") : *p == '<' ? lg_buf_appends(xml, "&lt;")
                                                               : lg_buf_appendc(xml, *p);
    if (rc == LG_OK) rc = lg_buf_appendf(xml, "</ETag><PartNumber>%d</PartNumber></Part>", i + 1);
  }
  if (rc == LG_OK) rc = lg_buf_appends(xml, "</CompleteMultipartUpload>");
  return rc;
}

static int complete(upload *u, lg_s3_object *out, lg_aws_error *err) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  lg_buf xml = LG_BUF_INIT, query = LG_BUF_INIT;
  int rc = lg_buf_appendf(&query, "uploadId=%s", u->upload_id.data);
  if (rc != LG_OK || start(u, &r, "POST", query.data, err) != LG_OK) {
    lg_buf_free(&query);
    return LG_ERR;
  }
  snprintf(r.what, sizeof r.what, "PUT s3://%s/%s (complete multipart upload)", u->bucket, u->key);
  rc = complete_body(u, &xml);
  if (rc == LG_OK) rc = lg_http_headers_add(&r.headers, "Content-Type", "application/xml");
  if (rc != LG_OK) lg_s3_local_error(err, r.what, "out of memory");
  /* A 200 may still carry <Error>: S3 fails a completion after it started answering. */
  else rc = lg_s3_send(u->s3, &r, xml.data, xml.len, 0, 1, &resp, err);
  if (rc == LG_OK && out) xml_field(&resp, "ETag", out->etag, sizeof out->etag);
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  lg_buf_free(&xml);
  lg_buf_free(&query);
  return rc;
}

/* Best effort: the upload already failed; an abort that fails too leaves parts that
 * a lifecycle rule (AbortIncompleteMultipartUpload) cleans up, so it is only logged. */
static void abort_upload(upload *u) {
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  lg_aws_error err;
  lg_buf query = LG_BUF_INIT;
  if (lg_buf_appendf(&query, "uploadId=%s", u->upload_id.data) != LG_OK ||
      start(u, &r, "DELETE", query.data, &err) != LG_OK) {
    lg_buf_free(&query);
    return;
  }
  snprintf(r.what, sizeof r.what, "abort multipart upload s3://%s/%s", u->bucket, u->key);
  if (lg_s3_send(u->s3, &r, NULL, 0, 0, 0, &resp, &err) != LG_OK)
    lg_warn("%s; its parts stay until a lifecycle rule removes them", err.message);
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  lg_buf_free(&query);
}

int lg_s3_multipart_upload(lg_s3 *s3, const char *bucket, const char *key, lg_s3_source *src,
                        const lg_s3_put_options *opt, lg_s3_object *out, lg_aws_error *err) {
  upload u = {s3, bucket, key, LG_BUF_INIT, NULL, 0, s3->part_size};
  if (src->size > (uint64_t)u.part_size * MAX_PARTS)   /* keep within 10,000 parts */
    u.part_size = (size_t)((src->size + MAX_PARTS - 1) / MAX_PARTS);
  u.nparts = (int)((src->size + u.part_size - 1) / u.part_size);
  if (out) {
    memset(out, 0, sizeof *out);
    snprintf(out->key, sizeof out->key, "%s", key);
    out->size = src->size;
  }
  if ((u.etags = calloc((size_t)u.nparts, sizeof *u.etags)) == NULL) {
    char what[600];
    snprintf(what, sizeof what, "PUT s3://%s/%s", bucket, key);
    lg_s3_local_error(err, what, "out of memory");
    return LG_ERR;
  }
  int rc = create(&u, opt, err);
  if (rc == LG_OK) {
    rc = parts_upload(&u, src, err);
    if (rc == LG_OK) rc = complete(&u, out, err);
    if (rc != LG_OK) abort_upload(&u);
  }
  free(u.etags);
  lg_buf_free(&u.upload_id);
  return rc;
}
