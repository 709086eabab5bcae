/**
 * The workspace at every width. Wide (1100 px and up): three columns (layers | files | the image's
 * answers and the file's details) with splitters whose widths are remembered. Medium (720 px and
 * up): the layers column beside one pane chosen by tabs (Files or Summary). Narrow: one pane at a
 * time, chosen by tabs. Panels stay mounted when hidden, so a tab switch keeps every place.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useExplorer } from '../store';
import { ContentViewer } from './ContentViewer';
import { ExportPanel } from './ExportPanel';
import { FileDetails } from './FileDetails';
import { FilePackage } from './FilePackage';
import { FileTree } from './FileTree';
import { ImageSummary } from './ImageSummary';
import { LayerDetails } from './LayerDetails';
import { LayerList } from './LayerList';
import { LayerTree } from './LayerTree';
import { PackagesPanel } from './PackagesPanel';
import { RiskyFiles } from './RiskyFiles';
import { SearchPanel } from './SearchPanel';
import { SecretsPanel } from './SecretsPanel';
import { SizeMap } from './SizeMap';
import { Splitter } from './Splitter';

const WIDE = '(min-width: 1100px)';
const MEDIUM = '(min-width: 720px)';
const STORAGE_KEY = 'image-layer-explorer.columns';
/** The Files column never gets narrower than this on a wide screen. */
const MID_MIN = 380;
const SIDE_MIN = 260;
const SPLITTER_W = 8;

export type Pane = 'layers' | 'files' | 'summary';

function useMedia(query: string): boolean {
  const subscribe = useCallback(
    (notify: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', notify);
      return () => list.removeEventListener('change', notify);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}

function useViewportWidth(): number {
  const subscribe = useCallback((notify: () => void) => {
    window.addEventListener('resize', notify);
    return () => window.removeEventListener('resize', notify);
  }, []);
  return useSyncExternalStore(subscribe, () => window.innerWidth);
}

/**
 * Counts up from 0 to `stages`, one step per task, from the first render on. Mounting every panel
 * at once, on code the JIT has not seen yet, took one 150–200 ms task when an archive's images
 * arrived (npm run bench, docker-s100); a panel or two per task keeps each short, the layer list
 * first.
 */
function useStagedMount(stages: number): number {
  const [stage, setStage] = useState(0);
  useEffect(() => {
    if (stage >= stages) return;
    const timer = setTimeout(() => setStage((n) => n + 1), 0);
    return () => clearTimeout(timer);
  }, [stage, stages]);
  return stage;
}

interface ColumnWidths {
  left: number | null;
  right: number | null;
}

function storedWidths(): ColumnWidths {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<ColumnWidths> | null;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return { left: num(raw?.left), right: num(raw?.right) };
  } catch {
    return { left: null, right: null };
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.round(Math.max(lo, Math.min(hi, n)));
}

/** Column widths for a viewport: the stored ones where they still fit, else shares of the width. */
function columnLayout(viewport: number, stored: ColumnWidths) {
  const room = viewport - 2 * SPLITTER_W - 16;
  const sideMax = Math.max(SIDE_MIN, Math.min(760, room - MID_MIN - SIDE_MIN));
  const left = clamp(stored.left ?? clamp(viewport * 0.28, 300, 520), SIDE_MIN, sideMax);
  const rightMax = Math.max(SIDE_MIN, Math.min(760, room - MID_MIN - left));
  const right = clamp(stored.right ?? clamp(viewport * 0.25, 300, 480), SIDE_MIN, rightMax);
  return { left, right, leftMax: Math.max(SIDE_MIN, room - MID_MIN - right), rightMax };
}

const TABS: { pane: Pane; label: string }[] = [
  { pane: 'layers', label: 'Layers' },
  { pane: 'files', label: 'Files' },
  { pane: 'summary', label: 'Summary' },
];

export function Workspace() {
  const stage = useStagedMount(5);
  const wide = useMedia(WIDE);
  const medium = useMedia(MEDIUM);
  const viewport = useViewportWidth();
  const [pane, setPane] = useState<Pane>('summary');
  const [stored, setStored] = useState(storedWidths);
  const cols = columnLayout(viewport, stored);

  // Every jump (an inefficient file, a search hit, a link) reveals its row in the Files tree.
  const revealSeq = useExplorer((s) => s.revealSeq);
  const firstReveal = useRef(revealSeq);
  useEffect(() => {
    if (revealSeq !== firstReveal.current) setPane('files');
  }, [revealSeq]);
  // A key that names a pane (Tab to Files, Ctrl+K, `/`) shows it first.
  const paneRequest = useExplorer((s) => s.paneRequest);
  useEffect(() => {
    if (paneRequest) setPane(paneRequest.pane);
  }, [paneRequest]);

  const remember = (next: Partial<ColumnWidths>) => {
    setStored((prev) => {
      const merged = { ...prev, ...next };
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(merged));
      } catch {
        // private mode or full storage: the widths last for this visit
      }
      return merged;
    });
  };

  const layout = wide ? 'wide' : medium ? 'medium' : 'narrow';
  // On a medium screen the layers column is always shown: its tab makes no sense there.
  const tabs = medium ? TABS.filter((t) => t.pane !== 'layers') : TABS;
  const shown: Pane = medium && pane === 'layers' ? 'summary' : pane;
  const panelProps = (p: Pane) =>
    wide
      ? {}
      : {
          role: 'tabpanel',
          'aria-labelledby': `tab-${p}`,
          hidden: !(p === shown || (p === 'layers' && medium)),
        };

  return (
    <div
      className={`workspace layout-${layout} pane-${shown}`}
      style={
        wide
          ? {
              gridTemplateColumns: `${cols.left}px ${SPLITTER_W}px minmax(0, 1fr) ${SPLITTER_W}px ${cols.right}px`,
            }
          : undefined
      }
    >
      {!wide && (
        <div className="pane-tabs" role="tablist" aria-label="Panes">
          {tabs.map((t) => (
            <button
              key={t.pane}
              id={`tab-${t.pane}`}
              type="button"
              role="tab"
              aria-selected={shown === t.pane}
              aria-controls={`pane-${t.pane}`}
              tabIndex={shown === t.pane ? 0 : -1}
              onClick={() => setPane(t.pane)}
              onKeyDown={(e) => {
                if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
                const i = tabs.findIndex((x) => x.pane === shown);
                const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
                setPane(next.pane);
                document.getElementById(`tab-${next.pane}`)?.focus();
              }}
            >
              {t.label}
            </button>
          ))}
        </div>
      )}
      <div className="col col-left" id="pane-layers" {...panelProps('layers')}>
        {stage >= 1 ? <LayerTree /> : <div className="layer-tree-placeholder" />}
        <LayerList />
        {stage >= 4 && <LayerDetails />}
      </div>
      {wide && (
        <Splitter
          label="Resize the layers column"
          controls="pane-layers"
          value={cols.left}
          min={SIDE_MIN}
          max={cols.leftMax}
          grows="right"
          onChange={(left) => remember({ left })}
        />
      )}
      <div className="col col-mid" id="pane-files" {...panelProps('files')}>
        {stage >= 2 && <SearchPanel />}
        {stage >= 2 && <FileTree />}
        {!wide && stage >= 3 && <FileDetails />}
        {!wide && stage >= 3 && <FilePackage />}
        {stage >= 3 && <ContentViewer />}
      </div>
      {wide && (
        <Splitter
          label="Resize the summary column"
          controls="pane-summary"
          value={cols.right}
          min={SIDE_MIN}
          max={cols.rightMax}
          grows="left"
          onChange={(right) => remember({ right })}
        />
      )}
      <div className="col col-right" id="pane-summary" {...panelProps('summary')}>
        {stage >= 2 && <ImageSummary />}
        {wide && stage >= 3 && <FileDetails />}
        {wide && stage >= 3 && <FilePackage />}
        {stage >= 4 && <PackagesPanel />}
        {stage >= 4 && <RiskyFiles />}
        {stage >= 4 && <SizeMap />}
        {stage >= 5 && <ExportPanel />}
        {stage >= 5 && <SecretsPanel />}
      </div>
    </div>
  );
}
