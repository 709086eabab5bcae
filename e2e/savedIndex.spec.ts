/**
 * Re-opening at once: the first open of a file keeps its index on the device (OPFS), a reload and
 * the same file again restore it, and the Saved indexes dialog shows, forgets and turns it off.
 * Screenshots in SHOTS_DIR: `saved-<width>-<scheme>.png`.
 */
import { expect, type Page, test } from '@playwright/test';
import { layers, openViaInput, SAMPLE, shot, status, waitIndexed } from './helpers';

/** True once the worker has written a saved index (it does so after the first answers). */
async function savedOnDevice(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let count = 0;
    try {
      const dir = await root.getDirectoryHandle('saved-indexes');
      for await (const name of dir.keys()) if (name.endsWith('.idx')) count++;
    } catch {
      /* not made yet */
    }
    return count;
  });
}

async function openDialog(page: Page) {
  await page.getByRole('button', { name: /^(Saved indexes|From saved index)$/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Saved indexes' });
  await expect(dialog).toBeVisible();
  return dialog;
}

for (const size of [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  for (const scheme of ['light', 'dark'] as const) {
    test.describe(`saved indexes at ${size.width} px, ${scheme}`, () => {
      test.use({ viewport: size, colorScheme: scheme });

      test('the same file opens again from its saved index; Forget and the switch work', async ({ page }) => {
        await page.goto('./');
        await openViaInput(page, SAMPLE);
        const entries = await waitIndexed(page);
        await expect(status(page)).not.toContainText('saved on this device');
        const layerCount = await layers(page).getByRole('option').count();
        await expect.poll(() => savedOnDevice(page), { timeout: 30_000 }).toBe(1);

        await page.reload();
        await openViaInput(page, SAMPLE);
        expect(await waitIndexed(page)).toBe(entries);
        await expect(status(page)).toContainText('from the index saved on this device');
        await expect(layers(page).getByRole('option')).toHaveCount(layerCount);

        const dialog = await openDialog(page);
        await expect(dialog.getByTestId('saved-total')).toContainText('1 archive');
        const list = dialog.getByRole('list', { name: 'Saved indexes' });
        await expect(list.getByRole('listitem')).toHaveCount(1);
        await expect(list).toContainText('sample.tar');
        await expect(list).toContainText('open now');
        await expect(list).toContainText(`${entries.toLocaleString('en-US')} entries`);
        await shot(page, `saved-${size.width}-${scheme}`);

        await dialog.getByRole('button', { name: 'Forget sample.tar' }).click();
        await expect(dialog.getByTestId('saved-total')).toHaveText('No index is kept on this device.');
        expect(await savedOnDevice(page)).toBe(0);

        const remember = dialog.getByRole('checkbox', { name: 'Remember indexes on this device' });
        await expect(remember).toBeChecked();
        await remember.uncheck();
        await dialog.getByRole('button', { name: 'Close' }).click();
        await expect(dialog).toBeHidden();

        await page.reload();
        await openViaInput(page, SAMPLE);
        expect(await waitIndexed(page)).toBe(entries);
        await expect(status(page)).not.toContainText('saved on this device');
        // nothing is written with the switch off
        await page.waitForTimeout(1500);
        expect(await savedOnDevice(page)).toBe(0);
        const again = await openDialog(page);
        await expect(
          again.getByRole('checkbox', { name: 'Remember indexes on this device' }),
        ).not.toBeChecked();
      });
    });
  }
}
