import { Marked, type Tokens } from 'marked';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/**
 * Step Markdown to HTML, at build time. Code blocks get a Copy button; a shell block
 * whose info string says `run` (```` ```sh run ````) also gets "Run in terminal".
 * The step's own `# Title` is dropped: the player shows the title from scenario.yaml.
 */
const marked = new Marked({
  gfm: true,
  renderer: {
    code(token: Tokens.Code) {
      const [lang = '', ...flags] = (token.lang ?? '').split(/\s+/);
      const runnable = SHELL.has(lang) && flags.some((f) => /^\{?run(nable)?\}?$/.test(f));
      const label = SHELL.has(lang) ? 'shell' : lang || 'text';
      // A long command scrolls inside its block; tabindex lets a keyboard scroll it too (WCAG 2.1.1).
      const actions = [
        '<button type="button" class="btn btn-small" data-copy>Copy</button>',
        runnable ? '<button type="button" class="btn btn-small btn-run" data-run>Run in terminal</button>' : '',
      ].join('');
      return `<figure class="code" data-lang="${escapeHtml(label)}"${runnable ? ' data-runnable' : ''}><figcaption><span>${escapeHtml(label)}</span><span class="code-actions">${actions}</span></figcaption><pre tabindex="0"><code>${escapeHtml(token.text)}</code></pre></figure>`;
    },
    link(token: Tokens.Link) {
      const external = /^https?:\/\//.test(token.href);
      const text = this.parser.parseInline(token.tokens);
      return external
        ? `<a href="${escapeHtml(token.href)}" rel="noopener noreferrer" target="_blank">${text}<span class="visually-hidden"> (opens in a new tab)</span></a>`
        : `<a href="${escapeHtml(token.href)}">${text}</a>`;
    },
  },
});

export function renderStep(markdown: string): string {
  const body = markdown.replace(/^\s*#\s+[^\n]*\n/, '');
  return marked.parse(body, { async: false }) as string;
}

export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false }) as string;
}
