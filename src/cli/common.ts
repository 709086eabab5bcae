import type { ImageArchive } from '../core/image/model';
import { familiarReference } from '../core/image/reference';

/** Argument parsing and image selection shared by the commands. */

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

/**
 * `--name value`, `--name=value` and switches; anything after `--` is positional. Returns an
 * error message for unknown or incomplete flags, since a mistyped threshold must not be ignored.
 */
export function parseArgs(
  args: string[],
  valued: readonly string[],
  switches: readonly string[],
): ParsedArgs | string {
  const parsed: ParsedArgs = { positional: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      parsed.positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (valued.includes(name)) {
      const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) return `--${name} needs a value`;
      parsed.values.set(name, value);
    } else if (switches.includes(name) && eq < 0) {
      parsed.switches.add(name);
    } else {
      return `unknown option ${arg}`;
    }
  }
  return parsed;
}

/** Tags as people type them: `app:1` finds `docker.io/library/app:1` and `localhost/app:1`. */
/** A tag as people type it: Docker's short form, and podman's `localhost/` left out too. */
function normalizeTag(tag: string): string {
  return familiarReference(tag).replace(/^localhost\//, '');
}

/** The image an `--image` value names: an index, a tag, or an image id (prefix); or an error. */
export function selectImage(archive: ImageArchive, spec: string | undefined): number | string {
  const count = archive.images.length;
  if (count === 0) return `${archive.name} holds no image`;
  if (spec === undefined) return 0;
  if (/^\d+$/.test(spec)) {
    const index = Number(spec);
    return index < count
      ? index
      : `no image ${index}: ${archive.name} holds ${count} image${count === 1 ? '' : 's'}`;
  }
  const exact = archive.images.findIndex((image) => image.tags.includes(spec));
  if (exact >= 0) return exact;
  const wanted = normalizeTag(spec);
  const byTag = archive.images.findIndex((image) => image.tags.some((tag) => normalizeTag(tag) === wanted));
  if (byTag >= 0) return byTag;
  const id = spec.replace(/^sha256:/, '');
  if (/^[0-9a-f]{6,64}$/.test(id)) {
    const byId = archive.images.findIndex((image) => image.id.replace(/^sha256:/, '').startsWith(id));
    if (byId >= 0) return byId;
  }
  const known = archive.images.map((image, i) => `${i}: ${image.tags.join(', ') || image.id}`).join('; ');
  return `no image ${JSON.stringify(spec)} in ${archive.name} (images: ${known})`;
}

/** Problems with the layers an image view depends on (layers 0..upTo). */
export function layerProblems(archive: ImageArchive, imageIndex: number, upTo: number): string[] {
  const problems: string[] = [];
  for (const layer of archive.images[imageIndex].layers.slice(0, upTo + 1)) {
    const blob = archive.blobs.get(layer.blob);
    if (!blob?.entries)
      problems.push(
        `layer ${layer.index} (${blob?.member || layer.blob}) could not be read${blob?.error ? `: ${blob.error}` : ''}`,
      );
    else if (blob.error)
      problems.push(`layer ${layer.index} (${blob.member}) was read only in part: ${blob.error}`);
  }
  return problems;
}

/**
 * The layer a `--layer` value names (negative counts from the top, -1 the last; absent: the
 * last), or an error message.
 */
export function selectLayer(
  archive: ImageArchive,
  imageIndex: number,
  spec: string | undefined,
): number | string {
  const count = archive.images[imageIndex].layers.length;
  if (spec === undefined) return count - 1;
  if (!/^-?\d+$/.test(spec)) return `--layer must be a layer index, got ${JSON.stringify(spec)}`;
  const layer = Number(spec) < 0 ? count + Number(spec) : Number(spec);
  if (layer < 0 || layer >= count)
    return `no layer ${spec}: the image has ${count} layer${count === 1 ? '' : 's'} (0..${count - 1})`;
  return layer;
}

/**
 * `--image` and `--layer` together, as ls, cat and export take them: the place they name, or what
 * to print before exiting 2 (a bad layer also gets the command's usage).
 */
export function selectPlace(
  archive: ImageArchive,
  values: ReadonlyMap<string, string>,
  usage: string,
): { image: number; layer: number } | string {
  const image = selectImage(archive, values.get('image'));
  if (typeof image === 'string') return `${image}\n`;
  const layer = selectLayer(archive, image, values.get('layer'));
  if (typeof layer === 'string') return `${layer}\n${usage}`;
  return { image, layer };
}
