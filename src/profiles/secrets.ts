import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GatewalkError } from '../errors.js';
import { totp } from '../secrets/totp.js';
import { durationMs } from './duration.js';
import { resolveFilePath } from './resolve.js';
import type { AskRef, RawHandler, RawProfile, RawStep, SecretRef, SourceRef } from './types.js';

/**
 * A walk asking a person for a secret (`send_secret: { ask: ... }`), at the moment it reaches
 * the step: what and where, never a value.
 */
export interface SecretAsk {
  profile: string;
  hop: string;
  /** "step 2 (send_secret)", "step 1, then 1 (send_secret)". */
  step: string;
  source: SourceRef;
  /** What to ask for (the profile's `ask` text); null for `ask: true`. */
  label: string | null;
  /** How long the walk waits for the answer; it fails after that (and aborts `signal`). */
  timeoutMs: number;
  /** Aborted when the walk stops waiting (its ask timeout, the connection closed). */
  signal: AbortSignal;
}

/**
 * Answers an ask with the value to type. It rejects with a GatewalkError when the person
 * declines or cannot be asked (the walk fails with that error, unchanged). Where nothing can
 * ask (no asker), a walk whose profile asks fails before connecting.
 */
export type Asker = (ask: SecretAsk) => Promise<string>;

export interface SecretContext {
  env?: Record<string, string | undefined>;
  /** How long a `command` secret may take (default 15 s). */
  commandTimeoutMs?: number;
  now?: () => number;
  /**
   * Asks a person for `{ ask }` secrets: the MCP server asks through its viewer (src/mcp/ask.ts);
   * a terminal front end can prompt with echo off. Without it, such a walk fails up front.
   */
  ask?: Asker;
}

/** How long a walk waits for a person by default (the ref's `timeout` overrides it). */
export const ASK_TIMEOUT_MS = 5 * 60_000;

export function isAsk(ref: SecretRef): ref is AskRef {
  return 'ask' in ref;
}

export function askTimeoutMs(ref: AskRef): number {
  const t = typeof ref.ask === 'object' ? ref.ask.timeout : undefined;
  return t === undefined ? ASK_TIMEOUT_MS : durationMs(t);
}

/** What the person is asked for, as the profile says it; null when it does not say. */
export function askLabel(ref: AskRef): string | null {
  if (typeof ref.ask === 'string') return ref.ask;
  return typeof ref.ask === 'object' ? (ref.ask.label ?? null) : null;
}

/** `profile "p", hop "h", step 2 (send_secret) at f.yaml:12:9`: where an ask comes from. */
export function askWhere(ask: Pick<SecretAsk, 'profile' | 'hop' | 'step' | 'source'>): string {
  const at = ask.source.file ? ` at ${ask.source.file}:${ask.source.line}:${ask.source.col}` : '';
  return `profile "${ask.profile}", hop "${ask.hop}", ${ask.step}${at}`;
}

/** The error of a walk that would ask a person where nothing can ask one. */
export function noAskerError(where: string): GatewalkError {
  return new GatewalkError(
    'secret_unavailable',
    `${where} asks a person for a secret ({ ask }), and nothing here can ask: run \`gatewalk open\` or \`run\` from a terminal (they ask there), or \`gatewalk serve\` with its viewer on (not --no-viewer, it asks through the viewer); or give the secret as { env }, { file } or { command } instead`,
  );
}

/** How a reference reads in an error: where the secret comes from, never what it is. */
export function describeSecret(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  if ('command' in ref) return `command \`${ref.command}\``;
  if ('ask' in ref) {
    const label = askLabel(ref);
    return label === null ? 'a person (asked)' : `a person (asked: ${label})`;
  }
  return `TOTP from ${describeSecret(ref.totp)}`;
}

function runCommand(
  command: string,
  timeoutMs: number,
  env: Record<string, string | undefined>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: timeoutMs, env: env as NodeJS.ProcessEnv, maxBuffer: 1024 * 1024 },
      (err, stdout) => {
        if (err) {
          // Only the exit status: stderr or stdout could carry the secret itself.
          const why = err.killed
            ? `timed out after ${timeoutMs} ms`
            : `failed (exit ${String(err.code)})`;
          reject(
            new GatewalkError('secret_unavailable', `secret from command \`${command}\` ${why}`),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/**
 * Reads a secret when a session opens. Errors say where the secret should have come from and
 * what to do; they never contain a secret value.
 */
export async function resolveSecret(ref: SecretRef, ctx: SecretContext = {}): Promise<string> {
  const env = ctx.env ?? process.env;
  // Asked at the step that types it (the walk does that): nowhere else has a person to ask.
  if ('ask' in ref)
    throw new GatewalkError(
      'secret_unavailable',
      'a secret asked from a person ({ ask }) can only be typed by a send_secret step of a hop',
    );
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new GatewalkError(
        'secret_unavailable',
        `secret from environment variable ${ref.env}: it is not set`,
      );
    }
    return value;
  }
  if ('file' in ref) {
    let text: string;
    try {
      text = await readFile(ref.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new GatewalkError(
        'secret_unavailable',
        `secret from file ${ref.file}: cannot read it (${code})`,
      );
    }
    return text.replace(/\r?\n$/, '');
  }
  if ('command' in ref) {
    const out = await runCommand(ref.command, ctx.commandTimeoutMs ?? 15_000, env);
    const first = out.split(/\r?\n/)[0] ?? '';
    if (first === '') {
      throw new GatewalkError(
        'secret_unavailable',
        `secret from command \`${ref.command}\`: it printed nothing`,
      );
    }
    return first;
  }
  const seed = await resolveSecret(ref.totp, ctx);
  try {
    return totp(seed, (ctx.now ?? Date.now)());
  } catch {
    throw new GatewalkError(
      'secret_unavailable',
      `TOTP seed from ${describeSecret(ref.totp)} is not valid base32`,
    );
  }
}

type Path = (string | number)[];

/** Every secret reference written in a profile, with where it was written. */
export function* secretRefsOf(raw: RawProfile): Generator<{ ref: SecretRef; path: Path }> {
  for (const key of ['password', 'private_key', 'passphrase'] as const) {
    const ref = raw.connect?.[key];
    if (ref) yield { ref, path: ['connect', key] };
  }
  const handlers = function* (list: RawHandler[] | undefined, path: Path) {
    for (const [i, h] of (list ?? []).entries())
      if (h.send_secret) yield { ref: h.send_secret, path: [...path, i, 'send_secret'] };
  };
  const steps = function* (
    list: RawStep[] | undefined,
    path: Path,
  ): Generator<{ ref: SecretRef; path: Path }> {
    for (const [i, step] of (list ?? []).entries()) {
      if ('send_secret' in step) yield { ref: step.send_secret, path: [...path, i, 'send_secret'] };
      else if ('wait_for' in step && Array.isArray(step.wait_for))
        for (const [j, alt] of step.wait_for.entries())
          yield* steps(alt.then, [...path, i, 'wait_for', j, 'then']);
    }
  };
  yield* handlers(raw.on, ['on']);
  for (const [i, hop] of (raw.hops ?? []).entries()) {
    yield* steps(hop.steps, ['hops', i, 'steps']);
    yield* handlers(hop.on, ['hops', i, 'on']);
  }
}

/**
 * Why a secret could not be read now, without reading it: an environment variable unset or
 * empty, a file missing or unreadable (relative to the profile's folder, as a walk reads it).
 * A `command` is not run: it may ask, cost or change something; its failure shows at the walk.
 */
export function secretProblem(
  ref: SecretRef,
  dir: string,
  env: Record<string, string | undefined>,
): string | null {
  if ('env' in ref) {
    return env[ref.env] ? null : `environment variable ${ref.env} is not set`;
  }
  if ('file' in ref) {
    const path = resolveFilePath(ref.file, dir);
    try {
      if (!statSync(path).isFile()) return `file ${path} is not a regular file`;
      accessSync(path, constants.R_OK);
      return null;
    } catch (err) {
      return `file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`;
    }
  }
  // Asked when the walk gets there: nothing to read now.
  if ('ask' in ref) return null;
  if ('totp' in ref) {
    const seed = secretProblem(ref.totp, dir, env);
    return seed && `TOTP seed: ${seed}`;
  }
  return null;
}
