import { notFound, StatusError } from '@paranoid/k8s/status.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import type { ObjectStore } from '../store.ts';
import { existingState } from './state.ts';
import { formatLogTime, rfc3339Nano } from './time.ts';
import type { ContainerInstance, LogLine } from './types.ts';

/** Which container's log to read and how much of it, as a pod's log request asks. */
export interface LogOptions {
  namespace: string;
  pod: string;
  container?: string;
  previous?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

/** Lines a container has written by `now`: its recorded output plus the image's periodic lines. */
export function containerLines(inst: ContainerInstance, now: number): LogLine[] {
  const end = inst.state === 'running' ? now : (inst.finishedAt ?? now);
  const lines = [...inst.logs];
  for (const def of inst.processDefs) {
    if (!def.every) continue;
    const period = def.every.seconds * 1000;
    const count = Math.min(5000, Math.floor((end - inst.startedAt) / period));
    for (let i = 1; i <= count; i++) {
      const at = inst.startedAt + i * period;
      const stamp = def.timePrefix ? formatLogTime(def.timePrefix, at) : '';
      lines.push({ at, stream: 'stdout', text: `${stamp}${def.every.line}` });
    }
  }
  return lines.sort((a, b) => a.at - b.at);
}

/**
 * The pods/log subresource: a container's output, the previous instance with
 * `previous`, `tailLines`, `timestamps`, `sinceSeconds`, `limitBytes`. Errors are
 * the Status the apiserver returns (400 for a container still waiting).
 */
export function logs(store: ObjectStore, now: number, opts: LogOptions): string {
  const pod = store.get({ group: '', resource: 'pods' }, opts.namespace, opts.pod) as Pod | undefined;
  if (!pod) throw notFound('', 'pods', opts.pod);
  const containers = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  let name = opts.container;
  if (!name) {
    if (containers.length !== 1) {
      throw new StatusError(
        400,
        'BadRequest',
        `a container name must be specified for pod ${opts.pod}, choose one of: [${containers.map((c) => c.name).join(' ')}]${pod.spec?.initContainers?.length ? ` or one of the init containers: [${pod.spec.initContainers.map((c) => c.name).join(' ')}]` : ''}`,
      );
    }
    name = containers[0]!.name;
  }
  if (!all.some((c) => c.name === name))
    throw new StatusError(400, 'BadRequest', `container ${name} is not valid for pod ${opts.pod}`);
  const rec = existingState(store)?.pods.get(pod.metadata?.uid ?? '');
  const inst = opts.previous ? rec?.previous.get(name) : rec?.containers.get(name);
  if (!inst) {
    if (opts.previous)
      throw new StatusError(
        400,
        'BadRequest',
        `previous terminated container "${name}" in pod "${opts.pod}" not found`,
      );
    const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
      (s) => s.name === name,
    );
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw new StatusError(400, 'BadRequest', `container "${name}" in pod "${opts.pod}" is waiting to start: ${reason}`);
  }
  let lines = containerLines(inst, now);
  if (opts.sinceSeconds !== undefined) lines = lines.filter((l) => l.at >= now - opts.sinceSeconds! * 1000);
  if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
  let text = lines.map((l) => `${opts.timestamps ? `${rfc3339Nano(l.at)} ` : ''}${l.text}\n`).join('');
  if (opts.limitBytes !== undefined) text = text.slice(0, opts.limitBytes);
  return text;
}
