// tcmalloc (gperftools, Debian's libgoogle-perftools-dev), the pix2pix executable's malloc: linking it
// replaces malloc / free for the whole process. Its C extension API reports which allocator serves a block.
#include <gperftools/malloc_extension_c.h>
