/**
 * The one worker client the page talks through, made on first use so that tests can put one over
 * a fake worker in its place before anything opens an archive.
 */
import { ExplorerClient, StaleSessionError } from '../worker/client';
import type { QueryArgs, QueryKind, QueryResult } from '../worker/protocol';

let client: ExplorerClient | null = null;

export function getClient(): ExplorerClient {
  if (!client) client = new ExplorerClient();
  return client;
}

/** For tests: use another client (e.g. one over a fake worker). */
export function setClient(next: ExplorerClient): void {
  client?.dispose();
  client = next;
}

export function query<K extends QueryKind>(kind: K, args: QueryArgs<K>): Promise<QueryResult<K>> {
  return getClient().query(kind, args);
}

/** True for a query that was about an archive since replaced: its answer no longer matters to anyone. */
export function isStale(error: unknown): boolean {
  return error instanceof StaleSessionError;
}
