/**
 * The Secrets view: private keys, tokens and credentials in every layer of the selected image
 * (also files a later layer deleted or overwrote, which are still in the archive) and in its
 * config. The worker scans once the image is indexed, a time slice per request, so findings come
 * in as they are made and Cancel stops the scan. Each finding shows a redacted preview; its secret
 * crosses from the worker only when Reveal is clicked. Links open the file in the layer that holds
 * it, the layer, and the history step.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from '../core/errors';
import {
  expandAncestors,
  getState,
  requestPane,
  selectLayer,
  selectPath,
  setMode,
  setState,
  useExplorer,
} from '../store';
import { isStale, query } from '../store/client';
import {
  clearSecretLayerCounts,
  filterSecretsByLayer,
  secretLayerFilter,
  setSecretLayerCounts,
  useSecretsUi,
} from '../store/secrets';
import type { SecretFindingView, SecretScanProgress, SecretsPage } from '../worker/protocol';
import { formatBytes, formatCount, plural, visible } from './format';

/** Archives up to this size are scanned as soon as they are indexed; bigger ones on request. */
export const AUTO_SCAN_MAX_BYTES = 512 * 1024 * 1024;
/** How long one request lets the worker scan before it answers. */
const SLICE_MS = 150;
/** Findings drawn; the rest are counted (the command line lists them all). */
const MAX_SHOWN = 500;

type Phase = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

interface ScanState {
  phase: Phase;
  /** The worker's id of the scan, for Reveal. */
  id: number | null;
  progress: SecretScanProgress | null;
  findings: SecretFindingView[];
  summary: SecretsPage['summary'];
  error: string | null;
}

const IDLE: ScanState = { phase: 'idle', id: null, progress: null, findings: [], summary: null, error: null };

/** Where the finding's bytes stand, in the words the command line uses too. */
export function standing(f: SecretFindingView): string {
  if (f.where !== 'file') return 'in the image config, visible to anyone who pulls it';
  if (f.visibleInFinalImage) return 'visible in the final image';
  return `${f.hiddenHow === 'overwritten' ? 'overwritten' : 'deleted'} in layer ${f.hiddenByLayer}, still in the archive`;
}

function whereText(f: SecretFindingView): string {
  if (f.where === 'env') return 'Env';
  if (f.where === 'label') return 'Label';
  return 'History';
}

function skippedText(summary: NonNullable<SecretsPage['summary']>): string {
  const parts = [
    summary.skippedBinary ? `${formatCount(summary.skippedBinary)} binary` : '',
    summary.skippedLarge
      ? `${formatCount(summary.skippedLarge)} over ${formatBytes(summary.maxFileBytes)}`
      : '',
    summary.skippedUnreadable ? `${formatCount(summary.skippedUnreadable)} unreadable` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Opens the file in the layer whose tar holds it, in that layer's own changes (a deleted file is there). */
function openFile(f: SecretFindingView): void {
  if (f.path === null || f.layer === null) return;
  setMode('changes');
  selectLayer(f.layer);
  const view = getState().view;
  if (view.filter || !view.changes.added || !view.changes.modified)
    setState({ view: { ...view, filter: '', changes: { ...view.changes, added: true, modified: true } } });
  expandAncestors(f.path);
  selectPath(f.path, true);
}

function openLayer(layer: number): void {
  selectLayer(layer);
  requestPane('layers');
}

/** A history step is shown in Layer details with the layer it made, or after the layer before it. */
function openHistoryStep(index: number): void {
  const s = getState();
  const history = s.archive?.images[s.selection.image]?.history ?? [];
  let layer = 0;
  for (let i = Math.min(index, history.length - 1); i >= 0; i--) {
    const at = history[i].layerIndex;
    if (at !== null) {
      layer = at;
      break;
    }
  }
  openLayer(layer);
}

export function SecretsPanel() {
  const sessionId = useExplorer((s) => s.session.id);
  const indexed = useExplorer((s) => s.session.phase === 'done');
  const archiveSize = useExplorer((s) => s.session.size);
  const image = useExplorer((s) => s.selection.image);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const layerCount = useExplorer((s) => s.archive?.images[s.selection.image]?.layers.length ?? 0);
  const layerFilter = useSecretsUi((s) => secretLayerFilter(s, sessionId, image));
  const revealSeq = useSecretsUi((s) => s.revealSeq);
  const panelRef = useRef<HTMLElement>(null);
  const [scan, setScan] = useState<ScanState>(IDLE);
  const [revealed, setRevealed] = useState<Map<number, string>>(new Map());
  /** Bumped to stop the loop of the scan running. */
  const generation = useRef(0);

  const stop = useCallback((phase: Phase) => {
    generation.current++;
    setScan((prev) => {
      if (prev.id !== null && prev.phase === 'running')
        void query('secretsCancel', { id: prev.id }).catch(() => undefined);
      return prev.phase === 'running' ? { ...prev, phase } : prev;
    });
  }, []);

  const start = useCallback(async (imageIndex: number) => {
    const gen = ++generation.current;
    setRevealed(new Map());
    setScan({ ...IDLE, phase: 'running' });
    try {
      const { id } = await query('secretsStart', { image: imageIndex });
      if (gen !== generation.current) {
        void query('secretsCancel', { id }).catch(() => undefined);
        return;
      }
      setScan((prev) => ({ ...prev, id }));
      for (;;) {
        const page = await query('secretsNext', { id, budgetMs: SLICE_MS });
        if (gen !== generation.current) return;
        setScan((prev) => ({
          ...prev,
          progress: page.progress ?? prev.progress,
          findings: page.findings.length ? [...prev.findings, ...page.findings] : prev.findings,
          summary: page.summary,
          phase: page.done ? 'done' : prev.phase,
        }));
        if (page.done) return;
      }
    } catch (error) {
      if (isStale(error) || gen !== generation.current) return;
      setScan((prev) => ({ ...prev, phase: 'error', error: messageOf(error) }));
    }
  }, []);

  // Another archive or image: the old scan is over; a new one starts once the image is indexed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the archive or image changes
  useEffect(() => {
    generation.current++;
    setScan(IDLE);
    setRevealed(new Map());
  }, [sessionId, image]);
  useEffect(() => {
    if (scan.phase !== 'idle' || !ready || !indexed || archiveSize > AUTO_SCAN_MAX_BYTES) return;
    void start(image);
  }, [scan.phase, ready, indexed, archiveSize, image, start]);
  useEffect(() => () => void generation.current++, []);
  // The Layers list counts each layer's findings as they come in.
  useEffect(() => {
    if (scan.phase === 'idle') clearSecretLayerCounts();
    else
      setSecretLayerCounts(
        sessionId,
        image,
        scan.findings.map((f) => (f.where === 'file' ? f.layer : null)),
        layerCount,
      );
  }, [scan.findings, scan.phase, sessionId, image, layerCount]);
  // A layer's count, clicked, narrows the view and brings it into sight.
  useEffect(() => {
    if (revealSeq > 0) panelRef.current?.scrollIntoView({ block: 'nearest' });
  }, [revealSeq]);

  const reveal = async (f: SecretFindingView) => {
    if (scan.id === null) return;
    if (revealed.has(f.index)) {
      setRevealed((prev) => {
        const next = new Map(prev);
        next.delete(f.index);
        return next;
      });
      return;
    }
    try {
      const { secret } = await query('secretReveal', { id: scan.id, index: f.index });
      setRevealed((prev) => new Map(prev).set(f.index, secret));
    } catch (error) {
      if (!isStale(error)) setScan((prev) => ({ ...prev, error: messageOf(error) }));
    }
  };

  if (!ready) return null;
  const { phase, progress, summary } = scan;
  const total = scan.findings.length + (summary?.findingsDropped ?? 0);
  const findings =
    layerFilter === null
      ? scan.findings
      : scan.findings.filter((f) => f.where === 'file' && f.layer === layerFilter);
  const layersWithFindings = [
    ...new Set(scan.findings.flatMap((f) => (f.where === 'file' && f.layer !== null ? [f.layer] : []))),
  ].sort((a, b) => a - b);
  const perLayer = (layer: number) =>
    scan.findings.filter((f) => f.where === 'file' && f.layer === layer).length;
  let status: string;
  if (phase === 'idle')
    status = indexed ? 'Not scanned yet: the archive is large.' : 'Scans once every layer is read.';
  else if (phase === 'running')
    status = progress
      ? `Scanning${progress.layer !== null ? ` layer ${progress.layer}` : ''}: ${formatCount(progress.filesDone)} of ${plural(progress.filesTotal, 'file', 'files')}, ${plural(scan.findings.length, 'finding', 'findings')} so far`
      : 'Scanning…';
  else if (phase === 'error') status = `The scan failed: ${scan.error}`;
  else {
    const scanned = summary
      ? ` · ${plural(summary.scanned.files, 'file', 'files')} scanned, ${formatCount(summary.scanned.skipped)} skipped${skippedText(summary)}`
      : '';
    status = `${phase === 'cancelled' ? 'Cancelled: ' : ''}${total === 0 ? 'No secrets found' : plural(total, 'finding', 'findings')}${scanned}`;
  }

  return (
    <section className="panel secrets-panel" aria-label="Secrets" ref={panelRef}>
      <header className="panel-head">
        <h2>Secrets</h2>
        {phase === 'running' ? (
          <button type="button" className="btn small" onClick={() => stop('cancelled')}>
            Cancel scan
          </button>
        ) : (
          <button type="button" className="btn small" disabled={!indexed} onClick={() => void start(image)}>
            {phase === 'idle' ? 'Scan for secrets' : 'Scan again'}
          </button>
        )}
      </header>
      <p
        className={`small secrets-status ${phase === 'error' ? 'c-error' : 'muted'}`}
        aria-live="polite"
        data-phase={phase}
      >
        {visible(status)}
      </p>
      {phase === 'running' && progress && progress.bytesTotal > 0 && (
        <progress
          className="secrets-progress"
          aria-label="Secret scan progress"
          max={progress.bytesTotal}
          value={progress.bytesDone}
        />
      )}
      {(layersWithFindings.length > 0 || layerFilter !== null) && (
        <div className="secrets-filter small">
          <label>
            Show{' '}
            <select
              aria-label="Show findings of"
              value={layerFilter ?? ''}
              onChange={(e) => filterSecretsByLayer(e.target.value === '' ? null : Number(e.target.value))}
            >
              <option value="">all layers and the config</option>
              {[...new Set([...layersWithFindings, ...(layerFilter !== null ? [layerFilter] : [])])]
                .sort((a, b) => a - b)
                .map((layer) => (
                  <option key={layer} value={layer}>
                    {`layer ${layer} (${plural(perLayer(layer), 'finding', 'findings')})`}
                  </option>
                ))}
            </select>
          </label>
          {layerFilter !== null && (
            <span className="muted">
              {' '}
              {plural(findings.length, 'finding', 'findings')} in layer {layerFilter}
            </span>
          )}
        </div>
      )}
      {findings.length > 0 && (
        <ul className="secrets-list" aria-label="Secret findings">
          {findings.slice(0, MAX_SHOWN).map((f) => {
            const secret = revealed.get(f.index);
            return (
              <li
                key={f.index}
                className={`secret-item ${f.visibleInFinalImage ? 'is-visible' : 'is-hidden'}`}
              >
                <div className="secret-head">
                  <span className="secret-title">{visible(f.title)}</span>
                  <span className="secret-state small">{standing(f)}</span>
                </div>
                <div className="secret-links small">
                  {f.where === 'file' && f.path !== null ? (
                    <button type="button" className="link-btn secret-path" onClick={() => openFile(f)}>
                      {visible(`${f.path}:${f.line}`)}
                    </button>
                  ) : (
                    <span className="muted">{whereText(f)}</span>
                  )}
                  {f.layer !== null && (
                    <button type="button" className="link-btn" onClick={() => openLayer(f.layer!)}>
                      Layer {f.layer}
                    </button>
                  )}
                  {f.historyIndex !== null && (
                    <button
                      type="button"
                      className="link-btn"
                      onClick={() => openHistoryStep(f.historyIndex!)}
                    >
                      History step {f.historyIndex}
                    </button>
                  )}
                </div>
                <div className="secret-value">
                  {/* A long secret scrolls in its box: focusable, so the keyboard can scroll it too. */}
                  <code
                    className={secret === undefined ? 'secret-preview' : 'secret-revealed'}
                    tabIndex={secret === undefined ? undefined : 0}
                  >
                    {secret === undefined ? visible(f.preview) : secret.split('\n').map(visible).join('\n')}
                  </code>
                  <button type="button" className="btn small" onClick={() => void reveal(f)}>
                    {secret === undefined ? 'Reveal' : 'Hide'}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {findings.length > MAX_SHOWN && (
        <p className="small muted secrets-more">
          {plural(
            (layerFilter === null ? total : findings.length) - MAX_SHOWN,
            'more finding',
            'more findings',
          )}
          : <code>secrets</code> on the command line lists them all.
        </p>
      )}
      {summary && summary.warnings.length > 0 && (
        <ul className="small c-error secrets-warnings">
          {summary.warnings.map((w) => (
            <li key={w}>{visible(w)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
