/*
 * The C API of zstdWasm.generated.ts: zstd's streaming decoder (ZSTD_DStream), built for wasm32
 * by scripts/build-zstd-wasm.sh. Everything here is exported under the name given to EXPORT.
 *
 * zw_decompress differs from ZSTD_decompressStream in one way: it decodes whole blocks only. It
 * hands zstd the input one frame section at a time (header, block header, block, checksum) and
 * keeps a block back until all of it is there (libzstd already does that for compressed blocks;
 * raw blocks it would otherwise copy out piecemeal), and it only starts a block while the output
 * buffer has room for a whole one. So when input is cut short, the output ends on a block
 * boundary, and no decoded data is ever left waiting inside the decoder between calls. To do
 * that it reads a few fields of the DStream (zstd_decompress_internal.h): the build pins the
 * zstd version.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"
#include "zstd_errors.h"
#include "zstd_decompress_internal.h"

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

/* 128 MiB, libzstd's own default limit: a frame declaring more is refused before allocating. */
#define ZW_WINDOW_LOG_MAX 27

/* Returned by feedSize: nothing can happen until more input arrives. */
#define ZW_WAIT ((size_t)-1)

EXPORT("zw_create") ZSTD_DStream *zw_create(void) {
  ZSTD_DStream *const ds = ZSTD_createDStream();
  if (ds == NULL) return NULL;
  if (ZSTD_isError(ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, ZW_WINDOW_LOG_MAX))) {
    ZSTD_freeDStream(ds);
    return NULL;
  }
  return ds;
}

/* Forgets the current frame (and any input it held), keeping the parameters and the buffers. */
EXPORT("zw_reset") size_t zw_reset(ZSTD_DStream *ds) { return ZSTD_DCtx_reset(ds, ZSTD_reset_session_only); }

EXPORT("zw_free") void zw_free(ZSTD_DStream *ds) { ZSTD_freeDStream(ds); }

EXPORT("zw_is_error") unsigned zw_is_error(size_t code) { return ZSTD_isError(code); }

EXPORT("zw_error_code") unsigned zw_error_code(size_t code) { return (unsigned)ZSTD_getErrorCode(code); }

EXPORT("zw_error_name") const char *zw_error_name(size_t code) { return ZSTD_getErrorName(code); }

/* The window the current (or refused) frame declares, in bytes (a double: it may pass 2^32). */
EXPORT("zw_frame_window_size") double zw_frame_window_size(const ZSTD_DStream *ds) {
  return (double)ds->fParams.windowSize;
}

EXPORT("zw_window_size_max") double zw_window_size_max(void) { return (double)(1ull << ZW_WINDOW_LOG_MAX); }

EXPORT("zw_version") unsigned zw_version(void) { return ZSTD_versionNumber(); }

/* Smallest output room zw_decompress needs: one whole block. */
EXPORT("zw_block_size_max") size_t zw_block_size_max(void) { return ZSTD_BLOCKSIZE_MAX; }

/* How much of `avail` input bytes to hand zstd next: at most the current section. */
static size_t feedSize(const ZSTD_DStream *ds, size_t avail) {
  switch (ds->streamStage) {
  case zdss_init:
    return avail ? MIN(avail, ZSTD_FRAMEHEADERSIZE_PREFIX(ZSTD_f_zstd1)) : ZW_WAIT;
  case zdss_loadHeader: {
    ZSTD_FrameHeader fh;
    size_t const hSize = ZSTD_getFrameHeader_advanced(&fh, ds->headerBuffer, ds->lhSize, ds->format);
    if (ZSTD_isError(hSize)) return avail; /* zstd says what is wrong */
    if (hSize == 0) return 0;              /* complete: zstd goes on without input */
    return avail ? MIN(avail, hSize - ds->lhSize) : ZW_WAIT;
  }
  case zdss_read:
    if (ds->expected == 0) return 0; /* end of frame: zstd goes back to zdss_init */
    if (ds->stage == ZSTDds_skipFrame) return avail ? MIN(avail, ds->expected) : ZW_WAIT;
    return avail >= ds->expected ? ds->expected : ZW_WAIT; /* a whole section, or wait for it */
  case zdss_load: /* only skippable frames get here, as they are skipped piecemeal */
    return avail ? MIN(avail, ds->expected - ds->inPos) : ZW_WAIT;
  case zdss_flush:
    return 0;
  }
  return ZW_WAIT;
}

static int isIdle(const ZSTD_DStream *ds) {
  return ds->streamStage == zdss_init || (ds->streamStage == zdss_loadHeader && ds->lhSize == 0);
}

/*
 * Like ZSTD_decompressStream: decodes from input->src[input->pos, input->size) into
 * output->dst[output->pos, output->size), moving both positions on. Returns an error code
 * (zw_is_error), 0 when the input so far ends on a frame boundary (whole frames, all their output
 * written), or else a positive number (more input is needed, or more output room). Call again
 * after making room when less than zw_block_size_max() bytes of output room are left.
 */
EXPORT("zw_decompress")
size_t zw_decompress(ZSTD_DStream *ds, ZSTD_outBuffer *output, ZSTD_inBuffer *input) {
  if (input->pos > input->size || output->pos > output->size) return ERROR(GENERIC);
  if (output->size < ZSTD_BLOCKSIZE_MAX) return ERROR(dstSize_tooSmall);
  while (output->size - output->pos >= ZSTD_BLOCKSIZE_MAX) {
    size_t const feed = feedSize(ds, input->size - input->pos);
    if (feed == ZW_WAIT) break;
    {
      ZSTD_inBuffer section = {input->src, input->pos + feed, input->pos};
      size_t const outBefore = output->pos;
      ZSTD_dStreamStage const streamStageBefore = ds->streamStage;
      ZSTD_dStage const stageBefore = ds->stage;
      size_t const r = ZSTD_decompressStream(ds, output, &section);
      if (ZSTD_isError(r)) return r;
      if (section.pos == input->pos && output->pos == outBefore && ds->streamStage == streamStageBefore &&
          ds->stage == stageBefore)
        break; /* no progress: should not happen, but never spin */
      input->pos = section.pos;
    }
  }
  if (isIdle(ds)) return 0;
  if (ds->streamStage == zdss_read && ds->expected > input->size - input->pos)
    return ds->expected - (input->size - input->pos);
  return 1;
}
