import { describe, expect, it } from 'vitest';
import {
  cannotBeHandledMessage,
  findDuplicateFields,
  findTypeError,
  strictDecodingMessage,
  validateFields,
} from './field-validation.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { anything: 'goes' } },
  spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolice: 'Always' }], bogus: true },
};

describe('validateFields', () => {
  it('reports unknown fields with upstream paths under Strict', () => {
    const { errors, warnings } = validateFields(pod, 'Strict');
    expect(warnings).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      'unknown field "spec.containers[0].imagePullPolice"',
      'unknown field "spec.bogus"',
    ]);
    expect(cannotBeHandledMessage(pod, strictDecodingMessage(errors.slice(0, 1)))).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolice"',
    );
  });

  it('turns them into warnings under Warn and ignores them under Ignore', () => {
    expect(validateFields(pod, 'Warn').warnings).toHaveLength(2);
    expect(validateFields(pod, 'Ignore')).toEqual({ errors: [], warnings: [] });
  });

  it('accepts any key in maps and raw fields', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { x: 'y' } },
      data: { k: 'v' },
    };
    expect(validateFields(cm, 'Strict').errors).toEqual([]);
  });

  it('checks nested kinds such as a Deployment pod template', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers: [{ name: 'c', securityContext: { privilegd: true } }] } } },
    };
    expect(validateFields(d, 'Strict').errors.map((e) => e.field)).toEqual([
      'spec.template.spec.containers[0].securityContext.privilegd',
    ]);
  });

  it('leaves kinds without a schema alone', () => {
    expect(validateFields({ apiVersion: 'example.com/v1', kind: 'Widget', foo: 1 }, 'Strict').errors).toEqual([]);
  });
});

describe('findDuplicateFields', () => {
  it('finds keys repeated in the raw JSON body', () => {
    const raw =
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"c","image":"x","image":"y"}]}}';
    expect(findDuplicateFields(raw).map((d) => d.message)).toEqual([
      'duplicate field "metadata.name"',
      'duplicate field "spec.containers[0].image"',
    ]);
  });

  it('handles escapes and empty containers', () => {
    expect(findDuplicateFields('{"a":"x\\"y","b":[],"c":{},"d":[1,{"e":2}]}')).toEqual([]);
  });
});

describe('findTypeError', () => {
  it('reports a string where an int32 belongs as Go does', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: '3' } };
    expect(findTypeError(d)).toBe(
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('names the innermost struct and the path without indexes', () => {
    const p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: '80' }] }] },
    };
    expect(findTypeError(p)).toBe(
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
  });

  it('accepts numbers or strings for IntOrString and quantities', () => {
    const s = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 'http' }] },
    };
    expect(findTypeError(s)).toBeUndefined();
    const p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } } }] },
    };
    expect(findTypeError(p)).toBeUndefined();
  });

  it('reports a bool given as a string', () => {
    const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: 'true' } };
    expect(findTypeError(p)).toBe(
      'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool',
    );
  });
});
