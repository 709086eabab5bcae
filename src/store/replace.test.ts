import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExplorerClient } from '../worker/client';
import type { ArchiveSummary, ImageSummary, SessionEvent } from '../worker/protocol';
import { PROTOCOL_VERSION } from '../worker/protocol';
import { setClient } from './client';
import { getState, initialState, setState } from './index';
import { cancelIncoming, openFile } from './opening';

/** A worker per open, as the real client makes them; each remembers whether it was ended. */
class FakeWorker {
  terminated = false;
  opened: number | null = null;
  private listeners: ((event: { data: unknown }) => void)[] = [];
  addEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    if (type === 'message') this.listeners.push(listener);
  }
  postMessage(message: { type: string; session?: number }): void {
    if (message.type === 'open') this.opened = message.session ?? null;
  }
  terminate(): void {
    this.terminated = true;
  }
  say(event: SessionEvent): void {
    for (const l of this.listeners) l({ data: { v: PROTOCOL_VERSION, session: this.opened, ...event } });
  }
}

const image = { id: 'sha256:1', tags: ['app:1'], layers: [{}] } as unknown as ImageSummary;
const archiveOf = (name: string, images: ImageSummary[]): ArchiveSummary => ({
  format: 'docker-archive',
  name,
  size: 10,
  outerCompression: 'none',
  images,
  blobs: [],
  layerTree: [],
  warnings: [],
  errors: [],
});

describe('opening another archive while one is shown', () => {
  let workers: FakeWorker[];
  const open = async (name: string) => {
    openFile(new Blob([new Uint8Array(10)]), name);
    await vi.advanceTimersByTimeAsync(0);
    return workers.find(
      (w) =>
        w.opened !== null && !w.terminated && w.opened === Math.max(...workers.map((x) => x.opened ?? 0)),
    ) as FakeWorker;
  };
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    setState(initialState());
    workers = [];
    setClient(
      new ExplorerClient(() => {
        const w = new FakeWorker();
        workers.push(w);
        return w as unknown as Worker;
      }),
    );
    const first = await open('good.tar');
    first.say({ type: 'archive', archive: archiveOf('good.tar', [image]) });
    first.say({ type: 'done', archive: archiveOf('good.tar', [image]), entries: 3, elapsedMs: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(getState().session.phase).toBe('done');
  });
  afterEach(async () => {
    await vi.runOnlyPendingTimersAsync();
    vi.useRealTimers();
  });

  it('keeps the shown archive when the new file is not one, and says why', async () => {
    const shown = getState().archive;
    const firstWorker = workers.find((w) => w.opened !== null) as FakeWorker;
    const bad = await open('notes.txt');
    expect(getState().incoming?.name).toBe('notes.txt');
    bad.say({ type: 'failed', message: 'not a tar archive', archive: null, entries: 0 });
    await vi.advanceTimersByTimeAsync(10);
    expect(getState().archive).toBe(shown);
    expect(getState().session.name).toBe('good.tar');
    expect(getState().session.phase).toBe('done');
    expect(getState().incoming).toBeNull();
    expect(getState().openError).toMatchObject({
      name: 'notes.txt',
      message: 'not a tar archive',
      kept: 'good.tar',
    });
    expect(firstWorker.terminated).toBe(false);
    expect(bad.terminated).toBe(true);
  });

  it('replaces it once the new archive has images', async () => {
    const firstWorker = workers.find((w) => w.opened !== null) as FakeWorker;
    const next = await open('next.tar');
    next.say({ type: 'archive', archive: archiveOf('next.tar', [image, image]) });
    await vi.advanceTimersByTimeAsync(10);
    expect(getState().session.name).toBe('next.tar');
    expect(getState().archive?.images.length).toBe(2);
    expect(getState().incoming).toBeNull();
    expect(firstWorker.terminated).toBe(true);
  });

  it('an archive without images does not replace it either, and Cancel stops the new one', async () => {
    const empty = await open('empty.tar');
    empty.say({ type: 'done', archive: archiveOf('empty.tar', []), entries: 0, elapsedMs: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(getState().session.name).toBe('good.tar');
    expect(getState().openError?.message).toMatch(/no image/);
    const slow = await open('slow.tar');
    expect(getState().openError).toBeNull();
    cancelIncoming();
    await vi.advanceTimersByTimeAsync(10);
    expect(slow.terminated).toBe(true);
    expect(getState().incoming).toBeNull();
    expect(getState().openError).toBeNull();
    expect(getState().session.name).toBe('good.tar');
  });
});
