/**
 * Generates `src/api/protobuf-schema.ts`: the protobuf field tables of the built-in types the
 * simulator decodes (typed clients such as kubectl's generators send protobuf bodies). The
 * source is the one place upstream's `.proto` descriptors ship in a form we can get offline:
 * a kubectl binary. Go's gogo-protobuf registers every `generated.proto` of k8s.io/api and
 * k8s.io/apimachinery as a gzipped FileDescriptorProto, which this script finds by the gzip
 * header the Go encoder writes, inflates and decodes (descriptor.proto, the few fields used).
 * Run from the repository root, with the kubectl the lab bundles (see
 * runner/kube/src/kubectl-binary.ts) or any kubectl 1.32:
 *
 *     pnpm exec tsx runner/sim/scripts/generate-protobuf-schema.ts --kubectl PATH [--check]
 *
 * `--check` writes nothing and exits 1 when the module differs from what it would write.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const sim = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(sim, '../..');
const TARGET = join(sim, 'src/api/protobuf-schema.ts');

/** The stable groups the simulator serves, and the apimachinery packages they use. */
const SERVED = [
  'k8s.io/apimachinery/pkg/api/resource',
  'k8s.io/apimachinery/pkg/util/intstr',
  'k8s.io/apimachinery/pkg/runtime',
  'k8s.io/apimachinery/pkg/apis/meta/v1',
  ...[
    'scheduling/v1',
    'coordination/v1',
    'node/v1',
    'rbac/v1',
    'policy/v1',
    'discovery/v1',
    'certificates/v1',
    'authentication/v1',
    'authorization/v1',
    'autoscaling/v1',
    'networking/v1',
    'storage/v1',
    'autoscaling/v2',
    'batch/v1',
    'admissionregistration/v1',
    'apps/v1',
    'core/v1',
  ].map((gv) => `k8s.io/api/${gv}`),
];

/** The header Go's compress/gzip writes with no name and no time: every embedded descriptor starts so. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]);

type Fields = Map<number, (Buffer | bigint)[]>;

/** Decodes one protobuf message into its fields by number (varints as bigint, length-delimited as bytes). */
function decode(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    let value: Buffer | bigint;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 2: {
        const length = Number(varint());
        value = buf.subarray(i, i + length);
        i += length;
        break;
      }
      case 1:
        value = buf.subarray(i, i + 8);
        i += 8;
        break;
      case 5:
        value = buf.subarray(i, i + 4);
        i += 4;
        break;
      default:
        throw new Error(`failed to decode a descriptor: wire type ${key & 7}`);
    }
    const list = fields.get(number) ?? [];
    list.push(value);
    fields.set(number, list);
  }
  return fields;
}

const text = (f: Fields, n: number) => (f.get(n)?.[0] as Buffer | undefined)?.toString('utf8') ?? '';
const num = (f: Fields, n: number) => Number((f.get(n)?.[0] as bigint | undefined) ?? 0n);
const all = (f: Fields, n: number) => (f.get(n) ?? []) as Buffer[];

/** `k8s.io.api.core.v1.Pod` → `core.v1.Pod`; `k8s.io.apimachinery.pkg.apis.meta.v1.Time` → `meta.v1.Time`. */
function short(name: string): string {
  return name
    .replace(/^\./, '')
    .replace(/^k8s\.io\.api\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\.(api|util)\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\.runtime\./, 'runtime.')
    .replace(/^k8s\.io\.apimachinery\.pkg\./, '');
}

/** FieldDescriptorProto: name 1, number 3, label 4 (3 repeated), type 5, type_name 6. */
function fieldEntry(field: Fields): string {
  const type = num(field, 5);
  const typeName = text(field, 6);
  const repeated = num(field, 4) === 3;
  const shown = type === 11 || type === 14 ? short(typeName) : String(type);
  return `${num(field, 3)} ${text(field, 1)} ${shown}${repeated ? ' *' : ''}`;
}

/** DescriptorProto: name 1, field 2, nested_type 3, options 7 (MessageOptions.map_entry is field 7). */
function messages(message: Fields, prefix: string, out: [string, string[]][]): void {
  const name = `${prefix}.${text(message, 1)}`;
  for (const nested of all(message, 3)) messages(decode(nested), name, out);
  const options = all(message, 7)[0];
  const mapEntry = options ? num(decode(options), 7) === 1 : false;
  const fields = all(message, 2).map((f) => fieldEntry(decode(f)));
  out.push([name, [...(mapEntry ? ['M'] : []), fields.join('|')]]);
}

/** Every served file's messages, in the order the binary registers them. */
export function protobufSchema(kubectl: string): [string, string[]][] {
  const binary = readFileSync(kubectl);
  const out: [string, string[]][] = [];
  const seen = new Set<string>();
  for (let at = binary.indexOf(GZIP_HEADER); at >= 0; at = binary.indexOf(GZIP_HEADER, at + 1)) {
    let file: Fields;
    try {
      // Raw inflate of this member alone: gunzip would run on into the next descriptor, which
      // often follows at once, and merge the two files' messages.
      file = decode(inflateRawSync(binary.subarray(at + GZIP_HEADER.length, at + 4_000_000)));
    } catch {
      continue;
    }
    const path = text(file, 1);
    if (!path.endsWith('/generated.proto') || seen.has(path)) continue;
    if (!SERVED.includes(path.slice(0, -'/generated.proto'.length))) continue;
    seen.add(path);
    const pkg = short(text(file, 2));
    for (const message of all(file, 4)) messages(decode(message), pkg, out);
  }
  const missing = SERVED.filter((p) => !seen.has(`${p}/generated.proto`));
  if (missing.length > 0) throw new Error(`failed to find descriptors in ${kubectl}: ${missing.join(', ')}`);
  return out;
}

const HEADER = `/**
 * Protobuf field tables of the Kubernetes built-in types this simulator decodes
 * (typed clients such as kubectl's generators send protobuf bodies). Generated by
 * runner/sim/scripts/generate-protobuf-schema.ts from the FileDescriptorProtos a
 * kubectl 1.32 binary embeds, for the stable API groups the simulator serves; each
 * entry is \`number name type[ *]\` joined by \`|\` (type is a protobuf scalar code or a
 * message name; \`*\` repeated; a leading \`M\` marks a map entry). Do not edit by hand.
 */
`;

/** The module's text, formatted as the repository formats TypeScript. */
export function generateProtobufSchema(kubectl: string): string {
  const entries = protobufSchema(kubectl)
    .map(([name, value]) => `  ${JSON.stringify(name)}: ${JSON.stringify(value)},`)
    .join('\n');
  const source = `${HEADER}export const PROTOBUF_SCHEMA: Record<string, string[]> = {\n${entries}\n};\n`;
  return execFileSync(join(root, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${TARGET}`], {
    cwd: root,
    input: source,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--kubectl');
  const kubectl = at > 0 ? process.argv[at + 1] : undefined;
  if (!kubectl) {
    console.error('usage: generate-protobuf-schema.ts --kubectl PATH [--check]');
    process.exit(2);
  }
  const generated = generateProtobufSchema(kubectl);
  if (process.argv.includes('--check')) {
    const same = readFileSync(TARGET, 'utf8') === generated;
    console.log(same ? 'protobuf-schema.ts is up to date' : 'protobuf-schema.ts differs from what kubectl embeds');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(TARGET, generated);
  console.log(`wrote ${TARGET}`);
}
