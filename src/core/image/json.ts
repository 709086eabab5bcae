import { visible } from '../visibleText';
/** Narrowing helpers for untrusted JSON: archives are written by many tools, and some are hostile. */
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a key whatever its case: Jib writes `config`/`repoTags`/`layers` where Docker writes
 * `Config`/`RepoTags`/`Layers`.
 */
export function field(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined;
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function strList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function strMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function objList(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * Why JSON.parse refused a text, without the excerpt of the text V8 quotes (`…, "[{"Conf"... is
 * not valid JSON`): that excerpt is archive bytes, NUL and escape sequences included. The token
 * it names is escaped like any text from an archive.
 */
export function jsonParseReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message
    .replace(/,? "[\s\S]*" is not valid JSON$/, '')
    .replace(/[\s\S]*is not valid JSON$/, '');
  return visible(reason.trim() || 'not valid JSON');
}
