/**
 * The common tasks, done as a person does them at a phone's (390), a small laptop's (1024) and a
 * desktop's (1440) width, counting the taps (clicks) each takes: open the sample and see the
 * wasted space; find a file by search; see a file's contents; see which layer deleted a file.
 * Typing is not counted; a scroll a task needs is counted apart. README's app section lists the
 * same counts (TAPS below), so a change that adds a tap fails here and is written down there.
 * Screenshots: SHOTS_DIR/task-<task>-<width>-<scheme>.png.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { files, SAMPLE, SHOTS, shot, summary, waitIndexed } from './helpers';

const SIZES = [
  { width: 390, height: 844 },
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
] as const;

type Task = 'wasted' | 'search' | 'contents' | 'deleted';

/** Taps and scrolls per task and width: what README's table says. */
const TAPS: Record<Task, Record<number, { taps: number; scrolls: number }>> = {
  wasted: { 390: { taps: 1, scrolls: 0 }, 1024: { taps: 1, scrolls: 0 }, 1440: { taps: 1, scrolls: 0 } },
  search: { 390: { taps: 3, scrolls: 0 }, 1024: { taps: 3, scrolls: 0 }, 1440: { taps: 2, scrolls: 0 } },
  contents: { 390: { taps: 5, scrolls: 1 }, 1024: { taps: 5, scrolls: 1 }, 1440: { taps: 4, scrolls: 0 } },
  deleted: { 390: { taps: 2, scrolls: 0 }, 1024: { taps: 2, scrolls: 0 }, 1440: { taps: 1, scrolls: 0 } },
};

/** Counts what a person does. */
class Person {
  taps = 0;
  scrolls = 0;
  constructor(private readonly page: Page) {}

  async tap(target: Locator): Promise<void> {
    await target.click();
    this.taps++;
  }

  /** Shows a pane by its tab when the screen shows it alone; nothing to do when it is on screen. */
  async show(pane: 'Layers' | 'Files' | 'Summary'): Promise<void> {
    const tab = this.page
      .getByRole('tablist', { name: 'Panes' })
      .getByRole('tab', { name: pane, exact: true });
    if ((await tab.count()) === 0 || !(await tab.isVisible())) return;
    if ((await tab.getAttribute('aria-selected')) === 'true') return;
    await this.tap(tab);
    await expect(tab).toHaveAttribute('aria-selected', 'true');
  }

  /** Brings `target` into the window when it is not wholly there (one scroll, counted). */
  async lookAt(target: Locator): Promise<void> {
    await expect(target).toBeVisible();
    const inView = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
    });
    if (!inView) {
      await target.scrollIntoViewIfNeeded();
      this.scrolls++;
    }
    await expect(target).toBeInViewport();
  }
}

async function openSample(page: Page, person: Person): Promise<void> {
  await page.goto('./');
  await person.tap(page.getByRole('button', { name: 'Open sample' }));
  await waitIndexed(page);
}

const counted: Record<string, { taps: number; scrolls: number }> = {};

for (const size of SIZES) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size });

    const finish = async (page: Page, person: Person, task: Task) => {
      await shot(page, `task-${task}-${size.width}-light`);
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, `task-${task}-${size.width}-dark`);
      counted[`${task}@${size.width}`] = { taps: person.taps, scrolls: person.scrolls };
      expect({ taps: person.taps, scrolls: person.scrolls }, `${task} at ${size.width}`).toEqual(
        TAPS[task][size.width],
      );
    };

    test(`open the sample and see the wasted space (${size.width})`, async ({ page }) => {
      test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
      const person = new Person(page);
      await openSample(page, person);
      await person.show('Summary');
      const wasted = summary(page).getByText(/^Wasted$/);
      await person.lookAt(wasted);
      await expect(summary(page)).toContainText(/Wasted\s*\d+(\.\d+)? (B|KB|MB)/);
      await person.lookAt(summary(page).locator('.ineff-list > li').first());
      await finish(page, person, 'wasted');
    });

    test(`find a file by search (${size.width})`, async ({ page }) => {
      test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
      const person = new Person(page);
      await openSample(page, person);
      person.taps = 0; // opening is the first task's
      await person.show('Files');
      const box = page.getByRole('search', { name: 'Search all layers' });
      await person.tap(box.getByRole('searchbox'));
      await page.keyboard.type('robots.txt');
      const hit = box.getByRole('list', { name: 'Search results' }).getByRole('button').first();
      await expect(hit).toHaveAccessibleName(/^\/srv\/www\/robots\.txt layer \d+ added/);
      await person.tap(hit);
      const row = files(page).getByRole('treeitem', { name: /^robots\.txt/ });
      await expect(row).toHaveAttribute('aria-selected', 'true');
      await person.lookAt(row);
      await finish(page, person, 'search');
    });

    test(`see a file's contents, through the tree (${size.width})`, async ({ page }) => {
      test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
      const person = new Person(page);
      await openSample(page, person);
      person.taps = 0;
      await person.show('Files');
      // the last layer's own changes do not hold it: the whole filesystem does
      await person.tap(page.getByRole('button', { name: 'Merged', exact: true }));
      for (const folder of ['/srv', '/srv/www']) {
        const row = files(page).locator(`[role="treeitem"][title="${folder}"]`);
        if ((await row.getAttribute('aria-expanded')) !== 'true') await person.tap(row);
        await expect(row).toHaveAttribute('aria-expanded', 'true');
      }
      await person.tap(files(page).locator('[role="treeitem"][title="/srv/www/robots.txt"]'));
      const viewer = page.getByRole('region', { name: 'File contents' });
      await expect(viewer).toContainText('User-agent: *');
      await person.lookAt(viewer.getByText('User-agent: *'));
      await finish(page, person, 'contents');
    });

    test(`see which layer deleted a file (${size.width})`, async ({ page }) => {
      test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
      const person = new Person(page);
      await openSample(page, person);
      person.taps = 0;
      await person.show('Files');
      const box = page.getByRole('search', { name: 'Search all layers' });
      await person.tap(box.getByRole('searchbox'));
      await page.keyboard.type('hero.jpg');
      // the hit says it: the layer and the change, without another tap
      const removed = box
        .getByRole('list', { name: 'Search results' })
        .getByRole('button', { name: /^\/srv\/www\/img\/hero\.jpg layer 3 removed/ });
      await person.lookAt(removed);
      await finish(page, person, 'deleted');
    });
  });
}

test.afterAll(() => {
  if (Object.keys(counted).length === 0) return;
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, `task-taps-${process.pid}.json`), JSON.stringify(counted, null, 2));
});
