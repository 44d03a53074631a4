/* Body-read deadlines (see watchdog.h). civetweb does not expose a connection's socket, so
 * an overdue connection's descriptor is found by its addresses (peer address and port plus
 * local port identify one TCP connection); the slot's lock keeps the connection open while
 * the watchdog looks. Overdue connections are rare, so the scan costs nothing in the
 * normal case. Layer: libc, POSIX sockets, pthreads. */
#define LOG_TAG "http"
#include "http/watchdog.h"
#include "util/clock.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define TICK_MS 100

struct lg_watch_slot {
  pthread_mutex_t mu;       /* held by the watchdog while it acts on the connection */
  int64_t deadline_ms;      /* 0 when disarmed */
  char remote_addr[48];
  int remote_port, local_port;
  int cut;                  /* the watchdog shut the connection's reading side */
  lg_watch_slot *next;
};

struct lg_watchdog {
  pthread_mutex_t mu;       /* guards slots and stopping */
  pthread_cond_t wake;
  lg_watch_slot *slots;
  int stopping;
  pthread_t thread;
};

/* 1 if fd is a TCP connection between the slot's addresses. */
static int is_connection(int fd, const lg_watch_slot *s) {
  struct sockaddr_storage peer = {0}, local = {0};
  socklen_t plen = sizeof peer, llen = sizeof local;
  if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0) return 0;
  if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0) return 0;
  char addr[INET6_ADDRSTRLEN] = "";
  int pport = -1, lport = -1;
  if (peer.ss_family == AF_INET) {
    struct sockaddr_in *p = (struct sockaddr_in *)&peer;
    inet_ntop(AF_INET, &p->sin_addr, addr, sizeof addr);
    pport = ntohs(p->sin_port);
    lport = ntohs(((struct sockaddr_in *)&local)->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    struct sockaddr_in6 *p = (struct sockaddr_in6 *)&peer;
    inet_ntop(AF_INET6, &p->sin6_addr, addr, sizeof addr);
    pport = ntohs(p->sin6_port);
    lport = ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
  } else {
    return 0;
  }
  return pport == s->remote_port && lport == s->local_port && strcmp(addr, s->remote_addr) == 0;
}

static void cut(lg_watch_slot *s) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd == dirfd(d) || !is_connection(fd, s)) continue;
    shutdown(fd, SHUT_RD);
    s->cut = 1;
    lg_warn("client %s:%d too slow sending its body: connection cut", s->remote_addr, s->remote_port);
    break;
  }
  closedir(d);
}

static void *run(void *arg) {
  lg_watchdog *wd = arg;
  pthread_mutex_lock(&wd->mu);
  while (!wd->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += TICK_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&wd->wake, &wd->mu, &until);
    int64_t now = lg_clock_monotonic_ms();
    for (lg_watch_slot *s = wd->slots; s && !wd->stopping; s = s->next) {
      pthread_mutex_lock(&s->mu);
      if (s->deadline_ms && now > s->deadline_ms && !s->cut) cut(s);
      pthread_mutex_unlock(&s->mu);
    }
  }
  pthread_mutex_unlock(&wd->mu);
  return NULL;
}

lg_watchdog *lg_watchdog_start(void) {
  lg_watchdog *wd = calloc(1, sizeof *wd);
  if (wd == NULL) return NULL;
  pthread_mutex_init(&wd->mu, NULL);
  pthread_cond_init(&wd->wake, NULL);
  if (pthread_create(&wd->thread, NULL, run, wd) != 0) {
    pthread_cond_destroy(&wd->wake);
    pthread_mutex_destroy(&wd->mu);
    free(wd);
    return NULL;
  }
  return wd;
}

void lg_watchdog_stop(lg_watchdog *wd) {
  if (wd == NULL) return;
  pthread_mutex_lock(&wd->mu);
  wd->stopping = 1;
  pthread_cond_signal(&wd->wake);
  pthread_mutex_unlock(&wd->mu);
  pthread_join(wd->thread, NULL);
  lg_watch_slot *s = wd->slots;
  while (s) {
    lg_watch_slot *next = s->next;
    pthread_mutex_destroy(&s->mu);
    free(s);
    s = next;
  }
  pthread_cond_destroy(&wd->wake);
  pthread_mutex_destroy(&wd->mu);
  free(wd);
}

lg_watch_slot *lg_watchdog_slot(lg_watchdog *wd) {
  lg_watch_slot *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_lock(&wd->mu);
  s->next = wd->slots;
  wd->slots = s;
  pthread_mutex_unlock(&wd->mu);
  return s;
}

void lg_watch_arm(lg_watch_slot *s, int64_t deadline_ms, const char *remote_addr,
                  int remote_port, int local_port) {
  pthread_mutex_lock(&s->mu);
  snprintf(s->remote_addr, sizeof s->remote_addr, "%s", remote_addr);
  s->remote_port = remote_port;
  s->local_port = local_port;
  s->cut = 0;
  s->deadline_ms = deadline_ms;
  pthread_mutex_unlock(&s->mu);
}

int lg_watch_disarm(lg_watch_slot *s) {
  pthread_mutex_lock(&s->mu);
  s->deadline_ms = 0;
  int was_cut = s->cut;
  s->cut = 0;
  pthread_mutex_unlock(&s->mu);
  return was_cut;
}
