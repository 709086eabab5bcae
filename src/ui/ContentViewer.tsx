/**
 * The selected file's contents, read from the archive on demand a page at a time: text with line
 * numbers, hex rows for binaries, a preview for PNG/JPEG/GIF/WebP (a blob: URL made here from bytes
 * the worker sends; SVG and HTML are shown as text, never rendered). Links are followed, and a
 * loop or a dangling target is said as such. Download saves the whole file, chunk by chunk.
 */
import { useEffect, useMemo, useState } from 'react';
import { messageOf } from '../core/errors';
import { useExplorer } from '../store';
import { query } from '../store/client';
import { revealPath } from '../store/placement';
import { formatBytes, formatCount, visible } from './format';
import { saveChunks } from './save';
import { useQuery } from './useQuery';
import { DiffCounts, HexRows, PageButtons } from './viewerParts';

const LINES_PER_PAGE = 200;
/** 4 KiB a page. */
const HEX_ROWS_PER_PAGE = 256;
const HEX_BYTES_PER_ROW = 16;
const DIFF_LINES_PER_PAGE = 400;
/** Images bigger than this are shown in hex instead of decoded. */
const MAX_PREVIEW_BYTES = 16 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

interface Ref {
  image: number;
  layer: number;
  path: string;
}

/** Pulls the whole file in chunks (for a preview or a download). */
function fileChunks(ref: Ref, size: number): () => Promise<Uint8Array<ArrayBuffer> | null> {
  let offset = 0;
  return async () => {
    if (offset >= size) return null;
    const { bytes } = await query('fileBytes', { ...ref, offset, length: Math.min(CHUNK, size - offset) });
    if (bytes.length === 0) throw new Error(`the file ended ${size - offset} bytes early`);
    offset += bytes.length;
    return new Uint8Array(bytes);
  };
}

function Pager({
  label,
  page,
  pages,
  onPage,
}: {
  label: string;
  page: number;
  pages: number | null;
  onPage(page: number): void;
}) {
  return (
    <nav className="viewer-pager" aria-label={`${label} pages`}>
      <PageButtons page={page} pages={pages} onPage={onPage} />
    </nav>
  );
}

function TextView({ fileRef }: { fileRef: Ref }) {
  const [page, setPage] = useState(0);
  // the page shown stays until the next one comes, so the pager does not jump away from the pointer
  const { data, error } = useQuery(
    () => query('textPage', { ...fileRef, firstLine: page * LINES_PER_PAGE, count: LINES_PER_PAGE }),
    [fileRef, page],
    { keepPrevious: true },
  );
  if (error) return <p className="c-error small">{visible(error)}</p>;
  if (!data) return <p className="muted small">Loading…</p>;
  const pages = data.totalLines === null ? null : Math.max(1, Math.ceil(data.totalLines / LINES_PER_PAGE));
  const first = data.lines[0]?.number ?? 0;
  const last = data.lines[data.lines.length - 1]?.number ?? 0;
  return (
    <>
      <div className="viewer-bar small muted">
        <span>
          {data.lines.length === 0
            ? 'Empty file'
            : `Lines ${formatCount(first)}–${formatCount(last)} of ${
                data.totalLines === null ? `${formatCount(data.knownLines)}+` : formatCount(data.totalLines)
              }`}
        </span>
        {(pages === null || pages > 1) && <Pager label="Text" page={page} pages={pages} onPage={setPage} />}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable) */}
      <div className="viewer-scroll" tabIndex={0}>
        <table className="text-lines mono">
          <tbody>
            {data.lines.map((line) => (
              <tr key={line.number}>
                <th scope="row" className="ln">
                  {line.number}
                </th>
                <td className="lt">
                  {line.text}
                  {line.truncated && <span className="muted"> … (line cut)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** "4096", "0x1000", "1000h" is not accepted: decimal, or hex with 0x. Null when it is neither. */
export function parseOffset(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^0x[0-9a-f]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^[0-9]+$/.test(t)) return Number.parseInt(t, 10);
  return null;
}

function HexView({ fileRef, size }: { fileRef: Ref; size: number }) {
  const [page, setPage] = useState(0);
  const [target, setTarget] = useState<number | null>(null);
  const [offsetText, setOffsetText] = useState('');
  const [offsetError, setOffsetError] = useState<string | null>(null);
  const { data, error } = useQuery(
    () => query('hexPage', { ...fileRef, page, rows: HEX_ROWS_PER_PAGE }),
    [fileRef, page],
    { keepPrevious: true },
  );
  const targetRow = target === null ? null : target - (target % HEX_BYTES_PER_ROW);
  // the row holding the offset gone to is scrolled into view once its page is on screen
  useEffect(() => {
    if (targetRow === null || data?.page !== page) return;
    document.getElementById(`hex-row-${targetRow}`)?.scrollIntoView({ block: 'center' });
  }, [targetRow, data, page]);
  if (error) return <p className="c-error small">{visible(error)}</p>;
  if (!data) return <p className="muted small">Loading…</p>;
  const goTo = () => {
    const offset = parseOffset(offsetText);
    if (offset === null) {
      setOffsetError('Give a decimal offset or a hex one starting with 0x');
      return;
    }
    if (offset >= size) {
      setOffsetError(
        `The file has ${formatCount(size)} bytes (last offset 0x${Math.max(0, size - 1).toString(16)})`,
      );
      return;
    }
    setOffsetError(null);
    setTarget(offset);
    setPage(Math.floor(offset / (HEX_ROWS_PER_PAGE * HEX_BYTES_PER_ROW)));
  };
  return (
    <>
      <div className="viewer-bar small muted">
        <span>
          Page {formatCount(data.page + 1)} of {formatCount(Math.max(1, data.pageCount))}
        </span>
        <form
          className="hex-goto"
          onSubmit={(e) => {
            e.preventDefault();
            goTo();
          }}
        >
          <label>
            <span>Go to offset</span>
            <input
              className="mono"
              value={offsetText}
              onChange={(e) => setOffsetText(e.target.value)}
              placeholder="e.g. 0x1f40"
              spellCheck={false}
              autoComplete="off"
              inputMode="text"
              aria-invalid={offsetError ? true : undefined}
              aria-describedby={offsetError ? 'hex-goto-error' : undefined}
            />
          </label>
          <button type="submit" className="btn small">
            Go
          </button>
        </form>
        {data.pageCount > 1 && <Pager label="Hex" page={page} pages={data.pageCount} onPage={setPage} />}
      </div>
      {offsetError && (
        <p id="hex-goto-error" className="c-error small viewer-note" role="alert">
          {offsetError}
        </p>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable) */}
      <div className="viewer-scroll" tabIndex={0}>
        <table className="hex-rows mono" aria-label="Hex dump">
          <thead>
            <tr>
              <th scope="col">Offset</th>
              <th scope="col">Bytes</th>
              <th scope="col">ASCII</th>
            </tr>
          </thead>
          <HexRows rows={data.rows} targetRow={targetRow} rowIds />
        </table>
      </div>
    </>
  );
}

/** The file against its previous version, as a unified diff the worker computes and pages. */
function DiffView({ fileRef }: { fileRef: Ref }) {
  const [page, setPage] = useState(0);
  const { data, error } = useQuery(
    () => query('textDiff', { ...fileRef, page, linesPerPage: DIFF_LINES_PER_PAGE }),
    [fileRef, page],
    { keepPrevious: true },
  );
  if (error) return <p className="c-error small viewer-note">{visible(error)}</p>;
  if (!data) return <p className="muted small viewer-note">Comparing…</p>;
  if (data.unavailable)
    return <p className="muted small viewer-note">No diff: {visible(data.unavailable)}.</p>;
  return (
    <>
      <div className="viewer-bar small muted">
        <span>
          Layer {data.currentLayer} against layer {data.previousLayer}:{' '}
          <DiffCounts added={data.added} removed={data.removed} totalLines={data.totalLines} />
        </span>
        {data.pageCount > 1 && (
          <Pager label="Diff" page={data.page} pages={data.pageCount} onPage={setPage} />
        )}
      </div>
      <div className="viewer-scroll">
        <table className="diff-lines mono" aria-label="Diff with the previous version">
          <thead className="visually-hidden">
            <tr>
              <th scope="col">Old line</th>
              <th scope="col">New line</th>
              <th scope="col">Change</th>
              <th scope="col">Text</th>
            </tr>
          </thead>
          <tbody>
            {data.lines.map((line) => (
              <tr
                key={`${line.kind}-${line.oldNumber ?? ''}-${line.newNumber ?? ''}-${line.kind === 'hunk' ? line.text : ''}`}
                className={`diff-${line.kind}`}
              >
                <td className="ln">{line.oldNumber ?? ''}</td>
                <td className="ln">{line.newNumber ?? ''}</td>
                <td className="dm" aria-label={line.kind === 'hunk' ? 'hunk' : line.kind}>
                  {line.kind === 'added'
                    ? '+'
                    : line.kind === 'removed'
                      ? '−'
                      : line.kind === 'hunk'
                        ? ''
                        : ' '}
                </td>
                <td className="lt">{line.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ImagePreview({ fileRef, size, mime }: { fileRef: Ref; size: number; mime: string }) {
  const { data: blob, error } = useQuery(async () => {
    const next = fileChunks(fileRef, size);
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for (let chunk = await next(); chunk; chunk = await next()) parts.push(chunk);
    return new Blob(parts, { type: mime });
  }, [fileRef, size, mime]);
  // made in an effect, so that the URL is revoked when the preview goes and the image's bytes freed
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) return;
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  if (error) return <p className="c-error small">{visible(error)}</p>;
  if (!url) return <p className="muted small">Loading…</p>;
  const name = fileRef.path.slice(fileRef.path.lastIndexOf('/') + 1);
  return (
    <div className="viewer-scroll image-preview">
      <img src={url} alt={`Preview of ${visible(name)}`} />
    </div>
  );
}

export function ContentViewer() {
  const image = useExplorer((s) => s.selection.image);
  const layer = useExplorer((s) => s.selection.layer);
  const path = useExplorer((s) => s.selection.path);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const [saving, setSaving] = useState<string | null>(null);
  const [showDiff, setShowDiff] = useState(false);
  const timeline = useExplorer((s) => s.details?.data?.timeline ?? null);
  const key = path === null || !ready ? null : `${image}\n${layer}\n${path}`;
  // one object per file shown, so the pages' effects run when the file changes, not on every render
  const fileRef = useMemo<Ref>(() => ({ image, layer, path: path ?? '/' }), [image, layer, path]);

  const content = useQuery(
    key === null || path === null ? null : () => query('content', { image, layer, path }),
    [key, image, layer, path],
  );

  if (key === null || path === null) return null;
  const data = content.data ?? null;
  // An earlier version exists when the path was there just below the layer that wrote this one.
  const writer = data?.node?.layer ?? null;
  const earlier = timeline?.filter((t) => writer !== null && t.layer < writer) ?? [];
  const hasPrevious =
    data?.kind?.view === 'text' &&
    data.steps.length === 0 &&
    earlier.length > 0 &&
    earlier[earlier.length - 1].change !== 'removed';
  const diffShown = showDiff && hasPrevious;
  // a directory has no contents: the Files tree and the size map show it
  if (data?.node?.type === 'dir' && data.steps.length === 0) return null;
  const download = async () => {
    if (!data?.kind) return;
    const name = data.resolvedPath.slice(data.resolvedPath.lastIndexOf('/') + 1) || 'file';
    setSaving('Downloading…');
    try {
      await saveChunks(name, data.size, fileChunks(fileRef, data.size));
      setSaving(null);
    } catch (e) {
      setSaving(`Download failed: ${messageOf(e)}`);
    }
  };

  return (
    <section className="panel viewer-panel" aria-label="File contents">
      <header className="panel-head">
        <h2>File contents</h2>
        {data?.kind && (
          <span className="muted small">
            {formatBytes(data.size)}
            {data.kind.view === 'text'
              ? ` · text (${data.kind.encoding})${data.kind.markup ? ` · ${data.kind.markup.toUpperCase()} source, not rendered` : ''}`
              : data.kind.view === 'image'
                ? ` · ${data.kind.mime}`
                : ' · binary'}
          </span>
        )}
        <span className="grow" />
        {hasPrevious && (
          <fieldset className="segmented small" aria-label="Show">
            <button type="button" aria-pressed={!diffShown} onClick={() => setShowDiff(false)}>
              Text
            </button>
            <button
              type="button"
              aria-pressed={diffShown}
              onClick={() => setShowDiff(true)}
              title="Compare with the version below the layer that wrote this one"
            >
              Diff
            </button>
          </fieldset>
        )}
        {data?.kind && (
          <button
            type="button"
            className="btn small"
            onClick={() => void download()}
            disabled={saving === 'Downloading…'}
          >
            Download
          </button>
        )}
      </header>
      {saving && <p className="small muted viewer-note">{visible(saving)}</p>}
      {data && data.steps.length > 0 && (
        <div className="link-chain small">
          <span className="muted">Links followed: </span>
          <ol className="chain mono">
            {data.steps.map((step) => (
              <li key={`${step.path}-${step.layer}`}>
                {visible(step.path)} {step.kind === 'hardlink' ? '⇒' : '→'} {visible(step.target)}
              </li>
            ))}
          </ol>
          {data.node && data.resolvedPath !== path && (
            <button
              type="button"
              className="link-btn small"
              onClick={() => void revealPath(data.resolvedPath)}
            >
              Go to target {visible(data.resolvedPath)}
            </button>
          )}
        </div>
      )}
      {content.error ? (
        <p className="c-error small viewer-note">{visible(content.error)}</p>
      ) : content.loading ? (
        <p className="muted small viewer-note">Loading…</p>
      ) : !data ? null : data.failure ? (
        <p
          className={`small viewer-note link-error ${data.failure.reason === 'missing' && data.steps.length === 0 ? 'muted' : 'c-error'}`}
        >
          {visible(data.failure.message)}
        </p>
      ) : !data.kind ? (
        <p className="muted small viewer-note">
          {visible(data.resolvedPath)} is {visible(data.note ?? 'not a file')}.
        </p>
      ) : data.kind.view === 'text' && diffShown ? (
        <DiffView key={key} fileRef={fileRef} />
      ) : data.kind.view === 'text' ? (
        <TextView key={key} fileRef={fileRef} />
      ) : data.kind.view === 'image' && data.size <= MAX_PREVIEW_BYTES ? (
        <ImagePreview key={key} fileRef={fileRef} size={data.size} mime={data.kind.mime} />
      ) : (
        <HexView key={key} fileRef={fileRef} size={data.size} />
      )}
    </section>
  );
}
