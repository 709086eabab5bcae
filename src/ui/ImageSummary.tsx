/**
 * The answers an image is opened for, first: efficiency, wasted bytes and the inefficient files
 * (dive's definitions). Each file jumps to where it last is; its row opens to list every layer
 * that wrote a copy, each a link to that layer's changes with the path selected. The config
 * follows, folded.
 */
import { type ReactNode, useId, useState } from 'react';
import { ALL_CHANGES, expandAncestors, getState, setState, useExplorer } from '../store';
import { query } from '../store/client';
import { jumpToPath } from '../store/placement';
import {
  formatBytes,
  formatCount,
  formatDate,
  formatPercent,
  layerLabel,
  shortDigest,
  visible,
} from './format';
import { useQuery } from './useQuery';

/** Rows shown before "Show all": enough for the answer, few enough to leave room below. */
const FIRST_ROWS = 10;
const MAX_ROWS = 200;

/** Selects `layer` in the Changes view with `path` selected and revealed: where that copy was written. */
function showCopy(image: number, layer: number, path: string): void {
  const s = getState();
  setState({
    selection: { image, layer, path },
    view: { ...s.view, mode: 'changes', filter: '', changes: { ...ALL_CHANGES } },
    revealSeq: s.revealSeq + 1,
  });
  expandAncestors(path);
}

function CopyLayers({ image, top, path }: { image: number; top: number; path: string }) {
  const layers = useExplorer((s) => s.archive?.images[image]?.layers);
  const selected = useExplorer((s) => s.selection);
  const { data, error, loading } = useQuery(
    () => query('details', { image, layer: top, mode: 'merged', path }),
    [image, top, path],
  );
  if (loading) return <p className="muted small ineff-copies-note">Finding the layers…</p>;
  if (error) return <p className="c-error small ineff-copies-note">{visible(error)}</p>;
  const steps = data?.timeline ?? [];
  if (steps.length === 0) return <p className="muted small ineff-copies-note">No layer lists this path.</p>;
  return (
    <ol className="ineff-copies" aria-label={`Layers that wrote ${visible(path)}`}>
      {steps.map((t) => {
        const l = layers?.[t.layer];
        const current = selected.image === image && selected.layer === t.layer && selected.path === path;
        return (
          <li key={`${t.layer}-${t.change}`}>
            <button
              type="button"
              className={`ineff-copy${current ? ' current' : ''}`}
              onClick={() => showCopy(image, t.layer, path)}
            >
              <span className="tl-layer">Layer {t.layer}</span>
              <span className={`badge b-${t.change}`}>{t.change}</span>
              <span className="tl-size">
                {t.node && t.node.type !== 'dir' ? formatBytes(t.node.size) : ''}
              </span>
              <span className="tl-cmd">{layerLabel(l?.createdBy ?? t.command, l?.comment)}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function InefficientRow({
  image,
  top,
  file,
}: {
  image: number;
  top: number;
  file: { path: string; count: number; sizeBytes: number };
}) {
  const [open, setOpen] = useState(false);
  const pathId = useId();
  const path = visible(file.path);
  return (
    <li className={open ? 'open' : undefined}>
      <div className="ineff-row">
        <button
          type="button"
          className="ineff"
          onClick={() => void jumpToPath(file.path)}
          title={`Show ${path}`}
          // the path is two spans laid out apart; its name reads it whole
          aria-label={`${formatBytes(file.sizeBytes)} ×${file.count} ${path}`}
        >
          <span className="ineff-size">{formatBytes(file.sizeBytes)}</span>
          <span className="ineff-count">×{file.count}</span>
          {/* the directory gives way before the file name: d19.txt and d20.txt stay apart */}
          <span className="ineff-path mono" id={pathId}>
            <span className="ineff-dir">{path.slice(0, path.lastIndexOf('/') + 1)}</span>
            <span className="ineff-base">{path.slice(path.lastIndexOf('/') + 1)}</span>
          </span>
        </button>
        <button
          type="button"
          className="icon-btn ineff-toggle"
          aria-expanded={open}
          aria-label="Layers with a copy"
          aria-describedby={pathId}
          title="The layers that wrote it"
          onClick={() => setOpen((o) => !o)}
        >
          <span className={`chevron${open ? ' open' : ''}`} aria-hidden="true" />
        </button>
      </div>
      {open && <CopyLayers image={image} top={top} path={file.path} />}
    </li>
  );
}

function List({ items, mono = true }: { items: string[]; mono?: boolean }) {
  if (items.length === 0) return <span className="muted">–</span>;
  return (
    <ul className={`plain${mono ? ' mono' : ''}`}>
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: config values may repeat
        <li key={i} className="break">
          {visible(item)}
        </li>
      ))}
    </ul>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** JSON escapes controls already; visible() also escapes bidi and invisible formatting characters. */
function argv(list: string[]): string {
  return list.length ? visible(JSON.stringify(list)) : '';
}

export function ImageSummary() {
  const image = useExplorer((s) => s.archive?.images[s.selection.image]);
  const imageIndex = useExplorer((s) => s.selection.image);
  const stats = useExplorer((s) => s.stats[s.selection.image]);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const blobs = useExplorer((s) => s.blobs);
  const [showAll, setShowAll] = useState(false);
  if (!image) return null;
  const a = stats?.analysis ?? null;
  const stored = image.layers.reduce((sum, l) => sum + (blobs[l.blob]?.sizeBytes ?? 0), 0);
  const c = image.config;
  const title = visible(image.tags[0]) ?? `untagged ${shortDigest(image.id)}`;
  const efficiencyClass = a ? (a.efficiency >= 0.95 ? 'good' : a.efficiency >= 0.85 ? 'fair' : 'poor') : '';
  return (
    <section className="panel summary-panel" aria-label="Image summary">
      <header className="panel-head">
        <h2>Image summary</h2>
        <span className="muted small summary-image">{title}</span>
      </header>
      <div className="summary-body">
        <dl className="metrics">
          <div className="metric">
            <dt>Size</dt>
            <dd>{formatBytes(a?.sizeBytes ?? stored)}</dd>
          </div>
          <div className={`metric ${efficiencyClass}`}>
            <dt>Efficiency</dt>
            <dd>{a ? formatPercent(a.efficiency, 2) : ready ? '…' : '–'}</dd>
          </div>
          <div className={`metric ${a && a.wastedBytes > 0 ? 'warn' : ''}`}>
            <dt>Wasted</dt>
            <dd>{a ? formatBytes(a.wastedBytes) : ready ? '…' : '–'}</dd>
          </div>
        </dl>
        {a && (
          <p className="muted small metric-note">
            {formatPercent(a.wastedUserPercent)} of the {formatBytes(a.userSizeBytes)} added above the base
            layer
            {stats?.error ? ` · ${visible(stats.error)}` : ''}
          </p>
        )}
        {a && a.inefficientFiles.length > 0 && (
          <>
            <h3 className="sub" id="ineff-title">
              Inefficient files{' '}
              <span className="muted">
                ({formatCount(stats?.inefficientTotal ?? a.inefficientFiles.length)})
              </span>
            </h3>
            <ul className="ineff-list" aria-labelledby="ineff-title">
              {a.inefficientFiles.slice(0, showAll ? MAX_ROWS : FIRST_ROWS).map((f) => (
                <InefficientRow key={f.path} image={imageIndex} top={image.layers.length - 1} file={f} />
              ))}
            </ul>
            {a.inefficientFiles.length > FIRST_ROWS && (
              <button type="button" className="link-btn small show-all" onClick={() => setShowAll((v) => !v)}>
                {showAll
                  ? 'Show fewer'
                  : `Show all ${formatCount(Math.min(MAX_ROWS, a.inefficientFiles.length))}`}
              </button>
            )}
          </>
        )}
        {a && a.inefficientFiles.length === 0 && (
          <p className="muted small">No file is written more than once: nothing is wasted.</p>
        )}
        <details className="config-details">
          <summary>Config</summary>
          <dl className="kv config">
            <Row label="Tags">
              <List items={image.tags} />
            </Row>
            <Row label="ID">
              <span className="mono break" title={visible(image.id)}>
                {visible(image.id.length > 30 ? `${image.id.slice(0, 19)}…` : image.id)}
              </span>
            </Row>
            <Row label="Platform">{visible(image.platform)}</Row>
            <Row label="Created">{formatDate(image.created)}</Row>
            {image.author && <Row label="Author">{visible(image.author)}</Row>}
            <Row label="Entrypoint">
              <span className="mono break">{argv(c.Entrypoint) || '–'}</span>
            </Row>
            <Row label="Cmd">
              <span className="mono break">{argv(c.Cmd) || '–'}</span>
            </Row>
            <Row label="WorkingDir">
              <span className="mono">{visible(c.WorkingDir) || '–'}</span>
            </Row>
            <Row label="User">
              <span className="mono">{visible(c.User) || '–'}</span>
            </Row>
            <Row label="ExposedPorts">
              <List items={c.ExposedPorts} />
            </Row>
            <Row label="Env">
              <List items={c.Env} />
            </Row>
            <Row label="Labels">
              <List items={Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`)} />
            </Row>
            {c.Volumes.length > 0 && (
              <Row label="Volumes">
                <List items={c.Volumes} />
              </Row>
            )}
            {c.StopSignal && <Row label="StopSignal">{visible(c.StopSignal)}</Row>}
          </dl>
        </details>
      </div>
    </section>
  );
}
