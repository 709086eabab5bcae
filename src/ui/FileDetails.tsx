/** The selected path: what it is at this layer, and every layer that added, changed or removed it. */
import { selectPath, useExplorer } from '../store';
import { revealPath } from '../store/placement';
import { changeLabel } from './changeLabels';
import { formatBytes, formatCount, layerLabel, modeString, plural, TYPE_LABEL, visible } from './format';

export function FileDetails() {
  const path = useExplorer((s) => s.selection.path);
  const details = useExplorer((s) => s.details);
  const layer = useExplorer((s) => s.selection.layer);
  const image = useExplorer((s) => s.archive?.images[s.selection.image]);

  if (path === null) {
    return (
      <section className="panel details-panel" aria-label="File details">
        <header className="panel-head">
          <h2>File details</h2>
        </header>
        <p className="empty-note small">Select a file to see what it is and every layer that touched it.</p>
      </section>
    );
  }
  const data = details?.data ?? null;
  const node = data?.node;
  return (
    <section className="panel details-panel" aria-label="File details">
      <header className="panel-head">
        <h2>File details</h2>
        <button type="button" className="link-btn small" onClick={() => selectPath(null)}>
          Clear
        </button>
      </header>
      <div className="details-body">
        <div className="details-path mono" title={visible(path)}>
          {visible(path)}
        </div>
        {!details ? (
          <p className="muted small">Loading…</p>
        ) : details.error ? (
          <p className="c-error small">{visible(details.error)}</p>
        ) : !data ? (
          <p className="muted small">No layer of this image has this path.</p>
        ) : (
          <>
            {!node && <p className="muted small">Not present at layer {layer}.</p>}
            {node && (
              <dl className="kv">
                <dt>Type</dt>
                <dd>{TYPE_LABEL[node.type]}</dd>
                {changeLabel(node.change, node.note).badge && (
                  <>
                    <dt>At layer {layer}</dt>
                    <dd>
                      <span className={`badge ${changeLabel(node.change, node.note).className}`}>
                        {changeLabel(node.change, node.note).badge}
                      </span>
                    </dd>
                  </>
                )}
                <dt>Size</dt>
                <dd>
                  {node.type === 'dir'
                    ? `${formatBytes(node.subtreeSize)} in ${plural(node.childCount, 'entry', 'entries')}`
                    : `${formatBytes(node.size)}${node.size >= 1000 ? ` (${formatCount(node.size)} bytes)` : ''}`}
                </dd>
                <dt>Mode</dt>
                <dd className="mono">
                  {modeString(node.mode, node.type)} ({(node.mode & 0o7777).toString(8).padStart(4, '0')})
                </dd>
                <dt>Owner</dt>
                <dd className="mono">
                  {data?.owner
                    ? `${visible(data.owner.uname || String(node.uid))}:${visible(data.owner.gname || String(node.gid))} (${node.uid}:${node.gid})`
                    : `${node.uid}:${node.gid}`}
                </dd>
                {node.linkTarget && (
                  <>
                    <dt>{node.type === 'hardlink' ? 'Hard link to' : 'Points to'}</dt>
                    <dd className="mono break">{visible(node.linkTarget)}</dd>
                  </>
                )}
                <dt>Last written</dt>
                <dd>layer {node.layer}</dd>
              </dl>
            )}
            <h3 className="sub">History of this path</h3>
            <ol className="timeline">
              {data.timeline.map((t) => {
                const l = image?.layers[t.layer];
                const shown = changeLabel(t.change, t.note);
                return (
                  <li key={`${t.layer}-${t.change}`} className={t.layer === layer ? 'current' : undefined}>
                    <button
                      type="button"
                      className="timeline-btn"
                      onClick={() => void revealPath(path, { layer: t.layer })}
                      title={shown.hint ?? undefined}
                    >
                      <span className={`badge ${shown.className}`}>{shown.badge}</span>
                      <span className="tl-layer">layer {t.layer}</span>
                      <span className="tl-size">
                        {t.node && t.node.type !== 'dir' ? formatBytes(t.node.size) : ''}
                      </span>
                      <span className="tl-cmd">{layerLabel(l?.createdBy ?? t.command, l?.comment)}</span>
                    </button>
                  </li>
                );
              })}
            </ol>
          </>
        )}
      </div>
    </section>
  );
}
