// Node-side like kubectl.test.ts: it reads the scenario folders from disk; the code under test stays pure.
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that reads the scenario folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that builds paths.
import { join, relative } from 'node:path';
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that finds the repository.
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { serverSideApply } from '../patch/server-side-apply.ts';
import { schemaFor } from './schemas.ts';

const T0 = '2026-01-01T00:00:00Z';
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Applies `object` as kubectl --server-side would, first creating it and then re-applying it over itself. */
function applyTwice(object: KubeObject): KubeObject {
  const { object: created } = serverSideApply({ applied: object, manager: 'kubectl', force: false, now: T0 });
  const { object: again } = serverSideApply({
    live: created,
    applied: object,
    manager: 'kubectl',
    force: false,
    now: T0,
  });
  return again;
}

/** Every manifest file of scenarios/<id>/{setup,solution,variants/*} (not the deletion lists nor the cloud changes). */
function scenarioManifests(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name) && name !== 'delete.yaml' && name !== 'cloud.yaml') files.push(path);
    }
  };
  const root = join(REPO, 'scenarios');
  for (const id of readdirSync(root).sort()) {
    for (const part of ['setup', 'solution', 'variants']) {
      const dir = join(root, id, part);
      try {
        if (statSync(dir).isDirectory()) walk(dir);
      } catch {
        // A scenario without variants yet: lint reports that, not this test.
      }
    }
  }
  return files;
}

const POLICY: KubeObject = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'approved-images' },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
      resourceRules: [
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['pods', 'pods/ephemeralcontainers'],
          scope: 'Namespaced',
        },
        { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] },
      ],
      excludeResourceRules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['*'], resources: ['pods'], resourceNames: ['debug'] },
      ],
    },
    variables: [{ name: 'images', expression: 'object.spec.containers.map(c, c.image)' }],
    validations: [
      {
        expression: "variables.images.all(i, i.startsWith('registry.lab.local/approved/'))",
        messageExpression: "'image not approved: ' + variables.images.join(', ')",
        reason: 'Forbidden',
      },
    ],
    auditAnnotations: [{ key: 'images', valueExpression: "variables.images.join(',')" }],
    matchConditions: [{ name: 'not-system', expression: "!request.userInfo.username.startsWith('system:')" }],
  },
};

const BINDING: KubeObject = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: 'approved-images' },
  spec: {
    policyName: 'approved-images',
    validationActions: ['Deny', 'Audit'],
    matchResources: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    },
  },
};

describe('the OpenAPI data under server-side apply', () => {
  it('declares every field of a realistic ValidatingAdmissionPolicy and its binding', () => {
    for (const object of [POLICY, BINDING]) {
      const applied = applyTwice(object);
      expect(applied.spec).toEqual(object.spec);
    }
  });

  it('marks the rules of a policy atomic, as a 1.32 server does', () => {
    const rules = schemaFor({
      group: 'admissionregistration.k8s.io',
      version: 'v1',
      kind: 'ValidatingAdmissionPolicy',
    });
    expect(rules).toBeDefined();
    const { object: first } = serverSideApply({ applied: POLICY, manager: 'a', force: false, now: T0 });
    const fields = JSON.stringify(first.metadata.managedFields?.[0]?.fieldsV1);
    // An atomic list is owned whole: no per-item keys below resourceRules.
    expect(fields).toContain('"f:resourceRules":{}');
  });

  const manifests = scenarioManifests();
  it('finds the scenario manifests', () => {
    expect(manifests.length).toBeGreaterThan(20);
  });

  it.each(manifests.map((path) => [relative(REPO, path), path]))('applies every object of %s', (_name, path) => {
    const docs = parseAllDocuments(readFileSync(path as string, 'utf8'));
    for (const doc of docs) {
      const object = doc.toJS() as KubeObject | null;
      if (!object) continue;
      const applied = applyTwice(object);
      expect(applied.metadata.name).toBe(object.metadata.name);
    }
  });
});
