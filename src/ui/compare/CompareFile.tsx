/**
 * The selected path of a comparison: what changed, and for files their contents side by side —
 * a unified or side-by-side diff of text, a page at a time; for binaries their sizes, SHA-256
 * digests and a hex view of each.
 */
import { useEffect, useRef, useState } from 'react';
import { compareQuery, setDiffLayout, useCompare } from '../../store/compare';
import type { DiffLine, FileDiffPage, PathState } from '../../worker/compareProtocol';
import { formatBytes, visible } from '../format';
import { useQuery } from '../useQuery';
import { DiffCounts, HexRows, PageButtons } from '../viewerParts';
import { whatText } from './CompareTree';
import { ScrollBox } from './ScrollBox';

const LINES_PER_PAGE = 400;
const HEX_ROWS = 32;

function stateCells(state: PathState | null): string[] {
  if (!state) return ['absent', '', '', '', ''];
  return [
    state.type,
    state.type === 'file' || state.type === 'hardlink' ? formatBytes(state.size) : '',
    state.mode.toString(8).padStart(4, '0'),
    `${state.uid}:${state.gid}`,
    visible(state.linkTarget),
  ];
}

export function CompareFile() {
  const selected = useCompare((s) => s.selected);
  const layout = useCompare((s) => s.layout);
  const version = useCompare((s) => s.phase);
  const [page, setPage] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new path starts at its first page
  useEffect(() => setPage(0), [selected]);
  const { data, error } = useQuery(
    selected ? () => compareQuery('fileDiff', { path: selected, page, linesPerPage: LINES_PER_PAGE }) : null,
    [selected, page, version],
    { keepPrevious: true },
  );
  const region = useRef<HTMLElement>(null);
  const shownPath = data?.path ?? null;
  // Below the tree on a narrow screen: a selection brings the file into view (once per path).
  useEffect(() => {
    const el = region.current;
    if (!el || shownPath === null) return;
    const box = el.getBoundingClientRect();
    if (box.top > window.innerHeight - 80) el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [shownPath]);
  if (!selected) return null;
  return (
    <section ref={region} className="cmp-block cmp-file" aria-label="Compared file">
      <h3 className="cmp-path">{visible(selected)}</h3>
      {error && <p className="cmp-error">{visible(error)}</p>}
      {data && data.path === selected && <FileBody data={data} layout={layout} onPage={setPage} />}
    </section>
  );
}

function FileBody({
  data,
  layout,
  onPage,
}: {
  data: FileDiffPage;
  layout: 'unified' | 'split';
  onPage(page: number): void;
}) {
  const r = data.comparison;
  const a = stateCells(r?.a ?? null);
  const b = stateCells(r?.b ?? null);
  return (
    <>
      <p>
        {r ? (
          <>
            <span className={`cmp-badge ${r.change}`}>{r.change}</span> {whatText(r)}
          </>
        ) : (
          <span className="muted">The same in A and B.</span>
        )}
      </p>
      {r && (
        <ScrollBox>
          <table className="cmp-table" aria-label="A and B">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Side</span>
                </th>
                <th scope="col">Type</th>
                <th scope="col">Size</th>
                <th scope="col">Mode</th>
                <th scope="col">Owner</th>
                <th scope="col">Link</th>
              </tr>
            </thead>
            <tbody>
              {[
                ['A', a],
                ['B', b],
              ].map(([side, cells]) => (
                <tr key={side as string}>
                  <th scope="row">{side as string}</th>
                  {(cells as string[]).map((cell, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: fixed columns
                    <td key={i}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
      {(data.a || data.b) && (
        <p className="muted cmp-digests">
          {data.a && (
            <span>
              A: {formatBytes(data.a.size)}, <span className="mono">{data.a.digest}</span>
            </span>
          )}
          {data.b && (
            <span>
              B: {formatBytes(data.b.size)}, <span className="mono">{data.b.digest}</span>
            </span>
          )}
        </p>
      )}
      {data.unavailable ? (
        <>
          <p className="muted">No text diff: {visible(data.unavailable)}.</p>
          {data.a && <HexOf path={data.path} side="a" />}
          {data.b && <HexOf path={data.path} side="b" />}
        </>
      ) : (
        (data.a || data.b) && <TextDiffView data={data} layout={layout} onPage={onPage} />
      )}
    </>
  );
}

function TextDiffView({
  data,
  layout,
  onPage,
}: {
  data: FileDiffPage;
  layout: 'unified' | 'split';
  onPage(page: number): void;
}) {
  return (
    <>
      <div className="cmp-toolbar">
        <span>
          <DiffCounts added={data.added} removed={data.removed} totalLines={data.totalLines} />
        </span>
        <span className="grow" />
        <div className="segmented" role="group" aria-label="Diff layout">
          <button
            type="button"
            className="btn small"
            aria-pressed={layout === 'unified'}
            onClick={() => setDiffLayout('unified')}
          >
            Unified
          </button>
          <button
            type="button"
            className="btn small"
            aria-pressed={layout === 'split'}
            onClick={() => setDiffLayout('split')}
          >
            Side by side
          </button>
        </div>
        {data.pageCount > 1 && (
          <span className="cmp-pager">
            <PageButtons
              page={data.page}
              pages={data.pageCount}
              onPage={onPage}
              previous="Previous diff page"
              next="Next diff page"
              position
            />
          </span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable) */}
      <div className="viewer-scroll cmp-diff-scroll" tabIndex={0}>
        {layout === 'unified' ? <Unified lines={data.lines} /> : <SideBySide lines={data.lines} />}
      </div>
    </>
  );
}

const MARK: Record<DiffLine['kind'], string> = { added: '+', removed: '−', context: ' ', hunk: '' };

function Unified({ lines }: { lines: DiffLine[] }) {
  return (
    <table className="diff-lines mono" aria-label="Diff of A and B">
      <thead className="visually-hidden">
        <tr>
          <th scope="col">A line</th>
          <th scope="col">B line</th>
          <th scope="col">Change</th>
          <th scope="col">Text</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a page's lines in order
          <tr key={i} className={`diff-${line.kind}`}>
            <td className="ln">{line.oldNumber ?? ''}</td>
            <td className="ln">{line.newNumber ?? ''}</td>
            <td className="dm" aria-label={line.kind}>
              {MARK[line.kind]}
            </td>
            <td className="lt">{line.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The unified lines laid out in two columns: a run of removals beside the additions after it. */
function SideBySide({ lines }: { lines: DiffLine[] }) {
  const rows: { left: DiffLine | null; right: DiffLine | null; hunk?: string }[] = [];
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    if (line.kind === 'hunk') {
      rows.push({ left: null, right: null, hunk: line.text });
      i++;
    } else if (line.kind === 'context') {
      rows.push({ left: line, right: line });
      i++;
    } else {
      const removed: DiffLine[] = [];
      const added: DiffLine[] = [];
      while (i < lines.length && lines[i].kind === 'removed') removed.push(lines[i++]);
      while (i < lines.length && lines[i].kind === 'added') added.push(lines[i++]);
      for (let k = 0; k < Math.max(removed.length, added.length); k++)
        rows.push({ left: removed[k] ?? null, right: added[k] ?? null });
    }
  }
  return (
    <table className="diff-lines diff-split mono" aria-label="Diff of A and B, side by side">
      <thead className="visually-hidden">
        <tr>
          <th scope="col">A line</th>
          <th scope="col">A text</th>
          <th scope="col">B line</th>
          <th scope="col">B text</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) =>
          row.hunk !== undefined ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: a page's rows in order
            <tr key={i} className="diff-hunk">
              <td colSpan={4}>{row.hunk}</td>
            </tr>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: a page's rows in order
            <tr key={i}>
              <td className="ln">{row.left?.oldNumber ?? ''}</td>
              <td className={`lt ${row.left?.kind === 'removed' ? 'diff-removed' : ''}`}>
                {row.left?.text ?? ''}
              </td>
              <td className="ln">{row.right?.newNumber ?? ''}</td>
              <td className={`lt ${row.right?.kind === 'added' ? 'diff-added' : ''}`}>
                {row.right?.text ?? ''}
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

function HexOf({ path, side }: { path: string; side: 'a' | 'b' }) {
  const [page, setPage] = useState(0);
  const { data } = useQuery(
    () => compareQuery('hex', { path, side, page, rows: HEX_ROWS }),
    [path, side, page],
    {
      keepPrevious: true,
    },
  );
  const label = side === 'a' ? 'Hex of A' : 'Hex of B';
  if (!data) return null;
  return (
    <div className="cmp-hex">
      <div className="cmp-toolbar">
        <strong>{label}</strong>
        {data.pageCount > 1 && (
          <span className="cmp-pager">
            <PageButtons
              page={page}
              pages={data.pageCount}
              onPage={setPage}
              previous="Previous"
              next="Next"
              position
            />
          </span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <div className="viewer-scroll" tabIndex={0}>
        <table className="hex-rows mono" aria-label={label}>
          <HexRows rows={data.rows} />
        </table>
      </div>
    </div>
  );
}
