/*
 * The little of libc that zstd's decoder needs, for a freestanding wasm32 build: a free-list
 * allocator over the module's linear memory (grown with memory.grow, never shrunk) and the
 * mem* functions. Single-threaded, like everything in one WebAssembly instance.
 *
 * Heap layout: blocks laid end to end from __heap_base up to `top`; memory past `top` is free.
 * Each block starts with a 16-byte header (so payloads stay 16-byte aligned) holding its own size
 * and the size of the block before it, which is what lets free() merge with both neighbours.
 * Free blocks sit in one doubly-linked list (their first payload bytes hold the links). Two
 * invariants keep it simple: no two free blocks are adjacent (free() merges them), and the
 * block that ends at `top` is never free (free() gives it back to the space past `top`).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 16u
#define PAGE_SIZE 65536u

typedef struct Block {
  size_t size;     /* whole block, header included; a multiple of ALIGNMENT */
  size_t prevSize; /* size of the block just below this one; 0 for the first block */
  size_t used;
  size_t unused;
  /* free blocks only (this is the start of the payload): */
  struct Block *nextFree;
  struct Block *prevFree;
} Block;

#define HEADER_SIZE offsetof(Block, nextFree)
#define MIN_BLOCK (((size_t)sizeof(Block) + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1))

extern unsigned char __heap_base;

static uintptr_t heapStart; /* 0 until the first call */
static uintptr_t top;       /* end of the last block */
static size_t lastSize;     /* size of the block that ends at `top` (0: no blocks) */
static Block *freeList;

static void init(void) {
  heapStart = ((uintptr_t)&__heap_base + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
  top = heapStart;
}

static int ensureMemory(uintptr_t end) {
  uintptr_t const have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE_SIZE;
  if (end <= have) return 1;
  {
    uintptr_t const pages = (end - have + PAGE_SIZE - 1) / PAGE_SIZE;
    return __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
  }
}

static void unlinkFree(Block *b) {
  if (b->prevFree) b->prevFree->nextFree = b->nextFree;
  else freeList = b->nextFree;
  if (b->nextFree) b->nextFree->prevFree = b->prevFree;
}

static void pushFree(Block *b) {
  b->used = 0;
  b->prevFree = NULL;
  b->nextFree = freeList;
  if (freeList) freeList->prevFree = b;
  freeList = b;
}

static Block *after(Block *b) { return (Block *)((uintptr_t)b + b->size); }

void *malloc(size_t n) {
  size_t need;
  Block *b;
  if (!heapStart) init();
  if (n > SIZE_MAX / 2) return NULL;
  need = (n + HEADER_SIZE + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
  if (need < MIN_BLOCK) need = MIN_BLOCK;

  /* best fit among the free blocks (there are few: a decoder holds a handful of allocations) */
  {
    Block *best = NULL;
    for (b = freeList; b; b = b->nextFree) {
      if (b->size >= need && (!best || b->size < best->size)) {
        best = b;
        if (b->size == need) break;
      }
    }
    if (best) {
      size_t const rest = best->size - need;
      unlinkFree(best);
      if (rest >= MIN_BLOCK) {
        /* a free block is never the last one, so the remainder has a used block above it */
        Block *const r = (Block *)((uintptr_t)best + need);
        r->size = rest;
        r->prevSize = need;
        after(r)->prevSize = rest;
        pushFree(r);
        best->size = need;
      }
      best->used = 1;
      return (unsigned char *)best + HEADER_SIZE;
    }
  }

  /* carve a new block at the top, growing memory if needed */
  if (need > UINTPTR_MAX - top || !ensureMemory(top + need)) return NULL;
  b = (Block *)top;
  b->size = need;
  b->prevSize = lastSize;
  b->used = 1;
  top += need;
  lastSize = need;
  return (unsigned char *)b + HEADER_SIZE;
}

void *calloc(size_t count, size_t size) {
  void *p;
  if (size && count > SIZE_MAX / size) return NULL;
  p = malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void free(void *ptr) {
  Block *b;
  if (!ptr) return;
  b = (Block *)((unsigned char *)ptr - HEADER_SIZE);
  b->used = 0;
  if ((uintptr_t)after(b) < top) {
    Block *const next = after(b);
    if (!next->used) {
      unlinkFree(next);
      b->size += next->size;
    }
  }
  if (b->prevSize) {
    Block *const prev = (Block *)((uintptr_t)b - b->prevSize);
    if (!prev->used) {
      unlinkFree(prev);
      prev->size += b->size;
      b = prev;
    }
  }
  if ((uintptr_t)after(b) >= top) {
    /* the last block: back to the space past `top` (the block below it, if any, is used) */
    top = (uintptr_t)b;
    lastSize = b->prevSize;
    return;
  }
  after(b)->prevSize = b->size;
  pushFree(b);
}

/*
 * With bulk memory (-mbulk-memory) clang turns these builtins into memory.copy / memory.fill,
 * which the engine runs natively; without it, plain loops (this file is built with -fno-builtin,
 * so they are not turned back into calls to themselves).
 */
void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
#if defined(__wasm_bulk_memory__)
  __builtin_memcpy(dst, src, n);
#else
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
#endif
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
#if defined(__wasm_bulk_memory__)
  __builtin_memmove(dst, src, n);
#else
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else if (d > s) {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
#endif
  return dst;
}

void *memset(void *dst, int c, size_t n) {
#if defined(__wasm_bulk_memory__)
  __builtin_memset(dst, c, n);
#else
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
#endif
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a;
  const unsigned char *y = b;
  for (; n; n--, x++, y++) {
    if (*x != *y) return *x - *y;
  }
  return 0;
}
