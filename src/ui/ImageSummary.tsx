/** The selected image: size, efficiency and wasted space (dive's definitions), inefficient files, config. */
import type { ReactNode } from 'react';
import { useExplorer } from '../store';
import { jumpToPath } from '../store/placement';
import { formatBytes, formatCount, formatDate, formatPercent, shortDigest, visible } from './format';

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
        <span className="muted small">#{imageIndex}</span>
      </header>
      <div className="summary-body">
        <div className="summary-title">
          <span className="image-name">{title}</span>
          {image.tags.slice(1).map((t) => (
            <span key={t} className="pill">
              {visible(t)}
            </span>
          ))}
        </div>
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
            <h3 className="sub">
              Inefficient files{' '}
              <span className="muted">
                ({formatCount(stats?.inefficientTotal ?? a.inefficientFiles.length)})
              </span>
            </h3>
            <ul className="ineff-list">
              {a.inefficientFiles.slice(0, 50).map((f) => (
                <li key={f.path}>
                  <button
                    type="button"
                    className="ineff"
                    onClick={() => void jumpToPath(f.path)}
                    title={`Show ${visible(f.path)}`}
                  >
                    <span className="ineff-size">{formatBytes(f.sizeBytes)}</span>
                    <span className="ineff-count">×{f.count}</span>
                    <span className="ineff-path mono">{visible(f.path)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <h3 className="sub">Config</h3>
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
      </div>
    </section>
  );
}
