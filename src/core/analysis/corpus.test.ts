/**
 * dive's own test image (../shared/fixtures/peers/dive/test-docker-image.tar), computed by hand
 * from its layers following the definition, then checked against the code and against the
 * numbers dive itself publishes for it. Skipped when ../shared is not there.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '../../cli/nodeFileSource';
import { openArchive } from '../image/open';
import { analyzeImage } from './index';

const FIXTURE = fileURLToPath(
  new URL('../../../../shared/fixtures/peers/dive/test-docker-image.tar', import.meta.url),
);

describe.skipIf(!existsSync(FIXTURE))('dive test-docker-image.tar', () => {
  it('has the efficiency computed by hand from its layers', async () => {
    const archive = await openArchive(new NodeFileSource(FIXTURE));
    const layers = archive.images[0].layers.map((l) => archive.blobs.get(l.blob)!.entries!);
    expect(layers).toHaveLength(14);

    // Layer listings (tar -tvf), regular-file sizes only; everything else weighs 0:
    //  0 busybox rootfs: 415 entries, 1,154,361 bytes of files (bin/[ and friends are hardlinks)
    //  1 somefile.txt 6405
    //  2 root/ root/example/ root/example/really/ root/example/really/nested/   (mkdir -p)
    //  3 root/ root/example/ root/example/somefile1.txt 6405                     (cp)
    //  4 root/ root/example/ root/example/somefile1.txt 6405                     (chmod 444)
    //  5 root/ root/example/ root/example/somefile2.txt 6405
    //  6 root/ root/example/ root/example/somefile3.txt 6405
    //  7 root/ root/example/ root/example/.wh.somefile3.txt root/saved.txt 6405  (mv)
    //  8 root/ root/.saved.txt 6405
    //  9 root/ root/.wh.example                                                 (rm -rf)
    // 10 root/ root/.data/ root/.data/tag.sh 917 root/.data/test.sh 1270
    // 11 tmp/ tmp/saved.again1.txt 6405
    // 12 root/ root/.data/ root/.data/saved.again2.txt 6405
    // 13 root/ root/saved.txt 6405                                               (chmod +x)
    const F = 6405;
    const layerSizes = [1154361, F, 0, F, F, F, F, F, F, 0, 917 + 1270, F, F, F];
    expect(layers.map((t) => t.regularFileBytes())).toEqual(layerSizes);
    const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
    const userSizeBytes = sizeBytes - layerSizes[0];

    // Leaves per path (count, cumulative, smallest). Layer 0's files are all leaves, each seen
    // once: its /root and /tmp are leaves there too (0 bytes), but no later layer has them as
    // leaves. Upper layers:
    //  - /root/example/somefile1.txt: layers 3 and 4                  -> 2, 2F, F
    //  - /root/example/somefile3.txt: layer 6, whiteout in layer 7;
    //    it was a file below, so the whiteout weighs 0               -> 2, F, 0
    //  - /root/saved.txt: layers 7 and 13                             -> 2, 2F, F
    //  - /root/example: whiteout in layer 9; a directory below, so its
    //    stacked subtree: somefile1 + somefile2 (somefile3 is gone)  -> 1, 2F, 2F
    //  - seen once: /somefile.txt F, /root/example/really/nested 0, /root/example/somefile2.txt F,
    //    /root/.saved.txt F, /root/.data/tag.sh 917, /root/.data/test.sh 1270,
    //    /tmp/saved.again1.txt F, /root/.data/saved.again2.txt F
    const inefficient = [
      { path: '/root/saved.txt', count: 2, cumulative: 2 * F, smallest: F, foundAtLayer: 13 },
      { path: '/root/example/somefile1.txt', count: 2, cumulative: 2 * F, smallest: F, foundAtLayer: 4 },
      { path: '/root/example/somefile3.txt', count: 2, cumulative: F, smallest: 0, foundAtLayer: 7 },
    ];
    const once = [F, 0, F, F, 917, 1270, F, F, 2 * F];
    const cumulative =
      layerSizes[0] + once.reduce((a, b) => a + b, 0) + inefficient.reduce((a, f) => a + f.cumulative, 0);
    const smallest =
      layerSizes[0] + once.reduce((a, b) => a + b, 0) + inefficient.reduce((a, f) => a + f.smallest, 0);
    const wastedBytes = inefficient.reduce((a, f) => a + f.cumulative, 0);

    const analysis = analyzeImage(archive, 0);
    expect(analysis.sizeBytes).toBe(sizeBytes);
    expect(analysis.userSizeBytes).toBe(userSizeBytes);
    expect(analysis.wastedBytes).toBe(wastedBytes);
    expect(analysis.efficiency).toBe(smallest / cumulative);
    expect(analysis.wastedUserPercent).toBe(wastedBytes / userSizeBytes);
    // Largest first; of equal sizes the one found inefficient later first, as dive lists them.
    expect(analysis.inefficientFiles).toEqual(
      inefficient.map(({ path, count, cumulative: sizeBytes }) => ({ path, count, sizeBytes })),
    );

    // What dive publishes for this image (runtime/export/export_test.go).
    expect(analysis.sizeBytes).toBe(1220598);
    expect(analysis.wastedBytes).toBe(32025);
    expect(analysis.efficiency).toBe(0.9844212134184309);
  });
});
