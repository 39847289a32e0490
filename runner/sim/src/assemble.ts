/**
 * One full simulated cluster: every slot of `createCluster` filled with the
 * real module, so a fresh cluster behaves like a fresh kind cluster
 * (Kubernetes v1.32): RBAC, admission, schemas, bootstrap objects,
 * controllers, the kubelet and its runtime, and a network that enforces
 * NetworkPolicy.
 *
 * ```ts
 * const cluster = createSimulatedCluster({ clock, ids });
 * ```
 */

import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { GroupResource } from '@paranoid/k8s/object.ts';
import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { limitRanger } from './admission/limit-ranger.ts';
import { podSecurityAdmission } from './admission/pod-security.ts';
import { policyControllerAdmission, type RegistryLookup } from './admission/policy-controller.ts';
import { priorityAdmission } from './admission/priority.ts';
import { resourceQuotaAdmission, resourceQuotaStatus } from './admission/resource-quota.ts';
import type { AdmissionPlugin } from './admission/types.ts';
import { validatingAdmissionPolicy } from './admission/validating-admission-policy.ts';
import { seedControllerRbac } from './assemble-controller-roles.ts';
import { CLUSTER_SCHEMA } from './assemble-schema.ts';
import { serviceAccountAdmission } from './assemble-service-account-admission.ts';
import { serviceTypeChange } from './assemble-service-update.ts';
import { bootstrapCluster } from './bootstrap/index.ts';
import type { Clock, IdSource } from './clock.ts';
import { type Cluster, type ClusterOptions, createCluster, type StartContext } from './cluster.ts';
import { apiCreator, startControllers } from './controllers/index.ts';
import { createPolicyNetworkPort } from './network/runtime-adapter.ts';
import type { InternetHost, NetworkOptions } from './network/types.ts';
import { authorize } from './rbac/authorizer.ts';
import { rbacEscalationAdmission } from './rbac/escalation.ts';
import { rulesReview } from './rbac/rules-review.ts';
import { startRbac } from './rbac/start.ts';
import { createRuntime } from './runtime/create-runtime.ts';

/** What a simulated cluster is made from: clock, ids, credentials, images, network and bounds. */
export interface SimulatedClusterDeps {
  clock: Clock;
  ids: IdSource;
  /** The admin's bearer token (kind's `kubernetes-admin`, in `system:masters`); generated when absent. */
  adminToken?: string;
  adminUser?: UserInfo;
  /** The kind cluster name: nodes `<name>-control-plane`, `<name>-worker`, `<name>-worker2`. Default `paranoid`. */
  name?: string;
  /** The simulated internet's hosts (a scenario's data). */
  internet?: InternetHost[];
  /** Images beyond the built-in set (a scenario's `images/*.image.yaml`). */
  images?: ImageDefinition[];
  /** Further network model options (ipBlock on pod IPs, hostNetwork model, metadata endpoint). */
  network?: Omit<NetworkOptions, 'internet' | 'listening'>;
  maxBodyBytes?: number;
}

/**
 * Admission in kube-apiserver's order (`AllOrderedPlugins`). Mutation: what
 * the Service registry drops on a type change, LimitRanger's defaults, then
 * ServiceAccount's token volume, then Priority's value from the PriorityClass. Validation: the RBAC escalation check first
 * (upstream does it in the RBAC registry, before validating admission runs),
 * then LimitRanger, PodSecurity, ValidatingAdmissionPolicy, the admission
 * webhooks a scenario installs (Sigstore policy-controller, present once its
 * ClusterImagePolicy CRD is), and ResourceQuota last, so a denied object never
 * counts against a quota. `registry` is where the webhook looks images up.
 */
export function admissionChain(ids: IdSource, registry: RegistryLookup = () => undefined): AdmissionPlugin[] {
  return [
    serviceTypeChange,
    rbacEscalationAdmission,
    limitRanger,
    serviceAccountAdmission(ids),
    priorityAdmission,
    podSecurityAdmission,
    validatingAdmissionPolicy,
    policyControllerAdmission(registry),
    resourceQuotaAdmission,
  ];
}

const CRDS: GroupResource = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' };

/** The namespaced resources CRDs define, so a namespace's deletion empties them too. */
function customNamespacedResources(ctx: StartContext): () => GroupResource[] {
  return () =>
    ctx.store.list(CRDS).flatMap((crd) => {
      const spec = (crd.spec ?? {}) as { group?: string; scope?: string; names?: { plural?: string } };
      return spec.scope === 'Namespaced' && spec.group && spec.names?.plural
        ? [{ group: spec.group, resource: spec.names.plural }]
        : [];
    });
}

/**
 * The runtime calls the API with the token a process sent, `''` for none (an
 * in-pod `curl -k https://kubernetes.default/version`). No token must reach the
 * API as no Authorization header, so it is anonymous (kind allows anonymous
 * requests; RBAC lets `system:unauthenticated` read /version and /healthz), not
 * an empty bearer token, which is a 401.
 */
function anonymousWhenTokenless(ctx: StartContext): StartContext {
  return {
    ...ctx,
    callApi: (token, method, path, body, headers = {}) =>
      ctx.callApi(token, method, path, body, token ? headers : { ...headers, authorization: '' }),
  };
}

/**
 * Options for `createCluster` with every slot filled: the RBAC authorizer
 * (with the `system:masters` short cut) and rules review; the admission chain
 * ({@link admissionChain}); the schema engine (OpenAPI v2/v3, strategic merge
 * patch, server-side apply, field validation, defaulting); and `onStart` hooks
 * in the order a cluster comes up: RBAC bootstrap objects and cluster-role
 * aggregation, the controllers' own `system:controller:*` roles, the kind
 * bootstrap (namespaces, nodes, kube-system workloads), the controllers and
 * scheduler (creating pods through the API as their service accounts), the
 * kubelet, and the quota controller. `exec`, `logs`, `metrics` and `internet`
 * come from the runtime, whose network is the NetworkPolicy engine.
 *
 * The options hold one container runtime: build them once per cluster.
 */
export function simulatedClusterOptions(deps: SimulatedClusterDeps): ClusterOptions {
  const internet = deps.internet ?? [];
  const runtime = createRuntime({
    ...(deps.images ? { images: deps.images } : {}),
    network: (store) => createPolicyNetworkPort(store, { ...deps.network, internet }),
  });
  return {
    clock: deps.clock,
    ids: deps.ids,
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    ...(deps.adminUser ? { adminUser: deps.adminUser } : {}),
    ...(deps.maxBodyBytes ? { maxBodyBytes: deps.maxBodyBytes } : {}),
    authorizer: authorize,
    rulesReview,
    admission: admissionChain(deps.ids, (ref) => {
      const pulled = runtime.registry.pull(ref);
      return pulled.ok ? pulled.image : undefined;
    }),
    schema: CLUSTER_SCHEMA,
    fallbackControllers: false,
    onStart: [
      (ctx) => startRbac(ctx),
      (ctx) => seedControllerRbac(ctx),
      (ctx) => bootstrapCluster(ctx, deps.name ? { name: deps.name } : {}),
      (ctx) =>
        startControllers({
          store: ctx.store,
          clock: ctx.clock,
          ids: ctx.ids,
          // As kube-controller-manager with --use-service-account-credentials: each controller
          // creates through authn, RBAC and admission as its own service account.
          createThroughApi: apiCreator(ctx, { impersonate: true }),
          namespacedResources: customNamespacedResources(ctx),
        }),
      (ctx) => runtime.onStart(anonymousWhenTokenless(ctx)),
      (ctx) => resourceQuotaStatus(ctx),
    ],
    exec: (request, user) => runtime.exec(request, user),
    logs: (args) => runtime.logs(args),
    metrics: runtime.metrics,
    internet: (request) => runtime.internet(request),
    internetStreams: runtime.internetStreams,
    portForward: {
      open: (target) => runtime.internetStreams.openInPod(target),
      send: (id, data) => runtime.internetStreams.send(id, data),
      close: (id) => runtime.internetStreams.close(id),
    },
    proxy: (request) => runtime.proxy(request),
    cloud: runtime.cloud,
  };
}

/** A full simulated cluster: `createCluster(simulatedClusterOptions(deps))`. */
export function createSimulatedCluster(deps: SimulatedClusterDeps): Cluster {
  return createCluster(simulatedClusterOptions(deps));
}
