// Debian packages the test suite needs, installed on demand, and the Docker
// engine the kind provider's tests talk to. Kept apart from lab.mjs so the list
// of what a machine must have is in one place.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What the suites need from the system: the file that proves it is there, and its Debian package. */
export const SYSTEM_PACKAGES = [
  { file: '/usr/bin/chromium', pkg: 'chromium', why: 'end-to-end tests drive the site in Chromium' },
  { file: '/usr/bin/bwrap', pkg: 'bubblewrap', why: "learners' terminals run in a bubblewrap sandbox" },
  { file: '/usr/sbin/dockerd', pkg: 'docker.io', why: "the kind provider's tests run against a real Docker engine" },
  { file: '/bin/busybox', pkg: 'busybox-static', why: 'the offline toolbox image is built from a static busybox' },
  {
    file: '/usr/share/postgresql-common/pg_wrapper',
    pkg: 'postgresql',
    why: "the store's tests run against a PostgreSQL server they start themselves (initdb, pg_ctl)",
  },
  {
    file: '/usr/bin/curl',
    pkg: 'curl',
    why: "the kind toolbox carries this machine's curl (the dashboard steps use it)",
  },
];

/** Installed per dpkg where there is one (a dynamic busybox must not pass for busybox-static), else by file. */
function installed(p) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}', p.pkg], { encoding: 'utf8' });
  if (q.error) return existsSync(p.file);
  return q.status === 0 && q.stdout.includes('install ok installed') && existsSync(p.file);
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** What the lab itself needs to give learners a terminal (`npm start`). */
export const TERMINAL_PACKAGES = SYSTEM_PACKAGES.filter((p) => p.pkg === 'bubblewrap');

export function ensureSystemPackages() {
  if (!installPackages(SYSTEM_PACKAGES, 'the tests need')) process.exit(1);
}

/**
 * `npm start`: installs bubblewrap when it is missing and this user may (root or
 * password-less sudo). Otherwise the lab still starts, and the player's Terminal tab
 * says why there is no terminal and the command that fixes it.
 */
export function ensureTerminalPackages() {
  if (!installPackages(TERMINAL_PACKAGES, "learners' terminals need")) {
    console.error('warning: the lab starts without terminals; the Terminal tab says how to fix it');
  }
}

/** Installs the missing ones with apt-get; false when they are still missing. */
function installPackages(wanted, purpose) {
  const missing = wanted.filter((p) => !installed(p));
  if (missing.length === 0) return true;
  const pkgs = missing.map((p) => p.pkg);
  console.log(`installing Debian packages ${purpose}: ${pkgs.join(', ')}`);
  for (const p of missing) console.log(`  ${p.pkg}: ${p.why}`);
  const sudo = isRoot() ? [] : ['sudo', '-n'];
  if (!isRoot() && spawnSync('sudo', ['-n', 'true']).status !== 0) {
    console.error(
      `failed to install ${pkgs.join(', ')}: not root and no password-less sudo; run: sudo apt-get install ${pkgs.join(' ')}`,
    );
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    return spawnSync(cmd, rest, { stdio: 'inherit', env }).status;
  };
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]) !== 0) {
    console.error(`failed to install ${pkgs.join(', ')} with apt-get`);
    return false;
  }
  return true;
}

/** Starts dockerd when it is installed and not yet answering; returns how to stop what was started. */
export function startDockerIfNeeded() {
  const answers = () =>
    existsSync('/var/run/docker.sock') && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (!existsSync('/usr/sbin/dockerd') || answers()) return () => {};
  console.log('starting dockerd for the Docker suites');
  const daemon = spawn('/usr/sbin/dockerd', ['--log-level=error'], { stdio: 'ignore', detached: true });
  for (let i = 0; i < 60 && !answers(); i++) spawnSync('sleep', ['0.5']);
  if (!answers()) console.error('warning: dockerd did not answer within 30 s; the Docker suites will fail');
  return () => {
    try {
      process.kill(daemon.pid, 'SIGTERM');
    } catch {}
  };
}
