import { parseImage } from '@paranoid/schema/image.ts';
import { describe, expect, it } from 'vitest';
import { builtinImages } from './builtin.ts';
import { parseImageReference } from './reference.ts';
import { createImageRegistry } from './registry.ts';

describe('image references', () => {
  it('normalises short names as containerd does', () => {
    expect(parseImageReference('nginx')?.full).toBe('docker.io/library/nginx:latest');
    expect(parseImageReference('cryptoworker/x:1')?.full).toBe('docker.io/cryptoworker/x:1');
    expect(parseImageReference('index.docker.io/library/redis:7')?.full).toBe('docker.io/library/redis:7');
    expect(parseImageReference('registry.lab.local/approved/resizer:1.4.2')).toMatchObject({
      domain: 'registry.lab.local',
      repository: 'registry.lab.local/approved/resizer',
      tag: '1.4.2',
    });
    expect(parseImageReference('localhost:5000/app')?.full).toBe('localhost:5000/app:latest');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`nginx@${digest}`)).toMatchObject({
      repository: 'docker.io/library/nginx',
      digest,
      full: `docker.io/library/nginx@${digest}`,
    });
    expect(parseImageReference('Nginx')).toBeUndefined();
    expect(parseImageReference('nginx@sha256:short')).toBeUndefined();
  });
});

describe('image registry', () => {
  const registry = createImageRegistry(builtinImages);

  it('pulls built-in images by tag and by digest', () => {
    const byTag = registry.pull('nginx:1.27');
    expect(byTag.ok && byTag.imageRef).toMatch(/^docker\.io\/library\/nginx@sha256:/);
    const digest = byTag.ok ? byTag.image.digest : '';
    expect(registry.pull(`nginx@${digest}`).ok).toBe(true);
    expect(registry.pull('kubernetesui/dashboard:v2.7.0').ok).toBe(true);
  });

  it('answers unknown tags, repositories and registries with containerd wording', () => {
    const tag = registry.pull('nginx:doesnotexist');
    expect(tag.ok === false && tag.message).toBe(
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist": failed to resolve reference "docker.io/library/nginx:doesnotexist": docker.io/library/nginx:doesnotexist: not found',
    );
    const repo = registry.pull('someone/private');
    expect(repo.ok === false && repo.message).toContain(
      'pull access denied, repository does not exist or may require authorization',
    );
    const host = registry.pull('registry.lab.local/approved/resizer:1.4.2');
    expect(host.ok === false && host.message).toContain('dial tcp: lookup registry.lab.local: no such host');
  });

  it("keeps one registry's signatures out of another made from the same definitions", () => {
    const signed = createImageRegistry(builtinImages);
    const other = createImageRegistry(builtinImages);
    for (const ref of ['nginx:1.25', 'nginx:1.27.3']) {
      const pulled = signed.pull(ref);
      if (!pulled.ok) throw new Error(pulled.message);
      signed.attach(pulled.image, { signature: { payload: 'e30=', signature: 'c2ln' } as never });
      const again = signed.pull(ref);
      expect(again.ok && again.image.signatures).toHaveLength(1);
      const unsigned = other.pull(ref);
      expect(unsigned.ok && unsigned.image.signatures).toEqual([]);
      expect(createImageRegistry(builtinImages).pull(ref).ok).toBe(true);
    }
  });

  it('accepts a scenario image added later', () => {
    const r = createImageRegistry(builtinImages);
    r.add([
      {
        apiVersion: 'paranoid.dev/v1',
        kind: 'Image',
        repository: 'registry.lab.local/approved/resizer',
        tags: ['1.4.2'],
        digest: `sha256:${'b'.repeat(64)}`,
      },
    ]);
    expect(r.pull('registry.lab.local/approved/resizer:1.4.2').ok).toBe(true);
  });

  it('reports every problem of a bad image definition at once', () => {
    expect(() =>
      parseImage(
        { apiVersion: 'paranoid.dev/v1', kind: 'Image', repository: 'X', digest: 'nope' },
        'images/bad.image.yaml',
      ),
    ).toThrow(/failed to load images\/bad\.image\.yaml: repository: .*; digest: a digest is sha256/);
  });
});

describe('tags of official images, as the registry publishes them', () => {
  const registry = createImageRegistry(builtinImages);
  const pulled = (ref: string) => {
    const r = registry.pull(ref);
    if (!r.ok) throw new Error(r.message);
    return r;
  };

  it('pulls every version of a published release line, with its aliases', () => {
    for (const ref of [
      'nginx:1.28',
      'nginx:1.28.0',
      'nginx:1.29.3-alpine',
      'nginx:1.26-bookworm',
      'nginx:1',
      'redis:7.2-alpine',
      'redis:8.0.2',
      'redis:6',
      'alpine:3.22.1',
      'busybox:1.36.1-musl',
    ]) {
      expect(registry.pull(ref).ok, ref).toBe(true);
    }
    expect(pulled('nginx:1.28').image.digest).toBe(pulled('nginx:1.28.0').image.digest);
    expect(pulled('nginx:1.25').image.digest).toBe(pulled('nginx:1.25.5').image.digest);
    expect(pulled('nginx:1.28').image.digest).not.toBe(pulled('nginx:1.27.3').image.digest);
    expect(pulled('nginx:1.28-alpine').image.digest).not.toBe(pulled('nginx:1.28').image.digest);
  });

  it('runs the version the tag names: env, Server header and logs say it', () => {
    const { image } = pulled('nginx:1.28');
    expect(image.config.env).toContain('NGINX_VERSION=1.28.0');
    expect(image.processes[0]?.listen?.http?.server).toBe('nginx/1.28.0');
    expect(pulled('redis:7.2').image.config.env).toContain('REDIS_VERSION=7.2.7');
    expect(pulled('redis:7.2').image.processes[0]?.listen?.kv?.info).toContain('redis_version:7.2.7');
  });

  it('pulls a release by the digest its tag resolved to', () => {
    const byTag = pulled('nginx:1.26.2');
    const byDigest = pulled(`nginx@${byTag.image.digest}`);
    expect(byDigest.imageRef).toBe(byTag.imageRef);
    expect(byDigest.image.config.env).toContain('NGINX_VERSION=1.26.2');
    // A digest of another repository's release is not this repository's.
    expect(registry.pull(`redis@${byTag.image.digest}`).ok).toBe(false);
  });

  it('answers a version that was never published with containerd NotFound', () => {
    for (const tag of ['1.28.1', '1.30', '2', '1.27.9', '1.28-slim', '1.24.1']) {
      const r = registry.pull(`nginx:${tag}`);
      expect(r.ok === false && r.message, tag).toBe(
        `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:${tag}": failed to resolve reference "docker.io/library/nginx:${tag}": docker.io/library/nginx:${tag}: not found`,
      );
    }
  });

  it('refuses a release definition an author got wrong, saying where', () => {
    expect(() =>
      parseImage(
        {
          apiVersion: 'paranoid.dev/v1',
          kind: 'Image',
          repository: 'docker.io/library/x',
          digest: `sha256:${'c'.repeat(64)}`,
          releases: { current: '1.2', lines: { '1': 3 }, suffixes: ['alpine'] },
        },
        'images/x.image.yaml',
      ),
    ).toThrow(
      /releases\.current: current is a version X\.Y\.Z; releases\.lines\.1: .*; releases\.suffixes\.0: a suffix is empty or starts with -/,
    );
  });
});

describe('tags of the Kubernetes images', () => {
  it('pull every published patch of the supported minors, with the v prefix and no minor alias', () => {
    const registry = createImageRegistry(builtinImages);
    for (const ref of [
      'registry.k8s.io/kube-proxy:v1.31.4',
      'registry.k8s.io/kube-apiserver:v1.33.3',
      'registry.k8s.io/kube-scheduler:v1.30.14',
    ]) {
      expect(registry.pull(ref).ok, ref).toBe(true);
    }
    expect(registry.pull('registry.k8s.io/kube-proxy:1.31.4').ok).toBe(false);
    expect(registry.pull('registry.k8s.io/kube-proxy:v1.31.99').ok).toBe(false);
    expect(registry.pull('registry.k8s.io/kube-proxy:v1.31').ok).toBe(false);
  });
});
