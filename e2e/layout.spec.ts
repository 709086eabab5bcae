/**
 * The workspace at the four sizes of issue 17, light and dark: no sideways scroll, the open
 * controls reachable, the answers (efficiency, wasted, the inefficient files) in view right after
 * opening, splitters that resize and are remembered, the Files columns that give way before the
 * names, the layer details and the layer view's semantic zoom. Screenshots go to SHOTS_DIR as
 * layout-<width>-<scheme>-<state>.png.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { files, layers, layerTree, openViaInput, REAL, shot, summary, waitIndexed } from './helpers';

const SIZES = [
  { width: 390, height: 844 },
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;
const SCHEMES = ['light', 'dark'] as const;
const MULTI = join(REAL, 'multi.docker.tar');
const APP2 = join(REAL, 'app-2.docker.tar');

async function noSidewaysScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
  // nothing of the page's own sticks out past the right edge either
  const overflow = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('.topbar > *, .workspace > *, .statusbar > *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 1) out.push(`${el.className} ends at ${Math.round(r.right)}`);
    }
    return out;
  });
  expect(overflow).toEqual([]);
}

/** The pane holding `what` is shown: on a narrow screen by its tab. */
async function showPane(page: Page, tab: 'Layers' | 'Files' | 'Summary'): Promise<void> {
  const t = page.getByRole('tab', { name: tab });
  if ((await t.count()) > 0 && (await t.isVisible())) await t.click();
}

/** Inside the viewport and not hidden by a scrolled ancestor. */
async function fullyInView(page: Page, selector: string, index: number): Promise<boolean> {
  return page.evaluate(
    ({ selector, index }) => {
      const el = document.querySelectorAll(selector)[index];
      if (!el) return false;
      const r = el.getBoundingClientRect();
      if (r.height === 0) return false;
      let p = el.parentElement;
      while (p) {
        const pr = p.getBoundingClientRect();
        const style = getComputedStyle(p);
        if (style.overflowY !== 'visible' && (r.top < pr.top - 1 || r.bottom > pr.bottom + 1)) return false;
        p = p.parentElement;
      }
      return r.top >= 0 && r.bottom <= window.innerHeight;
    },
    { selector, index },
  );
}

for (const scheme of SCHEMES) {
  for (const size of SIZES) {
    const tag = `${size.width}-${scheme}`;
    test.describe(`${size.width}×${size.height} ${scheme}`, () => {
      test.use({ viewport: size, colorScheme: scheme });

      test(`welcome: the open controls in view, no sideways scroll (${tag})`, async ({ page }) => {
        await page.goto('./');
        await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
        for (const name of ['Choose an archive…', 'Open sample']) {
          const b = page.getByRole('button', { name, exact: true });
          await expect(b).toBeInViewport({ ratio: 1 });
        }
        // the header's Open image archive control shows whole, as an icon when room is short
        const open = page.locator('label.file-btn');
        await expect(open).toBeInViewport({ ratio: 1 });
        await expect(page.getByLabel('Open image archive')).toBeAttached();
        await noSidewaysScroll(page);
        await shot(page, `layout-${tag}-welcome`);
      });

      test(`sample open: answers first, panes, layer details, no sideways scroll (${tag})`, async ({
        page,
      }) => {
        await page.goto('./');
        await page.getByRole('button', { name: 'Open sample' }).click();
        await waitIndexed(page);
        await noSidewaysScroll(page);
        const s = summary(page);
        await expect(s).toContainText(/Efficiency\s*\d+(\.\d+)? %/);
        await expect(s).toContainText(/Wasted\s*\d+(\.\d+)? (B|KB|MB)/);
        const rows = s.locator('.ineff-list > li');
        await expect(rows.first()).toBeVisible();
        const shown = Math.min(5, await rows.count());
        await shot(page, `layout-${tag}-sample-first`);
        if (size.width >= 1280) {
          // right after opening, without scrolling anything: the first inefficient files
          for (let i = 0; i < shown; i++)
            expect(await fullyInView(page, '.ineff-list > li', i), `inefficient file ${i}`).toBe(true);
        }
        // the header's buttons are whole (icons when short of room), never cut to "Open image a…"
        for (const el of await page.locator('.topbar .btn, .topbar .file-btn').all()) {
          if (!(await el.isVisible())) continue;
          const cut = await el.evaluate((b) => b.scrollWidth > b.clientWidth + 1);
          expect(cut).toBe(false);
        }

        // the layer in full: command, digest, diff ID, created, copy
        await showPane(page, 'Layers');
        const details = page.getByRole('region', { name: 'Layer details' });
        await details.scrollIntoViewIfNeeded();
        await expect(details).toContainText('Diff ID');
        await expect(details).toContainText(/sha256:[0-9a-f]{64}/);
        await expect(details.getByRole('button', { name: /^Copy/ })).toBeVisible();
        await shot(page, `layout-${tag}-sample-layers`);

        // an inefficient file opens to the layers that hold a copy; each selects its layer
        await showPane(page, 'Summary');
        const first = rows.first();
        await first.getByRole('button', { name: 'Layers with a copy' }).click();
        const copies = first.getByRole('list', { name: /^Layers that wrote/ }).getByRole('button');
        await expect(copies.first()).toBeVisible();
        const n = await copies.count();
        expect(n).toBeGreaterThanOrEqual(1);
        await shot(page, `layout-${tag}-sample-copies`);
        const copyText = (await copies.nth(n - 1).textContent()) ?? '';
        const layer = Number(/Layer (\d+)/.exec(copyText)?.[1]);
        await copies.nth(n - 1).click();
        await showPane(page, 'Layers');
        await expect(layers(page).getByRole('option').nth(layer)).toHaveAttribute('aria-selected', 'true');
        await showPane(page, 'Files');
        await expect(page.getByRole('button', { name: 'Changes', exact: true })).toHaveAttribute(
          'aria-pressed',
          'true',
        );
        await expect(files(page).getByRole('treeitem', { selected: true })).toBeVisible();
        await noSidewaysScroll(page);
        if (size.width >= 1024) {
          // the Name column has room for a 24-character name at the deepest row shown
          const room = await page.evaluate(() => {
            const rows = [...document.querySelectorAll<HTMLElement>('.file-row')];
            const deepest = rows.reduce((a, b) =>
              Number(b.getAttribute('aria-level')) > Number(a.getAttribute('aria-level')) ? b : a,
            );
            const name = deepest.querySelector<HTMLElement>('.fname');
            const col = deepest.querySelector<HTMLElement>('.col-name');
            if (!name || !col) return null;
            const probe = document.createElement('span');
            probe.className = 'fname';
            probe.textContent = 'abcdefghijklmnopqrstuvwx';
            probe.style.position = 'absolute';
            probe.style.visibility = 'hidden';
            col.append(probe);
            const needed = probe.getBoundingClientRect().width;
            probe.remove();
            const available = col.getBoundingClientRect().right - name.getBoundingClientRect().left;
            return { needed, available };
          });
          expect(room).not.toBeNull();
          expect(room!.available).toBeGreaterThanOrEqual(room!.needed);
        }
        await shot(page, `layout-${tag}-sample-files`);
      });

      test(`real archives: a name of 24 characters shows whole, the strip for one image (${tag})`, async ({
        page,
      }) => {
        test.skip(!existsSync(APP2), 'needs ../shared/fixtures/real');
        await page.goto('./');
        await openViaInput(page, APP2);
        await waitIndexed(page);
        await noSidewaysScroll(page);
        const tree = layerTree(page);
        await showPane(page, 'Layers');
        // one image: the strip, one node per layer, the tag where the image ends
        const nodes = tree.getByRole('button', { name: /^Layer \d+:/ });
        await expect(nodes.first()).toBeVisible();
        await expect(tree).toContainText('app:2');
        await shot(page, `layout-${tag}-app2-first`);
        // semantic zoom: zoomed in, a layer shows its command; zoomed out, layers fold into runs
        for (let i = 0; i < 4; i++) await tree.getByRole('button', { name: 'Zoom in', exact: true }).click();
        await expect(tree.locator('.strip-label').first()).toBeVisible();
        await shot(page, `layout-${tag}-app2-zoomed-in`);
        for (let i = 0; i < 10; i++)
          await tree.getByRole('button', { name: 'Zoom out', exact: true }).click();
        await expect(tree.locator('.strip-run').first()).toBeAttached();
        await tree.getByRole('button', { name: 'Fit', exact: true }).click();
        await expect(tree.locator('.strip-run')).toHaveCount(0);

        if (size.width >= 1024) {
          await showPane(page, 'Files');
          await page.getByRole('button', { name: 'Merged', exact: true }).click();
          const tree2 = files(page);
          await page.getByLabel('Filter paths').fill('d20');
          const row = tree2.getByRole('treeitem', { name: /^d20\.txt/ });
          await expect(row).toBeVisible();
          const whole = await row
            .locator('.fname')
            .evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 0);
          expect(whole).toBe(true);
        }
      });
    });
  }
}

test.describe('wide screens', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('column splitters: pointer and keyboard resize, remembered after a reload', async ({ page }) => {
    await page.goto('./');
    await page.getByRole('button', { name: 'Open sample' }).click();
    await waitIndexed(page);
    const left = page.getByRole('separator', { name: 'Resize the layers column' });
    const right = page.getByRole('separator', { name: 'Resize the summary column' });
    await expect(left).toBeVisible();
    await expect(right).toBeVisible();
    const v0 = Number(await left.getAttribute('aria-valuenow'));
    await left.focus();
    await page.keyboard.press('ArrowRight');
    await expect(left).toHaveAttribute('aria-valuenow', String(v0 + 16));
    const box = (await left.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect(left).toHaveAttribute('aria-valuenow', String(v0 + 76));
    const col = page.locator('#pane-layers');
    expect(Math.round((await col.boundingBox())!.width)).toBe(v0 + 76);
    const r0 = Number(await right.getAttribute('aria-valuenow'));
    await right.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    await expect(right).toHaveAttribute('aria-valuenow', String(r0 + 64));
    await page.reload();
    await page.getByRole('button', { name: 'Open sample' }).click();
    await waitIndexed(page);
    await expect(left).toHaveAttribute('aria-valuenow', String(v0 + 76));
    await expect(right).toHaveAttribute('aria-valuenow', String(r0 + 64));
    await shot(page, 'layout-1440-light-splitters-moved');
  });

  test('multi-image tree: semantic zoom folds runs and shows counts; the hover card shows the whole command', async ({
    page,
  }) => {
    test.skip(!existsSync(MULTI), 'needs ../shared/fixtures/real');
    await page.goto('./');
    await openViaInput(page, MULTI);
    await waitIndexed(page);
    const tree = layerTree(page);
    const nodes = tree.getByRole('button', { name: /^Layer \d+:/ });
    // every image's layers drawn before counting them (on a loaded machine they arrive in turns)
    await expect(nodes.first()).toBeVisible();
    await expect.poll(() => nodes.count()).toBeGreaterThan(5);
    let all = 0;
    await expect
      .poll(async () => {
        const before = all;
        all = await nodes.count();
        return all === before;
      })
      .toBe(true);
    for (let i = 0; i < 4; i++) await tree.getByRole('button', { name: 'Zoom out', exact: true }).click();
    await expect(tree).toHaveAttribute('data-level', 'overview');
    await expect(tree.locator('.tree-run').first()).toBeAttached();
    await expect.poll(() => nodes.count()).toBeLessThan(all);
    await shot(page, 'layout-1440-light-multi-overview');
    for (let i = 0; i < 7; i++) await tree.getByRole('button', { name: 'Zoom in', exact: true }).click();
    await expect(tree).toHaveAttribute('data-level', 'detail');
    await expect(nodes).toHaveCount(all);
    await expect(tree.locator('.counts-text').first()).toBeAttached();
    await tree.getByRole('button', { name: 'Fit', exact: true }).click();
    // the fit animates: hover once the node has stopped moving
    const node = nodes.first();
    let last = '';
    await expect
      .poll(async () => {
        const box = await node.boundingBox();
        const now = JSON.stringify(box && [Math.round(box.x), Math.round(box.y), Math.round(box.width)]);
        const still = now === last;
        last = now;
        return still;
      })
      .toBe(true);
    await node.hover();
    const card = page.getByRole('tooltip');
    await expect(card).toBeVisible();
    const clipped = await card
      .locator('.tooltip-cmd')
      .evaluate((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
    expect(clipped).toBe(false);
    await shot(page, 'layout-1440-light-multi-hover');
  });
});
