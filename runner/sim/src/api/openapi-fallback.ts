import type { ResourceDef } from '../resources.ts';
import { VERSION_INFO } from './discovery.ts';

/**
 * The OpenAPI v3 documents served when no schema engine is wired: enough for
 * kubectl to see that every PATCH accepts `fieldValidation` (so it leaves
 * validation to the server) and which patch types each resource takes. There
 * are no component schemas: `kubectl explain` needs the real documents.
 */
const gvPath = (group: string, version: string) => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

const hash = (s: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, '0');
};

/** The `/openapi/v3` index of group versions, pointing at the fallback documents. */
export function openApiV3Index(resources: readonly ResourceDef[]): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of resources) {
    const p = gvPath(r.group, r.version);
    paths[p] ??= { serverRelativeURL: `/openapi/v3/${p}?hash=${hash(p + VERSION_INFO.gitVersion)}` };
  }
  return { paths };
}

const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

/** The OpenAPI v3 document of one group version when no schema engine is wired: paths and patch types, no schemas. */
export function openApiV3Document(
  resources: readonly ResourceDef[],
  path: string,
): Record<string, unknown> | undefined {
  const [gv] = path.split('?');
  const defs = resources.filter((r) => gvPath(r.group, r.version) === gv);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of defs) {
    if (r.virtual || !r.verbs.includes('patch')) continue;
    const base = `/${gv}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        requestBody: {
          content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])),
          required: true,
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion },
    paths,
    components: { schemas: {} },
  };
}
