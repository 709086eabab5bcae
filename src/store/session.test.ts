import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExplorerClient } from '../worker/client';
import {
  type ArchiveSummary,
  type BlobSummary,
  type OpenProgress,
  PROTOCOL_VERSION,
  type SessionEvent,
} from '../worker/protocol';
import { setClient } from './client';
import { getState } from './index';
import { openFile } from './opening';

/** A worker that says what the test tells it to, as the real one would over postMessage. */
class FakeWorker {
  private listeners: ((event: { data: unknown }) => void)[] = [];
  addEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    if (type === 'message') this.listeners.push(listener);
  }
  postMessage(): void {}
  terminate(): void {}
  say(session: number, event: SessionEvent): void {
    for (const l of this.listeners) l({ data: { v: PROTOCOL_VERSION, session, ...event } });
  }
}

const progress = (entries: number): SessionEvent => {
  const p: OpenProgress = {
    phase: 'indexing',
    bytesRead: entries,
    totalBytes: 1000,
    layersDone: 0,
    layersTotal: 2,
    entries,
  };
  return { type: 'progress', progress: p };
};
const blob = (key: string): BlobSummary => ({
  key,
  member: `${key}/layer.tar`,
  digest: null,
  compression: 'none',
  storedSize: 10,
  state: 'indexed',
  entries: 5,
  sizeBytes: 10,
  error: null,
});
const archive: ArchiveSummary = {
  format: 'docker-archive',
  name: 'a.tar',
  size: 1000,
  outerCompression: 'none',
  images: [],
  blobs: [],
  layerTree: [],
  warnings: [],
  errors: [],
};

describe('worker events reach the store in small doses', () => {
  let worker: FakeWorker;
  let session: number;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    worker = new FakeWorker();
    setClient(new ExplorerClient(() => worker as unknown as Worker));
    openFile(new Blob([new Uint8Array(1000)]), 'a.tar');
    session = getState().session.id;
  });
  afterEach(async () => {
    // the open archive's event queue outlives the test: let its timer run before the next test's clock
    await vi.runOnlyPendingTimersAsync();
    vi.useRealTimers();
  });

  it('applies only the latest of a burst of progress, and the next at most every 200 ms', async () => {
    for (let i = 1; i <= 10; i++) worker.say(session, progress(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(getState().session.progress?.entries).toBe(10);
    await vi.advanceTimersByTimeAsync(20);
    worker.say(session, progress(11));
    await vi.advanceTimersByTimeAsync(100);
    expect(getState().session.progress?.entries).toBe(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(getState().session.progress?.entries).toBe(11);
  });

  it('applies one event that changes what is shown per task, in order, until the end is queued', async () => {
    const nextTask = () => vi.advanceTimersToNextTimerAsync();
    worker.say(session, { type: 'archive', archive: { ...archive, blobs: [blob('x'), blob('y')] } });
    worker.say(session, { type: 'blob', blob: blob('x'), errors: [] });
    worker.say(session, { type: 'blob', blob: blob('y'), errors: ['y is odd'] });
    await nextTask();
    expect(getState().archive).not.toBeNull();
    expect(getState().blobs.x?.state).toBe('indexed');
    expect(getState().session.phase).toBe('reading');
    await nextTask();
    expect(getState().session.errors).toEqual([]);
    expect(getState().session.phase).toBe('reading');
    // the read is over: the last blob and the end go in one task (one render, not two)
    worker.say(session, { type: 'done', archive, entries: 10, elapsedMs: 5 });
    await nextTask();
    expect(getState().session.phase).toBe('done');
    expect(getState().session.entries).toBe(10);
  });

  it('drops progress held back from before the end', async () => {
    worker.say(session, progress(1));
    await vi.advanceTimersByTimeAsync(0);
    worker.say(session, progress(2));
    worker.say(session, { type: 'done', archive, entries: 2, elapsedMs: 5 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(getState().session.phase).toBe('done');
    expect(getState().session.progress?.entries).toBe(1);
  });
});
