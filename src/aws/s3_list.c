/* S3 ListObjectsV2, one page at a time or all pages through a callback.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
#include "aws/s3_internal.h"
#include "aws/uri.h"
#include "aws/xml.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTING (16u << 20)   /* a page of 1000 keys is well under 1 MiB */

/* ---- the query ---- */

/* Appends "&name=value" with the value encoded, if value is set. */
static int add_param(lg_buf *q, const char *name, const char *value) {
  if (value == NULL || *value == '\0') return LG_OK;
  if (lg_buf_appendf(q, "&%s=", name) != LG_OK) return LG_ERR;
  return lg_uri_encode(q, value, strlen(value), 0);
}

static int list_query(lg_buf *q, const lg_s3_list_options *o) {
  char max_keys[16] = "";
  if (o->max_keys > 0) snprintf(max_keys, sizeof max_keys, "%d", o->max_keys);
  if (lg_buf_appends(q, "list-type=2") != LG_OK) return LG_ERR;
  if (add_param(q, "continuation-token", o->continuation_token) != LG_OK ||
      add_param(q, "delimiter", o->delimiter) != LG_OK ||
      add_param(q, "max-keys", max_keys) != LG_OK || add_param(q, "prefix", o->prefix) != LG_OK ||
      add_param(q, "start-after", o->start_after) != LG_OK)
    return LG_ERR;
  return LG_OK;
}

/* ---- the answer ---- */

typedef struct page_reader {
  lg_s3_listing *page;
  size_t cap, prefix_cap;
  int oom;
} page_reader;

static int grow(void **items, size_t *cap, size_t count, size_t size) {
  if (count < *cap) return LG_OK;
  size_t n = *cap ? *cap * 2 : 64;
  void *p = realloc(*items, n * size);
  if (p == NULL) return LG_ERR;
  *items = p;
  *cap = n;
  return LG_OK;
}

static void on_contents(page_reader *r, const char *field, const char *text) {
  lg_s3_listing *pg = r->page;
  lg_s3_object *o = &pg->objects[pg->count - 1];
  if (strcmp(field, "Key") == 0) snprintf(o->key, sizeof o->key, "%s", text);
  else if (strcmp(field, "Size") == 0) o->size = strtoull(text, NULL, 10);
  else if (strcmp(field, "ETag") == 0) snprintf(o->etag, sizeof o->etag, "%s", text);
  else if (strcmp(field, "LastModified") == 0)
    snprintf(o->last_modified, sizeof o->last_modified, "%s", text);
}

static void on_list_field(void *ud, const char *path, const char *text, size_t len) {
  page_reader *r = ud;
  lg_s3_listing *pg = r->page;
  const char *p = strncmp(path, "ListBucketResult/", 17) == 0 ? path + 17 : NULL;
  if (p == NULL || r->oom) return;
  if (text == NULL) {   /* an element opens: a new object */
    if (strcmp(p, "Contents") != 0) return;
    if (grow((void **)&pg->objects, &r->cap, pg->count, sizeof *pg->objects) != LG_OK) {
      r->oom = 1;
      return;
    }
    memset(&pg->objects[pg->count++], 0, sizeof *pg->objects);
  } else if (strncmp(p, "Contents/", 9) == 0 && pg->count > 0) {
    on_contents(r, p + 9, text);
  } else if (strcmp(p, "CommonPrefixes/Prefix") == 0) {
    if (grow((void **)&pg->prefixes, &r->prefix_cap, pg->nprefixes, sizeof *pg->prefixes) != LG_OK ||
        (pg->prefixes[pg->nprefixes] = strdup(text)) == NULL)
      r->oom = 1;
    else
      pg->nprefixes++;
  } else if (strcmp(p, "IsTruncated") == 0) {
    pg->truncated = strcmp(text, "true") == 0;
  } else if (strcmp(p, "NextContinuationToken") == 0) {
    free(pg->next_token);
    if ((pg->next_token = strdup(text)) == NULL) r->oom = 1;
  }
}

void lg_s3_listing_free(lg_s3_listing *page) {
  for (size_t i = 0; i < page->nprefixes; i++) free(page->prefixes[i]);
  free(page->prefixes);
  free(page->objects);
  free(page->next_token);
  *page = (lg_s3_listing)LG_S3_LISTING_INIT;
}

int lg_s3_list_page(lg_s3 *s3, const char *bucket, const lg_s3_list_options *opt,
                    lg_s3_listing *page, lg_aws_error *err) {
  lg_s3_list_options o = opt ? *opt : (lg_s3_list_options){0};
  lg_buf query = LG_BUF_INIT;
  lg_s3_request r;
  lg_http_response resp = LG_HTTP_RESPONSE_INIT;
  char what[600], detail[160];
  lg_s3_listing_free(page);
  snprintf(what, sizeof what, "LIST s3://%s/%s", bucket, o.prefix ? o.prefix : "");
  if (list_query(&query, &o) != LG_OK) {
    lg_s3_local_error(err, what, "out of memory");
    lg_buf_free(&query);
    return LG_ERR;
  }
  int rc = lg_s3_request_init(s3, &r, "GET", bucket, NULL, query.data, err);
  lg_buf_free(&query);
  if (rc != LG_OK) return LG_ERR;
  snprintf(r.what, sizeof r.what, "%s", what);
  rc = lg_s3_send(s3, &r, NULL, 0, MAX_LISTING, 0, &resp, err);
  page_reader reader = {page, 0, 0, 0};
  if (rc == LG_OK && (lg_xml_walk(resp.body.data ? resp.body.data : "", resp.body.len,
                                  on_list_field, &reader, detail, sizeof detail) != LG_OK ||
                      reader.oom)) {
    lg_s3_local_error(err, what, reader.oom ? "out of memory" : detail);
    rc = LG_ERR;
  }
  if (rc == LG_OK && page->truncated && page->next_token == NULL) {
    lg_s3_local_error(err, what, "a truncated listing without NextContinuationToken");
    rc = LG_ERR;
  }
  if (rc != LG_OK) lg_s3_listing_free(page);
  lg_http_response_free(&resp);
  lg_s3_request_free(&r);
  return rc;
}

int lg_s3_list(lg_s3 *s3, const char *bucket, const char *prefix,
               int (*each)(void *ud, const lg_s3_object *o), void *ud, lg_aws_error *err) {
  lg_s3_listing page = LG_S3_LISTING_INIT;
  lg_s3_list_options o = {prefix, NULL, NULL, NULL, 0};
  char *token = NULL;
  int rc, stop = 0;
  do {
    o.continuation_token = token;
    rc = lg_s3_list_page(s3, bucket, &o, &page, err);
    for (size_t i = 0; rc == LG_OK && !stop && i < page.count; i++) stop = each(ud, &page.objects[i]);
    free(token);
    token = page.next_token;   /* taken over from the page */
    page.next_token = NULL;
  } while (rc == LG_OK && !stop && page.truncated);
  free(token);
  lg_s3_listing_free(&page);
  return rc;
}
