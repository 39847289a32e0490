import { performance } from 'node:perf_hooks';
import type { Figure } from './main.ts';

/** Sanity figures for the machine, so other numbers can be read against them. */
export async function run(): Promise<Figure[]> {
  const started = performance.now();
  let x = 0;
  for (let i = 0; i < 5_000_000; i++) x = (x + i * 7) % 1_000_003;
  const loop = performance.now() - started;
  return [
    { name: 'reference loop (5M iterations)', value: loop, unit: 'ms' },
    { name: 'heap used at start', value: process.memoryUsage().heapUsed / 2 ** 20, unit: 'MiB' },
    { name: 'checksum (keeps the loop honest)', value: x, unit: '' },
  ];
}
