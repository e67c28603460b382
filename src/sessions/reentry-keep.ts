// What a re-walk needs beside the walk: one-time codes used once only (RFC 6238 §5.2: a verifier
// refuses a code already accepted in its step, so a quick re-login waits for the next step), and
// the opt-in `idle_keepalive` line, for gateways whose idle timer only counts typed input.
import type { NavSession } from '../navigator/session.js';
import type { WalkProgress } from '../navigator/walk.js';
import type { ShellExecutor } from '../shell/executor.js';
import { hopAtCursor } from '../shell/position.js';
import type { Pty } from '../terminal/pty.js';
import type { TranscriptWriter } from './transcript.js';
import { isAsk, resolveSecret, type SecretContext } from '../profiles/secrets.js';
import type { ResolvedProfile, SecretRef } from '../profiles/types.js';
import { noteTotpSubmitted, totpFreeAt } from '../secrets/totp.js';

/** The TOTP seeds a profile's walk may type (steps and handlers); asked seeds are skipped. */
export async function totpSeeds(profile: ResolvedProfile, ctx?: SecretContext): Promise<string[]> {
  const refs: SecretRef[] = [];
  const add = (ref: SecretRef) => {
    if (!isAsk(ref) && 'totp' in ref && !isAsk(ref.totp)) refs.push(ref.totp);
  };
  for (const h of profile.on) if (h.action.kind === 'send_secret') add(h.action.secret);
  for (const hop of profile.hops) {
    for (const s of hop.steps) if (s.kind === 'send_secret') add(s.secret);
    for (const h of hop.on) if (h.action.kind === 'send_secret') add(h.action.secret);
  }
  if (refs.length === 0) return [];
  // A seed that cannot be read fails the walk itself, with its own error.
  const seeds = await Promise.all(refs.map((r) => resolveSecret(r, ctx).catch(() => null)));
  return [...new Set(seeds.filter((s): s is string => s !== null))];
}

/**
 * The values of a profile's login secrets (password, passphrase): never typed into the
 * terminal, but a remote may print one, so they are redacted wherever they show up.
 */
export async function loginSecretValues(
  profile: ResolvedProfile,
  ctx?: SecretContext,
): Promise<string[]> {
  const refs = [profile.connect.password, profile.connect.passphrase];
  const values = await Promise.all(
    refs.map((ref) =>
      // A secret that cannot be read fails the connection itself, with a clear error.
      ref && !isAsk(ref) ? resolveSecret(ref, ctx).catch(() => null) : null,
    ),
  );
  return values.filter((v): v is string => v !== null && v.length >= 3);
}

/** Records every code of these seeds typed into this PTY as submitted (process-wide). */
export function watchTotp(pty: Pty, seeds: string[], now: () => number = Date.now): () => void {
  if (seeds.length === 0) return () => undefined;
  const onSent = (s: { data: string; secret: boolean }) => {
    if (!s.secret) return;
    for (const seed of seeds) {
      try {
        if (noteTotpSubmitted(seed, s.data, now())) return;
      } catch {
        // Not base32: the walk reports that seed itself.
      }
    }
  };
  pty.on('sent', onSent);
  return () => pty.off('sent', onSent);
}

export interface CodeWait {
  now?: () => number;
  /** Resolves after `ms` (a deadline: the next step boundary). */
  sleep?: (ms: number) => Promise<void>;
  /** Told before waiting, with what is waited for. */
  onWait?: (message: string) => void;
  /**
   * Run once before a wait, and may throw: a walk that would fail anyway (a login secret not
   * set) fails at once instead of after the wait.
   */
  beforeWait?: () => Promise<void>;
}

/**
 * Waits until every seed's current code is one not submitted yet (RFC 6238 §5.2: a verifier
 * refuses a code used in its step): at once, or at the next 30 s step boundary. Returns the
 * milliseconds waited.
 */
export async function waitForFreshCodes(seeds: string[], options: CodeWait = {}): Promise<number> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const start = now();
  for (;;) {
    const t = now();
    let until = t;
    for (const seed of seeds) {
      try {
        until = Math.max(until, totpFreeAt(seed, t));
      } catch {
        // Not base32: the walk reports it.
      }
    }
    if (until <= t) return t - start;
    if (t === start) await options.beforeWait?.();
    const ms = until - t;
    options.onWait?.(
      `waiting ${(ms / 1000).toFixed(1)} s for the next one-time code: this step's code was used already (codes are single-use)`,
    );
    // A little past the boundary: a server clock a few ms behind still counts the old step.
    await sleep(ms + 50);
  }
}

/**
 * The TOTP seeds `profile`'s walk types, once every code of them this server typed in the
 * current step is spent: a walk typing one again would be refused (RFC 6238 §5.2), so it waits
 * for the next step, and says so in the walk's progress.
 */
export async function freshCodes(
  profile: ResolvedProfile,
  ctx?: SecretContext,
  onProgress?: (p: WalkProgress) => void,
): Promise<string[]> {
  const seeds = await totpSeeds(profile, ctx);
  const hops = profile.hops.length;
  await waitForFreshCodes(seeds, {
    // The login's own secrets first: a missing password fails now, not after up to 30 s.
    beforeWait: async () => {
      for (const ref of [profile.connect.password, profile.connect.passphrase])
        if (ref && !isAsk(ref)) await resolveSecret(ref, ctx);
    },
    onWait: (message) =>
      onProgress?.({ hop: 0, hops, name: 'one-time code', waitingFor: [message] }),
  });
  return seeds;
}

/** What the keepalive reads off its session. */
export interface KeepaliveHost {
  readonly state: string;
  readonly nav: NavSession;
  readonly shell: ShellExecutor;
  readonly transcript: TranscriptWriter;
  readonly callsInLine: number;
  readonly callsInProgress: number;
  readonly controlledBy: string | null;
}

/**
 * Types the profile's `idle_keepalive` line at the last hop after `every` without a call, and
 * only when nothing runs and the last hop's prompt stands at the cursor: a session logged out
 * meanwhile gets nothing typed into the menu that came back.
 */
export class IdleKeepalive {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly host: KeepaliveHost) {
    this.arm();
  }

  /** Activity: the idle time starts again. */
  arm(): void {
    const keep = this.host.nav.profile.idleKeepalive;
    if (this.stopped || !keep) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.send();
      this.arm();
    }, keep.everyMs);
    this.timer.unref();
  }

  private send(): boolean {
    const h = this.host;
    const keep = h.nav.profile.idleKeepalive;
    const last = h.nav.profile.hops.length - 1;
    if (!keep || h.state !== 'ready' || h.callsInProgress > 0 || h.callsInLine > 0) return false;
    if (h.shell.busy !== null || h.controlledBy !== null) return false;
    if (h.nav.pty.closed || h.nav.at !== last || hopAtCursor(h.nav, last) !== last) return false;
    // Through the executor: the next command waits for this line's answer (a new prompt), not
    // typed while the shell still handles it.
    h.shell.writeRaw(`${keep.text}\r`);
    h.transcript.note('keepalive', { text: keep.text });
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
