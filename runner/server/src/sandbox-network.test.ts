import { describe, expect, it } from 'vitest';
import { climbsOut, parseAuthority } from './sandbox-network.ts';

describe('the API relay', () => {
  it('refuses paths that would climb out of the session cluster, however spelled', () => {
    for (const path of [
      '/..',
      '/api/../../clusters/x',
      '/%2e%2e/clusters/x',
      '/%2E%2e/x',
      '/./api',
      '/a%2fb',
      '/%zz',
    ]) {
      expect(climbsOut(path), path).toBe(true);
    }
    for (const path of ['/api/v1/namespaces', '/apis/apps/v1?watch=1&x=..', '/version', '/api/v1/pods/a..b']) {
      expect(climbsOut(path), path).toBe(false);
    }
  });
});

describe('the internet proxy', () => {
  it('takes host:port of a CONNECT, and nothing else', () => {
    expect(parseAuthority('172.18.0.2:31337')).toEqual({ host: '172.18.0.2', port: 31337 });
    expect(parseAuthority('[fd00::1]:443')).toEqual({ host: 'fd00::1', port: 443 });
    expect(parseAuthority('exfil.example.com:80')).toEqual({ host: 'exfil.example.com', port: 80 });
    for (const bad of ['172.18.0.2', '172.18.0.2:0', 'host:70000', 'a b:80', 'http://x:80', ':80']) {
      expect(parseAuthority(bad), bad).toBeNull();
    }
  });
});
