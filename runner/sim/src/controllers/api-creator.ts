import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { type StatusDetails, StatusError, type StatusReason } from '@paranoid/k8s/status.ts';
import type { CreateThroughApi } from './context.ts';

/** The slice of the cluster's start context this adapter needs (structural, so it imports nothing of cluster.ts). */
export interface InProcessApi {
  callApi(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): { status: number; body: unknown };
  adminToken: string;
}

/** How controllers' writes reach the API: as the admin, or as each controller's own service account. */
export interface ApiCreatorOptions {
  /**
   * Impersonate the controller's service account, as kube-controller-manager
   * with --use-service-account-credentials does. Needs RBAC that lets
   * `system:serviceaccount:kube-system:<controller>` create what it creates
   * (the system:controller:* roles); off by default, when the admin creates and
   * admission still runs.
   */
  impersonate?: boolean;
}

/** `/api/v1/namespaces/default/pods` or `/apis/batch/v1/namespaces/default/jobs`. */
export function collectionPath(resource: GroupResource, obj: KubeObject): string {
  const version = obj.apiVersion.includes('/') ? obj.apiVersion.slice(obj.apiVersion.indexOf('/') + 1) : obj.apiVersion;
  const root = resource.group ? `/apis/${resource.group}/${version}` : `/api/${version}`;
  const ns = obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : '';
  return `${root}${ns}/${resource.resource}`;
}

/**
 * A {@link CreateThroughApi} that POSTs through the cluster's own request path
 * (authentication, admission, defaulting, name generation), turning a failure
 * Status back into the StatusError the controller reports.
 */
export function apiCreator(api: InProcessApi, options: ApiCreatorOptions = {}): CreateThroughApi {
  return (resource, obj, user) => {
    // The user agent names the field manager, as managedFields show `kube-controller-manager`.
    const headers: Record<string, string> = {
      'User-Agent': `kube-controller-manager/v1.32.2 (linux/amd64) kubernetes/67a30c0${user ? `/${user.username}` : ''}`,
    };
    if (options.impersonate && user) headers['Impersonate-User'] = user.username;
    const result = api.callApi(api.adminToken, 'POST', collectionPath(resource, obj), obj, headers);
    if (result.status >= 200 && result.status < 300) return result.body as KubeObject;
    const status = (result.body ?? {}) as {
      code?: number;
      reason?: StatusReason;
      message?: string;
      details?: StatusDetails;
    };
    throw new StatusError(
      status.code ?? result.status,
      status.reason ?? 'InternalError',
      status.message ?? `failed to create ${resource.resource}: HTTP ${result.status}`,
      status.details,
    );
  };
}
