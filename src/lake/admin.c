/* The admin unix socket (see admin.h): one thread polls the listening socket and a wake
 * pipe, and serves one connection at a time. Layer: POSIX. */
#define LOG_TAG "lake"
#include "lake/admin.h"
#include "lake/lake.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_BYTES 256
#define READ_TIMEOUT_MS 5000

struct lg_admin {
  int listen_fd;
  int wake[2];               /* writing to wake[1] stops the thread */
  int dir_fd;                /* the spool directory, for long paths (see socket_address) */
  char path[PATH_MAX];       /* the socket file */
  lg_admin_handler handler;
  void *ctx;
  pthread_t thread;
};

/* Fills addr for <spool>/lakegate.sock. sun_path holds 108 bytes; a longer path goes
 * through /proc/self/fd/<dir_fd>/, which names the same directory. */
static int socket_address(const char *spool, int *dir_fd, struct sockaddr_un *addr, char *err,
                          size_t errlen) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  int n = snprintf(addr->sun_path, sizeof addr->sun_path, "%s/%s", spool, LG_ADMIN_SOCKET);
  if (n > 0 && (size_t)n < sizeof addr->sun_path) return LG_OK;
  *dir_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*dir_fd < 0) {
    snprintf(err, errlen, "lake: open %s: %s", spool, strerror(errno));
    return LG_ERR;
  }
  snprintf(addr->sun_path, sizeof addr->sun_path, "/proc/self/fd/%d/%s", *dir_fd, LG_ADMIN_SOCKET);
  return LG_OK;
}

/* Reads one line into buf, waiting up to deadline_ms (monotonic). Returns its length or -1. */
static long read_line(int fd, char *buf, size_t cap, int64_t deadline_ms) {
  size_t len = 0;
  while (len + 1 < cap) {
    int64_t left = deadline_ms - lg_clock_monotonic_ms();
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left)) <= 0) return -1;
    ssize_t n = read(fd, buf + len, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    if (buf[len] == '\n') break;
    len++;
  }
  buf[len] = '\0';
  return (long)len;
}

static void serve_one(lg_admin *a, int fd) {
  char line[LINE_MAX_BYTES];
  if (read_line(fd, line, sizeof line, lg_clock_monotonic_ms() + READ_TIMEOUT_MS) < 0) return;
  lg_buf reply = LG_BUF_INIT;
  int rc = a->handler(a->ctx, line, &reply);
  lg_buf out = LG_BUF_INIT;
  if (lg_buf_appendf(&out, "%s %s\n", rc == LG_OK ? "ok" : "error",
                     reply.data ? reply.data : "") == LG_OK) {
    const char *p = out.data;
    size_t left = out.len;
    while (left > 0) {
      ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      p += n;
      left -= (size_t)n;
    }
  }
  lg_buf_free(&out);
  lg_buf_free(&reply);
}

static void *admin_thread(void *arg) {
  lg_admin *a = arg;
  for (;;) {
    struct pollfd p[2] = {{a->listen_fd, POLLIN, 0}, {a->wake[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      lg_error("admin socket %s: poll: %s", a->path, strerror(errno));
      break;
    }
    if (p[1].revents) break;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve_one(a, fd);
    close(fd);
  }
  return NULL;
}

lg_admin *lg_admin_start(const char *spool, lg_admin_handler handler, void *ctx, char *err,
                         size_t errlen) {
  lg_admin *a = calloc(1, sizeof *a);
  if (a == NULL) {
    snprintf(err, errlen, "lake: out of memory");
    return NULL;
  }
  a->listen_fd = a->wake[0] = a->wake[1] = a->dir_fd = -1;
  a->handler = handler;
  a->ctx = ctx;
  snprintf(a->path, sizeof a->path, "%s/%s", spool, LG_ADMIN_SOCKET);
  struct sockaddr_un addr;
  if (socket_address(spool, &a->dir_fd, &addr, err, errlen) != LG_OK) goto fail;
  unlink(addr.sun_path);   /* a stale socket of a killed server; we hold the spool lock */
  a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (a->listen_fd < 0 || bind(a->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      chmod(addr.sun_path, 0600) != 0 || listen(a->listen_fd, 8) != 0) {
    snprintf(err, errlen, "lake: admin socket %s: %s", a->path, strerror(errno));
    goto fail;
  }
  if (pipe2(a->wake, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "lake: pipe: %s", strerror(errno));
    goto fail;
  }
  int rc = pthread_create(&a->thread, NULL, admin_thread, a);
  if (rc != 0) {
    snprintf(err, errlen, "lake: cannot start the admin thread: %s", strerror(rc));
    goto fail;
  }
  return a;
fail:
  if (a->listen_fd >= 0) {
    close(a->listen_fd);
    unlink(a->path);
  }
  if (a->wake[0] >= 0) close(a->wake[0]);
  if (a->wake[1] >= 0) close(a->wake[1]);
  if (a->dir_fd >= 0) close(a->dir_fd);
  free(a);
  return NULL;
}

void lg_admin_stop(lg_admin *a) {
  if (a == NULL) return;
  ssize_t w = write(a->wake[1], "x", 1);
  (void)w;
  pthread_join(a->thread, NULL);
  close(a->listen_fd);
  unlink(a->path);
  close(a->wake[0]);
  close(a->wake[1]);
  if (a->dir_fd >= 0) close(a->dir_fd);
  free(a);
}

int lg_admin_call(const char *spool, const char *command, int64_t timeout_ms, lg_buf *reply,
                  char *err, size_t errlen) {
  int dir_fd = -1, fd = -1, rc = LG_ERR;
  struct sockaddr_un addr;
  if (socket_address(spool, &dir_fd, &addr, err, errlen) != LG_OK) return LG_ERR;
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    goto done;
  }
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    snprintf(err, errlen, "no lakegate serves spool %s (connect %s/%s: %s)", spool, spool,
             LG_ADMIN_SOCKET, strerror(e));
    rc = (e == ENOENT || e == ECONNREFUSED) ? LG_LAKE_NO_SERVER : LG_ERR;
    goto done;
  }
  char line[LINE_MAX_BYTES];
  int n = snprintf(line, sizeof line, "%s\n", command);
  if (n < 0 || (size_t)n >= sizeof line || send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
    snprintf(err, errlen, "send to %s/%s: %s", spool, LG_ADMIN_SOCKET, strerror(errno));
    goto done;
  }
  char answer[1024];
  if (read_line(fd, answer, sizeof answer, lg_clock_monotonic_ms() + timeout_ms) < 0) {
    snprintf(err, errlen, "no answer from %s/%s within %lld ms", spool, LG_ADMIN_SOCKET,
             (long long)timeout_ms);
    goto done;
  }
  if (strncmp(answer, "ok", 2) == 0) {
    lg_buf_reset(reply);
    lg_buf_appends(reply, answer[2] == ' ' ? answer + 3 : "");
    rc = LG_OK;
  } else {
    snprintf(err, errlen, "%s", strncmp(answer, "error ", 6) == 0 ? answer + 6 : answer);
  }
done:
  if (fd >= 0) close(fd);
  if (dir_fd >= 0) close(dir_fd);
  return rc;
}
