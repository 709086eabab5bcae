/**
 * The Compare pane: pick A and B (an image and layer of the archive shown, or of a second
 * archive opened here), run the comparison in its worker, and see the result: the tree of paths
 * that differ, the summary per top-level directory, the shared and unique layers, the config and
 * history differences, and the selected file's diff.
 */
import { type ChangeEvent, type DragEvent, type MouseEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useExplorer } from '../../store';
import {
  cancelCompare,
  closeCompare,
  dropRelink,
  openOtherArchive,
  openOtherUrl,
  reopenRemembered,
  runCompare,
  setCompareOptions,
  setSideA,
  setSideB,
  useCompare,
} from '../../store/compare';
import type { CompareMeta, ConfigDifference, TopLevelSummary } from '../../worker/compareProtocol';
import { cleanCommand, formatBytes, formatCount, formatSeconds, plural, visible } from '../format';
import { CompareFile } from './CompareFile';
import { CompareTree } from './CompareTree';
import { ScrollBox } from './ScrollBox';

interface ImageChoice {
  label: string;
  layers: { label: string }[];
}

function LayerSelect(props: {
  label: string;
  image: ImageChoice | undefined;
  value: number | null;
  onChange(layer: number | null): void;
}) {
  const count = props.image?.layers.length ?? 0;
  return (
    <label className="cmp-field">
      <span>{props.label}</span>
      <select
        value={props.value === null ? 'top' : String(props.value)}
        onChange={(e) => props.onChange(e.target.value === 'top' ? null : Number(e.target.value))}
      >
        <option value="top">Top (layer {Math.max(0, count - 1)})</option>
        {props.image?.layers.map((layer, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a layer is its position in the image
          <option key={i} value={i}>
            {i}: {layer.label.slice(0, 60)}
          </option>
        ))}
      </select>
    </label>
  );
}

function ImageSelect(props: {
  label: string;
  images: ImageChoice[];
  value: number;
  onChange(image: number): void;
}) {
  return (
    <label className="cmp-field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {props.images.map((image, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: an image is its position in the archive
          <option key={i} value={i}>
            {image.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ComparePane() {
  const archive = useExplorer((s) => s.archive);
  const sessionName = useExplorer((s) => s.session.name);
  const c = useCompare(
    useShallow((s) => ({
      a: s.a,
      b: s.b,
      other: s.other,
      relink: s.relink,
      includeTimes: s.includeTimes,
      exclude: s.exclude,
      phase: s.phase,
      message: s.message,
      meta: s.meta,
      progress: s.progress,
      done: s.done,
    })),
  );
  const fileInput = useId();
  const images: ImageChoice[] =
    archive?.images.map((image) => ({
      label: visible(image.tags[0] ?? image.id.slice(0, 19)),
      layers: image.layers.map((layer) => ({ label: visible(cleanCommand(layer.createdBy)) })),
    })) ?? [];
  const otherImages: ImageChoice[] =
    c.other?.images.map((image) => ({
      label: visible(image.label),
      layers: Array.from({ length: image.layers }, (_, i) => ({ label: `layer ${i}` })),
    })) ?? [];
  const bImages = c.b.archive === 'other' ? otherImages : images;
  const running = c.phase === 'opening' || c.phase === 'running';
  const [address, setAddress] = useState('');
  const onOther = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) void openOtherArchive(file);
    e.target.value = '';
  };
  // Where the browser has a file picker that gives a handle (Chromium), use it: the handle is kept
  // so that a link can reopen this file later. Elsewhere the plain file input opens.
  const onPick = (e: MouseEvent<HTMLLabelElement>) => {
    const picker = (window as unknown as { showOpenFilePicker?: () => Promise<FileSystemFileHandle[]> })
      .showOpenFilePicker;
    if (!picker) return;
    e.preventDefault();
    picker()
      .then(async ([handle]) => {
        const file = await handle.getFile();
        await openOtherArchive(file, file.name, handle);
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === 'AbortError'))
          document.getElementById(fileInput)?.click();
      });
  };
  const onDrop = (e: DragEvent<HTMLFieldSetElement>) => {
    const item = [...e.dataTransfer.items].find((i) => i.kind === 'file');
    if (!item) return;
    // B's archive, not a new archive for the page (the page's own drop target is around it).
    e.preventDefault();
    e.stopPropagation();
    const file = item.getAsFile();
    // Asked for inside the event: the browser gives the handle only while the drop is delivered.
    const handle = (
      item as DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> }
    ).getAsFileSystemHandle?.();
    void (async () => {
      const h = await handle?.catch(() => null);
      if (file)
        await openOtherArchive(file, file.name, h?.kind === 'file' ? (h as FileSystemFileHandle) : null);
    })();
  };

  return (
    <section className="panel compare-pane" aria-labelledby="compare-title">
      <header className="panel-head">
        <h2 id="compare-title">Compare</h2>
        <span className="grow" />
        <button type="button" className="btn small" onClick={closeCompare}>
          Close comparison
        </button>
      </header>
      <div className="cmp-body">
        <form
          className="cmp-pick"
          aria-label="What to compare"
          onSubmit={(e) => {
            e.preventDefault();
            runCompare();
          }}
        >
          <fieldset className="cmp-side">
            <legend>A · {visible(sessionName)}</legend>
            <ImageSelect
              label="Image A"
              images={images}
              value={c.a.image}
              onChange={(image) => setSideA({ image, layer: null })}
            />
            <LayerSelect
              label="Layer A"
              image={images[c.a.image]}
              value={c.a.layer}
              onChange={(layer) => setSideA({ ...c.a, layer })}
            />
          </fieldset>
          <fieldset
            className="cmp-side cmp-drop"
            onDragOver={(e) => {
              if ([...e.dataTransfer.types].includes('Files')) e.preventDefault();
            }}
            onDrop={onDrop}
          >
            <legend>B</legend>
            <label className="cmp-field">
              <span>Archive B</span>
              <select
                value={c.b.archive}
                onChange={(e) =>
                  setSideB({ archive: e.target.value as 'current' | 'other', image: 0, layer: null })
                }
              >
                <option value="current">{visible(sessionName)} (this archive)</option>
                <option value="other" disabled={!c.other}>
                  {c.other ? visible(c.other.name) : 'another archive (open one)'}
                </option>
              </select>
            </label>
            {c.relink && (
              <div className="cmp-relink" role="group" aria-label="Second archive of this link">
                <p>
                  This link compares with {visible(c.relink.name)} ({formatBytes(c.relink.size)}).{' '}
                  {c.relink.handle
                    ? 'This browser can reopen it once you allow it.'
                    : 'Open that file again (here or by dropping it on B): only that archive is taken.'}
                </p>
                {c.relink.error && <p className="cmp-error">{visible(c.relink.error)}</p>}
                <div className="cmp-actions">
                  {c.relink.handle && (
                    <button
                      type="button"
                      className="btn small primary"
                      onClick={() => void reopenRemembered()}
                    >
                      Reopen {visible(c.relink.name)}
                    </button>
                  )}
                  <button type="button" className="btn small" onClick={dropRelink}>
                    Use another archive
                  </button>
                </div>
              </div>
            )}
            {/* biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard reaches the file input itself, which opens the browser's own picker */}
            <label className="btn small file-btn cmp-open" htmlFor={fileInput} onClick={onPick}>
              Open second archive
              <input id={fileInput} type="file" className="visually-hidden" onChange={onOther} />
            </label>
            <div className="cmp-address">
              <input
                type="url"
                aria-label="Address of archive B"
                placeholder="https://…/image.tar"
                value={address}
                onChange={(e) => setAddress(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && address.trim()) {
                    e.preventDefault();
                    openOtherUrl(address.trim());
                  }
                }}
              />
              <button
                type="button"
                className="btn small"
                disabled={!address.trim()}
                onClick={() => openOtherUrl(address.trim())}
              >
                Open address
              </button>
            </div>
            {c.other?.phase === 'reading' && <p className="muted">Reading {visible(c.other.name)}…</p>}
            {c.other?.phase === 'failed' && (
              <p className="cmp-error">
                Could not open {visible(c.other.name)}: {visible(c.other.error ?? '')}
              </p>
            )}
            <ImageSelect
              label="Image B"
              images={bImages}
              value={c.b.image}
              onChange={(image) => setSideB({ ...c.b, image, layer: null })}
            />
            <LayerSelect
              label="Layer B"
              image={bImages[c.b.image]}
              value={c.b.layer}
              onChange={(layer) => setSideB({ ...c.b, layer })}
            />
          </fieldset>
          <fieldset className="cmp-options">
            <legend>Options</legend>
            <label className="cmp-check">
              <input
                type="checkbox"
                checked={c.includeTimes}
                onChange={(e) => setCompareOptions({ includeTimes: e.target.checked })}
              />
              Include timestamps
            </label>
            <label className="cmp-field">
              <span>Exclude paths</span>
              <input
                type="text"
                placeholder="*.pyc, /var/cache/**"
                value={c.exclude}
                onChange={(e) => setCompareOptions({ exclude: e.target.value })}
              />
            </label>
            <div className="cmp-actions">
              <button type="submit" className="btn primary small" disabled={running}>
                Run comparison
              </button>
              {running && (
                <button type="button" className="btn small" onClick={cancelCompare}>
                  Stop comparing
                </button>
              )}
            </div>
          </fieldset>
        </form>
        <CompareStatus />
        {c.meta && (
          <div className="cmp-results">
            <div className="cmp-main">
              <CompareTree />
              <CompareFile />
            </div>
            <div className="cmp-side-col">
              <CompareSummary byDirectory={c.done?.byDirectory ?? null} />
              <ConfigDiff meta={c.meta} />
              <LayerSharing meta={c.meta} />
              <HistoryDiff meta={c.meta} />
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

function CompareStatus() {
  const s = useCompare(
    useShallow((st) => ({
      phase: st.phase,
      message: st.message,
      progress: st.progress,
      done: st.done,
      meta: st.meta,
    })),
  );
  let text = '';
  if (s.phase === 'opening') text = s.message ?? 'Reading…';
  else if (s.phase === 'running')
    text = `Comparing… ${plural(s.progress?.pathsCompared ?? 0, 'path', 'paths')} compared, ${plural(s.progress?.found ?? 0, 'difference', 'differences')} so far`;
  else if (s.phase === 'done' && s.done) {
    const t = s.done.totals;
    const none = t.added + t.removed + t.changed === 0;
    text = `${none ? 'No file differs' : `${formatCount(t.added)} added, ${formatCount(t.removed)} removed, ${formatCount(t.changed)} changed`} · ${plural(s.done.pathsCompared, 'path', 'paths')} compared in ${formatSeconds(s.done.elapsedMs)}`;
  } else if (s.phase === 'cancelled' || s.phase === 'failed') text = s.message ?? '';
  else if (s.message) text = s.message;
  const sides = s.meta
    ? `A: ${visible(s.meta.a.label)} at layer ${s.meta.a.layer} · B: ${visible(s.meta.b.label)} at layer ${s.meta.b.layer}`
    : '';
  return (
    <section
      className={`cmp-status${s.phase === 'failed' ? ' failed' : ''}`}
      aria-label="Comparison progress"
    >
      <p aria-live="polite" data-state={s.phase}>
        {text}
      </p>
      {sides && <p className="muted">{sides}</p>}
      {s.done && s.done.warnings.length > 0 && (
        <ul className="cmp-warnings">
          {s.done.warnings.map((w) => (
            <li key={w}>{visible(w)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CompareSummary({ byDirectory }: { byDirectory: TopLevelSummary[] | null }) {
  const totals = useCompare((s) => s.progress?.totals ?? null);
  return (
    <section className="cmp-block" aria-labelledby="cmp-summary-title">
      <h3 id="cmp-summary-title">Comparison summary</h3>
      {totals && (
        <p>
          <span className="cmp-added">{formatCount(totals.added)} added</span> ·{' '}
          <span className="cmp-removed">{formatCount(totals.removed)} removed</span> ·{' '}
          <span className="cmp-changed">{formatCount(totals.changed)} changed</span> ·{' '}
          {formatBytes(totals.bytesAdded)} added, {formatBytes(totals.bytesRemoved)} removed
        </p>
      )}
      {byDirectory && byDirectory.length > 0 && (
        <ScrollBox>
          <table className="cmp-table" aria-label="By top-level directory">
            <thead>
              <tr>
                <th scope="col">Directory</th>
                <th scope="col">Added</th>
                <th scope="col">Removed</th>
                <th scope="col">Changed</th>
                <th scope="col">Bytes added</th>
                <th scope="col">Bytes removed</th>
              </tr>
            </thead>
            <tbody>
              {byDirectory.map((d) => (
                <tr key={d.path}>
                  <th scope="row">{visible(d.path)}</th>
                  <td>{formatCount(d.added)}</td>
                  <td>{formatCount(d.removed)}</td>
                  <td>{formatCount(d.changed)}</td>
                  <td>{formatBytes(d.bytesAdded)}</td>
                  <td>{formatBytes(d.bytesRemoved)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </section>
  );
}

function valueText(value: ConfigDifference['a']): string {
  if (value === null) return '(absent)';
  return visible(Array.isArray(value) ? JSON.stringify(value) : value === '' ? '""' : value);
}

function ConfigDiff({ meta }: { meta: CompareMeta }) {
  return (
    <section className="cmp-block" aria-labelledby="cmp-config-title">
      <h3 id="cmp-config-title">Config differences</h3>
      {meta.config.length === 0 ? (
        <p className="muted">The configs are the same.</p>
      ) : (
        <ScrollBox>
          <table className="cmp-table cmp-config" aria-label="Config differences">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">A</th>
                <th scope="col">B</th>
              </tr>
            </thead>
            <tbody>
              {meta.config.map((d) => (
                <tr key={d.field}>
                  <th scope="row">{visible(d.field)}</th>
                  <td className="cmp-removed">{valueText(d.a)}</td>
                  <td className="cmp-added">{valueText(d.b)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </section>
  );
}

function LayerSharing({ meta }: { meta: CompareMeta }) {
  const { shared, onlyA, onlyB } = meta.layers;
  const item = (prefix: string, index: number, createdBy: string | null) => (
    <li key={`${prefix}${index}`}>
      <span className="cmp-layer-tag">
        {prefix} {index}
      </span>{' '}
      {visible(cleanCommand(createdBy)).slice(0, 120)}
    </li>
  );
  return (
    <section className="cmp-block" aria-labelledby="cmp-layers-title">
      <h3 id="cmp-layers-title">Layers</h3>
      <p>
        {plural(shared.length, 'shared layer', 'shared layers')}, {formatCount(onlyA.length)} only in A,{' '}
        {formatCount(onlyB.length)} only in B
      </p>
      <ul className="cmp-list" aria-label="Shared layers">
        {shared.map((l) => item('A/B', l.index, l.createdBy))}
      </ul>
      <ul className="cmp-list cmp-removed" aria-label="Layers only in A">
        {onlyA.map((l) => item('A', l.index, l.createdBy))}
      </ul>
      <ul className="cmp-list cmp-added" aria-label="Layers only in B">
        {onlyB.map((l) => item('B', l.index, l.createdBy))}
      </ul>
    </section>
  );
}

function HistoryDiff({ meta }: { meta: CompareMeta }) {
  return (
    <section className="cmp-block" aria-labelledby="cmp-history-title">
      <h3 id="cmp-history-title">History</h3>
      <ol className="cmp-history" aria-label="History differences">
        {meta.history.map((row) => (
          <li
            key={`${row.side}${row.indexA}-${row.indexB}`}
            className={row.side === 'a' ? 'cmp-removed' : row.side === 'b' ? 'cmp-added' : 'muted'}
          >
            <span className="cmp-mark" aria-hidden="true">
              {row.side === 'a' ? '−' : row.side === 'b' ? '+' : ' '}
            </span>
            <span className="visually-hidden">
              {row.side === 'a' ? 'only in A: ' : row.side === 'b' ? 'only in B: ' : 'both: '}
            </span>
            {row.emptyLayer ? '(no layer) ' : ''}
            {visible(cleanCommand(row.createdBy)).slice(0, 160)}
          </li>
        ))}
      </ol>
    </section>
  );
}
