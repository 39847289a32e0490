/**
 * The `system:controller:*` ClusterRoles and their bindings that kube-apiserver
 * seeds for kube-controller-manager's per-controller service accounts
 * (`--use-service-account-credentials`, as kind runs it), for the controllers
 * this simulator runs. Controllers here create pods and jobs through the API
 * as those service accounts, so RBAC has to let them, as on a real cluster.
 *
 * Written after upstream's bootstrappolicy controller policy (rules trimmed to
 * what matters for authorization here, names and bindings as upstream).
 * It belongs with the RBAC bootstrap (`rbac/bootstrap.ts`); it lives on the
 * assembly side until the RBAC module seeds it itself.
 */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { RBAC_GROUP } from './rbac/authorizer.ts';
import type { ObjectStore } from './store.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const EVENTS: Rule = { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] };
const rule = (apiGroups: string[], resources: string[], verbs: string[]): Rule => ({ apiGroups, resources, verbs });

/** Service account name → its rules (events are added to all but the namespace controller, as upstream). */
const CONTROLLER_RULES: Record<string, Rule[]> = {
  'cronjob-controller': [
    rule(['batch'], ['cronjobs'], ['get', 'list', 'update', 'watch']),
    rule(['batch'], ['jobs'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(['batch'], ['cronjobs/status', 'cronjobs/finalizers'], ['update']),
    rule([''], ['pods'], ['delete', 'list', 'watch']),
  ],
  'daemon-set-controller': [
    rule(['apps', 'extensions'], ['daemonsets'], READ),
    rule(['apps', 'extensions'], ['daemonsets/status', 'daemonsets/finalizers'], ['update']),
    rule([''], ['nodes'], ['list', 'watch']),
    rule([''], ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
    rule([''], ['pods/binding'], ['create']),
    rule(['apps'], ['controllerrevisions'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
  ],
  'deployment-controller': [
    rule(['apps', 'extensions'], ['deployments'], ['get', 'list', 'update', 'watch']),
    rule(['apps', 'extensions'], ['deployments/status', 'deployments/finalizers'], ['update']),
    rule(['apps', 'extensions'], ['replicasets'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule([''], ['pods'], ['get', 'list', 'update', 'watch']),
  ],
  'endpoint-controller': [
    rule([''], ['pods', 'services'], READ),
    rule([''], ['endpoints'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
    rule([''], ['endpoints/restricted'], ['create']),
  ],
  'endpointslice-controller': [
    rule([''], ['nodes', 'pods', 'services'], READ),
    rule([''], ['services/finalizers'], ['update']),
    rule(['discovery.k8s.io'], ['endpointslices'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
  ],
  'generic-garbage-collector': [rule(['*'], ['*'], ['delete', 'get', 'list', 'patch', 'update', 'watch'])],
  'job-controller': [
    rule(['batch'], ['jobs'], ['get', 'list', 'patch', 'update', 'watch']),
    rule(['batch'], ['jobs/status', 'jobs/finalizers'], ['update']),
    rule([''], ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
  ],
  'namespace-controller': [
    rule([''], ['namespaces'], ['delete', 'get', 'list', 'watch']),
    rule([''], ['namespaces/finalize', 'namespaces/status'], ['update']),
    rule(['*'], ['*'], ['delete', 'deletecollection', 'get', 'list', 'watch']),
  ],
  'replicaset-controller': [
    rule(['apps', 'extensions'], ['replicasets'], ['get', 'list', 'update', 'watch']),
    rule(['apps', 'extensions'], ['replicasets/status', 'replicasets/finalizers'], ['update']),
    rule([''], ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
  ],
  'root-ca-cert-publisher': [rule([''], ['configmaps'], ['create', 'update'])],
  'service-account-controller': [rule([''], ['serviceaccounts'], ['create'])],
  'statefulset-controller': [
    rule([''], ['pods'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(['apps', 'extensions'], ['statefulsets'], READ),
    rule(['apps', 'extensions'], ['statefulsets/status', 'statefulsets/finalizers'], ['update']),
    rule([''], ['persistentvolumeclaims'], ['create', 'get', 'update']),
    rule(['apps'], ['controllerrevisions'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
  ],
};

const meta = (name: string) => ({
  name,
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
});

/** The ClusterRoles and ClusterRoleBindings `system:controller:<sa>` for each controller service account. */
export function controllerRbacObjects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const [sa, rules] of Object.entries(CONTROLLER_RULES)) {
    const name = `system:controller:${sa}`;
    out.push({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta(name),
      rules: sa === 'namespace-controller' ? rules : [...rules, EVENTS],
    });
    out.push({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: meta(name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'kube-system' }],
    });
  }
  return out;
}

/** onStart hook: seeds {@link controllerRbacObjects}, leaving any already stored alone. */
export function seedControllerRbac(ctx: { store: ObjectStore }): void {
  for (const obj of controllerRbacObjects()) {
    const gr = { group: RBAC_GROUP, resource: obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings' };
    if (!ctx.store.get(gr, undefined, obj.metadata.name ?? '')) ctx.store.create(gr, obj);
  }
}
