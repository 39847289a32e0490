import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './pages/a11y.ts';
import { PlayerPage } from './pages/player-page.ts';

/**
 * The whole player with the keyboard alone (WCAG 2.1.1 and 2.1.2): start, the escape in
 * the terminal, out of the terminal with Escape then Tab, the editor and out of it, the
 * checks, and Reset through its confirmation. Nothing here uses the mouse.
 */
test('the player works from the keyboard alone, with no trap in the terminal or the editor', async ({ page }) => {
  test.setTimeout(180_000);
  const player = new PlayerPage(page);
  await player.goto('root-container-escape');
  await expectNoSeriousA11yViolations(page);

  await player.tabTo(player.startButton);
  await page.keyboard.press('Enter');
  await player.waitForPrompt();

  // The terminal has focus, and says how to leave it, in words a screen reader reads.
  await expect.poll(() => player.focusIsIn('.terminal')).toBe(true);
  const textarea = page.locator('.xterm-helper-textarea');
  const hintId = await textarea.getAttribute('aria-describedby');
  expect(hintId).toBeTruthy();
  await expect(page.locator(`[id="${hintId}"]`)).toHaveText(/press Esc then Tab to leave the terminal/);
  await expect(page.locator('.terminal-hint')).toBeVisible();

  // The scenario's escape, typed: the node's prompt, a command there, and back.
  await page.keyboard.type('kubectl wait -n monitoring deploy/node-monitor --for=condition=Available --timeout=60s');
  await page.keyboard.press('Enter');
  await player.expectTerminal(/condition met/, 70_000);
  await page.keyboard.type('kubectl exec -it -n monitoring deploy/node-monitor -- nsenter -t 1 -m -u -i -n -p -- sh');
  await page.keyboard.press('Enter');
  await page.keyboard.type('cat /etc/hostname');
  await page.keyboard.press('Enter');
  // xterm's rows read as one string: the command, then the node's name on the next row.
  await player.expectTerminal(/# cat \/etc\/hostname\s*paranoid-(control-plane|worker\d*)\s*#/, 30_000);
  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await player.expectTerminal(/root-container-escape:~\$\s*$/m);

  // Tab alone stays in the shell (completion); Escape then Tab leaves, and Shift+Tab leaves backwards.
  for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
  expect(await player.focusIsIn('.terminal')).toBe(true);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect(await player.focusIsIn('.terminal')).toBe(false);
  await expect(page.locator('.terminal-hint')).toHaveCount(0);
  await player.tabTo(textarea, { backwards: true });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  await expect(player.tab('Terminal')).toBeFocused();

  // The tabs follow the arrow keys; the editor keeps Tab for indenting until Escape.
  await page.keyboard.press('ArrowRight');
  await expect(player.tab('Editor')).toBeFocused();
  await expect(player.tab('Editor')).toHaveAttribute('aria-selected', 'true');
  const opened = page.getByRole('combobox', { name: 'Open file' });
  await expect(opened.locator('option:checked')).toHaveText(/cluster: Deployment monitoring\/node-monitor/, {
    timeout: 15_000,
  });
  const monacoInput = page.getByRole('textbox', { name: /^YAML editor/ });
  await player.tabTo(monacoInput);
  await page.keyboard.press('Tab');
  expect(await player.focusIsIn('.editor-host')).toBe(true);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect(await player.focusIsIn('.editor-host')).toBe(false);
  await expectNoSeriousA11yViolations(page, ['.xterm', '.monaco-editor']);

  // Checks from the keyboard.
  await player.tabTo(player.tab('Editor'), { backwards: true });
  await page.keyboard.press('End');
  await expect(player.tab('Checks')).toBeFocused();
  await player.tabTo(player.checkButton);
  await page.keyboard.press('Enter');
  await expect(player.verdict).toBeVisible({ timeout: 30_000 });
  await expectNoSeriousA11yViolations(page, ['.xterm', '.monaco-editor']);

  // Reset asks first; Cancel has focus, so Enter alone destroys nothing.
  const reset = page.getByRole('button', { name: 'Reset', exact: true });
  await player.tabTo(reset, { backwards: true });
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Reset the cluster?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expectNoSeriousA11yViolations(page, ['.xterm', '.monaco-editor']);
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Reset the cluster' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  // A fresh shell, by itself: the old screen is gone and a prompt waits.
  await expect(player.tab('Terminal')).toHaveAttribute('aria-selected', 'true');
  await player.waitForPrompt();
  await expect(player.terminalRows).not.toContainText('nsenter', { timeout: 15_000 });
  await expect(player.terminalStatus).not.toContainText('The shell exited');
});
