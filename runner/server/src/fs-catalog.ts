import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioSummary } from '@paranoid/api/scenarios.ts';
import type { ScenarioFile } from '@paranoid/api/sessions.ts';
import { type Scenario, ScenarioSchema } from '@paranoid/schema/scenario.ts';
import { parse } from 'yaml';
import type { ScenarioCatalog, ScenarioDetail } from './ports.ts';

/**
 * The catalog straight from `scenarios/<id>/`, validated by the scenario schema.
 * A folder that does not validate is left out with a warning (`paranoid lint`
 * says why in full); it never takes the catalog down.
 */
export class FsCatalog implements ScenarioCatalog {
  private cache: Map<string, ScenarioDetail> | null = null;
  private readonly parsed = new Map<string, Scenario>();

  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
  ) {}

  async list(): Promise<ScenarioSummary[]> {
    return [...this.load().values()].map(summary);
  }

  async get(id: string): Promise<ScenarioDetail | undefined> {
    return this.load().get(id);
  }

  /** The scenario exactly as the schema parsed it, for the grader. */
  scenario(id: string): Scenario | undefined {
    this.load();
    return this.parsed.get(id);
  }

  private load(): Map<string, ScenarioDetail> {
    if (this.cache) return this.cache;
    const found = new Map<string, ScenarioDetail>();
    const entries = existsSync(this.dir) ? readdirSync(this.dir, { withFileTypes: true }) : [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const folder = join(this.dir, entry.name);
      const file = join(folder, 'scenario.yaml');
      if (!existsSync(file)) continue;
      try {
        const result = ScenarioSchema.safeParse(parse(readFileSync(file, 'utf8')));
        if (!result.success) {
          this.warn(`scenario ${entry.name} is left out: ${result.error.issues[0]?.message ?? 'invalid'}`);
          continue;
        }
        const s = result.data;
        this.parsed.set(s.id, s);
        found.set(s.id, {
          id: s.id,
          title: s.title,
          summary: s.summary,
          incident: s.incident,
          difficulty: s.difficulty,
          minutes: s.minutes,
          cks: [...s.cks],
          tags: s.tags,
          ...(s.runsInNamespace ? { runsInNamespace: { ...s.runsInNamespace } } : {}),
          ...(s.notOnKind ? { notOnKind: s.notOnKind } : {}),
          steps: s.steps.map((step) => ({
            id: step.id,
            title: step.title,
            kind: step.kind,
            markdown: readText(join(folder, step.file)),
            checks: step.checks,
            hints: step.hints,
          })),
          checks: s.checks.map((check) => ({
            id: check.id,
            title: check.title,
            level: check.level,
            hints: check.hints,
          })),
          manifests: yamlFiles(folder, 'setup'),
          solution: yamlFiles(folder, 'solution'),
        });
      } catch (error) {
        this.warn(`scenario ${entry.name} is left out: ${(error as Error).message}`);
      }
    }
    // Scenarios are data that changes only with a new checkout; read them once.
    this.cache = found;
    return found;
  }
}

function summary(d: ScenarioDetail): ScenarioSummary {
  return {
    id: d.id,
    title: d.title,
    summary: d.summary,
    incident: d.incident,
    difficulty: d.difficulty,
    minutes: d.minutes,
    cks: d.cks,
    tags: d.tags,
    ...(d.runsInNamespace ? { runsInNamespace: d.runsInNamespace } : {}),
    ...(d.notOnKind ? { notOnKind: d.notOnKind } : {}),
  };
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function yamlFiles(folder: string, sub: string): ScenarioFile[] {
  const dir = join(folder, sub);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ path: `${sub}/${name}`, content: readFileSync(join(dir, name), 'utf8') }));
}
