import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabServer, type LabServer } from './lab-server.ts';
import { FakeCatalog, FakeGrader, FakeProvider } from './testing/fakes.ts';

const ISLAND_LOADER = '(()=>{customElements.define("astro-island",class extends HTMLElement{})})();';
let dir: string;
let lab: LabServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paranoid-headers-'));
  mkdirSync(join(dir, 'site', 'scenarios'), { recursive: true });
  writeFileSync(
    join(dir, 'site', 'index.html'),
    `<!doctype html><html><head><script type="module" src="/_astro/x.js"></script><script>${ISLAND_LOADER}</script></head></html>`,
  );
  lab = await createLabServer({
    provider: new FakeProvider(),
    catalog: new FakeCatalog(),
    grader: new FakeGrader(),
    database: ':memory:',
    siteDir: join(dir, 'site'),
    terminals: { kind: 'off', reason: 'tests' },
  });
  base = (await lab.listen(0, '127.0.0.1')).url;
});

afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the lab’s security headers', () => {
  it('forbid framing and allow only the lab’s own scripts, the built inline ones by hash', async () => {
    const res = await fetch(`${base}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    const hash = createHash('sha256').update(ISLAND_LOADER).digest('base64');
    expect(csp).toMatch(new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('come with API answers and errors too', async () => {
    for (const path of ['/api/health', '/api/nope', '/nope']) {
      const res = await fetch(`${base}${path}`);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
