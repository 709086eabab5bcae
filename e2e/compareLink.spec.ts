import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import { type ArchiveServer, startArchiveServer } from './archiveServer';
import { shot, waitIndexed, writeFixture } from './helpers';

const DIR = '/tmp/ilx-e2e';
const secondBytes = dockerArchive([
  {
    tags: ['other:1'],
    layers: [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/only-here', content: 'from the second archive\n' },
      ],
    ],
    config: { User: 'nobody' },
  },
]);
const SECOND = writeFixture(DIR, 'compare-link-second.tar', secondBytes);
const WRONG = writeFixture(
  DIR,
  'compare-link-wrong.tar',
  dockerArchive([
    {
      tags: ['wrong:1'],
      layers: [
        [
          { name: 'etc/', type: 'dir' },
          { name: 'etc/x', content: 'x' },
        ],
      ],
    },
  ]),
);

let server: ArchiveServer;
test.beforeAll(async () => {
  server = await startArchiveServer({ files: { 'second.tar': SECOND }, ranges: true });
});
test.afterAll(async () => {
  await server?.close();
});

function pane(page: Page) {
  return page.getByRole('region', { name: 'Compare', exact: true });
}

async function openSampleAndPane(page: Page, imageA = 'explorer/base:1.0'): Promise<void> {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).first().click();
  await waitIndexed(page);
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await pane(page)
    .getByRole('combobox', { name: /^Image A/ })
    .selectOption({ label: imageA });
}

async function expectCompared(page: Page): Promise<void> {
  await expect(
    page.getByRole('region', { name: 'Comparison progress' }).locator('[data-state]'),
  ).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(
    page.getByRole('tree', { name: 'Differences' }).getByRole('treeitem', { name: 'only-here, added' }),
  ).toBeVisible();
}

async function runIt(page: Page): Promise<void> {
  await expect(pane(page).getByRole('combobox', { name: /^Image B/ })).toContainText('other:1');
  await pane(page).getByRole('button', { name: 'Run comparison' }).click();
  await expectCompared(page);
}

/**
 * Runs the comparison, checks that the link names B's file (its name, size and key), reloads,
 * and reopens B from the kept handle: the same comparison again.
 */
async function runThenReopenFromLink(page: Page, name: string): Promise<void> {
  await runIt(page);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect.poll(() => page.url()).toMatch(new RegExp(`bfile=${escaped}&bsize=\\d+&bkey=[0-9a-f]{64}`));
  await page.reload();
  const relink = pane(page).getByRole('group', { name: 'Second archive of this link' });
  const reopen = relink.getByRole('button', { name: `Reopen ${name}` });
  await expect(reopen).toBeVisible();
  await reopen.click();
  await expectCompared(page);
}

test('B from an address: the link fetches it again', async ({ page }) => {
  await openSampleAndPane(page);
  await pane(page).getByRole('textbox', { name: 'Address of archive B' }).fill(server.urlOf('second.tar'));
  await pane(page).getByRole('button', { name: 'Open address' }).click();
  await runIt(page);
  expect(decodeURIComponent(page.url())).toContain(`burl=${server.urlOf('second.tar')}`);
  const fetched = server.requests.length;
  await page.reload();
  await expectCompared(page);
  expect(server.requests.length).toBeGreaterThan(fetched);
});

test('B from a file without a handle: the link names it and takes only that archive', async ({ page }) => {
  await openSampleAndPane(page);
  await pane(page).getByLabel('Open second archive').setInputFiles(SECOND);
  await runIt(page);
  await expect.poll(() => page.url()).toMatch(/bfile=compare-link-second\.tar&bsize=\d+&bkey=[0-9a-f]{64}/);
  await page.reload();
  const relink = pane(page).getByRole('group', { name: 'Second archive of this link' });
  await expect(relink).toContainText('compare-link-second.tar');
  await expect(relink.getByRole('button', { name: /^Reopen/ })).toHaveCount(0);
  // Another archive is refused, with why; the right one is taken and compared at the link's place.
  await pane(page).getByLabel('Open second archive').setInputFiles(WRONG);
  await expect(relink).toContainText(
    'compare-link-wrong.tar was not taken: it is not the archive this link was made with',
  );
  await expect(pane(page).getByRole('combobox', { name: /^Archive B/ })).not.toContainText('wrong');
  await expect(
    page.getByRole('region', { name: 'Comparison progress' }).locator('[data-state]'),
  ).toHaveAttribute('data-state', 'idle');
  await shot(page, 'compare-relink');
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual(
    [],
  );
  await pane(page).getByLabel('Open second archive').setInputFiles(SECOND);
  await expectCompared(page);
  await expect(relink).toHaveCount(0);
});

test('B dropped with a file handle: the link reopens it after a click', async ({ page }) => {
  await openSampleAndPane(page);
  // The file in the origin-private file system, and the drop's item handing out its handle, as
  // Chromium's getAsFileSystemHandle does for a file dropped from the desktop.
  await page.evaluate(
    async (bytes) => {
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle('dropped-second.tar', { create: true });
      const w = await handle.createWritable();
      await w.write(new Uint8Array(bytes));
      await w.close();
      const proto = DataTransferItem.prototype as DataTransferItem & {
        getAsFileSystemHandle?: () => Promise<FileSystemHandle>;
      };
      proto.getAsFileSystemHandle = () => Promise.resolve(handle);
      const dt = new DataTransfer();
      dt.items.add(await handle.getFile());
      const target = document.querySelector('fieldset.cmp-drop');
      if (!target) throw new Error('no drop target');
      const init = { dataTransfer: dt, bubbles: true, cancelable: true };
      target.dispatchEvent(new DragEvent('dragover', init));
      target.dispatchEvent(new DragEvent('drop', init));
    },
    [...secondBytes],
  );
  await runThenReopenFromLink(page, 'dropped-second.tar');
});

test('the open folders and the selected path are in the link: a fresh page opens the same view', async ({
  page,
  browser,
}) => {
  await openSampleAndPane(page, 'explorer/web:1.0');
  await pane(page)
    .getByRole('combobox', { name: /^Image B/ })
    .selectOption({ label: 'explorer/web:2.0' });
  await pane(page).getByRole('button', { name: 'Run comparison' }).click();
  const progress = (p: Page) =>
    p.getByRole('region', { name: 'Comparison progress' }).locator('[data-state]');
  await expect(progress(page)).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  const tree = (p: Page) => p.getByRole('tree', { name: 'Differences' });
  const folder = (p: Page, name: string) => tree(p).getByRole('treeitem', { name, exact: true });
  // Every folder closed, then /etc and /etc/nginx opened again, and nginx.conf selected.
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(tree(page).getByRole('treeitem', { level: 2 })).toHaveCount(0);
  await folder(page, 'etc').locator('.chevron').click();
  await folder(page, 'nginx').locator('.chevron').click();
  await tree(page)
    .getByRole('treeitem', { name: /^nginx\.conf, changed/ })
    .click();
  await expect.poll(() => decodeURIComponent(page.url())).toContain('cfold=c,0.etc,1.nginx');
  await expect.poll(() => decodeURIComponent(page.url())).toContain('cpath=/etc/nginx/nginx.conf');
  const opened = async (p: Page) => {
    const items = tree(p).locator('[role=treeitem][aria-expanded]');
    const out: string[] = [];
    for (let i = 0; i < (await items.count()); i++)
      out.push(
        `${await items.nth(i).getAttribute('aria-label')}=${await items.nth(i).getAttribute('aria-expanded')}`,
      );
    return out;
  };
  const view = await opened(page);
  expect(view).toContain('etc=true');
  expect(view).toContain('nginx=true');
  expect(view.filter((v) => v.endsWith('=false')).length).toBeGreaterThan(0);

  // The link in a page of its own (another context: nothing shared but the address).
  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto(page.url());
  await expect(progress(fresh)).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(folder(fresh, 'nginx')).toHaveAttribute('aria-expanded', 'true');
  await expect.poll(() => opened(fresh)).toEqual(view);
  await expect(tree(fresh).getByRole('treeitem', { name: /^nginx\.conf, changed/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(fresh.getByRole('region', { name: 'Compared file' })).toContainText('/etc/nginx/nginx.conf');
  await context.close();
});

test('B picked through showOpenFilePicker: its handle is kept, and the link reopens it after a click', async ({
  page,
}) => {
  // Chromium's picker, stood in before the page's scripts: it hands out a real FileSystemFileHandle
  // (an origin-private file holding the second archive), as the browser's dialog would.
  await page.addInitScript(
    (bytes: number[]) => {
      const w = window as unknown as {
        showOpenFilePicker: () => Promise<FileSystemFileHandle[]>;
        __picked: number;
      };
      w.__picked = 0;
      w.showOpenFilePicker = async () => {
        w.__picked++;
        const root = await navigator.storage.getDirectory();
        const handle = await root.getFileHandle('picked-second.tar', { create: true });
        const writable = await handle.createWritable();
        await writable.write(new Uint8Array(bytes));
        await writable.close();
        return [handle];
      };
    },
    [...secondBytes],
  );
  await openSampleAndPane(page);
  // The button-like label, as a person clicks it (not the hidden input underneath)
  await pane(page).locator('label.cmp-open').click();
  await expect(pane(page).getByRole('combobox', { name: /^Archive B/ })).toContainText('picked-second.tar');
  expect(await page.evaluate(() => (window as unknown as { __picked: number }).__picked)).toBe(1);
  await runThenReopenFromLink(page, 'picked-second.tar');
});
