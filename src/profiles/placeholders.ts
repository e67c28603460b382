// ${name} placeholders. `$${name}` stands for a literal `${name}`.
const PLACEHOLDER = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The parameter names a string refers to (escaped ones excluded). */
export function placeholdersIn(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!m[0].startsWith('$$')) names.push(m[1] as string);
  }
  return names;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Fills placeholders: in text as the value is, in a regex as a literal (escaped), so a value
 * like `10.0.0.1` or `a+b` matches itself and nothing else. Names not in `values` stay as they are.
 */
export function fill(text: string, values: Record<string, string>, kind: 'text' | 'regex'): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (whole.startsWith('$$'))
      return kind === 'regex' ? escapeRegex(whole.slice(1)) : whole.slice(1);
    const value = values[name];
    if (value === undefined) return whole;
    return kind === 'regex' ? escapeRegex(value) : value;
  });
}

// C0 controls (newline, CR, ESC, NUL, tab...), DEL and C1 controls: typed into a terminal they
// are keystrokes (Enter, Ctrl-C, escape sequences), not text, so no parameter value may hold one.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'newline',
  0x0d: 'carriage return',
  0x1b: 'ESC',
  0x7f: 'DEL',
};

/** The first control character of a value, named (`U+000A (newline)`), or null. */
export function controlCharacterIn(value: string): string | null {
  const m = CONTROL.exec(value);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CONTROL_NAMES[code];
  return name ? `${hex} (${name})` : hex;
}

// Words every supported shell (bash, dash, ash, mksh, zsh, fish) reads as themselves: typed
// bare, so ordinary values (pod names, IPs, paths) look in the transcript as a person types them.
// The first character excludes `-`, `=` (zsh's =cmd) and `~`, `%`, which some shells expand there.
const BARE = /^[A-Za-z0-9_./][A-Za-z0-9_./:,+@=-]*$/;

/**
 * A value as one shell word that every supported shell reads back byte for byte: bare when it
 * holds only plain characters, else in single quotes. `'` and `\` go outside the quotes,
 * backslash-escaped (`'\''`, `'\\'`): fish reads `\\` and `\'` inside single quotes as escapes,
 * POSIX shells do not, and outside quotes both read them the same.
 */
export function shellWord(value: string): string {
  if (BARE.test(value)) return value;
  return `'${value.replace(/[\\']/g, (c) => `'\\${c}'`)}'`;
}

/**
 * Fills a text typed into a POSIX shell: each value as one shell word (shellWord), except the
 * parameters `raw` names, which go in as they are.
 */
export function fillShell(
  text: string,
  values: Record<string, string>,
  raw: (name: string) => boolean,
): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const value = values[name];
    if (value === undefined) return whole;
    return raw(name) ? value : shellWord(value);
  });
}

/** A placeholder that stands where shell quoting of its value would be wrong. */
export interface QuotedPlaceholder {
  name: string;
  /** What it stands in: `single quotes`, `double quotes`, `backquotes`, `a backslash`. */
  inside: string;
}

/**
 * The placeholders of a text typed into a shell that stand inside quotes, backquotes or right
 * after a backslash. A quoted value there would keep its quotes (`"'x'"`), and in backquotes a
 * value's own backquote would end the substitution: such placeholders are refused unless raw.
 * A rough POSIX lexer: enough to see where quotes open and close in one typed line.
 */
export function quotedPlaceholders(text: string): QuotedPlaceholder[] {
  const found: QuotedPlaceholder[] = [];
  const starts = new Map<number, RegExpMatchArray>();
  for (const m of text.matchAll(PLACEHOLDER)) starts.set(m.index, m);
  let state: 'plain' | 'single quotes' | 'double quotes' | 'backquotes' = 'plain';
  for (let i = 0; i < text.length; i++) {
    const m = starts.get(i);
    if (m) {
      if (!m[0].startsWith('$$') && state !== 'plain')
        found.push({ name: m[1] as string, inside: state });
      i += m[0].length - 1;
      continue;
    }
    const ch = text[i];
    if (ch === '\\' && state !== 'single quotes') {
      const next = starts.get(i + 1);
      if (next && !next[0].startsWith('$$')) {
        found.push({ name: next[1] as string, inside: 'a backslash' });
        i += next[0].length;
      } else i++;
      continue;
    }
    if (state === 'plain') {
      if (ch === "'") state = 'single quotes';
      else if (ch === '"') state = 'double quotes';
      else if (ch === '`') state = 'backquotes';
    } else if (
      (state === 'single quotes' && ch === "'") ||
      (state === 'double quotes' && ch === '"') ||
      (state === 'backquotes' && ch === '`')
    )
      state = 'plain';
  }
  return found;
}
