/// <reference lib="webworker" />
/**
 * The service worker: after the first visit the app opens offline. It keeps exactly the files of
 * the built site (index.html, scripts, styles, the archive worker, the favicon), listed at build
 * time by vite.config.ts, which also fills in the build's content hash so that each deploy installs
 * afresh and drops the files of the previous one.
 *
 * It never stores or answers for anything else: not archives (the built-in sample included, nor a
 * same-site file), not ?url= targets, not other sites, not Range requests. Those go to the network
 * as if there were no service worker. Pages are fetched from the network first (a deploy shows at
 * once) and come from the cache only when the network fails.
 *
 * Built on its own (no imports): vite.config.ts strips the types and writes dist/sw.js.
 */
export {};

declare const self: ServiceWorkerGlobalScope;
declare const __ILX_PRECACHE__: string[];
declare const __ILX_BUILD__: string;

const PREFIX = 'ilx-shell-';
const CACHE = PREFIX + __ILX_BUILD__;
const scope = new URL(self.registration.scope);
/** Absolute URLs of the app's files, without query or fragment. */
const FILES = new Set(__ILX_PRECACHE__.map((file) => new URL(file, scope).href));
const INDEX = new URL('index.html', scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // past the HTTP cache: these are the files of this build, not whatever was cached before
      await cache.addAll([...FILES].map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

/** The page itself: the scope's folder or its index.html, whatever the query (?url=…) and hash. */
function isPage(url: URL): boolean {
  const bare = url.origin + url.pathname;
  return bare === scope.href || bare === INDEX;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return;
  if (request.mode === 'navigate') {
    if (!isPage(url)) return;
    event.respondWith(
      fetch(request).catch(async (error: unknown) => {
        const cached = await caches.match(INDEX, { cacheName: CACHE });
        if (cached) return cached;
        throw error;
      }),
    );
    return;
  }
  const bare = url.origin + url.pathname;
  if (!FILES.has(bare)) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(bare, { cacheName: CACHE });
      return cached ?? fetch(request);
    })(),
  );
});
