/**
 * Driving learners' real terminals from a bench: typing a command and timing it to its end
 * marker, waiting for the prompt, and the CPU a terminal's process tree has used (the tree as
 * the runner's memory watch reads it, `readProcessTree`).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LearnerShell } from '@paranoid/server/terminal.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;
const plain = (text: string) => text.replace(ANSI, '').replace(/\r/g, '');

/** A process's `/proc/<pid>/status`, or '' once it is gone. */
const procStatus = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};
/** A process's resident memory, in KiB. */
export const rssKiB = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(procStatus(pid))?.[1] ?? 0);
/** CPU seconds (user + system) of a set of processes so far. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

/** Types a command into a shell; resolves with its wall time and what it printed once its end marker prints. */
export function runCommand(
  shell: LearnerShell,
  command: string,
  timeoutMs = 60_000,
): Promise<{ ms: number; output: string }> {
  const mark = `__bench_${Math.random().toString(36).slice(2, 10)}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      detach();
      reject(new Error(`no end of ${command} within ${timeoutMs} ms: ${JSON.stringify(out.slice(-500))}`));
    }, timeoutMs);
    const detach = shell.attach((d) => {
      out += d;
      const text = plain(out);
      const end = text.indexOf(`\n${mark}`);
      if (end >= 0) {
        clearTimeout(timer);
        detach();
        // What the command printed: after the echoed command line, before the marker's echo line.
        const lines = text.slice(0, end).split('\n');
        const from = lines.findIndex((line) => line.includes(command.slice(0, 40)));
        const output = lines
          .slice(from + 1)
          .filter((line) => !line.includes(`echo ${mark}`))
          .join('\n');
        resolve({ ms: performance.now() - started, output });
      }
    });
    shell.write(`${command}\recho ${mark}\r`);
  });
}

/** Types a command into a shell and resolves with its wall time once its end marker prints. */
export const timedCommand = (shell: LearnerShell, command: string, timeoutMs = 60_000) =>
  runCommand(shell, command, timeoutMs).then((r) => r.ms);

/** Resolves once the shell shows its `$ ` prompt. */
export function promptOf(shell: LearnerShell, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      detach();
      reject(new Error(`no prompt within ${timeoutMs} ms: ${JSON.stringify(plain(out).slice(-300))}`));
    }, timeoutMs);
    const detach = shell.attach((d) => {
      out += d;
      if (/\$ $/.test(plain(out))) {
        clearTimeout(timer);
        detach();
        resolve();
      }
    });
  });
}

/** The q-quantile of some values, by rank. */
export const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};
