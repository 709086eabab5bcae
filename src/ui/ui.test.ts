import { describe, expect, it } from 'vitest';
import { getState } from '../store';
import { archiveUrl, formatHash, parseHash } from '../store/hash';
import {
  filterSecretsByLayer,
  getSecretsUi,
  secretLayerCounts,
  secretLayerFilter,
  setSecretLayerCounts,
} from '../store/secrets';
import { isOwnScriptUrl } from '../trustedTypes';
import type { ImageSummary, LayerTreeNode } from '../worker/protocol';
import { buildArgsOf, cleanCommand, formatBytes, layerLabel, modeString, visible } from './format';
import { historyItems } from './LayerList';
import { layoutLayerTree } from './layerTreeLayout';
import { nodeName } from './layerViewParts';

function node(chainId: string, parent: string | null, images: number[], tags: string[] = []): LayerTreeNode {
  return { chainId, diffId: chainId, parent, tags, blob: chainId, images };
}

describe('layer tree layout', () => {
  // base → a1 → a2 → {x1 → x2 (app:1), y1 (app:2)}; base → t1 (tool)
  const tree = [
    node('base', null, [0, 1, 2, 3], ['base:1']),
    node('a1', 'base', [1, 2]),
    node('a2', 'a1', [1, 2]),
    node('x1', 'a2', [1]),
    node('x2', 'x1', [1], ['app:1']),
    node('y1', 'a2', [2], ['app:2']),
    node('t1', 'base', [3], ['tool:1']),
  ];
  const layout = layoutLayerTree(tree);

  it('one row per node, depth-first', () => {
    expect(layout.nodes.map((n) => n.chainId)).toEqual(['base', 'a1', 'a2', 'x1', 'x2', 'y1', 't1']);
    expect(layout.nodes.map((n) => n.row)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(layout.nodes.map((n) => n.depth)).toEqual([0, 1, 2, 3, 4, 3, 1]);
  });

  it('first children continue their parent lane; branches take free lanes', () => {
    const lane = Object.fromEntries(layout.nodes.map((n) => [n.chainId, n.lane]));
    expect(lane.base).toBe(0);
    expect(lane.a1).toBe(0);
    expect(lane.x2).toBe(0);
    expect(lane.y1).not.toBe(0);
    expect(lane.t1).not.toBe(0);
    expect(lane.t1).not.toBe(lane.y1); // both branches overlap in rows
    expect(layout.lanes).toBe(3);
    expect(layout.links).toHaveLength(6);
  });

  it('several roots and unknown parents do not break it', () => {
    const l = layoutLayerTree([node('r1', null, [0]), node('r2', 'missing', [1])]);
    expect(l.nodes.map((n) => n.depth)).toEqual([0, 0]);
    expect(layoutLayerTree([]).nodes).toEqual([]);
  });

  it('a chain of 150 layers stays in one lane', () => {
    const chain = Array.from({ length: 150 }, (_, i) => node(`c${i}`, i ? `c${i - 1}` : null, [0]));
    const l = layoutLayerTree(chain);
    expect(l.lanes).toBe(1);
    expect(l.rows).toBe(150);
  });
});

describe('format', () => {
  it('cleans history commands', () => {
    expect(cleanCommand('/bin/sh -c #(nop)  ENV A=1')).toBe('ENV A=1');
    expect(cleanCommand('/bin/sh -c #(nop) COPY dir:abc in /opt/app/ ')).toBe('COPY dir:abc in /opt/app/');
    expect(cleanCommand('/bin/sh -c set -eux;     apt-get update')).toBe('RUN set -eux; apt-get update');
    expect(cleanCommand('RUN /bin/sh -c apk add x # buildkit')).toBe('RUN apk add x');
    expect(cleanCommand('|2 A=1 B=2 /bin/sh -c make')).toBe('RUN make');
    expect(cleanCommand('umoci repack')).toBe('umoci repack');
    expect(cleanCommand(null)).toBe('');
    expect(layerLabel(null, 'imported')).toBe('imported');
  });

  it('sizes in SI units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(2_097_152)).toBe('2.10 MB');
    expect(formatBytes(15_300)).toBe('15.3 KB');
  });

  it('modes like ls', () => {
    expect(modeString(0o4755, 'file')).toBe('-rwsr-xr-x');
    expect(modeString(0o2755, 'file')).toBe('-rwxr-sr-x');
    expect(modeString(0o1777, 'dir')).toBe('drwxrwxrwt');
    expect(modeString(0o777, 'symlink')).toBe('lrwxrwxrwx');
  });
});

describe('deep links', () => {
  it('round-trips image, layer, mode and path', () => {
    const link = { image: 2, layer: 7, mode: 'merged' as const, path: '/opt/app/données é.txt' };
    expect(parseHash(formatHash(link))).toEqual(link);
    expect(formatHash({ image: 0, layer: 1, mode: 'changes', path: '/etc/passwd' })).toBe(
      '#image=0&layer=1&mode=changes&path=/etc/passwd',
    );
  });
  it('ignores what it does not understand', () => {
    expect(parseHash('#image=x&layer=-1&mode=weird&path=relative')).toEqual({});
    expect(parseHash('')).toEqual({});
  });
});

describe('history items', () => {
  const image = {
    layers: [{}, {}, {}],
    history: [
      { createdBy: 'ADD rootfs', emptyLayer: false, layerIndex: 0 },
      { createdBy: '/bin/sh -c #(nop)  ENV A=1', emptyLayer: true, layerIndex: null },
      { createdBy: 'RUN x', emptyLayer: false, layerIndex: 1 },
      { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true, layerIndex: null },
    ],
  } as unknown as ImageSummary;

  it('keeps empty steps in place and every layer once', () => {
    const items = historyItems(image);
    expect(items.map((i) => (i.kind === 'layer' ? `L${i.layer}` : 'step'))).toEqual([
      'L0',
      'step',
      'L1',
      'step',
      'L2',
    ]);
    const first = items[0];
    expect(first.kind === 'layer' && first.steps.map((s) => s.createdBy)).toEqual([
      '/bin/sh -c #(nop)  ENV A=1',
    ]);
  });
});

describe('untrusted text', () => {
  it('shows markup as the text it is', () => {
    for (const name of ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', 'a&amp;b', 'c:\\dir\\x'])
      expect(visible(name)).toBe(name);
  });

  it('escapes control characters visibly', () => {
    expect(visible('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(visible('\u0000\u0001\u001b[31mred\u007f\u0085')).toBe('\\x00\\x01\\x1B[31mred\\x7F\\x85');
  });

  it('escapes bidi overrides, isolates, marks and invisible separators', () => {
    expect(visible('evil\u202Etxt.exe')).toBe('evil\\u202Etxt.exe');
    expect(visible('\u2066x\u2069\u200E\u200F\u061C\u200B\u2028\u2029\uFEFF')).toBe(
      '\\u2066x\\u2069\\u200E\\u200F\\u061C\\u200B\\u2028\\u2029\\uFEFF',
    );
  });

  it('keeps letters of every script, emoji with joiners, and leaves no hidden character', () => {
    const ok = 'Grüße_日本語_עברית_👩\u200D💻';
    expect(visible(ok)).toBe(ok);
    const all = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join('');
    expect(visible(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('commands and labels are cleaned, then made visible', () => {
    expect(cleanCommand('/bin/sh -c echo \u202Ehi\nthere')).toBe('RUN echo \\u202Ehi there');
    expect(layerLabel(null, 'x\u001by')).toBe('x\\x1By');
  });
});

describe('remote archive links', () => {
  it('accepts absolute or relative http(s) addresses only', () => {
    expect(archiveUrl('https://example.com/a.tar#frag')).toBe('https://example.com/a.tar');
    expect(archiveUrl('sample/sample.tar', 'http://h/tools/x/')).toBe('http://h/tools/x/sample/sample.tar');
    for (const bad of [
      'javascript:alert(1)',
      'data:,x',
      'blob:http://h/1',
      'file:///etc/passwd',
      '',
      'http://u:p@h/a',
    ])
      expect(archiveUrl(bad, 'http://h/')).toBeNull();
  });

  it('the hash carries the address of a remote archive', () => {
    const link = {
      url: 'https://example.com/images/app.tar?sig=a&b=c',
      image: 1,
      layer: 2,
      path: '/etc/passwd',
    };
    const hash = formatHash(link);
    expect(hash.startsWith('#url=https')).toBe(true);
    expect(parseHash(hash)).toEqual(link);
    expect(parseHash('#url=javascript:alert(1)&image=1')).toEqual({ image: 1 });
  });
});

describe('Trusted Types policy', () => {
  const base = 'http://h/tools/x/';
  it('passes script URLs of this site only', () => {
    expect(isOwnScriptUrl('assets/worker-1.js', base, 'http://h')).toBe(true);
    expect(isOwnScriptUrl('http://h/tools/x/sw.js', base, 'http://h')).toBe(true);
    expect(isOwnScriptUrl('blob:http://h/0b1c', base, 'http://h')).toBe(true);
    for (const other of ['https://h/x.js', '//evil.example/x.js', 'data:text/javascript,1', 'javascript:1'])
      expect(isOwnScriptUrl(other, base, 'http://h')).toBe(false);
  });
});

describe('build arguments', () => {
  it('are named apart from the command they ran with', () => {
    expect(buildArgsOf('RUN |2 A=1 TOKEN=x /bin/sh -c make # buildkit')).toEqual(['A=1', 'TOKEN=x']);
    expect(cleanCommand('RUN |2 A=1 TOKEN=x /bin/sh -c make\nmake install # buildkit')).toBe(
      'RUN make make install',
    );
    expect(buildArgsOf('/bin/sh -c make')).toEqual([]);
  });
});

describe('layer node names', () => {
  it('hold the visible text in order; the tags right after the index when only the index is drawn', () => {
    expect(nodeName(5, 'RUN pip install', ['app:1'], 94, null)).toBe('Layer 5: RUN pip install, app:1, 94 B');
    expect(nodeName(5, 'RUN pip install', ['app:1'], 94, null, true)).toBe(
      'Layer 5: app:1, RUN pip install, 94 B',
    );
    expect(nodeName(2, 'RUN x', [], 94, null, true)).toBe('Layer 2: RUN x, 94 B');
  });
});

describe('secret counts per layer', () => {
  it('counts file findings per layer for the session and image shown, and filters by layer', () => {
    const { session, selection } = getState();
    setSecretLayerCounts(session.id, selection.image, [1, 1, null, 3, 7], 4);
    const state = getSecretsUi();
    expect(secretLayerCounts(state, session.id, selection.image)).toEqual([0, 2, 0, 1]);
    expect(secretLayerCounts(state, session.id + 1, selection.image)).toBeNull();
    filterSecretsByLayer(1);
    expect(secretLayerFilter(getSecretsUi(), session.id, selection.image)).toBe(1);
    filterSecretsByLayer(null);
    expect(secretLayerFilter(getSecretsUi(), session.id, selection.image)).toBeNull();
  });
});
