/**
 * The Secrets view on an image built in code: layer 1 adds a private key (and a .env with a
 * token), layer 2 deletes the key; the config's Env holds a token too. The key is reported as
 * "deleted in layer 2, still in the archive", its preview is redacted, Reveal shows it whole
 * only when clicked, and the links open the file in layer 1 and the layer. At 1280 and 390 px.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import { fake } from '../src/testing/fakeSecrets';
import { files, layers, openViaInput, shot, waitIndexed, writeFixture } from './helpers';

const TMP = '/tmp/ilx-e2e-secrets';
const key = fake.pemPrivateKey();
const keyBody = key.split('\n')[1];
const token = fake.githubToken(31);
const dotenvValue = fake.randomValue(30, 41);

function writeArchive(): string {
  return writeFixture(
    TMP,
    'leaky.tar',
    dockerArchive([
      {
        tags: ['leaky:1'],
        layers: [
          [
            { name: 'etc/', type: 'dir' },
            { name: 'etc/hostname', content: 'box\n' },
          ],
          [
            { name: 'root/', type: 'dir' },
            { name: 'root/.ssh/', type: 'dir' },
            { name: 'root/.ssh/id_rsa', content: key, mode: 0o600 },
            { name: 'app/', type: 'dir' },
            { name: 'app/.env', content: `MODE=prod\nAPI_SECRET=${dotenvValue}\n` },
          ],
          [
            { name: 'root/', type: 'dir' },
            { name: 'root/.ssh/', type: 'dir' },
            { name: 'root/.ssh/.wh.id_rsa', content: '' },
          ],
        ],
        history: [
          { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
          { createdBy: 'COPY secret-root/ / # buildkit' },
          { createdBy: 'RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit' },
        ],
        config: { Env: ['PATH=/usr/bin', `GITHUB_TOKEN=${token}`] },
      },
    ]),
  );
}

function secrets(page: Page) {
  return page.getByRole('region', { name: 'Secrets' });
}

/** axe-core on the Secrets region: its list, links and buttons, in the state shown. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  const result = await new AxeBuilder({ page }).include('.secrets-panel').analyze();
  const summary = result.violations.map(
    (v) => `${v.id} (${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`,
  );
  expect(summary, `axe violations, ${state}`).toEqual([]);
}

async function openLeaky(page: Page): Promise<void> {
  await page.goto('./');
  await openViaInput(page, writeArchive());
  await waitIndexed(page);
}

for (const width of [1280, 390]) {
  test(`a key deleted in layer 2 is reported, redacted, revealed on click (${width} px)`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: width > 1000 ? 800 : 844 });
    await openLeaky(page);
    if (width < 720) await page.getByRole('tab', { name: 'Summary' }).click();
    const panel = secrets(page);
    await panel.scrollIntoViewIfNeeded();
    await expect(panel).toContainText('3 findings', { timeout: 30_000 });
    await expect(panel).toContainText(/\d+ files scanned, 0 skipped/);
    const list = panel.getByRole('list', { name: 'Secret findings' });
    const keyItem = list.getByRole('listitem').filter({ hasText: 'Private key' });
    await expect(keyItem).toContainText('deleted in layer 2, still in the archive');
    await expect(keyItem.getByRole('button', { name: '/root/.ssh/id_rsa:1' })).toBeVisible();
    // Redacted by default: nothing of the key's body, nor the tokens, is in the view (the Image
    // summary's Config shows Env as the image has it; that is the config, not a finding).
    await expect(panel).not.toContainText(keyBody.slice(4, 40));
    await expect(panel).not.toContainText(token);
    await expect(panel).not.toContainText(dotenvValue);
    const envItem = list.getByRole('listitem').filter({ hasText: 'GitHub token' });
    await expect(envItem).toContainText(`${token.slice(0, 4)}…${token.slice(-4)}`);
    await expect(envItem).toContainText('in the image config');
    await expect(list.getByRole('listitem').filter({ hasText: '.env' })).toContainText(
      'visible in the final image',
    );
    await keyItem.scrollIntoViewIfNeeded();
    await shot(page, `secrets-${width}-redacted`);
    await expectAccessible(page, `${width} px, redacted`);

    // Reveal: only on click, and Hide takes it away again.
    await keyItem.getByRole('button', { name: 'Reveal' }).click();
    await expect(keyItem).toContainText(keyBody.slice(0, 40));
    await expect(panel).not.toContainText(token);
    await shot(page, `secrets-${width}-revealed`);
    await expectAccessible(page, `${width} px, revealed`);
    await keyItem.getByRole('button', { name: 'Hide' }).click();
    await expect(keyItem).not.toContainText(keyBody.slice(4, 40));

    // The page never scrolls sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // The file link opens the key where it is still in the archive: layer 1's changes.
    await keyItem.getByRole('button', { name: '/root/.ssh/id_rsa:1' }).click();
    await expect(files(page).getByRole('treeitem', { name: /^id_rsa, added/ })).toBeVisible();
    await shot(page, `secrets-${width}-file`);
    if (width < 720) await page.getByRole('tab', { name: 'Layers' }).click();
    await expect(layers(page).getByRole('option', { selected: true })).toHaveAccessibleName(
      /^COPY secret-root/,
    );
  });
}

test('the layer link selects the layer, Scan again works; dark at 1024 px', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1024, height: 768 });
  await openLeaky(page);
  await page.getByRole('tab', { name: 'Summary' }).click();
  const panel = secrets(page);
  await expect(panel).toContainText('3 findings', { timeout: 30_000 });
  const keyItem = panel.getByRole('listitem').filter({ hasText: 'Private key' });
  await keyItem.getByRole('button', { name: 'Layer 1' }).click();
  await expect(layers(page).getByRole('option', { selected: true })).toHaveAccessibleName(
    /^COPY secret-root/,
  );
  await panel.getByRole('button', { name: 'Scan again' }).click();
  await expect(panel).toContainText('3 findings', { timeout: 30_000 });
  await expect(panel.getByRole('button', { name: 'Scan again' })).toBeVisible();
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'secrets-1024-dark');
  await expectAccessible(page, '1024 px, dark');
});

for (const { width, scheme } of [
  { width: 1440, scheme: 'light' },
  { width: 1280, scheme: 'dark' },
  { width: 1024, scheme: 'light' },
  { width: 390, scheme: 'dark' },
] as const) {
  test(`each layer counts its secrets; a click on the count narrows Secrets to it (${width} px, ${scheme})`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
    await openLeaky(page);
    // Below 1100 px Summary is a tab; below 720 px Layers is one too.
    const summaryTab = width < 1100;
    const narrow = width < 720;
    if (summaryTab) await page.getByRole('tab', { name: 'Summary' }).click();
    const panel = secrets(page);
    await expect(panel).toContainText('3 findings', { timeout: 30_000 });
    if (narrow) await page.getByRole('tab', { name: 'Layers' }).click();
    // Layer 1 holds the key and the .env; the token is in the config, no layer's.
    const layer1 = layers(page).getByRole('option', { name: /^COPY secret-root/ });
    await expect(layer1).toHaveAccessibleName(/, 2 secrets, /);
    await expect(layer1.locator('.layer-secrets')).toHaveText('2 secrets');
    await expect(layers(page).getByRole('option', { name: /secrets?,/ })).toHaveCount(1);
    if (!narrow) {
      // the layer strip (one image) marks the same layer, in its name and on its bar
      const node = page.getByRole('button', { name: /^Layer 1: .*, 2 secrets(, |$)/ });
      await expect(node).toHaveCount(1);
      await expect(node.locator('.strip-secrets text')).toHaveText('2');
      await expect(page.getByRole('button', { name: /^Layer [02]: .*secrets?(, |$)/ })).toHaveCount(0);
      const strip = await new AxeBuilder({ page }).include('.strip-canvas').analyze();
      expect(
        strip.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      ).toEqual([]);
      await node.scrollIntoViewIfNeeded();
      await shot(page, `secrets-${width}-${scheme}-strip`);
    }
    await layer1.scrollIntoViewIfNeeded();
    await shot(page, `secrets-${width}-${scheme}-layer-count`);
    await layer1.locator('.layer-secrets').click();
    // The click selects the layer too; on a phone it brings the Summary pane (where Secrets is) into sight.
    if (!narrow)
      await expect(layers(page).getByRole('option', { selected: true })).toHaveAccessibleName(
        /^COPY secret-root/,
      );
    if (summaryTab)
      await expect(page.getByRole('tab', { name: 'Summary' })).toHaveAttribute('aria-selected', 'true');
    const show = panel.getByRole('combobox', { name: 'Show findings of' });
    await expect(show).toHaveValue('1');
    const list = panel.getByRole('list', { name: 'Secret findings' });
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await expect(list).not.toContainText('GitHub token');
    await expect(panel).toContainText('2 findings in layer 1');
    await panel.scrollIntoViewIfNeeded();
    await shot(page, `secrets-${width}-${scheme}-filtered`);
    await expectAccessible(page, `${width} px ${scheme}, filtered to layer 1`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await show.selectOption('');
    await expect(list.getByRole('listitem')).toHaveCount(3);
  });
}
