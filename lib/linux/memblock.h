/* Boot memory as the kernel leaves it (memblock.c). */
#ifndef MEMHP_MEMBLOCK_H
#define MEMHP_MEMBLOCK_H

struct kernel;

/* After the boot blocks exist: holes, the kernel image, every node's
 * memmap, swiotlb as reserved pages (managed shrinks by them), and the
 * kernel's first unmovable allocations. 0 or -ENOMEM. */
int memblock_reserve_boot(struct kernel *k);

#endif
