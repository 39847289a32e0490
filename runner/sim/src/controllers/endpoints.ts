import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { deepEqual, objectKey, splitKey } from './meta.ts';
import { isPodReady } from './pod-util.ts';
import { R } from './resources.ts';
import { matchesMap } from './selector.ts';
import { enqueueServices, findPort, hasSelector, podInEndpoints } from './service-util.ts';
import type { EndpointsObject, PodObject, ServiceObject } from './types.ts';

const HEADLESS = 'service.kubernetes.io/headless';

const portKey = (p: EndpointPort): string => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;
const ipOrder = (a: EndpointAddress, b: EndpointAddress): number =>
  a.ip === b.ip ? ((a.targetRef?.uid ?? '') < (b.targetRef?.uid ?? '') ? -1 : 1) : a.ip < b.ip ? -1 : 1;

/**
 * The Endpoints controller: an Endpoints object per selecting Service, holding
 * each pod's IP under `addresses` (ready) or `notReadyAddresses`, grouped by
 * the set of resolved ports as RepackSubsets does. Services without a selector
 * keep whatever Endpoints their owner writes.
 */
export class EndpointsController implements Controller {
  readonly name = 'endpoint-controller';

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    enqueueServices(this.env, event, queue, R.endpoints);
  }

  resync(queue: WorkQueue): void {
    for (const s of this.env.store.list(R.services)) queue.add(objectKey(s));
  }

  reconcile(key: string): void {
    const { store } = this.env;
    const { namespace, name } = splitKey(key);
    const svc = store.get(R.services, namespace, name) as ServiceObject | undefined;
    const existing = store.get(R.endpoints, namespace, name) as EndpointsObject | undefined;
    if (!svc) {
      // As upstream: the Endpoints of a deleted Service go with it, whoever wrote them.
      if (existing) store.delete(R.endpoints, namespace, name);
      return;
    }
    if (!hasSelector(svc)) return;
    const publishNotReady = Boolean(svc.spec?.publishNotReadyAddresses);
    const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
    const pods = (this.env.lister.list(R.pods, namespace) as PodObject[]).filter(
      (p) => matchesMap(svc.spec?.selector, p.metadata.labels) && podInEndpoints(p, publishNotReady),
    );
    for (const pod of pods) {
      const address: EndpointAddress = {
        ip: pod.status?.podIP ?? '',
        ...(pod.spec.hostname && pod.spec.subdomain === name ? { hostname: pod.spec.hostname } : {}),
        ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      const ready = publishNotReady || isPodReady(pod);
      const ports: EndpointPort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        ports.push({
          ...(sp.name ? { name: sp.name } : {}),
          port,
          protocol: sp.protocol ?? 'TCP',
          ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
        });
      }
      if ((svc.spec?.ports ?? []).length > 0 && ports.length === 0) continue;
      ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
      const gk = ports.map(portKey).join(',');
      let g = groups.get(gk);
      if (!g) {
        g = { ports, ready: [], notReady: [] };
        groups.set(gk, g);
      }
      (ready ? g.ready : g.notReady).push(address);
    }
    const subsets: EndpointSubset[] = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, g]) => ({
        ...(g.ready.length ? { addresses: g.ready.sort(ipOrder) } : {}),
        ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(ipOrder) } : {}),
        ...(g.ports.length ? { ports: g.ports } : {}),
      }));
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS] = '';
    if (!existing) {
      store.create(R.endpoints, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, labels },
        ...(subsets.length ? { subsets } : {}),
      });
      return;
    }
    if (deepEqual(existing.subsets ?? [], subsets) && deepEqual(existing.metadata.labels ?? {}, labels)) return;
    existing.metadata.labels = labels;
    if (subsets.length) existing.subsets = subsets;
    else delete existing.subsets;
    store.update(R.endpoints, existing);
  }
}
