import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { describe, expect, it } from 'vitest';
import { grade } from './grade.ts';
import type { KubeApi } from './kube-api.ts';
import { listedObjects } from './testing/listed-objects.ts';
import { testScenario } from './testing/test-scenario.ts';

const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

const tokensRequired: Scenario = testScenario([
  {
    id: 'tokens',
    title: 'IMDSv2 only',
    failure: 'An instance answers IMDSv1.',
    object: {
      resource: 'cloudinstances',
      min: 1,
      rule: "object.MetadataOptions.HttpTokens == 'required'",
      describe: "'node ' + object.metadata.name",
    },
  },
]);

const instance = (id: string, nodeName: string, tokens: string) => ({
  InstanceId: id,
  Tags: [{ Key: 'kubernetes.io/hostname', Value: nodeName }],
  MetadataOptions: { HttpTokens: tokens, HttpPutResponseHopLimit: 1 },
});

function withCloud(nodes: string[], instances: () => Promise<Record<string, unknown>[]>): KubeApi {
  return { ...listedObjects(nodes.map(node)), cloudInstances: instances };
}

describe('cloudinstances', () => {
  it("judges every node by its own instance, found by the node group's hostname tag", async () => {
    const api = withCloud(['a', 'b'], async () => [
      instance('i-0b', 'b', 'optional'),
      instance('i-0a', 'a', 'required'),
    ]);
    const result = await grade(tokensRequired, api);
    expect(result.checks[0]).toMatchObject({ passed: false, message: 'An instance answers IMDSv1. Found: node b.' });
  });

  it('fails a node with no instance, and every node when the cloud does not answer, with the reason', async () => {
    const missing = await grade(
      tokensRequired,
      withCloud(['a', 'b'], async () => [instance('i-0a', 'a', 'required')]),
    );
    expect(missing.checks[0]!.message).toBe(
      'An instance answers IMDSv1. Found: Instance b: no cloud instance is tagged kubernetes.io/hostname=b.',
    );
    const down = await grade(tokensRequired, listedObjects([node('a')]));
    expect(down.checks[0]!.message).toBe(
      'An instance answers IMDSv1. Found: Instance a: failed to describe the cloud instances: only listing is stubbed.',
    );
  });
});
