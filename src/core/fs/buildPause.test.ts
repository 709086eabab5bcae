/**
 * A build given a pause (the explorer's, which gives way to a comparison) waits at it before each
 * layer is interned and before each is stacked, and comes out exactly as a build without one.
 */
import { describe, expect, it } from 'vitest';
import { testArchive } from '../../testing/fsSupport';
import { ImageFileSystem } from './imageFileSystem';

const LAYERS = [
  [
    { name: 'etc/', type: 'dir' as const },
    { name: 'etc/passwd', content: 'root\n' },
    { name: 'usr/bin/tool', content: 'abc' },
  ],
  [
    { name: 'etc/passwd', content: 'root\napp\n' },
    { name: 'usr/bin/.wh.tool', content: '' },
  ],
  [
    { name: 'etc/.wh..wh..opq', content: '' },
    { name: 'etc/hosts', content: 'x' },
  ],
];

function listing(fs: ImageFileSystem, layer: number): string[] {
  const out: string[] = [];
  for (const mode of ['changes', 'merged'] as const)
    fs.walk(layer, mode, (node) => out.push(`${mode} ${node.path} ${node.change} ${node.size}`));
  return out;
}

describe('a build with a pause', () => {
  it('stops at each pause until it is let go, and builds what a build without one builds', async () => {
    const test = await testArchive(LAYERS);
    const plain = await ImageFileSystem.build(test.archive, 0, test.contentHash);

    const gates: (() => void)[] = [];
    let done = false;
    const building = ImageFileSystem.build(test.archive, 0, test.contentHash, () => {
      return new Promise<void>((resolve) => gates.push(resolve));
    }).then((fs) => {
      done = true;
      return fs;
    });
    // one pause before each layer's interning, one before each layer's stacking
    for (let pauses = 1; pauses <= 2 * LAYERS.length; pauses++) {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      expect(gates).toHaveLength(pauses);
      expect(done).toBe(false);
      gates[pauses - 1]();
    }
    const paused = await building;
    expect(gates).toHaveLength(2 * LAYERS.length);
    for (let layer = 0; layer < LAYERS.length; layer++) {
      expect(listing(paused, layer)).toEqual(listing(plain, layer));
      expect(paused.counts(layer)).toEqual(plain.counts(layer));
    }
    expect(listing(paused, 2).length).toBeGreaterThan(0);
  });
});
