import type { SchemaNode } from './definitions-data.ts';
import { DEFINITIONS, definitionNameFor } from './schemas.ts';
import { groupVersionPath, SERVED_RESOURCES, type ServedResource } from './served-resources.ts';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Meta schemas every group version document carries, as upstream's do. */
const COMMON = [
  `${META}.Status`,
  `${META}.DeleteOptions`,
  `${META}.WatchEvent`,
  `${META}.Patch`,
  `${META}.APIResourceList`,
];

const docs = new Map<string, Json>();
const hashes = new Map<string, string>();

/**
 * `GET /openapi/v3`: one entry per served group version, each pointing at its document by a content hash
 * (kubectl caches documents by URL, so the hash changes exactly when the document does).
 */
export function openApiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const path of groupVersionPaths())
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(path)}` };
  return { paths };
}

/**
 * `GET /openapi/v3/<path>` (path as in the index, e.g. `api/v1`, `apis/apps/v1`; a leading `/` and a `?hash=`
 * are tolerated): the OpenAPI 3.0 document of one group version, or undefined for a path not served.
 */
export function openApiV3Document(path: string): Json | undefined {
  const key = path.replace(/^\/?(openapi\/v3\/)?/, '').replace(/\?.*$/, '');
  if (!groupVersionPaths().includes(key)) return undefined;
  let doc = docs.get(key);
  if (!doc) {
    doc = buildDocument(key);
    docs.set(key, doc);
  }
  return doc;
}

function groupVersionPaths(): string[] {
  return [...new Set(SERVED_RESOURCES.map((r) => groupVersionPath(r.group, r.version)))];
}

function hashOf(path: string): string {
  let hash = hashes.get(path);
  if (!hash) {
    hash = contentHash(JSON.stringify(openApiV3Document(path)));
    hashes.set(path, hash);
  }
  return hash;
}

/** FNV-1a (32-bit) in two seeded lanes: a cheap content hash; kubectl only needs it to change with the content. */
function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) + i;
  }
  return [a, b, text.length].map((n) => (n >>> 0).toString(16).toUpperCase().padStart(8, '0')).join('');
}

function buildDocument(key: string): Json {
  const resources = SERVED_RESOURCES.filter((r) => groupVersionPath(r.group, r.version) === key);
  const paths: Json = {};
  const roots = new Set<string>(COMMON);
  for (const r of resources) {
    const name = definitionNameFor(r);
    if (!name) continue;
    roots.add(name);
    const list = definitionNameFor({ ...r, kind: `${r.kind}List` });
    if (list) roots.add(list);
    Object.assign(paths, resourcePaths(r, name, list));
    if (r.subresources?.includes('scale')) roots.add('io.k8s.api.autoscaling.v1.Scale');
  }
  if (key === 'api/v1') {
    roots.add('io.k8s.api.authentication.v1.TokenRequest');
    Object.assign(paths, tokenRequestPath());
  }
  const schemas: Json = {};
  for (const name of closure(roots)) schemas[name] = V3_ONE_OF[name] ?? toV3(DEFINITIONS[name]!);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          description: 'Bearer Token authentication',
          in: 'header',
          name: 'authorization',
          type: 'apiKey',
        },
      },
    },
  };
}

/** kube-openapi publishes these two as `oneOf` in v3 (`OpenAPIV3OneOfTypes`), which is why explain shows `<IntOrString>`. */
const V3_ONE_OF: Record<string, Json> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description: DEFINITIONS['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.description,
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description: DEFINITIONS['io.k8s.apimachinery.pkg.api.resource.Quantity']?.description,
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
};

function closure(roots: Set<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !DEFINITIONS[name]) continue;
    seen.add(name);
    const visit = (node: SchemaNode | undefined): void => {
      if (!node) return;
      if (node.$ref) queue.push(node.$ref);
      visit(node.items);
      visit(node.additionalProperties);
      for (const p of Object.values(node.properties ?? {})) visit(p);
    };
    visit(DEFINITIONS[name]);
  }
  return [...seen].sort();
}

/** Upstream's v3 shape: a `$ref` beside other keywords is wrapped in `allOf`, since 3.0 ignores `$ref` siblings. */
function toV3(node: SchemaNode): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref') continue;
    if (k === 'items' || k === 'additionalProperties') out[k] = toV3(v as SchemaNode);
    else if (k === 'properties')
      out[k] = Object.fromEntries(Object.entries(v as Record<string, SchemaNode>).map(([p, s]) => [p, toV3(s)]));
    else out[k] = v;
  }
  if (node.$ref) {
    if (Object.keys(out).length === 0) return { $ref: REF + node.$ref };
    out.allOf = [{ $ref: REF + node.$ref }];
  }
  return out;
}

const groupCamel = (group: string): string =>
  group === ''
    ? 'Core'
    : group
        .replace(/\.k8s\.io$/, '')
        .split('.')
        .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
        .join('');
const tag = (r: ServedResource): string => {
  const g = groupCamel(r.group);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${r.version}`;
};

const queryParam = (name: string, type: string, description: string): Json => ({
  description,
  in: 'query',
  name,
  schema: { type, uniqueItems: true },
});
const DRY_RUN = queryParam(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = queryParam(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
);
const FORCE = queryParam(
  'force',
  'boolean',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
);
const PRETTY = queryParam(
  'pretty',
  'string',
  "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);
const pathParam = (name: string, description: string): Json => ({
  description,
  in: 'path',
  name,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});
const NAMESPACE = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

const responses = (schema: string, codes: string[]): Json =>
  Object.fromEntries([
    ...codes.map((code) => [
      code,
      {
        description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK',
        content: Object.fromEntries(
          ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'].map((t) => [
            t,
            { schema: { $ref: REF + schema } },
          ]),
        ),
      },
    ]),
    ['401', { description: 'Unauthorized' }],
  ]);

const body = (schema: string, types = ['*/*']): Json => ({
  content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: REF + schema } }])),
  required: true,
});

function operation(
  r: ServedResource,
  action: string,
  verb: string,
  what: string,
  scopeWord: string,
  extra: Json,
): Json {
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  return {
    tags: [tag(r)],
    description: what,
    operationId: `${verb}${groupCamel(r.group)}${r.version.charAt(0).toUpperCase()}${r.version.slice(1)}${scopeWord}`,
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

function resourcePaths(r: ServedResource, name: string, list: string | undefined): Json {
  const prefix = `/${groupVersionPath(r.group, r.version)}`;
  const ns = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const scopeParams = r.namespaced ? [NAMESPACE, PRETTY] : [PRETTY];
  const out: Json = {};
  if (r.verbs === 'create') {
    out[collection] = {
      parameters: [...(r.namespaced ? [NAMESPACE] : []), DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, PRETTY],
      post: operation(r, 'post', 'create', `create a ${r.kind}`, `${ns}${r.kind}`, {
        requestBody: body(name),
        responses: responses(name, ['200', '201', '202']),
      }),
    };
    return out;
  }
  out[collection] = {
    parameters: scopeParams,
    get: operation(r, 'list', 'list', `list or watch objects of kind ${r.kind}`, `${ns}${r.kind}`, {
      responses: responses(list ?? name, ['200']),
    }),
    post: operation(r, 'post', 'create', `create a ${r.kind}`, `${ns}${r.kind}`, {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      requestBody: body(name),
      responses: responses(name, ['200', '201', '202']),
    }),
    delete: operation(r, 'deletecollection', 'deleteCollection', `delete collection of ${r.kind}`, `${ns}${r.kind}`, {
      requestBody: body(`${META}.DeleteOptions`),
      responses: responses(`${META}.Status`, ['200']),
    }),
  };
  if (r.namespaced) {
    out[`${prefix}/${r.plural}`] = {
      parameters: [PRETTY],
      get: operation(r, 'list', 'list', `list or watch objects of kind ${r.kind}`, `${r.kind}ForAllNamespaces`, {
        responses: responses(list ?? name, ['200']),
      }),
    };
  }
  const item = `${collection}/{name}`;
  out[item] = itemOps(r, name, `${ns}${r.kind}`, [pathParam('name', `name of the ${r.kind}`), ...scopeParams], true);
  for (const sub of r.subresources ?? []) {
    const target = sub === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : name;
    const subResource: ServedResource =
      sub === 'scale' ? { ...r, group: 'autoscaling', version: 'v1', kind: 'Scale' } : r;
    const ops = itemOps(
      subResource,
      target,
      `${ns}${r.kind}${sub === 'scale' ? 'Scale' : 'Status'}`,
      [pathParam('name', `name of the ${sub === 'scale' ? 'Scale' : r.kind}`), ...scopeParams],
      false,
    );
    // Subresource operations are named after the parent resource but carry the subresource's kind.
    for (const op of ['get', 'put', 'patch'] as const) {
      const o = ops[op] as Json;
      o.operationId = String(o.operationId).replace(
        /^(\w+?)(Autoscaling|Core|Apps|Batch)V1/,
        `$1${groupCamel(r.group)}V1`,
      );
    }
    out[`${item}/${sub}`] = ops;
  }
  return out;
}

function itemOps(r: ServedResource, name: string, scopeWord: string, parameters: Json[], withDelete: boolean): Json {
  const ops: Json = {
    parameters,
    get: operation(r, 'get', 'read', `read the specified ${r.kind}`, scopeWord, {
      responses: responses(name, ['200']),
    }),
    put: operation(r, 'put', 'replace', `replace the specified ${r.kind}`, scopeWord, {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      requestBody: body(name),
      responses: responses(name, ['200', '201']),
    }),
    patch: operation(r, 'patch', 'patch', `partially update the specified ${r.kind}`, scopeWord, {
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      requestBody: body(`${META}.Patch`, [
        'application/apply-patch+yaml',
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ]),
      responses: responses(name, ['200', '201']),
    }),
  };
  if (withDelete) {
    ops.delete = operation(r, 'delete', 'delete', `delete a ${r.kind}`, scopeWord, {
      parameters: [
        DRY_RUN,
        queryParam(
          'gracePeriodSeconds',
          'integer',
          'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
        ),
        queryParam(
          'propagationPolicy',
          'string',
          "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
        ),
      ],
      requestBody: body(`${META}.DeleteOptions`),
      responses: responses(`${META}.Status`, ['200', '202']),
    });
  }
  return ops;
}

function tokenRequestPath(): Json {
  const r: ServedResource = {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
    plural: 'serviceaccounts',
    namespaced: true,
    verbs: 'create',
  };
  const name = 'io.k8s.api.authentication.v1.TokenRequest';
  const op = operation(r, 'post', 'create', 'create token of a ServiceAccount', 'NamespacedServiceAccountToken', {
    parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    requestBody: body(name),
    responses: responses(name, ['200', '201', '202']),
  });
  op.operationId = 'createCoreV1NamespacedServiceAccountToken';
  op.tags = ['core_v1'];
  return {
    '/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token': {
      parameters: [pathParam('name', 'name of the TokenRequest'), NAMESPACE, PRETTY],
      post: op,
    },
  };
}
