/* Random identifiers (request ids, object name suffixes). Not for secrets. */
#ifndef LG_RANDOM_H
#define LG_RANDOM_H

/* Writes 32 lowercase hex digits (128 bits from a per-thread xorshift128+ generator
 * seeded by getrandom) and a '\0'. */
void lg_random_id(char out[33]);

#endif
