/**
 * Monaco with only what the lab needs: the editor's features, YAML, and monaco-yaml
 * with the Kubernetes JSON schema (site/public/schemas/kubernetes.json) for
 * completion, hovers and validation. Imported only when the Editor tab opens.
 */
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/features/register.all.js';
import 'monaco-editor/languages/definitions/yaml/register.js';
// @ts-expect-error: Monaco's internal worker helper has no type declarations.
import { createWebWorker as createLanguageWorker } from 'monaco-editor/internal/common/workers.js';
import { configureMonacoYaml } from 'monaco-yaml';
import EditorWorker from './editor.worker.ts?worker';
import YamlWorker from './yaml.worker.ts?worker';

(globalThis as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'yaml' ? new YamlWorker() : new EditorWorker()),
};

/**
 * monaco-yaml (through monaco-worker-manager) still calls `editor.createWebWorker` with a
 * label and create data, the pre-0.55 signature; monaco-editor 0.5x wants a ready worker.
 * Monaco's own language workers use this internal helper, which bridges the two.
 */
const monacoForYaml = {
  ...monaco,
  editor: {
    ...monaco.editor,
    createWebWorker: (options: { label?: string; moduleId?: string; createData?: unknown }) =>
      (createLanguageWorker as (o: typeof options) => unknown)(options),
  },
} as unknown as typeof monaco;

configureMonacoYaml(monacoForYaml, {
  enableSchemaRequest: true,
  validate: true,
  completion: true,
  hover: true,
  format: {},
  schemas: [
    {
      fileMatch: ['**/*.yaml'],
      uri: new URL('/schemas/kubernetes.json', location.href).href,
    },
  ],
});

monaco.editor.defineTheme('paranoid', {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'type', foreground: '7cb7ff' },
    { token: 'string', foreground: 'a5e3b4' },
    { token: 'number', foreground: 'fbbf24' },
    { token: 'keyword', foreground: 'ff8787' },
  ],
  colors: {
    'editor.background': '#070a0e',
    'editor.lineHighlightBackground': '#131a22',
    'editorLineNumber.foreground': '#5d6b7c',
    'editorLineNumber.activeForeground': '#a3b1c2',
  },
});

export { monaco };
