// biome-ignore lint/correctness/noNodejsModules: a Node-side test that reads the package's sources.
import { readdirSync, readFileSync } from 'node:fs';
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that builds paths.
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Exports carry TSDoc (STYLE.md): this keeps the simulator's exported functions documented.
// Functions written before the rule are listed in ../undocumented-exports.txt until someone documents them.

const src = import.meta.dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' || e.name === 'testdata' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('generated') ? [path] : [];
  });
}

/** `<file> <name>` of every exported function (declared, or an arrow or function expression) without a doc comment. */
function undocumentedFunctions(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(src)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      const exported = ts.canHaveModifiers(statement)
        ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
        : false;
      if (!exported || ts.getJSDocCommentsAndTags(statement).length > 0) continue;
      let name: string | undefined;
      if (ts.isFunctionDeclaration(statement)) name = statement.name?.text;
      else if (ts.isVariableStatement(statement)) {
        const declaration = statement.declarationList.declarations[0];
        const init = declaration?.initializer;
        if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) name = declaration.name.getText();
      }
      if (name) found.push(`${relative(src, file)} ${name}`);
    }
  }
  return found.sort();
}

const listed = readFileSync(join(src, '..', 'undocumented-exports.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() && !line.startsWith('#'))
  .sort();

describe('the simulator’s exported functions', () => {
  const missing = undocumentedFunctions();

  it('each say in TSDoc what they are for', () => {
    expect(missing.filter((f) => !listed.includes(f))).toEqual([]);
  });

  it('leave the list of old undocumented ones only as long as it is true', () => {
    expect(listed.filter((f) => !missing.includes(f))).toEqual([]);
  });
});
