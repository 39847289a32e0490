import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/chromium.ts';

const port = Number(process.env.PARANOID_E2E_PORT ?? 7431);
// Progress lives here for the run; each test's fresh browser is a new anonymous learner.
const dataDir = join(tmpdir(), `paranoid-e2e-${port}`);

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // The lab exactly as a learner starts it, minus the browser opening. The whole suite is one
    // client at one address starting dozens of sessions in minutes, as a room behind one proxy
    // would: the per-address limits are raised the way such an operator raises them.
    command: `pnpm --dir .. paranoid serve --provider sim --port ${port} --data-dir ${dataDir} --max-sessions-per-address 200 --starts-per-minute 600`,
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
