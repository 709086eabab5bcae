import { field, isObject, objList, str, strList, strMap } from './json';
import type { HistoryStep, ImageConfig } from './model';

export interface ParsedConfig {
  config: ImageConfig;
  platform: string;
  created: string | null;
  author: string | null;
  diffIds: string[];
  history: { createdBy: string; created: string | null; comment: string | null; emptyLayer: boolean }[];
}

export function emptyConfig(): ImageConfig {
  return {
    Env: [],
    Cmd: [],
    Entrypoint: [],
    WorkingDir: '',
    User: '',
    Labels: {},
    ExposedPorts: [],
    Volumes: [],
    StopSignal: '',
  };
}

export function runtimeConfig(c: unknown): ImageConfig {
  if (!isObject(c)) return emptyConfig();
  const keys = (v: unknown) => (isObject(v) ? Object.keys(v) : []);
  return {
    Env: strList(field(c, 'Env')),
    Cmd: strList(field(c, 'Cmd')),
    Entrypoint: strList(field(c, 'Entrypoint')),
    WorkingDir: str(field(c, 'WorkingDir')) ?? '',
    User: str(field(c, 'User')) ?? '',
    Labels: strMap(field(c, 'Labels')),
    ExposedPorts: keys(field(c, 'ExposedPorts')),
    Volumes: keys(field(c, 'Volumes')),
    StopSignal: str(field(c, 'StopSignal')) ?? '',
  };
}

export function platformOf(obj: unknown): string {
  const os = str(field(obj, 'os')) ?? 'unknown';
  const arch = str(field(obj, 'architecture')) ?? 'unknown';
  const variant = str(field(obj, 'variant'));
  return variant ? `${os}/${arch}/${variant}` : `${os}/${arch}`;
}

/** An OCI/Docker image config (the `<sha>.json` or `blobs/sha256/<config>`). */
export function parseImageConfig(json: unknown): ParsedConfig {
  const rootfs = field(json, 'rootfs');
  return {
    config: runtimeConfig(field(json, 'config')),
    platform: platformOf(json),
    created: str(field(json, 'created')),
    author: str(field(json, 'author')),
    diffIds: strList(field(rootfs, 'diff_ids')),
    history: objList(field(json, 'history')).map((h) => ({
      createdBy: str(field(h, 'created_by')) ?? '',
      created: str(field(h, 'created')),
      comment: str(field(h, 'comment')),
      emptyLayer: field(h, 'empty_layer') === true,
    })),
  };
}

/**
 * Puts each non-empty history step against the next layer. Tools disagree (buildah and some
 * squashers leave steps out, others mark layers empty that are not), so a mismatch is reported
 * and the mapping keeps what lines up.
 */
export function mapHistory(
  steps: ParsedConfig['history'],
  layerCount: number,
  warn: (message: string) => void,
): HistoryStep[] {
  let next = 0;
  const out: HistoryStep[] = steps.map((s) => {
    let layerIndex: number | null = null;
    if (!s.emptyLayer) {
      if (next < layerCount) layerIndex = next;
      next++;
    }
    return { ...s, layerIndex };
  });
  const nonEmpty = next;
  if (steps.length > 0 && nonEmpty !== layerCount) {
    warn(
      `history has ${nonEmpty} non-empty steps for ${layerCount} layers; the extra ${nonEmpty > layerCount ? 'steps' : 'layers'} have no ${nonEmpty > layerCount ? 'layer' : 'history step'}`,
    );
  }
  return out;
}
