// Secret values hidden in screens and results (a small module: the shell's framing and the MCP
// tools use it without loading the navigator).

/**
 * Replaces every secret value in text, so screens in errors never show one: compiled once for
 * a set of secrets. A value may wrap across screen rows.
 */
export function redacter(secrets: string[]): (text: string) => string {
  // Shorter values cannot be told from ordinary text.
  const patterns = secrets
    .filter((s) => s.length >= 3)
    .map(
      (s) =>
        new RegExp([...s].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\n?'), 'g'),
    );
  return (text) => patterns.reduce((out, p) => out.replace(p, '******'), text);
}

export function redact(text: string, secrets: string[]): string {
  return redacter(secrets)(text);
}
