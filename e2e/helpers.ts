import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';
import { familiarReference, familiarRefName } from '../src/core/image/reference';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const REAL = join(SHARED, 'fixtures', 'real');
export const SAMPLE = join(ROOT, 'dist', 'sample', 'sample.tar');
export const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots';

/**
 * Where a test's archive lives: a folder of this worker process's own. Chromium refuses to read a
 * File whose bytes changed on disk after it was picked (NotReadableError), and the tests of one spec
 * run in parallel workers, so one worker rewriting a shared path breaks another's open page.
 */
export function fixturePath(dir: string, name: string): string {
  const folder = join(dir, `w${process.pid}`);
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

/** Writes a test's archive to `fixturePath` whole (by rename), so no reader sees half of it. */
export function writeFixture(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = fixturePath(dir, name);
  writeFileSync(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
  return path;
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export function status(page: Page): Locator {
  return page.getByRole('status');
}

/** Waits for "Indexed N entries" and returns N. */
export async function waitIndexed(page: Page, timeout = 30_000): Promise<number> {
  const s = status(page);
  await expect(s).toContainText(/Indexed \d+ entries/, { timeout });
  const text = (await s.textContent()) ?? '';
  return Number(/Indexed (\d+) entries/.exec(text)?.[1]);
}

export async function openViaInput(page: Page, file: string): Promise<void> {
  await page.getByLabel('Open image archive').setInputFiles(file);
}

/**
 * A real drop: the file is read from disk through a scratch input of the test's own (Playwright
 * cannot put a disk file into a DataTransfer directly), then a drop event carrying that File is
 * dispatched on the page, with the dragenter/dragover a browser sends first.
 */
export async function openViaDrop(page: Page, file: string, target = 'body'): Promise<void> {
  await page.evaluate(() => {
    if (document.getElementById('__e2e_drop_source')) return;
    const input = document.createElement('input');
    input.type = 'file';
    input.id = '__e2e_drop_source';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#__e2e_drop_source', file);
  await page.evaluate((selector) => {
    const input = document.getElementById('__e2e_drop_source') as HTMLInputElement;
    const f = input.files?.[0];
    if (!f) throw new Error('no file');
    const dt = new DataTransfer();
    dt.items.add(f);
    const el = document.querySelector(selector) ?? document.body;
    const init = { dataTransfer: dt, bubbles: true, cancelable: true };
    el.dispatchEvent(new DragEvent('dragenter', init));
    el.dispatchEvent(new DragEvent('dragover', init));
    el.dispatchEvent(new DragEvent('drop', init));
  }, target);
}

export function layerTree(page: Page): Locator {
  return page.getByRole('figure', { name: 'Layer tree' });
}

export function layers(page: Page): Locator {
  return page.getByRole('listbox', { name: 'Layers' });
}

export function files(page: Page): Locator {
  return page.getByRole('tree', { name: 'Files' });
}

export function summary(page: Page): Locator {
  return page.getByRole('region', { name: 'Image summary' });
}

export async function pickImage(page: Page, tag: string): Promise<void> {
  const select = page.getByRole('combobox', { name: 'Image' });
  if ((await select.count()) === 0) return;
  const find = async () => {
    const options = await select.locator('option').allTextContents();
    const index = options.findIndex(
      (o) => o.startsWith(`${tag} `) || o.startsWith(`${tag}\u00a0`) || o.split(' ')[0] === tag,
    );
    return { options, index };
  };
  // Just after another archive was handed over, the one shown may still be the last one (it stays
  // until the new one's images are known): wait for the tag rather than fail at once.
  await expect
    .poll(async () => (await find()).index, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(0)
    .catch(() => {});
  const { options, index } = await find();
  if (index < 0) throw new Error(`no image ${tag} among ${options.join(' | ')}`);
  await select.selectOption({ index });
}

export async function selectLayer(page: Page, index: number): Promise<void> {
  const option = layers(page).getByRole('option').nth(index);
  await option.click();
  await expect(option).toHaveAttribute('aria-selected', 'true');
}

export async function setMode(page: Page, mode: 'Changes' | 'Merged'): Promise<void> {
  const button = page.getByRole('button', { name: mode, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

/** GNU tar's count of entries in each distinct layer of a docker save (the contract's N). */
export function gnuTarEntries(archive: string): number {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json']).toString()) as {
    Layers: string[];
  }[];
  const layersSeen = new Set(manifest.flatMap((m) => m.Layers));
  let total = 0;
  for (const layer of layersSeen) {
    const listing = execFileSync('sh', [
      '-c',
      `tar -xOf "$1" "$2" | tar -t | wc -l`,
      'count',
      archive,
      layer,
    ]);
    total += Number(listing.toString().trim());
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Ground truth for ../shared/fixtures/real

export interface FactLayer {
  member: string;
  entries: number;
  symlink_to: string | null;
  diff_id: string;
  added: number;
  modified: number;
  deleted: number;
}

export interface FactImage {
  file: string;
  ref: string[] | string | null;
  config_digest: string;
  diff_ids: string[];
  layers: FactLayer[];
}

export function realFacts(): FactImage[] | null {
  const path = join(REAL, 'facts.json');
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as FactImage[];
}

/**
 * The tags the page shows for an image of facts.json: each tool's spelling in Docker's short form,
 * once (a RepoTags list holds full references; an OCI ref name may be a bare tag).
 */
export function tagsOf(f: FactImage): string[] {
  const refs =
    f.ref === null ? [] : Array.isArray(f.ref) ? f.ref.map(familiarReference) : [familiarRefName(f.ref)];
  return [...new Set(refs)];
}

/** All tar entries of the distinct layer blobs of one archive, as the status must report them. */
export function expectedEntries(facts: FactImage[], file: string): number {
  const blobs = new Map<string, number>();
  for (const image of facts.filter((f) => f.file === file)) {
    for (const l of image.layers) blobs.set(l.symlink_to ?? l.member, l.entries);
  }
  let total = 0;
  for (const n of blobs.values()) total += n;
  return total;
}

export function short(file: string): string {
  return basename(file).replace(/[^a-z0-9.-]+/gi, '_');
}
