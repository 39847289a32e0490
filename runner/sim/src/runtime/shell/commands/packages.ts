import type { CommandCtx, CommandTable } from '../interpreter.ts';

/**
 * Debian's package tools left in an image, as an intruder finds them: `apt-get` and `apt` print
 * their version and refuse to change anything without root, as dpkg's lock does; as root they
 * try the mirrors and fail, because the lab network reaches no Debian mirror (the step that
 * matters, that the tool is there for whoever gets a shell, already happened). `dpkg -l` lists
 * the packages of the image's scan facts.
 */

const VERSION = 'apt 2.6.1 (amd64)';

function aptGet(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  const verb = args.find((a) => !a.startsWith('-'));
  if (args.includes('--version') || args.includes('-v')) {
    ctx.out(`${VERSION}\nSupported modules:\n*Ver: Standard .deb\n*Pkg:  Debian dpkg interface (Priority 30)\n`);
    return 0;
  }
  if (verb === undefined) {
    ctx.out(`${VERSION}\nUsage: apt-get [options] command\n       apt-get [options] install|remove pkg1 [pkg2 ...]\n`);
    return 0;
  }
  if (ctx.sys.sec.uid !== 0) {
    ctx.err(
      verb === 'update'
        ? 'E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\nE: Unable to lock directory /var/lib/apt/lists/\n'
        : 'E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n',
    );
    return 100;
  }
  if (verb === 'update' || verb === 'install') {
    ctx.out("Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\n");
    if (verb === 'install') {
      ctx.err(
        `E: Unable to locate package ${args
          .filter((a) => !a.startsWith('-'))
          .slice(1)
          .join(' ')}\n`,
      );
      return 100;
    }
    ctx.err(
      "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'\n",
    );
    return 0;
  }
  ctx.err(`E: Invalid operation ${verb}\n`);
  return 100;
}

function dpkg(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  if (args[0] !== '-l' && args[0] !== '--list') {
    ctx.err('dpkg: error: need an action option\n');
    return 2;
  }
  const image = ctx.sys.container?.image;
  const rows = (image?.packages ?? []).filter((p) => p.type === 'deb');
  ctx.out('Desired=Unknown/Install/Remove/Purge/Hold\n||/ Name           Version      Architecture Description\n');
  for (const p of rows) ctx.out(`ii  ${p.name.padEnd(14)} ${p.version.padEnd(12)} amd64        ${p.name}\n`);
  return 0;
}

/** `useradd [-u UID] [-m] NAME`: a line in /etc/passwd, as shadow's useradd writes it (root only). */
function useradd(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  const name = args.filter((a, i) => !a.startsWith('-') && !['-u', '-g', '-d', '-s'].includes(args[i - 1] ?? '')).pop();
  if (!name) {
    ctx.err('Usage: useradd [options] LOGIN\n');
    return 2;
  }
  if (ctx.sys.sec.uid !== 0) {
    ctx.err('useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n');
    return 1;
  }
  const cred = { uid: 0, gid: 0, groups: [], dacOverride: true };
  const read = ctx.sys.view.read('/etc/passwd', cred);
  const passwd = 'content' in read ? read.content : '';
  const lines = passwd.split('\n').filter(Boolean);
  if (lines.some((l) => l.split(':')[0] === name)) {
    ctx.err(`useradd: user '${name}' already exists\n`);
    return 9;
  }
  const flag = args.indexOf('-u');
  const used = lines.map((l) => Number(l.split(':')[2])).filter((n) => !Number.isNaN(n) && n < 60000);
  const uid = flag >= 0 && /^\d+$/.test(args[flag + 1] ?? '') ? Number(args[flag + 1]) : Math.max(999, ...used) + 1;
  const failed = ctx.sys.view.write(
    '/etc/passwd',
    `${lines.join('\n')}\n${name}:x:${uid}:${uid}::/home/${name}:/bin/sh\n`,
    cred,
  );
  if (failed) {
    ctx.err(`useradd: cannot open /etc/passwd\n`);
    return 1;
  }
  return 0;
}

/** `apt-get`, `apt` and `dpkg`, for images that still carry them, and `useradd`. */
export const packageCommands: CommandTable = { 'apt-get': aptGet, apt: aptGet, dpkg, useradd };
