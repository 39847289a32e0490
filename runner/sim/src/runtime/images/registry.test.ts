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
