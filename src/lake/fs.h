/* Durable file-system steps the lake needs: a file is durable once its data is fsynced
 * and the directory entry that names it is fsynced too (rename and create change the
 * directory, not the file). Functions return LG_OK, or LG_ERR with errno set. */
#ifndef LG_LAKE_FS_H
#define LG_LAKE_FS_H

#include <stddef.h>

/* mkdir -p with the given mode. With `durable`, every directory it creates is made
 * durable by fsyncing its parent. */
int lg_fs_mkdirs(const char *path, int mode, int durable);

/* fsyncs the directory `path`. */
int lg_fs_fsync_dir(const char *path);

/* fsyncs the directory that holds `path` (the part before the last '/'). */
int lg_fs_fsync_parent(const char *path);

/* write(2) until all n bytes are written (retrying short writes and EINTR). */
int lg_fs_write_all(int fd, const void *p, size_t n);

/* Publishes the file written through fd under its temporary name `tmp` as `path`, durably:
 * fsync, close, rename over path, fsync the directory. Always closes fd; on failure
 * removes tmp and returns LG_ERR with errno set and *step naming the step that failed. */
int lg_fs_publish(int fd, const char *tmp, const char *path, const char **step);

/* Replaces `path` with data[0..len) durably: writes "<path>.tmp", fsyncs it, renames it
 * over path, fsyncs the directory. */
int lg_fs_replace_file(const char *path, const void *data, size_t len);

/* Removes dir and then its parents up to (not including) `stop`, while they are empty. */
void lg_fs_prune_dirs(const char *dir, const char *stop);

#endif
