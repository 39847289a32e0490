import { describe, expect, it } from 'vitest';
import { configz, parseKubeletConfig } from './kubelet-config.ts';

const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';

describe('parseKubeletConfig', () => {
  it("fills upstream's v1beta1 defaults: anonymous off, webhook authentication on, Webhook, read-only port 0", () => {
    const parsed = parseKubeletConfig(HEAD);
    expect(parsed.ok && parsed.config).toMatchObject({
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true, cacheTTL: '2m0s' }, x509: {} },
      authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' } },
      port: 10250,
      readOnlyPort: 0,
    });
  });

  it('keeps every other field as written, for /configz, without apiVersion and kind', () => {
    const parsed = parseKubeletConfig(`${HEAD}cgroupDriver: systemd\nclusterDNS: [10.96.0.10]\n`);
    if (!parsed.ok) throw new Error(parsed.error);
    const served = configz(parsed.config).kubeletconfig;
    expect(served).toMatchObject({ enableServer: true, cgroupDriver: 'systemd', clusterDNS: ['10.96.0.10'] });
    expect(served).not.toHaveProperty('kind');
    expect(served).not.toHaveProperty('apiVersion');
  });

  it('refuses what the kubelet refuses, with the error it logs before exiting', () => {
    const error = (text: string) => {
      const parsed = parseKubeletConfig(text);
      return parsed.ok ? 'loaded' : parsed.error;
    };
    expect(error('kind: Nonsense\n')).toBe(
      'failed to load kubelet config file, path: /var/lib/kubelet/config.yaml, error: failed to decode: no kind "Nonsense" is registered for version ""',
    );
    expect(error(`${HEAD}authorization:\n  mode: Sometimes\n`)).toMatch(
      /invalid configuration: authorization\.mode "Sometimes": must be AlwaysAllow or Webhook$/,
    );
    expect(error(`${HEAD}authentication:\n  anonymous:\n    enabled: "yes"\n`)).toMatch(
      /authentication\.anonymous\.enabled: expected a boolean, got "yes"$/,
    );
    expect(error(`${HEAD}readOnlyPort: 70000\n`)).toMatch(
      /readOnlyPort \(--read-only-port\) 70000 must be between 0 and 65535/,
    );
    expect(error('a: [unclosed\n')).toMatch(
      /^failed to load kubelet config file, path: \/var\/lib\/kubelet\/config\.yaml, error: failed to decode: /,
    );
    expect(error(`${HEAD}# ${'x'.repeat(1 << 20)}\n`)).toMatch(/larger than 1048576 bytes$/);
  });
});
