/**
 * Registers the service worker that keeps the app's own files for offline use (see
 * ./serviceWorker.ts). Only in the built site: the dev server serves sources, not a site to keep.
 * Relative URL and scope, so the site works from any sub-path: the scope is the folder of index.html.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker
      .register(new URL('sw.js', document.baseURI), { scope: './' })
      .catch((error: unknown) => console.warn('Offline use is not available:', error));
  };
  // after the page's own loads, so that installing (which fetches the app's files) competes with nothing
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
