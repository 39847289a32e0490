import type { ProgressUpdate } from '@paranoid/providers/provider.ts';

/**
 * A one-line progress bar for cluster creation on a terminal (kind takes 15-60 s
 * cold). On a non-TTY stream it prints each step once instead, so logs stay readable.
 */
export function progressBar(stream: NodeJS.WriteStream, label: string): (u: ProgressUpdate) => void {
  let lastStep = '';
  return (u) => {
    const pct = Math.round(Math.min(1, Math.max(0, u.fraction)) * 100);
    if (!stream.isTTY) {
      if (u.step !== lastStep) stream.write(`${label}: ${u.step} (${pct}%)\n`);
      lastStep = u.step;
      return;
    }
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${u.step}\x1b[K`,
    );
    if (u.fraction >= 1) stream.write('\n');
  };
}
