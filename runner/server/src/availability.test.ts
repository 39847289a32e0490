import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type App, createApp, LEARNER_COOKIE } from './app.ts';
import { FsCatalog } from './fs-catalog.ts';
import { ProgressStore } from './progress-store.ts';
import { SessionManager } from './sessions.ts';
import { FakeGrader, FakeProvider } from './testing/fakes.ts';

const SCENARIOS = fileURLToPath(new URL('../../../scenarios', import.meta.url));

let dir: string;
let store: ProgressStore;
let sessions: SessionManager;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-availability-'));
  // Two real scenarios, one declared by hand as fitting a namespace: this is about what the
  // catalog offers, not whether the declaration holds (`paranoid lint` judges that).
  for (const id of ['missing-networkpolicy', 'root-container-escape', 'resource-exhaustion']) {
    cpSync(join(SCENARIOS, id), join(dir, 'scenarios', id), { recursive: true });
  }
  const file = join(dir, 'scenarios', 'missing-networkpolicy', 'scenario.yaml');
  const scenario = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...scenario, runsInNamespace: { namespace: 'shop', podSecurity: 'baseline' } }));
  store = await ProgressStore.open(':memory:');
});

afterEach(async () => {
  await sessions?.shutdown();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function lab(providerName: 'sim' | 'kind' | 'namespace'): App {
  const provider = new FakeProvider();
  sessions = new SessionManager({ provider, workDir: join(dir, 'work'), terminals: { kind: 'off', reason: 'tests' } });
  return createApp({
    sessions,
    catalog: new FsCatalog(join(dir, 'scenarios')),
    grader: new FakeGrader(),
    store,
    provider: { ...provider.info(), name: providerName },
  });
}

const cookie = { cookie: `${LEARNER_COOKIE}=learner0000000001` };

describe('what the catalog offers on the provider in use', () => {
  it('offers every scenario on a provider that makes a cluster per session', async () => {
    const body = (await (await lab('sim').request('/api/scenarios', { headers: cookie })).json()) as {
      provider: string;
      scenarios: { id: string; available: boolean }[];
    };
    expect(body.provider).toBe('sim');
    expect(body.scenarios.map((s) => [s.id, s.available]).sort()).toEqual([
      ['missing-networkpolicy', true],
      ['resource-exhaustion', true],
      ['root-container-escape', true],
    ]);
  });

  it('on kind, offers every scenario but one that says why it cannot run there yet', async () => {
    const app = lab('kind');
    const body = (await (await app.request('/api/scenarios', { headers: cookie })).json()) as {
      scenarios: { id: string; available: boolean; unavailableReason?: string }[];
    };
    const byId = Object.fromEntries(body.scenarios.map((s) => [s.id, s]));
    expect(byId['root-container-escape']?.available).toBe(true);
    expect(byId['resource-exhaustion']).toMatchObject({ available: false });
    expect(byId['resource-exhaustion']?.unavailableReason).toMatch(/^not on kind clusters yet: a kind node's memory/);
    const res = await app.request('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cookie },
      body: JSON.stringify({ scenarioId: 'resource-exhaustion' }),
    });
    expect(res.status).toBe(409);
  });

  it('offers only scenarios that run in a namespace on the namespace provider, saying why the others are not', async () => {
    const app = lab('namespace');
    const body = (await (await app.request('/api/scenarios', { headers: cookie })).json()) as {
      scenarios: { id: string; available: boolean; unavailableReason?: string; runsInNamespace?: unknown }[];
    };
    const byId = Object.fromEntries(body.scenarios.map((s) => [s.id, s]));
    expect(byId['missing-networkpolicy']).toMatchObject({
      available: true,
      runsInNamespace: { namespace: 'shop', podSecurity: 'baseline' },
    });
    expect(byId['root-container-escape']).toMatchObject({ available: false });
    expect(byId['root-container-escape']?.unavailableReason).toContain('needs a cluster of its own');
    expect(byId['resource-exhaustion']).toMatchObject({ available: false });
    const detail = (await (await app.request('/api/scenarios/root-container-escape', { headers: cookie })).json()) as {
      available: boolean;
    };
    expect(detail.available).toBe(false);
  });

  it('refuses to start a scenario the provider cannot run, with a clear 409', async () => {
    const res = await lab('namespace').request('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cookie },
      body: JSON.stringify({ scenarioId: 'root-container-escape' }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: {
        code: 'ScenarioUnavailable',
        message:
          'scenario "root-container-escape" is not offered here: this lab gives each learner a namespace of a shared cluster, and this scenario needs a cluster of its own (a node or cluster-wide rights)',
      },
    });
    expect(sessions.size).toBe(0);
  });
});
