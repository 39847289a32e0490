import type { Pod } from 'kubernetes-types/core/v1';
import type { Proc, RuntimeState } from './types.ts';

/** The process of a pod that listens on `port` (any container), if one does. */
export function listenerInPod(state: RuntimeState, pod: Pod, port: number): Proc | undefined {
  const rec = state.pods.get(pod.metadata?.uid ?? '');
  if (!rec) return undefined;
  for (const c of rec.containers.values()) {
    if (c.state !== 'running') continue;
    const p = c.procs.find((x) => x.listen?.port === port);
    if (p) return p;
    const also = alsoListening(c.procs, port);
    if (also) return also;
  }
  return undefined;
}

/** The process on a node (host network) listening on `port`. */
export function listenerOnNode(state: RuntimeState, nodeName: string, port: number): Proc | undefined {
  const host = state.nodes.get(nodeName);
  if (!host) return undefined;
  const onHost = host.procs.filter((p) => p.sec.hostNetwork || !p.container);
  return onHost.find((p) => p.listen?.port === port) ?? alsoListening(onHost, port);
}

/** A process serving `port` as one of its extra ports, seen as if that were its main one. */
function alsoListening(procs: Proc[], port: number): Proc | undefined {
  for (const p of procs) {
    const spec = p.alsoListen?.find((l) => l.port === port);
    if (spec) return { ...p, listen: spec };
  }
  return undefined;
}
