import { expect, type Page, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './pages/a11y.ts';
import { CatalogPage } from './pages/catalog-page.ts';
import { PlayerPage } from './pages/player-page.ts';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/** The seed scenario the walk-through uses: the issue's own, or the first one the catalog has. */
async function firstScenario(page: Page): Promise<string> {
  const res = await page.request.get('/api/scenarios');
  const { scenarios } = (await res.json()) as { scenarios: { id: string }[] };
  return scenarios.find((s) => s.id === 'missing-networkpolicy')?.id ?? scenarios[0]!.id;
}

async function storedSession(page: Page, scenarioId: string): Promise<{ id: string; token: string }> {
  return page.evaluate((id) => {
    // Tokens live in this tab's sessionStorage only: localStorage must never hold one.
    if ((localStorage.getItem('paranoid-lab') ?? '').includes('"token"')) throw new Error('a token in localStorage');
    const sessions = JSON.parse(sessionStorage.getItem('paranoid-lab:sessions') ?? '{}') as Record<
      string,
      { id: string; token: string }
    >;
    return sessions[id]!;
  }, scenarioId);
}

test.describe('the scenario player', () => {
  test('starts from the catalog to a live prompt where kubectl reaches the session cluster', async ({ page }) => {
    const id = await firstScenario(page);
    const catalog = new CatalogPage(page);
    await catalog.goto();
    await catalog.open(id);
    const player = new PlayerPage(page);
    await expectNoSeriousA11yViolations(page);
    const ms = await player.start();
    test.info().annotations.push({ type: 'start-to-prompt-ms', description: String(ms) });
    await expect(player.countdown).toHaveText(/^\d+:\d\d$/);
    await player.run('kubectl get namespaces -o name');
    await player.expectTerminal(/namespace\//);
    await player.run('whoami; ls /work 2>&1 | head -1');
    await player.expectTerminal(/learner/);
    await player.expectTerminal(/cannot access '\/work'/);
    await expectNoSeriousA11yViolations(page, ['.xterm']);
  });

  test('runs a step command in the terminal with one click', async ({ page }) => {
    const id = await firstScenario(page);
    const player = new PlayerPage(page);
    await player.goto(id);
    await player.start();
    // The explore step's first block of missing-networkpolicy: three kubectl commands, the last
    // `kubectl get networkpolicies -A        # none`.
    const block = page.locator('figure[data-runnable]').first();
    await expect(block).toBeAttached();
    const lines = ((await block.locator('code').textContent()) ?? '').trim().split('\n');
    await block.scrollIntoViewIfNeeded();
    await block.getByRole('button', { name: 'Run in terminal' }).click();
    await expect(player.tab('Terminal')).toHaveAttribute('aria-selected', 'true');
    // Every command is typed at the prompt and the cluster answers it; the last one stays on screen.
    const last = lines.at(-1)!.replace(/\s+#.*$/, '');
    await player.expectTerminal(new RegExp(`\\$ ${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await player.expectTerminal(/No resources found/);
  });

  test('shows the line and column of YAML that does not parse, and applies nothing', async ({ page }) => {
    const player = new PlayerPage(page);
    await player.goto(await firstScenario(page));
    await player.start();
    await player.edit('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n');
    const outcome = await player.apply();
    await expect(outcome).toContainText(/Not applied: line \d+, column \d+/);
    await player.run('kubectl get configmap broken 2>&1 | tail -1');
    await player.expectTerminal(/NotFound|not found/);
  });

  test('applies a manifest from the editor and shows what the server did', async ({ page }) => {
    const player = new PlayerPage(page);
    await player.goto(await firstScenario(page));
    await player.start();
    await player.edit(
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: scratch',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: from-editor',
        '  namespace: scratch',
        'data:',
        '  a: b',
        '',
      ].join('\n'),
    );
    const outcome = await player.apply();
    await expect(outcome).toContainText('namespace/scratch created');
    await expect(outcome).toContainText('configmap/from-editor created');
    await player.run('echo "value=$(kubectl -n scratch get configmap from-editor -o jsonpath={.data.a})"');
    await player.expectTerminal(/value=b/);
    await expectNoSeriousA11yViolations(page, ['.monaco-editor', '.xterm']);
  });

  test('brings the terminal back, scrollback included, after the page reconnects', async ({ page }) => {
    const player = new PlayerPage(page);
    const id = await firstScenario(page);
    await player.goto(id);
    await player.start();
    await player.run('echo marker-$((40+2))');
    await player.expectTerminal(/marker-42/);
    await page.reload();
    await player.waitForPrompt();
    await player.expectTerminal(/marker-42/);
  });

  test('offers a restart when the session has ended', async ({ page }) => {
    const player = new PlayerPage(page);
    const id = await firstScenario(page);
    await player.goto(id);
    await player.start();
    const session = await storedSession(page, id);
    const res = await page.request.delete(`/api/sessions/${session.id}`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(res.status()).toBe(204);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'This session has ended' })).toBeVisible();
    await expect(player.startButton).toHaveText('Start again');
  });

  test('says the lab restarted and the progress is safe, for a session of the run before', async ({ page }) => {
    const player = new PlayerPage(page);
    const id = await firstScenario(page);
    await player.goto(id);
    await player.start();
    const session = await storedSession(page, id);
    // A runner's session ids start with its run's tag: one from another run is what a restart leaves.
    await page.evaluate(
      ([scenarioId, before]) => {
        const sessions = JSON.parse(sessionStorage.getItem('paranoid-lab:sessions') ?? '{}');
        sessions[scenarioId!].id = before;
        sessionStorage.setItem('paranoid-lab:sessions', JSON.stringify(sessions));
      },
      [id, `${session.id.startsWith('zzzz') ? 'yyyy' : 'zzzz'}${session.id.slice(4)}`],
    );
    await page.reload();
    await expect(page.getByRole('heading', { name: 'This session has ended' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('the lab restarted');
    await expect(page.getByRole('alert')).toContainText('your progress is safe');
    await expect(page.getByText('The shell exited.')).toHaveCount(0);
  });

  test('draws the cluster map', async ({ page }) => {
    const player = new PlayerPage(page);
    await player.goto(await firstScenario(page));
    await player.start();
    await player.tab('Cluster map').click();
    await expect(page.getByTestId('cluster-map').locator('.react-flow__node').first()).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('.map-internet')).toBeVisible();
    await expectNoSeriousA11yViolations(page, ['.xterm', '.react-flow']);
    // Every mark drawn is in the legend, and every node and edge has a name in words, not an id.
    await expect(page.getByRole('list', { name: 'Legend' }).getByRole('listitem')).toHaveCount(12);
    const names = await page
      .locator('.react-flow__edge, .react-flow__node:not(.react-flow__node-group)')
      .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) {
      expect(name).not.toBe('');
      expect(name).not.toMatch(/\b(w|s|n|i|r|sec|e):[a-z]|Edge from/);
    }
    await page.screenshot({ path: test.info().outputPath('cluster-map.png') });
    // It follows the cluster: a default-deny policy shows up as blocked edges without a reload.
    const id = await firstScenario(page);
    const session = await storedSession(page, id);
    const namespaces = (await page.locator('.map-namespace-label').allTextContents()).map((t) =>
      t.replace('namespace ', ''),
    );
    const before = await page.locator('.map-edge-blocked').count();
    const res = await page.request.post(`/api/sessions/${session.id}/apply`, {
      headers: { authorization: `Bearer ${session.token}` },
      data: {
        yaml: namespaces
          .map(
            (ns) =>
              `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n`,
          )
          .join('---\n'),
      },
    });
    expect(res.ok()).toBe(true);
    if (before === 0 && (await page.locator('.map-workload').count()) > 1) {
      await expect(page.locator('.map-edge-blocked').first()).toBeAttached({ timeout: 10_000 });
    }
  });
});

test.describe('a runner that is down', () => {
  test('shows a clear banner, not a blank page', async ({ page }) => {
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.goto('/');
    await expect(page.getByRole('alert')).toContainText("The lab's runner is not answering");
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Only the paranoid survive');
  });
});
