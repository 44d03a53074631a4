/* Generations of the routes (see generation.h). */
#define LOG_TAG "reload"
#include "lua/generation.h"
#include "util/common.h"
#include "util/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct lg_generation {
  atomic_int refs;
  long id;
  lg_vm_options opt;       /* opt.routes points at snap */
  lg_snapshot *snap;       /* owned */
};

struct lg_generations {
  lg_vm_options base;
  pthread_mutex_t reload_mu;    /* serializes reloads */
  pthread_mutex_t current_mu;   /* guards current */
  lg_generation *current;       /* holds one reference; NULL before the first reload */
  atomic_long current_id;
  atomic_long reloads_ok, reloads_failed;
};

lg_generations *lg_generations_new(const lg_vm_options *base) {
  lg_generations *g = calloc(1, sizeof *g);
  if (g == NULL) return NULL;
  g->base = *base;
  g->base.routes = NULL;
  pthread_mutex_init(&g->reload_mu, NULL);
  pthread_mutex_init(&g->current_mu, NULL);
  return g;
}

static void generation_free(lg_generation *gen) {
  lg_snapshot_free(gen->snap);
  free(gen);
}

void lg_generation_release(lg_generation *gen) {
  if (gen && atomic_fetch_sub(&gen->refs, 1) == 1) generation_free(gen);
}

/* Builds the candidate and checks it; returns it with one reference, or NULL. */
static lg_generation *build(lg_generations *g, long id, char *err, size_t errlen) {
  lg_generation *gen = calloc(1, sizeof *gen);
  if (gen == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  atomic_init(&gen->refs, 1);
  gen->id = id;
  gen->snap = lg_snapshot_read(g->base.routes_dir, err, errlen);
  if (gen->snap == NULL) {
    generation_free(gen);
    return NULL;
  }
  gen->opt = g->base;
  gen->opt.routes = gen->snap;
  lg_vm *vm = lg_vm_new(&gen->opt, err, errlen);
  if (vm == NULL || lg_vm_run_on_start(vm, err, errlen) != LG_OK) {
    lg_vm_close(vm);
    generation_free(gen);
    return NULL;
  }
  lg_vm_close(vm);
  return gen;
}

int lg_generations_reload(lg_generations *g, char *err, size_t errlen) {
  pthread_mutex_lock(&g->reload_mu);
  long id = atomic_load(&g->current_id) + 1;
  lg_generation *gen = build(g, id, err, errlen);
  if (gen == NULL) {
    atomic_fetch_add(&g->reloads_failed, 1);
    pthread_mutex_unlock(&g->reload_mu);
    return LG_ERR;
  }
  pthread_mutex_lock(&g->current_mu);
  lg_generation *old = g->current;
  g->current = gen;
  atomic_store(&g->current_id, id);
  pthread_mutex_unlock(&g->current_mu);
  lg_generation_release(old);
  atomic_fetch_add(&g->reloads_ok, 1);
  pthread_mutex_unlock(&g->reload_mu);
  return LG_OK;
}

long lg_generations_current_id(lg_generations *g) {
  return atomic_load(&g->current_id);
}

void lg_generations_counts(lg_generations *g, long *ok, long *failed) {
  *ok = atomic_load(&g->reloads_ok);
  *failed = atomic_load(&g->reloads_failed);
}

lg_generation *lg_generations_acquire(lg_generations *g) {
  pthread_mutex_lock(&g->current_mu);
  lg_generation *gen = g->current;
  if (gen) atomic_fetch_add(&gen->refs, 1);
  pthread_mutex_unlock(&g->current_mu);
  return gen;
}

long lg_generation_id(const lg_generation *gen) {
  return gen->id;
}

lg_vm *lg_generation_new_vm(const lg_generation *gen, char *err, size_t errlen) {
  return lg_vm_new(&gen->opt, err, errlen);
}

void lg_generations_free(lg_generations *g) {
  if (g == NULL) return;
  lg_generation_release(g->current);
  pthread_mutex_destroy(&g->reload_mu);
  pthread_mutex_destroy(&g->current_mu);
  free(g);
}
