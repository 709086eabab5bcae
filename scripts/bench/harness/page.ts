/**
 * The harness page: the contract's hooks (a file input labelled "Open image archive", a status
 * region that ends with "Indexed N entries", errors in an alert) around our core in a worker, with
 * no UI. Query: ?mode=open (default: openArchive, as the app does), ?mode=count&workers=K
 * &window=N&chunk=N&zstd=fzstd|zstddec&stream=1&prefetch=1 (layers counted by K workers in parallel, for
 * experiments), ?mode=read&chunk=N|stream=1 (raw read throughput; "entries" are MB read), or
 * ?mode=ranges&method=async|sync|inflight (the read floor: the walker's ranges; "entries" are ranges).
 */
import { partition } from '../experiment';
import type { FloorMethod, FromWorker, HarnessOptions, ToWorker } from './protocol';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'open';
const lanes = Math.max(1, Number(params.get('workers') ?? 1));
/** keep=1 leaves finished workers alive (a CPU profile is collected from them afterwards). */
const keep = params.get('keep') === '1';
const finish = (w: Worker): void => {
  if (!keep) w.terminate();
};
const num = (name: string): number | undefined => (params.has(name) ? Number(params.get(name)) : undefined);
const options: HarnessOptions = {
  window: num('window'),
  chunk: num('chunk'),
  zstd: params.get('zstd') === 'zstddec' ? 'zstddec' : 'fzstd',
  stream: params.get('stream') === '1',
  prefetch: params.get('prefetch') === '1',
};

document.body.innerHTML = `
  <h1>Benchmark harness (core only)</h1>
  <label for="file">Open image archive</label> <input id="file" type="file">
  <p role="status" aria-live="polite" id="status">Ready</p>
  <p role="alert" id="alert"></p>`;
const input = document.getElementById('file') as HTMLInputElement;
const status = document.getElementById('status') as HTMLElement;
const alertBox = document.getElementById('alert') as HTMLElement;

function spawn(message: ToWorker, onMessage: (m: FromWorker) => void): Worker {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    if (e.data.kind === 'error') alertBox.textContent = e.data.message;
    else onMessage(e.data);
  };
  worker.postMessage(message);
  return worker;
}

input.addEventListener('change', () => {
  const file = input.files?.[0];
  if (!file) return;
  status.textContent = 'Reading…';
  if (mode === 'read') {
    const w = spawn(
      {
        kind: 'read',
        file,
        chunk: num('chunk') ?? 2 << 20,
        stream: params.get('stream') === '1',
        sync: params.get('sync') === '1',
        inflight: num('inflight') ?? 1,
      },
      (m) => {
        if (m.kind === 'done') {
          status.textContent = `Indexed ${m.entries} entries`;
          finish(w);
        }
      },
    );
    return;
  }
  if (mode === 'ranges') {
    // the ranges are put on the page by the benchmark before it hands over the file
    const ranges = (window as unknown as { __benchRanges?: [number, number][] }).__benchRanges ?? [];
    const method = (params.get('method') ?? 'async') as FloorMethod;
    const w = spawn({ kind: 'ranges', file, ranges, method }, (m) => {
      if (m.kind === 'done') {
        status.textContent = `Indexed ${m.entries} entries`;
        finish(w);
      }
    });
    return;
  }
  if (mode === 'open') {
    const w = spawn({ kind: 'open', file }, (m) => {
      if (m.kind === 'progress') status.textContent = `Reading… ${m.entries} entries`;
      if (m.kind === 'done') {
        status.textContent = `Indexed ${m.entries} entries`;
        finish(w);
      }
    });
    return;
  }
  const finder = spawn({ kind: 'find', file }, (m) => {
    if (m.kind !== 'layers') return;
    finish(finder);
    const groups = partition(m.layers, lanes).filter((g) => g.length);
    const counts = groups.map(() => 0);
    let done = 0;
    groups.forEach((layers, i) => {
      const w = spawn({ kind: 'count', file, layers, options }, (r) => {
        if (r.kind === 'progress') counts[i] = r.entries;
        if (r.kind === 'done') {
          counts[i] = r.entries;
          done++;
          finish(w);
        }
        const total = counts.reduce((a, b) => a + b, 0);
        status.textContent =
          done === groups.length ? `Indexed ${total} entries` : `Reading… ${total} entries`;
      });
    });
  });
});
