import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@astrojs/react';
import { defineConfig } from 'astro/config';

// monaco-editor 0.5x maps `monaco-editor/*.js` to `esm/vs/*.js`, so the older
// `monaco-editor/esm/vs/...` paths that monaco-yaml's worker manager imports no
// longer resolve; point them at the files directly.
const monacoEsm = realpathSync(fileURLToPath(new URL('./node_modules/monaco-editor/esm/vs', import.meta.url)));

/**
 * The islands' lazy chunks list a stylesheet of their own to preload, which Astro does
 * not emit: their CSS is already on the page (see `ssr.noExternal`). Drop those entries,
 * or the lazy import fails with "Unable to preload CSS".
 */
const dropLazyCssPreloads = {
  name: 'paranoid:drop-lazy-css-preloads',
  enforce: 'post',
  // After Vite has written its preload lists, which it fills in late.
  writeBundle(options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk' || !options.dir) continue;
      const file = join(options.dir, chunk.fileName);
      const code = readFileSync(file, 'utf8');
      if (!code.includes('__vite__mapDeps')) continue;
      const fixed = code.replace(/m\.f=\[([^\]]*)\]/g, (_all, list) => {
        const kept = list.split(',').filter((entry) => !/\.css"$/.test(entry.trim()));
        return `m.f=[${kept.join(',')}]`;
      });
      if (fixed !== code) writeFileSync(file, fixed);
    }
  },
};

// A static build: the runner serves site/dist and its own API on one port.
export default defineConfig({
  output: 'static',
  integrations: [react()],
  telemetry: false,
  // Code in lessons: github-dark's comments (#6a737d on #24292e, 3:1) fail WCAG AA contrast;
  // the same palette's -default variant gives comments 6:1.
  markdown: { shikiConfig: { theme: 'github-dark-default' } },
  vite: {
    plugins: [dropLazyCssPreloads],
    resolve: {
      alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoEsm}/$1` }],
    },
    worker: { format: 'es' },
    // The islands load Monaco, xterm and React Flow lazily, and those import their own CSS.
    // Astro keeps only the CSS its server build sees, so the server build must bundle them
    // (it never runs them) for their CSS to reach the page.
    ssr: { noExternal: ['monaco-editor', 'monaco-yaml', '@xterm/xterm', '@xyflow/react'] },
    build: {
      // Monaco is large by nature and loaded only when the editor opens.
      chunkSizeWarningLimit: 4096,
    },
  },
});
