/**
 * Risky files of the merged view at the selected layer: setuid/setgid executables, world-writable
 * paths outside sticky directories like /tmp, and owners /etc/passwd does not know. Each jumps to
 * the file; "Filter Files" shows exactly them in the Files tree (a path filter).
 */
import { useState } from 'react';
import { getState, setState, useExplorer } from '../store';
import { query } from '../store/client';
import { jumpToPath } from '../store/placement';
import type { RiskyFilesResult } from '../worker/protocol';
import { formatCount, modeString, visible } from './format';
import { useQuery } from './useQuery';

const FIRST = 8;
/** A path filter longer than this is too slow to type-check as a regular expression per path. */
const MAX_FILTER_PATHS = 300;

const KIND_LABEL = {
  setuid: 'setuid',
  setgid: 'setgid',
  'world-writable': 'world-writable',
  'unknown-owner': 'unknown owner',
} as const;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Shows the risky paths, and only them, in the Files tree (merged view at the layer). */
function filterFiles(result: RiskyFilesResult): void {
  const paths = result.files.slice(0, MAX_FILTER_PATHS).map((f) => escapeRegex(f.path));
  const s = getState();
  setState({
    view: {
      ...s.view,
      mode: 'merged',
      regex: true,
      filter: `^(?:${paths.join('|')})$`,
      expansion: { ...s.view.expansion, merged: { expandAll: true, toggled: [] } },
    },
    paneRequest: { pane: 'files', seq: (s.paneRequest?.seq ?? 0) + 1 },
  });
}

export function RiskyFiles() {
  const session = useExplorer((s) => s.session.id);
  const image = useExplorer((s) => s.selection.image);
  const layer = useExplorer((s) => s.selection.layer);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const [showAll, setShowAll] = useState(false);
  const { data, error } = useQuery(ready ? () => query('riskyFiles', { image, layer }) : null, [
    session,
    image,
    layer,
    ready,
  ]);
  if (!ready) return null;
  const files = data?.files ?? [];
  return (
    <section className="panel risky-panel" aria-label="Risky files">
      <header className="panel-head">
        <h2>Risky files</h2>
        <span className="muted small">at layer {layer}</span>
        {files.length > 0 && data && (
          <button type="button" className="link-btn small risky-filter" onClick={() => filterFiles(data)}>
            Filter Files
          </button>
        )}
      </header>
      <div className="risky-body">
        {error && <p className="c-error small">{visible(error)}</p>}
        {data && (
          <p className="muted small risky-counts">
            {formatCount(data.counts.setuid)} setuid · {formatCount(data.counts.setgid)} setgid ·{' '}
            {formatCount(data.counts['world-writable'])} world-writable ·{' '}
            {formatCount(data.counts['unknown-owner'])} unknown owner
            {data.passwdFound ? '' : ' (no /etc/passwd: only root is known)'}
          </p>
        )}
        {files.length > 0 && (
          <ul className="risky-list" aria-label="Risky files list">
            {files.slice(0, showAll ? 500 : FIRST).map((f) => (
              <li key={f.path}>
                <button type="button" className="risky-row" onClick={() => void jumpToPath(f.path)}>
                  <span className="mono risky-path">{visible(f.path)}</span>
                  <span className="risky-kinds">
                    {f.kinds.map((k) => (
                      <span key={k} className={`badge risky-${k}`}>
                        {KIND_LABEL[k]}
                      </span>
                    ))}
                  </span>
                  <span className="mono muted small">
                    {modeString(f.mode, f.type)} {f.uid}:{f.gid} · layer {f.layer}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {files.length > FIRST && (
          <button type="button" className="link-btn small show-all" onClick={() => setShowAll((v) => !v)}>
            {showAll ? 'Show fewer' : `Show all ${formatCount(Math.min(500, files.length))}`}
          </button>
        )}
      </div>
    </section>
  );
}
