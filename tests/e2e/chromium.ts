import type { LaunchOptions } from '@playwright/test';

/**
 * Debian's Chromium, never a browser Playwright downloads: this project's
 * machines reach only the npm and Debian registries.
 */
export function chromiumLaunchOptions(): LaunchOptions {
  return {
    executablePath: process.env.PARANOID_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  };
}
