import { badRequest, StatusError } from '@paranoid/k8s/status.ts';
import { type Any, mustGet, type RequestScope } from './scope.ts';
import type { ApiResponse } from './types.ts';

/**
 * What kubectl v1.30+ asks for first: SPDY/3.1 tunnelled in a WebSocket (KEP-4006); older
 * clients, and newer ones after a failed WebSocket, upgrade the connection to SPDY/3.1 itself.
 */
export const PORT_FORWARD_PROTOCOLS = ['SPDY/3.1+portforward.k8s.io'];

/**
 * `pods/<name>/portforward`: the pod's ports, reached as the kubelet reaches them (inside the
 * pod's network namespace: no Service, no NetworkPolicy). The adapter speaks the framing; here
 * each forwarded connection is opened on the runtime. A port nothing listens on is the kubelet's
 * error text, which kubectl prints for that connection and goes on forwarding the others.
 */
export function portForwardResponse(scope: RequestScope, namespace: string): ApiResponse {
  const { ctx } = scope;
  const name = scope.info.name;
  const pod = mustGet(scope, namespace, name);
  const phase = (pod.status as Any)?.phase;
  if (phase !== 'Running') {
    throw badRequest(`unable to forward port because pod is not running. Current status=${phase ?? 'Unknown'}`);
  }
  const runtime = ctx.portForward;
  if (!runtime) {
    throw new StatusError(
      500,
      'InternalError',
      'Internal error occurred: this simulated cluster has no container runtime to forward ports into',
    );
  }
  const uid = String((pod.metadata as Any)?.uid ?? '');
  return {
    kind: 'upgrade',
    protocols: PORT_FORWARD_PROTOCOLS,
    connect(connection) {
      connection.close();
      return { message() {}, close() {} };
    },
    tunnel: {
      open(port) {
        const fail = (cause: string) => ({
          ok: false as const,
          message: `error forwarding port ${port} to pod ${name}, uid ${uid}: ${cause}`,
        });
        if (!Number.isInteger(port) || port < 1 || port > 65_535) return fail(`invalid port ${port}`);
        const opened = runtime.open({ namespace, pod: name, port });
        if (!opened.ok) return fail(opened.message);
        return {
          ok: true,
          data: opened.data,
          tls: opened.tls,
          send: (data) => runtime.send(opened.id, data),
          close: () => runtime.close(opened.id),
        };
      },
    },
  };
}
