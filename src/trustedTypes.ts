/**
 * Trusted Types (the CSP says `require-trusted-types-for 'script'; trusted-types default`): no string
 * reaches an HTML or script sink (innerHTML, eval, script.src…) unless this policy lets it through,
 * and it lets through nothing but script URLs of this site, for the two workers the app starts (the
 * archive reader, the service worker). HTML and script strings have no policy at all, so archive
 * text can never become markup or code, even through a future mistake. Imported first by main.tsx:
 * the policy must exist before anything starts a worker.
 */

interface TrustedTypePolicyOptions {
  createScriptURL?: (input: string) => string;
}

interface TrustedTypePolicyFactory {
  createPolicy(name: string, options: TrustedTypePolicyOptions): unknown;
}

/** A script URL is allowed when it is of this origin (a relative URL of the built site is). */
export function isOwnScriptUrl(input: string, base: string, origin: string): boolean {
  try {
    return new URL(input, base).origin === origin;
  } catch {
    return false;
  }
}

const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactory }).trustedTypes;
if (factory && typeof document !== 'undefined') {
  factory.createPolicy('default', {
    createScriptURL: (input) => {
      if (isOwnScriptUrl(input, document.baseURI, location.origin)) return input;
      throw new TypeError(`refused to load a script from another site: ${input}`);
    },
  });
}
