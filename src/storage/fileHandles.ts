/**
 * File handles kept between visits, so a link can reopen a local archive after the browser asks
 * for permission: IndexedDB holds FileSystemFileHandles (they are structured-cloneable; only the
 * browser can read through them, and only once the person allows it). Keyed by archive key
 * (core/persist/archiveKey.ts): a handle is only ever used for the archive a link names.
 */

export interface RememberedHandle {
  key: string;
  name: string;
  size: number;
  handle: FileSystemFileHandle;
  savedAt: number;
}

/** Beyond this many, the oldest handles are forgotten. */
export const MAX_HANDLES = 32;
const DB_NAME = 'file-handles';
const STORE = 'handles';

export function handlesAvailable(): boolean {
  return typeof indexedDB !== 'undefined';
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

let opened: Promise<IDBDatabase> | null = null;
function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  }).catch((error: unknown) => {
    opened = null;
    throw error;
  });
  return opened;
}

/** Keeps a handle under its archive key (replacing one kept before), the oldest forgotten past MAX_HANDLES. */
export async function rememberHandle(entry: Omit<RememberedHandle, 'savedAt'>): Promise<void> {
  const db = await database();
  const all = await request(
    db.transaction(STORE).objectStore(STORE).getAll() as IDBRequest<RememberedHandle[]>,
  );
  const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
  const others = all.filter((h) => h.key !== entry.key).sort((a, b) => a.savedAt - b.savedAt);
  for (const old of others.slice(0, Math.max(0, others.length + 1 - MAX_HANDLES))) store.delete(old.key);
  await request(store.put({ ...entry, savedAt: Date.now() } satisfies RememberedHandle));
}

/** The handle kept for an archive key; null when there is none (or no IndexedDB). */
export async function handleFor(key: string): Promise<RememberedHandle | null> {
  if (!handlesAvailable()) return null;
  try {
    const db = await database();
    const found = await request(db.transaction(STORE).objectStore(STORE).get(key));
    return (found as RememberedHandle | undefined) ?? null;
  } catch {
    return null;
  }
}
