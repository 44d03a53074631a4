/* Debian's civetweb is built with CIVETWEB_THREAD_STACK_SIZE=102400 and asks for 100 KiB
 * stacks for its worker threads, too small for a Lua VM that runs route scripts (Lua
 * allows 200 nested C calls) plus civetweb's own frames (mg_send_http_error alone takes
 * about 12 KiB). civetweb has no option for it, so the binary interposes
 * pthread_attr_setstacksize and raises every request below LG_THREAD_STACK_MIN. Stacks
 * are mapped lazily, so 128 workers cost address space, not memory.
 * The symbol is exported from the executable (see src/CMakeLists.txt), which makes the
 * dynamic linker bind civetweb's call to this definition. */
#include <dlfcn.h>
#include <pthread.h>

#define LG_THREAD_STACK_MIN (1024 * 1024)

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size) {
  static int (*real)(pthread_attr_t *, size_t);
  if (real == NULL) real = (int (*)(pthread_attr_t *, size_t))dlsym(RTLD_NEXT, "pthread_attr_setstacksize");
  if (size < LG_THREAD_STACK_MIN) size = LG_THREAD_STACK_MIN;
  return real(attr, size);
}
