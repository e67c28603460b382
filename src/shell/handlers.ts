// The hop's `on:` handlers while a command runs: a profile answers `[sudo] password for` (or
// an enable prompt) with a secret the caller never sees, or stops the command with `fail:`.
import { earliestMatch } from '../navigator/matcher.js';
import { resolveSecret, type SecretContext } from '../profiles/secrets.js';
import type { Handler } from '../profiles/types.js';
import type { Running } from './running.js';

export interface HandlerIo {
  write(data: string, secret: boolean): void;
  /** Interrupts the command (its result then carries `failure`). */
  stop(): void;
  secrets?: SecretContext;
}

/** Answers the first handler that matches the output so far; true when one did. */
export function answerHandlers(
  run: Running,
  text: string,
  handlers: Handler[],
  io: HandlerIo,
): boolean {
  if (handlers.length === 0) return false;
  run.handlerWindow = (run.handlerWindow + text).slice(-8192);
  const m = earliestMatch(
    run.handlerWindow,
    handlers.map((h) => h.match),
  );
  if (!m) return false;
  run.handlerWindow = run.handlerWindow.slice(m.end);
  const handler = handlers[m.which] as Handler;
  if (handler.action.kind === 'fail') {
    // The profile says this output means failure: stop the command and say why.
    run.failure = handler.action.message;
    io.stop();
    return true;
  }
  answerHandler(handler, {
    write: io.write,
    // A secret read slowly is not typed once the command is over (it would reach the prompt).
    live: () => run.phase !== 'done',
    ...(io.secrets ? { secrets: io.secrets } : {}),
    unreadable: (err) => {
      // No answer to give: stop the command the way a fail: handler does, and say why
      // (a bare Ctrl-C would also take the end marker with it and leave it running).
      run.failure = `the profile could not answer a prompt: ${err.message}`;
      io.stop();
    },
  });
  return true;
}

/** Types a handler's answer (text, or a secret read now); `fail:` handlers are the caller's. */
export function answerHandler(
  handler: Handler,
  io: {
    write: (data: string, secret: boolean) => void;
    /** Still the moment to answer: checked again once a secret has been read. */
    live: () => boolean;
    secrets?: SecretContext;
    unreadable?: (err: Error) => void;
  },
): void {
  const action = handler.action;
  if (action.kind === 'send_text') io.write(`${action.text}\r`, false);
  else if (action.kind === 'send_secret') {
    void resolveSecret(action.secret, io.secrets).then(
      (value) => {
        if (io.live()) io.write(`${value}\r`, true);
      },
      (err: unknown) => io.unreadable?.(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
