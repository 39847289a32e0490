/**
 * `pnpm bench`: runs every `*.bench.ts` beside this file and prints its figures.
 * Benchmarks report numbers against their goals; they never fail a build,
 * because timings on a shared 2-core machine are evidence, not verdicts.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One printed measurement of a bench module: the bench prints figures, it never asserts a time. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The target, in words, e.g. `< 50 ms`. */
  goal?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmarks match ${only.join(' ') || '*'} in ${here}`);
  process.exit(2);
}

let broken = 0;
for (const file of files) {
  const suite = file.replace(/\.bench\.ts$/, '');
  console.log(`\n${suite}`);
  try {
    const mod = (await import(new URL(file, import.meta.url).href)) as { run(): Promise<Figure[]> };
    for (const f of await mod.run()) {
      const value = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(2);
      console.log(`  ${f.name.padEnd(58)} ${value.padStart(10)} ${f.unit.padEnd(8)} ${f.goal ? `goal ${f.goal}` : ''}`);
    }
  } catch (error) {
    broken++;
    console.log(`  failed to run ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(broken === 0 ? 0 : 1);
