/** Which package owns a file, and back: the lookup behind "selecting a file shows its package". */
import type { ImagePackage } from './types';

export class PackageOwnership {
  private readonly byPath = new Map<string, number[]>();
  /** npm packages own what is below their directory; longest root first. */
  private readonly roots: { root: string; id: number }[] = [];

  constructor(packages: readonly ImagePackage[]) {
    for (const pkg of packages) {
      for (const file of pkg.files) {
        const owners = this.byPath.get(file);
        if (owners) {
          if (!owners.includes(pkg.id)) owners.push(pkg.id);
        } else this.byPath.set(file, [pkg.id]);
      }
      if (pkg.root) this.roots.push({ root: pkg.root, id: pkg.id });
    }
    this.roots.sort((a, b) => b.root.length - a.root.length);
  }

  /** Ids of the packages that list `path` (several for a shared directory), or whose directory holds it. */
  owners(path: string): number[] {
    const listed = this.byPath.get(path);
    if (listed) return listed;
    for (const { root, id } of this.roots) {
      if (path === root || path.startsWith(`${root}/`)) {
        // A nested node_modules belongs to the packages inside it, not to the one above.
        const rest = path.slice(root.length);
        if (!rest.includes('/node_modules/')) return [id];
      }
    }
    return [];
  }
}
