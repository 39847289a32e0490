import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** What goes into a one-cluster kubeconfig: the server, how to trust it, and a bearer token. */
export interface KubeconfigOptions {
  /** API server URL, e.g. `http://127.0.0.1:7421/clusters/ab12cd34`. */
  server: string;
  token: string;
  /** Default `paranoid`. */
  context?: string;
  /** Default `admin`. */
  user?: string;
  /** Default: the context name. */
  cluster?: string;
  namespace?: string;
  /** PEM of the CA that signed the server's certificate (written base64 as `certificate-authority-data`). */
  certificateAuthority?: string;
}

/** A kubeconfig with one cluster, one user (bearer token) and one current context. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const context = options.context ?? 'paranoid';
  const user = options.user ?? 'admin';
  const cluster = options.cluster ?? context;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: {
          server: options.server,
          ...(options.certificateAuthority
            ? { 'certificate-authority-data': Buffer.from(options.certificateAuthority).toString('base64') }
            : {}),
        },
      },
    ],
    users: [{ name: user, user: { token: options.token } }],
    contexts: [
      { name: context, context: { cluster, user, ...(options.namespace ? { namespace: options.namespace } : {}) } },
    ],
    'current-context': context,
    preferences: {},
  });
}

/** Writes {@link kubeconfigYaml} to `file` (mode 0600: it holds a token). */
export function writeKubeconfig(file: string, options: KubeconfigOptions): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, kubeconfigYaml(options), { mode: 0o600 });
}
