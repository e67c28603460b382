// The expect-style wait both lab clients use: text received so far, matched from where the
// previous match ended, event-driven (each chunk wakes the waiters), bounded by a timeout.

/** What a client keeps for its waits. */
export interface ExpectState {
  /** Everything received, ANSI-stripped. */
  text: string;
  /** Where the next match starts. */
  cursor: number;
  closed: boolean;
  waiters: Set<() => void>;
}

/** A literal string as a regex; a regex as it is. */
export function patternOf(pattern: RegExp | string): RegExp {
  return typeof pattern === 'string'
    ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    : pattern;
}

/**
 * Waits until `pattern` matches the text received since the last match, then moves past it.
 * Rejects after `timeoutMs`, or when the channel closes, with the error `failure` makes.
 */
export function expectIn(
  state: ExpectState,
  pattern: RegExp | string,
  timeoutMs: number,
  failure: (re: RegExp, why: string) => Error,
): Promise<RegExpExecArray> {
  const re = patternOf(pattern);
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(state.text.slice(state.cursor));
      if (m) {
        state.cursor += m.index + m[0].length;
        finish();
        resolve(m);
      } else if (state.closed) {
        finish();
        reject(failure(re, 'the channel closed'));
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(failure(re, `nothing matched within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      state.waiters.delete(check);
    };
    state.waiters.add(check);
    check();
  });
}
