/* Development reload: watches the routes folder with inotify and calls back once the files
 * have been quiet for a moment after a change. */
#ifndef LG_WATCH_H
#define LG_WATCH_H

#include <stddef.h>

typedef struct lg_watch lg_watch;

/* Starts a thread that watches dir and every folder below it. on_change(ud) runs on that
 * thread, 100 ms after the last of a burst of changes. Returns NULL with a message in err on
 * failure. Stop and free with lg_watch_stop. */
lg_watch *lg_watch_start(const char *dir, void (*on_change)(void *ud), void *ud, char *err,
                         size_t errlen);

/* Stops the thread and frees the watch. Accepts NULL. */
void lg_watch_stop(lg_watch *w);

#endif
