/** A shell glob (`*`, `?`, `[a-z]`, backslash escapes) as a regular expression source. */
export function globToRegExp(glob: string, greedy = true): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '*') re += greedy ? '.*' : '.*?';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return re;
}

/** Escapes text for use literally in a regular expression. */
export const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Whether a name matches a shell glob (`*`, `?`, `[...]`). */
export function globMatch(glob: string, name: string): boolean {
  return new RegExp(`^${globToRegExp(glob)}$`, 's').test(name);
}
