import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execKindCli, kubeconfigPath } from './kind-cli.ts';

// A stand-in `kind` binary that records its arguments and environment, and writes the
// kubeconfig where it is told, as the real one does (to ~/.kube/config when not told).
const fakeKind = `#!/bin/sh
printf '%s|%s\\n' "$*" "\${KIND_EXPERIMENTAL_DOCKER_NETWORK:-}" >> "$LOG"
kc="$HOME/.kube/config"
while [ $# -gt 0 ]; do [ "$1" = --kubeconfig ] && kc=$2; shift; done
mkdir -p "$(dirname "$kc")" && echo written > "$kc"
`;

describe('the kind CLI', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'paranoid-kind-cli-'));
    const binary = join(dir, 'kind');
    writeFileSync(binary, fakeKind);
    chmodSync(binary, 0o755);
    const env = { ...process.env, HOME: join(dir, 'home'), LOG: join(dir, 'log') };
    const kind = execKindCli(binary, { kubeconfigDir: join(dir, 'kubeconfigs'), env });
    return { kind, log: () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n'), home: env.HOME };
  }

  it("gives each cluster a kubeconfig file of its own and never writes the user's", async () => {
    const { kind, log, home } = setup();
    await kind.createCluster({ name: 'paranoid-a', config: 'kind: Cluster\n', waitSeconds: 5, network: 'paranoid-a' });
    await kind.createCluster({ name: 'paranoid-b', config: 'kind: Cluster\n', waitSeconds: 5 });
    const a = kubeconfigPath('paranoid-a', join(dir, 'kubeconfigs'));
    expect(readFileSync(a, 'utf8')).toBe('written\n');
    expect(existsSync(join(home, '.kube/config'))).toBe(false);
    await kind.deleteCluster('paranoid-a');
    expect(existsSync(a)).toBe(false);
    expect(existsSync(join(home, '.kube/config'))).toBe(false);
    expect(log()[0]).toMatch(/^create cluster --name paranoid-a .*--kubeconfig \S+paranoid-a\.kubeconfig\|paranoid-a$/);
    expect(log()[1]).toMatch(/\|$/);
    expect(log()[2]).toMatch(/^delete cluster --name paranoid-a --kubeconfig \S+paranoid-a\.kubeconfig\|/);
  });

  it('loads images as archives, never through docker save', async () => {
    const { kind, log } = setup();
    await kind.loadImageArchive('paranoid-a', '/tmp/x.tar');
    expect(log()).toEqual(['load image-archive /tmp/x.tar --name paranoid-a|']);
  });

  it('says when kind is not installed', async () => {
    const kind = execKindCli('/nonexistent/kind');
    await expect(kind.version()).rejects.toThrow(/failed to run kind version: \/nonexistent\/kind is not installed/);
  });
});
