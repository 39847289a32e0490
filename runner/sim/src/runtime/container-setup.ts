import type { Image } from '@paranoid/schema/image.ts';
import type { ConfigMap, Container, Pod, Secret, Service, ServiceAccount, Volume } from 'kubernetes-types/core/v1';
import { nodeView } from './node-host.ts';
import { createProcFs } from './procfs.ts';
import type { NodeHost, RuntimeState, Security } from './types.ts';
import { FsView, joinPath, MemFs, type Mount, normalizePath } from './vfs.ts';

/** A failure the kubelet reports as CreateContainerConfigError (env) or FailedMount (volumes). */
export class ConfigError extends Error {}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function decode(b64: string): string {
  try {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  } catch {
    return '';
  }
}

function secretData(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = decode(v);
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

function configMapData(c: ConfigMap): Record<string, string> {
  const out: Record<string, string> = { ...(c.data ?? {}) };
  for (const [k, v] of Object.entries(c.binaryData ?? {})) out[k] = decode(v);
  return out;
}

/** `metadata.labels['app']` and friends, as the downward API reads them. */
export function fieldPath(pod: Pod, path: string): string | undefined {
  const m = path.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
  if (m) return pod.metadata?.[m[1] as 'labels' | 'annotations']?.[m[2]!] ?? '';
  const fmt = (o: Record<string, string> | undefined) =>
    Object.entries(o ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`)
      .join('\n');
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name;
    case 'metadata.namespace':
      return pod.metadata?.namespace;
    case 'metadata.uid':
      return pod.metadata?.uid;
    case 'metadata.labels':
      return fmt(pod.metadata?.labels);
    case 'metadata.annotations':
      return fmt(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.hostIP':
      return pod.status?.hostIP;
    case 'status.hostIPs':
      return (pod.status?.hostIPs ?? []).map((i) => i.ip).join(',');
    case 'status.podIP':
      return pod.status?.podIP;
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((i) => i.ip).join(',');
    default:
      return undefined;
  }
}

/**
 * The container's environment in the kubelet's order: the image's, Service links,
 * then envFrom and env (later wins), `$(VAR)` expanded. Missing references throw
 * {@link ConfigError} with the kubelet's message.
 */
export function resolveEnv(state: RuntimeState, pod: Pod, container: Container, image: Image): string[] {
  const { store } = state.deps;
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const kv of image.config.env) {
    const i = kv.indexOf('=');
    env.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
  }
  env.set('HOSTNAME', pod.spec?.hostname ?? pod.metadata?.name ?? '');
  const services = [
    ...(store.list({ group: '', resource: 'services' }, ns) as Service[]),
    ...(ns === 'default'
      ? []
      : (store.list({ group: '', resource: 'services' }, 'default') as Service[]).filter(
          (s) => s.metadata?.name === 'kubernetes',
        )),
  ];
  const links = pod.spec?.enableServiceLinks !== false;
  for (const svc of services) {
    const isKube = svc.metadata?.name === 'kubernetes' && svc.metadata.namespace === 'default';
    if (!isKube && !links) continue;
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const base = (svc.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports = svc.spec?.ports ?? [];
    env.set(`${base}_SERVICE_HOST`, ip);
    if (ports[0]) {
      env.set(`${base}_SERVICE_PORT`, String(ports[0].port));
      env.set(`${base}_PORT`, `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0].port}`);
    }
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      if (p.name) env.set(`${base}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port));
      const pre = `${base}_PORT_${p.port}_${proto}`;
      env.set(pre, `${proto.toLowerCase()}://${ip}:${p.port}`);
      env.set(`${pre}_PROTO`, proto.toLowerCase());
      env.set(`${pre}_PORT`, String(p.port));
      env.set(`${pre}_ADDR`, ip);
    }
  }
  const getSecret = (name: string) => store.get({ group: '', resource: 'secrets' }, ns, name) as Secret | undefined;
  const getConfigMap = (name: string) =>
    store.get({ group: '', resource: 'configmaps' }, ns, name) as ConfigMap | undefined;
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = getConfigMap(from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(configMapData(cm))) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = getSecret(from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(secretData(s))) env.set(prefix + k, v);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const s = getSecret(ref.name ?? '');
        if (!s) {
          if (ref.optional) continue;
          throw new ConfigError(`secret "${ref.name}" not found`);
        }
        const data = secretData(s);
        if (!(ref.key in data)) {
          if (ref.optional) continue;
          throw new ConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
        }
        env.set(e.name, data[ref.key]!);
      } else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const cm = getConfigMap(ref.name ?? '');
        if (!cm) {
          if (ref.optional) continue;
          throw new ConfigError(`configmap "${ref.name}" not found`);
        }
        const data = configMapData(cm);
        if (!(ref.key in data)) {
          if (ref.optional) continue;
          throw new ConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
        }
        env.set(e.name, data[ref.key]!);
      } else if (vf.fieldRef) {
        env.set(e.name, fieldPath(pod, vf.fieldRef.fieldPath) ?? '');
      } else if (vf.resourceFieldRef) {
        const r = vf.resourceFieldRef.resource;
        const [kind, res] = r.split('.') as ['limits' | 'requests', string];
        const q = container.resources?.[kind]?.[res];
        env.set(e.name, q === undefined ? (res === 'cpu' ? '2' : '16757821440') : String(q));
      }
    } else {
      env.set(
        e.name,
        (e.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) =>
          name === undefined ? '$' : (env.get(name) ?? all),
        ),
      );
    }
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Whether a service account token is mounted (pod overrides service account). */
export function automounts(state: RuntimeState, pod: Pod): boolean {
  if (pod.spec?.automountServiceAccountToken !== undefined) return pod.spec.automountServiceAccountToken;
  const sa = state.deps.store.get(
    { group: '', resource: 'serviceaccounts' },
    pod.metadata?.namespace,
    pod.spec?.serviceAccountName ?? 'default',
  ) as ServiceAccount | undefined;
  return sa?.automountServiceAccountToken !== false;
}

/** The pod's volume directory on the node, where the kubelet materialises volumes. */
export const podDir = (uid: string) => `/var/lib/kubelet/pods/${uid}`;

const volumeKind = (v: Volume): string =>
  v.secret
    ? 'kubernetes.io~secret'
    : v.configMap
      ? 'kubernetes.io~configmap'
      : v.projected
        ? 'kubernetes.io~projected'
        : v.downwardAPI
          ? 'kubernetes.io~downward-api'
          : v.persistentVolumeClaim
            ? 'kubernetes.io~local-volume'
            : 'kubernetes.io~empty-dir';

/** A pod volume made ready on the node, where a container's mounts take it from. */
export interface PreparedVolume {
  /** Where its content lives on the node (hostPath: the host path itself). */
  nodePath: string;
  hostPath: boolean;
  tmpfs: boolean;
  readOnly: boolean;
}

/** The implicit service-account volume when admission did not add one. */
export function implicitTokenVolume(pod: Pod): Volume {
  return {
    name: `kube-api-access-${(pod.metadata?.uid ?? 'xxxxx').replace(/-/g, '').slice(0, 5)}`,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }],
          },
        },
      ],
    },
  };
}

/**
 * Writes every volume of the pod into the node's disk under
 * /var/lib/kubelet/pods/<uid>/volumes, as the kubelet does. Missing objects throw
 * {@link ConfigError} with the FailedMount text.
 */
export async function prepareVolumes(
  state: RuntimeState,
  host: NodeHost,
  pod: Pod,
  volumes: Volume[],
): Promise<Map<string, PreparedVolume>> {
  const { store } = state.deps;
  const ns = pod.metadata?.namespace ?? 'default';
  const uid = pod.metadata?.uid ?? '';
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const out = new Map<string, PreparedVolume>();
  for (const v of volumes) {
    if (v.hostPath) {
      const p = normalizePath(v.hostPath.path);
      const view = nodeView(state, host);
      if (!view.stat(p)) {
        const type = v.hostPath.type ?? '';
        if (type === 'DirectoryOrCreate' || type === '') host.fs.mkdirs(p);
        else if (type === 'FileOrCreate') host.fs.put(p, '');
        else
          throw new ConfigError(
            `MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${p} is not a ${type === 'File' ? 'file' : 'directory'}`,
          );
      }
      out.set(v.name, { nodePath: p, hostPath: true, tmpfs: false, readOnly: false });
      continue;
    }
    const dir = `${podDir(uid)}/volumes/${volumeKind(v)}/${v.name}`;
    const files: Array<{ path: string; content: string; mode: number }> = [];
    const fail = (what: string) => new ConfigError(`MountVolume.SetUp failed for volume "${v.name}" : ${what}`);
    const addItems = (
      data: Record<string, string>,
      items: { key: string; path: string; mode?: number }[] | undefined,
      mode: number,
      kind: string,
      name: string,
      optional: boolean | undefined,
      prefix = '',
    ) => {
      if (items) {
        for (const it of items) {
          if (!(it.key in data)) {
            if (optional) continue;
            throw fail(`configmap references non-existent config key: ${it.key}`.replace('configmap', kind));
          }
          files.push({ path: prefix + it.path, content: data[it.key]!, mode: it.mode ?? mode });
        }
      } else for (const [k, val] of Object.entries(data)) files.push({ path: prefix + k, content: val, mode });
      void name;
    };
    let tmpfs = false;
    if (v.secret) {
      tmpfs = true;
      const s = store.get({ group: '', resource: 'secrets' }, ns, v.secret.secretName ?? '') as Secret | undefined;
      if (!s && !v.secret.optional) throw fail(`secret "${v.secret.secretName}" not found`);
      if (s)
        addItems(
          secretData(s),
          v.secret.items,
          v.secret.defaultMode ?? 0o644,
          'secret',
          v.secret.secretName ?? '',
          v.secret.optional,
        );
    } else if (v.configMap) {
      const c = store.get({ group: '', resource: 'configmaps' }, ns, v.configMap.name ?? '') as ConfigMap | undefined;
      if (!c && !v.configMap.optional) throw fail(`configmap "${v.configMap.name}" not found`);
      if (c)
        addItems(
          configMapData(c),
          v.configMap.items,
          v.configMap.defaultMode ?? 0o644,
          'configmap',
          v.configMap.name ?? '',
          v.configMap.optional,
        );
    } else if (v.downwardAPI) {
      for (const it of v.downwardAPI.items ?? []) {
        files.push({
          path: it.path,
          content: it.fieldRef ? (fieldPath(pod, it.fieldRef.fieldPath) ?? '') : '',
          mode: it.mode ?? v.downwardAPI.defaultMode ?? 0o644,
        });
      }
    } else if (v.projected) {
      tmpfs = true;
      const mode = v.projected.defaultMode ?? 0o644;
      for (const src of v.projected.sources ?? []) {
        if (src.serviceAccountToken) {
          const sa = pod.spec?.serviceAccountName ?? 'default';
          let token: string;
          try {
            token = await issueToken(state, ns, sa);
          } catch (e) {
            throw fail((e as Error).message);
          }
          files.push({ path: src.serviceAccountToken.path, content: token, mode });
        } else if (src.configMap) {
          const c = store.get({ group: '', resource: 'configmaps' }, ns, src.configMap.name ?? '') as
            | ConfigMap
            | undefined;
          const data = c
            ? configMapData(c)
            : src.configMap.name === 'kube-root-ca.crt'
              ? { 'ca.crt': host.fs.stat('/etc/kubernetes/pki/ca.crt')?.content ?? '' }
              : undefined;
          if (!data && !src.configMap.optional) throw fail(`configmap "${src.configMap.name}" not found`);
          if (data)
            addItems(data, src.configMap.items, mode, 'configmap', src.configMap.name ?? '', src.configMap.optional);
        } else if (src.secret) {
          const s = store.get({ group: '', resource: 'secrets' }, ns, src.secret.name ?? '') as Secret | undefined;
          if (!s && !src.secret.optional) throw fail(`secret "${src.secret.name}" not found`);
          if (s) addItems(secretData(s), src.secret.items, mode, 'secret', src.secret.name ?? '', src.secret.optional);
        } else if (src.downwardAPI) {
          for (const it of src.downwardAPI.items ?? []) {
            files.push({
              path: it.path,
              content: it.fieldRef ? (fieldPath(pod, it.fieldRef.fieldPath) ?? '') : '',
              mode: it.mode ?? mode,
            });
          }
        }
      }
    }
    host.fs.remove(dir);
    host.fs.mkdirs(dir, v.emptyDir ? 0o777 : 0o755, 0, fsGroup ?? 0);
    for (const f of files) {
      host.fs.put(joinPath(dir, f.path), f.content, fsGroup !== undefined ? f.mode | 0o040 : f.mode, 0, fsGroup ?? 0);
    }
    out.set(v.name, {
      nodePath: dir,
      hostPath: false,
      tmpfs: tmpfs || v.emptyDir?.medium === 'Memory',
      readOnly: !!(v.secret || v.configMap || v.projected || v.downwardAPI),
    });
  }
  return out;
}

async function issueToken(state: RuntimeState, ns: string, sa: string): Promise<string> {
  const { issueToken: issue, callApi, adminToken } = state.deps;
  if (issue) return await issue(ns, sa);
  if (callApi && adminToken) {
    const res = await callApi(await adminToken(), 'POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3607 },
    });
    const token = (res.body as { status?: { token?: string } })?.status?.token;
    if (token) return token;
  }
  // Without an issuer the file still exists, but the API will not accept it.
  return `unissued.${btoa(`${ns}:${sa}`).replace(/=+$/, '')}.${state.deps.ids.token()}`;
}

/** The container's root file system: the image's files plus the files containerd and the kubelet generate. */
export function imageRootFs(image: Image, now: () => number): MemFs {
  const fs = new MemFs(now);
  for (const d of [
    '/bin',
    '/dev',
    '/etc',
    '/home',
    '/mnt',
    '/opt',
    '/proc',
    '/root',
    '/sys',
    '/tmp',
    '/usr/bin',
    '/usr/sbin',
    '/usr/local/bin',
    '/var',
    '/var/run',
    '/run',
    '/sbin',
  ]) {
    fs.mkdirs(d, d === '/tmp' ? 0o1777 : d === '/root' ? 0o700 : 0o755);
  }
  const binDir = image.binDir ?? (image.userland === 'gnu' ? '/usr/bin' : '/bin');
  for (const b of image.binaries) {
    fs.put(`${binDir}/${b}`, '', 0o755);
    fs.stat(`${binDir}/${b}`)!.program = b;
  }
  fs.put('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  fs.put('/etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  for (const [path, f] of Object.entries(image.files)) {
    if (f.directory) fs.mkdirs(path, f.mode, f.uid, f.gid);
    else fs.put(path, f.content, f.mode, f.uid, f.gid);
  }
  for (const p of image.processes) {
    const exe = p.argv?.[0] ?? image.config.entrypoint[0];
    if (exe?.startsWith('/') && !exe.includes(' ') && !fs.stat(exe)) fs.put(exe, '', 0o755);
  }
  return fs;
}

/** The mount table of a container: root, /proc, /dev, then its volumeMounts (and the service account token). */
export function containerMounts(
  state: RuntimeState,
  host: NodeHost,
  _pod: Pod,
  container: Container,
  rootFs: MemFs,
  sec: Security,
  volumes: Map<string, PreparedVolume>,
  pidNs: string,
): Mount[] {
  const mounts: Mount[] = [
    {
      target: '/',
      fs: rootFs,
      sub: '/',
      readOnly: sec.readOnlyRoot,
      source: 'overlay',
      fstype: 'overlay',
      options: `${sec.readOnlyRoot ? 'ro' : 'rw'},relatime,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs`,
    },
    {
      target: '/proc',
      fs: createProcFs(host, pidNs, () => state.deps.clock.now() - (host.procs[0]?.startedAt ?? 0)),
      sub: '/',
      readOnly: false,
      source: 'proc',
      fstype: 'proc',
      options: 'rw,nosuid,nodev,noexec,relatime',
    },
  ];
  const node = nodeView(state, host);
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) continue;
    const src = vm.subPath ? joinPath(vol.nodePath, vm.subPath) : vol.nodePath;
    if (vol.hostPath) {
      mounts.push(
        ...node
          .graft(src, vm.mountPath, vm.readOnly === true)
          .map((m, i) =>
            i === 0
              ? { ...m, source: '/dev/vda1', fstype: 'ext4', options: `${vm.readOnly ? 'ro' : 'rw'},relatime` }
              : m,
          ),
      );
    } else {
      const ro = vm.readOnly === true || vol.readOnly;
      mounts.push({
        target: normalizePath(vm.mountPath),
        fs: host.fs,
        sub: src,
        readOnly: ro,
        source: vol.tmpfs ? 'tmpfs' : '/dev/vda1',
        fstype: vol.tmpfs ? 'tmpfs' : 'ext4',
        options: `${ro ? 'ro' : 'rw'},relatime${vol.tmpfs ? ',size=16365248k' : ''}`,
      });
    }
  }
  void SA_DIR;
  return mounts;
}

/** A view for a container process, built from its mounts. */
export const viewOf = (mounts: Mount[]): FsView => new FsView(mounts);
