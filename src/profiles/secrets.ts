import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GatewalkError } from '../errors.js';
import { totp } from '../secrets/totp.js';
import { resolveFilePath } from './resolve.js';
import type { RawHandler, RawProfile, RawStep, SecretRef } from './types.js';

export interface SecretContext {
  env?: Record<string, string | undefined>;
  /** How long a `command` secret may take (default 15 s). */
  commandTimeoutMs?: number;
  now?: () => number;
}

/** How a reference reads in an error: where the secret comes from, never what it is. */
export function describeSecret(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  if ('command' in ref) return `command \`${ref.command}\``;
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
  if ('totp' in ref) {
    const seed = secretProblem(ref.totp, dir, env);
    return seed && `TOTP seed: ${seed}`;
  }
  return null;
}
