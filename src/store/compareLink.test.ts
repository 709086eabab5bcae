import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from './hash';

describe('the comparison in the hash', () => {
  it('round-trips A, B, their layers, a second archive and the selected path', () => {
    const hash = '#sample&image=1&layer=4&mode=changes&compare=1.t,2.3,other&cpath=/etc/nginx/nginx.conf';
    const link = parseHash(hash);
    expect(link).toMatchObject({
      sample: true,
      compare: '1.t,2.3,other',
      comparePath: '/etc/nginx/nginx.conf',
    });
    expect(parseHash(formatHash(link))).toEqual(link);
  });

  it('ignores a malformed comparison and a path without one', () => {
    expect(parseHash('#sample&compare=1,2').compare).toBeUndefined();
    expect(parseHash('#sample&compare=1.t,2.x').compare).toBeUndefined();
    expect(parseHash('#sample&cpath=/etc').comparePath).toBeUndefined();
  });

  it('records where the second archive came from: an address, or a file by name, size and archive key', () => {
    const byUrl = parseHash('#sample&compare=0.t,0.t,other&burl=https://example.org/b.tar');
    expect(byUrl.compareB).toEqual({ url: 'https://example.org/b.tar' });
    expect(parseHash(formatHash(byUrl))).toEqual(byUrl);
    const key = 'ab'.repeat(32);
    const byFile = parseHash(`#sample&compare=0.t,0.t,other&bfile=b.tar&bsize=1234&bkey=${key}`);
    expect(byFile.compareB).toEqual({ file: 'b.tar', size: 1234, key });
    expect(parseHash(formatHash(byFile))).toEqual(byFile);
    // Only with a second archive, and only a well-formed key or an http(s) address.
    expect(parseHash(`#sample&compare=0.t,1.t&bfile=b.tar&bsize=1&bkey=${key}`).compareB).toBeUndefined();
    expect(parseHash('#sample&compare=0.t,0.t,other&bfile=b.tar&bsize=1&bkey=xyz').compareB).toBeUndefined();
    expect(parseHash('#sample&compare=0.t,0.t,other&burl=javascript:alert(1)').compareB).toBeUndefined();
  });
});
