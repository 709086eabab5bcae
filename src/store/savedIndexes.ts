/**
 * "Remember indexes on this device": the setting (kept in localStorage, on by default) and the
 * worker requests that list and forget the saved indexes (src/storage, written by the worker).
 */
import type { StoredIndex } from '../worker/protocol';
import { getClient } from './client';

const SETTING_KEY = 'image-layer-explorer.rememberIndexes';

export function rememberIndexes(): boolean {
  try {
    return localStorage.getItem(SETTING_KEY) !== 'off';
  } catch {
    return true; // storage blocked: the worker's store then fails quietly and nothing is kept
  }
}

export function setRememberIndexes(on: boolean): void {
  try {
    localStorage.setItem(SETTING_KEY, on ? 'on' : 'off');
  } catch {
    // a page without storage cannot keep the choice; it stays for this visit only
  }
}

export function listSavedIndexes(): Promise<StoredIndex[]> {
  return getClient().savedIndexes({ action: 'list' });
}

/** Forgets one archive's saved index (or every one, key null); what is left. */
export function forgetSavedIndexes(key: string | null): Promise<StoredIndex[]> {
  return getClient().savedIndexes({ action: 'forget', key });
}
