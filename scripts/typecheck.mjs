// Type-checks every TypeScript project; the pure core has its own project with
// no Node or DOM types (runner/tsconfig.core.json), which is what fences it.
import { spawnSync } from 'node:child_process';

// The site is checked too: its API calls are typed by the runner's contract (@paranoid/api).
const projects = ['runner/tsconfig.core.json', 'runner/tsconfig.json', 'tests/tsconfig.json', 'site/tsconfig.json'];
let failed = 0;
for (const project of projects) {
  const { status } = spawnSync('pnpm', ['exec', 'tsc', '--noEmit', '-p', project], { stdio: 'inherit' });
  console.log(`${status === 0 ? 'ok  ' : 'FAIL'} tsc -p ${project}`);
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
