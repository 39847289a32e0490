import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1';
import type { StoreEvent } from '../store.ts';
import { deleteObject } from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone, deepEqual, isControlledBy, newControllerRef, objectKey, splitKey } from './meta.ts';
import { isPodReady } from './pod-util.ts';
import { R } from './resources.ts';
import { matchesMap } from './selector.ts';
import { enqueueServices, findPort, hasSelector, podInEndpoints } from './service-util.ts';
import type { EndpointSliceObject, PodObject, ServiceObject } from './types.ts';

/** The label tying an EndpointSlice to the Service whose endpoints it lists. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The label saying which controller manages an EndpointSlice, so this one leaves others' slices alone. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Endpoints per slice before another slice is started (--max-endpoints-per-slice). */
const MAX_PER_SLICE = 100;

const portKey = (p: EndpointPort): string => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;

/**
 * The EndpointSlice controller: slices named `<service>-<5 chars>`, labelled
 * with the service name and the managing controller, owned by the Service, one
 * set per distinct port mapping; ready/serving/terminating per endpoint. A
 * Service that selects nothing keeps one empty placeholder slice, as upstream.
 */
export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    enqueueServices(this.env, event, queue, R.endpointslices);
  }

  resync(queue: WorkQueue): void {
    for (const s of this.env.store.list(R.services)) queue.add(objectKey(s));
  }

  reconcile(key: string): void {
    const { store, clock } = this.env;
    const { namespace, name } = splitKey(key);
    const svc = store.get(R.services, namespace, name) as ServiceObject | undefined;
    if (!svc || !hasSelector(svc)) return; // Owner references let the garbage collector remove the slices.
    const existing = (this.env.lister.list(R.endpointslices, namespace) as EndpointSliceObject[]).filter(
      (s) =>
        s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
        s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY &&
        isControlledBy(s, svc),
    );
    const pods = (this.env.lister.list(R.pods, namespace) as PodObject[]).filter(
      (p) => matchesMap(svc.spec?.selector, p.metadata.labels) && podInEndpoints(p, true),
    );
    const publishNotReady = Boolean(svc.spec?.publishNotReadyAddresses);
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
    for (const pod of pods) {
      const ports: EndpointPort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        ports.push({
          name: sp.name ?? '',
          port,
          protocol: sp.protocol ?? 'TCP',
          ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
        });
      }
      ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
      const gk = ports.map(portKey).join(',');
      let g = groups.get(gk);
      if (!g) {
        g = { ports, endpoints: [] };
        groups.set(gk, g);
      }
      const terminating = Boolean(pod.metadata.deletionTimestamp);
      const serving = publishNotReady || isPodReady(pod);
      g.endpoints.push({
        addresses: [pod.status?.podIP ?? ''],
        conditions: { ready: serving && !terminating, serving, terminating },
        ...(pod.spec.hostname && pod.spec.subdomain === name ? { hostname: pod.spec.hostname } : {}),
        ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      });
    }
    const desired: { ports: EndpointPort[] | null; endpoints: Endpoint[] }[] = [];
    for (const [, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      g.endpoints.sort((a, b) => (a.addresses[0]! < b.addresses[0]! ? -1 : 1));
      for (let i = 0; i < g.endpoints.length; i += MAX_PER_SLICE) {
        desired.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_PER_SLICE) });
      }
    }
    if (desired.length === 0) desired.push({ ports: null, endpoints: [] });

    const labels: Record<string, string> = {
      ...(svc.metadata.labels ?? {}),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };
    if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const unused = [...existing];
    for (const want of desired) {
      // Reuse a slice with the same ports (or any spare one) before making another.
      let i = unused.findIndex((s) => deepEqual(s.ports ?? null, want.ports));
      if (i < 0) i = unused.length ? 0 : -1;
      const spare = i >= 0 ? unused.splice(i, 1)[0] : undefined;
      const slice = spare && clone(spare);
      if (!slice) {
        store.create(R.endpointslices, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: `${name}-${this.env.ids.suffix(5)}`,
            generateName: `${name}-`,
            namespace,
            labels,
            ownerReferences: [newControllerRef(svc)],
          },
          addressType: 'IPv4',
          endpoints: want.endpoints,
          ...(want.ports ? { ports: want.ports } : {}),
        });
        continue;
      }
      if (
        deepEqual(slice.endpoints ?? [], want.endpoints) &&
        deepEqual(slice.ports ?? null, want.ports) &&
        deepEqual(slice.metadata.labels, labels)
      ) {
        continue;
      }
      slice.endpoints = want.endpoints;
      if (want.ports) slice.ports = want.ports;
      else delete slice.ports;
      slice.metadata.labels = labels;
      store.update(R.endpointslices, slice);
    }
    for (const s of unused) deleteObject(store, clock, R.endpointslices, s);
  }
}
