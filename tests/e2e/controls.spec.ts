import { expect, test } from '@playwright/test';
import { PlayerPage } from './pages/player-page.ts';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.describe('controls that cannot lose a learner’s work by surprise', () => {
  test('the editor opens the live object to fix, never a setup file, and warns before applying an older copy', async ({
    page,
  }) => {
    const player = new PlayerPage(page);
    await player.goto('exposed-dashboard');
    await player.start();
    await player.tab('Editor').click();
    const files = page.getByRole('combobox', { name: 'Open file' });
    await expect(files.locator('option:checked')).toHaveText(
      'cluster: Deployment kubernetes-dashboard/kubernetes-dashboard',
      {
        timeout: 20_000,
      },
    );
    const labels = await files.locator('option').allTextContents();
    expect(labels.filter((l) => /setup|\.yaml$/.test(l))).toEqual([]);
    await expect(page.locator('.monaco-editor').first()).toContainText('kind: Deployment');

    // Someone changes the object in the terminal after it was opened.
    await player.run('kubectl -n kubernetes-dashboard annotate deploy kubernetes-dashboard reviewed=yes');
    await player.expectTerminal(/annotated/);
    await player.tab('Editor').click();
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    const warning = page.locator('.apply-outcome [role="alert"]');
    await expect(warning).toContainText(
      'Not applied: Deployment kubernetes-dashboard/kubernetes-dashboard changed in the cluster since you opened it.',
    );
    await warning.getByRole('button', { name: 'Reload from the cluster' }).click();
    await expect(page.locator('.monaco-editor').first()).toContainText(/reviewed:\s"?yes/);
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect(page.locator('.apply-outcome .outcome-ok')).toContainText(
      'deployment/kubernetes-dashboard configured',
    );
  });

  test('Reset and End ask first; Reset brings a fresh shell by itself', async ({ page }) => {
    const player = new PlayerPage(page);
    await player.goto('root-container-escape');
    await player.start();
    await player.run('echo "before-reset $((1+1))"');
    await player.expectTerminal(/before-reset 2/);

    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    const resetDialog = page.getByRole('dialog', { name: 'Reset the cluster?' });
    await expect(resetDialog).toContainText('every change you made in it is lost');
    await resetDialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(resetDialog).toHaveCount(0);
    await expect(player.terminalRows).toContainText('before-reset 2');

    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await resetDialog.getByRole('button', { name: 'Reset the cluster' }).click();
    await player.waitForPrompt();
    await expect(player.terminalRows).not.toContainText('before-reset', { timeout: 15_000 });
    // Typing goes straight to the new shell: no "Start a new shell" click needed.
    await page.locator('.xterm-helper-textarea').focus();
    await page.keyboard.type('echo "after-reset $((2+2))"');
    await page.keyboard.press('Enter');
    await player.expectTerminal(/after-reset 4/);

    await page.getByRole('button', { name: 'End', exact: true }).click();
    const endDialog = page.getByRole('dialog', { name: 'End this session?' });
    await endDialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'End', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'End', exact: true }).click();
    await endDialog.getByRole('button', { name: 'End the session' }).click();
    await expect(player.startButton).toBeVisible();
  });

  test('Extend adds time, says how much, and stops at the stated limit', async ({ page }) => {
    test.setTimeout(90_000);
    const player = new PlayerPage(page);
    await player.goto('missing-networkpolicy');
    await player.start();
    const minutes = async () => Number(((await player.countdown.textContent()) ?? '0:00').split(':')[0]);
    const before = await minutes();
    expect(before).toBeLessThanOrEqual(45);
    const extend = page.getByRole('button', { name: 'Extend', exact: true });
    await extend.click();
    const note = page.locator('.extend-note');
    await expect(note).toHaveText(
      /^Added 4[45] minutes: (89|90) minutes left\. Each Extend adds up to 45 minutes; a session lasts at most 4 hours from its start\.$/,
    );
    expect(await minutes()).toBeGreaterThanOrEqual(before + 44);
    // Up to the limit: four hours from the start, then the button says no more.
    // Each click waits for its answer to show, or the next check of the button races the render.
    for (let i = 0; i < 6 && (await extend.isEnabled()); i++) {
      const shown = (await note.textContent()) ?? '';
      await extend.click();
      await expect(note).not.toHaveText(shown);
    }
    await expect(note).toContainText('A session lasts at most 4 hours from its start');
    await expect(extend).toBeDisabled();
    expect(await minutes()).toBeGreaterThanOrEqual(238);
  });
});
