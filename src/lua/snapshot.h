/* A snapshot of the routes folder: every file's bytes, read at one moment, so that all the
 * VMs of one generation run the same scripts even if the files change afterwards. */
#ifndef LG_SNAPSHOT_H
#define LG_SNAPSHOT_H

#include <stddef.h>

typedef struct lg_snapshot lg_snapshot;

/* Reads every regular file below dir (recursively; names starting with '.' are skipped).
 * Returns NULL with a message in err if dir cannot be read or holds more than the limits
 * (10000 files, 64 MiB). Free with lg_snapshot_free. */
lg_snapshot *lg_snapshot_read(const char *dir, char *err, size_t errlen);

size_t lg_snapshot_count(const lg_snapshot *s);
/* Path of file i relative to the folder, with '/' separators, e.g. "schemas/a.json". */
const char *lg_snapshot_path(const lg_snapshot *s, size_t i);
const char *lg_snapshot_data(const lg_snapshot *s, size_t i, size_t *len);

/* Accepts NULL. */
void lg_snapshot_free(lg_snapshot *s);

#endif
