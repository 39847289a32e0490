#!/usr/bin/env node
// Copies the upstream conformance data the suites read into tests/conformance/data/, so a
// clone of the repository alone passes `npm test` (issue #11). Each suite's README.md keeps
// its provenance and licence (all Apache-2.0). Pod Security keeps only the fixtures the
// suites read: Kubernetes v1.0 to v1.32, the release line the simulator emulates
// (tests/conformance/support-psa.ts NEWEST_MINOR), and an index of exactly those.
// MANIFEST.sha256 records every file; `--check` fails when the data differs from it.
//
//   node scripts/refresh-conformance-data.mjs [SOURCE]     (default ../shared/conformance)
//   node scripts/refresh-conformance-data.mjs --check
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const DEST = join(root, 'tests/conformance/data');
const SUITES = ['pod-security', 'network-policy', 'rbac', 'kubectl'];
const NEWEST_MINOR = 32;

function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else out.push(path);
  }
  return out.sort();
}

function manifest() {
  return files(DEST)
    .filter((f) => !f.endsWith('MANIFEST.sha256'))
    .map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${relative(DEST, f)}`)
    .join('\n')
    .concat('\n');
}

if (process.argv[2] === '--check') {
  const recorded = readFileSync(join(DEST, 'MANIFEST.sha256'), 'utf8');
  if (recorded !== manifest()) {
    console.error(`conformance data in ${DEST} differs from MANIFEST.sha256: run scripts/refresh-conformance-data.mjs`);
    process.exit(1);
  }
  console.log('conformance data matches MANIFEST.sha256');
  process.exit(0);
}

const source = process.argv[2] ?? join(root, '../shared/conformance');
for (const suite of SUITES) {
  if (!existsSync(join(source, suite))) {
    console.error(`failed to refresh conformance data: ${join(source, suite)} does not exist`);
    process.exit(1);
  }
}
const keepsReadme = readFileSync(join(DEST, 'README.md'), 'utf8');
rmSync(DEST, { recursive: true, force: true });
mkdirSync(DEST, { recursive: true });
writeFileSync(join(DEST, 'README.md'), keepsReadme);

for (const suite of SUITES) {
  const from = join(source, suite);
  const to = join(DEST, suite);
  if (suite !== 'pod-security') {
    cpSync(from, to, { recursive: true });
    continue;
  }
  const index = JSON.parse(readFileSync(join(from, 'index.json'), 'utf8'));
  const kept = index.fixtures.filter((f) => f.minor <= NEWEST_MINOR);
  for (const f of kept) {
    mkdirSync(dirname(join(to, f.file)), { recursive: true });
    cpSync(join(from, f.file), join(to, f.file));
  }
  cpSync(join(from, 'README.md'), join(to, 'README.md'));
  writeFileSync(
    join(to, 'index.json'),
    `${JSON.stringify({ ...index, count: kept.length, kept: `minor <= ${NEWEST_MINOR} of ${index.count}`, fixtures: kept }, null, 1)}\n`,
  );
}
writeFileSync(join(DEST, 'MANIFEST.sha256'), manifest());
const bytes = files(DEST).reduce((n, f) => n + statSync(f).size, 0);
console.log(`copied ${files(DEST).length} files (${(bytes / 1024 / 1024).toFixed(1)} MiB) from ${source} to ${DEST}`);
