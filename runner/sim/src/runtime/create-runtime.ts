import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { ImageDefinition } from '@paranoid/schema/image.ts';
import type { ProxyRequest, ProxyResponse } from '../api/context.ts';
import type { Clock, IdSource } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { describeInstances, type MetadataOptionsChange, modifyInstanceMetadataOptions } from './ec2.ts';
import type { ExecRequest, ExecSession } from './exec-types.ts';
import { builtinImages } from './images/builtin.ts';
import { createImageRegistry, type ImageRegistry } from './images/registry.ts';
import { type InternetRequest, type InternetResponse, requestFromInternet } from './internet.ts';
import { createInternetStreams, type SyncInternetStreams } from './internet-stream.ts';
import { startKubelet } from './kubelet.ts';
import { containerLines, logs } from './logs.ts';
import { metricsFor, type NodeMetrics, type PodMetrics } from './metrics.ts';
import type { NetworkPort } from './network-port.ts';
import { nodeHost } from './node-host.ts';
import { proxiedResponse } from './services/kubelet-api.ts';
import { createAttach, createExec, execTarget } from './shell/exec.ts';
import { existingState, runtimeState } from './state.ts';
import { type CallerCredentials, getCallerIdentity } from './sts.ts';
import { rfc3339Nano } from './time.ts';
import type { RuntimeDeps } from './types.ts';

/** What the cluster hands an onStart hook (structurally `StartContext` of ../cluster.ts). */
export interface RuntimeStartContext {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
  callApi(token: string, method: string, path: string, body?: unknown): { status: number; body: unknown };
  adminToken: string;
  issueServiceAccountToken(args: {
    namespace: string;
    serviceAccount: KubeObject;
    audiences?: string[];
    expirationSeconds?: number;
  }): { token: string };
}

/** The API's pods/log arguments (structurally `LogsArgs` of ../api/context.ts). */
export interface RuntimeLogsArgs {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  limitBytes?: number;
  follow: boolean;
}

/** A container's log as a stream: `start` writes what is there and what follows, until stopped. */
export interface RuntimeLogStream {
  start(write: (text: string) => void, end: () => void): () => void;
}

/**
 * What the container runtime is given beyond the store: extra images, the registry to pull from and the
 * network its processes use.
 */
export interface RuntimeOptions {
  /** Images beyond the built-in set (a scenario's own). */
  images?: ImageDefinition[];
  registry?: ImageRegistry;
  /** The network engine's port over the store (network/runtime-adapter.ts `createPolicyNetworkPort`). */
  network?: (store: ObjectStore) => NetworkPort;
}

/**
 * The container runtime of one cluster, ready to wire into `createCluster`:
 * `onStart` starts the kubelet once the store exists; `exec`, `logs`, `metrics`
 * and `internet` serve the API's subresources and probes.
 *
 * ```ts
 * const runtime = createRuntime({ network: (store) => createPolicyNetworkPort(store) });
 * createCluster({ ..., onStart: [..., runtime.onStart], exec: runtime.exec, logs: runtime.logs,
 *   metrics: runtime.metrics, internet: runtime.internet });
 * ```
 */
export function createRuntime(options: RuntimeOptions = {}) {
  const registry = options.registry ?? createImageRegistry([...builtinImages, ...(options.images ?? [])]);
  let deps: RuntimeDeps | undefined;
  let exec: ((req: ExecRequest, user: UserInfo) => ExecSession) | undefined;
  let attach: ((req: ExecRequest, user: UserInfo) => ExecSession) | undefined;
  const need = (): RuntimeDeps => {
    if (!deps) throw new StatusError(503, 'ServiceUnavailable', 'the container runtime has not started');
    return deps;
  };
  let streams: SyncInternetStreams | undefined;
  const streamsOf = () => {
    streams ??= createInternetStreams(need());
    return streams;
  };
  return {
    registry,
    onStart(ctx: RuntimeStartContext): () => void {
      const { store } = ctx;
      deps = {
        store,
        clock: ctx.clock,
        ids: ctx.ids,
        registry,
        callApi: (token, method, path, body) => ctx.callApi(token, method, path, body),
        issueToken: (namespace, serviceAccount) => {
          const sa =
            store.get({ group: '', resource: 'serviceaccounts' }, namespace, serviceAccount) ??
            (serviceAccount === 'default'
              ? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }
              : undefined);
          if (!sa) throw new Error(`failed to fetch token: serviceaccounts "${serviceAccount}" not found`);
          return ctx.issueServiceAccountToken({
            namespace,
            serviceAccount: sa,
            audiences: ['https://kubernetes.default.svc.cluster.local'],
            expirationSeconds: 3607,
          }).token;
        },
        adminToken: () => ctx.adminToken,
        ...(options.network ? { network: options.network(store) } : {}),
      };
      exec = createExec(deps);
      attach = createAttach(deps);
      // The kubelet's own /run runs commands as the API's exec does, without the API in between.
      const kubeletExec = exec;
      runtimeState(deps).execIn = (req) => kubeletExec(req, { username: 'system:kubelet', groups: [] });
      return startKubelet(deps);
    },
    exec(req: ExecRequest, user: UserInfo): ExecSession {
      need();
      return exec!(req, user);
    },
    /** pods/attach: an interactive shell started with stdin (`kubectl run -it`), or the process's output. */
    attach(req: ExecRequest, user: UserInfo): ExecSession {
      need();
      return attach!(req, user);
    },
    /**
     * Throws the Status an exec or attach must fail with before the connection is
     * upgraded (`unable to upgrade connection: container not found ("x")`).
     */
    checkExec(req: Pick<ExecRequest, 'namespace' | 'pod' | 'container'>): void {
      const d = need();
      execTarget(runtimeState(d), req);
    },
    logs(args: RuntimeLogsArgs): string | RuntimeLogStream {
      const d = need();
      const opts = {
        namespace: args.namespace,
        pod: args.pod,
        ...(args.container ? { container: args.container } : {}),
        previous: args.previous,
        timestamps: args.timestamps,
        ...(args.tailLines !== undefined ? { tailLines: args.tailLines } : {}),
        ...(args.sinceSeconds !== undefined ? { sinceSeconds: args.sinceSeconds } : {}),
        ...(args.limitBytes !== undefined ? { limitBytes: args.limitBytes } : {}),
      };
      const text = logs(d.store, d.clock.now(), opts);
      if (!args.follow || args.previous) return text;
      return {
        start(write, end) {
          write(text);
          let seen = d.clock.now();
          let stopped = false;
          let cancel = () => {};
          const tick = () => {
            if (stopped) return;
            const pod = d.store.get({ group: '', resource: 'pods' }, args.namespace, args.pod);
            const inst =
              pod &&
              existingState(d.store)
                ?.pods.get(pod.metadata.uid ?? '')
                ?.containers.get(
                  args.container || ((pod.spec as { containers?: { name: string }[] })?.containers?.[0]?.name ?? ''),
                );
            if (!inst) {
              end();
              return;
            }
            const now = d.clock.now();
            const fresh = containerLines(inst, now).filter((l) => l.at > seen && l.at <= now);
            seen = now;
            if (fresh.length)
              write(fresh.map((l) => `${args.timestamps ? `${rfc3339Nano(l.at)} ` : ''}${l.text}\n`).join(''));
            if (inst.state !== 'running') {
              end();
              return;
            }
            cancel = d.clock.setTimer(1000, tick);
          };
          cancel = d.clock.setTimer(1000, tick);
          return () => {
            stopped = true;
            cancel();
          };
        },
      };
    },
    metrics: {
      pods(namespace?: string): PodMetrics[] {
        const d = need();
        return metricsFor(d.store, d.clock).pods(namespace);
      },
      nodes(): NodeMetrics[] {
        const d = need();
        return metricsFor(d.store, d.clock).nodes();
      },
    },
    internet(req: InternetRequest): InternetResponse {
      return requestFromInternet(need(), req);
    },
    /** TCP from outside the cluster as a byte stream (the terminal's `nc`, `redis-cli`): internet-stream.ts. */
    internetStreams: {
      open: (target) => streamsOf().open(target),
      openInPod: (target) => streamsOf().openInPod(target),
      send: (id, data) => streamsOf().send(id, data),
      close: (id) => streamsOf().close(id),
      listening: () => streamsOf().listening(),
    } satisfies SyncInternetStreams,
    /**
     * `nodes/<name>/proxy/...`: the kubelet's API as the API server reaches it. Pods and
     * Services are not proxied by the simulator (503, as before any proxy was wired).
     */
    proxy(req: ProxyRequest): ProxyResponse {
      const d = need();
      const plain = (status: number, body: string): ProxyResponse => ({
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body,
      });
      if (req.resource !== 'nodes') return plain(503, `the simulated cluster does not proxy ${req.resource}`);
      const parts = req.name.split(':');
      const name = parts.length === 3 ? parts[1]! : parts[0]!;
      const port = parts.length === 3 ? parts[2] : parts[1];
      if (port !== undefined && port !== '' && port !== '10250') {
        return plain(503, `error trying to reach service: dial tcp: port ${port} is not the kubelet's`);
      }
      const state = runtimeState(d);
      const query = Object.entries(req.query)
        .flatMap(([k, vs]) => vs.map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
        .join('&');
      const res = proxiedResponse(state, nodeHost(state, name), {
        method: req.method,
        path: query ? `${req.path}?${query}` : req.path,
        headers: req.headers,
        body: req.body ? new TextDecoder().decode(req.body) : '',
      });
      return {
        status: res.status,
        headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v])),
        body: res.body,
      };
    },
    /** The cloud's control plane for the nodes' instances (what the admin's `aws ec2` calls). */
    cloud: {
      describeInstances: () => describeInstances(runtimeState(need())),
      modifyInstanceMetadataOptions: (instanceId: string, change: MetadataOptionsChange) =>
        modifyInstanceMetadataOptions(runtimeState(need()), instanceId, change),
      getCallerIdentity: (credentials: CallerCredentials) => getCallerIdentity(runtimeState(need()), credentials),
    },
  };
}
