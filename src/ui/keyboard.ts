/**
 * Every key the app answers, in one list: the Keyboard shortcuts dialog shows it, and the keys
 * that work anywhere on the page are handled here (each panel handles its own keys while it has
 * focus). A panel that learns a key adds it to SHORTCUTS.
 */
import { useEffect } from 'react';
import { requestPane } from '../store';

/** The search box's element id, for the shortcut that focuses it. */
export const SEARCH_INPUT_ID = 'search-input';

export interface Shortcut {
  /** Each key as shown, e.g. ['Ctrl', 'K']; alternatives in `or`. */
  keys: string[];
  or?: string[][];
  does: string;
}

export interface ShortcutGroup {
  where: string;
  keys: Shortcut[];
}

export const SHORTCUTS: ShortcutGroup[] = [
  {
    where: 'Anywhere',
    keys: [
      { keys: ['?'], does: 'Show these keyboard shortcuts' },
      { keys: ['Ctrl', 'K'], or: [['⌘', 'K']], does: 'Search every layer of every image' },
      { keys: ['/'], does: 'Filter the paths in Files' },
      {
        keys: ['Tab'],
        does: 'From Layers: straight to Files (the search and the Files toolbar between them: Ctrl+K or /, then Tab)',
      },
      { keys: ['Shift', 'Tab'], does: 'From Files: back to Layers' },
      { keys: ['Esc'], does: 'Close this dialog (focus goes back where it was)' },
    ],
  },
  {
    where: 'Layers',
    keys: [
      { keys: ['↑'], or: [['↓']], does: 'Previous or next layer' },
      { keys: ['Home'], or: [['End']], does: 'First or last layer' },
      { keys: ['Page Up'], or: [['Page Down']], does: 'Eight layers up or down' },
    ],
  },
  {
    where: 'Layer tree',
    keys: [
      { keys: ['↑'], or: [['↓']], does: 'Previous or next node' },
      { keys: ['←'], or: [['→']], does: 'Parent or first child' },
      { keys: ['Home'], or: [['End']], does: 'First or last node' },
      { keys: ['Enter'], or: [['Space']], does: 'Select the layer' },
      { keys: ['+'], or: [['−']], does: 'Zoom in or out' },
    ],
  },
  {
    where: 'Files',
    keys: [
      { keys: ['↑'], or: [['↓']], does: 'Previous or next row' },
      { keys: ['Page Up'], or: [['Page Down']], does: 'A page up or down' },
      { keys: ['Home'], or: [['End']], does: 'First or last row' },
      { keys: ['→'], does: 'Open a folder, or go to its first entry' },
      { keys: ['←'], does: 'Close a folder, or go to its parent' },
      { keys: ['Space'], or: [['Enter']], does: 'Open or close a folder; select a file' },
    ],
  },
  {
    where: 'Filter paths',
    keys: [
      { keys: ['↓'], or: [['Enter']], does: 'Into the Files tree' },
      { keys: ['Esc'], does: 'Clear the filter; again: back to the tree' },
    ],
  },
  {
    where: 'Search',
    keys: [
      { keys: ['Enter'], does: 'Search now (typing searches after a short pause)' },
      { keys: ['↓'], does: 'Into the hits' },
      { keys: ['↑'], or: [['↓']], does: 'Previous or next hit; up from the first goes back to the box' },
      { keys: ['Home'], or: [['End']], does: 'First or last hit' },
      { keys: ['Enter'], does: 'Go to the hit: its image, layer and path' },
      { keys: ['Esc'], does: 'In the box: clear it; in the hits: back to the box' },
    ],
  },
  {
    where: 'Size map',
    keys: [{ keys: ['Enter'], or: [['Space']], does: 'Open a folder, or select a file' }],
  },
];

const TEXT_INPUTS = new Set(['text', 'search', 'url', 'email', 'number', 'password', 'tel']);

/** Whether keys typed now are text (a character shortcut must not steal them). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && TEXT_INPUTS.has((el as HTMLInputElement).type);
}

/** The main panes, found by their page contracts (role and name). */
export function layersPane(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[role="listbox"][aria-label="Layers"]');
}

export function filesPane(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[role="tree"][aria-label="Files"]');
}

function focusable(el: HTMLElement | null): el is HTMLElement {
  return !!el && el.getClientRects().length > 0 && !(el as HTMLInputElement).disabled;
}

type PaneName = 'layers' | 'files' | 'summary';

/**
 * Focuses what `find` names. On a narrow screen it may sit in a pane that is not shown: the pane
 * is asked for, and the focus follows once it has been drawn. False when there is no such element.
 */
function focusInPane(
  pane: PaneName,
  find: () => HTMLElement | null,
  then?: (el: HTMLElement) => void,
): boolean {
  const el = find();
  if (!el || (el as HTMLInputElement).disabled) return false;
  if (focusable(el)) {
    el.focus();
    then?.(el);
    return true;
  }
  requestPane(pane);
  // The pane is drawn a frame or more later (longer on a busy machine): try each frame for a second.
  let frames = 0;
  const attempt = () => {
    const shown = find();
    if (focusable(shown)) {
      shown.focus();
      then?.(shown);
    } else if (++frames < 60) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
  return true;
}

/** What a key pressed anywhere does; false when it is not a page-wide key (or not now). */
export function runGlobalKey(e: KeyboardEvent, openHelp: () => void): boolean {
  if (e.defaultPrevented || e.altKey) return false;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.shiftKey && e.key.toLowerCase() === 'k') {
    return focusInPane(
      'files',
      () => document.getElementById(SEARCH_INPUT_ID),
      (input) => (input as HTMLInputElement).select(),
    );
  }
  if (mod) return false;
  if (e.key === 'Tab') {
    const target = e.target as HTMLElement | null;
    if (!e.shiftKey && target === layersPane()) return focusInPane('files', filesPane);
    if (e.shiftKey && target === filesPane()) return focusInPane('layers', layersPane);
    return false;
  }
  if (isTyping(e.target)) return false;
  if (e.key === '?') {
    openHelp();
    return true;
  }
  if (e.key === '/') return focusInPane('files', () => document.getElementById('file-filter'));
  return false;
}

/** Installs the page-wide keys while the component using it is mounted. */
export function useGlobalKeys(openHelp: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (runGlobalKey(e, openHelp)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openHelp]);
}
