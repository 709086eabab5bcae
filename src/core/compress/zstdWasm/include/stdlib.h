/* Freestanding <stdlib.h> for the zstd WebAssembly build: the allocator in libc.c. */
#ifndef ZSTD_WASM_STDLIB_H
#define ZSTD_WASM_STDLIB_H
#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *ptr);

#endif
