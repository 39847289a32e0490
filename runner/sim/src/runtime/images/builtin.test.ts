import { parseImage } from '@paranoid/schema/image.ts';
import { describe, expect, it } from 'vitest';
import { readGenerated, renderBuiltinImages } from '../../../scripts/generate-builtin-images.ts';
import { builtinImages } from './builtin.ts';

describe('built-in images as data', () => {
  it('are compiled from their YAML, and regenerating changes nothing', () => {
    expect(readGenerated()).toBe(renderBuiltinImages());
  });

  it('are each a valid image, with no behaviour written in TypeScript', () => {
    const kinds = new Set<string>();
    for (const def of builtinImages) {
      const image = parseImage(def, def.repository);
      for (const p of image.processes) for (const l of [p.listen, ...p.alsoListen]) if (l) kinds.add(l.kind);
    }
    expect([...kinds].sort()).toEqual(['http', 'kv', 'tcp']);
  });
});
