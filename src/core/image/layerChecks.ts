/**
 * What an extractor would do differently from our reading of a layer, found once it is indexed,
 * so that `inspect`, the page and `export` can say so by name instead of cleaning it silently:
 * names that climb out of the root, an opaque marker at the root, hardlinks to entries that come
 * later in the layer, and type flags tar does not define.
 */

import type { AsciiNames } from '../tar/asciiNames';
import type { EntryTable } from '../tar/entryTable';
import { cleanRelative, climbsOutOfRoot } from '../tar/names';

/** Docker's opaque marker, for the root directory. */
const ROOT_OPAQUE_MARKER = '.wh..wh..opq';

/** Entries named per kind of problem in a layer; the rest are counted. */
const NAMED_PER_KIND = 5;

/** Entries of one kind: the first few by name (quoted, as JSON writes them), the rest counted. */
class Finding {
  private readonly labels: string[] = [];
  count = 0;
  add(name: string, detail = ''): void {
    if (this.labels.length < NAMED_PER_KIND) this.labels.push(`${JSON.stringify(name)}${detail}`);
    this.count++;
  }
  get listed(): string {
    const shown = this.labels.join(', ');
    return this.count > this.labels.length ? `${shown} and ${this.count - this.labels.length} more` : shown;
  }
}

const DOT = 0x2e;

/**
 * Whether name i may climb out of the root or be the root's opaque marker: either needs '..' in
 * the name (cleaning never joins dots across a '/'). Checked on the name's bytes, since making a
 * string of every name of a 100k-entry layer to find none was most of this module's time (about
 * 200 ms of reading a 1.5 GB image in Chromium).
 */
function mayClimbOrMarkRoot(names: AsciiNames, i: number): boolean {
  if (names.isOther(i)) return true;
  const bytes = names.arena;
  const end = names.endOf(i);
  for (let k = names.startOf(i) + 1; k < end; k++) if (bytes[k] === DOT && bytes[k - 1] === DOT) return true;
  return false;
}

/** Warnings about `table`, each naming the entries (without the layer: the caller prefixes it). */
export function layerWarnings(table: EntryTable): string[] {
  const climbing = new Finding();
  const rootOpaque = new Finding();
  const forwardLinks = new Finding();
  const unknownTypes = new Finding();
  const hardlinkTargets = new Map<string, number[]>();
  const names = table.nameColumn;
  for (let i = 0; i < table.count; i++) {
    if (mayClimbOrMarkRoot(names, i)) {
      const name = table.name(i);
      if (climbsOutOfRoot(name)) climbing.add(name);
      if (cleanRelative(name) === ROOT_OPAQUE_MARKER) rootOpaque.add(name);
    }
    if (table.type(i) === 'hardlink') {
      const target = cleanRelative(table.linkTarget(i));
      const links = hardlinkTargets.get(target);
      if (links) links.push(i);
      else hardlinkTargets.set(target, [i]);
    }
  }
  for (const [i, flag] of table.unknownTypeFlags) unknownTypes.add(table.name(i), ` (type '${flag}')`);
  if (hardlinkTargets.size > 0) {
    // A link resolves to the target's first entry; one that comes after the link is not there
    // yet when an extractor meets the link, and tar fails on it.
    const firstIndex = new Map<string, number>();
    for (let i = 0; i < table.count; i++) {
      const relative = cleanRelative(table.name(i));
      if (hardlinkTargets.has(relative) && !firstIndex.has(relative)) firstIndex.set(relative, i);
    }
    for (const [target, links] of hardlinkTargets) {
      const first = firstIndex.get(target);
      if (first === undefined) continue;
      for (const link of links) if (first > link) forwardLinks.add(table.name(link));
    }
  }
  const warnings: string[] = [];
  if (climbing.count)
    warnings.push(
      `${climbing.listed}: name${climbing.count === 1 ? '' : 's'} climbing out of the root with "..", which Docker refuses and an extractor skips; shown cleaned (inside the root), and left out of an export`,
    );
  if (rootOpaque.count)
    warnings.push(
      `${rootOpaque.listed}: an opaque marker at the root, which would hide every lower layer; left out of an export of the layer`,
    );
  if (forwardLinks.count)
    warnings.push(
      `${forwardLinks.listed}: a hardlink to an entry that comes later in the layer, which tar cannot extract; resolved here, and written after its target in an export`,
    );
  if (unknownTypes.count)
    warnings.push(
      `${unknownTypes.listed}: an unknown entry type, read as a regular file, as GNU tar extracts it`,
    );
  return warnings;
}
