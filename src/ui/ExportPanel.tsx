/**
 * Taking files out: the selected layer's own changes (a valid layer tar, whiteouts included), the
 * merged filesystem at that layer, or the selected directory of the current view, as a tar the
 * worker writes and hands over a chunk at a time.
 */
import { useRef, useState } from 'react';
import { messageOf } from '../core/errors';
import { useExplorer } from '../store';
import { isStale, query } from '../store/client';
import type { ViewMode } from '../worker/protocol';
import { formatBytes, plural, visible } from './format';
import { saveChunks } from './save';

export function ExportPanel() {
  const image = useExplorer((s) => s.selection.image);
  const layer = useExplorer((s) => s.selection.layer);
  const mode = useExplorer((s) => s.view.mode);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const dir = useExplorer((s) =>
    s.details?.data?.node?.type === 'dir' && s.selection.path && s.selection.path !== '/'
      ? s.selection.path
      : null,
  );
  const [status, setStatus] = useState<{ text: string; running: boolean; error: boolean } | null>(null);
  const current = useRef<number | null>(null);

  const run = async (what: ViewMode, path: string) => {
    setStatus({ text: 'Preparing the export…', running: true, error: false });
    try {
      const plan = await query('exportStart', { image, layer, mode: what, path });
      current.current = plan.id;
      // What the tar leaves out or changes (issue 16: names climbing out of the root, odd hardlinks)
      // is shown from the start, before a byte is written, and stays with the result.
      const noted = plan.warnings.length ? ` · ${plan.warnings.join('; ')}` : '';
      setStatus({ text: `Exporting ${plan.suggestedName}${noted}`, running: true, error: false });
      let written = 0;
      const saved = await saveChunks(
        plan.suggestedName,
        plan.contentBytes,
        async () => {
          if (current.current !== plan.id) throw new Error('cancelled');
          const { chunk } = await query('exportNext', { id: plan.id });
          if (chunk) {
            written += chunk.length;
            setStatus({
              text: `Exporting ${plan.suggestedName}: ${formatBytes(written)} of about ${formatBytes(plan.contentBytes)}${noted}`,
              running: true,
              error: false,
            });
          }
          return chunk ? new Uint8Array(chunk) : null;
        },
        'application/x-tar',
      );
      current.current = null;
      setStatus({
        text: saved
          ? `Saved ${plan.suggestedName}: ${plural(plan.entries, 'entry', 'entries')}, ${formatBytes(written)}${noted}`
          : 'Export not saved',
        running: false,
        error: false,
      });
    } catch (error) {
      const id = current.current;
      current.current = null;
      if (id !== null) void query('exportCancel', { id }).catch(() => undefined);
      if (isStale(error)) return;
      const message = messageOf(error);
      setStatus({
        text: message === 'cancelled' ? 'Export cancelled' : `Export failed: ${message}`,
        running: false,
        error: message !== 'cancelled',
      });
    }
  };

  if (!ready) return null;
  const busy = status?.running ?? false;
  return (
    <section className="panel export-panel" aria-label="Export">
      <header className="panel-head">
        <h2>Export</h2>
        <span className="muted small">as tar, layer {layer}</span>
      </header>
      <div className="export-body">
        <button type="button" className="btn small" disabled={busy} onClick={() => void run('changes', '/')}>
          Export layer changes
        </button>
        <button type="button" className="btn small" disabled={busy} onClick={() => void run('merged', '/')}>
          Export merged filesystem
        </button>
        <button
          type="button"
          className="btn small"
          disabled={busy || dir === null}
          title={dir ? visible(dir) : 'Select a directory in Files'}
          onClick={() => dir && void run(mode, dir)}
        >
          Export directory
        </button>
        {busy && (
          <button type="button" className="link-btn small" onClick={() => (current.current = null)}>
            Cancel
          </button>
        )}
      </div>
      {status && (
        <p className={`small export-status ${status.error ? 'c-error' : 'muted'}`} aria-live="polite">
          {visible(status.text)}
        </p>
      )}
    </section>
  );
}
