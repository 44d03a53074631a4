/* Lake root parsing and backend selection (see backend.h): the one place that knows
 * which URL scheme means which backend. */
#include "lake/backend.h"
#include "util/common.h"

#include <stdio.h>
#include <string.h>

static int is_set(const char *s) {
  return s != NULL && *s != '\0' && strcmp(s, "none") != 0;
}

lg_backend *lg_backend_open(const char *root, const lg_backend_options *opt, char *err,
                            size_t errlen) {
  lg_backend_options none = {NULL, NULL};
  if (opt == NULL) opt = &none;
  if (strncmp(root, "s3://", 5) == 0) return lg_backend_s3_open(root, opt, err, errlen);
  if (strstr(root, "://") != NULL && strncmp(root, "file://", 7) != 0) {
    snprintf(err, errlen, "lake: unsupported lake URL '%s' (use DIR, file://DIR or s3://BUCKET/PREFIX)", root);
    return NULL;
  }
  if (is_set(opt->sse) || is_set(opt->sse_kms_key_id)) {
    snprintf(err, errlen, "lake: %s: server-side encryption (lake_sse, lake_sse_kms_key_id) "
             "applies to s3:// lakes only", root);
    return NULL;
  }
  return lg_backend_file_open(strncmp(root, "file://", 7) == 0 ? root + 7 : root, err, errlen);
}

void lg_backend_close(lg_backend *b) {
  if (b) b->vt->close(b);
}
