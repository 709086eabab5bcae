import { describe, expect, it } from 'vitest';
import { progressText, terminalProgress } from './progress';

describe('progress on stderr', () => {
  it('says bytes, layer n of m, rate and time left', () => {
    expect(progressText('reading x.tar', { bytes: 500e6, total: 1500e6, layer: 3, layers: 12 }, 2)).toBe(
      'reading x.tar 500 MB of 1.5 GB · layer 3 of 12 · 250 MB/s · 4 s left',
    );
    expect(progressText('saving', { bytes: 2048, total: null }, 0)).toBe('saving 2.0 kB');
  });

  it('draws on a terminal, in place, and clears the line at the end', () => {
    const written: string[] = [];
    let t = 0;
    const line = terminalProgress(
      'reading',
      { isTTY: true, columns: 80, write: (s) => written.push(s) },
      () => t,
    );
    line.update({ bytes: 10, total: 100 });
    t = 50;
    line.update({ bytes: 20, total: 100 }); // within 100 ms of the last: not drawn
    t = 1000;
    line.update({ bytes: 50, total: 100, layer: 1, layers: 2 });
    line.done();
    expect(written).toEqual([
      '\r\x1b[2Kreading 10 B of 100 B',
      '\r\x1b[2Kreading 50 B of 100 B · layer 1 of 2 · 50 B/s · 1 s left',
      '\r\x1b[2K',
    ]);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const written: string[] = [];
    const line = terminalProgress('reading', { isTTY: false, write: (s) => written.push(s) });
    line.update({ bytes: 10, total: 100 });
    line.done();
    expect(written).toEqual([]);
  });
});
