#ifndef BRIDGED_CMALLOCCOUNTER_H
#define BRIDGED_CMALLOCCOUNTER_H
#include <stdint.h>
/// Test support: counts calls to malloc, calloc, realloc and posix_memalign made by the
/// calling thread while counting is on. Interposes the process's allocator (the test binary
/// defines these symbols, glibc's __libc_* functions do the work).
void malloc_counter_start(void);
uint64_t malloc_counter_stop(void);
#endif
