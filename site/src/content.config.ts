import { defineCollection, z } from 'astro:content';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Track, TrackSchema } from '@paranoid/api/track.ts';
import { glob, type Loader } from 'astro/loaders';
import { parse } from 'yaml';
import { renderStep } from './lib/markdown.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Lessons: one Markdown file per concept in `content/lessons/`, linked from the
 * scenario steps. Every field is documented here, where it is defined.
 */
const lessons = defineCollection({
  loader: glob({ pattern: '*.md', base: join(ROOT, 'content/lessons') }),
  schema: z.object({
    /** The concept, as a heading: "Pod Security Standards". */
    title: z.string().min(1),
    /** One sentence for the lesson list and the page's description. */
    summary: z.string().min(1),
    /** Position in the lesson list, smallest first. */
    order: z.number().int().default(100),
    /** The CKS domain the concept belongs to. */
    cks: z.string().optional(),
    /**
     * Scenario tags this lesson explains; a scenario with any of them links here.
     * A single string is shorthand for a list of one.
     */
    tags: z
      .union([z.string(), z.array(z.string())])
      .transform((t) => (typeof t === 'string' ? [t] : t))
      .default([]),
  }),
});

/** The fields of `scenarios/<id>/scenario.yaml` the site shows; the runner's schema is the full contract. */
const stepSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['explore', 'attack', 'fix', 'verify']),
  file: z.string(),
  checks: z.array(z.string()).default([]),
  hints: z
    .union([z.string(), z.array(z.string())])
    .transform((h) => (typeof h === 'string' ? [h] : h))
    .default([]),
  /** Filled by the loader: the step's Markdown, rendered. */
  html: z.string().default(''),
});

const scenarioSchema = z.object({
  title: z.string(),
  summary: z.string(),
  difficulty: z.enum(['beginner', 'intermediate', 'advanced']),
  minutes: z.number(),
  tags: z.array(z.string()).default([]),
  cks: z.array(z.string()).min(1),
  incident: z.object({
    title: z.string(),
    summary: z.string(),
    year: z.number().optional(),
    sources: z.array(z.object({ title: z.string(), url: z.string() })).default([]),
  }),
  steps: z.array(stepSchema),
  checks: z.array(
    z
      .object({
        id: z.string(),
        title: z.string(),
        level: z.enum(['MUST', 'SHOULD']).default('MUST'),
      })
      .passthrough(),
  ),
});

/**
 * Reads every `scenarios/<id>/scenario.yaml` with its step Markdown. A folder the
 * schema rejects is reported with the scenario's name and left out of the site.
 */
function scenarioLoader(): Loader {
  return {
    name: 'paranoid-scenarios',
    async load({ store, parseData, logger, watcher }) {
      const dir = join(ROOT, 'scenarios');
      store.clear();
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = join(dir, entry.name, 'scenario.yaml');
        if (!entry.isDirectory() || !existsSync(file)) continue;
        watcher?.add(join(dir, entry.name));
        try {
          const raw = parse(readFileSync(file, 'utf8')) as { id?: string; steps?: { file?: string }[] };
          const id = raw.id ?? entry.name;
          for (const step of raw.steps ?? []) {
            const path = join(dir, entry.name, step.file ?? '');
            (step as { html?: string }).html = existsSync(path) ? renderStep(readFileSync(path, 'utf8')) : '';
          }
          const data = await parseData({ id, data: raw as Record<string, unknown> });
          store.set({ id, data });
        } catch (error) {
          logger.warn(`scenario ${entry.name} is left out of the site: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    },
  };
}

const scenarios = defineCollection({ loader: scenarioLoader(), schema: scenarioSchema });

/**
 * Tracks: `content/tracks/<id>.yaml`, an ordered path of scenarios, read with the format's one
 * definition (`@paranoid/api/track.ts`), which the runner and `paranoid lint` use too, so the
 * site cannot show a track the runner refuses or drop one it serves. It is zod 4 and Astro's own
 * `z` is zod 3, so the loader validates and the collection's schema only carries the type. As in
 * the runner, the id must equal the file name; the checks that need the scenarios
 * (`@paranoid/schema/track.ts`) are `paranoid lint`'s. This runs at build time only: no zod
 * reaches the browser.
 */
const tracks = defineCollection({
  loader: {
    name: 'paranoid-tracks',
    async load({ store, logger, watcher }) {
      const dir = join(ROOT, 'content/tracks');
      store.clear();
      if (!existsSync(dir)) return;
      watcher?.add(dir);
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
        const leftOut = (why: string) => logger.warn(`track ${name} is left out of the site: ${why}`);
        try {
          const parsed = TrackSchema.safeParse(parse(readFileSync(join(dir, name), 'utf8')));
          if (!parsed.success) {
            leftOut(parsed.error.issues.map((i) => `${i.path.join('.') || '(the file)'}: ${i.message}`).join('; '));
            continue;
          }
          const id = name.replace(/\.yaml$/, '');
          if (parsed.data.id !== id) {
            leftOut(`its id ${JSON.stringify(parsed.data.id)} is not the file name ${JSON.stringify(id)}`);
            continue;
          }
          store.set({ id, data: parsed.data });
        } catch (error) {
          leftOut((error as Error).message.split('\n')[0] ?? '');
        }
      }
    },
  },
  schema: z.custom<Track>(),
});

export const collections = { lessons, scenarios, tracks };
