/**
 * One box that searches every layer of the image by name (or path, with a `/`) or regular
 * expression. Hits stream in page by page while the worker walks the layers; Cancel stops it. A
 * hit selects its layer and path, in the layer's own changes, so a file a later layer deleted is
 * shown where it was added (or removed).
 */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { messageOf } from '../core/errors';
import { expandAncestors, getState, selectLayer, selectPath, setMode, setState, useExplorer } from '../store';
import { isStale, query } from '../store/client';
import type { SearchHit } from '../worker/protocol';
import { formatBytes, formatCount, visible } from './format';

/** Hits kept and shown; a search that finds more stops there. */
const MAX_HITS = 2000;

interface Run {
  id: number;
  hits: SearchHit[];
  running: boolean;
  error: string | null;
  layer: number;
  layerCount: number;
  visited: number;
}

export function SearchPanel() {
  const image = useExplorer((s) => s.selection.image);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const selectedLayer = useExplorer((s) => s.selection.layer);
  const selectedPath = useExplorer((s) => s.selection.path);
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [run, setRun] = useState<Run | null>(null);
  /** Bumped to stop the loop of the current search. */
  const generation = useRef(0);

  const stop = () => {
    generation.current++;
    setRun((r) => (r ? { ...r, running: false } : r));
  };

  // another image or archive: the old search is over
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the image changes
  useEffect(() => {
    generation.current++;
    setRun(null);
  }, [image]);

  const start = async (e?: KeyboardEvent) => {
    e?.preventDefault();
    generation.current++;
    const mine = generation.current;
    if (!text.trim()) {
      setRun(null);
      return;
    }
    try {
      const { id, error } = await query('searchStart', { image, query: { text, regex } });
      if (mine !== generation.current) return void query('searchCancel', { id }).catch(() => undefined);
      if (error) {
        setRun({ id, hits: [], running: false, error, layer: 0, layerCount: 0, visited: 0 });
        return;
      }
      let hits: SearchHit[] = [];
      setRun({ id, hits, running: true, error: null, layer: 0, layerCount: 0, visited: 0 });
      for (;;) {
        const page = await query('searchNext', { id, maxHits: 200 });
        if (mine !== generation.current) {
          if (!page.done) await query('searchCancel', { id });
          return;
        }
        hits = hits.concat(page.hits).slice(0, MAX_HITS);
        const full = hits.length >= MAX_HITS;
        const running = !page.done && !full;
        setRun({
          id,
          hits,
          running,
          error: full && !page.done ? `Stopped at ${formatCount(MAX_HITS)} hits: narrow the search` : null,
          layer: page.progress.layer,
          layerCount: page.progress.layerCount,
          visited: page.progress.visited,
        });
        if (!running) {
          if (!page.done) await query('searchCancel', { id });
          return;
        }
      }
    } catch (error) {
      if (isStale(error) || mine !== generation.current) return;
      setRun((r) => ({
        id: r?.id ?? 0,
        hits: r?.hits ?? [],
        running: false,
        error: messageOf(error),
        layer: r?.layer ?? 0,
        layerCount: r?.layerCount ?? 0,
        visited: r?.visited ?? 0,
      }));
    }
  };

  const choose = (hit: SearchHit) => {
    setMode('changes');
    selectLayer(hit.layer);
    // the layer's changes must not be filtered away
    const view = getState().view;
    if (view.filter || !view.changes[hit.change])
      setState({ view: { ...view, filter: '', changes: { ...view.changes, [hit.change]: true } } });
    expandAncestors(hit.path);
    selectPath(hit.path, true);
  };

  return (
    <section className="panel search-panel" role="search" aria-label="Search all layers">
      {/* no <form>: the page submits nothing anywhere (CSP form-action 'none'); Enter starts the search */}
      <div className="search-form">
        <input
          type="search"
          className="search-input"
          aria-label="Search all layers"
          placeholder="Search every layer: name, path with /, or regex"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void start(e);
          }}
          disabled={!ready}
        />
        <label className="small search-regex">
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} /> Regex
        </label>
        {run?.running ? (
          <button type="button" className="btn small" onClick={stop}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="btn small primary"
            disabled={!ready || !text.trim()}
            onClick={() => void start()}
          >
            Search
          </button>
        )}
        {run && !run.running && (
          <button type="button" className="link-btn small" onClick={() => setRun(null)}>
            Close
          </button>
        )}
      </div>
      {run && (
        <>
          <p className="small muted search-status" aria-live="polite">
            {run.running
              ? `Searching layer ${Math.min(run.layer + 1, run.layerCount)} of ${run.layerCount}… ${plural(run.hits.length)}`
              : `${plural(run.hits.length)}${run.error ? '' : ` in ${formatCount(run.layerCount)} layers`}`}
            {run.error && <span className="c-error"> {visible(run.error)}</span>}
          </p>
          {run.hits.length > 0 && (
            <ul className="search-hits" aria-label="Search results">
              {run.hits.map((hit) => {
                const current = hit.layer === selectedLayer && hit.path === selectedPath;
                return (
                  <li key={`${hit.layer}\n${hit.path}`}>
                    <button
                      type="button"
                      className={`search-hit${current ? ' current' : ''}`}
                      aria-current={current ? 'true' : undefined}
                      onClick={() => choose(hit)}
                    >
                      <span className="sh-path mono" title={visible(hit.path)}>
                        {visible(hit.path)}
                      </span>
                      <span className="sh-layer">layer {hit.layer}</span>
                      <span className={`badge b-${hit.change}`}>{hit.change}</span>
                      <span className="sh-size">{hit.type === 'dir' ? 'dir' : formatBytes(hit.size)}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function plural(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'hit' : 'hits'}`;
}
