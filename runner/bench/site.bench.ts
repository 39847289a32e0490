/**
 * The site's speed: what the catalog makes a browser download, that Monaco stays out
 * of the first load, and the time from pressing Start to a live prompt on the
 * simulated cluster (POST /api/sessions, then the terminal WebSocket's first prompt).
 * Needs a built site (`pnpm --filter @paranoid/site build`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { WebSocket } from 'ws';
import type { Figure } from './main.ts';

const DIST = fileURLToPath(new URL('../../site/dist', import.meta.url));
const RUNS = 20;
const THINK_MS = 2500;

const gz = (text: string | Buffer) => gzipSync(text).length / 1024;

/** Every script a page runs at load: inline module scripts, and script/modulepreload files. */
function pageScripts(html: string): { inline: string[]; files: string[] } {
  const inline = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '').filter(Boolean);
  const files = [
    ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
    ...html.matchAll(/component-url="([^"]+)"/g),
    ...html.matchAll(/renderer-url="([^"]+)"/g),
  ].map((m) => m[1]!);
  return { inline, files: [...new Set(files)] };
}

/** A JS file and everything it imports statically, gzipped KiB in all. */
function closure(file: string, seen = new Set<string>()): number {
  if (seen.has(file)) return 0;
  seen.add(file);
  const path = join(DIST, file);
  if (!existsSync(path)) return 0;
  const code = readFileSync(path, 'utf8');
  let total = gz(code);
  // Static imports only: `import ... from "./x.js"` / `import "./x.js"`; dynamic import() is lazy.
  for (const m of code.matchAll(/(?:^|[;\s])import(?:[^'"();]*?from)?\s*["'](\.\/[^"']+\.js)["']/g)) {
    total += closure(join(file, '..', m[1]!), seen);
  }
  return total;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

function sizes(): Figure[] {
  const catalog = readFileSync(join(DIST, 'index.html'), 'utf8');
  const c = pageScripts(catalog);
  const catalogJs = c.inline.reduce((n, s) => n + gz(s), 0) + c.files.reduce((n, f) => n + closure(f), 0);
  const scenarios = readdirSync(join(DIST, 'scenarios'));
  const player = readFileSync(join(DIST, 'scenarios', scenarios[0]!, 'index.html'), 'utf8');
  const p = pageScripts(player);
  const playerJs = p.inline.reduce((n, s) => n + gz(s), 0) + p.files.reduce((n, f) => n + closure(f), 0);
  const assets = readdirSync(join(DIST, '_astro'));
  const monaco = assets
    .filter((f) => f.startsWith('EditorPanel'))
    .map((f) => gz(readFileSync(join(DIST, '_astro', f))));
  const monacoOnLoad = [catalog, player].some((html) => html.includes('EditorPanel'));
  return [
    { name: 'catalog page JavaScript (gzip)', value: catalogJs, unit: 'KiB', goal: '< 60' },
    { name: 'player page JavaScript at load (gzip)', value: playerJs, unit: 'KiB' },
    { name: 'Monaco editor chunk, loaded when the editor opens (gzip)', value: monaco[0] ?? 0, unit: 'KiB' },
    { name: 'pages that load Monaco before the editor opens', value: monacoOnLoad ? 1 : 0, unit: 'pages', goal: '0' },
  ];
}

async function startToPrompt(): Promise<Figure[]> {
  const lab = await createServeLab({ provider: 'sim', database: ':memory:' });
  const { url } = await lab.listen(0, '127.0.0.1');
  lab.prewarm();
  await new Promise((resolve) => setTimeout(resolve, 5000));
  try {
    const { scenarios } = (await (await fetch(`${url}/api/scenarios`)).json()) as { scenarios: { id: string }[] };
    const id = scenarios.find((s) => s.id === 'missing-networkpolicy')?.id ?? scenarios[0]!.id;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await fetch(`${url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenarioId: id }),
      });
      const body = (await res.json()) as { session: { id: string }; token: string };
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(
          `${url.replace('http', 'ws')}/api/sessions/${body.session.id}/terminal`,
          [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${body.token}`],
          { headers: { origin: url } },
        );
        let out = '';
        const timer = setTimeout(() => reject(new Error('no prompt within 10 s')), 10_000);
        ws.on('message', (d) => {
          out += d.toString();
          if (/\$ $/.test(out.replace(ANSI, ''))) {
            clearTimeout(timer);
            times.push(performance.now() - started);
            ws.close();
            resolve();
          }
        });
        ws.on('error', reject);
      });
      await fetch(`${url}/api/sessions/${body.session.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${body.token}` },
      });
      // A learner's next Start comes seconds later, on a runner that has caught up.
      await new Promise((resolve) => setTimeout(resolve, THINK_MS));
    }
    const first = times[0]!;
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
    return [
      { name: `Start to live prompt, ${id}, first after start-up`, value: first, unit: 'ms' },
      { name: `Start to live prompt, ${id} (p50 of ${RUNS})`, value: at(0.5), unit: 'ms' },
      { name: `Start to live prompt, ${id} (p95 of ${RUNS})`, value: at(0.95), unit: 'ms', goal: '< 300' },
    ];
  } finally {
    await lab.close();
  }
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = existsSync(join(DIST, 'index.html'))
    ? sizes()
    : [{ name: 'site not built: run pnpm --filter @paranoid/site build', value: 0, unit: '' }];
  return [...figures, ...(await startToPrompt())];
}
