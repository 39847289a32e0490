import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKindConfig } from './kind-config.ts';

const base = readFileSync(new URL('../../../../infra/kind/cluster.yaml', import.meta.url), 'utf8');

describe('renderKindConfig', () => {
  it('maps each NodePort to a loopback host port on the control plane', () => {
    const config = parse(renderKindConfig(base, [{ nodePort: 31337, hostPort: 45001 }]));
    expect(config.nodes[0].role).toBe('control-plane');
    expect(config.nodes[0].extraPortMappings).toEqual([
      { containerPort: 31337, hostPort: 45001, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
    expect(config.nodes).toHaveLength(3);
  });

  it('keeps the API server on loopback', () => {
    expect(parse(renderKindConfig(base, [])).networking.apiServerAddress).toBe('127.0.0.1');
  });

  it('reports every bad mapping at once', () => {
    expect(() =>
      renderKindConfig(base, [
        { nodePort: 80, hostPort: 1 },
        { nodePort: 31000, hostPort: 70000 },
      ]),
    ).toThrow(/nodePort 80 is outside[\s\S]*host port 70000/);
  });

  it('refuses a base config that is not a kind Cluster', () => {
    expect(() => renderKindConfig('kind: Pod\nnodes: []\n', [])).toThrow(/not a kind Cluster/);
  });
});
