/**
 * The HTTP transport: a simulated cluster served on 127.0.0.1 with this team's
 * authorizer, admission plugins and RBAC bootstrap wired in, asked over HTTP
 * exactly as kubectl asks (dry-run pod creates, SubjectAccessReviews).
 */
import { request } from 'node:https';
import type { AuthorizationDecision } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { podSecurityAdmission } from '@paranoid/sim/admission/pod-security.ts';
import { validatingAdmissionPolicy } from '@paranoid/sim/admission/validating-admission-policy.ts';
import { authorize } from '@paranoid/sim/rbac/authorizer.ts';
import { rbacEscalationAdmission } from '@paranoid/sim/rbac/escalation.ts';
import { rulesReview } from '@paranoid/sim/rbac/rules-review.ts';
import { startRbac } from '@paranoid/sim/rbac/start.ts';
import { type StartedSim, startSim } from '../support/sim.ts';
import type { PsaTransport, Submission } from './support-psa.ts';
import type { RbacTransport } from './support-rbac.ts';

/** A sim with the policy parts wired in the order kube-apiserver runs them. */
export function startPolicySim(): Promise<StartedSim> {
  return startSim({
    cluster: {
      authorizer: authorize,
      rulesReview,
      admission: [rbacEscalationAdmission, podSecurityAdmission, validatingAdmissionPolicy],
      onStart: [startRbac],
    },
  });
}

/** One HTTPS request to the sim, trusting its self-signed CA as a kubeconfig would. */
function call(sim: StartedSim, method: string, path: string, body?: unknown) {
  const url = new URL(`${sim.cluster.server}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; json: Record<string, unknown>; warnings: string[] }>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: (sim.host as { caCertificate?: string }).caCertificate,
        headers: {
          authorization: `Bearer ${sim.cluster.token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text);
          } catch {
            json = { message: text };
          }
          // rawHeaders keeps each Warning header apart; res.headers would join them with commas.
          const raw = res.rawHeaders.filter((_v, i, all) => i % 2 === 1 && all[i - 1]!.toLowerCase() === 'warning');
          const warnings = raw.map((w) => {
            const m = /^299 - (".*")$/s.exec(w.trim());
            return m ? (JSON.parse(m[1]!) as string) : w;
          });
          resolve({ status: res.statusCode ?? 0, json, warnings });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const PATHS: Record<string, (ns?: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  Pod: (ns) => `/api/v1/namespaces/${ns}/pods`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
};

/** Pod Security over HTTP: one labelled namespace per level:version, pods created with ?dryRun=All. */
export function httpPsaTransport(sim: StartedSim): PsaTransport {
  const namespaces = new Map<string, string>();
  async function namespaceFor(labels: Record<string, string>): Promise<string> {
    const key = JSON.stringify(labels);
    let name = namespaces.get(key);
    if (name) return name;
    name = `psa-${namespaces.size}`;
    const r = await call(sim, 'POST', PATHS.Namespace!(), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels },
    });
    if (r.status !== 201) throw new Error(`failed to create namespace ${name}: ${r.status} ${JSON.stringify(r.json)}`);
    await call(sim, 'POST', PATHS.ServiceAccount!(name), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default' },
    });
    namespaces.set(key, name);
    return name;
  }
  return {
    async submit(labels, object): Promise<Submission> {
      const ns = await namespaceFor(labels);
      const r = await call(sim, 'POST', `${PATHS[object.kind as string]!(ns)}?dryRun=All`, object);
      if (r.status < 300) return { allowed: true, warnings: r.warnings };
      return {
        allowed: false,
        code: r.status,
        reason: r.json.reason as string,
        message: r.json.message as string,
        warnings: r.warnings,
      };
    },
  };
}

/** RBAC over HTTP: objects created as the admin, decisions from SubjectAccessReview. */
export function httpRbacTransport(sim: StartedSim): RbacTransport {
  return {
    async apply(objects: KubeObject[]) {
      for (const obj of objects) {
        const r = await call(sim, 'POST', PATHS[obj.kind]!(obj.metadata.namespace), obj);
        if (r.status === 409 && obj.kind === 'Namespace') continue;
        if (r.status !== 201)
          throw new Error(`failed to create ${obj.kind} ${obj.metadata.name}: ${r.status} ${JSON.stringify(r.json)}`);
      }
      // Aggregation runs in a microtask after the write; let it settle.
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    async review(attrs): Promise<AuthorizationDecision> {
      const spec: Record<string, unknown> = { user: attrs.user.username, groups: attrs.user.groups };
      if (attrs.resourceRequest) {
        spec.resourceAttributes = {
          verb: attrs.verb,
          group: attrs.apiGroup,
          resource: attrs.resource,
          subresource: attrs.subresource,
          namespace: attrs.namespace,
          name: attrs.name,
        };
      } else spec.nonResourceAttributes = { verb: attrs.verb, path: attrs.path };
      const r = await call(sim, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec,
      });
      if (r.status !== 201) throw new Error(`SubjectAccessReview failed: ${r.status} ${JSON.stringify(r.json)}`);
      const status = (r.json.status ?? {}) as { allowed?: boolean; reason?: string };
      return { allowed: status.allowed === true, reason: status.reason ?? '' };
    },
  };
}
