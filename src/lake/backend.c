/* Lake root parsing and backend selection (see backend.h): the one place that knows
 * which URL scheme means which backend. */
#include "lake/backend.h"
#include "util/common.h"

#include <stdio.h>
#include <string.h>

lg_backend *lg_backend_open(const char *root, char *err, size_t errlen) {
  if (strncmp(root, "file://", 7) == 0) return lg_backend_file_open(root + 7, err, errlen);
  if (strncmp(root, "s3://", 5) == 0) {
    /* The S3 backend (src/aws) registers here: lg_backend_s3_open(root + 5, ...). */
    snprintf(err, errlen, "lake: %s: this build has no S3 backend yet (use DIR or file://DIR)", root);
    return NULL;
  }
  if (strstr(root, "://") != NULL) {
    snprintf(err, errlen, "lake: unsupported lake URL '%s' (use DIR, file://DIR or s3://BUCKET/PREFIX)", root);
    return NULL;
  }
  return lg_backend_file_open(root, err, errlen);
}

void lg_backend_close(lg_backend *b) {
  if (b) b->vt->close(b);
}
