import type { ClusterHandle, ClusterProvider, CreateClusterOptions } from '@paranoid/providers/provider.ts';
import type { CheckOutcome, Grader, ScenarioCatalog, ScenarioDetail } from '../ports.ts';

/** A scenario small enough to read in a test. */
export const SCENARIO: ScenarioDetail = {
  id: 'missing-networkpolicy',
  title: 'The database anyone could reach',
  summary: 'A flat network lets any pod talk to the database.',
  incident: { title: 'A breach', summary: 'It happened.', sources: [{ title: 'Report', url: 'https://example.com' }] },
  difficulty: 'beginner',
  minutes: 15,
  cks: ['Minimize Microservice Vulnerabilities'],
  tags: ['networkpolicy'],
  steps: [
    {
      id: 'explore',
      title: 'Look around',
      kind: 'explore',
      markdown: '# Look',
      checks: [],
      hints: ['Try kubectl get'],
    },
    { id: 'fix', title: 'Fence it', kind: 'fix', markdown: '# Fix', checks: ['db-isolated'], hints: [] },
  ],
  checks: [{ id: 'db-isolated', title: 'Only the API reaches the database', level: 'MUST', hints: ['One', 'Two'] }],
  manifests: [{ path: 'setup/app.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n' }],
  solution: [{ path: 'solution/policy.yaml', content: 'kind: NetworkPolicy\n' }],
};

export class FakeCatalog implements ScenarioCatalog {
  async list() {
    const { steps: _s, checks: _c, manifests: _m, solution: _x, ...summary } = SCENARIO;
    return [summary];
  }
  async get(id: string) {
    return id === SCENARIO.id ? SCENARIO : undefined;
  }
}

export class FakeGrader implements Grader {
  passing = false;
  async check(): Promise<CheckOutcome[]> {
    return [
      {
        id: 'db-isolated',
        title: 'Only the API reaches the database',
        passed: this.passing,
        message: this.passing ? 'ok' : 'the web pod reaches postgres:5432',
      },
    ];
  }
}

/** Clusters that exist only as records; their kubeconfig points nowhere. */
export class FakeProvider implements ClusterProvider {
  readonly live = new Set<string>();
  private n = 0;
  info() {
    return { name: 'sim' as const, realNetwork: false, warnings: [] };
  }
  async create(options: CreateClusterOptions): Promise<ClusterHandle> {
    const id = `fake-${++this.n}`;
    this.live.add(id);
    return {
      id,
      sessionId: options.sessionId,
      scenarioId: options.scenarioId,
      kubeconfig: [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]',
        `users: [{name: u, user: {token: ${id}}}]`,
        'contexts: [{name: c, context: {cluster: c, user: u}}]',
        'current-context: c',
      ].join('\n'),
      requestFromInternet: async () => ({ ok: false, error: 'fake' }),
    };
  }
  async delete(id: string) {
    this.live.delete(id);
  }
  async list() {
    return [];
  }
}
