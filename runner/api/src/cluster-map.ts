import { z } from 'zod';

/** One box of the cluster map. */
export const MapNode = z.object({
  id: z.string(),
  /**
   * `Node`: a machine of the cluster that a workload reaches through host access; `Image`: an image
   * with its registry; `Role`: a Role or ClusterRole bound to a workload's service account;
   * `Secret`: a Secret a workload uses or its role may read.
   */
  kind: z.enum(['Internet', 'Namespace', 'Workload', 'Service', 'Node', 'Image', 'Role', 'Secret']),
  label: z.string(),
  namespace: z.string().optional(),
  /** e.g. `Deployment`, `NodePort`, `privileged`. */
  detail: z.string().optional(),
  exposed: z.boolean().optional(),
});
/** One box of the cluster map. */
export type MapNode = z.infer<typeof MapNode>;

/** One arrow of the cluster map. */
export const MapEdge = z.object({
  id: z.string(),
  source: z.string(),
  target: z.string(),
  /**
   * `escapes`: a workload's host access to its node (hostPID, privileged, a hostPath); `runs`: an
   * image a workload runs; `bound`: a workload's service account bound to a role; `reads`: a role
   * may read a Secret; `uses`: a workload takes a Secret into its pods; `egress`: a workload's
   * connections to the internet (allowed, or `blocked` when a policy stops them).
   */
  kind: z.enum(['selects', 'reaches', 'blocked', 'exposes', 'escapes', 'runs', 'bound', 'reads', 'uses', 'egress']),
  /** True on the scenario's attack path while the attack gets through this edge. */
  attack: z.boolean().optional(),
  /** True on a blocked edge of the attack path: the fix holds here. */
  stopsAttack: z.boolean().optional(),
  label: z.string().optional(),
});
/** One arrow of the cluster map. */
export type MapEdge = z.infer<typeof MapEdge>;

/** `GET /api/sessions/:id/map`, and each event of `.../map/stream`: the picture of a cluster the site draws. */
export const ClusterMap = z.object({ nodes: z.array(MapNode), edges: z.array(MapEdge) });
/** The picture of a cluster the site draws. */
export type ClusterMap = z.infer<typeof ClusterMap>;
