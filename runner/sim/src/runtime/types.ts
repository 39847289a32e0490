import type { Image, ImageProcess, ListenSpec } from '@paranoid/schema/image.ts';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import type { Clock, IdSource } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import type { ExecRequest, ExecSession } from './exec-types.ts';
import type { ImageRegistry } from './images/registry.ts';
import type { KubeletConfig } from './kubelet-config.ts';
import type { NetworkPort } from './network-port.ts';
import type { HttpResponse } from './services/http.ts';
import type { InstanceMetadata } from './services/metadata.ts';
import type { MemFs, Mount } from './vfs.ts';

/**
 * A call to the cluster's own API as a bearer token holder (the kubelet's
 * TokenRequest, in-pod kubectl, the dashboard). Synchronous, as the in-process
 * `Cluster.callApi` is: an HTTP answer from a pod must not wait on anything else.
 */
export type CallApi = (
  token: string,
  method: string,
  path: string,
  body?: unknown,
) => { status: number; body: unknown };

/** A token the API accepts for a service account (what TokenRequest returns). */
export type IssueToken = (namespace: string, serviceAccount: string) => string | Promise<string>;

/** What the cluster gives the runtime. Everything but store, clock, ids and registry is optional. */
export interface RuntimeDeps {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
  registry: ImageRegistry;
  callApi?: CallApi;
  issueToken?: IssueToken;
  /** A token the API maps to `kubernetes-admin` in `system:masters` (written into the nodes' admin.conf). */
  adminToken?: () => string | Promise<string>;
  network?: NetworkPort;
}

/** Capabilities, privilege and identity as the container runtime applied them. */
export interface Security {
  uid: number;
  gid: number;
  groups: number[];
  privileged: boolean;
  /** Effective capability names without the CAP_ prefix. */
  effective: Set<string>;
  bounding: Set<string>;
  noNewPrivs: boolean;
  readOnlyRoot: boolean;
  /** 0 disabled, 2 filter. */
  seccomp: 0 | 2;
  hostPID: boolean;
  hostIPC: boolean;
  hostNetwork: boolean;
}

/** A process on a node: its ids, namespaces, argv and credentials. */
export interface Proc {
  /** PID on the node. */
  pid: number;
  ppid: number;
  /** Which PID namespace, and the PID in it. */
  pidNs: string;
  nsPid: number;
  argv: string[];
  uid: number;
  gid: number;
  startedAt: number;
  /** Millicores and bytes it uses now. */
  cpuMilli: number;
  memBytes: number;
  sec: Security;
  env: string[];
  /** The container it belongs to, if any. */
  container?: ContainerInstance;
  listen?: ListenSpec;
  /** Further ports it serves (health endpoints). */
  alsoListen?: ListenSpec[];
  /** Process-local state of a key/value store (`listen.kind: kv`). */
  kv?: Map<string, string>;
  /** An exec session: removed when the command ends. */
  transient?: boolean;
  /** The executable file's full path, once resolved (Falco's proc.exepath). */
  exePath?: string;
  /** Controlling terminal device number (0 or unset: none). */
  tty?: number;
  cwd?: string;
  /** The executable was written after the container started, not shipped in the image. */
  exeUpperLayer?: boolean;
}

/** One line of a container's log with the time it was written. */
export interface LogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A container as the runtime runs it: its pod, spec, image and state. */
export interface ContainerInstance {
  id: string;
  podUid: string;
  namespace: string;
  podName: string;
  name: string;
  nodeName: string;
  spec: Container;
  image: Image;
  imageRef: string;
  /** The image field as the pod wrote it, normalised (`docker.io/library/nginx:latest`). */
  imageName: string;
  sec: Security;
  env: string[];
  argv: string[];
  /** `host`, `pod:<uid>` (shareProcessNamespace) or `ctr:<uid>:<name>`. */
  pidNs: string;
  rootFs: MemFs;
  /** Volume mounts (not /, /proc): secret, configMap, emptyDir, hostPath... */
  mounts: Mount[];
  workingDir: string;
  state: 'running' | 'terminated';
  startedAt: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  /** Set when the process could not start (StartError): the runtime's message. */
  startErrorMessage?: string;
  restartCount: number;
  logs: LogLine[];
  /** The definitions of its processes, to derive repeating log lines and usage. */
  processDefs: ImageProcess[];
  procs: Proc[];
  /** Cancels the pending exit/periodic timers. */
  cancel: Array<() => void>;
}

/** A node as the runtime sees it: its address, file system and processes. */
export interface NodeHost {
  name: string;
  ip: string;
  podCIDR: string;
  controlPlane: boolean;
  fs: MemFs;
  procs: Proc[];
  nextPid: number;
  nsPids: Map<string, number>;
  pulled: Set<string>;
  /** IPs handed out, by pod uid. */
  ips: Map<string, string>;
  /** Its cloud instance's metadata service (options, issued tokens), made on first use. */
  imds?: InstanceMetadata;
  /** The kubelet as it last started: the configuration it runs with, or why it is down. */
  kubelet: KubeletRun;
}

/** A kubelet reads its config file only when it starts; editing the file changes nothing until a restart. */
export interface KubeletRun {
  /** The configuration it runs with; absent while it is down. */
  readonly config?: KubeletConfig;
  /** Why the last start failed (the error it logged before exiting). */
  readonly failure?: string;
  /** Starts so far, the first included. */
  starts: number;
}

/** Everything the runtime remembers about one cluster, shared by the kubelet, exec, logs and metrics. */
export interface RuntimeState {
  /** Images kaniko builds have pushed to this cluster's registry (bounded: `kaniko-process.ts`). */
  builtImages?: number;
  deps: RuntimeDeps;
  nodes: Map<string, NodeHost>;
  /** By pod uid: its containers (current instance) and the previous instance of each. */
  pods: Map<string, { pod: Pod; containers: Map<string, ContainerInstance>; previous: Map<string, ContainerInstance> }>;
  network: NetworkPort;
  /**
   * Set by the kubelet: a GET made by an app in a container (an image's `fetch` route). A hook
   * rather than an import because the network client serves the app that calls it.
   */
  fetchUrl?: (
    inst: ContainerInstance,
    url: string,
    limits: { maxBytes: number; timeoutSeconds: number },
    now: number,
  ) => HttpResponse;
  /** Set by the kubelet: ends a container's main process (an attached shell that exits). */
  exitContainer?: (inst: ContainerInstance, code: number) => void;
  /** Set by the runtime: runs a command in a container, as the kubelet's /run and /exec do. */
  execIn?: (req: ExecRequest) => ExecSession;
  /** Set by the kubelet: something on the node allocated or freed memory (OOM killer, eviction manager). */
  memoryChanged?: (host: NodeHost) => void;
}
