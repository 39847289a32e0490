import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './pages/a11y.ts';

/** The header's display name: "Anonymous" until the learner names themselves; kept by the runner. */
test.describe('the display name in the header', () => {
  test('starts anonymous, takes a name that outlives a reload, and can go back to anonymous', async ({ page }) => {
    await page.goto('/');
    const toggle = page.getByRole('button', { name: /^Your display name:/ });
    await expect(toggle).toHaveText(/Anonymous/);
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');

    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const field = page.getByLabel('Display name', { exact: true });
    await expect(field).toBeFocused();
    await expectNoSeriousA11yViolations(page);
    await field.fill('  Ada Lovelace  ');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(toggle).toHaveText(/Ada Lovelace\s*$/);
    await expect(field).toBeHidden();
    await expect(toggle).toBeFocused();

    // The runner keeps it with the learner (cookie), not the page.
    const me = (await (await page.request.get('/api/me')).json()) as { learner: { displayName: string | null } };
    expect(me.learner.displayName).toBe('Ada Lovelace');
    await page.reload();
    await expect(toggle).toHaveText(/Ada Lovelace\s*$/);
    await page.goto('/lessons/');
    await expect(page.getByRole('button', { name: /^Your display name:/ })).toHaveText(/Ada Lovelace\s*$/);

    await page.getByRole('button', { name: /^Your display name:/ }).click();
    await expect(page.getByLabel('Display name', { exact: true })).toHaveValue('Ada Lovelace');
    await page.getByLabel('Display name', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('button', { name: /^Your display name:/ })).toHaveText(/Anonymous\s*$/);
  });

  test('Escape closes the form without saving, and a name the runner refuses is explained', async ({ page }) => {
    await page.goto('/');
    const toggle = page.getByRole('button', { name: /^Your display name:/ });
    await toggle.click();
    const field = page.getByLabel('Display name', { exact: true });
    await field.fill('Not saved');
    await page.keyboard.press('Escape');
    await expect(field).toBeHidden();
    await expect(toggle).toBeFocused();
    await expect(toggle).toHaveText(/Anonymous\s*$/);

    // maxlength stops typing past 40; a script could still send more, and the runner says why it refuses.
    await toggle.click();
    await field.evaluate((el: HTMLInputElement) => {
      el.removeAttribute('maxlength');
      el.value = 'x'.repeat(41);
    });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: /at most 40 characters/ })).toBeVisible();
    await expect(toggle).toHaveText(/Anonymous\s*$/);
  });
});
