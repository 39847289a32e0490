import { expect, test } from '@playwright/test';

test('the home page introduces the lab', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Only the paranoid survive');
  await expect(page).toHaveTitle(/Paranoid/);
});
