import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { scenarioImageBuilds, scenarioUpstreamImages } from './scenario-images.ts';

const root = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
const scenarios = readdirSync(root).filter((id) => existsSync(join(root, id, 'scenario.yaml')));

interface Container {
  image?: string;
  imagePullPolicy?: string;
}

/** Every container of every object in the YAML files under `dir`, with the file it is in. */
function containersUnder(dir: string): Array<{ file: string; container: Container }> {
  if (!existsSync(dir)) return [];
  const found: Array<{ file: string; container: Container }> = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const f of readdirSync(path)) walk(join(path, f));
      return;
    }
    if (!path.endsWith('.yaml')) return;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) for (const n of node) visit(n);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (['containers', 'initContainers', 'ephemeralContainers'].includes(key) && Array.isArray(value))
            for (const c of value as Container[])
              if (c?.image) found.push({ file: path.slice(root.length + 1), container: c });
          visit(value);
        }
      }
    };
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) visit(doc.toJS());
  };
  walk(dir);
  return found;
}

/** `repo:tag@digest` → parts; a missing registry is Docker Hub's, as the kubelet reads it. */
function parts(image: string): { repository: string; tag?: string; digest?: string } {
  const [name = '', digest] = image.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const repository = colon > slash ? name.slice(0, colon) : name;
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const first = repository.split('/')[0] ?? '';
  const qualified =
    first.includes('.') || first.includes(':') || first === 'localhost'
      ? repository
      : `docker.io/${repository.includes('/') ? repository : `library/${repository}`}`;
  return { repository: qualified, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

describe.each(scenarios)('the images %s runs on kind', (id) => {
  const dir = join(root, id);
  const built = scenarioImageBuilds(dir);
  const upstream = scenarioUpstreamImages(dir);

  it('are all built from its images/ folder or declared upstream and pinned, so nothing else is pulled', () => {
    const known = new Set([...built.flatMap((b) => b.refs), ...upstream.map((u) => u.ref)]);
    const unknown = containersUnder(join(dir, 'setup'))
      .map(({ file, container }) => {
        const p = parts(container.image!);
        return { file, image: container.image, ref: `${p.repository}:${p.tag ?? 'latest'}` };
      })
      .filter((c) => !known.has(c.ref));
    // A scenario that does not run on kind yet must say so, and may then name an image not pinned for kind yet.
    const scenario = parseAllDocuments(readFileSync(join(dir, 'scenario.yaml'), 'utf8'))[0]?.toJS() as
      | { notOnKind?: string }
      | undefined;
    const notOnKind = scenario?.notOnKind;
    if (notOnKind) expect(notOnKind.length).toBeGreaterThan(20);
    else expect(unknown).toEqual([]);
  });

  it('never float on :latest or no tag with a pull policy that goes to a registry', () => {
    const floating = ['setup', 'solution', 'variants']
      .flatMap((folder) => containersUnder(join(dir, folder)))
      .filter(({ container }) => {
        const p = parts(container.image!);
        const latest = !p.digest && (p.tag === undefined || p.tag === 'latest');
        return latest && !['IfNotPresent', 'Never'].includes(container.imagePullPolicy ?? '');
      });
    expect(floating).toEqual([]);
  });

  it('pin only digests that its images really have', () => {
    const digests = new Set(built.map((b) => b.digest));
    const scenarioRepos = new Set(built.map((b) => b.repository));
    const stale = ['setup', 'solution', 'variants']
      .flatMap((folder) => containersUnder(join(dir, folder)))
      .filter(({ container }) => {
        const p = parts(container.image!);
        return p.digest !== undefined && scenarioRepos.has(p.repository) && !digests.has(p.digest);
      });
    expect(stale).toEqual([]);
  });
});

describe('upstream image declarations', () => {
  it('report every problem at once, for the author', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-upstream-'));
    try {
      mkdirSync(join(dir, 'images'));
      writeFileSync(
        join(dir, 'images/upstream.yaml'),
        '- ref: docker.io/kubernetesui/dashboard:latest\n  digest: sha256:00\n- ref: nginx:1.27\n  digest: sha1:abc\n',
      );
      expect(() => scenarioUpstreamImages(dir)).toThrow(
        /\[0\]\.ref: expected repository:tag \(not latest\).*\n- \[1\]\.digest: expected sha256:/s,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images without a Dockerfile', () => {
  it('are refused, unless the scenario says why it does not run on kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-sim-only-'));
    try {
      mkdirSync(join(dir, 'images'));
      writeFileSync(
        join(dir, 'images/app.image.yaml'),
        `repository: paranoid.test/app\ndigest: sha256:${'0'.repeat(64)}\n`,
      );
      writeFileSync(join(dir, 'scenario.yaml'), 'id: demo\n');
      expect(() => scenarioImageBuilds(dir)).toThrow('app.image.yaml: no Dockerfile at images/app/Dockerfile');
      writeFileSync(join(dir, 'scenario.yaml'), 'id: demo\nnotOnKind: the pipeline needs a registry in the cluster\n');
      expect(scenarioImageBuilds(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
