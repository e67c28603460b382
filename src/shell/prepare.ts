// Which shell answers at a hop, asked once before its first command: the probe line parses in
// every shell people log in with, and `sh` prints the name of the shell that started it.
// Nothing else is typed until the answer is known.
import { GatewalkError } from '../errors.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Mark } from '../terminal/marks.js';
import { newNonce, probeAnswer, probeLine, redactSecrets, type ShellFlavor } from './framing.js';
import { gatewaySilent } from './position.js';

export interface ShellKind {
  flavor: ShellFlavor;
  /** What answered: bash, zsh, ksh (mksh), fish, or sh (dash, busybox ash and other sh). */
  name: string;
}

/** What the shell said instead of an answer, short, with the session's secrets hidden. */
function complaint(session: NavSession, text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.includes('6973;P'));
  return redactSecrets(lines.slice(0, 2).join(' / ').slice(0, 200), session.pty.secrets);
}

/** Reads what the shell said to the probe; throws for shells gatewalk cannot frame commands in. */
function classify(session: NavSession, rest: string): ShellKind {
  const hop = session.profile.hops[session.at];
  const where = `hop "${hop?.name ?? '?'}" of profile "${session.profile.name}"`;
  const { process, multiplexer } = probeAnswer(rest);
  const name = /zsh|fish|csh|bash|ksh/.exec(process)?.[0] ?? 'sh';
  if (multiplexer)
    throw new GatewalkError(
      'shell_multiplexer',
      `${where} runs inside ${multiplexer} (started by its login scripts?): gatewalk cannot read commands through a multiplexer's redraws, and it would keep running after close. Start ${multiplexer} only when asked (e.g. not when $TMUX or $STY is set, or behind a flag), or add a step that leaves it (send_text: exit) before the prompt`,
    );
  if (name === 'csh')
    throw new GatewalkError(
      'shell_unsupported',
      `${where} runs ${process} (a C shell): gatewalk frames commands for POSIX shells (bash, dash, ash, mksh), zsh and fish. Start one in a step (send_text: exec bash) or set shell: none to run commands by prompt only`,
    );
  return { flavor: name === 'zsh' || name === 'fish' ? name : 'posix', name };
}

export interface ShellProbe {
  /**
   * Waits up to `timeoutMs` for the answer. A gateway that sent nothing back since the probe
   * was typed is `gateway_silent`, and the probe goes on listening: the line is in the
   * gateway's hands and runs when it answers, so the next wait takes it up (typing another
   * probe behind it would read the first one's answer as a refusal). A shell that answered
   * something else in the time is `shell_unprepared`, and the probe is over.
   */
  wait(timeoutMs: number): Promise<ShellKind>;
}

/**
 * Types the probe and listens, event-driven, for its answer: the marker line, or the hop's
 * prompt back at the cursor after a complaint (the line was submitted: a line break came).
 */
export function probeShell(session: NavSession): ShellProbe {
  const hop = session.profile.hops[session.at];
  const where = `hop "${hop?.name ?? '?'}"`;
  const prompt = hop?.prompt ?? '';
  const nonce = newNonce();
  let text = '';
  // Any byte back since the probe was typed (an echo at least, from any live shell).
  let heard = false;
  const typedAt = performance.now();
  let outcome: { kind: ShellKind } | { err: Error } | null = null;
  const waiters = new Set<() => void>();
  const done = (err: Error | null, kind?: ShellKind) => {
    if (outcome) return;
    outcome = err ? { err } : { kind: kind as ShellKind };
    off();
    session.pty.off('mark', onMark);
    session.pty.off('close', closed);
    // The probe's echo is shown as it came when the probe did not answer.
    if (err) session.pty.endFrame();
    for (const wake of waiters) wake();
  };
  const closed = () =>
    done(new GatewalkError('session_closed', 'the connection closed while preparing the shell'));
  const onMark = (mark: Mark) => {
    if (mark.kind !== 'P' || mark.nonce !== nonce) return;
    try {
      done(null, classify(session, mark.rest));
    } catch (err) {
      done(err as Error);
    }
  };
  const off = session.pty.onText(
    (chunk) => {
      heard = true;
      text = (text + chunk).slice(-16_384);
      // A multiplexer swallows the answer's mark: it says so in plain text instead.
      const inside = text.indexOf(`GWM:${nonce}:`);
      const end = inside < 0 ? -1 : text.indexOf('\n', inside);
      if (end >= 0) {
        try {
          classify(session, `;${text.slice(inside + nonce.length + 5, end).trim()}`);
        } catch (err) {
          return done(err as Error);
        }
      }
      // Back at the prompt after our line (its echo holds the nonce) was submitted, and no
      // answer came: the shell did not run it.
      // (Read in the text: the screen does not show the line's echo until the answer.)
      const echoed = text.lastIndexOf(nonce);
      const line = echoed < 0 ? -1 : text.indexOf('\n', echoed);
      const back = line >= 0 && matchesAtEnd(text.slice(line), prompt);
      if (back)
        done(
          new GatewalkError(
            'shell_unsupported',
            `the shell at ${where} did not run the POSIX preparation line (it answered "${complaint(session, text)}"): gatewalk frames commands for POSIX shells, zsh and fish; set shell: none in the profile to run commands by prompt only`,
          ),
        );
    },
    { fresh: true },
  );
  session.pty.on('mark', onMark);
  session.pty.once('close', closed);
  // A person watching sees an empty line where gatewalk asked: the probe is not theirs.
  session.pty.expectFrame(nonce, '');
  session.pty.write(`${probeLine(nonce)}\r`);

  const settled = (): ShellKind => {
    const o = outcome as { kind: ShellKind } | { err: Error };
    if ('err' in o) throw o.err;
    return o.kind;
  };
  return {
    wait(timeoutMs) {
      if (outcome) return Promise.resolve().then(settled);
      return new Promise<ShellKind>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          try {
            resolve(settled());
          } catch (err) {
            reject(err as Error);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          // Not one byte back, not even the line's echo: the gateway hangs, not the shell.
          if (!heard)
            return reject(
              gatewaySilent(
                performance.now() - typedAt,
                `gatewalk typed the line that asks which shell runs at ${where}`,
                'Nothing of the command was typed yet. Wait a moment and retry',
              ),
            );
          done(
            new GatewalkError(
              'shell_unprepared',
              `the shell at ${where} did not answer the preparation line within ${timeoutMs} ms; it said: "${complaint(session, text) || 'nothing'}"`,
            ),
          );
          wake();
        }, timeoutMs);
        waiters.add(wake);
      });
    },
  };
}
