/**
 * Secret values kept out of transcripts. A password the remote echoes back can arrive in any
 * number of chunks, so the stream redactor holds back the tail of what it has seen while that
 * tail could still be the start of a secret, and gives out the rest at once.
 *
 * The rule, for the stream and for `redactAll` alike: scan left to right; at each position the
 * longest secret that starts there is replaced and the scan goes on after it. The stream gives
 * exactly the text `redactAll` gives for the whole input, however it was cut into chunks.
 */

/** Shorter values cannot be told from ordinary text: redacting them would garble the output. */
const MIN_SECRET_LENGTH = 3;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One alternation, longest first: at a given position the regex then takes the longest match. */
function compile(secrets: Iterable<string>): RegExp | null {
  const sorted = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return sorted.length === 0 ? null : new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

export function redactAll(
  text: string,
  secrets: Iterable<string>,
  replacement = '[secret]',
): string {
  const pattern = compile(secrets);
  // A function replacement: a string one would expand `$&` and friends.
  return pattern ? text.replace(pattern, () => replacement) : text;
}

export class StreamRedactor {
  // Values live only here, in memory: nothing about them is written anywhere.
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;
  private longest = 0;
  private held = '';

  constructor(private readonly replacement = '[secret]') {}

  addSecret(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.pattern = compile(this.secrets);
    this.longest = Math.max(this.longest, value.length);
  }

  /** Redacts a whole text at once with the secrets known so far; the stream is not touched. */
  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, () => this.replacement) : text;
  }

  /** The text that is safe to emit now; what could still start a secret is held back. */
  push(chunk: string): string {
    const pattern = this.pattern;
    if (!pattern) {
      // Secrets can arrive while text is held back: that text must still come out in order.
      const out = this.held + chunk;
      this.held = '';
      return out;
    }
    const text = this.held + chunk;
    // From here on there is not enough text left to know every secret that may start there.
    const undecided = Math.max(0, text.length - this.longest + 1);
    let out = '';
    let last = 0;
    pattern.lastIndex = 0;
    for (;;) {
      const m = pattern.exec(text);
      // A match starting in the undecided part may yet lose to a longer secret.
      if (!m || m.index >= undecided) break;
      out += text.slice(last, m.index) + this.replacement;
      last = m.index + m[0].length;
      pattern.lastIndex = last;
    }
    const cut = this.firstCandidate(text, Math.max(last, undecided));
    out += text.slice(last, cut);
    this.held = text.slice(cut);
    return out;
  }

  /** The held-back rest, redacted: call it when the stream ends. */
  flush(): string {
    const out = this.redact(this.held);
    this.held = '';
    return out;
  }

  /** The first position from `from` where a secret starts or could start with more text. */
  private firstCandidate(text: string, from: number): number {
    for (let i = from; i < text.length; i++) {
      const rest = text.slice(i);
      for (const s of this.secrets) {
        if (rest.length >= s.length ? rest.startsWith(s) : s.startsWith(rest)) return i;
      }
    }
    return text.length;
  }
}
