import type { Pod } from 'kubernetes-types/core/v1';
import { viewOf } from '../container-setup.ts';
import type { ContainerInstance, Proc, RuntimeState } from '../types.ts';
import type { Sys } from './context.ts';

/** The process context of something running inside a container. */
export function sysForContainer(state: RuntimeState, inst: ContainerInstance, self: Proc, tty: boolean): Sys {
  const host = state.nodes.get(inst.nodeName)!;
  const pod = state.deps.store.get({ group: '', resource: 'pods' }, inst.namespace, inst.podName) as Pod | undefined;
  const hostNet = inst.sec.hostNetwork;
  return {
    state,
    host,
    container: inst,
    view: viewOf(inst.mounts),
    sec: inst.sec,
    hostname: hostNet ? host.name : (inst.rootFs.stat('/etc/hostname')?.content.trim() ?? inst.podName),
    pidNs: inst.pidNs,
    net: hostNet ? { kind: 'node', name: host.name } : { kind: 'pod', namespace: inst.namespace, name: inst.podName },
    ip: hostNet ? host.ip : (pod?.status?.podIP ?? host.ips.get(inst.podUid) ?? ''),
    userland: inst.image.userland === 'gnu' ? 'gnu' : 'busybox',
    self,
    tty,
  };
}
