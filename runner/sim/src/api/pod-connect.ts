import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest, StatusError } from '@paranoid/k8s/status.ts';
import type { ExecRequest } from '../runtime/exec-types.ts';
import type { LogsArgs } from './context.ts';
import type { RequestScope } from './scope.ts';
import { mustGet } from './scope.ts';
import type { ApiResponse } from './types.ts';
import { queryParam, textResponse } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
type Any = Record<string, any>;
const encoder = new TextEncoder();

function containerNames(pod: KubeObject, withInit: boolean): string[] {
  const spec = (pod.spec as Any) ?? {};
  const names = ((spec.containers as Any[]) ?? []).map((c) => String(c.name));
  if (!withInit) return names;
  return [
    ...names,
    ...((spec.initContainers as Any[]) ?? []).map((c) => String(c.name)),
    ...((spec.ephemeralContainers as Any[]) ?? []).map((c) => String(c.name)),
  ];
}

/** The container a request means, with the apiserver's errors when it is ambiguous or unknown. */
function pickContainer(pod: KubeObject, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const all = containerNames(pod, true);
  if (!requested) {
    const main = containerNames(pod, false);
    if (main.length === 1) return main[0]!;
    const initNames = all.filter((n) => !main.includes(n));
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`,
    );
  }
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

const boolParam = (scope: RequestScope, name: string) => {
  const v = queryParam(scope.request, name);
  return v === 'true' || v === '1';
};

const numParam = (scope: RequestScope, name: string): number | undefined => {
  const v = queryParam(scope.request, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw badRequest(`invalid ${name}: ${v}`);
  return n;
};

/** `GET pods/<name>/log`: the runtime's text, streamed with `follow=true`. */
export function logResponse(scope: RequestScope, namespace: string): ApiResponse {
  const pod = mustGet(scope, namespace, scope.info.name);
  const container = pickContainer(pod, queryParam(scope.request, 'container'));
  const args: LogsArgs = {
    namespace,
    pod: scope.info.name,
    container,
    previous: boolParam(scope, 'previous'),
    tailLines: numParam(scope, 'tailLines'),
    sinceSeconds: numParam(scope, 'sinceSeconds'),
    timestamps: boolParam(scope, 'timestamps'),
    limitBytes: numParam(scope, 'limitBytes'),
    follow: boolParam(scope, 'follow'),
  };
  if (!scope.ctx.logs) {
    const statuses: Any[] = (pod.status as Any)?.containerStatuses ?? [];
    const st = statuses.find((c) => c.name === container);
    const waiting = st?.state?.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${scope.info.name}" is waiting to start: ${waiting}`);
  }
  const result = scope.ctx.logs(args);
  if (typeof result === 'string') return textResponse(200, result);
  return {
    kind: 'stream',
    status: 200,
    headers: { 'content-type': 'text/plain' },
    start(write, end) {
      return result.start((text) => write(encoder.encode(text)), end);
    },
  };
}

/** The channel protocols exec and attach speak, best first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/**
 * `pods/<name>/exec` and `/attach`: checks the pod and container, then asks
 * the adapter to upgrade to a WebSocket and maps the k8s channel protocol
 * (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close) onto an
 * {@link ExecSession}.
 */
export function execResponse(scope: RequestScope, namespace: string, kind: 'exec' | 'attach'): ApiResponse {
  const { ctx, request, user } = scope;
  const pod = mustGet(scope, namespace, scope.info.name);
  const container = pickContainer(pod, queryParam(request, 'container'));
  const phase = (pod.status as Any)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(`cannot ${kind} into a container in a completed pod; current phase is ${phase}`);
  }
  const command = request.query.command ?? [];
  if (kind === 'exec' && command.length === 0) throw badRequest('you must specify at least 1 command');
  const execRequest: ExecRequest = {
    namespace,
    pod: scope.info.name,
    container,
    command,
    stdin: boolParam(scope, 'stdin'),
    tty: boolParam(scope, 'tty'),
  };
  const open = kind === 'exec' ? ctx.exec : ctx.attach;
  if (!open) {
    throw new StatusError(
      500,
      'InternalError',
      `Internal error occurred: this simulated cluster has no container runtime to ${kind} into`,
    );
  }
  return {
    kind: 'upgrade',
    protocols: EXEC_PROTOCOLS,
    connect(connection) {
      const session = open(execRequest, user);
      const frame = (channel: number, data: Uint8Array) => {
        const out = new Uint8Array(data.length + 1);
        out[0] = channel;
        out.set(data, 1);
        connection.send(out);
      };
      let exited = false;
      session.onStdout((d) => frame(1, d));
      session.onStderr((d) => frame(2, d));
      session.onExit((code) => {
        if (exited) return;
        exited = true;
        const status =
          code === 0
            ? { metadata: {}, status: 'Success' }
            : {
                metadata: {},
                status: 'Failure',
                message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
                reason: 'NonZeroExitCode',
                details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
              };
        frame(3, encoder.encode(JSON.stringify(status)));
        connection.close();
      });
      return {
        message(data) {
          if (data.length === 0) return;
          const channel = data[0];
          const payload = data.subarray(1);
          if (channel === 0) session.writeStdin(payload);
          else if (channel === 4) {
            try {
              const size = JSON.parse(new TextDecoder().decode(payload)) as { Width?: number; Height?: number };
              session.resize(Number(size.Width) || 80, Number(size.Height) || 24);
            } catch {
              // A malformed resize is ignored, as the kubelet does.
            }
          } else if (channel === 255 && payload[0] === 0) session.closeStdin();
        },
        close() {
          if (!exited) session.kill();
        },
      };
    },
  };
}
