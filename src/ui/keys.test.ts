import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../worker/protocol';
import { groupImages, imageLabel, manyPlatforms } from './ImagePicker';
import { SHORTCUTS } from './keyboard';
import { layersSearched, searchPlan } from './searchPlan';

const chain = (...ids: string[]) => ids.map((chainId) => ({ chainId }));

describe('search plan', () => {
  it('searches the image shown first, and each other image above the layers it shares', () => {
    const images = [
      { layers: chain('a') }, // base:1
      { layers: chain('a', 'b', 'c') }, // app:1
      { layers: chain('a', 'b', 'd', 'e') }, // app:2
      { layers: chain('x', 'y') }, // tool:1, nothing shared
    ];
    const plan = searchPlan(images, 2);
    expect(plan.map((p) => [p.image, p.fromLayer, p.sharesWith])).toEqual([
      [2, 0, null],
      [0, 1, 2], // all of base:1 was searched in app:2
      [1, 2, 2],
      [3, 0, null],
    ]);
    // every distinct layer once: a b d e, c, x y
    expect(layersSearched(plan)).toBe(7);
    expect(searchPlan(images, 99)[0].image).toBe(0);
  });
});

const img = (tag: string | null, platform: string, layers = 1): ImageSummary =>
  ({
    id: `sha256:${tag}${platform}`,
    tags: tag ? [tag] : [],
    platform,
    layers: chain(...Array(layers).fill('l')),
  }) as unknown as ImageSummary;

describe('image picker', () => {
  it('names each platform, groups the platforms of a tag, and counts one layer as one', () => {
    const images = [
      img('b1', 'linux/amd64'),
      img('b1', 'linux/arm64'),
      img('v1', 'linux/amd64', 2),
      img(null, 'linux/amd64'),
      img(null, 'linux/arm64'),
    ];
    expect(manyPlatforms(images)).toBe(true);
    expect(imageLabel(images[0])).toBe('b1 · linux/amd64 · 1 layer');
    expect(imageLabel(images[2], false)).toBe('v1 · 2 layers');
    const groups = groupImages(images);
    expect(groups.map((g) => [g.tag, g.images.map((i) => i.index)])).toEqual([
      ['b1', [0, 1]],
      [null, [2]],
      [null, [3]],
      [null, [4]],
    ]);
    // options stay in the archive's order: an option's position is its image's index
    expect(groups.flatMap((g) => g.images.map((i) => i.index))).toEqual([0, 1, 2, 3, 4]);
    expect(manyPlatforms([img('a', 'linux/amd64'), img('b', 'linux/amd64')])).toBe(false);
  });
});

describe('keyboard shortcuts', () => {
  it('lists the page-wide keys and each panel’s, each with what it does', () => {
    const where = SHORTCUTS.map((g) => g.where);
    expect(where).toEqual([
      'Anywhere',
      'Layers',
      'Layer tree',
      'Files',
      'Filter paths',
      'Search',
      'Size map',
    ]);
    const anywhere = SHORTCUTS[0].keys.map((k) => k.keys.join('+'));
    expect(anywhere).toEqual(expect.arrayContaining(['?', 'Ctrl+K', '/', 'Tab', 'Shift+Tab', 'Esc']));
    for (const g of SHORTCUTS) for (const k of g.keys) expect(k.does.length).toBeGreaterThan(5);
  });
});
