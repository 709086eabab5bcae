/**
 * The address bar and the store kept in step: the hash holds the archive's address and the place
 * in it, so the address bar is the link to share; a link opened or edited goes to its place.
 */
import { getClient } from './client';
import { compareLinkOf, compareStore } from './compare';
import { archiveUrl, type DeepLink, formatHash, isEmptyLink, parseHash } from './hash';
import { ALL_CHANGES, type ExplorerState, getState, setState, store, type ViewState } from './index';
import { installLoaders } from './loaders';
import { openSample, openUrl } from './opening';
import { placeSelection } from './placement';

function currentLink(): DeepLink {
  return typeof location === 'undefined' ? {} : parseHash(location.hash);
}

/** The hash for the state shown: which archive, the place in it, and how the Files tree is filtered. */
export function linkOf(s: ExplorerState): DeepLink {
  if (!s.archive) return s.pendingLink ?? {};
  const link: DeepLink = {};
  if (s.session.url) link.url = s.session.url;
  else if (s.session.sample) link.sample = true;
  else if (s.session.name) {
    link.file = s.session.name;
    if (s.session.size > 0) link.size = s.session.size;
  }
  link.image = s.selection.image;
  link.layer = s.selection.layer;
  link.mode = s.view.mode;
  const v = s.view;
  if (!(v.changes.added && v.changes.modified && v.changes.removed && v.changes.unmodified))
    link.changes = v.changes;
  if (v.filter) {
    link.filter = v.filter;
    if (v.regex) link.regex = true;
  }
  if (v.sort !== 'name') link.sort = v.sort;
  if (s.selection.path) link.path = s.selection.path;
  Object.assign(link, compareLinkOf());
  return link;
}

/** The Files tree's settings a link carries; what it leaves out goes back to the default. */
export function viewOfLink(view: ViewState, link: DeepLink): ViewState {
  const next: ViewState = {
    ...view,
    changes: link.changes ? { ...link.changes } : { ...ALL_CHANGES },
    filter: link.filter ?? '',
    regex: link.regex ?? false,
    sort: link.sort ?? 'name',
  };
  if (link.mode) next.mode = link.mode;
  // a filtered link opens the tree so that its matches show, as typing the filter does
  if (next.filter && !view.filter)
    next.expansion = { changes: { expandAll: true, toggled: [] }, merged: { expandAll: true, toggled: [] } };
  return next;
}

function applyLink(link: DeepLink): void {
  setState((s) => ({ view: viewOfLink(s.view, link) }));
  const s = getState();
  if (link.sample && !s.session.sample) {
    setState({ pendingLink: link });
    void openSample();
    return;
  }
  if (link.url && link.url !== s.session.url) {
    // a link to another remote archive: open it, then go to the place
    setState({ pendingLink: link });
    openUrl(link.url);
    return;
  }
  if (!s.archive) {
    setState({ pendingLink: link });
    return;
  }
  setState({ pendingLink: link });
  placeSelection();
}

let installed = false;

/** Wires the store to the address bar and the worker-backed queries. Call once from the entry. */
export function installSync(): void {
  if (installed) return;
  installed = true;
  const initial = currentLink();
  // ?url=<address> opens a remote archive. The address moves into the hash, where the place in it
  // is kept too, so that the address bar is the link to share (and opening a local file later
  // does not leave a stale ?url= behind for the next reload).
  const search = new URLSearchParams(location.search);
  const asked = search.get('url');
  const fromQuery = archiveUrl(asked, document.baseURI);
  if (fromQuery) {
    initial.url = fromQuery;
    search.delete('url');
    const rest = search.toString();
    history.replaceState(
      history.state,
      '',
      `${location.pathname}${rest ? `?${rest}` : ''}${formatHash(initial)}`,
    );
  }
  if (!isEmptyLink(initial)) setState({ pendingLink: initial, view: viewOfLink(getState().view, initial) });

  let lastHash = location.hash;
  store.subscribe((s, prev) => {
    if (s.archive && (s.selection !== prev.selection || s.view !== prev.view || s.archive !== prev.archive)) {
      const hash = formatHash(linkOf(s));
      if (hash !== lastHash && hash !== location.hash) {
        lastHash = hash;
        history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
      }
    }
  });
  compareStore.subscribe(() => {
    const s = getState();
    if (!s.archive) return;
    const hash = formatHash(linkOf(s));
    if (hash !== lastHash && hash !== location.hash) {
      lastHash = hash;
      history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
    }
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === lastHash) return;
    lastHash = location.hash;
    applyLink(parseHash(location.hash));
  });
  installLoaders();
  getClient().warm();
  if (initial.url) openUrl(initial.url);
  else if (asked)
    openUrl(asked); // not an http(s) address: openUrl says so
  else if (initial.sample) void openSample();
}
