/** Opening an archive: a local file, an http(s) address, or the built-in sample; and stopping a read. */
import { messageOf } from '../core/errors';
import type { SourceSpec } from '../worker/protocol';
import { getClient } from './client';
import { createEventQueue } from './eventQueue';
import { applyEvent } from './events';
import { archiveUrl, isEmptyLink } from './hash';
import { getState, initialSession, setState } from './index';

const events = createEventQueue(applyEvent);

export function openFile(file: Blob, name = (file as File).name || 'archive.tar'): void {
  begin({ kind: 'file', file, name }, name, file.size, null);
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
  begin({ kind: 'url', url }, nameOfUrl(url), 0, url);
}

function begin(source: SourceSpec, name: string, size: number, url: string | null): void {
  const startedAt = performance.now();
  const link = getState().pendingLink ?? {};
  events.clear();
  const id = getClient().open(source, (event) => events.push(id, event));
  setState({
    session: { ...initialSession(), id, name, size, url, phase: 'reading', startedAt },
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
  const startedAt = performance.now();
  setState((s) => ({
    session: { ...s.session, phase: 'loading', name: 'sample.tar', startedAt, fatal: null },
  }));
  try {
    const response = await fetch(new URL('sample/sample.tar', document.baseURI));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = await response.blob();
    openFile(blob, 'sample.tar');
  } catch (error) {
    setState((s) => ({
      session: {
        ...s.session,
        phase: 'failed',
        fatal: `Could not load the built-in sample (sample/sample.tar): ${messageOf(error)}`,
      },
    }));
  }
}

export function cancelOpen(): void {
  getClient().cancel();
}
