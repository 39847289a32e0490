import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { parseAllDocuments } from 'yaml';
import { PlayerPage } from './pages/player-page.ts';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function solve(page: Page, id: string): Promise<void> {
  const player = new PlayerPage(page);
  await player.goto(id);
  // A fresh start every time: forget any session this browser holds for the scenario.
  await page.evaluate(() => localStorage.removeItem('paranoid-lab'));
  await page.reload();
  await player.start();
  await player.check();
  await expect(player.verdict).not.toContainText(/^All/);

  await player.tab('Checks').click();
  await page.getByRole('button', { name: 'Reveal the solution…' }).click();
  await page.getByRole('button', { name: 'Reveal it' }).click();
  const files = page.locator('.solution figure.code');
  await expect(files.first()).toBeVisible();
  for (const figure of await files.all()) {
    const path = ((await figure.locator('figcaption').textContent()) ?? '').trim();
    const text = (await figure.locator('code').textContent()) ?? '';
    if (path.endsWith('delete.yaml')) {
      let n = 0;
      for (const doc of parseAllDocuments(text)) {
        for (const d of (doc.toJS() as Deletion[] | null) ?? []) {
          const ns = d.namespace ? `-n ${d.namespace} ` : '';
          const what = d.name ?? `-l '${d.labelSelector}'`;
          // Each deletion ends before the next starts: the shell prints deleted-<n> only when this
          // one returned (the typed text shows the arithmetic, not the number).
          n += 1;
          await player.run(`kubectl delete ${ns}${d.kind.toLowerCase()} ${what} && echo deleted-$((${n}+1000))`);
          await player.expectTerminal(new RegExp(`deleted-${n + 1000}`), 30_000);
        }
      }
      continue;
    }
    // Manifests, and a cloud.yaml as it is shown (the nodes' metadata options), apply in the editor.
    await player.edit(text);
    const outcome = await player.apply();
    await expect(outcome.locator('.outcome-fail')).toHaveCount(0);
    if (path.endsWith('cloud.yaml')) await expect(outcome).toContainText(/instance\/i-0[0-9a-f]{16} configured/);
  }
  // Controllers roll the fix out (new pods replace old ones): press Check again until it settles.
  await expect(async () => {
    await player.check();
    await expect(player.verdict).toContainText(/^All \d+ checks pass/, { timeout: 1000 });
  }).toPass({ timeout: 45_000, intervals: [1000, 2000, 3000] });
  await page.reload();
  await expect(page.locator('.step[data-state="done"]').first()).toBeVisible();
}

interface Health {
  grader: boolean;
}

/** An entry of a solution's `delete.yaml` (scenarios/README.md): by name or by label. */
interface Deletion {
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
}

/** The seed scenarios, one test each, so one can be run alone (`--grep cryptominer-image`). */
const SCENARIOS = readdirSync(fileURLToPath(new URL('../../scenarios/', import.meta.url)), { withFileTypes: true })
  .filter(
    (e) =>
      e.isDirectory() && existsSync(fileURLToPath(new URL(`../../scenarios/${e.name}/scenario.yaml`, import.meta.url))),
  )
  .map((e) => e.name)
  .sort();

/**
 * Every seed scenario, solved the way a learner would: reveal the reference solution,
 * delete what it deletes in the terminal, apply the rest in the editor, press Check,
 * see every check pass, reload and find the progress kept.
 */
test.describe('every seed scenario solves through its reference solution', () => {
  test.describe.configure({ timeout: 120_000 });

  for (const id of SCENARIOS) {
    test(id, async ({ page, request }) => {
      const health = (await (await request.get('/api/health')).json()) as Health;
      test.skip(!health.grader, 'the runner has no grader wired (runner/kube/src/client.ts missing)');
      // No retry: a reference solution must be robust on the real clock (a CronJob that fires
      // during the fix is the solution's problem, not the test's).
      await solve(page, id);
    });
  }
});
