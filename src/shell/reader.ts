// Reading a running command's stream: where its output starts and ends (the marks), what it
// prints, the prompts that end it without a frame or after an interrupt, the profile's handlers
// answering on the way, and a hop that ended under it. The executor starts and finishes runs;
// this decides, chunk by chunk, what the text means.
import { earliestMatch, matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Handler } from '../profiles/types.js';
import type { SecretContext } from '../profiles/secrets.js';
import type { Mark } from '../terminal/marks.js';
import { MAX_LINE, endOf, helperLine, helpersMissing, type Frame } from './framing.js';
import { answerHandlers } from './handlers.js';
import type { HopGuard } from './hop-guard.js';
import type { Running } from './running.js';
import { looksLikeInputPrompt } from './types.js';

export interface ReaderDeps {
  /** Ends a run with its exit code (null: unknown). */
  finish: (run: Running, exitCode: number | null) => void;
  /** Interrupts the running command (a `fail:` handler matched). */
  stop: () => void;
  /** What answered the shell probe (bash, ksh, ...), once known. */
  shellName: () => string | null;
  secrets?: SecretContext;
}

export class RunReader {
  constructor(
    private readonly session: NavSession,
    private readonly guard: HopGuard,
    private readonly deps: ReaderDeps,
  ) {}

  /** The command's own marks: where its output starts, and its end with exit code and cwd. */
  onMark(run: Running, mark: Mark): void {
    if (!run.frame || mark.nonce !== run.frame.nonce) return;
    if (mark.kind === 'S' && run.phase === 'start') {
      // What came before was the echo of the typed line: it holds the command and whatever
      // the command mentions, so handlers and prompts never read it.
      run.phase = 'body';
      run.pending = '';
      run.tail = '';
    } else if (mark.kind === 'E' && run.phase === 'body') {
      const { code, cwd } = endOf(mark.rest);
      run.output.push(run.pending);
      run.pending = '';
      run.exitCode = code;
      run.cwd = cwd;
      this.deps.finish(run, code);
    }
  }

  onText(run: Running, text: string, handlers: Handler[]): void {
    run.lastOutput = performance.now();
    const pending = run.pending + text;
    // The last lines, for a first look at a prompt (prompts may span lines).
    run.tail = (run.tail + text).slice(-1024);
    const tail = run.tail;
    if (run.phase === 'start') {
      run.pending = pending.slice(-64 * 1024);
      if (run.interrupted || !run.frame) {
        // Interrupted before it even started (a shell that refused the line), or a command
        // without a frame, which starts after its echoed line: the prompt ends it.
        const back = run.frame ? earliestMatch(pending, [run.prompt]) : null;
        if (back) {
          this.session.pty.unread(pending.slice(back.end));
          this.deps.finish(run, 130);
          return;
        }
        const nl = run.frame ? -1 : pending.indexOf('\n');
        if (nl >= 0) {
          run.phase = 'body';
          run.pending = '';
          run.tail = '';
          if (nl + 1 < pending.length) this.onText(run, pending.slice(nl + 1), handlers);
          return;
        }
      }
      if (
        run.frame &&
        !run.retyped &&
        helpersMissing(pending) &&
        matchesAtEnd(pending, run.prompt)
      ) {
        this.retype(run, run.frame);
        return;
      }
      // The host logged out as the line was typed: it went to the hop below, if anywhere.
      this.hopEnded(run, '', tail);
      return;
    }
    if (!run.frame || run.interrupted) {
      // Without a frame, the prompt ends a command; interrupted, the prompt says the shell is
      // back before any end mark.
      const end = earliestMatch(pending, [run.prompt]);
      if (end) {
        run.output.push(pending.slice(0, end.start));
        this.session.pty.unread(pending.slice(end.end));
        this.deps.finish(run, run.frame ? 130 : null);
        return;
      }
    }
    // A prompt the profile answers is not one the caller has to; once the command is over,
    // nothing is answered (the answer would land at the shell's prompt).
    const answered = this.answerHandlers(run, text, handlers);
    const lastLine = pending.slice(pending.lastIndexOf('\n') + 1);
    if (this.hopEnded(run, pending, tail)) return;
    if (run.frame && this.deps.shellName() === 'ksh' && this.guard.lineDropped(tail)) {
      // mksh drops the rest of a line after a syntax error in eval, end marker included.
      run.output.push(pending.slice(0, pending.lastIndexOf('\n') + 1));
      this.deps.finish(run, 2);
      return;
    }
    // Whole lines are output at once; the open last line is kept back a little (a prompt
    // that ends the command must not be part of its output), the more when a prompt ends it.
    const keep = run.frame && !run.interrupted ? Math.min(lastLine.length, 4096) : 8192;
    const cut = Math.max(0, pending.length - keep);
    run.output.push(pending.slice(0, cut));
    run.pending = pending.slice(cut);
    run.waitingForInput = !answered && looksLikeInputPrompt(lastLine);
    run.lastLine = answered ? '' : lastLine;
    for (const notify of run.changed) notify();
  }

  /**
   * The marker functions are gone (the shell is a nested one): nothing of the line ran, since
   * `__gwS` came first. They are defined again and the line typed once more, once.
   */
  private retype(run: Running, frame: Frame): void {
    run.retyped = true;
    run.pending = '';
    const helpers = helperLine(frame.flavor);
    const line = `${helpers};${frame.line}`;
    if (line.length <= MAX_LINE) this.session.pty.write(`${line}\r`);
    else {
      this.session.pty.write(`${helpers}\r`);
      this.session.pty.write(`${frame.line}\r`);
    }
  }

  /** The command ended the hop's shell: the prompt of a hop below came back. */
  hopEnded(run: Running, pending: string, tail: string): boolean {
    const below = this.guard.shellEnded(tail);
    if (below < 0) return false;
    run.output.push(pending.slice(0, pending.lastIndexOf('\n') + 1));
    run.leftHop = this.guard.endedBelow(below, run.output.view(4096).text, run.phase !== 'start');
    this.deps.finish(run, run.leftHop.exit_code ?? null);
    return true;
  }

  /** The connection closed while the command ran. */
  closedDuring(run: Running): void {
    if (run.phase === 'done') return;
    run.leftHop = this.guard.closed(run.at);
    this.deps.finish(run, run.leftHop.exit_code ?? null);
  }

  /** The hop's handlers answer while a command runs (a sudo password the agent never sees). */
  private answerHandlers(run: Running, text: string, handlers: Handler[]): boolean {
    return answerHandlers(run, text, handlers, {
      write: (data, secret) => this.session.pty.write(data, { secret }),
      stop: this.deps.stop,
      ...(this.deps.secrets ? { secrets: this.deps.secrets } : {}),
    });
  }
}
