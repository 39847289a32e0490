import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The host account learners' shells run as when the runner is root. */
export const SANDBOX_ACCOUNT = 'paranoid-sandbox';

/**
 * The host uid a learner's shell runs as: never root. `switchTo` is set when the runner must
 * drop to it (the runner is root); otherwise the shell keeps the runner's own, unprivileged uid.
 */
export type SandboxUser =
  | { ok: true; uid: number; gid: number; name: string; switchTo: boolean }
  | { ok: false; reason: string };

/** `name:x:uid:gid:...` of one account in a passwd file, or null. */
export function findAccount(passwd: string, name: string): { uid: number; gid: number } | null {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/**
 * The sandbox's account. A root runner uses (and if needed creates, as a system account with
 * no home and no login shell) `paranoid-sandbox`; bubblewrap then maps the learner's uid 1000
 * to it, so nothing in the sandbox is host root. A non-root runner's own uid is already
 * unprivileged, and unprivileged bubblewrap can map only that one.
 */
export function sandboxUser(
  read = () => readFileSync('/etc/passwd', 'utf8'),
  options: { create?: boolean } = {},
): SandboxUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    return { ok: true, uid, gid: process.getgid?.() ?? uid, name: process.env.USER ?? String(uid), switchTo: false };
  }
  let account = findAccount(read(), SANDBOX_ACCOUNT);
  if (!account && options.create === false) {
    return { ok: false, reason: `the account ${SANDBOX_ACCOUNT} does not exist yet (the runner creates it at start)` };
  }
  if (!account) {
    const made = spawnSync(
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        SANDBOX_ACCOUNT,
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) {
      const cause = (made.stderr || made.error?.message || `exit ${made.status}`).trim();
      return { ok: false, reason: `failed to create the account ${SANDBOX_ACCOUNT} for learners' shells: ${cause}` };
    }
    account = findAccount(read(), SANDBOX_ACCOUNT);
  }
  if (!account || account.uid === 0 || account.gid === 0) {
    return { ok: false, reason: `the account ${SANDBOX_ACCOUNT} must exist with a uid and gid other than 0` };
  }
  return { ok: true, ...account, name: SANDBOX_ACCOUNT, switchTo: true };
}
