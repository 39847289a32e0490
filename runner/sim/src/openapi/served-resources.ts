import { RESOURCES } from '../resources.ts';
import { definitionNameFor } from './schemas.ts';

/** A REST resource as the OpenAPI documents describe it. */
export interface ServedResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** `create` only for reviews (SelfSubjectAccessReview…) and other virtual resources; the full set otherwise. */
  verbs: 'crud' | 'create';
  subresources?: ('status' | 'scale')[];
}

/**
 * The resources of the API's registry (`../resources.ts`, what discovery lists) that have a schema: custom
 * resources and metrics have none, so they get no document, as on a real server (CRDs publish their own).
 */
export const SERVED_RESOURCES: readonly ServedResource[] = RESOURCES.filter(
  (r) => !r.custom && definitionNameFor(r),
).map((r) => {
  const subresources = (r.subresources ?? [])
    .map((s) => s.name)
    .filter((s): s is 'status' | 'scale' => s === 'status' || s === 'scale');
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    plural: r.resource,
    namespaced: r.namespaced,
    verbs: r.virtual || r.verbs.every((v) => v === 'create') ? 'create' : 'crud',
    ...(subresources.length ? { subresources } : {}),
  };
});

/** `api/v1` or `apis/apps/v1`: the key of a group version in the `/openapi/v3` index. */
export const groupVersionPath = (group: string, version: string): string =>
  group === '' ? `api/${version}` : `apis/${group}/${version}`;
