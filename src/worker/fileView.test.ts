import { describe, expect, it } from 'vitest';
import { compileFilter, FileViewContext, FileViews } from './fileView';
import type { FileNodeInfo, FileSystemView, ViewMode } from './fsApi';
import type { FileViewSpec } from './protocol';
import { ancestorsOf, parentPath, viewKey } from './protocol';

type Change = FileNodeInfo['change'];

/** A one-layer fake: paths ending in '/' are directories. */
function fakeFs(entries: [string, Change, number?][]): FileSystemView {
  const nodes = new Map<string, FileNodeInfo>();
  for (const [raw, change, size = 0] of entries) {
    const isDir = raw.endsWith('/');
    const path = isDir ? raw.slice(0, -1) : raw;
    nodes.set(path, {
      path,
      name: path.slice(path.lastIndexOf('/') + 1),
      type: isDir ? 'dir' : 'file',
      size: isDir ? 0 : size,
      subtreeSize: size,
      mode: isDir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      linkTarget: '',
      change,
      childCount: 0,
      layer: 0,
    });
  }
  for (const n of nodes.values()) {
    const parent = nodes.get(parentPath(n.path));
    if (parent) {
      parent.childCount++;
      parent.subtreeSize += n.type === 'dir' ? 0 : n.size;
    }
  }
  const kids = (dir: string) =>
    [...nodes.values()].filter((n) => parentPath(n.path) === dir).sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    layerCount: 1,
    counts: () => ({ added: 0, modified: 0, removed: 0, rewritten: 0, replaced: 0 }),
    children: (_l: number, _m: ViewMode, dir: string) => {
      const items = kids(dir);
      return { total: items.length, items };
    },
    node: (_l: number, _m: ViewMode, path: string) => nodes.get(path) ?? null,
    timeline: () => [],
    entryOf: () => null,
    walk: (_l: number, _m: ViewMode, visit: (n: FileNodeInfo) => void) => {
      const rec = (dir: string) => {
        for (const n of kids(dir)) {
          visit(n);
          if (n.type === 'dir') rec(n.path);
        }
      };
      rec('/');
    },
  };
}

const FS = fakeFs([
  ['/etc/', 'unmodified'],
  ['/etc/passwd', 'modified', 900],
  ['/etc/nginx/', 'added'],
  ['/etc/nginx/nginx.conf', 'added', 300],
  ['/usr/', 'unmodified'],
  ['/usr/share/', 'unmodified'],
  ['/usr/share/doc', 'removed'],
  ['/a-file', 'added', 5000],
]);

function spec(over: Partial<FileViewSpec> = {}): FileViewSpec {
  return {
    image: 0,
    layer: 0,
    mode: 'changes',
    sort: 'name',
    filter: '',
    regex: false,
    changes: { added: true, modified: true, removed: true, unmodified: true },
    expandAll: false,
    toggled: [],
    ...over,
  };
}

const paths = (s: FileViewSpec) => {
  const ctx = new FileViewContext(FS, s);
  const flat = ctx.flatten(s.expandAll, new Set(s.toggled));
  return flat.slice(0, 100).map((r) => `${'  '.repeat(r.depth)}${r.name}${r.type === 'dir' ? '/' : ''}`);
};

describe('file view rows', () => {
  it('lists directories first, then names, and opens only expanded directories', () => {
    expect(paths(spec())).toEqual(['etc/', 'usr/', 'a-file']);
    expect(paths(spec({ toggled: ['/etc'] }))).toEqual(['etc/', '  nginx/', '  passwd', 'usr/', 'a-file']);
  });

  it('expand all with exceptions', () => {
    expect(paths(spec({ expandAll: true, toggled: ['/usr'] }))).toEqual([
      'etc/',
      '  nginx/',
      '    nginx.conf',
      '  passwd',
      'usr/',
      'a-file',
    ]);
  });

  it('sorts by size, largest first', () => {
    expect(paths(spec({ sort: 'size' }))[0]).toBe('a-file');
  });

  it('filters by path and keeps the tree shape', () => {
    expect(paths(spec({ filter: 'nginx', expandAll: true }))).toEqual(['etc/', '  nginx/', '    nginx.conf']);
    const ctx = new FileViewContext(FS, spec({ filter: 'nginx' }));
    expect(ctx.matches).toBe(2);
  });

  it('filters by change type', () => {
    const only = { added: false, modified: false, removed: true, unmodified: false };
    expect(paths(spec({ changes: only, expandAll: true }))).toEqual(['usr/', '  share/', '    doc']);
  });

  it('regular expressions, and a clear error for a bad one', () => {
    expect(paths(spec({ filter: 'passwd$', regex: true, expandAll: true }))).toEqual(['etc/', '  passwd']);
    const bad = new FileViewContext(FS, spec({ filter: '(', regex: true }));
    expect(bad.filterError).toMatch(/Invalid|Unterminated|unterminated/i);
    expect(compileFilter('(', true)).toHaveProperty('error');
  });

  it('locates a path among the rows', () => {
    const views = new FileViews();
    const { flat } = views.rows(FS, spec({ toggled: ['/etc'] }));
    expect(flat.locate('/etc/passwd')).toBe(2);
    expect(flat.locate('/usr/share')).toBe(-1);
  });

  it('keys ignore the order of toggled paths', () => {
    expect(viewKey(spec({ toggled: ['/a', '/b'] }))).toBe(viewKey(spec({ toggled: ['/b', '/a'] })));
  });

  it('path helpers', () => {
    expect(parentPath('/a/b/c')).toBe('/a/b');
    expect(parentPath('/a')).toBe('/');
    expect(ancestorsOf('/a/b/c')).toEqual(['/a', '/a/b']);
  });
});
