/* Freestanding <string.h> for the zstd WebAssembly build: only what zstd's decoder uses. */
#ifndef ZSTD_WASM_STRING_H
#define ZSTD_WASM_STRING_H
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
