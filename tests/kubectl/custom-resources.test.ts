import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, scratchFile, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default');
});
afterAll(() => sim?.close());

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;
const widget = (size: number) =>
  `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: ${size}, color: red}\n`;

describe('custom resources', () => {
  it('serves a CRD once it is Established, with its printer columns', async () => {
    expect((await sim.kubectl(['apply', '-f', scratchFile(sim, 'crd.yaml', CRD)])).code).toBe(0);
    const wait = await sim.kubectl([
      'wait',
      '--for',
      'condition=established',
      'crd/widgets.example.com',
      '--timeout=10s',
    ]);
    expect(wait.stdout).toContain('condition met');
    expect((await sim.kubectl(['apply', '-f', scratchFile(sim, 'w1.yaml', widget(3))])).stdout.trim()).toBe(
      'widget.example.com/w1 created',
    );
    expect((await sim.kubectl(['apply', '-f', scratchFile(sim, 'w2.yaml', widget(5))])).stdout.trim()).toBe(
      'widget.example.com/w1 configured',
    );
    const table = await sim.kubectl(['get', 'wd']);
    expect(table.stdout).toMatch(/^NAME\s+SIZE\s+AGE\nw1\s+5\s+\d+s/);
  });

  it('refuses a strategic merge patch on a custom resource, as the apiserver does', async () => {
    const r = await sim.kubectl(['patch', 'wd', 'w1', '-p', '{"spec":{"size":7}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget',
    );
    expect((await sim.kubectl(['patch', 'wd', 'w1', '--type=merge', '-p', '{"spec":{"size":7}}'])).code).toBe(0);
  });

  it('takes the custom objects along when the CRD goes', async () => {
    await sim.kubectl(['delete', 'crd', 'widgets.example.com']);
    const r = await sim.kubectl(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets']);
    expect(r.code).toBe(1);
  });
});
