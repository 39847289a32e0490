import { grade } from '@paranoid/grader/grade.ts';
import type { KubeApi } from '@paranoid/grader/kube-api.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { ApiError } from './errors.ts';
import type { CheckOutcome, ClusterHandle, Grader } from './ports.ts';

/** Builds the grader's window on one cluster (kube/client.ts provides it for any kubeconfig). */
export type KubeApiFactory = (cluster: ClusterHandle) => { api: KubeApi; close?: () => void };

/** The scenario grader (runner/grader/src) behind the server's `Grader` port. */
export class SchemaGrader implements Grader {
  constructor(
    private readonly scenario: (id: string) => Scenario | undefined,
    private readonly kubeApi: KubeApiFactory | null,
  ) {}

  async check(scenarioId: string, cluster: ClusterHandle): Promise<CheckOutcome[]> {
    const scenario = this.scenario(scenarioId);
    if (!scenario) throw new ApiError(404, 'NotFound', `scenario "${scenarioId}" not found`);
    if (!this.kubeApi) {
      throw new ApiError(501, 'ClusterError', 'the grader has no Kubernetes client on this runner yet');
    }
    const { api, close } = this.kubeApi(cluster);
    try {
      const result = await grade(scenario, api);
      return result.checks.map((c) => ({ id: c.id, title: c.title, passed: c.passed, message: c.message }));
    } finally {
      close?.();
    }
  }
}
