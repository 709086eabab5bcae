import { defineConfig, devices } from '@playwright/test';

/**
 * e2e tests run against the built site (npm run build) served from a sub-path by e2e/serve.ts, in
 * Debian's Chromium (Playwright cannot download its own browsers here). Headless, no network.
 */
const PORT = Number(process.env.E2E_PORT ?? 4321);
const BASE = '/tools/explorer/';

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}${BASE}`,
    viewport: { width: 1280, height: 720 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 720 } } },
  ],
  webServer: {
    command: `npx tsx e2e/serve.ts`,
    url: `http://127.0.0.1:${PORT}${BASE}`,
    env: { PORT: String(PORT), BASE },
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
  },
});
