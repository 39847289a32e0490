import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Inline `<script>` elements (no `src`): Astro's island loader is one. */
const INLINE_SCRIPT = /<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi;

/**
 * The Content-Security-Policy of the whole lab. Scripts come from the lab itself, plus
 * the inline scripts of the built pages by their hashes (so an injected one does not run);
 * nothing may frame the lab, since a framed terminal is a clickjacked shell.
 */
export function contentSecurityPolicy(siteDir?: string): string {
  const hashes = siteDir ? inlineScriptHashes(siteDir) : [];
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` '${h}'`).join('')}`,
    // xterm.js and Monaco position their layers with style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on every response of the lab, API and pages alike. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** `sha256-...` of every inline script in the site's HTML files, each once. */
function inlineScriptHashes(dir: string): string[] {
  const found = new Set<string>();
  const walk = (at: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.html')) {
        for (const m of readFileSync(path, 'utf8').matchAll(INLINE_SCRIPT)) {
          if (m[1]) found.add(`sha256-${createHash('sha256').update(m[1]).digest('base64')}`);
        }
      }
    }
  };
  walk(dir);
  return [...found].sort();
}
