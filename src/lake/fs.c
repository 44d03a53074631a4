/* Durable file-system steps (see fs.h). Layer: POSIX only. */
#include "lake/fs.h"
#include "util/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lg_fs_fsync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return LG_ERR;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc == 0 ? LG_OK : LG_ERR;
}

int lg_fs_fsync_parent(const char *path) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL) return lg_fs_fsync_dir(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= sizeof dir) {
    errno = ENAMETOOLONG;
    return LG_ERR;
  }
  memcpy(dir, path, n);
  dir[n] = '\0';
  return lg_fs_fsync_dir(dir);
}

/* Creates one directory; with `durable`, fsyncs its parent when it was new. */
static int make_one(const char *path, int mode, int durable) {
  if (mkdir(path, (mode_t)mode) == 0) return durable ? lg_fs_fsync_parent(path) : LG_OK;
  if (errno != EEXIST) return LG_ERR;
  struct stat st;
  if (stat(path, &st) != 0) return LG_ERR;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return LG_ERR;
  }
  return LG_OK;
}

int lg_fs_mkdirs(const char *path, int mode, int durable) {
  char tmp[PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) {
    errno = n ? ENAMETOOLONG : ENOENT;
    return LG_ERR;
  }
  memcpy(tmp, path, n + 1);
  struct stat st;
  if (stat(tmp, &st) == 0 && S_ISDIR(st.st_mode)) return LG_OK;   /* the common case */
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = make_one(tmp, mode, durable);
    *p = '/';
    if (rc != LG_OK) return LG_ERR;
  }
  return make_one(tmp, mode, durable);
}

int lg_fs_write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return LG_ERR;
    }
    p += w;
    n -= (size_t)w;
  }
  return LG_OK;
}

int lg_fs_publish(int fd, const char *tmp, const char *path, const char **step) {
  *step = "fsync";
  int ok = fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    *step = "close";
    ok = 0;
    saved = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    *step = "rename";
    ok = 0;
    saved = errno;
  }
  if (!ok) {
    unlink(tmp);
    errno = saved;
    return LG_ERR;
  }
  *step = "fsync the directory of";
  return lg_fs_fsync_parent(path);
}

int lg_fs_replace_file(const char *path, const void *data, size_t len) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return LG_ERR;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return LG_ERR;
  if (lg_fs_write_all(fd, data, len) != LG_OK) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return LG_ERR;
  }
  const char *step;
  return lg_fs_publish(fd, tmp, path, &step);
}

void lg_fs_prune_dirs(const char *dir, const char *stop) {
  char tmp[PATH_MAX];
  size_t stop_len = strlen(stop);
  if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) return;
  while (strlen(tmp) > stop_len && strncmp(tmp, stop, stop_len) == 0) {
    if (rmdir(tmp) != 0) return;   /* not empty (or gone): stop there */
    char *slash = strrchr(tmp, '/');
    if (slash == NULL) return;
    *slash = '\0';
  }
}
