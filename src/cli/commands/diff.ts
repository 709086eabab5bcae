import {
  type ConfigDifference,
  compareImageMetadata,
  openSides,
  type PathComparison,
  type PathState,
  TreeComparison,
} from '../../core/compare';
import type { ImageArchive } from '../../core/image/model';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { layerProblems, parseArgs, selectImage, selectLayer } from '../common';
import type { CliIo } from '../io';
import { formatBytes } from './inspect';

const USAGE =
  'usage: diff <archiveA> <archiveB> [--image-a <tag|index>] [--image-b <tag|index>] [--layer-a <n>] [--layer-b <n>] [--include-times] [--exclude <glob>]... [--json]\n';
/** Lines handed to stdout at once. */
const LINES_PER_WRITE = 2000;

interface SidePlace {
  archivePath: string;
  archive: ImageArchive;
  image: number;
  layer: number;
}

/**
 * Compares two merged filesystems (two images or two layers, of one archive or two) and their
 * configs, layers and histories. Exit 0 when nothing differs, 1 when something does, 2 when an
 * archive or a layer the comparison needs could not be read, as diff(1) and cmp do.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { globs, rest } = takeRepeated(args, 'exclude');
  const parsed = parseArgs(rest, ['image-a', 'image-b', 'layer-a', 'layer-b'], ['include-times', 'json']);
  if (typeof parsed === 'string' || parsed.positional.length !== 2 || globs.includes('')) {
    const why = typeof parsed === 'string' ? parsed : globs.includes('') ? '--exclude needs a glob' : '';
    io.stderr(`${why ? `${why}\n` : ''}${USAGE}`);
    return 2;
  }
  const [pathA, pathB] = parsed.positional;
  const archiveA = await io.openArchive(pathA);
  // The same path twice is one archive: its shared layer blobs are then the same bytes.
  const archiveB = pathB === pathA ? archiveA : await io.openArchive(pathB);
  const places: SidePlace[] = [];
  for (const [which, archivePath, archive] of [
    ['a', pathA, archiveA],
    ['b', pathB, archiveB],
  ] as const) {
    const image = selectImage(archive, parsed.values.get(`image-${which}`));
    if (typeof image === 'string') {
      io.stderr(`${image}\n`);
      return 2;
    }
    const layer = selectLayer(archive, image, parsed.values.get(`layer-${which}`));
    if (typeof layer === 'string') {
      io.stderr(`${layer.replace('--layer', `--layer-${which}`)}\n${USAGE}`);
      return 2;
    }
    places.push({ archivePath, archive, image, layer });
  }
  const [placeA, placeB] = places;
  const whereA = { archive: placeA.archive, imageIndex: placeA.image, layer: placeA.layer };
  const whereB = { archive: placeB.archive, imageIndex: placeB.image, layer: placeB.layer };
  const [sideA, sideB] = await openSides(whereA, whereB);
  const comparison = new TreeComparison(sideA, sideB, {
    includeTimes: parsed.switches.has('include-times'),
    exclude: globs,
  });
  const meta = compareImageMetadata(whereA, whereB);
  const json = parsed.switches.has('json');

  let lines: string[] = [];
  const flush = (force = false) => {
    if (lines.length > 0 && (force || lines.length >= LINES_PER_WRITE)) {
      io.stdout(`${lines.join(json ? ',\n' : '\n')}${json ? '' : '\n'}`);
      if (json) io.stdout(force ? '\n' : ',\n');
      lines = [];
    }
  };
  if (json)
    io.stdout(
      `{"a":${terminalSafeJson(sideHeader(placeA))},"b":${terminalSafeJson(sideHeader(placeB))},"changes":[\n`,
    );
  let wroteChange = false;
  for await (const batch of comparison.batches()) {
    for (const result of batch) {
      lines.push(json ? terminalSafeJson(result) : listingLine(result));
      wroteChange = true;
    }
    flush();
  }
  if (json) {
    // The last flush must not leave a trailing comma.
    if (lines.length > 0) flush(true);
    io.stdout(
      `],"summary":${terminalSafeJson(comparison.totals)},"config":${terminalSafeJson(meta.config)},"sharedLayers":${meta.layers.shared.length},` +
        `"byDirectory":${terminalSafeJson(comparison.topLevel())},"layers":${terminalSafeJson(meta.layers)},` +
        `"history":${terminalSafeJson(meta.history)},"warnings":${terminalSafeJson(comparison.warnings)}}\n`,
    );
  } else {
    flush(true);
    io.stdout(reportTail(comparison, meta, wroteChange));
  }

  const problems = [
    ...layerProblems(placeA.archive, placeA.image, placeA.layer).map((p) => `A: ${p}`),
    ...layerProblems(placeB.archive, placeB.image, placeB.layer).map((p) => `B: ${p}`),
    ...comparison.warnings,
  ];
  if (problems.length > 0) {
    io.stderr(`the comparison is incomplete:\n${problems.map((p) => `  ${visible(p)}\n`).join('')}`);
    return 2;
  }
  const { added, removed, changed } = comparison.totals;
  return added + removed + changed + meta.config.length > 0 ? 1 : 0;
}

/** Every `--name value` / `--name=value` of a flag that may repeat, and the other arguments. */
function takeRepeated(args: string[], name: string): { globs: string[]; rest: string[] } {
  const globs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === `--${name}`) globs.push(args[++i] ?? '');
    else if (arg.startsWith(`--${name}=`)) globs.push(arg.slice(name.length + 3));
    else rest.push(arg);
  }
  return { globs, rest };
}

function sideHeader(place: SidePlace): { archive: string; image: string; imageIndex: number; layer: number } {
  const image = place.archive.images[place.image];
  return {
    archive: place.archivePath,
    image: image.tags[0] ?? image.id,
    imageIndex: place.image,
    layer: place.layer,
  };
}

const MARK = { added: '+', removed: '-', changed: '~', unchanged: ' ' } as const;

function stateText(state: PathState): string {
  const link = state.linkTarget ? ` -> ${visible(state.linkTarget)}` : '';
  const size = state.type === 'file' || state.type === 'hardlink' ? ` ${formatBytes(state.size)}` : '';
  return `${state.type}${size} ${octal(state.mode)} ${state.uid}:${state.gid}${link}`;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** `+ /path  file 12 B 0644 0:0`, `~ /path  mode 0755 → 4755, content`. */
export function listingLine(result: PathComparison): string {
  const head = `${MARK[result.change]} ${visible(result.path)}`;
  if (result.change === 'added') return `${head}  ${stateText(result.b!)}`;
  if (result.change === 'removed') return `${head}  ${stateText(result.a!)}`;
  const a = result.a!;
  const b = result.b!;
  const parts = result.what.map((aspect) => {
    switch (aspect) {
      case 'content':
        return 'content';
      case 'size':
        return `size ${formatBytes(a.size)} → ${formatBytes(b.size)}`;
      case 'type':
        return `type ${a.type} → ${b.type}`;
      case 'mode':
        return `mode ${octal(a.mode)} → ${octal(b.mode)}`;
      case 'uid':
        return `uid ${a.uid} → ${b.uid}`;
      case 'gid':
        return `gid ${a.gid} → ${b.gid}`;
      case 'linkTarget':
        return `link ${visible(a.linkTarget)} → ${visible(b.linkTarget)}`;
      default:
        return 'mtime';
    }
  });
  return `${head}  ${parts.join(', ')}`;
}

function valueText(value: ConfigDifference['a']): string {
  if (value === null) return '(absent)';
  return visible(JSON.stringify(value));
}

function reportTail(
  comparison: TreeComparison,
  meta: ReturnType<typeof compareImageMetadata>,
  anyChange: boolean,
): string {
  const lines: string[] = [];
  if (!anyChange) lines.push('no file differs');
  lines.push('', meta.config.length ? 'config:' : 'config: the same');
  for (const d of meta.config) lines.push(`  ${visible(d.field)}: ${valueText(d.a)} → ${valueText(d.b)}`);
  const { shared, onlyA, onlyB } = meta.layers;
  lines.push('', `layers: ${shared.length} shared, ${onlyA.length} only in A, ${onlyB.length} only in B`);
  const command = (createdBy: string | null) => visible(createdBy ?? '').slice(0, 100);
  for (const l of onlyA) lines.push(`  A ${String(l.index).padStart(3)}  ${command(l.createdBy)}`);
  for (const l of onlyB) lines.push(`  B ${String(l.index).padStart(3)}  ${command(l.createdBy)}`);
  const steps = meta.history.filter((row) => row.side !== 'same');
  lines.push('', steps.length ? 'history:' : 'history: the same steps');
  for (const row of steps)
    lines.push(
      `  ${row.side === 'a' ? '-' : '+'} ${row.emptyLayer ? '(no layer) ' : ''}${command(row.createdBy)}`,
    );
  const byDir = comparison.topLevel();
  if (byDir.length > 0) {
    lines.push('', 'by top-level directory:');
    for (const d of byDir)
      lines.push(
        `  ${visible(d.path).padEnd(16)} +${d.added} -${d.removed} ~${d.changed}  ${formatBytes(d.bytesAdded)} added, ${formatBytes(d.bytesRemoved)} removed`,
      );
  }
  const t = comparison.totals;
  lines.push(
    '',
    `summary: ${t.added} added, ${t.removed} removed, ${t.changed} changed; ${formatBytes(t.bytesAdded)} added, ${formatBytes(t.bytesRemoved)} removed; ${shared.length} shared layers`,
  );
  return `${lines.join('\n')}\n`;
}
