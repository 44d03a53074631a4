/* Generations of the routes, for hot reload. A generation is a snapshot of the routes
 * folder that loaded cleanly in a fresh VM; every worker builds its VM from the current
 * generation and moves to a newer one between requests. A reload that fails leaves the
 * current generation serving. This is the owner of "the generation pointer" (DESIGN.md). */
#ifndef LG_GENERATION_H
#define LG_GENERATION_H

#include <stddef.h>

#include "lua/vm.h"

typedef struct lg_generation lg_generation;
typedef struct lg_generations lg_generations;

/* Creates the owner, with no generation yet. base->routes is ignored (each generation has
 * its own snapshot); base's strings must outlive the owner. Free with lg_generations_free. */
lg_generations *lg_generations_new(const lg_vm_options *base);

/* Reads the routes folder, loads every script and model in a fresh VM and runs the on_start
 * hooks; only if all succeed does the result become the current generation. Returns LG_OK,
 * or LG_ERR with a message naming file:line in err. Reloads are serialized. */
int lg_generations_reload(lg_generations *g, char *err, size_t errlen);

/* Id of the current generation (0 before the first successful reload); cheap, lock-free. */
long lg_generations_current_id(lg_generations *g);

/* Number of successful and failed reloads so far. */
void lg_generations_counts(lg_generations *g, long *ok, long *failed);

/* Returns the current generation with a reference: release it with lg_generation_release. */
lg_generation *lg_generations_acquire(lg_generations *g);

/* Drops a reference; the last one frees the generation. Accepts NULL. */
void lg_generation_release(lg_generation *gen);

long lg_generation_id(const lg_generation *gen);

/* Builds a VM of this generation. Returns NULL with a message in err on failure. */
lg_vm *lg_generation_new_vm(const lg_generation *gen, char *err, size_t errlen);

/* Frees the owner and drops its reference to the current generation. Accepts NULL. */
void lg_generations_free(lg_generations *g);

#endif
