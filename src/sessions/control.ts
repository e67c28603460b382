// A person typing in the viewer holds a session's keyboard: the agent's calls wait until it is
// handed back (at most 30 s each, then they fail saying why). When it is, the agent's next
// result starts with an account of the person's turn (control-report.ts): the lines they
// entered and the screen's last rows, so the agent goes on from where the person left.
import { GatewalkError } from '../errors.js';
import { redactSecrets } from '../shell/framing.js';
import type { Pty, SentData } from '../terminal/pty.js';
import { KeyLog, lastRows, reportLines, type PersonReport } from './control-report.js';
import type { TranscriptWriter } from './transcript.js';

/** How long an agent's call waits for a person to hand the keyboard back. */
export const CONTROL_WAIT_MS = 30_000;

/** What a result starts with, once: its text lines and its structured fields. */
export interface Notices {
  lines: string[];
  fields: Record<string, unknown>;
}

export class ViewerControl {
  private held: {
    by: string;
    since: number;
    released: Promise<void>;
    release: () => void;
    stop: () => void;
  } | null = null;
  /** The person's keys since the agent was last told (over one or more turns). */
  private log: KeyLog | null = null;
  private heldMs = 0;
  /** The account for the agent's next result, once control is handed back. */
  private report: PersonReport | null = null;

  constructor(
    private readonly sessionId: string,
    private readonly transcript: TranscriptWriter,
    /** The session's PTY now (a reopen replaces it). */
    private readonly pty: () => Pty,
  ) {}

  /** Who holds the keyboard now, if anyone. */
  get by(): string | null {
    return this.held?.by ?? null;
  }

  take(by: string): void {
    if (this.held) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const pty = this.pty();
    // Two turns before the agent's next call make one account: the line left unfinished in the
    // first may be finished in the second.
    const log = (this.log ??= new KeyLog((value) => this.secret(pty, value)));
    // Only a person's keys (`by`): the terminal's own answers to queries are not typing.
    const onSent = (s: SentData) => {
      if (s.by) log.typed(s.data);
    };
    // The text stream (escape sequences stripped), not the display: a readline redraw between
    // echoed characters, or a line the display holds back, must not hide an echo.
    pty.on('sent', onSent);
    const offText = pty.onText((text) => log.heard(text));
    const stop = () => {
      pty.off('sent', onSent);
      offText();
    };
    this.held = { by, since: performance.now(), released, release, stop };
    this.report = null;
    this.transcript.note('control', { by, taken: true });
  }

  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    held.stop();
    this.heldMs += performance.now() - held.since;
    this.report = this.account(held.by);
    this.transcript.note('control', { by: held.by, taken: false });
    // Written before the waiting calls resume: the first of them carries it.
    held.release();
  }

  /** The account of the person's turn for the agent's next result (once), if there is one. */
  takeNotice(): Notices | null {
    const report = this.report;
    if (!report || this.held) return null;
    this.report = null;
    this.log = null;
    this.heldMs = 0;
    return { lines: reportLines(report), fields: { person: report } };
  }

  /** Resolves once nobody holds the keyboard; throws after CONTROL_WAIT_MS. */
  async wait(): Promise<void> {
    const held = this.held;
    if (!held) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      held.released.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), CONTROL_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (gaveUp)
      throw new GatewalkError(
        'session_controlled',
        `a person (${held.by}) has taken control of session ${this.sessionId} in the viewer: try again later`,
      );
  }

  private account(by: string): PersonReport {
    const pty = this.pty();
    const log = this.log;
    log?.settle();
    const secrets = pty.secrets;
    // Redacted as get_screen is: a secret the agent sent, or the person's own password, if the
    // remote printed it.
    const redact = (text: string) => redactSecrets(text, secrets);
    const unfinished = log?.unfinished() ?? null;
    const screen = lastRows(redact(pty.screen.text()));
    return {
      by,
      held_s: Math.round(this.heldMs / 100) / 10,
      lines: (log?.lines ?? []).map(redact),
      ...(log?.earlier ? { earlier_lines: log.earlier } : {}),
      ...(unfinished ? { unfinished: redact(unfinished) } : {}),
      screen,
    };
  }

  /**
   * A line the person entered with echo off (a password, 8 characters or more): redacted from
   * then on, as a `sensitive` send_text is, in screens, outputs and the transcript. Never written
   * anywhere itself.
   */
  private secret(pty: Pty, value: string): void {
    pty.secrets.add(value);
    this.transcript.addSecret(value);
  }
}
