/** The image's package summary, asked of the worker once its layers are indexed. */
import { useExplorer } from '../store';
import { query } from '../store/client';
import type { LayerPackageCounts, PackageSummary } from '../worker/protocol';
import { useQuery } from './useQuery';

export function usePackageSummary(): {
  data: PackageSummary | undefined;
  error: string | null;
  loading: boolean;
} {
  const session = useExplorer((s) => s.session.id);
  const image = useExplorer((s) => s.selection.image);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  return useQuery(ready ? () => query('packageSummary', { image }) : null, [session, image, ready]);
}

/** "+12 ↑1 packages": what a layer did to packages, in the Layers list and the table. */
export function packageCountsText(counts: LayerPackageCounts | undefined): string {
  if (!counts) return '';
  const parts = [
    counts.added ? `+${counts.added}` : '',
    counts.upgraded ? `↑${counts.upgraded}` : '',
    counts.downgraded ? `↓${counts.downgraded}` : '',
    counts.removed ? `−${counts.removed}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return '';
  const total = counts.added + counts.upgraded + counts.downgraded + counts.removed;
  return `${parts.join(' ')} ${total === 1 ? 'package' : 'packages'}`;
}

/** The same in words, for assistive technology: "packages: 12 added, 1 upgraded". */
export function packageCountsWords(counts: LayerPackageCounts | undefined): string {
  if (!counts) return '';
  const parts = (['added', 'upgraded', 'downgraded', 'removed'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`);
  return parts.length ? `packages: ${parts.join(', ')}` : '';
}
