/**
 * kube-apiserver's ServiceAccount admission plugin, the mutating half: a pod
 * that automounts its service account token gets the projected
 * `kube-api-access-<suffix>` volume (token, `kube-root-ca.crt`, namespace) and
 * a read-only mount of it at /var/run/secrets/kubernetes.io/serviceaccount in
 * every container, as `kubectl get pod -o yaml` shows on a real cluster.
 *
 * The validating half refuses a pod that names a service account which does
 * not exist, with upstream's text (`error looking up service account ns/sa:
 * serviceaccount "sa" not found`): a typo in `serviceAccountName`, or an
 * account a fix deleted, fails at once, as on a real cluster, instead of a
 * pod that waits forever. Not for `default`: a freshly created namespace gets
 * it from a controller a moment later, and upstream's clients retry that race;
 * refusing it here would only fail scenario setups.
 *
 * It belongs with the admission plugins (`admission/`); it lives on the
 * assembly side until that module has it.
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { AdmissionPlugin } from './admission/types.ts';
import type { IdSource } from './clock.ts';

const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Container {
  volumeMounts?: Mount[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; projected?: unknown }[];
  containers?: Container[];
  initContainers?: Container[];
}

/** The plugin; `ids` names the volume as the apiserver does (a random 5-character suffix). */
export function serviceAccountAdmission(ids: IdSource): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    mutate(request, store) {
      if (request.operation !== 'CREATE' || request.subresource !== '') return undefined;
      if (request.resource.group !== '' || request.resource.resource !== 'pods' || !request.object) return undefined;
      const pod = structuredCopy(request.object);
      if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return undefined;
      const spec = (pod.spec ?? {}) as PodSpec;
      const account = spec.serviceAccountName || 'default';
      const sa = store.get({ group: '', resource: 'serviceaccounts' }, request.namespace, account) as
        | (KubeObject & { automountServiceAccountToken?: boolean })
        | undefined;
      const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
      if (!automount) return undefined;
      const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
      if (containers.every((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_DIR))) return undefined;
      const existing = (spec.volumes ?? []).find((v) => v.name.startsWith('kube-api-access-'));
      const name = existing?.name ?? `kube-api-access-${ids.suffix(5)}`;
      if (!existing) spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
      for (const c of containers) {
        if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_DIR)) continue;
        c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_DIR }];
      }
      pod.spec = spec as Record<string, unknown>;
      return pod;
    },
    validate(request, store) {
      const allowed = { warnings: [] };
      if (request.operation !== 'CREATE' || request.subresource !== '') return allowed;
      if (request.resource.group !== '' || request.resource.resource !== 'pods' || !request.object) return allowed;
      const pod = request.object;
      if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return allowed;
      const account = ((pod.spec ?? {}) as PodSpec).serviceAccountName || 'default';
      if (account === 'default') return allowed;
      if (store.get({ group: '', resource: 'serviceaccounts' }, request.namespace, account)) return allowed;
      const name = request.name || pod.metadata.name || pod.metadata.generateName || '';
      return {
        warnings: [],
        denied: {
          code: 403,
          reason: 'Forbidden',
          message: `pods ${JSON.stringify(name)} is forbidden: error looking up service account ${request.namespace}/${account}: serviceaccount ${JSON.stringify(account)} not found`,
        },
      };
    },
  };
}

function tokenVolume(name: string) {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
      defaultMode: 420,
    },
  };
}

const structuredCopy = (o: KubeObject): KubeObject => JSON.parse(JSON.stringify(o)) as KubeObject;
