import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './protobuf.ts';
import { PROTOBUF_SCHEMA } from './protobuf-schema.ts';

// A tiny protobuf writer, enough to build test messages.
const enc = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const bytesField = (field: number, data: Uint8Array | number[]) => [
  ...varint((field << 3) | 2),
  ...varint(data.length),
  ...data,
];
const str = (field: number, s: string) => bytesField(field, enc.encode(s));
const num = (field: number, n: number) => [...varint(field << 3), ...varint(n)];

function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  return Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...bytesField(1, [...str(1, apiVersion), ...str(2, kind)]),
    ...bytesField(2, raw),
  ]);
}

describe('Kubernetes protobuf decoding', () => {
  it('decodes a SelfSubjectAccessReview as kubectl auth can-i sends it', () => {
    const attrs = [
      ...str(1, 'dev'),
      ...str(2, 'create'),
      ...str(3, ''),
      ...str(5, 'pods'),
      ...str(6, ''),
      ...str(7, ''),
    ];
    const raw = [...bytesField(1, []), ...bytesField(2, bytesField(1, attrs)), ...bytesField(3, [])];
    expect(decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw))).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'dev', verb: 'create', resource: 'pods' } },
      status: {},
    });
  });

  it('decodes maps, repeated messages, bytes and pointer zeros', () => {
    const meta = [...str(1, 's'), ...bytesField(11, [...str(1, 'app'), ...str(2, 'web')])];
    const secret = [
      ...bytesField(1, meta),
      ...bytesField(2, [...str(1, 'k'), ...bytesField(2, [1, 2, 3])]),
      ...str(3, 'Opaque'),
    ];
    expect(decodeKubernetesProtobuf(envelope('v1', 'Secret', secret))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', labels: { app: 'web' } },
      data: { k: 'AQID' },
      type: 'Opaque',
    });
    const spec = [...num(1, 0)];
    const deploy = decodeKubernetesProtobuf(
      envelope('apps/v1', 'Deployment', [...bytesField(1, str(1, 'd')), ...bytesField(2, spec)]),
    );
    expect(deploy.spec).toEqual({ replicas: 0 });
  });

  it('rejects a body without the k8s magic', () => {
    expect(() => decodeKubernetesProtobuf(Uint8Array.from([1, 2, 3, 4, 5]))).toThrow(/magic/);
  });
});

describe('the protobuf field tables', () => {
  it('have a table for every message a table refers to, so nested fields decode', () => {
    const missing = new Set<string>();
    for (const [name, entry] of Object.entries(PROTOBUF_SCHEMA)) {
      const fields = entry[entry.length - 1]!;
      for (const field of fields.split('|').filter(Boolean)) {
        const type = field.split(' ')[2]!;
        if (!/^\d+$/.test(type) && !(type in PROTOBUF_SCHEMA)) missing.add(`${name} → ${type}`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
