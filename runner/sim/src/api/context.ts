import type { AuthorizationDecision, RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { AdmissionPlugin } from '../admission/types.ts';
import type { TokenAuthenticator } from '../authn/tokens.ts';
import type { Clock, IdSource } from '../clock.ts';
import type { ResourceDef } from '../resources.ts';
import type { ExecRequest, ExecSession } from '../runtime/exec-types.ts';
import type { MemoryStore } from '../store/memory-store.ts';
import type { ObjectStore } from '../store.ts';

/** The schema engineer's parts; every one optional, with a documented fallback. */
export interface SchemaSlots {
  /** `GET /openapi/v3`. Fallback: an index listing every served group-version. */
  openApiV3Index?(): unknown;
  /** `GET /openapi/v3/<path>` (path like `api/v1`, `apis/apps/v1`). Fallback: PATCH operations only, no schemas. */
  openApiV3Document?(path: string): unknown | undefined;
  /** `GET /openapi/v2`; fallback 404 (kubectl then relies on v3). */
  openApiV2?(): unknown | undefined;
  /** Fallback: `api/strategic-merge-fallback.ts` (merge keys of the common lists). */
  strategicMergePatch?(
    live: KubeObject,
    patch: unknown,
    gvk: { group: string; version: string; kind: string },
  ): KubeObject;
  /** Fallback: create with the applied object, or JSON-merge it into the live one (no managedFields ownership, no conflicts). */
  serverSideApply?(args: { live?: KubeObject; applied: KubeObject; manager: string; force: boolean; now: string }): {
    object: KubeObject;
  };
  /**
   * Unknown fields (reason `FieldValueUnknown`: a strict decoding error) and the object's `Invalid` causes.
   * `old` is the stored object on updates, for immutable fields and update rules. Fallback: no validation
   * beyond object names.
   */
  validate?(
    obj: KubeObject,
    fieldValidation: 'Strict' | 'Warn' | 'Ignore',
    old?: KubeObject,
  ): { errors: { field: string; message: string; reason: string }[]; warnings: string[] };
  /**
   * Defaulting. With `{ admission: false }` the Pod fields the always-on admission plugins add are left out,
   * because field ownership is recorded between the two. Fallback: no defaulting.
   */
  applyDefaults?(obj: KubeObject, options?: { admission?: boolean }): KubeObject;
  /** The first value of the wrong JSON type, in Go's words (always a 400). Fallback: not checked. */
  findTypeError?(obj: unknown): string | undefined;
  /** Duplicate keys of a raw JSON body (strict decoding problems). Fallback: not checked. */
  findDuplicateFields?(rawJson: string): { field: string; message: string; reason: string }[];
  /** `metadata.managedFields` for a non-apply write. Fallback: `api/managed-fields.ts` (top-level fields only). */
  updateManagedFields?(
    old: KubeObject | undefined,
    next: KubeObject,
    manager: string,
    operation: 'Update',
    now: string,
    subresource?: string,
  ): KubeObject;
}

/** A rules review as SelfSubjectRulesReview's status reports it. */
export interface RulesReviewResult {
  resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  nonResourceRules: { verbs: string[]; nonResourceURLs?: string[] }[];
  incomplete: boolean;
  evaluationError?: string;
}

/** The query of a pod's log request, as kubectl logs sends it. */
export interface LogsArgs {
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

/** A log source that keeps producing (`logs -f`). */
export interface LogStream {
  /** Starts delivering text; returns a stop function. `end` marks the container's end. */
  start(write: (text: string) => void, end: () => void): () => void;
}

/** Sends a request from the simulated internet to the cluster (NodePorts, LoadBalancers) and returns the answer. */
export type InternetProbe = (request: {
  method?: string;
  host: string;
  port: number;
  path: string;
  scheme?: 'http' | 'https';
  headers?: Record<string, string>;
}) => { ok: true; status: number; headers: Record<string, string>; body: string } | { ok: false; error: string };

/**
 * Connections to a pod's own ports, as the kubelet's port-forward makes them (the runtime's
 * `internetStreams.openInPod`, `send`, `close`): no Service, no NetworkPolicy in between.
 */
export interface PortForwardPort {
  open(target: {
    namespace: string;
    pod: string;
    port: number;
  }): { ok: true; id: string; tls: boolean; data: Uint8Array } | { ok: false; message: string };
  send(id: string, data: Uint8Array): { data: Uint8Array; end: boolean };
  close(id: string): void;
}

/** A request through the apiserver's proxy subresources (`pods/proxy`, `services/proxy`, `nodes/proxy`). */
export interface ProxyRequest {
  resource: 'pods' | 'services' | 'nodes';
  namespace: string;
  /** As in the URL: `name`, `name:port` or `scheme:name:port`. */
  name: string;
  path: string;
  method: string;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** What a proxied request to a pod or service answered. */
export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/**
 * The cloud account behind the cluster, as the `aws` CLI sees it: the nodes' instances and
 * their metadata options. Not a Kubernetes object on purpose: nothing written into the
 * cluster can change what the cloud does.
 */
export interface CloudControl {
  describeInstances(): unknown[];
  modifyInstanceMetadataOptions(
    instanceId: string,
    change: { httpTokens?: string; httpPutResponseHopLimit?: number },
  ): { ok: true; instance: unknown } | { ok: false; error: { code: string; message: string } };
  /** `sts get-caller-identity` for the credentials a caller signs with (the node role's, from the metadata service). */
  getCallerIdentity(credentials: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken?: string;
  }): { ok: true; identity: unknown } | { ok: false; error: { code: string; message: string } };
}

/** Everything the API layer works with: the assembled parts of one cluster. */
export interface ApiContext {
  store: MemoryStore;
  clock: Clock;
  ids: IdSource;
  resources: ResourceDef[];
  tokens: TokenAuthenticator;
  /** The users whose tokens `/paranoid/v1/internet` accepts. */
  isAdmin(user: UserInfo): boolean;
  authorize(attrs: RequestAttributes): AuthorizationDecision;
  admission: AdmissionPlugin[];
  schema: SchemaSlots;
  rulesReview?(user: UserInfo, namespace: string, store: ObjectStore): RulesReviewResult;
  exec?(request: ExecRequest, user: UserInfo): ExecSession;
  attach?(request: ExecRequest, user: UserInfo): ExecSession;
  logs?(args: LogsArgs): string | LogStream;
  metrics?: { pods(namespace?: string): KubeObject[]; nodes(): KubeObject[] };
  internet?: InternetProbe;
  /** The cloud's control plane for the nodes' instances (`/paranoid/v1/cloud/...`, admin only). */
  cloud?: CloudControl;
  proxy?(request: ProxyRequest, user: UserInfo): ProxyResponse;
  portForward?: PortForwardPort;
  /** PEM of the cluster CA, written as `ca.crt` into service account token Secrets. */
  clusterCA?: string;
  /** Set when no controller hook is installed: the API then finalizes namespaces and collects garbage itself. */
  fallbackControllers: boolean;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}
