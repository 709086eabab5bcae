import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_POOL, MAX_POOL, poolSizeFrom } from './layerPool';

describe("the browser pool's size", () => {
  it('comes from the engine worker name the page gives it (?pool=n), capped', () => {
    expect(poolSizeFrom('archive-reader pool=0', 16)).toBe(0);
    expect(poolSizeFrom('archive-reader pool=3', 2)).toBe(3);
    expect(poolSizeFrom('archive-reader pool=99', 2)).toBe(MAX_POOL);
  });
  it('else one worker per core, at most the default cap, at least one', () => {
    expect(poolSizeFrom('archive-reader', 2)).toBe(2);
    expect(poolSizeFrom('archive-reader', 32)).toBe(DEFAULT_MAX_POOL);
    expect(poolSizeFrom('archive-reader', undefined)).toBe(1);
    expect(poolSizeFrom('archive-reader xpool=3', 2)).toBe(2);
  });
});
