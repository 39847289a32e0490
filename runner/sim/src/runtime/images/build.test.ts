import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { describe, expect, it } from 'vitest';
import { BUILD_LIMITS, type BuildInput, buildImage } from './build.ts';
import { createImageRegistry } from './registry.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const debian: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'docker.io/library/debian',
  tags: ['12'],
  digest: digest('d'),
  userland: 'gnu',
  binDir: '/usr/bin',
  binaries: ['sh', 'rm', 'useradd', 'apt-get', 'apt', 'dpkg'],
  files: { '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' },
};
const distroless: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'gcr.io/distroless/static-debian12',
  tags: ['nonroot'],
  digest: digest('e'),
  userland: 'none',
  config: { user: '65532' },
  files: { '/etc/passwd': 'root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' },
};
const artifact: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'registry.lab.local/shop/api-artifact',
  tags: ['1'],
  digest: digest('a'),
  userland: 'none',
  config: { entrypoint: ['/api'] },
  processes: [
    {
      name: 'api',
      argv: ['/api'],
      listen: { port: 8080, kind: 'http', http: { routes: [{ path: '/', body: 'ok' }] } },
    },
  ],
};
const registry = createImageRegistry([debian, distroless, artifact]);

function build(dockerfile: string, context: Record<string, string> = {}, more: Partial<BuildInput> = {}) {
  return buildImage({
    dockerfile,
    context: new Map(Object.entries(context)),
    buildArgs: {},
    destination: 'registry.lab.local/shop/api:2',
    pull: (ref) => registry.pull(ref),
    ...more,
  });
}

function built(dockerfile: string, context: Record<string, string> = {}) {
  const r = build(dockerfile, context);
  if (!r.ok) throw new Error(r.error);
  return r.image;
}

describe('buildImage', () => {
  it('keeps a file a later RUN deletes in the layer that added it, with a whiteout after', () => {
    const image = built('FROM debian:12\nCOPY key /root/key\nRUN rm -f /root/key\n', { key: 'SECRET' });
    expect(image.files?.['/root/key']).toBeUndefined();
    const [, copy, run] = image.layers!;
    expect(copy!.files?.['/root/key']).toMatchObject({ content: 'SECRET' });
    expect(run!.whiteouts).toEqual(['/root/key']);
  });

  it('writes the build arguments a RUN sees into its history, as BuildKit does', () => {
    const image = built('FROM debian:12\nARG TOKEN=t0k3n\nRUN useradd app\n');
    expect(image.history?.map((h) => h.createdBy)).toContain('RUN |1 TOKEN=t0k3n /bin/sh -c useradd app # buildkit');
    const fromFlag = build('FROM debian:12\nARG TOKEN\nRUN useradd app\n', {}, { buildArgs: { TOKEN: 'passed' } });
    expect(fromFlag.ok && fromFlag.image.history?.map((h) => h.createdBy).join('\n')).toContain('|1 TOKEN=passed ');
  });

  it('ships only the last stage, and the program it copies keeps its behaviour', () => {
    const image = built(
      `FROM debian:12 AS fetch\nCOPY key /root/key\nFROM gcr.io/distroless/static-debian12:nonroot@${digest('e')}\nCOPY --from=registry.lab.local/shop/api-artifact:1 /api /usr/local/bin/api\nUSER nonroot\nCMD ["/usr/local/bin/api"]\n`,
      { key: 'SECRET' },
    );
    expect(JSON.stringify(image)).not.toContain('SECRET');
    expect(image.binaries).toEqual([]);
    expect(image.config?.user).toBe('nonroot');
    expect(image.processes).toMatchObject([{ name: 'api', listen: { port: 8080 } }]);
    expect(image.build).toEqual({
      base: `gcr.io/distroless/static-debian12:nonroot@${digest('e')}`,
      baseDigest: digest('e'),
      builder: 'kaniko',
    });
  });

  it('removes the package manager from the running file system when the last stage deletes it', () => {
    const image = built('FROM debian:12\nRUN useradd -u 10001 app && rm -f /usr/bin/apt* /usr/bin/dpkg\nUSER app\n');
    expect(image.binaries).toEqual(['sh', 'rm', 'useradd']);
    expect(image.files?.['/etc/passwd']).toMatchObject({ content: expect.stringContaining('app:x:10001:10001:') });
  });

  it('fails as the tools fail: no shell, no root for apt, an unknown program, a missing context file', () => {
    expect(build('FROM gcr.io/distroless/static-debian12:nonroot\nRUN echo hi\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('fork/exec /bin/sh: no such file or directory'),
    });
    expect(build('FROM debian:12\nUSER 1000\nRUN apt-get install -y curl\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining(
        'Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)',
      ),
    });
    expect(build('FROM debian:12\nRUN curl -o x https://example.com\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('/bin/sh: 1: curl: not found'),
    });
    expect(build('FROM debian:12\nCOPY missing /x\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('lstat /workspace/missing: no such file or directory'),
    });
    expect(build('FROM debian:13\n')).toMatchObject({ ok: false, error: expect.stringContaining('not found') });
  });

  it('refuses a context past its bounds', () => {
    const files = Object.fromEntries(Array.from({ length: BUILD_LIMITS.contextFiles + 1 }, (_, i) => [`f${i}`, 'x']));
    expect(build('FROM debian:12\n', files)).toEqual({
      ok: false,
      error: `error building image: the build context has ${BUILD_LIMITS.contextFiles + 1} files, more than the ${BUILD_LIMITS.contextFiles} allowed`,
      log: [],
    });
  });

  it('gives the same image the same digest, and another Dockerfile another', () => {
    const a = built('FROM debian:12\nUSER 1\n');
    expect(built('FROM debian:12\nUSER 1\n').digest).toBe(a.digest);
    expect(built('FROM debian:12\nUSER 2\n').digest).not.toBe(a.digest);
  });
});
