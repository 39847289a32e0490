import { readFileSync } from 'node:fs';

/** Commands that are part of how the lab is launched: `npm start`, `pnpm paranoid serve`, tsx, `sh -c`. */
const LAUNCHER = /(^|\/)(node|npm|npx|pnpm|tsx|sh|dash|bash -c)(\s|$)|scripts\/lab\.mjs|\/tsx\/|pnpm\.c?js|npm-cli\.js/;

function parentOf(pid: number): number | null {
  try {
    // The command may hold spaces and parentheses: the fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/**
 * The processes that launched this one, up to the first that is not part of the launch
 * (the user's shell, a service manager): `npm` → `node scripts/lab.mjs` → `pnpm` → `tsx`.
 */
export function launcherChain(start = process.ppid): number[] {
  const chain: number[] = [];
  for (let pid: number | null = start; pid !== null && pid > 1 && chain.length < 16; pid = parentOf(pid)) {
    const command = commandOf(pid);
    if (!LAUNCHER.test(command) || (/(^|\/)(ba)?sh$/.test(command.split(' ')[0] ?? '') && !command.includes(' -c'))) {
      break;
    }
    chain.push(pid);
  }
  return chain;
}

/**
 * Watches the launch chain, read now: `onGone` is called once any of its processes has
 * exited (at once if one already has). SIGTERM to `npm start` or to `pnpm` kills that
 * process without passing the signal on, and the runner below it would keep the port for
 * ever; watching the chain turns any such SIGTERM into a clean stop. Linux only (reads
 * /proc); elsewhere it watches nothing.
 */
export function watchLauncher(intervalMs = 500): { onGone(callback: () => void): void; stop(): void } {
  const chain = launcherChain();
  const parent = process.ppid;
  let timer: NodeJS.Timeout | undefined;
  // A process that exited but was not yet reaped (a zombie) has stopped too.
  const alive = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  return {
    onGone(callback) {
      if (chain.length === 0) return;
      timer = setInterval(() => {
        if (chain.every(alive) && process.ppid === parent) return;
        clearInterval(timer);
        callback();
      }, intervalMs);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
