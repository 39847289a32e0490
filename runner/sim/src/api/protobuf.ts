import { badRequest } from '@paranoid/k8s/status.ts';
import { PROTOBUF_SCHEMA } from './protobuf-schema.ts';

/**
 * A small protobuf reader for the bodies typed clients send
 * (`application/vnd.kubernetes.protobuf`): the `k8s\0` magic, a
 * `runtime.Unknown` envelope, then the object's message, decoded into the same
 * JSON the apiserver would have accepted. Zero values of non-pointer fields
 * come out as absent, as JSON's `omitempty` would have them.
 */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

interface Field {
  number: number;
  name: string;
  type: string;
  repeated: boolean;
}
interface Message {
  mapEntry: boolean;
  fields: Map<number, Field>;
}

const messages = new Map<string, Message>();
function message(name: string): Message | undefined {
  let m = messages.get(name);
  if (m) return m;
  const raw = PROTOBUF_SCHEMA[name];
  if (!raw) return undefined;
  const mapEntry = raw[0] === 'M';
  const spec = raw[mapEntry ? 1 : 0] ?? '';
  const fields = new Map<number, Field>();
  for (const f of spec.split('|')) {
    if (!f) continue;
    const [num, fname, type, star] = f.split(' ');
    fields.set(Number(num), { number: Number(num), name: fname!, type: type!, repeated: star === '*' });
  }
  m = { mapEntry, fields };
  messages.set(name, m);
  return m;
}

/** Fields whose zero is meaningful (Go pointers), kept when the wire says 0. */
const KEEP_ZERO = new Set([
  'replicas',
  'parallelism',
  'completions',
  'backoffLimit',
  'expirationSeconds',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'revisionHistoryLimit',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'value',
  'weight',
  'exitCode',
  'defaultMode',
  'mode',
  'intVal',
]);

type Wire = { field: number; wire: number; value: bigint | Uint8Array };

function readAll(buf: Uint8Array): Wire[] {
  const out: Wire[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let n = 0; n < 10; n++) {
      if (i >= buf.length) throw badRequest('protobuf: unexpected end of input');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
    }
    throw badRequest('protobuf: varint too long');
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      if (i + n > buf.length) throw badRequest('protobuf: length out of range');
      out.push({ field, wire, value: buf.subarray(i, i + n) });
      i += n;
    } else if (wire === 1) {
      if (i + 8 > buf.length) throw badRequest('protobuf: unexpected end of input');
      let v = 0n;
      for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(buf[i + k]!);
      out.push({ field, wire, value: v });
      i += 8;
    } else if (wire === 5) {
      if (i + 4 > buf.length) throw badRequest('protobuf: unexpected end of input');
      let v = 0n;
      for (let k = 3; k >= 0; k--) v = (v << 8n) | BigInt(buf[i + k]!);
      out.push({ field, wire, value: v });
      i += 4;
    } else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const utf8 = new TextDecoder();
const toBase64 = (b: Uint8Array) => {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return btoa(s);
};

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
  if (!micro) return iso.replace(/\.\d{3}Z$/, 'Z');
  const us = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return iso.replace(/\.\d{3}Z$/, `.${us}Z`);
}

function scalar(type: string, w: Wire): unknown {
  const v = w.value;
  switch (type) {
    case '9':
      return typeof v === 'bigint' ? '' : utf8.decode(v);
    case '12':
      return typeof v === 'bigint' ? '' : toBase64(v);
    case '8':
      return v !== 0n;
    case '3':
    case '18':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : 0;
    case '5':
    case '17':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : 0;
    case '13':
    case '4':
      return typeof v === 'bigint' ? Number(v) : 0;
    case '1': {
      const b = new DataView(new ArrayBuffer(8));
      b.setBigUint64(0, typeof v === 'bigint' ? v : 0n, true);
      return b.getFloat64(0, true);
    }
    default:
      return typeof v === 'bigint' ? Number(v) : undefined;
  }
}

/**
 * Embedded Go structs whose JSON is inlined into the parent (`json:",inline"`): protobuf nests them as a field,
 * JSON does not (`IngressRule.http`, not `IngressRule.ingressRuleValue.http`).
 */
const INLINE_FIELDS = new Set([
  'networking.v1.IngressRule.ingressRuleValue',
  'core.v1.Volume.volumeSource',
  'core.v1.Probe.handler',
  'core.v1.PersistentVolumeSpec.persistentVolumeSource',
  'core.v1.EphemeralContainer.ephemeralContainerCommon',
  // `name` of a ConfigMap or Secret reference (LocalObjectReference, embedded inline).
  'core.v1.ConfigMapEnvSource.localObjectReference',
  'core.v1.ConfigMapKeySelector.localObjectReference',
  'core.v1.ConfigMapProjection.localObjectReference',
  'core.v1.ConfigMapVolumeSource.localObjectReference',
  'core.v1.SecretEnvSource.localObjectReference',
  'core.v1.SecretKeySelector.localObjectReference',
  'core.v1.SecretProjection.localObjectReference',
]);

function isZero(v: unknown): boolean {
  return v === '' || v === false || v === 0 || v === undefined;
}

/** Decodes one message into JSON-shaped data. */
export function decodeMessage(typeName: string, bytes: Uint8Array, depth = 0): unknown {
  if (depth > 64) throw badRequest('protobuf: message nested too deeply');
  switch (typeName) {
    case 'meta.v1.Time':
    case 'meta.v1.MicroTime': {
      let seconds = 0;
      let nanos = 0;
      for (const w of readAll(bytes)) {
        if (w.field === 1) seconds = Number(w.value);
        if (w.field === 2) nanos = Number(w.value);
      }
      return seconds === 0 && nanos === 0 ? undefined : rfc3339(seconds, nanos, typeName === 'meta.v1.MicroTime');
    }
    case 'resource.Quantity':
    case 'meta.v1.Duration': {
      const w = readAll(bytes).find((x) => x.field === 1);
      if (!w) return typeName === 'resource.Quantity' ? '0' : '0s';
      return typeName === 'resource.Quantity' ? scalar('9', w) : `${Number(w.value) / 1e9}s`;
    }
    case 'intstr.IntOrString': {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      for (const w of readAll(bytes)) {
        if (w.field === 1) type = Number(w.value);
        if (w.field === 2) intVal = Number(BigInt.asIntN(32, w.value as bigint));
        if (w.field === 3) strVal = scalar('9', w) as string;
      }
      return type === 1 ? strVal : intVal;
    }
    case 'runtime.RawExtension':
    case 'meta.v1.FieldsV1': {
      const w = readAll(bytes).find((x) => x.field === 1);
      if (!w || typeof w.value === 'bigint' || w.value.length === 0) return undefined;
      try {
        return JSON.parse(utf8.decode(w.value));
      } catch {
        return undefined;
      }
    }
  }
  const m = message(typeName);
  if (!m) throw badRequest(`protobuf: no schema for ${typeName}`);
  const out: Record<string, unknown> = {};
  for (const w of readAll(bytes)) {
    const f = m.fields.get(w.field);
    if (!f) continue;
    let value: unknown;
    if (/^\d+$/.test(f.type)) {
      if (f.repeated && w.wire === 2 && f.type !== '9' && f.type !== '12') {
        // Packed repeated scalars.
        const list = (out[f.name] as unknown[]) ?? [];
        for (const x of readAll(concatPacked(w.value as Uint8Array))) list.push(scalar(f.type, x));
        out[f.name] = list;
        continue;
      }
      value = scalar(f.type, w);
    } else {
      if (typeof w.value === 'bigint') continue;
      const sub = message(f.type);
      if (sub?.mapEntry) {
        const entry = decodeMessage(f.type, w.value, depth + 1) as { key?: string; value?: unknown };
        const map = (out[f.name] as Record<string, unknown>) ?? {};
        map[String(entry.key ?? '')] = entry.value ?? (sub.fields.get(2)?.type === '9' ? '' : {});
        out[f.name] = map;
        continue;
      }
      value = decodeMessage(f.type, w.value, depth + 1);
      if (value === undefined) continue;
      if (!f.repeated && INLINE_FIELDS.has(`${typeName}.${f.name}`) && typeof value === 'object' && value) {
        Object.assign(out, value);
        continue;
      }
    }
    if (f.repeated) {
      const list = (out[f.name] as unknown[]) ?? [];
      list.push(value);
      out[f.name] = list;
    } else if (!(isZero(value) && !KEEP_ZERO.has(f.name)) || m.mapEntry) {
      out[f.name] = value;
    }
  }
  return out;
}

// Packed scalars are a run of varints with no keys: re-key them as field 1 so readAll can walk them.
function concatPacked(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    out.push(0x08);
    do {
      out.push(bytes[i]!);
    } while (bytes[i++]! & 0x80 && i < bytes.length);
  }
  return Uint8Array.from(out);
}

/** The message name of a Kubernetes kind, e.g. `apps/v1` `Deployment` → `apps.v1.Deployment`. */
export function messageName(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = group === '' ? 'core' : group.split('.')[0]!;
  return `${pkg}.${version}.${kind}`;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Decodes a `k8s\0`-prefixed `runtime.Unknown` body into a JSON object. */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw badRequest('provided protobuf data does not have the expected Kubernetes magic prefix');
  }
  const envelope = decodeEnvelope(body.subarray(4));
  let name = messageName(envelope.apiVersion, envelope.kind);
  // Options kinds (DeleteOptions, ...) live in meta/v1 whatever group they are sent to.
  if (!PROTOBUF_SCHEMA[name] && PROTOBUF_SCHEMA[`meta.v1.${envelope.kind}`]) name = `meta.v1.${envelope.kind}`;
  const object = decodeMessage(name, envelope.raw) as Record<string, unknown>;
  return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...object };
}

function decodeEnvelope(bytes: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  for (const w of readAll(bytes)) {
    if (w.field === 1 && typeof w.value !== 'bigint') {
      for (const t of readAll(w.value)) {
        if (t.field === 1) apiVersion = scalar('9', t) as string;
        if (t.field === 2) kind = scalar('9', t) as string;
      }
    }
    if (w.field === 2 && typeof w.value !== 'bigint') raw = w.value;
  }
  if (!kind) throw badRequest("Object 'Kind' is missing in protobuf data");
  return { apiVersion, kind, raw };
}
