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
