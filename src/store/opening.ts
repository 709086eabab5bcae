/** Opening an archive: a local file, an http(s) address, or the built-in sample; and stopping a read. */
import { messageOf } from '../core/errors';
import type { SessionEvent, SourceSpec } from '../worker/protocol';
import { getClient } from './client';
import { createEventQueue } from './eventQueue';
import { applyEvent } from './events';
import { archiveUrl, isEmptyLink } from './hash';
import { getState, initialSession, setState } from './index';
import { rememberIndexes } from './savedIndexes';

const events = createEventQueue((id, event) => {
  if (!applyIncoming(id, event)) applyEvent(id, event);
});

export function openFile(file: Blob, name = (file as File).name || 'archive.tar'): void {
  const lastModified = (file as File).lastModified ?? 0;
  begin(
    { kind: 'file', file, name, lastModified, remember: rememberIndexes() },
    name,
    file.size,
    null,
    false,
  );
}

/** The last path segment of an address, decoded, as a name to show ("archive" when there is none). */
export function nameOfUrl(url: string): string {
  const last = new URL(url).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || 'archive';
  } catch {
    return last || 'archive';
  }
}

/**
 * Opens an archive from an http(s) address (the server must allow cross-origin reads): the worker
 * reads it with Range requests, or downloads it whole when the server ignores Range.
 */
export function openUrl(address: string): void {
  const url = archiveUrl(address, document.baseURI);
  if (!url) {
    setState((s) => ({
      session: {
        ...initialSession(),
        id: s.session.id,
        phase: 'failed',
        fatal: `Not an http or https address: ${address}`,
      },
    }));
    return;
  }
  begin({ kind: 'url', url }, nameOfUrl(url), 0, url, false);
}

/** Whether an archive with images is on screen (one a failed open must leave as it was). */
function showing(): boolean {
  return (getState().archive?.images.length ?? 0) > 0;
}

function begin(source: SourceSpec, name: string, size: number, url: string | null, sample: boolean): void {
  const startedAt = performance.now();
  const opening = { name, size, url, sample, startedAt, source };
  incoming.clear(); // the client drops a candidate still opening
  if (showing()) {
    // the archive shown stays until the new one is known to be one (see replaceWith)
    const id = getClient().open(source, (event) => events.push(id, event), { keepCurrent: true });
    incoming.set(id, opening);
    setState({ incoming: { id, name, size, progress: null }, openError: null });
    return;
  }
  events.clear();
  const id = getClient().open(source, (event) => events.push(id, event));
  start(id, opening);
}

interface Opening {
  source: SourceSpec;
  name: string;
  size: number;
  url: string | null;
  sample: boolean;
  startedAt: number;
}

/** Opens waiting to replace the archive shown, by session id (at most one is alive at a time). */
const incoming = new Map<number, Opening>();

/** Where the archive shown was read from (a comparison reads it again in a worker of its own). */
let shown: SourceSpec | null = null;
export function shownSource(): SourceSpec | null {
  return shown;
}

/** The store as a new session starts: nothing of the last archive is left. */
function start(id: number, o: Opening): void {
  shown = o.source;
  const link = getState().pendingLink ?? {};
  setState({
    incoming: null,
    openError: null,
    session: {
      ...initialSession(),
      id,
      name: o.name,
      size: o.size,
      url: o.url,
      sample: o.sample,
      phase: 'reading',
      startedAt: o.startedAt,
    },
    archive: null,
    blobs: {},
    ready: {},
    stats: {},
    details: null,
    verify: null,
    pendingLink: isEmptyLink(link) ? null : link,
    selection: { image: 0, layer: 0, path: null },
  });
}

/** The sample is generated at build time next to index.html, so it is fetched relative to the page. */
export async function openSample(): Promise<void> {
  const kept = showing();
  if (!kept) {
    const startedAt = performance.now();
    setState((s) => ({
      session: { ...s.session, phase: 'loading', name: 'sample.tar', startedAt, fatal: null },
    }));
  }
  try {
    const response = await fetch(new URL('sample/sample.tar', document.baseURI));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = await response.blob();
    begin({ kind: 'file', file: blob, name: 'sample.tar' }, 'sample.tar', blob.size, null, true);
  } catch (error) {
    const message = `Could not load the built-in sample (sample/sample.tar): ${messageOf(error)}`;
    if (kept && showing()) {
      const s = getState();
      setState({ openError: { id: 0, name: 'sample.tar', message, kept: s.session.name } });
      return;
    }
    setState((s) => ({ session: { ...s.session, phase: 'failed', fatal: message } }));
  }
}

export function cancelOpen(): void {
  getClient().cancel();
}

/** Stops opening the archive that was to replace the one shown. */
export function cancelIncoming(): void {
  getClient().cancelCandidate();
}

export function dismissOpenError(): void {
  setState({ openError: null });
}

/**
 * An event of an archive opened while another is shown: its first sight of images makes it the
 * session (everything of the old archive goes); a failure before that leaves the old one and
 * says why. Returns false for an event that is not about such an archive.
 */
export function applyIncoming(id: number, event: SessionEvent): boolean {
  const o = incoming.get(id);
  if (!o) return false;
  const s = getState();
  const known = (event.type === 'archive' || event.type === 'done') && event.archive.images.length > 0;
  if (known) {
    incoming.delete(id);
    start(id, o);
    return false; // now the session's own event
  }
  if (event.type === 'failed' || event.type === 'cancelled') {
    incoming.delete(id);
    setState({
      incoming: null,
      openError:
        event.type === 'failed'
          ? { id, name: o.name, message: event.message, kept: s.archive ? s.session.name : null }
          : s.openError,
    });
    return true;
  }
  if (event.type === 'progress' && s.incoming?.id === id)
    setState({ incoming: { ...s.incoming, progress: event.progress } });
  return true;
}
