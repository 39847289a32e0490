import { notFound, StatusError } from '@paranoid/k8s/status.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import type { ExecRequest } from '../exec-types.ts';
import type { ContainerInstance, RuntimeState } from '../types.ts';

/** Finds the running container an exec targets, or throws the Status the kubelet/apiserver answer with. */
export function execTarget(
  state: RuntimeState,
  req: Pick<ExecRequest, 'namespace' | 'pod' | 'container'>,
): ContainerInstance {
  const pod = state.deps.store.get({ group: '', resource: 'pods' }, req.namespace, req.pod) as Pod | undefined;
  if (!pod) throw notFound('', 'pods', req.pod);
  const names = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  const name = req.container || pod.spec?.containers?.[0]?.name || '';
  if (!names.includes(name))
    throw new StatusError(400, 'BadRequest', `container ${name} is not valid for pod ${req.pod}`);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new StatusError(
      400,
      'BadRequest',
      `cannot exec into a container in a completed pod; current phase is ${phase}`,
    );
  }
  const inst = state.pods.get(pod.metadata?.uid ?? '')?.containers.get(name);
  if (inst?.state !== 'running') {
    throw new StatusError(400, 'BadRequest', `unable to upgrade connection: container not found ("${name}")`);
  }
  return inst;
}
