import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { CatalogPage } from './pages/catalog-page.ts';
import { PlayerPage } from './pages/player-page.ts';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

const SCENARIO = 'missing-networkpolicy';
const SOLUTION = fileURLToPath(new URL(`../../scenarios/${SCENARIO}/solution/networkpolicies.yaml`, import.meta.url));
const ATTACK = 'kubectl exec -n sandbox intruder -- redis-cli -h db.shop.svc.cluster.local GET flag; echo "exit=$?"';

/** The walk-through: catalog, start, the attack works, fix in the editor, Check passes, reload keeps it. */
test('a learner attacks the flat network, fences it in the editor, and the grader agrees', async ({ page }) => {
  test.skip(!existsSync(SOLUTION), `scenario ${SCENARIO} is not in scenarios/`);
  test.setTimeout(120_000);
  const catalog = new CatalogPage(page);
  await catalog.goto();
  await catalog.open(SCENARIO);

  const player = new PlayerPage(page);
  await player.start();
  await expect(page.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');

  await player.run(ATTACK);
  await player.expectTerminal(/exit=0/);

  await player.check();
  await expect(player.verdict).toContainText(/\d+ of \d+ checks pass/);
  await expect(player.checkItem('intruder-cannot-reach-db')).toHaveAttribute('data-state', 'fail');
  await expect(player.checkItem('intruder-cannot-reach-db').locator('.check-message')).not.toBeEmpty();

  await player.edit(readFileSync(SOLUTION, 'utf8'));
  const outcome = await player.apply();
  await expect(outcome.locator('.outcome-fail')).toHaveCount(0);
  await expect(outcome).toContainText(/networkpolicy\/\S+ created/);

  await player.run(ATTACK);
  await player.expectTerminal(/exit=[1-9]/);

  await player.check();
  await expect(player.verdict).toContainText(/^All \d+ checks pass/);
  await expect(player.step('fix')).toHaveAttribute('data-state', 'done');

  await page.reload();
  await expect(player.step('fix')).toHaveAttribute('data-state', 'done');
  await player.tab('Checks').click();
  await expect(player.verdict).toContainText(/^All \d+ checks pass/);

  await catalog.goto();
  await expect(catalog.card(SCENARIO).locator('[data-progress]')).toHaveText(/Solved/);
});
