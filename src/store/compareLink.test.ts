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
});
