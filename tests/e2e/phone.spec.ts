import { expect, type Page, test } from '@playwright/test';
import { PlayerPage } from './pages/player-page.ts';

/** Nothing may stick out of the viewport sideways: the page is as wide as the screen. */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, 'the page is wider than the screen').toBeLessThanOrEqual(clientWidth);
}

/** The element is drawn, has room, and lies within the screen's width. */
async function expectOnScreen(page: Page, name: string, box: { x: number; width: number; height: number } | null) {
  const width = page.viewportSize()!.width;
  expect(box, `${name} is not drawn`).not.toBeNull();
  expect(box!.width, `${name} has no width`).toBeGreaterThan(10);
  expect(box!.height, `${name} has no height`).toBeGreaterThan(5);
  expect(box!.x, `${name} starts off-screen`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${name} ends off-screen`).toBeLessThanOrEqual(width + 0.5);
}

for (const viewport of [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
]) {
  test(`the player fits a ${viewport.name} (${viewport.width}x${viewport.height})`, async ({ page }, info) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const player = new PlayerPage(page);
    await player.goto('exposed-dashboard');
    await expectNoHorizontalOverflow(page);
    await player.start();
    await page.evaluate(() => window.scrollTo(0, 0));

    await expectNoHorizontalOverflow(page);
    const title = page.getByRole('heading', { level: 1 });
    await expectOnScreen(page, 'the title', await title.boundingBox());
    await expectOnScreen(page, 'the incident line', await page.locator('.player-title .incident').boundingBox());
    // The incident line reads as a line, not one word per line: it is no taller than two lines.
    const incident = await page.locator('.player-title .incident').boundingBox();
    expect(incident!.height).toBeLessThan(48);
    await expectOnScreen(page, 'the timer', await page.locator('.countdown').boundingBox());
    for (const name of ['Extend', 'Check', 'Reset', 'End']) {
      const button = page.getByRole('button', { name, exact: true });
      await expect(button).toBeVisible();
      await expectOnScreen(page, name, await button.boundingBox());
    }
    // The timer and the title do not overlap.
    const timer = await page.locator('.countdown').boundingBox();
    const titleBox = await title.boundingBox();
    expect(timer!.y >= titleBox!.y + titleBox!.height || timer!.x >= titleBox!.x + titleBox!.width).toBe(true);
    await page.screenshot({ path: info.outputPath(`${viewport.name}-top.png`) });
    await info.attach(`${viewport.name}-top`, { path: info.outputPath(`${viewport.name}-top.png`) });

    // Every tab is on screen and opens its panel.
    for (const name of ['Terminal', 'Editor', 'Cluster map', 'Checks'] as const) {
      const tab = player.tab(name);
      await tab.scrollIntoViewIfNeeded();
      await expectOnScreen(page, `the ${name} tab`, await tab.boundingBox());
      await tab.click();
      await expect(tab).toHaveAttribute('aria-selected', 'true');
      await expectNoHorizontalOverflow(page);
    }
    await expect(player.checkButton).toBeVisible();
    await expectOnScreen(page, 'Check my fix', await player.checkButton.boundingBox());
    await page.screenshot({ path: info.outputPath(`${viewport.name}-checks.png`) });
    await info.attach(`${viewport.name}-checks`, { path: info.outputPath(`${viewport.name}-checks.png`) });

    await player.tab('Terminal').click();
    await player.run('echo "fits $((20+1))"');
    await player.expectTerminal(/fits 21/);
    await page.screenshot({ path: info.outputPath(`${viewport.name}-terminal.png`) });
    await info.attach(`${viewport.name}-terminal`, { path: info.outputPath(`${viewport.name}-terminal.png`) });
  });
}
