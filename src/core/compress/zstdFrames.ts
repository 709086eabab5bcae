/**
 * Finds where zstd frames start in a compressed stream from the frame and block headers alone
 * (RFC 8878 3.1), without decoding: each frame after the first is a place where decoding can
 * start afresh (a seek point). Skippable frames (zstd:chunked's manifest and TOC) are stepped over.
 * Bytes that are no frame end the scan: no boundary is reported after them.
 */
export class ZstdFrameScanner {
  /** Absolute offsets of frame starts found and not yet taken, ascending. */
  private readonly found: number[] = [];
  private position = 0;
  /** Bytes to step over before the next header. */
  private skip = 0;
  /** The header being read: its bytes so far, and how many it needs. */
  private head: number[] = [];
  private want = 4;
  private stage: 'magic' | 'skippableSize' | 'frameHeader' | 'block' | 'stopped' = 'magic';
  private checksum = false;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.stage !== 'stopped') {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.head.push(chunk[i++]);
      if (this.head.length < this.want) continue;
      this.header(this.position + i);
    }
    this.position += chunk.length;
  }

  /** A whole header is in `head`; `at` is the absolute offset just after it. */
  private header(at: number): void {
    const h = this.head;
    this.head = [];
    switch (this.stage) {
      case 'magic': {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (at > 4) this.found.push(at - 4);
        if (magic === 0xfd2fb528) {
          this.stage = 'frameHeader';
          this.want = 1;
        } else if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
          this.stage = 'skippableSize';
          this.want = 4;
        } else {
          if (at > 4) this.found.pop();
          this.stage = 'stopped';
        }
        return;
      }
      case 'skippableSize':
        this.skip = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        this.stage = 'magic';
        this.want = 4;
        return;
      case 'frameHeader': {
        const fhd = h[0];
        const singleSegment = (fhd >> 5) & 1;
        this.checksum = ((fhd >> 2) & 1) === 1;
        const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6];
        this.skip = (singleSegment ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + fcsSize;
        this.stage = 'block';
        this.want = 3;
        return;
      }
      case 'block': {
        const header = h[0] | (h[1] << 8) | (h[2] << 16);
        const type = (header >> 1) & 3;
        if (type === 3) {
          this.stage = 'stopped';
          return;
        }
        this.skip = type === 1 ? 1 : header >>> 3;
        if (header & 1) {
          this.skip += this.checksum ? 4 : 0;
          this.stage = 'magic';
          this.want = 4;
        }
        return;
      }
    }
  }

  /** The first frame start after `offset` found so far, or null. */
  nextAfter(offset: number): number | null {
    while (this.found.length && this.found[0] <= offset) this.found.shift();
    return this.found.length ? this.found[0] : null;
  }
}
