/* The lake's local admin endpoint: a unix socket, <spool>/lakegate.sock (mode 0600),
 * that `lakegate flush` talks to. A unix socket in the spool directory is local by
 * construction (no port to expose, file permissions decide who may call), finds the
 * right server from the spool path alone (no pid file), and answers synchronously, so the
 * command returns exactly when the flush is done and can report its error.
 *
 * Protocol: the client sends one line ("flush <timeout_ms>\n"), the server answers one
 * line ("ok\n" or "error <message>\n") and closes. */
#ifndef LG_LAKE_ADMIN_H
#define LG_LAKE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define LG_ADMIN_SOCKET "lakegate.sock"

typedef struct lg_admin lg_admin;

/* Handles one command line (without the newline); writes the reply text (without the
 * newline) to reply. Returns LG_OK ("ok ...") or LG_ERR ("error ..."). */
typedef int (*lg_admin_handler)(void *ctx, const char *command, lg_buf *reply);

/* Listens on <spool>/lakegate.sock (replacing a stale socket file; the caller holds the
 * spool lock) and serves commands on a thread. Returns NULL with a message in err. */
lg_admin *lg_admin_start(const char *spool, lg_admin_handler handler, void *ctx, char *err,
                         size_t errlen);
/* Stops serving and removes the socket file. Accepts NULL. */
void lg_admin_stop(lg_admin *a);

/* Sends `command` to the server of `spool` and waits up to timeout_ms for its reply.
 * Returns LG_OK with the reply text in reply, LG_ERR with a message in err (the server's
 * "error ..." reply included), or LG_LAKE_NO_SERVER (nothing listens on the socket). */
int lg_admin_call(const char *spool, const char *command, int64_t timeout_ms, lg_buf *reply,
                  char *err, size_t errlen);

#endif
