import type { Frame } from './framing.js';
import type { CommandOutput } from './output.js';

/** One command as the executor tracks it. */
export interface Running {
  id: string;
  frame: Frame | null;
  prompt: string;
  started: number;
  /** When output last arrived. */
  lastOutput: number;
  phase: 'start' | 'body' | 'done';
  pending: string;
  handlerWindow: string;
  output: CommandOutput;
  exitCode: number | null;
  cwd?: string;
  waitingForInput: boolean;
  /** Ctrl-C was sent: the shell drops the rest of the line, so the prompt ends the command. */
  interrupted: boolean;
  /** A `fail:` handler matched: why the command was stopped. */
  failure?: string;
  changed: Set<() => void>;
  stop: () => void;
}

/** Resolves when the command ends (or waits for input, unless `untilDone`), or after `ms`. */
export function waitForRun(run: Running, ms: number, untilDone = false): Promise<void> {
  const settled = () => run.phase === 'done' || (!untilDone && run.waitingForInput);
  if (settled() || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      run.changed.delete(check);
      resolve();
    };
    const check = () => {
      if (settled()) done();
    };
    const timer = setTimeout(done, ms);
    run.changed.add(check);
  });
}

/** Output held back while the end marker might be arriving, minus what could be the marker. */
export function visiblePending(run: Running): string {
  if (run.phase === 'done') return '';
  if (!run.frame) return run.pending;
  const marker = `\nGWE${run.frame.nonce}:`;
  const nl = run.pending.lastIndexOf('\n');
  const tail = nl < 0 ? '' : run.pending.slice(nl);
  // A lone trailing newline is most likely the command's own: only "\nG..." is held back.
  const maybeMarker = tail.length > 1 && (marker.startsWith(tail) || tail.startsWith(marker));
  return maybeMarker ? run.pending.slice(0, nl) : run.pending;
}
