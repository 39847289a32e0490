import { performance } from 'node:perf_hooks';
import { DockerEngine } from '../src/providers/kind/docker-engine.ts';
import { openToolboxShell, startToolbox } from '../src/providers/kind/toolbox.ts';
import { ensureToolboxImage, findHostToolboxSources } from '../src/providers/kind/toolbox-image.ts';
import type { Figure } from './main.ts';

/**
 * Toolbox start to a live prompt, against the real Docker engine. The kind
 * cluster itself cannot be created on machines without a node image, so the
 * warm-pool figure is measured where kind exists (see infra/ci) and only noted here.
 */
export async function run(): Promise<Figure[]> {
  const docker = new DockerEngine();
  try {
    await docker.ping();
  } catch {
    return [{ name: 'skipped: Docker is not reachable', value: 0, unit: '' }];
  }
  const sources = findHostToolboxSources();
  if (!sources) return [{ name: 'skipped: no static busybox and kubectl', value: 0, unit: '' }];
  const image = await ensureToolboxImage(docker, sources);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const now = Date.now();
    const labels = {
      session: `bench-${now.toString(36)}-${i}`,
      cluster: `paranoid-bench-${i}`,
      createdAt: now,
      expiresAt: now + 60_000,
    };
    const started = performance.now();
    const id = await startToolbox(docker, { image, labels, kubeconfig: 'x', network: 'none' });
    try {
      const shell = await openToolboxShell(docker, id, { cols: 80, rows: 24 });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no prompt within 10 s')), 10_000);
        let screen = '';
        shell.stream.on('data', (chunk: Buffer) => {
          screen += chunk.toString();
          if (screen.includes('learner@paranoid:')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      samples.push(performance.now() - started);
      shell.stream.end('exit\n');
    } finally {
      await docker.remove(id);
    }
  }
  samples.sort((a, b) => a - b);
  return [
    { name: 'toolbox container start to first prompt (median of 5)', value: samples[2]!, unit: 'ms' },
    { name: 'toolbox container start to first prompt (worst of 5)', value: samples[4]!, unit: 'ms' },
  ];
}
