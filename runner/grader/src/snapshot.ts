import type { KubeObject } from '@paranoid/k8s/object.ts';
import { CLOUD_INSTANCES, KUBELET_CONFIGS, POD_SPECS, RESOURCES } from '@paranoid/schema/resources.ts';
import { cloudInstances } from './cloud-instances.ts';
import type { KubeApi } from './kube-api.ts';
import { kubeletConfigs } from './kubelet-configs.ts';
import { POD_SPEC_SOURCES, podSpecViews } from './pod-specs.ts';

/**
 * The objects one grading run reads, each resource listed once (cluster-wide) and
 * shared by every check, so checks agree with each other and the API is asked little.
 */
export class Snapshot {
  private readonly lists = new Map<string, Promise<unknown[]>>();

  constructor(private readonly api: KubeApi) {}

  /** Every object of a resource (author-facing name, or `podspecs`). */
  list(resource: string): Promise<unknown[]> {
    let pending = this.lists.get(resource);
    if (!pending) {
      pending = this.read(resource);
      this.lists.set(resource, pending);
    }
    return pending;
  }

  private async read(resource: string): Promise<unknown[]> {
    if (resource === POD_SPECS) {
      const all = await Promise.all(POD_SPEC_SOURCES.map((r) => this.list(r)));
      return podSpecViews(all.flat() as KubeObject[]);
    }
    if (resource === KUBELET_CONFIGS) return kubeletConfigs(this.api, (await this.list('nodes')) as KubeObject[]);
    if (resource === CLOUD_INSTANCES) return cloudInstances(this.api, (await this.list('nodes')) as KubeObject[]);
    const info = RESOURCES.get(resource);
    if (!info) throw new Error(`unknown resource ${resource}`);
    const items = await this.api.list(info);
    // Lists drop apiVersion/kind on items; put them back so `object.kind` works in CEL.
    return items.map((o) => ({
      ...o,
      apiVersion: o.apiVersion ?? (info.group === '' ? info.version : `${info.group}/${info.version}`),
      kind: o.kind ?? info.kind,
    }));
  }
}
