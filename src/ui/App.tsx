import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { VerifyState } from '../store';
import { useExplorer } from '../store';
import { cancelOpen, openFile, openSample } from '../store/opening';
import { runVerify } from '../store/verify';
import type { OpenProgress } from '../worker/protocol';
import { AlertIcon } from './AlertIcon';
import { CompareButton, ComparePane, useCompareOpen } from './compare/mount';
import { formatBytes, formatCount, formatSeconds, plural, visible } from './format';
import { ImagePicker } from './ImagePicker';
import { KeyboardShortcuts } from './KeyboardShortcuts';
import { OpenNotice, ResumeHint } from './OpenNotice';
import { SavedIndexes } from './SavedIndexes';
import { Workspace } from './Workspace';

const FORMAT_LABEL: Record<string, string> = {
  'docker-legacy': 'Docker (legacy)',
  'docker-archive': 'docker save',
  'oci-layout': 'OCI layout',
  rootfs: 'plain tar',
};

export function App() {
  const hasArchive = useExplorer((s) => s.archive !== null && s.archive.images.length > 0);
  const name = useExplorer((s) => s.session.name);
  const inputRef = useRef<HTMLInputElement>(null);
  const comparing = useCompareOpen();

  useEffect(() => {
    document.title = name ? `${visible(name)} — Image Layer Explorer` : 'Image Layer Explorer';
  }, [name]);

  return (
    <div className="app">
      <Header inputRef={inputRef} />
      <AlertBanner />
      <VerifyAlert />
      <OpenNotice />
      <main className={hasArchive ? 'workspace-main' : 'welcome-wrap'}>
        {hasArchive ? (
          comparing ? (
            <ComparePane />
          ) : (
            <Workspace />
          )
        ) : (
          <Welcome onChoose={() => inputRef.current?.click()} />
        )}
      </main>
      <StatusBar />
      <DropZone />
    </div>
  );
}

function Header({ inputRef }: { inputRef: React.RefObject<HTMLInputElement | null> }) {
  const archive = useExplorer((s) => s.archive);
  // Only what the header shows: progress changes the session many times a second.
  const session = useExplorer(
    useShallow((s) => ({
      name: s.session.name,
      url: s.session.url,
      size: s.session.size,
      phase: s.session.phase,
    })),
  );
  const verifying = useExplorer((s) => s.verify?.phase === 'running');
  const settled = session.phase === 'done' || session.phase === 'failed' || session.phase === 'cancelled';
  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) openFile(file);
    e.target.value = '';
  };
  return (
    <header className="topbar">
      <div className="brand">
        <svg viewBox="0 0 24 24" className="logo" aria-hidden="true">
          <path d="M12 2.5 21 7l-9 4.5L3 7z" className="l1" />
          <path d="M3 11.5l9 4.5 9-4.5" className="l2" />
          <path d="M3 16l9 4.5 9-4.5" className="l3" />
        </svg>
        <span className="brand-name">Image Layer Explorer</span>
      </div>
      {session.name && (
        <div className="archive-chip" title={visible(session.url ?? session.name)}>
          <span className="archive-name">{visible(session.name)}</span>
          {archive && (
            <span className="muted">
              {FORMAT_LABEL[archive.format] ?? archive.format}
              {archive.outerCompression !== 'none' ? ` + ${archive.outerCompression}` : ''} ·{' '}
              {formatBytes(session.size)}
            </span>
          )}
        </div>
      )}
      <ImagePicker />
      <span className="grow" />
      {archive && (
        <button
          type="button"
          className="btn ghost"
          onClick={() => void runVerify()}
          disabled={!settled || verifying}
          aria-describedby="verify-hint"
        >
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <path d="M8 1.5 13.5 3.5v4c0 3.2-2.3 5.6-5.5 7-3.2-1.4-5.5-3.8-5.5-7v-4z" fill="none" />
            <path d="M5.5 8l1.8 1.8L10.8 6.3" fill="none" />
          </svg>
          <span className="btn-text">Verify</span>
          <span id="verify-hint" className="visually-hidden">
            Hash every layer and config with SHA-256 and compare them with the manifest and config
          </span>
        </button>
      )}
      {archive && <CompareButton />}
      {archive && (
        <button type="button" className="btn ghost" onClick={() => void openSample()}>
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <path d="M8 2 14 5 8 8 2 5zM2 8l6 3 6-3M2 11l6 3 6-3" fill="none" />
          </svg>
          <span className="btn-text">Open sample</span>
        </button>
      )}
      <label className="btn primary file-btn">
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M2 4.5h4l1.5 1.5H14v7H2z" fill="none" />
        </svg>
        <span className="btn-text">Open image archive</span>
        <input
          ref={inputRef}
          type="file"
          className="visually-hidden"
          accept=".tar,.tgz,.gz,.zst,.tar.gz,.tar.zst,.oci,application/x-tar,application/gzip"
          onChange={onFile}
        />
      </label>
    </header>
  );
}

function progressFraction(s: {
  phase: string;
  progress: OpenProgress | null;
  download: { received: number; total: number | null } | null;
}): number {
  const p = s.progress;
  if (s.phase === 'done') return 1;
  if (s.phase === 'reading' && !p && s.download?.total) return s.download.received / s.download.total;
  if (s.phase !== 'reading' || !p) return 0;
  const bytes = p.bytesRead / Math.max(1, p.totalBytes);
  return p.phase === 'scanning' ? bytes : Math.max(bytes, p.layersDone / Math.max(1, p.layersTotal));
}

function Welcome({ onChoose }: { onChoose: () => void }) {
  const session = useExplorer((s) => s.session);
  const busy = session.phase === 'reading' || session.phase === 'loading';
  if (busy) {
    const p = session.progress;
    const d = session.download;
    return (
      <section className="welcome" aria-labelledby="welcome-title">
        <div className="welcome-card reading">
          <div className="spinner big" aria-hidden="true" />
          <h1 id="welcome-title">
            {d && !p ? 'Downloading' : 'Reading'} {visible(session.name)}
          </h1>
          {session.url && <p className="muted small break welcome-url">{visible(session.url)}</p>}
          <p className="muted">
            {p
              ? `${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)} · ${formatCount(p.entries)} entries`
              : d
                ? `${formatBytes(d.received)}${d.total !== null ? ` of ${formatBytes(d.total)}` : ''} · the server does not support Range requests, so the whole archive comes first`
                : 'Starting…'}
          </p>
          <div className="progress wide" aria-hidden="true">
            <div style={{ transform: `scaleX(${progressFraction(session).toFixed(3)})` }} />
          </div>
          <p className="muted small">Layers appear as soon as the archive's images are known.</p>
        </div>
      </section>
    );
  }
  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <div className="welcome-card">
        <svg viewBox="0 0 64 64" className="welcome-art" aria-hidden="true">
          <path d="M32 6 58 19 32 32 6 19z" className="l1" />
          <path d="M6 30l26 13 26-13" className="l2" />
          <path d="M6 41l26 13 26-13" className="l3" />
        </svg>
        <h1 id="welcome-title">See inside a container image</h1>
        <ResumeHint />
        <p>
          Drop a <code>docker save</code> or OCI archive (<code>.tar</code>, <code>.tar.gz</code>) anywhere on
          this page. It is read right here in your browser, straight from disk: nothing is uploaded.
        </p>
        <div className="welcome-actions">
          <button type="button" className="btn primary big" onClick={onChoose}>
            Choose an archive…
          </button>
          <button type="button" className="btn big" onClick={() => void openSample()}>
            Open sample
          </button>
        </div>
        <p className="muted small">
          Save one with <code>docker save -o app.tar app:latest</code>, <code>podman save</code> or{' '}
          <code>skopeo copy … oci-archive:app.tar</code>.
        </p>
        <p className="muted small">
          <SavedIndexes variant="welcome" />
        </p>
      </div>
    </section>
  );
}

function verifyText(v: VerifyState | null): string {
  if (!v) return '';
  if (v.phase === 'running') {
    const p = v.progress;
    return p
      ? ` · Verifying: ${formatBytes(p.bytesHashed)} of ${formatBytes(p.totalBytes)} hashed, ${p.blobsDone} of ${plural(p.blobsTotal, 'layer', 'layers')}`
      : ' · Verifying…';
  }
  if (v.phase === 'failed') return ' · Verify failed';
  const r = v.result;
  if (!r) return '';
  const skipped = r.layersSkipped.length ? `, ${r.layersSkipped.length} could not be read` : '';
  if (r.problems.length === 0)
    return ` · Verified: all digests match (${plural(r.layersChecked, 'layer', 'layers')}, ${plural(r.configsChecked, 'config', 'configs')}${skipped})`;
  return ` · Verify: ${plural(r.problems.length, 'mismatch', 'mismatches')} in ${plural(r.layersChecked, 'layer', 'layers')} and ${plural(r.configsChecked, 'config', 'configs')}${skipped}`;
}

function statusText(s: ReturnType<typeof useSessionView>): string {
  return sessionText(s) + (s.phase === 'reading' || s.phase === 'loading' ? '' : verifyText(s.verify));
}

function sessionText(s: ReturnType<typeof useSessionView>): string {
  const { phase, progress, entries, elapsedMs } = s;
  const name = visible(s.name);
  switch (phase) {
    case 'idle':
      return 'No archive open';
    case 'loading':
      return `Loading ${name}…`;
    case 'reading': {
      if (!progress && s.download)
        return `Downloading ${name}: ${formatBytes(s.download.received)}${s.download.total !== null ? ` of ${formatBytes(s.download.total)}` : ''} (the server does not support Range requests)`;
      if (!progress) return `Opening ${name}…`;
      if (progress.phase === 'scanning') {
        return `Reading ${name}: ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)} · ${formatCount(progress.entries)} entries`;
      }
      return `Indexing layers ${progress.layersDone} of ${progress.layersTotal} · ${formatCount(progress.entries)} entries · ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)}`;
    }
    case 'done':
      return `Indexed ${entries ?? 0} entries in ${s.layers} ${s.layers === 1 ? 'layer' : 'layers'}${elapsedMs !== null ? ` · ${formatSeconds(elapsedMs)}` : ''}${s.fromSavedIndex ? ' · from the index saved on this device' : ''}`;
    case 'cancelled':
      return `Stopped: ${formatCount(entries ?? 0)} entries read from ${progress?.layersDone ?? 0} of ${plural(progress?.layersTotal ?? 0, 'layer', 'layers')}`;
    case 'failed':
      return entries
        ? `Stopped with an error after ${formatCount(entries)} entries`
        : `Could not read ${name}`;
  }
}

function useSessionView() {
  const session = useExplorer((s) => s.session);
  const layers = useExplorer((s) => s.archive?.blobs.length ?? 0);
  const verify = useExplorer((s) => s.verify);
  return { ...session, layers, verify };
}

function StatusBar() {
  const s = useSessionView();
  const fraction = progressFraction(s);
  return (
    <footer className={`statusbar phase-${s.phase}`}>
      <div
        className="status-text"
        role="status"
        aria-live="polite"
        aria-busy={s.phase === 'reading' || s.phase === 'loading'}
        data-phase={s.phase}
        data-entries={s.entries ?? undefined}
        data-elapsed-ms={s.elapsedMs !== null ? Math.round(s.elapsedMs) : undefined}
        data-worker-ms={s.workerMs !== null ? Math.round(s.workerMs) : undefined}
      >
        {statusText(s)}
      </div>
      {s.verify?.phase === 'running' && s.phase !== 'reading' && (
        <div className="progress verify" aria-hidden="true">
          <div
            style={{
              transform: `scaleX(${((s.verify.progress?.bytesHashed ?? 0) / Math.max(1, s.verify.progress?.totalBytes ?? 1)).toFixed(3)})`,
            }}
          />
        </div>
      )}
      {s.phase === 'reading' && (
        <>
          <div className="progress" aria-hidden="true">
            <div style={{ transform: `scaleX(${fraction.toFixed(3)})` }} />
          </div>
          <button type="button" className="btn small ghost" onClick={cancelOpen}>
            Cancel
          </button>
        </>
      )}
      <span className="grow" />
      {s.warnings.length > 0 && (
        <span className="muted small" title={s.warnings.map((w) => visible(w)).join('\n')}>
          {s.warnings.length} {s.warnings.length === 1 ? 'warning' : 'warnings'}
        </span>
      )}
      <span className="muted small privacy-note">
        {s.url
          ? `Read from ${visible(new URL(s.url).host)} · nothing is uploaded`
          : 'Read locally · nothing leaves this page'}
      </span>
      {!s.url && <SavedIndexes variant="status" />}
      <KeyboardShortcuts />
    </footer>
  );
}

function AlertBanner() {
  const session = useExplorer(
    useShallow((s) => ({
      id: s.session.id,
      name: s.session.name,
      fatal: s.session.fatal,
      errors: s.session.errors,
      entries: s.session.entries,
    })),
  );
  const [dismissed, setDismissed] = useState<string>('');
  const problems = [...(session.fatal ? [session.fatal] : []), ...session.errors];
  const key = `${session.id}:${problems.length}`;
  if (problems.length === 0 || dismissed === key) return null;
  const partial = session.entries !== null && session.entries > 0;
  return (
    <div className="alert" role="alert">
      <AlertIcon />
      <div className="alert-body">
        <strong>
          {session.fatal
            ? `Could not read ${session.name || 'the archive'}`
            : `${session.name} is incomplete`}
          {partial || !session.fatal ? ' — what was read is shown' : ''}
        </strong>
        <ul>
          {problems.slice(0, 5).map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: messages may repeat
            <li key={i}>{visible(p)}</li>
          ))}
          {problems.length > 5 && <li>…and {problems.length - 5} more</li>}
        </ul>
      </div>
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setDismissed(key)}>
        ×
      </button>
    </div>
  );
}

const VERIFY_SHOWN = 20;

/** Verify's mismatches, each naming the member (or why Verify could not run). */
function VerifyAlert() {
  const verify = useExplorer((s) => s.verify);
  const name = useExplorer((s) => s.session.name);
  const [dismissed, setDismissed] = useState<VerifyState | null>(null);
  if (!verify || verify === dismissed) return null;
  const problems =
    verify.phase === 'failed' ? [verify.error ?? 'unknown error'] : (verify.result?.problems ?? []);
  if (verify.phase === 'running' || problems.length === 0) return null;
  return (
    <div className="alert verify-alert" role="alert">
      <AlertIcon />
      <div className="alert-body">
        <strong>
          {verify.phase === 'failed'
            ? `Could not verify ${visible(name)}`
            : `Verify: ${plural(problems.length, 'digest does', 'digests do')} not match in ${visible(name)}`}
        </strong>
        <ul>
          {problems.slice(0, VERIFY_SHOWN).map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: messages may repeat
            <li key={i} className="break">
              {visible(p)}
            </li>
          ))}
          {problems.length > VERIFY_SHOWN && <li>…and {problems.length - VERIFY_SHOWN} more</li>}
        </ul>
      </div>
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setDismissed(verify)}>
        ×
      </button>
    </div>
  );
}

/** Drag-and-drop anywhere on the page. */
function DropZone() {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      const file = e.dataTransfer?.files?.[0];
      depth = 0;
      setOver(false);
      if (!file) return;
      e.preventDefault();
      openFile(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  if (!over) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-card">
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3v12M7 10l5 5 5-5M4 19h16" fill="none" />
        </svg>
        Drop to open the archive
      </div>
    </div>
  );
}
