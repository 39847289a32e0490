/**
 * kube-apiserver's ServiceAccount admission plugin, the mutating half: a pod
 * that automounts its service account token gets the projected
 * `kube-api-access-<suffix>` volume (token, `kube-root-ca.crt`, namespace) and
 * a read-only mount of it at /var/run/secrets/kubernetes.io/serviceaccount in
 * every container, as `kubectl get pod -o yaml` shows on a real cluster.
 *
 * It belongs with the admission plugins (`admission/`); it lives on the
 * assembly side until that module has it. Not done here: upstream also
 * forbids a pod whose service account does not exist yet; a freshly created
 * namespace gets its `default` account from a controller a moment later, and
 * a harmless race is better than scenario setups failing on it.
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
