/**
 * The agreement issue 17 asks for, as one check: per layer, the counts equal the Changes rows
 * counted by changeRule.ts, and equal the path-history entries of that layer counted the same
 * way; and every row the rule does not count has a matching uncounted history entry.
 */
import { countedAs, historyCountedAs, type ImageFileSystem } from '../core/fs';
import type { CountedChange, LayerChangeCounts } from '../core/fs/types';

export interface CountAgreement {
  layer: number;
  counts: LayerChangeCounts;
  rows: LayerChangeCounts;
  history: LayerChangeCounts;
  /** Rows going with a removed or replaced directory whose history does not say so. */
  unexplained: string[];
}

function zero(): LayerChangeCounts {
  return { added: 0, modified: 0, removed: 0, rewritten: 0, replaced: 0 };
}

export function countAgreement(fs: ImageFileSystem): CountAgreement[] {
  const rows = Array.from({ length: fs.layerCount }, zero);
  const history = Array.from({ length: fs.layerCount }, zero);
  const unexplained: string[][] = Array.from({ length: fs.layerCount }, () => []);
  const paths = new Set<string>();
  for (let layer = 0; layer < fs.layerCount; layer++) {
    fs.walk(layer, 'changes', (node) => {
      paths.add(node.path);
      const counted = countedAs(node.change, node.note);
      if (counted) rows[layer][counted]++;
      else if (node.change === 'removed') {
        const entry = fs.timeline(node.path).find((t) => t.layer === layer && t.change === 'removed');
        if (entry?.note !== node.note) unexplained[layer].push(node.path);
      }
    });
  }
  for (const path of paths) {
    for (const entry of fs.timeline(path)) {
      const counted: CountedChange | null = historyCountedAs(entry);
      if (counted) history[entry.layer][counted]++;
    }
  }
  return rows.map((r, layer) => {
    const { added, modified, removed, rewritten, replaced } = fs.counts(layer);
    return {
      layer,
      counts: { added, modified, removed, rewritten, replaced },
      rows: r,
      history: history[layer],
      unexplained: unexplained[layer],
    };
  });
}
