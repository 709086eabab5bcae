/** What each of the worker's events about the open archive does to the store. */
import type { ArchiveSummary, SessionEvent } from '../worker/protocol';
import { keepHandedIndex } from './handedIndex';
import { type ExplorerState, getState, setState } from './index';
import { loadStats } from './loaders';
import { placeSelection } from './placement';

function elapsed(s: ExplorerState): number {
  return performance.now() - s.session.startedAt;
}

function applyArchive(archive: ArchiveSummary): Partial<ExplorerState> {
  const blobs: ExplorerState['blobs'] = {};
  for (const b of archive.blobs) blobs[b.key] = b;
  // Images and the layer tree do not change once known: keep their identity so that nothing
  // that depends on them (the tree layout above all) is recomputed when the last layer lands.
  const prev = getState().archive;
  if (
    prev &&
    prev.images.length === archive.images.length &&
    prev.layerTree.length === archive.layerTree.length
  ) {
    return { archive: { ...archive, images: prev.images, layerTree: prev.layerTree }, blobs };
  }
  return { archive, blobs };
}

/** Applies one event of session `id`; events of an archive since replaced are dropped. */
export function applyEvent(id: number, event: SessionEvent): void {
  const s = getState();
  if (s.session.id !== id) return;
  switch (event.type) {
    case 'progress':
      setState({ session: { ...s.session, progress: event.progress } });
      break;
    case 'download':
      setState({ session: { ...s.session, download: { received: event.received, total: event.total } } });
      break;
    case 'verifyProgress':
      if (s.verify?.phase === 'running') setState({ verify: { ...s.verify, progress: event.progress } });
      break;
    case 'archive': {
      setState({
        ...applyArchive(event.archive),
        session: {
          ...s.session,
          size: event.archive.size,
          errors: event.archive.errors,
          warnings: event.archive.warnings,
        },
      });
      placeSelection();
      break;
    }
    case 'blob':
      setState({
        blobs: { ...s.blobs, [event.blob.key]: event.blob },
        session: { ...s.session, errors: event.errors },
      });
      break;
    case 'imageReady':
      setState({ ready: { ...s.ready, [event.image]: true } });
      if (event.image === s.selection.image) void loadStats(event.image);
      break;
    case 'imageStats':
      setState({ stats: { ...s.stats, [event.stats.image]: event.stats } });
      break;
    case 'indexReady':
      keepHandedIndex(id, event.bytes);
      break;
    case 'done':
      setState({
        ...applyArchive(event.archive),
        session: {
          ...s.session,
          size: event.archive.size,
          phase: 'done',
          entries: event.entries,
          elapsedMs: elapsed(s),
          workerMs: event.elapsedMs,
          fromSavedIndex: event.fromSavedIndex === true,
          savedIndexKey: event.savedIndexKey ?? null,
          errors: event.archive.errors,
          warnings: event.archive.warnings,
        },
      });
      if (!getState().archive?.images.length) placeSelection();
      break;
    case 'failed':
    case 'cancelled':
      setState({
        ...(event.archive ? applyArchive(event.archive) : {}),
        session: {
          ...s.session,
          phase: event.type,
          entries: event.entries,
          elapsedMs: elapsed(s),
          errors: event.archive?.errors ?? s.session.errors,
          fatal: event.type === 'failed' ? event.message : null,
        },
      });
      break;
  }
}
