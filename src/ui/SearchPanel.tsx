/**
 * One box that searches every layer of every image in the archive by name (or path, with a `/`)
 * or regular expression, as you type. The image shown is searched first; the others follow, each
 * from above the layers it shares with one searched before, and their hits are listed under their
 * image, so "nothing here, 3 in tool:1" is plain. A new query cancels the one running. A hit
 * selects its image, layer and path, in the layer's own changes, so a file a later layer deleted
 * is shown where it was added (or removed).
 */
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from '../core/errors';
import {
  expandAncestors,
  getState,
  selectImage,
  selectLayer,
  selectPath,
  setMode,
  setState,
  useExplorer,
} from '../store';
import { isStale, query } from '../store/client';
import type { ImageSummary, SearchHit } from '../worker/protocol';
import { formatBytes, formatCount, plural, visible } from './format';
import { manyPlatforms, shortImageLabel } from './ImagePicker';
import { SEARCH_INPUT_ID } from './keyboard';
import { layersSearched, searchPlan } from './searchPlan';

/** Hits kept and shown, over all images; a search that finds more stops there. */
const MAX_HITS = 2000;
/** Typing pauses this long before a search starts. */
export const SEARCH_DEBOUNCE_MS = 250;

interface Group {
  image: number;
  /** Layers below this were searched in `sharesWith`. */
  fromLayer: number;
  sharesWith: number | null;
  hits: SearchHit[];
  /** Why this image was not searched (still being read), if it was not. */
  skipped: string | null;
}

interface Run {
  groups: Group[];
  /** Typed, waiting for the pause before it starts: no count is shown for it yet. */
  pending: boolean;
  running: boolean;
  error: string | null;
  /** Where the walk is: the image, and the layer of that image searched next. */
  at: { image: number; layer: number; layerCount: number } | null;
  layers: number;
  images: number;
}

const total = (run: Run) => run.groups.reduce((n, g) => n + g.hits.length, 0);

function hitsText(n: number): string {
  return plural(n, 'hit', 'hits');
}

export function SearchPanel() {
  const sessionId = useExplorer((s) => s.session.id);
  const images = useExplorer((s) => s.archive?.images);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const selection = useExplorer((s) => s.selection);
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [run, setRun] = useState<Run | null>(null);
  /** Bumped to stop the loop of the current search. */
  const generation = useRef(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLDivElement>(null);

  const stop = () => {
    generation.current++;
    setRun((r) => (r ? { ...r, running: false, pending: false } : r));
  };

  // another archive: the old search is over
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the archive changes
  useEffect(() => {
    generation.current++;
    setRun(null);
  }, [sessionId]);

  const start = useCallback(async (what: string, asRegex: boolean) => {
    generation.current++;
    const mine = generation.current;
    const all = getState().archive?.images ?? [];
    if (!what.trim() || all.length === 0) {
      setRun(null);
      return;
    }
    const first = getState().selection.image;
    const plan = searchPlan(all, first);
    const groups: Group[] = plan.map((p) => ({
      image: p.image,
      fromLayer: p.fromLayer,
      sharesWith: p.sharesWith,
      hits: [],
      skipped: null,
    }));
    let current: Run = {
      groups,
      pending: false,
      running: true,
      error: null,
      at: null,
      layers: layersSearched(plan),
      images: plan.length,
    };
    const show = (next: Partial<Run>) => {
      current = { ...current, ...next, groups: current.groups.map((g) => ({ ...g })) };
      setRun(current);
    };
    show({});
    let found = 0;
    let id = 0;
    try {
      for (const [k, p] of plan.entries()) {
        if (p.fromLayer >= p.layerCount) continue; // all of it was searched in another image
        if (!getState().ready[p.image]) {
          current.groups[k].skipped = 'still being read';
          show({});
          continue;
        }
        const started = await query('searchStart', {
          image: p.image,
          query: { text: what, regex: asRegex, fromLayer: p.fromLayer },
        });
        id = started.id;
        if (mine !== generation.current) return void query('searchCancel', { id }).catch(() => undefined);
        if (started.error) {
          show({ running: false, error: started.error });
          return;
        }
        for (;;) {
          const page = await query('searchNext', { id, maxHits: 200 });
          if (mine !== generation.current) {
            if (!page.done) await query('searchCancel', { id });
            return;
          }
          const room = MAX_HITS - found;
          const taken = page.hits.slice(0, room);
          found += taken.length;
          current.groups[k].hits = current.groups[k].hits.concat(taken);
          const full = found >= MAX_HITS;
          show({
            at: { image: p.image, layer: page.progress.layer, layerCount: page.progress.layerCount },
            ...(full && !page.done
              ? { running: false, error: `Stopped at ${formatCount(MAX_HITS)} hits: narrow the search` }
              : {}),
          });
          if (full && !page.done) {
            await query('searchCancel', { id });
            return;
          }
          if (page.done) break;
        }
      }
      show({ running: false, at: null });
    } catch (error) {
      if (isStale(error) || mine !== generation.current) return;
      show({ running: false, error: messageOf(error) });
    }
  }, []);

  /**
   * A new query: the last one stops and its result goes in the same render as the keystroke (an
   * effect would leave the stale count on screen for a frame), then it starts after a pause.
   */
  const edit = (next: { text?: string; regex?: boolean }) => {
    generation.current++;
    if (next.text !== undefined) setText(next.text);
    if (next.regex !== undefined) setRegex(next.regex);
    const nextText = next.text ?? latest.current.text;
    if (!nextText.trim()) setRun(null);
    else
      setRun((r) =>
        r ? { ...r, pending: true, running: false, error: null } : { ...emptyRun(), pending: true },
      );
  };

  /** What is typed and ticked now, for a start that runs later than the render that asked for it. */
  const latest = useRef({ text, regex });
  latest.current = { text, regex };
  /** The pause before a typed query starts; Enter or Search starts it at once instead. */
  const pause = useRef<ReturnType<typeof setTimeout> | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the pause restarts whenever the query changes
  useEffect(() => {
    if (!text.trim()) return;
    const timer = setTimeout(() => void start(latest.current.text, latest.current.regex), SEARCH_DEBOUNCE_MS);
    pause.current = timer;
    return () => clearTimeout(timer);
  }, [text, regex, start]);
  const startNow = () => {
    if (pause.current !== null) clearTimeout(pause.current);
    void start(latest.current.text, latest.current.regex);
  };

  const choose = (hit: SearchHit, hitImage: number) => {
    setMode('changes');
    if (hitImage !== getState().selection.image) selectImage(hitImage);
    selectLayer(hit.layer, hitImage);
    // the layer's changes must not be filtered away
    const view = getState().view;
    if (view.filter || !view.changes[hit.change])
      setState({ view: { ...view, filter: '', changes: { ...view.changes, [hit.change]: true } } });
    expandAncestors(hit.path);
    selectPath(hit.path, true);
  };

  const hitButtons = () =>
    Array.from(resultsRef.current?.querySelectorAll<HTMLButtonElement>('button.search-hit') ?? []);

  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      startNow();
    } else if (e.key === 'ArrowDown') {
      const first = hitButtons()[0];
      if (first) {
        e.preventDefault();
        first.focus();
      }
    } else if (e.key === 'Escape' && text) {
      e.preventDefault();
      edit({ text: '' });
    }
  };

  const onHitsKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = hitButtons();
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    let to: number | null = null;
    if (e.key === 'ArrowDown') to = Math.min(buttons.length - 1, at + 1);
    else if (e.key === 'ArrowUp') to = at - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = buttons.length - 1;
    else if (e.key === 'Escape') to = -1;
    if (to === null) return;
    e.preventDefault();
    if (to < 0) inputRef.current?.focus();
    else {
      buttons[to].focus();
      buttons[to].scrollIntoView({ block: 'nearest' });
    }
  };

  const count = run ? total(run) : 0;
  const firstGroup = run?.groups[0];
  const others = run?.groups.slice(1).filter((g) => g.hits.length > 0 || g.skipped) ?? [];
  const platforms = manyPlatforms(images ?? []);
  const labelOf = (i: number) =>
    images?.[i] ? shortImageLabel(images[i] as ImageSummary, platforms) : `image ${i}`;
  const many = (images?.length ?? 0) > 1;

  return (
    <section className="panel search-panel" role="search" aria-label="Search all layers">
      {/* no <form>: the page submits nothing anywhere (CSP form-action 'none'); Enter searches at once */}
      <div className="search-form">
        <input
          ref={inputRef}
          id={SEARCH_INPUT_ID}
          type="search"
          className="search-input"
          aria-label="Search all layers"
          aria-keyshortcuts="Control+K Meta+K"
          placeholder={many ? 'Search every layer of every image (Ctrl+K)' : 'Search every layer (Ctrl+K)'}
          value={text}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => edit({ text: e.target.value })}
          onKeyDown={onInputKey}
          disabled={!ready}
        />
        <label className="small search-regex">
          <input type="checkbox" checked={regex} onChange={(e) => edit({ regex: e.target.checked })} /> Regex
        </label>
        {/* Search never turns into Cancel under the pointer: a click that lands as a typed query
            starts would otherwise stop it. Cancel comes after it, only while a search runs. */}
        <button
          type="button"
          className="btn small primary"
          disabled={!ready || !text.trim()}
          onClick={startNow}
        >
          Search
        </button>
        {run?.running && (
          <button type="button" className="btn small" onClick={stop}>
            Cancel
          </button>
        )}
        {run && !run.running && !run.pending && (
          <button type="button" className="link-btn small" onClick={() => edit({ text: '' })}>
            Close
          </button>
        )}
      </div>
      {run && (
        <>
          <p className="small muted search-status" aria-live="polite" data-state={statusState(run)}>
            {statusText(run, count, labelOf)}
            {run.error && <span className="c-error"> {visible(run.error)}</span>}
          </p>
          {!run.pending && count + others.length > 0 && (
            // biome-ignore lint/a11y/noStaticElementInteractions: arrow keys between the hit buttons inside
            <div className="search-results" ref={resultsRef} onKeyDown={onHitsKey}>
              {firstGroup && (many || firstGroup.hits.length > 0) && (
                <>
                  {many && (
                    <h3 className="search-group">
                      {visible(labelOf(firstGroup.image))} · {hitsText(firstGroup.hits.length)}
                    </h3>
                  )}
                  {firstGroup.hits.length > 0 && (
                    <HitList
                      label="Search results"
                      group={firstGroup}
                      selection={selection}
                      onChoose={choose}
                    />
                  )}
                </>
              )}
              {others.map((g) => (
                <div key={g.image} className="search-other">
                  <h3 className="search-group">
                    Also in {visible(labelOf(g.image))} · {g.skipped ? g.skipped : hitsText(g.hits.length)}
                    {g.sharesWith !== null && g.fromLayer > 0 && (
                      <span className="muted">
                        {' '}
                        (above the {plural(g.fromLayer, 'layer', 'layers')} it shares with{' '}
                        {visible(labelOf(g.sharesWith))})
                      </span>
                    )}
                  </h3>
                  {g.hits.length > 0 && (
                    <HitList
                      label={`Also in ${visible(labelOf(g.image))}`}
                      group={g}
                      selection={selection}
                      onChoose={choose}
                    />
                  )}
                </div>
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function emptyRun(): Run {
  return { groups: [], pending: false, running: false, error: null, at: null, layers: 0, images: 0 };
}

function statusState(run: Run): string {
  if (run.pending) return 'typing';
  if (run.running) return 'running';
  return 'done';
}

function statusText(run: Run, count: number, labelOf: (i: number) => string): string {
  if (run.pending) return 'Searching…';
  const where = run.images > 1 ? ` of ${formatCount(run.images)} images` : '';
  if (run.running) {
    const at = run.at;
    const step = at
      ? ` ${run.images > 1 ? `${visible(labelOf(at.image))}, ` : ''}layer ${Math.min(at.layer + 1, at.layerCount)} of ${at.layerCount}`
      : '';
    return `Searching${step}… ${hitsText(count)}`;
  }
  const first = run.groups[0];
  const elsewhere = count - (first?.hits.length ?? 0);
  const summary =
    run.images > 1 && first && first.hits.length === 0 && elsewhere > 0
      ? ` · none in ${visible(labelOf(first.image))}, ${formatCount(elsewhere)} in other images`
      : '';
  return `${hitsText(count)}${run.error ? '' : ` in ${plural(run.layers, 'layer', 'layers')}${where}`}${summary}`;
}

function HitList({
  label,
  group,
  selection,
  onChoose,
}: {
  label: string;
  group: Group;
  selection: { image: number; layer: number; path: string | null };
  onChoose: (hit: SearchHit, image: number) => void;
}) {
  return (
    <ul className="search-hits" aria-label={label}>
      {group.hits.map((hit) => {
        const current =
          group.image === selection.image && hit.layer === selection.layer && hit.path === selection.path;
        return (
          <li key={`${hit.layer}\n${hit.path}`}>
            <button
              type="button"
              className={`search-hit${current ? ' current' : ''}`}
              aria-current={current ? 'true' : undefined}
              onClick={() => onChoose(hit, group.image)}
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
  );
}
