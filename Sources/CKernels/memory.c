#include "ck_memory.h"
#include <malloc.h>
#include <limits.h>

int ck_heap_keep_freed_blocks(void) {
#if defined(__GLIBC__)
    // 1 GiB: blocks below it come from the heap (brk / arena), not a private mmap per block.
    int mapped = mallopt(M_MMAP_THRESHOLD, 1 << 30);
    int trimmed = mallopt(M_TRIM_THRESHOLD, INT_MAX);
    return mapped == 1 && trimmed == 1;
#else
    return 0;
#endif
}
