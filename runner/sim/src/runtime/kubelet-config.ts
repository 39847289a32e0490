import { parse } from 'yaml';

/** Where kubeadm (and so kind) writes the kubelet's configuration; the kubelet reads it with `--config`. */
export const KUBELET_CONFIG_PATH = '/var/lib/kubelet/config.yaml';

/** The kubelet's own port (authenticated API: /pods, /run, /exec, /configz). */
export const KUBELET_PORT = 10250;

/** The kubelet limits its config file the way it limits any file it loads: far above any real one. */
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * The fields of a `KubeletConfiguration` (kubelet.config.k8s.io/v1beta1) the
 * simulated kubelet acts on, after upstream's v1beta1 defaulting
 * (`SetDefaults_KubeletConfiguration`): anonymous off, webhook authentication
 * on, Webhook authorization, read-only port 0. Every other field of the file is
 * kept as written, so `/configz` shows it.
 */
export interface KubeletConfig {
  authentication: {
    anonymous: { enabled: boolean };
    webhook: { enabled: boolean; cacheTTL: string };
    x509: { clientCAFile?: string };
  };
  authorization: {
    mode: 'AlwaysAllow' | 'Webhook';
    webhook: { cacheAuthorizedTTL: string; cacheUnauthorizedTTL: string };
  };
  port: number;
  readOnlyPort: number;
  /** The rest of the file, as written. */
  [field: string]: unknown;
}

/** A node's kubelet configuration as parsed, or why it does not parse. */
export type ParsedKubeletConfig = { ok: true; config: KubeletConfig } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A duration as Go prints it after a round trip through the kubelet ("0s" stays, "2m" becomes "2m0s"). */
function duration(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/**
 * Reads a kubelet config file as the kubelet does at start: YAML, the right
 * apiVersion and kind, v1beta1 defaults, and validation. A file the kubelet
 * would refuse gives the error it would log before exiting.
 */
export function parseKubeletConfig(text: string): ParsedKubeletConfig {
  const fail = (why: string): ParsedKubeletConfig => ({
    ok: false,
    error: `failed to load kubelet config file, path: ${KUBELET_CONFIG_PATH}, error: ${why}`,
  });
  if (text.length > MAX_CONFIG_BYTES) return fail(`the file is larger than ${MAX_CONFIG_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return fail(`failed to decode: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) return fail('failed to decode: the file is not a YAML mapping');
  if (doc.kind !== 'KubeletConfiguration' || doc.apiVersion !== 'kubelet.config.k8s.io/v1beta1') {
    return fail(
      `failed to decode: no kind "${String(doc.kind ?? '')}" is registered for version "${String(doc.apiVersion ?? '')}"`,
    );
  }
  const authn = isRecord(doc.authentication) ? doc.authentication : {};
  const anonymous = isRecord(authn.anonymous) ? authn.anonymous : {};
  const webhook = isRecord(authn.webhook) ? authn.webhook : {};
  const x509 = isRecord(authn.x509) ? authn.x509 : {};
  const authz = isRecord(doc.authorization) ? doc.authorization : {};
  const authzWebhook = isRecord(authz.webhook) ? authz.webhook : {};
  const problems: string[] = [];
  const bool = (v: unknown, field: string, fallback: boolean): boolean => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') problems.push(`${field}: expected a boolean, got ${JSON.stringify(v)}`);
    return v === true;
  };
  const port = (v: unknown, field: string, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
      problems.push(
        `invalid configuration: ${field} (--${field === 'port' ? 'port' : 'read-only-port'}) ${v} must be between 0 and 65535, inclusive`,
      );
      return fallback;
    }
    return v;
  };
  const mode = authz.mode ?? 'Webhook';
  if (mode !== 'AlwaysAllow' && mode !== 'Webhook') {
    problems.push(`invalid configuration: authorization.mode ${JSON.stringify(mode)}: must be AlwaysAllow or Webhook`);
  }
  const config: KubeletConfig = {
    ...Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'apiVersion' && k !== 'kind')),
    authentication: {
      anonymous: { enabled: bool(anonymous.enabled, 'authentication.anonymous.enabled', false) },
      webhook: {
        enabled: bool(webhook.enabled, 'authentication.webhook.enabled', true),
        cacheTTL: duration(webhook.cacheTTL, '2m0s'),
      },
      x509: typeof x509.clientCAFile === 'string' ? { clientCAFile: x509.clientCAFile } : {},
    },
    authorization: {
      mode: mode === 'AlwaysAllow' ? 'AlwaysAllow' : 'Webhook',
      webhook: {
        cacheAuthorizedTTL: duration(authzWebhook.cacheAuthorizedTTL, '5m0s'),
        cacheUnauthorizedTTL: duration(authzWebhook.cacheUnauthorizedTTL, '30s'),
      },
    },
    port: port(doc.port, 'port', 10250),
    readOnlyPort: port(doc.readOnlyPort, 'readOnlyPort', 0),
  };
  if (problems.length > 0) return fail(problems.join(', '));
  return { ok: true, config };
}

/** `GET /configz`: the running configuration under `kubeletconfig`, as the kubelet serves it. */
export function configz(config: KubeletConfig): { kubeletconfig: Record<string, unknown> } {
  return { kubeletconfig: { enableServer: true, ...config } };
}
