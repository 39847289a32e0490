import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { type Image, type ImageDefinition, imageSchema } from '@paranoid/schema/image.ts';
import { type Problem, problemsFromZod } from '@paranoid/schema/problem.ts';
import {
  type CloudChange,
  CloudChangeSchema,
  type Deletion,
  DeletionSchema,
  ManifestSchema,
  type Scenario,
  ScenarioSchema,
} from '@paranoid/schema/scenario.ts';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';

/** A set of changes to a cluster: deletions first, then the cloud's changes, then manifests applied in file order. */
export interface ChangeSet {
  /** `solution` or the variant folder name (`good-remove-dashboard`). */
  name: string;
  dir: string;
  deletions: Deletion[];
  /** `cloud.yaml`: changes to the nodes' cloud instances (empty for most scenarios). */
  cloud: CloudChange[];
  manifests: KubeObject[];
}

/** The files of a change set that are not Kubernetes manifests. */
export const NOT_MANIFESTS: readonly string[] = ['delete.yaml', 'cloud.yaml'];

/** A change set from `variants/<name>/`: `good-*` the grader must accept, `bad-*` it must reject. */
export interface Variant extends ChangeSet {
  /** `good-*` variants must pass the MUST checks, `bad-*` must fail at least one. */
  expect: 'pass' | 'fail';
}

/** A scenario folder, read and validated. */
export interface LoadedScenario {
  dir: string;
  scenario: Scenario;
  setup: KubeObject[];
  solution: ChangeSet;
  variants: Variant[];
  images: Image[];
  /** The same images as written (what the simulator's runtime takes and normalises itself). */
  imageDefinitions: ImageDefinition[];
  /** Markdown of each step, by step id. */
  steps: Record<string, string>;
}

/** A scenario folder read: the scenario when it is valid, and every problem found (all of them, not the first). */
export interface LoadResult {
  scenario?: LoadedScenario;
  problems: Problem[];
}

/** Reads YAML files; each problem names the file relative to `root`. */
class Reader {
  readonly problems: Problem[] = [];
  constructor(readonly root: string) {}

  rel(path: string): string {
    return relative(this.root, path) || path;
  }

  problem(path: string, field: string, expected: string, found: string): void {
    this.problems.push({ file: this.rel(path), field, expected, found });
  }

  /** Every YAML document in a file, or [] after recording why not. */
  documents(path: string): unknown[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      this.problem(path, '', 'a readable file', (error as Error).message);
      return [];
    }
    const docs = parseAllDocuments(text);
    const out: unknown[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length > 0) {
        for (const e of doc.errors) {
          const line = e.linePos?.[0]?.line;
          this.problem(path, line ? `line ${line}` : '', 'valid YAML', e.message.split('\n')[0] ?? e.code);
        }
        continue;
      }
      const value = doc.toJS();
      if (value !== null && value !== undefined) out.push(value);
    }
    return out;
  }

  parse<T extends z.ZodType>(path: string, schema: T, value: unknown, prefix = ''): z.output<T> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const p of problemsFromZod(this.rel(path), value, result.error)) {
      this.problems.push(prefix === '' ? p : { ...p, field: p.field === '' ? prefix : `${prefix}.${p.field}` });
    }
    return undefined;
  }

  yamlFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => join(dir, f));
  }

  /** Kubernetes manifests of every YAML file in a folder (except delete.yaml and cloud.yaml), in file order. */
  manifests(dir: string): KubeObject[] {
    const objects: KubeObject[] = [];
    for (const file of this.yamlFiles(dir)) {
      if (NOT_MANIFESTS.includes(basename(file))) continue;
      this.documents(file).forEach((doc, i) => {
        const docs = isList(doc) ? (doc as { items: unknown[] }).items : [doc];
        for (const item of docs) {
          const parsed = this.parse(file, ManifestSchema, item, `document ${i + 1}`);
          if (parsed) objects.push(parsed as unknown as KubeObject);
        }
      });
    }
    return objects;
  }

  changeSet(dir: string, name: string): ChangeSet {
    const deletions: Deletion[] = [];
    const deleteFile = join(dir, 'delete.yaml');
    if (existsSync(deleteFile)) {
      for (const doc of this.documents(deleteFile)) {
        const list = Array.isArray(doc) ? doc : [doc];
        list.forEach((entry, i) => {
          const parsed = this.parse(deleteFile, DeletionSchema, entry, `[${i}]`);
          if (parsed) deletions.push(parsed);
        });
      }
    }
    const cloud: CloudChange[] = [];
    const cloudFile = join(dir, 'cloud.yaml');
    if (existsSync(cloudFile)) {
      for (const doc of this.documents(cloudFile)) {
        const list = Array.isArray(doc) ? doc : [doc];
        list.forEach((entry, i) => {
          const parsed = this.parse(cloudFile, CloudChangeSchema, entry, `[${i}]`);
          if (parsed) cloud.push(parsed);
        });
      }
    }
    return { name, dir, deletions, cloud, manifests: this.manifests(dir) };
  }
}

const isList = (doc: unknown) =>
  typeof doc === 'object' &&
  doc !== null &&
  (doc as { kind?: unknown }).kind === 'List' &&
  Array.isArray((doc as { items?: unknown }).items);

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/**
 * Reads one scenario folder and validates it against the schema. Collects every
 * problem rather than stopping at the first, so an author fixes them in one go;
 * cross-references are checked by {@link lintScenario}.
 */
export function loadScenario(dir: string, root = join(dir, '..')): LoadResult {
  const reader = new Reader(root);
  const scenarioFile = join(dir, 'scenario.yaml');
  if (!existsSync(scenarioFile)) {
    reader.problem(scenarioFile, '', 'a scenario.yaml in every scenario folder', 'no such file');
    return { problems: reader.problems };
  }
  const [doc] = reader.documents(scenarioFile);
  const scenario = reader.parse(scenarioFile, ScenarioSchema, doc);

  const setup = reader.manifests(join(dir, 'setup'));
  const solution = reader.changeSet(join(dir, 'solution'), 'solution');
  const variantsDir = join(dir, 'variants');
  const variants: Variant[] = [];
  if (isDir(variantsDir)) {
    for (const name of readdirSync(variantsDir).sort()) {
      const path = join(variantsDir, name);
      if (!isDir(path)) continue;
      const match = /^(good|bad)-[a-z0-9-]+$/.exec(name);
      if (!match) {
        reader.problem(path, '', 'a variant folder named good-<name> or bad-<name>', JSON.stringify(name));
        continue;
      }
      variants.push({ ...reader.changeSet(path, name), expect: match[1] === 'good' ? 'pass' : 'fail' });
    }
  }

  const images: Image[] = [];
  const imageDefinitions: ImageDefinition[] = [];
  const imagesDir = join(dir, 'images');
  if (isDir(imagesDir)) {
    for (const file of readdirSync(imagesDir).sort()) {
      if (!file.endsWith('.image.yaml')) continue;
      const path = join(imagesDir, file);
      const [imageDoc] = reader.documents(path);
      const image = reader.parse(path, imageSchema, imageDoc);
      if (image) {
        images.push(image);
        imageDefinitions.push(imageDoc as ImageDefinition);
      }
      const dockerfile = join(imagesDir, file.replace(/\.image\.yaml$/, ''), 'Dockerfile');
      if (image?.notOnKind) {
        // An image that cannot be built offline keeps its whole scenario off kind, and says so there too.
        if (scenario && !scenario.notOnKind) {
          reader.problem(
            path,
            'notOnKind',
            'a scenario with notOnKind, as this image cannot be built for kind',
            'none',
          );
        }
      } else if (!existsSync(dockerfile) && scenario?.notOnKind === undefined) {
        // A scenario that does not run on kind says why (`notOnKind`), and needs no image for kind.
        reader.problem(dockerfile, '', 'a Dockerfile that builds the same image for kind', 'no such file');
      }
    }
  }

  const steps: Record<string, string> = {};
  for (const step of scenario?.steps ?? []) {
    const path = join(dir, step.file);
    if (existsSync(path)) steps[step.id] = readFileSync(path, 'utf8');
  }

  if (!scenario) return { problems: reader.problems };
  return {
    scenario: { dir, scenario, setup, solution, variants, images, imageDefinitions, steps },
    problems: reader.problems,
  };
}

/** Every folder under `root` that holds a scenario (any folder except those starting with `.` or `_`). */
export function scenarioDirs(root: string): string[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith('.') && !name.startsWith('_'))
    .map((name) => join(root, name))
    .filter(isDir)
    .sort();
}
