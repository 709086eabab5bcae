import { parseArgs as nodeParseArgs } from 'node:util';
import type { ImageArchive } from '../core/image/model';
import { familiarReference } from '../core/image/reference';
import type { CliIo } from './io';

/** Argument parsing and image selection shared by the commands. */

export interface ParsedArgs {
  positional: string[];
  /** The last value of each valued option given. */
  values: Map<string, string>;
  switches: Set<string>;
  /** Every value of each valued option, in order, for options that may be repeated (`--exclude`). */
  repeated: Map<string, string[]>;
}

/** A value that starts with a dash but is no option: a negative number (`--layer -1`), or `-` (stdout). */
const DASH_VALUE = /^-(\d|$)/;

/**
 * `--name value`, `--name=value` and switches; anything after `--` is positional. Returns an
 * error message for unknown or incomplete flags, since a mistyped threshold must not be ignored.
 * Node's own `util.parseArgs` (strict) does the parsing: it costs nothing to load, and its rules
 * are the ones Node's users know.
 */
export function parseArgs(
  args: string[],
  valued: readonly string[],
  switches: readonly string[],
): ParsedArgs | string {
  const options: Record<string, { type: 'string'; multiple: true } | { type: 'boolean' }> = {};
  for (const name of valued) options[name] = { type: 'string', multiple: true };
  for (const name of switches) options[name] = { type: 'boolean' };
  // util.parseArgs refuses `--layer -1` as ambiguous: a value that cannot be an option is joined to it.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (
      arg.startsWith('--') &&
      valued.includes(arg.slice(2)) &&
      next !== undefined &&
      DASH_VALUE.test(next)
    ) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  let result: ReturnType<typeof nodeParseArgs>;
  try {
    result = nodeParseArgs({ args: joined, options, strict: true, allowPositionals: true });
  } catch (error) {
    return argumentError(error, valued);
  }
  const parsed: ParsedArgs = {
    positional: result.positionals,
    values: new Map(),
    switches: new Set(),
    repeated: new Map(),
  };
  for (const [name, value] of Object.entries(result.values)) {
    if (Array.isArray(value)) {
      const strings = value.filter((v): v is string => typeof v === 'string');
      parsed.repeated.set(name, strings);
      parsed.values.set(name, strings[strings.length - 1]);
    } else if (value === true) {
      parsed.switches.add(name);
    }
  }
  return parsed;
}

/** util.parseArgs's error, said in our words: which option, and what is wrong with it. */
function argumentError(error: unknown, valued: readonly string[]): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = option.replace(/^--?/, '');
    if (valued.includes(name)) return `--${name} needs a value`;
    return `${option} takes no value`;
  }
  return message;
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

/**
 * `<archive> [--image <tag|index>] [--json]`, as packages and secrets take them: the archive opened
 * and the image chosen, or the exit code after saying why (2: bad arguments or no such image).
 */
export async function openOneImage(
  args: string[],
  io: CliIo,
  usage: string,
  /** Valued options the command takes besides `--image` (`format`). */
  valued: readonly string[] = [],
  /** Checks those options before the archive is opened: an error message, or null. */
  check: (values: Map<string, string>) => string | null = () => null,
): Promise<
  | { path: string; archive: ImageArchive; imageIndex: number; json: boolean; values: Map<string, string> }
  | number
> {
  const parsed = parseArgs(args, ['image', ...valued], ['json']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${usage}`);
    return 2;
  }
  const problem = check(parsed.values);
  if (problem) {
    io.stderr(`${problem}\n${usage}`);
    return 2;
  }
  const [path] = parsed.positional;
  const archive = await io.openArchive(path);
  const imageIndex = selectImage(archive, parsed.values.get('image'));
  if (typeof imageIndex === 'string') {
    io.stderr(`${imageIndex}\n`);
    return 2;
  }
  return { path, archive, imageIndex, json: parsed.switches.has('json'), values: parsed.values };
}
