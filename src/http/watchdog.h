/* Body-read deadlines. civetweb's mg_read keeps waiting as long as each byte arrives within
 * request_timeout_ms, so a client trickling its body a byte at a time would hold a worker
 * forever. Workers arm a slot with a deadline while they read a body; a watchdog thread
 * shuts down the reading side of any connection past its deadline, which makes the
 * worker's mg_read return so it can answer 408. */
#ifndef LG_WATCHDOG_H
#define LG_WATCHDOG_H

#include <stdint.h>

typedef struct lg_watchdog lg_watchdog;
typedef struct lg_watch_slot lg_watch_slot;

/* Starts the watchdog thread. Returns NULL when out of resources. */
lg_watchdog *lg_watchdog_start(void);

/* Stops the thread and frees every slot. Accepts NULL. */
void lg_watchdog_stop(lg_watchdog *wd);

/* A slot for one worker (owned by the watchdog); NULL when out of memory. */
lg_watch_slot *lg_watchdog_slot(lg_watchdog *wd);

/* Arms the slot: the connection from remote_addr:remote_port to local_port must finish
 * reading by deadline_ms (monotonic). */
void lg_watch_arm(lg_watch_slot *slot, int64_t deadline_ms, const char *remote_addr,
                  int remote_port, int local_port);

/* Disarms the slot; returns 1 if the watchdog cut the connection meanwhile. */
int lg_watch_disarm(lg_watch_slot *slot);

#endif
