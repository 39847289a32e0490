import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './pages/a11y.ts';
import { InstructorPage } from './pages/instructor-page.ts';
import { PlayerPage } from './pages/player-page.ts';

const SCENARIO = 'missing-networkpolicy';
const TITLE = 'One flat network';
const SOLUTION = fileURLToPath(new URL(`../../scenarios/${SCENARIO}/solution/networkpolicies.yaml`, import.meta.url));
// The runner playwright.config.ts starts keeps its data here; a token written now works at once.
const DATA_DIR = join(tmpdir(), `paranoid-e2e-${Number(process.env.PARANOID_E2E_PORT ?? 7431)}`);

interface ReportRow {
  displayName: string;
  status: string;
  checksPassed: number;
  checksTotal: number;
  hintsUsed: number;
  completionRecord?: { payload: string; signature: string };
}

async function learner(browser: Browser, baseURL: string, code: string, name: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await page.goto(`/join/?code=${encodeURIComponent(code)}`);
  await expect(page.getByLabel('Workshop code', { exact: true })).toHaveValue(code);
  await page.getByLabel('Your display name in this workshop').fill(name);
  await page.getByRole('button', { name: 'Join the workshop' }).click();
  await expect(page.getByRole('heading', { name: 'E2E workshop' })).toBeVisible();
  await expect(page.getByRole('link', { name: TITLE })).toBeVisible();
  return page;
}

/**
 * The room: an instructor and three learners. One solves through the terminal
 * and Check, one reveals a hint, one does nothing; the roster follows without a reload.
 */
test('an instructor runs a workshop for three learners and the roster and report follow the grader', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const { token } = rotateInstructorToken(DATA_DIR);
  const instructorContext = await browser.newContext({ baseURL: baseURL! });
  const instructor = new InstructorPage(await instructorContext.newPage());
  await instructor.signIn(token);
  const code = await instructor.create({ title: 'E2E workshop', scenarios: [TITLE], seats: 3, stuckMinutes: 0.25 });

  const solver = await learner(browser, baseURL!, code, 'Solver');
  const hinter = await learner(browser, baseURL!, code, 'Hinter');
  const idle = await learner(browser, baseURL!, code, 'Idle');
  // All three appear without a reload.
  await expect(instructor.roster.locator('tbody tr')).toHaveCount(3);

  // A fourth learner is told the room is full.
  const late = await (await browser.newContext({ baseURL: baseURL! })).newPage();
  await late.goto(`/join/?code=${code}`);
  await late.getByLabel('Your display name in this workshop').fill('Late');
  await late.getByRole('button', { name: 'Join the workshop' }).click();
  await expect(late.getByRole('alert')).toHaveText('this workshop is full');
  await expectNoSeriousA11yViolations(late);

  // The hinter starts the scenario, checks, and reveals one hint of a failing check.
  await hinter.getByRole('link', { name: TITLE }).click();
  const hinterPlayer = new PlayerPage(hinter);
  await hinterPlayer.start();
  await hinterPlayer.check();
  await hinter
    .getByRole('button', { name: /^Show a hint \(1 of \d+\)$/ })
    .first()
    .click();
  await expect(hinter.locator('.hint').first()).toBeVisible();
  await expect(instructor.cell('Hinter', 'hints')).toHaveText('1');

  // The solver fixes the cluster from the terminal, and the runner's own Check passes.
  await solver.getByRole('link', { name: TITLE }).click();
  const player = new PlayerPage(solver);
  await player.start();
  const yaml = Buffer.from(readFileSync(SOLUTION, 'utf8')).toString('base64');
  await player.run(`echo ${yaml} | base64 -d | kubectl apply -f -; echo "applied=$?"`);
  await player.expectTerminal(/applied=0/, 30_000);
  await player.check();
  await expect(player.verdict).toContainText(/^All \d+ checks pass/);
  const total = Number((await player.verdict.textContent())?.match(/All (\d+)/)?.[1]);

  // The roster follows without a reload.
  await expect(instructor.cell('Solver', 'status')).toContainText('completed');
  await expect(instructor.cell('Solver', 'checks')).toHaveText(`${total}/${total}`);
  await expect(instructor.cell('Hinter', 'status')).not.toContainText('completed');
  await expect(instructor.row('Idle')).toContainText('not started');
  await expect(instructor.cell('Idle', 'status')).toContainText('stuck', { timeout: 30_000 });
  await expect(instructor.cell('Solver', 'status')).not.toContainText('stuck');

  // A broadcast reaches the player.
  await instructor.page.getByLabel('Message to every learner', { exact: true }).fill('Ten minutes left');
  await instructor.page.getByRole('button', { name: 'Broadcast' }).click();
  await expect(solver.getByTestId('workshop-broadcast')).toContainText('Ten minutes left', { timeout: 15_000 });

  // The report's rows match what the room did.
  const workshopId = new URL(instructor.page.url()).searchParams.get('workshop')!;
  const res = await instructor.page.request.get(`/api/workshops/${workshopId}/report?format=json`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const rows = ((await res.json()) as { rows: ReportRow[] }).rows;
  const by = Object.fromEntries(rows.map((r) => [r.displayName, r]));
  expect(rows).toHaveLength(3);
  expect(by.Solver).toMatchObject({ status: 'completed', checksPassed: total, checksTotal: total, hintsUsed: 0 });
  expect(by.Solver!.completionRecord?.signature).toBeTruthy();
  expect(by.Hinter).toMatchObject({ status: 'in progress', hintsUsed: 1 });
  expect(by.Hinter!.completionRecord).toBeUndefined();
  expect(by.Idle).toMatchObject({ status: 'not started', hintsUsed: 0, checksPassed: 0 });

  // A reload of the instructor page keeps everything.
  await instructor.page.reload();
  await expect(instructor.roster.locator('tbody tr')).toHaveCount(3);
  await expect(instructor.cell('Solver', 'status')).toContainText('completed');
  await expect(instructor.cell('Hinter', 'hints')).toHaveText('1');
  await expect(instructor.joinCode).toHaveText(code);
  await expectNoSeriousA11yViolations(instructor.page);

  // A learner cannot open the instructor page, nor its API.
  await idle.goto(`/instructor/?workshop=${workshopId}`);
  await expect(idle.getByRole('heading', { name: 'Instructor token needed' })).toBeVisible();
  await expect(idle.getByTestId('roster')).toHaveCount(0);
  expect((await idle.request.get(`/api/workshops/${workshopId}/roster`)).status()).toBe(401);
});
