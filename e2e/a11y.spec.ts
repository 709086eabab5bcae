/**
 * axe-core, measured: zero violations at 390×844, 1024×700, 1280×800 and 1440×900, light and
 * dark, with an archive open (the sample, and multi.docker.tar when ../shared is there) and each
 * main view shown: Changes, Merged and a file's contents.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { files, openViaInput, REAL, shot, waitIndexed } from './helpers';

const SIZES = [
  { width: 390, height: 844 },
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;
const MULTI = join(REAL, 'multi.docker.tar');

// Each test runs axe up to six times on a full page: on a loaded two-core machine that alone can
// take a minute, so these get three (the assertions are unchanged).
test.describe.configure({ timeout: 180_000 });

async function expectNoViolations(page: Page, state: string): Promise<void> {
  // let the staged panels mount and transitions settle before measuring
  await page.waitForTimeout(150);
  const result = await new AxeBuilder({ page }).analyze();
  const summary = result.violations.map(
    (v) =>
      `${v.id} (${v.nodes.length}): ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n')[1] ?? ''}`)
        .join(' | ')}`,
  );
  expect(summary, `axe violations, ${state}`).toEqual([]);
}

async function showPane(page: Page, tab: 'Layers' | 'Files' | 'Summary'): Promise<void> {
  const t = page.getByRole('tab', { name: tab });
  if ((await t.count()) > 0 && (await t.isVisible())) await t.click();
}

/** Every pane of the workspace in turn (one at a time on a narrow screen), then the views. */
async function auditViews(page: Page, tag: string): Promise<void> {
  for (const pane of ['Summary', 'Layers'] as const) {
    await showPane(page, pane);
    await expectNoViolations(page, `${tag}, ${pane}`);
  }
  await showPane(page, 'Files');
  await expectNoViolations(page, `${tag}, Changes`);
  await page.getByRole('button', { name: 'Merged', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expectNoViolations(page, `${tag}, Merged`);
  await shot(page, `a11y-${tag}-merged`);
  // a file's contents: the first regular file under /etc
  await page.getByLabel('Filter paths').fill('passwd');
  const row = files(page)
    .getByRole('treeitem', { name: /^passwd/ })
    .first();
  await row.click();
  await expect(page.getByRole('region', { name: 'File contents' })).toContainText(/root/);
  await expectNoViolations(page, `${tag}, contents`);
  await shot(page, `a11y-${tag}-contents`);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    const tag = `${size.width}-${scheme}`;
    test.describe(`axe ${size.width}×${size.height} ${scheme}`, () => {
      test.use({ viewport: size, colorScheme: scheme });

      test(`welcome and the sample: no violations (${tag})`, async ({ page }) => {
        await page.goto('./');
        await expectNoViolations(page, `${tag}, welcome`);
        await page.getByRole('button', { name: 'Open sample' }).click();
        await waitIndexed(page);
        await auditViews(page, `${tag}-sample`);
      });

      test(`multi.docker.tar: no violations (${tag})`, async ({ page }) => {
        test.skip(!existsSync(MULTI), 'needs ../shared/fixtures/real');
        await page.goto('./');
        await openViaInput(page, MULTI);
        await waitIndexed(page);
        await auditViews(page, `${tag}-multi`);
      });
    });
  }
}
