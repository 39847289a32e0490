import type { Image } from '@paranoid/schema/image.ts';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import type { Security } from './types.ts';

/** Every capability in Linux 6.x, by number (the bit in CapEff). */
export const ALL_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/** containerd's default set (the same 14 as Docker's). */
export const DEFAULT_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** `0000003fffffffff`-style mask as /proc/<pid>/status prints it. */
export function capMask(caps: Set<string>): string {
  let hi = 0;
  let lo = 0;
  ALL_CAPS.forEach((c, i) => {
    if (!caps.has(c)) return;
    if (i < 32) lo = (lo | (1 << i)) >>> 0;
    else hi |= 1 << (i - 32);
  });
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The security of a node's own root processes: uid 0 with every capability. */
export const fullSecurity = (): Security => ({
  uid: 0,
  gid: 0,
  groups: [0],
  privileged: true,
  effective: new Set(ALL_CAPS),
  bounding: new Set(ALL_CAPS),
  noNewPrivs: false,
  readOnlyRoot: false,
  seccomp: 0,
  hostPID: true,
  hostIPC: true,
  hostNetwork: true,
});

/** One line of /etc/passwd: a user's name, ids, home and shell. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Reads /etc/passwd into entries, skipping lines that are not well formed. */
export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! }));
}

/** Reads /etc/group into groups with their members. */
export function parseGroups(text: string): { name: string; gid: number; members: string[] }[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** `name_namespace(uid)`, as the kubelet formats a pod in messages. */
export const formatPod = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

/** A container's effective security context, or why it cannot start (as the kubelet reports it). */
export type SecurityResult = { ok: true; sec: Security } | { ok: false; message: string };

/**
 * The identity and privileges a container gets, as the kubelet and containerd
 * compute them: runAsUser (container over pod) else the image's user, the
 * kubelet's runAsNonRoot verification, capabilities = default + add − drop
 * (privileged: all), NoNewPrivs, seccomp.
 */
export function resolveSecurity(pod: Pod, container: Container, image: Image, passwd: string): SecurityResult {
  const psc = pod.spec?.securityContext ?? {};
  const csc = container.securityContext ?? {};
  const privileged = csc.privileged === true;
  const runAsUser = csc.runAsUser ?? psc.runAsUser;
  const runAsGroup = csc.runAsGroup ?? psc.runAsGroup;
  const runAsNonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  const users = parsePasswd(passwd);
  const [imageUser = '', imageGroup] = image.config.user.split(':');
  let uid: number;
  let gid: number | undefined;
  let nonNumeric = false;
  if (runAsUser !== undefined) {
    uid = runAsUser;
  } else if (imageUser === '' || /^\d+$/.test(imageUser)) {
    uid = Number(imageUser || 0);
  } else {
    const entry = users.find((u) => u.name === imageUser);
    nonNumeric = true;
    if (!entry) return { ok: false, message: `unable to find user ${imageUser}: no matching entries in passwd file` };
    uid = entry.uid;
    gid = entry.gid;
  }
  if (imageGroup !== undefined && /^\d+$/.test(imageGroup)) gid = Number(imageGroup);
  if (runAsGroup !== undefined) gid = runAsGroup;
  gid ??= users.find((u) => u.uid === uid)?.gid ?? 0;
  if (runAsNonRoot) {
    const where = `(pod: "${formatPod(pod)}", container: ${container.name})`;
    if (runAsUser !== undefined && runAsUser === 0) {
      return { ok: false, message: `container's runAsUser breaks non-root policy ${where}` };
    }
    if (runAsUser === undefined && nonNumeric) {
      return {
        ok: false,
        message: `container has runAsNonRoot and image has non-numeric user (${imageUser}), cannot verify user is non-root ${where}`,
      };
    }
    if (runAsUser === undefined && uid === 0) {
      return { ok: false, message: `container has runAsNonRoot and image will run as root ${where}` };
    }
  }
  const groups = [gid, ...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])];
  let bounding: Set<string>;
  if (privileged) bounding = new Set(ALL_CAPS);
  else {
    const drop = (csc.capabilities?.drop ?? []).map((c) => c.replace(/^CAP_/, '').toUpperCase());
    const add = (csc.capabilities?.add ?? []).map((c) => c.replace(/^CAP_/, '').toUpperCase());
    bounding = new Set(add.includes('ALL') ? ALL_CAPS : [...DEFAULT_CAPS, ...add.filter((c) => ALL_CAPS.includes(c))]);
    if (drop.includes('ALL'))
      bounding = new Set(add.includes('ALL') ? ALL_CAPS : add.filter((c) => ALL_CAPS.includes(c)));
    else for (const d of drop) bounding.delete(d);
  }
  // A non-root process keeps no effective capabilities (no ambient set in Kubernetes).
  const effective = uid === 0 ? new Set(bounding) : new Set<string>();
  const seccompType = csc.seccompProfile?.type ?? psc.seccompProfile?.type;
  return {
    ok: true,
    sec: {
      uid,
      gid,
      groups: [...new Set(groups)],
      privileged,
      effective,
      bounding,
      noNewPrivs: !privileged && csc.allowPrivilegeEscalation === false,
      readOnlyRoot: csc.readOnlyRootFilesystem === true,
      seccomp: privileged || !seccompType || seccompType === 'Unconfined' ? 0 : 2,
      hostPID: pod.spec?.hostPID === true,
      hostIPC: pod.spec?.hostIPC === true,
      hostNetwork: pod.spec?.hostNetwork === true,
    },
  };
}
