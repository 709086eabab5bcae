import { describe, expect, it } from 'vitest';
import { addReferences, familiarReference, familiarRefName } from './reference';

describe('familiarReference', () => {
  it.each([
    ['docker.io/library/modern-app:latest', 'modern-app:latest'],
    ['modern-app:latest', 'modern-app:latest'],
    ['modern-app', 'modern-app:latest'],
    ['library/nginx', 'nginx:latest'],
    ['index.docker.io/library/nginx:1.27', 'nginx:1.27'],
    ['docker.io/bitnami/redis:7', 'bitnami/redis:7'],
    ['docker.io/library/a/b:1', 'library/a/b:1'],
    ['localhost/app:1', 'localhost/app:1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['ghcr.io/org/tool:v2', 'ghcr.io/org/tool:v2'],
    [`docker.io/library/app@sha256:${'a'.repeat(64)}`, `app@sha256:${'a'.repeat(64)}`],
    [`app:2@sha256:${'b'.repeat(64)}`, `app:2@sha256:${'b'.repeat(64)}`],
  ])('%s is shown as %s', (reference, familiar) => {
    expect(familiarReference(reference)).toBe(familiar);
  });

  it('leaves what is not a reference as it was', () => {
    for (const odd of ['', 'two words', 'a//b', 'x:', '/lead']) expect(familiarReference(odd)).toBe(odd);
  });

  it('treats an OCI ref name without a name as a tag', () => {
    expect(familiarRefName('latest')).toBe('latest');
    expect(familiarRefName('b1')).toBe('b1');
    expect(familiarRefName('docker.io/library/app:2')).toBe('app:2');
  });

  it('lists each name once, in the order first seen', () => {
    const tags = ['modern-app:2'];
    addReferences(tags, ['modern-app:latest', 'modern-app:2', 'modern-app:latest'].map(familiarReference));
    expect(tags).toEqual(['modern-app:2', 'modern-app:latest']);
  });
});
