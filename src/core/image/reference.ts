/**
 * Image references as `docker images` shows them. One image is often named twice in one save —
 * Docker 26 writes `modern-app:latest` in manifest.json and `docker.io/library/modern-app:latest`
 * in the containerd annotation — and both spellings are one name to every tool, so they must be
 * listed once. The rules are Docker's (distribution/reference's `FamiliarString`): the default
 * registry `docker.io` (also written `index.docker.io`) and, on it, the `library/` namespace are
 * left out, and a name without a tag or digest means `:latest`.
 */
const DEFAULT_REGISTRIES = new Set(['docker.io', 'index.docker.io']);

/** The registry part, as Docker decides it: a first component with a dot or a port, or `localhost`. */
function isRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * The short form of a full reference (`[registry/]path[:tag][@digest]`). Anything that does not
 * parse as one is returned unchanged: a tag name is shown as the archive wrote it.
 */
export function familiarReference(reference: string): string {
  const ref = reference.trim();
  if (ref === '' || /\s/.test(ref)) return reference;
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at) : '';
  const nameAndTag = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon) : '';
  if (name === '' || tag === ':') return reference;
  let components = name.split('/');
  if (components.some((c) => c === '')) return reference;
  if (components.length > 1 && isRegistry(components[0])) {
    if (!DEFAULT_REGISTRIES.has(components[0].toLowerCase())) {
      return `${name}${tag || (digest ? '' : ':latest')}${digest}`;
    }
    components = components.slice(1);
  }
  if (components.length === 2 && components[0] === 'library') components = components.slice(1);
  return `${components.join('/')}${tag || (digest ? '' : ':latest')}${digest}`;
}

/**
 * An OCI `org.opencontainers.image.ref.name` is usually just a tag (`latest`, `1`, `b1`), which
 * has no name to normalise; only a value that carries a name (a `/` or a `:`) is a full reference.
 */
export function familiarRefName(refName: string): string {
  return refName.includes('/') || refName.includes(':') ? familiarReference(refName) : refName;
}

/** Adds each name once, by its familiar form, keeping the order in which they were first seen. */
export function addReferences(into: string[], references: Iterable<string>): void {
  for (const reference of references) if (!into.includes(reference)) into.push(reference);
}
