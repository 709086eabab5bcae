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

  it('records which folders of the result tree are open, compactly, and reads them back', () => {
    const fold = {
      open: false,
      except: ['/usr/share/doc', '/etc', '/etc/nginx', '/usr/share/man', '/usr', '/usr/share', '/var/a,b%c'],
    };
    const hash = formatHash({
      sample: true,
      compare: '1.t,2.t',
      comparePath: '/etc/nginx/nginx.conf',
      compareFold: fold,
    });
    const value = new URLSearchParams(hash.slice(1)).get('cfold');
    // sorted, each path after the first as the names it shares with the one before and the rest
    expect(value).toBe('c,0.etc,1.nginx,0.usr,1.share,2.doc,2.man,0.var/a%2Cb%25c');
    const link = parseHash(hash);
    expect(link.compareFold).toEqual({ open: false, except: [...fold.except].sort() });
    expect(parseHash(formatHash(link))).toEqual(link);
    // all open (the default) is left out; all open but some closed is written
    expect(formatHash({ compare: '0.t,1.t', compareFold: { open: true, except: [] } })).not.toContain(
      'cfold',
    );
    expect(
      parseHash(formatHash({ compare: '0.t,1.t', compareFold: { open: true, except: ['/etc'] } }))
        .compareFold,
    ).toEqual({
      open: true,
      except: ['/etc'],
    });
  });

  it('ignores a malformed fold, and a fold without a comparison', () => {
    expect(parseHash('#sample&compare=0.t,1.t&cfold=x,0.etc').compareFold).toBeUndefined();
    expect(parseHash('#sample&compare=0.t,1.t&cfold=c,2.etc').compareFold).toBeUndefined();
    expect(parseHash('#sample&compare=0.t,1.t&cfold=c,0.etc/../x').compareFold).toBeUndefined();
    expect(parseHash('#sample&compare=0.t,1.t&cfold=c,etc').compareFold).toBeUndefined();
    expect(parseHash('#sample&cfold=c,0.etc').compareFold).toBeUndefined();
  });

  it('keeps a link of many folders within bounds', () => {
    const except = Array.from({ length: 5000 }, (_, i) => `/srv/data/dir-${String(i).padStart(5, '0')}`);
    const value =
      new URLSearchParams(
        formatHash({ compare: '0.t,1.t', compareFold: { open: true, except } }).slice(1),
      ).get('cfold') ?? '';
    expect(value.length).toBeLessThanOrEqual(4000);
    const back = parseHash(`#compare=0.t,1.t&cfold=${value}`).compareFold;
    // the folders that fit are the first ones, exactly
    expect(back?.except.length).toBeGreaterThan(100);
    expect(back?.except).toEqual(except.slice(0, back?.except.length));
  });
});
