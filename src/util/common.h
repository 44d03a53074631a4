/* Shared status codes and tiny macros; every subsystem may include this. */
#ifndef LG_COMMON_H
#define LG_COMMON_H

#define LG_OK   0
#define LG_ERR (-1)

#define LG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Size of the caller-owned error buffers passed as (char *err, size_t errlen). */
#define LG_ERRLEN 256

#endif
