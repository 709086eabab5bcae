/**
 * Trust: the Content-Security-Policy holds (no violations, nothing leaves the site but a user-given
 * ?url=), names and texts from archives are text and nothing else, and Verify finds tampering.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { dockerArchive, ociArchive, sha256 } from '../src/testing/archives';
import { type BuildEntry, buildTar } from '../src/testing/tarBuilder';
import { startArchiveServer } from './archiveServer';
import {
  files,
  gnuTarEntries,
  layers,
  layerTree,
  openViaInput,
  ROOT,
  SAMPLE,
  selectLayer,
  setMode,
  shot,
  status,
  summary,
  waitIndexed,
  writeFixture,
} from './helpers';
import { builtCsp } from './serve';

const TMP = '/tmp/ilx-e2e';

function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

/**
 * Records CSP and Trusted Types violations: the page's `securitypolicyviolation` events, the
 * browser's console reports for the page, and each worker's own `securitypolicyviolation` events
 * (a worker has its own policy, from its response headers, and the browser's reports of it do not
 * reach Playwright, so a listener in the worker logs them). Records dialogs too.
 */
async function watch(page: Page): Promise<{ violations: () => Promise<string[]>; dialogs: string[] }> {
  const fromConsole: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript/i.test(m.text()))
      fromConsole.push(m.text());
  });
  page.on('worker', (worker) => {
    void worker
      .evaluate(() =>
        self.addEventListener('securitypolicyviolation', (e) =>
          console.warn(
            `Content Security Policy violation in a worker: ${e.effectiveDirective} blocked ${e.blockedURI}`,
          ),
        ),
      )
      .catch(() => {}); // a spare worker may be gone already
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI} ${e.sample}`),
    );
  });
  const violations = async () => [
    ...fromConsole,
    ...(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])),
  ];
  return { violations, dialogs };
}

test('the built page carries a strict CSP, the server mirrors it, and no inline code exists', async ({
  page,
}) => {
  const policy = builtCsp();
  const d = directives(policy);
  expect(d.get('default-src')).toEqual(["'none'"]);
  expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(d.get('style-src')).toEqual(["'self'"]);
  expect(d.get('img-src')).toEqual(["'self'", 'blob:']);
  expect(d.get('worker-src')).toEqual(["'self'", 'blob:']);
  expect(d.get('connect-src')).toEqual(["'self'", 'https:', 'http:']);
  expect(d.get('object-src')).toEqual(["'none'"]);
  expect(d.get('base-uri')).toEqual(["'none'"]);
  expect(d.get('require-trusted-types-for')).toEqual(["'script'"]);
  expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'|\*/);

  const html = readFileSync(join(ROOT, 'dist', 'index.html'), 'utf8');
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\.\//);
  expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/); // no inline script body
  expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);

  const response = await page.goto('./');
  expect(response?.headers()['content-security-policy']).toBe(`${policy}; frame-ancestors 'none'`);
});

test('no CSP violation, and nothing leaves the site except the ?url= archive', async ({ page, context }) => {
  test.setTimeout(90_000);
  const remote = await startArchiveServer({ files: { 'sample.tar': SAMPLE }, ranges: true });
  const target = remote.urlOf('sample.tar');
  const requests: string[] = [];
  // the context sees the page's, the archive worker's and the service worker's requests
  context.on('request', (r) => requests.push(r.url()));
  const { violations, dialogs } = await watch(page);
  try {
    await page.goto(`./?url=${encodeURIComponent(target)}`);
    const site = new URL('./', page.url()).href;
    expect(await waitIndexed(page)).toBe(gnuTarEntries(SAMPLE));
    // use it: layers, modes, a filter, details, the tree's tooltip, Verify, then a local file and the sample
    await selectLayer(page, 1);
    await setMode(page, 'Merged');
    await page.getByLabel('Filter paths').fill('passwd');
    await files(page)
      .getByRole('treeitem', { name: /^passwd/ })
      .click();
    await expect(page.getByRole('region', { name: 'File details' })).toContainText('/etc/passwd');
    await layerTree(page)
      .getByRole('button', { name: /^Layer 0:/ })
      .hover();
    await expect(page.getByRole('tooltip')).toBeVisible();
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(status(page)).toContainText('Verified: all digests match', { timeout: 30_000 });
    await openViaInput(page, SAMPLE);
    await waitIndexed(page);
    await page.getByRole('button', { name: 'Open sample' }).click();
    await waitIndexed(page);
    await page.waitForTimeout(300);

    expect(await violations()).toEqual([]);
    expect(dialogs).toEqual([]);
    const foreign = requests.filter((url) => !url.startsWith(site) && url !== target);
    expect(foreign).toEqual([]);
    expect(requests).toContain(target);
    expect(requests.some((u) => /\/assets\/worker-[^/]+\.js$/.test(u))).toBe(true);

    // the watch works: the archive worker is under the policy too (WebAssembly compiles, a data: fetch does not)
    const worker = page.workers().find((w) => /\/assets\/worker-[^/]+\.js$/.test(w.url()));
    expect(worker).toBeDefined();
    expect(
      await worker?.evaluate(() =>
        WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(
          () => 'compiled',
          () => 'refused',
        ),
      ),
    ).toBe('compiled');
    expect(
      await worker?.evaluate(() =>
        fetch('data:,leak').then(
          () => 'fetched',
          () => 'refused',
        ),
      ),
    ).toBe('refused');
    await expect
      .poll(violations)
      .toContainEqual(expect.stringMatching(/in a worker: connect-src blocked data/));

    // and Trusted Types hold in the page: markup from a string is refused and reported
    const before = (await violations()).length;
    const refused = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>');
        return 'inserted';
      } catch (e) {
        return e instanceof TypeError ? 'refused' : String(e);
      }
    });
    expect(refused).toBe('refused');
    await expect.poll(async () => (await violations()).length).toBeGreaterThan(before);
    expect(dialogs).toEqual([]);
  } finally {
    await remote.close();
  }
});

// ------------------------------------------------------------------------------------------------
// Untrusted names

const HTML_NAMES = ['<img src=x onerror=alert(1)>', '"><svg onload=alert(8)>', 'a&amp;b &lt;i&gt;'];
const SCRIPT_DIR = '<script>alert(1)<';
const SCRIPT_FILE = 'script>'; // `x/<script>alert(1)</script>` is this file in that directory
const LONG = `long-${'0123456789abcdef'.repeat(256)}`; // 4101 characters
/** name in the archive → what the page shows (control and bidi characters escaped visibly) */
const ESCAPED: [string, string][] = [
  ['ctl-\u0001\u0007\u001b[31mred\u007f-end', 'ctl-\\x01\\x07\\x1B[31mred\\x7F-end'],
  ['new\nline\ttab\rcr', 'new\\nline\\ttab\\rcr'],
  ['evil\u202Etxt.exe', 'evil\\u202Etxt.exe'],
  ['iso\u2066late\u2069-\u200Fmark\u200B', 'iso\\u2066late\\u2069-\\u200Fmark\\u200B'],
];
const HOSTILE_TAG = 'evil/<img src=x onerror=alert(6)>:1';
const HOSTILE_CMD = '/bin/sh -c echo "<img src=x onerror=alert(5)>" > /x/\u202Eout';

function hostileArchive(): string {
  mkdirSync(TMP, { recursive: true });
  const layer: BuildEntry[] = [
    { name: 'x/', type: 'dir' },
    ...HTML_NAMES.map((name) => ({ name: `x/${name}`, content: `${name}\n` })),
    { name: `x/${SCRIPT_DIR}/`, type: 'dir' },
    { name: `x/${SCRIPT_DIR}/${SCRIPT_FILE}`, content: 'alert(1)\n' },
    ...ESCAPED.map(([name]) => ({ name: `x/${name}`, content: 'x\n' })),
    { name: `x/${LONG}`, content: 'long\n' },
    { name: 'x/link', type: 'symlink', linkTarget: '<img src=x onerror=alert(7)>' },
  ];
  return writeFixture(
    TMP,
    'hostile-names.tar',
    dockerArchive([
      {
        tags: [HOSTILE_TAG],
        layers: [layer],
        history: [{ createdBy: HOSTILE_CMD }],
        config: {
          Env: ['HTML=<script>alert(3)</script>', 'RLO=a\u202Eb'],
          Cmd: ['<iframe src="javascript:alert(4)">'],
          User: '<u>root</u>',
          WorkingDir: '/<b>w</b>',
          Labels: { '<b>label</b>': '<img src=x onerror=alert(2)>' },
        },
      },
    ]),
  );
}

/** The added row named exactly `name` (then its change and the columns it shows). */
function addedRow(tree: Locator, name: string): Locator {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return tree.getByRole('treeitem', { name: new RegExp(`^${escaped}, added(, |$)`) });
}

test('names and texts from an archive are shown as text: no markup, no script, hidden characters escaped', async ({
  page,
}) => {
  const { violations, dialogs } = await watch(page);
  await page.goto('./');
  await openViaInput(page, hostileArchive());
  await waitIndexed(page);
  const tree = files(page);

  for (const name of HTML_NAMES) {
    const row = addedRow(tree, name);
    await expect(row).toBeVisible();
    await expect(row.locator('.fname')).toHaveText(name, { useInnerText: true });
    await expect(row).toHaveAttribute('title', `/x/${name}`);
  }
  await expect(addedRow(tree, SCRIPT_DIR)).toBeVisible();
  await expect(addedRow(tree, SCRIPT_FILE)).toBeVisible();
  for (const [, shown] of ESCAPED) {
    const row = addedRow(tree, shown);
    await expect(row.locator('.fname')).toHaveText(shown, { useInnerText: true });
  }
  // a link's name says where it leads, as its row shows (escaped the same way)
  const link = addedRow(tree, 'link → <img src=x onerror=alert(7)>');
  await expect(link.locator('.flink')).toHaveText('→ <img src=x onerror=alert(7)>');

  // the right-to-left override, selected: the details show the escape too
  await addedRow(tree, 'evil\\u202Etxt.exe').click();
  await expect(page.locator('.details-path')).toHaveText('/x/evil\\u202Etxt.exe');

  // the history command, the tag and the config
  await expect(layers(page).getByRole('option').first()).toHaveAccessibleName(
    /^RUN echo "<img src=x onerror=alert\(5\)>" > \/x\/\\u202Eout,/,
  );
  await expect(layerTree(page)).toContainText(HOSTILE_TAG);
  const s = summary(page);
  await expect(s).toContainText(HOSTILE_TAG);
  await expect(s).toContainText('HTML=<script>alert(3)</script>');
  await expect(s).toContainText('RLO=a\\u202Eb');
  await expect(s).toContainText('["<iframe src=\\"javascript:alert(4)\\">"]');
  await expect(s).toContainText('<u>root</u>');
  await expect(s).toContainText('/<b>w</b>');
  await expect(s).toContainText('<b>label</b>=<img src=x onerror=alert(2)>');
  await shot(page, '7-untrusted-names');

  // the 4 KB name: one row, cut with an ellipsis; the details box scrolls
  const long = addedRow(tree, LONG);
  await expect(long.locator('.fname')).toHaveText(LONG);
  await long.click();
  await expect(page.locator('.details-path')).toHaveText(`/x/${LONG}`);
  const box = await page.locator('.details-path').boundingBox();
  expect(box?.height ?? 1e9).toBeLessThan(200);
  await shot(page, '7-untrusted-long-name');

  // nothing became markup: none of the elements the names spell (the app itself makes no img, iframe or
  // inline script), no handler attribute, no hidden character in any text or attribute
  const dom = await page.evaluate(() => {
    const hidden =
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
    const found = { foreign: [] as string[], handlers: [] as string[], hidden: [] as string[] };
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (['img', 'iframe', 'object', 'embed', 'base'].includes(tag)) found.foreign.push(tag);
      if (['b', 'u'].includes(tag) && ['label', 'root', 'w'].includes(el.textContent ?? ''))
        found.foreign.push(`${tag}: ${el.textContent}`);
      if (tag === 'script' && !(el as HTMLScriptElement).src) found.foreign.push('inline script');
      for (const a of el.attributes) {
        if (a.name.startsWith('on')) found.handlers.push(`${tag}[${a.name}]`);
        if (hidden.test(a.value)) found.hidden.push(`${tag}[${a.name}]`);
      }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (hidden.test(n.nodeValue ?? '')) found.hidden.push(JSON.stringify(n.nodeValue));
    }
    return { ...found, title: document.title };
  });
  expect(dom).toEqual({
    foreign: [],
    handlers: [],
    hidden: [],
    title: 'hostile-names.tar — Image Layer Explorer',
  });
  expect(dialogs).toEqual([]);
  expect(await violations()).toEqual([]);
});

// ------------------------------------------------------------------------------------------------
// Verify

test('Verify: the sample verifies clean, with progress in the status', async ({ page }) => {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).click();
  await waitIndexed(page);
  const verify = page.getByRole('button', { name: 'Verify' });
  await expect(verify).toBeEnabled();
  await verify.click();
  await expect(status(page)).toContainText(/Verif/);
  await expect(status(page)).toContainText(
    /Indexed \d+ entries .* · Verified: all digests match \(12 layers, 4 configs\)/,
  );
  await expect(page.getByRole('alert')).toHaveCount(0);
  await shot(page, '7-verify-clean');
});

test('Verify: a tampered layer is named in the alert', async ({ page }) => {
  mkdirSync(TMP, { recursive: true });
  const layer: BuildEntry[] = [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/motd', content: 'hello from the original layer\n' },
  ];
  const base: BuildEntry[] = [
    { name: 'bin/', type: 'dir' },
    { name: 'bin/sh', content: 'sh' },
  ];
  const image = { tags: ['tampered:1'], layers: [base, layer] };
  const tamper = (bytes: Uint8Array): Uint8Array => {
    const copy = bytes.slice();
    const at = Buffer.from(copy).indexOf('hello from the original');
    expect(at).toBeGreaterThan(0);
    copy.set(new TextEncoder().encode('HELLO'), at); // same length: the tar still reads
    return copy;
  };
  const diffId = sha256(buildTar(layer));

  const docker = writeFixture(TMP, 'tampered-docker.tar', tamper(dockerArchive([image])));
  await page.goto('./');
  await openViaInput(page, docker);
  await waitIndexed(page);
  await page.getByRole('button', { name: 'Verify' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Verify: 1 digest does not match in tampered-docker.tar');
  await expect(alert).toContainText(`layer "${diffId.slice(7)}/layer.tar": diff ID is sha256:`);
  await expect(alert).toContainText(`the config says ${diffId}`);
  await expect(status(page)).toContainText('Verify: 1 mismatch in 2 layers and 1 config');
  await shot(page, '7-verify-mismatch');

  // an OCI layout names blobs by digest: the stored digest and the diff ID both disagree
  const oci = writeFixture(TMP, 'tampered-oci.tar', tamper(ociArchive([image], 'none')));
  await openViaInput(page, oci);
  await waitIndexed(page);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(alert).toContainText('Verify: 2 digests do not match in tampered-oci.tar');
  await expect(alert).toContainText(
    /layer "blobs\/sha256\/[0-9a-f]{64}": digest is sha256:[0-9a-f]{64}, the archive says/,
  );
  await expect(alert).toContainText(`the config says ${diffId}`);
  // dismissed, it stays away until the next run
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
});
