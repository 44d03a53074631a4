/* inotify watcher for --watch (see watch.h). Layer: libc, Linux inotify, pthreads. */
#define LOG_TAG "watch"
#include "lua/watch.h"
#include "util/common.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define QUIET_MS 100
#define EVENTS (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
                IN_DELETE_SELF | IN_MODIFY)

struct lg_watch {
  char *dir;
  int fd;            /* inotify instance */
  int stop_pipe[2];  /* written by lg_watch_stop to wake the thread */
  pthread_t thread;
  void (*on_change)(void *ud);
  void *ud;
};

/* Adds a watch on path and every folder below it (new folders are added on the next change). */
static void add_tree(int fd, const char *path, int depth) {
  if (depth > 16 || inotify_add_watch(fd, path, EVENTS) < 0) return;
  DIR *d = opendir(path);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    struct stat st;
    if (stat(child, &st) == 0 && S_ISDIR(st.st_mode)) add_tree(fd, child, depth + 1);
  }
  closedir(d);
}

/* Drains pending events; returns 1 if there were any. */
static int drain(int fd) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  int any = 0;
  while (read(fd, buf, sizeof buf) > 0) any = 1;
  return any;
}

static void *run(void *arg) {
  lg_watch *w = arg;
  struct pollfd fds[2] = {{w->fd, POLLIN, 0}, {w->stop_pipe[0], POLLIN, 0}};
  int pending = 0;
  for (;;) {
    int n = poll(fds, 2, pending ? QUIET_MS : -1);
    if (n < 0 && errno != EINTR) break;
    if (fds[1].revents) break;
    if (n > 0 && fds[0].revents) {
      pending |= drain(w->fd);
      continue;   /* wait until the burst is over */
    }
    if (pending) {
      pending = 0;
      add_tree(w->fd, w->dir, 0);   /* pick up folders made since */
      w->on_change(w->ud);
    }
  }
  return NULL;
}

lg_watch *lg_watch_start(const char *dir, void (*on_change)(void *ud), void *ud, char *err,
                         size_t errlen) {
  lg_watch *w = calloc(1, sizeof *w);
  if (w == NULL || (w->dir = strdup(dir)) == NULL) {
    free(w);
    snprintf(err, errlen, "watch: out of memory");
    return NULL;
  }
  w->on_change = on_change;
  w->ud = ud;
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0 || pipe2(w->stop_pipe, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "watch: %s: %s", dir, strerror(errno));
    if (w->fd >= 0) close(w->fd);
    free(w->dir);
    free(w);
    return NULL;
  }
  add_tree(w->fd, dir, 0);
  if (pthread_create(&w->thread, NULL, run, w) != 0) {
    snprintf(err, errlen, "watch: cannot start a thread");
    close(w->fd);
    close(w->stop_pipe[0]);
    close(w->stop_pipe[1]);
    free(w->dir);
    free(w);
    return NULL;
  }
  return w;
}

void lg_watch_stop(lg_watch *w) {
  if (w == NULL) return;
  ssize_t n = write(w->stop_pipe[1], "x", 1);
  (void)n;
  pthread_join(w->thread, NULL);
  close(w->fd);
  close(w->stop_pipe[0]);
  close(w->stop_pipe[1]);
  free(w->dir);
  free(w);
}
