/**
 * Secret values kept out of transcripts. A password the remote echoes back can arrive in any
 * number of chunks, so the stream redactor holds back the tail of what it has seen while that
 * tail could still be the start of a masked word, and gives out the rest at once.
 *
 * What is masked is a secret's shape, never its value (util/redact.ts says why: masking only
 * the value would tell an agent which of its guesses is the secret). The rule, for the stream
 * and for `redactAll` alike: scan left to right; at each position that starts a word, the
 * longest shape a word there has is replaced and the scan goes on after it. The stream gives
 * exactly the text `redactAll` gives for the whole input, however it was cut into chunks.
 */
import { MIN_SECRET_LENGTH, scan, shapesOf, type Shape } from '../util/redact.js';

export { MIN_SECRET_LENGTH } from '../util/redact.js';

export function redactAll(
  text: string,
  secrets: Iterable<string>,
  replacement = '[secret]',
): string {
  return scan(text, shapesOf(secrets), replacement, { final: true }).out;
}

export class StreamRedactor {
  // Values live only here, in memory: nothing about them is written anywhere.
  private readonly secrets = new Set<string>();
  private shapes: Shape[] = [];
  private held = '';
  /** The character before the held text (a word glued to it is not a word of its own). */
  private before: string | undefined;

  constructor(private readonly replacement = '[secret]') {}

  /** Values shorter than MIN_SECRET_LENGTH are not masked (see util/redact.ts); false then. */
  addSecret(value: string): boolean {
    if (value.length < MIN_SECRET_LENGTH) return false;
    if (this.secrets.has(value)) return true;
    this.secrets.add(value);
    this.shapes = shapesOf(this.secrets);
    return true;
  }

  /** Redacts a whole text at once with the secrets known so far; the stream is not touched. */
  redact(text: string): string {
    return scan(text, this.shapes, this.replacement, { final: true }).out;
  }

  /** The text that is safe to emit now; what could still start a masked word is held back. */
  push(chunk: string): string {
    const text = this.held + chunk;
    const { out, stop } = scan(text, this.shapes, this.replacement, {
      final: false,
      ...(this.before === undefined ? {} : { before: this.before }),
    });
    if (stop > 0) this.before = text[stop - 1];
    this.held = text.slice(stop);
    return out;
  }

  /** The held-back rest, redacted: call it when the stream ends. */
  flush(): string {
    const { out } = scan(this.held, this.shapes, this.replacement, {
      final: true,
      ...(this.before === undefined ? {} : { before: this.before }),
    });
    if (this.held) this.before = this.held[this.held.length - 1];
    this.held = '';
    return out;
  }
}
