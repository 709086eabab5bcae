/**
 * The address bar and the store kept in step: the hash holds the archive's address and the place
 * in it, so the address bar is the link to share; a link opened or edited goes to its place.
 */
import { getClient } from './client';
import { archiveUrl, type DeepLink, formatHash, isEmptyLink, parseHash } from './hash';
import { type ExplorerState, getState, setState, store } from './index';
import { installLoaders } from './loaders';
import { openUrl } from './opening';
import { placeSelection } from './placement';

function currentLink(): DeepLink {
  return typeof location === 'undefined' ? {} : parseHash(location.hash);
}

function linkOf(s: ExplorerState): DeepLink {
  if (!s.archive) return s.pendingLink ?? {};
  const link: DeepLink = { image: s.selection.image, layer: s.selection.layer, mode: s.view.mode };
  if (s.session.url) link.url = s.session.url;
  if (s.selection.path) link.path = s.selection.path;
  return link;
}

function applyLink(link: DeepLink): void {
  const s = getState();
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
  if (!isEmptyLink(initial)) setState({ pendingLink: initial });

  let lastHash = location.hash;
  store.subscribe((s, prev) => {
    if (
      s.archive &&
      (s.selection !== prev.selection || s.view.mode !== prev.view.mode || s.archive !== prev.archive)
    ) {
      const hash = formatHash(linkOf(s));
      if (hash !== lastHash && hash !== location.hash) {
        lastHash = hash;
        history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
      }
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
  else if (asked) openUrl(asked); // not an http(s) address: openUrl says so
}
