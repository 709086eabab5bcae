/**
 * The Packages view: every package of the image's databases in a sortable, virtualised table,
 * filtered by ecosystem, change, layer and name; a package opens its history (each layer with
 * its command, a link to that layer) and its files (each a link to the file, with the layer that
 * wrote it). Rows come from the worker a page at a time.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { requestPane, selectLayer, useExplorer } from '../store';
import { query } from '../store/client';
import { selectedPackageId, selectPackage, usePackagesUi } from '../store/packages';
import { jumpToPath } from '../store/placement';
import type {
  Ecosystem,
  PackageChange,
  PackageRow,
  PackageRowsArgs,
  PackageSortKey,
} from '../worker/protocol';
import { formatBytes, formatCount, layerLabel, plural, visible } from './format';
import { usePackageSummary } from './packagesData';
import { lazyInitialRect, observeRectLazily, scrollLazily } from './treeRows';
import { useQuery } from './useQuery';

const ROW_H = 28;
const PAGE = 100;
const TABLE_MAX_H = 320;
const FIRST_FILES = 100;

const ECOSYSTEM_LABEL: Record<Ecosystem, string> = {
  deb: 'Debian (dpkg)',
  apk: 'Alpine (apk)',
  rpm: 'RPM',
  python: 'Python',
  npm: 'npm',
};

const CHANGE_OPTIONS: { value: PackageRowsArgs['change']; label: string }[] = [
  { value: 'all', label: 'Any change' },
  { value: 'present', label: 'In the final image' },
  { value: 'gone', label: 'Removed by the end' },
  { value: 'added', label: 'Added' },
  { value: 'upgraded', label: 'Upgraded' },
  { value: 'downgraded', label: 'Downgraded' },
  { value: 'removed', label: 'Removed' },
];

const CHANGE_MARK: Record<PackageChange, string> = {
  added: '+',
  upgraded: '↑',
  downgraded: '↓',
  removed: '−',
};
const CHANGE_CLASS: Record<PackageChange, string> = {
  added: 'b-added',
  upgraded: 'b-modified',
  downgraded: 'b-modified',
  removed: 'b-removed',
};

const COLUMNS: { key: PackageSortKey; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'version', label: 'Version' },
  { key: 'layer', label: 'Layer' },
  { key: 'size', label: 'Size' },
];

function rowName(row: PackageRow): string {
  const change = row.lastChange
    ? `${row.lastChange.change} in layer ${row.lastChange.layer}`
    : 'no change recorded';
  return `${visible(row.name)}, ${visible(row.version)}, ${row.ecosystem}, ${change}${row.present ? '' : ', not in the final image'}, ${row.sizeBytes === null ? 'size unknown' : formatBytes(row.sizeBytes)}`;
}

/** Pages of rows for one filter and sort, fetched around what is on screen. */
function useRowPages(args: Omit<PackageRowsArgs, 'offset' | 'limit'> | null, session: number) {
  const key = args ? `${session}:${JSON.stringify(args)}` : '';
  const [state, setState] = useState<{ key: string; total: number | null; pages: Map<number, PackageRow[]> }>(
    {
      key: '',
      total: null,
      pages: new Map(),
    },
  );
  const asked = useRef(new Set<string>());
  const current = state.key === key ? state : { key, total: null, pages: new Map<number, PackageRow[]>() };
  const fetchPage = (page: number) => {
    if (!args) return;
    const tag = `${key}#${page}`;
    if (asked.current.has(tag)) return;
    asked.current.add(tag);
    query('packageRows', { ...args, offset: page * PAGE, limit: PAGE }).then(
      (result) =>
        setState((prev) => {
          const base = prev.key === key ? prev : { key, total: null, pages: new Map<number, PackageRow[]>() };
          const pages = new Map(base.pages);
          pages.set(page, result.rows);
          return { key, total: result.total, pages };
        }),
      () => asked.current.delete(tag),
    );
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the arguments
  useEffect(() => {
    asked.current = new Set();
    fetchPage(0);
  }, [key]);
  return { total: current.total, pages: current.pages, fetchPage };
}

function PackageDetails({ image, id }: { image: number; id: number }) {
  const session = useExplorer((s) => s.session.id);
  const layers = useExplorer((s) => s.archive?.images[image]?.layers);
  const [allFiles, setAllFiles] = useState(false);
  const { data, error, loading } = useQuery(
    () => query('packageDetail', { image, id }),
    [session, image, id],
  );
  if (loading) return <p className="muted small pkg-detail-note">Loading the package…</p>;
  if (error || !data)
    return <p className="c-error small pkg-detail-note">{visible(error ?? 'no such package')}</p>;
  const { row } = data;
  const files = allFiles ? data.files : data.files.slice(0, FIRST_FILES);
  return (
    <section className="pkg-detail" aria-label="Package details">
      <div className="pkg-detail-head">
        <span className={`pkg-eco eco-${row.ecosystem}`}>{row.ecosystem}</span>
        <strong className="pkg-detail-name">{visible(row.name)}</strong>
        <span className="mono">{visible(row.version)}</span>
        <button type="button" className="link-btn small" onClick={() => selectPackage(null)}>
          Close
        </button>
      </div>
      <dl className="kv pkg-kv">
        <dt>Arch</dt>
        <dd className="mono">{visible(row.arch) || '–'}</dd>
        <dt>Size</dt>
        <dd>{row.sizeBytes === null ? 'not recorded' : formatBytes(row.sizeBytes)}</dd>
        <dt>Database</dt>
        <dd className="mono break">{visible(data.root ?? row.database)}</dd>
        <dt>Final image</dt>
        <dd>{row.present ? 'present' : 'removed'}</dd>
      </dl>
      <h3 className="sub">History</h3>
      <ol className="pkg-history" aria-label={`Layers that changed ${visible(row.name)}`}>
        {data.history.map((step) => (
          <li key={`${step.layer}-${step.change}`}>
            <button
              type="button"
              className="pkg-step"
              onClick={() => {
                selectLayer(step.layer, image);
                requestPane('layers');
              }}
            >
              <span className="tl-layer">Layer {step.layer}</span>
              <span className={`badge ${CHANGE_CLASS[step.change]}`}>{step.change}</span>
              <span className="mono pkg-step-version">{visible(step.version)}</span>
              <span className="tl-cmd">{layerLabel(step.command ?? layers?.[step.layer]?.createdBy)}</span>
            </button>
          </li>
        ))}
      </ol>
      <h3 className="sub">
        Files <span className="muted">({formatCount(data.fileCount)})</span>
      </h3>
      {data.fileCount === 0 ? (
        <p className="muted small">
          {data.root
            ? `Its files are those below ${visible(data.root)}.`
            : 'The database lists no files for it.'}
        </p>
      ) : (
        <>
          <ul className="pkg-files" aria-label={`Files of ${visible(row.name)}`}>
            {files.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  className="pkg-file"
                  disabled={f.layer === null}
                  onClick={() => void jumpToPath(f.path)}
                >
                  <span className="mono pkg-file-path">{visible(f.path)}</span>
                  <span className="muted small">
                    {f.layer === null ? 'not in the final image' : `layer ${f.layer}`}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {data.files.length > FIRST_FILES && (
            <button type="button" className="link-btn small show-all" onClick={() => setAllFiles((v) => !v)}>
              {allFiles ? 'Show fewer' : `Show all ${formatCount(data.files.length)}`}
            </button>
          )}
          {data.fileCount > data.files.length && (
            <p className="muted small">The first {formatCount(data.files.length)} are listed.</p>
          )}
        </>
      )}
    </section>
  );
}

export function PackagesPanel() {
  const session = useExplorer((s) => s.session.id);
  const image = useExplorer((s) => s.selection.image);
  const layer = useExplorer((s) => s.selection.layer);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const summary = usePackageSummary();
  const selected = usePackagesUi((s) => selectedPackageId(s, session, image));
  const revealSeq = usePackagesUi((s) => s.revealSeq);
  const [ecosystem, setEcosystem] = useState<Ecosystem | 'all'>('all');
  const [change, setChange] = useState<PackageRowsArgs['change']>('all');
  const [name, setName] = useState('');
  const [onlyLayer, setOnlyLayer] = useState(false);
  const [sort, setSort] = useState<{ key: PackageSortKey; descending: boolean }>({
    key: 'name',
    descending: false,
  });
  const scrollRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLElement>(null);

  const args = useMemo(
    () =>
      ready && summary.data
        ? {
            image,
            ecosystems: ecosystem === 'all' ? [] : [ecosystem],
            change,
            layer: onlyLayer ? layer : null,
            name,
            sort: sort.key,
            descending: sort.descending,
          }
        : null,
    [ready, summary.data, image, ecosystem, change, onlyLayer, layer, name, sort],
  );
  const { total, pages, fetchPage } = useRowPages(args, session);
  const count = total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 10,
    observeElementRect: observeRectLazily,
    initialRect: lazyInitialRect(),
    scrollToFn: scrollLazily,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: fetchPage is keyed by the arguments
  useEffect(() => {
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) fetchPage(p);
  }, [first, last, args]);
  const firstReveal = useRef(revealSeq);
  useEffect(() => {
    if (revealSeq === firstReveal.current) return;
    requestAnimationFrame(() => panelRef.current?.scrollIntoView({ block: 'start' }));
  }, [revealSeq]);

  if (!ready) return null;
  const s = summary.data;
  const ecosystems = s ? (Object.keys(s.byEcosystem) as Ecosystem[]) : [];
  const rowAt = (index: number) => pages.get(Math.floor(index / PAGE))?.[index % PAGE];

  return (
    <section className="panel packages-panel" aria-label="Packages" ref={panelRef}>
      <header className="panel-head">
        <h2>Packages</h2>
        <span className="muted small pkg-head-note">
          {summary.loading
            ? 'Reading the package databases…'
            : s
              ? `${formatCount(s.present)} in the final image · ${formatCount(s.total - s.present)} removed`
              : ''}
        </span>
      </header>
      <div className="pkg-body">
        {summary.error && <p className="c-error small">{visible(summary.error)}</p>}
        {s && s.total === 0 && (
          <p className="muted small">
            No package database in this image (dpkg, apk, rpm, Python dist-info or egg-info, node_modules).
          </p>
        )}
        {s && s.warnings.length > 0 && (
          <details className="pkg-warnings">
            <summary className="small">{plural(s.warnings.length, 'warning', 'warnings')}</summary>
            <ul className="plain small mono">
              {s.warnings.slice(0, 50).map((w) => (
                <li key={w} className="break">
                  {visible(w)}
                </li>
              ))}
            </ul>
          </details>
        )}
        {s && s.total > 0 && (
          <>
            <div className="pkg-filters">
              <select
                aria-label="Ecosystem"
                value={ecosystem}
                onChange={(e) => setEcosystem(e.target.value as Ecosystem | 'all')}
              >
                <option value="all">All ecosystems</option>
                {ecosystems.map((e) => (
                  <option key={e} value={e}>
                    {ECOSYSTEM_LABEL[e]} ({s.byEcosystem[e]})
                  </option>
                ))}
              </select>
              <select
                aria-label="Change"
                value={change}
                onChange={(e) => setChange(e.target.value as PackageRowsArgs['change'])}
              >
                {CHANGE_OPTIONS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
              <input
                type="search"
                className="pkg-name-filter"
                aria-label="Filter packages by name"
                placeholder="Filter by name"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
              <label className="pkg-only-layer small">
                <input type="checkbox" checked={onlyLayer} onChange={(e) => setOnlyLayer(e.target.checked)} />
                Only layer {layer}
              </label>
            </div>
            <p className="muted small pkg-count" aria-live="polite">
              {total === null ? '…' : `${formatCount(total)} of ${formatCount(s.total)} packages`}
            </p>
            <div className="pkg-table" role="table" aria-label="Package list" aria-rowcount={count + 1}>
              {/* biome-ignore lint/a11y/useFocusableInteractive: a row of a static table; its buttons take focus */}
              <div className="pkg-row pkg-header" role="row" aria-rowindex={1}>
                {COLUMNS.map((c) => (
                  // biome-ignore lint/a11y/useFocusableInteractive: the header's sort button takes focus
                  <div
                    key={c.key}
                    role="columnheader"
                    className={`pkg-cell pkg-col-${c.key}`}
                    aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                  >
                    <button
                      type="button"
                      className="pkg-sort"
                      onClick={() =>
                        setSort((prev) =>
                          prev.key === c.key
                            ? { key: c.key, descending: !prev.descending }
                            : { key: c.key, descending: c.key === 'size' },
                        )
                      }
                    >
                      {c.label}
                      {sort.key === c.key && (
                        <span aria-hidden="true" className="pkg-sort-mark">
                          {sort.descending ? '▾' : '▴'}
                        </span>
                      )}
                    </button>
                  </div>
                ))}
              </div>
              <div className="pkg-scroll" ref={scrollRef} style={{ maxHeight: TABLE_MAX_H }}>
                <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                  {items.map((item) => {
                    const row = rowAt(item.index);
                    return (
                      // biome-ignore lint/a11y/useFocusableInteractive: a row of a static table; its button takes focus
                      <div
                        key={item.key}
                        role="row"
                        aria-rowindex={item.index + 2}
                        className={`pkg-row${row && row.id === selected ? ' selected' : ''}${row && !row.present ? ' gone' : ''}`}
                        style={{ transform: `translateY(${item.start}px)`, height: ROW_H }}
                      >
                        {row ? (
                          <>
                            <div role="cell" className="pkg-cell pkg-col-name">
                              <span className={`pkg-eco eco-${row.ecosystem}`} aria-hidden="true">
                                {row.ecosystem}
                              </span>
                              <button
                                type="button"
                                className="pkg-pick"
                                aria-pressed={row.id === selected}
                                aria-label={rowName(row)}
                                title={visible(`${row.name} ${row.version}`)}
                                onClick={() => selectPackage(row.id === selected ? null : row.id)}
                              >
                                <span className="pkg-name">{visible(row.name)}</span>
                              </button>
                            </div>
                            <div
                              role="cell"
                              className="pkg-cell pkg-col-version mono"
                              title={visible(row.version)}
                            >
                              {visible(row.version)}
                            </div>
                            <div role="cell" className="pkg-cell pkg-col-layer">
                              {row.lastChange && (
                                <span className={`badge ${CHANGE_CLASS[row.lastChange.change]}`}>
                                  {CHANGE_MARK[row.lastChange.change]} L{row.lastChange.layer}
                                </span>
                              )}
                            </div>
                            <div role="cell" className="pkg-cell pkg-col-size">
                              {row.sizeBytes === null ? '–' : formatBytes(row.sizeBytes)}
                            </div>
                          </>
                        ) : (
                          <div role="cell" className="pkg-cell muted">
                            …
                          </div>
                        )}
                      </div>
                    );
                  })}
                </div>
              </div>
            </div>
            {selected !== null && <PackageDetails image={image} id={selected} />}
            <p className="muted small pkg-timing">
              Read in {Math.round(s.elapsedMs)} ms from{' '}
              {plural(s.databases.length, 'database version', 'database versions')}.
            </p>
          </>
        )}
      </div>
    </section>
  );
}
