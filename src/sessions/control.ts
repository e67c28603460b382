// A person typing in the viewer holds a session's keyboard: the agent's calls wait until it is
// handed back (at most 30 s each, then they fail saying why).
import { GatewalkError } from '../errors.js';
import type { TranscriptWriter } from './transcript.js';

/** How long an agent's call waits for a person to hand the keyboard back. */
export const CONTROL_WAIT_MS = 30_000;

export class ViewerControl {
  private held: { by: string; released: Promise<void>; release: () => void } | null = null;

  constructor(
    private readonly sessionId: string,
    private readonly transcript: TranscriptWriter,
  ) {}

  /** Who holds the keyboard now, if anyone. */
  get by(): string | null {
    return this.held?.by ?? null;
  }

  take(by: string): void {
    if (this.held) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    this.held = { by, released, release };
    this.transcript.note('control', { by, taken: true });
  }

  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.transcript.note('control', { by: held.by, taken: false });
    held.release();
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
}
