import { describe, expect, it } from 'vitest';
import { formatChanges, formatHash, isEmptyLink, linkedArchive, parseChanges, parseHash } from './hash';
import { linkOf, viewOfLink } from './hashSync';
import { initialState } from './index';

describe('the hash', () => {
  it('names a local archive, so that a reload can ask for it again', () => {
    const link = { file: 'multi.docker.tar', size: 123456, image: 1, layer: 3, mode: 'merged' as const };
    const hash = formatHash(link);
    expect(hash).toBe('#file=multi.docker.tar&size=123456&image=1&layer=3&mode=merged');
    expect(parseHash(hash)).toEqual(link);
    expect(linkedArchive(parseHash(hash))).toEqual({ name: 'multi.docker.tar', size: 123456 });
    expect(isEmptyLink({ file: 'a.tar' })).toBe(false);
    // a name with spaces and other punctuation survives the round trip
    expect(parseHash(formatHash({ file: 'my image & co.tar' })).file).toBe('my image & co.tar');
    // a size without a name means nothing
    expect(parseHash('#size=12&image=0')).toEqual({ image: 0 });
    expect(parseHash(`#file=${'a'.repeat(300)}`).file).toBeUndefined();
  });

  it('marks the built-in sample, which a reload opens again', () => {
    const hash = formatHash({ sample: true, image: 0, layer: 2 });
    expect(hash).toBe('#sample&image=0&layer=2');
    expect(parseHash(hash)).toEqual({ sample: true, image: 0, layer: 2 });
    expect(parseHash('#sample')).toEqual({ sample: true });
    expect(linkedArchive({ sample: true })).toBeNull();
    // a remote address wins over the sample flag
    expect(parseHash('#url=https://h/a.tar&sample').sample).toBeUndefined();
  });

  it('keeps the change-type filters, the path filter and the sort', () => {
    const changes = { added: true, modified: false, removed: true, unmodified: false };
    const link = {
      sample: true,
      mode: 'changes' as const,
      changes,
      filter: 'etc/.*\\.conf',
      regex: true,
      sort: 'size' as const,
    };
    const hash = formatHash(link);
    expect(hash).toContain('changes=added,removed');
    expect(hash).toContain('regex=1');
    expect(parseHash(hash)).toEqual(link);
    // all shown is the default and is left out; none shown is a state of its own
    expect(formatChanges({ added: true, modified: true, removed: true, unmodified: true })).toBeUndefined();
    expect(formatChanges({ added: false, modified: false, removed: false, unmodified: false })).toBe('');
    expect(parseChanges('')).toEqual({ added: false, modified: false, removed: false, unmodified: false });
    expect(parseChanges('bogus')).toBeUndefined();
    expect(parseHash('#changes=bogus&regex=1&sort=weird')).toEqual({});
  });

  it('is written from the state shown, and read back into the Files view', () => {
    const s = initialState();
    s.archive = {
      format: 'docker-archive',
      name: 'a.tar',
      size: 10,
      outerCompression: 'none',
      images: [],
      blobs: [],
      layerTree: [],
      warnings: [],
      errors: [],
    };
    s.session = { ...s.session, name: 'a.tar', size: 10 };
    s.selection = { image: 0, layer: 1, path: '/etc' };
    s.view = { ...s.view, mode: 'merged', changes: { ...s.view.changes, unmodified: false }, filter: 'etc' };
    const link = linkOf(s);
    expect(formatHash(link)).toBe(
      '#file=a.tar&size=10&image=0&layer=1&mode=merged&changes=added,modified,removed&filter=etc&path=/etc',
    );
    const back = viewOfLink(initialState().view, parseHash(formatHash(link)));
    expect(back.mode).toBe('merged');
    expect(back.changes).toEqual(s.view.changes);
    expect(back.filter).toBe('etc');
    expect(back.expansion.merged.expandAll).toBe(true);
    // the sample and a remote archive are named as such, not as a file to pick
    expect(linkOf({ ...s, session: { ...s.session, sample: true } }).sample).toBe(true);
    expect(linkOf({ ...s, session: { ...s.session, url: 'https://h/a.tar' } }).file).toBeUndefined();
    // a link without filters shows everything again
    expect(viewOfLink(s.view, { image: 0 }).changes.unmodified).toBe(true);
    expect(viewOfLink(s.view, { image: 0 }).filter).toBe('');
  });
});
