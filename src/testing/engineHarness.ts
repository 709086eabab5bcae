import { analyzeImage } from '../core/analysis';
import { type ByteSource, MemorySource } from '../core/bytes/byteSource';
import { HttpRangeSource } from '../core/bytes/httpSource';
import { buildImageFileSystem } from '../core/fs';
import { openArchive } from '../core/image/open';
import { verifyArchive } from '../core/image/verify';
import type { IndexStore } from '../storage/indexStore';
import { Engine, type EngineDeps } from '../worker/engine';
import {
  type FromWorker,
  PROTOCOL_VERSION,
  type QueryKind,
  type QueryMap,
  type QueryResult,
  type SessionEvent,
  type ToWorker,
} from '../worker/protocol';

/**
 * Test-only: the worker's Engine with the real core behind it, driven by messages as the page
 * drives it: `send` a request, `until` a reply arrives, `ask` a query and get its result.
 */
export interface EngineHarnessOptions {
  /** For `url` sources: the fetch HttpRangeSource uses (a fake server). */
  fetch?: typeof fetch;
  /** Saved indexes: the store the engine writes to and restores from. */
  indexStore?: IndexStore;
  /** The engine's background pass for seek points left for later (EngineDeps.recordSeekPoints). */
  recordSeekPoints?: EngineDeps['recordSeekPoints'];
  /** The hold the page's `hold` messages set (EngineDeps.hold). */
  hold?: EngineDeps['hold'];
}

export function engineHarness(bytes: Uint8Array, options: EngineHarnessOptions = {}) {
  const posted: FromWorker[] = [];
  const waiters: (() => void)[] = [];
  /** How often the engine read an archive (a restored index reads none). */
  const reads = { archives: 0 };
  /** Replaces the bytes of `file` sources from the next open on. */
  let fileSource: ByteSource | null = null;
  const engine = new Engine({
    post: (m) => {
      posted.push(m);
      for (const w of waiters.splice(0)) w();
    },
    makeSource: (spec, hooks) =>
      spec.kind === 'file'
        ? (fileSource ?? new MemorySource(bytes, spec.name))
        : HttpRangeSource.open(spec.url, { ...hooks, fetch: options.fetch }),
    openArchive: (source, hooks) => {
      reads.archives++;
      return openArchive(source, hooks);
    },
    buildFs: (archive, image, pause) => buildImageFileSystem(archive, image, pause),
    analyze: (archive, image) => analyzeImage(archive, image),
    verify: (archive, onProgress, signal) => verifyArchive(archive, onProgress, signal),
    now: () => performance.now(),
    indexStore: options.indexStore,
    recordSeekPoints: options.recordSeekPoints,
    hold: options.hold,
  });
  const send = (m: ToWorker) => engine.handle(m);
  const until = async (pred: (m: FromWorker) => boolean): Promise<FromWorker> => {
    for (;;) {
      const hit = posted.find(pred);
      if (hit) return hit;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  let lastId = 0;
  /** A request id not used before. */
  const nextId = () => ++lastId;
  const ask = async <K extends QueryKind>(
    session: number,
    kind: K,
    args: QueryMap[K]['args'],
  ): Promise<QueryResult<K>> => {
    const id = nextId();
    send({
      v: PROTOCOL_VERSION,
      type: 'query',
      id,
      session,
      query: { kind, args } as Extract<ToWorker, { type: 'query' }>['query'],
    });
    const reply = await until((m) => m.type === 'result' && m.id === id);
    if (reply.type !== 'result') throw new Error('unexpected');
    if (!reply.ok) throw new Error(reply.error);
    return reply.result as QueryResult<K>;
  };
  const events = (session: number): SessionEvent['type'][] =>
    posted.filter((m) => 'session' in m && m.session === session).map((m) => m.type as SessionEvent['type']);
  const setFileSource = (source: ByteSource) => {
    fileSource = source;
  };
  return { posted, send, until, ask, events, nextId, reads, setFileSource, file: new Blob([]) };
}
