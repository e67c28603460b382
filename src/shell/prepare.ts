// Which shell answers at a hop, asked once before its first command: the probe line parses in
// every shell people log in with, and `sh` prints the name of the shell that started it.
// Nothing else is typed until the answer is known.
import { GatewalkError } from '../errors.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Mark } from '../terminal/marks.js';
import { newNonce, probeAnswer, probeLine, redactSecrets, type ShellFlavor } from './framing.js';

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

/**
 * Types the probe and waits, event-driven, for its answer: the marker line, or the hop's
 * prompt back at the cursor after a complaint (the line was submitted: a line break came).
 */
export function probeShell(session: NavSession, timeoutMs: number): Promise<ShellKind> {
  const hop = session.profile.hops[session.at];
  const prompt = hop?.prompt ?? '';
  const nonce = newNonce();
  return new Promise<ShellKind>((resolve, reject) => {
    let text = '';
    let settled = false;
    const done = (err: Error | null, kind?: ShellKind) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off();
      session.pty.off('mark', onMark);
      session.pty.off('close', closed);
      // The probe's echo is shown as it came when the probe did not answer.
      if (err) session.pty.endFrame();
      if (err) reject(err);
      else resolve(kind as ShellKind);
    };
    const closed = () =>
      done(new GatewalkError('session_closed', 'the connection closed while preparing the shell'));
    const timer = setTimeout(
      () =>
        done(
          new GatewalkError(
            'shell_unprepared',
            `the shell at hop "${hop?.name ?? '?'}" did not answer the preparation line within ${timeoutMs} ms; it said: "${complaint(session, text) || 'nothing'}"`,
          ),
        ),
      timeoutMs,
    );
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
              `the shell at hop "${hop?.name ?? '?'}" did not run the POSIX preparation line (it answered "${complaint(session, text)}"): gatewalk frames commands for POSIX shells, zsh and fish; set shell: none in the profile to run commands by prompt only`,
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
  });
}
