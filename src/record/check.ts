// `gatewalk record --check NAME`: walks the draft against the gateway at once, with the walk's
// progress, asking on the terminal for the secrets it references that are not set, then leaves
// every hop as a person would. One-time codes are single-use (RFC 6238 §5.2): a code typed while
// recording spends its 30 s step, so a check in the same step waits for the next one.
import { statSync } from 'node:fs';
import type { CliIo } from '../cli/io.js';
import { progress } from '../cli/nav-commands.js';
import { Style } from '../cli/style.js';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { formatDiagnostic } from '../profiles/diagnostics.js';
import { loadProfileFile } from '../profiles/load-file.js';
import { secretProblem, secretRefsOf, type SecretAsk } from '../profiles/secrets.js';
import type { SecretRef } from '../profiles/types.js';
import { validateDraft } from './validate.js';

export const TOTP_STEP_MS = 30_000;

export interface CheckOptions {
  dirs: string[];
  verbose?: boolean;
  /** When a one-time code was last typed for this draft (ms since the epoch); else the file's mtime. */
  codeTypedAt?: number;
  now?: () => number;
  /** Waits `ms` (the next TOTP step); tests pass a clock of their own. */
  sleep?: (ms: number) => Promise<void>;
}

/** How long to wait so no code of the step `typedAt` fell in is submitted again (0: none). */
export function totpWaitMs(typedAt: number, now: number): number {
  const step = Math.floor(typedAt / TOTP_STEP_MS);
  return Math.floor(now / TOTP_STEP_MS) === step ? (step + 1) * TOTP_STEP_MS - now : 0;
}

/** The environment variable a reference reads, and whether it is a TOTP seed. */
function envOf(ref: SecretRef): { name: string; seed: boolean } | null {
  if ('env' in ref) return { name: ref.env, seed: false };
  if ('totp' in ref) {
    const inner = envOf(ref.totp);
    return inner && { ...inner, seed: true };
  }
  return null;
}

/** The secrets the draft needs that are not set: asked on the terminal, echo off, never written. */
async function askMissing(
  file: string,
  name: string,
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<{ totp: boolean }> {
  const source = loadProfileFile(file).sources.find((s) => s.name === name);
  let totp = false;
  if (!source) return { totp };
  const asked = new Set<string>();
  for (const { ref } of secretRefsOf(source.raw)) {
    const v = envOf(ref);
    if (v?.seed) totp = true;
    if (!v || asked.has(v.name) || !secretProblem(ref, source.dir, env)) continue;
    asked.add(v.name);
    const ask = io.askSecret;
    if (!ask)
      throw new GatewalkError(
        'secret_unavailable',
        `the draft needs ${v.name} and there is no terminal to ask on: set ${v.name} and check again`,
      );
    const what = v.seed ? 'the base32 TOTP seed (not a code)' : 'the secret';
    env[v.name] = await ask(
      `${v.name} (${what}, not written anywhere): `,
      new AbortController().signal,
    );
  }
  return { totp };
}

/** Walks the draft, confirms the shell at a posix last hop, leaves. 0 ok, 1 invalid, 255 failed. */
export async function checkDraft(
  name: string,
  file: string,
  io: CliIo,
  opts: CheckOptions,
): Promise<number> {
  const style = new Style(io.stderr, io.env, io.err);
  const checked = validateDraft(name, file, opts.dirs);
  if (checked.errors.length > 0) {
    for (const d of checked.errors) io.err(formatDiagnostic(d));
    style.error(`gatewalk: ${file} does not load: fix it (the lines above), then check again`);
    return 1;
  }
  const env: Record<string, string | undefined> = { ...io.env };
  const now = opts.now ?? Date.now;
  try {
    const { totp } = await askMissing(file, name, io, env);
    if (totp) {
      const typedAt = opts.codeTypedAt ?? statSync(file).mtimeMs;
      const wait = totpWaitMs(typedAt, now());
      if (wait > 0) {
        style.say(
          `gatewalk: the one-time code typed while recording is spent (RFC 6238 §5.2): waiting ${Math.ceil(wait / 1000)} s for the next 30 s step`,
        );
        await (opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(wait);
      }
    }
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: ${err.message}`);
    return 255;
  }
  const registry = checked.registry;
  const { openSession, closeSession } = await import('../navigator/session.js');
  const askSecret = io.askSecret;
  const secrets = {
    env,
    // `send_secret: { ask }` steps (written by hand into the draft) ask on the terminal too.
    ...(askSecret
      ? { ask: (a: SecretAsk) => (style.stop(), askSecret(`${a.label ?? 'Secret'}: `, a.signal)) }
      : {}),
  };
  let session;
  try {
    session = await openSession(registry.resolve(name), {
      lookup: (n) => registry.resolveVia(n),
      onProgress: progress(style, false, opts.verbose),
      secrets,
    });
  } catch (err) {
    style.stop();
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: the draft did not walk: ${err.message}`);
    return 255;
  }
  style.stop();
  const hops = session.walk.hops.map((h) => `${h.name} ${Math.round(h.ms)} ms`).join(', ');
  const last = session.profile.hops.at(-1);
  let shell = '';
  try {
    if (last?.shell === 'posix') {
      const { ShellExecutor } = await import('../shell/executor.js');
      const r = await new ShellExecutor(session, { secrets }).execute('true', {
        timeoutMs: 10_000,
      });
      if (r.status !== 'done' || r.exit_code !== 0)
        throw new GatewalkError(
          'shell_unprepared',
          `the last hop "${last.name}" did not run a command (${r.status}): is it a POSIX shell? Set shell: none if not`,
        );
      shell = ', its shell runs commands';
    }
  } catch (err) {
    await closeSession(session, { secrets });
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: ${err.message}`);
    return 255;
  }
  await closeSession(session, { secrets });
  style.say(
    `gatewalk: ${style.green(`${name} walks`)}: ${session.walk.hops.length} hop(s) in ${Math.round(session.walk.ms)} ms ${style.dim(`(${hops})`)}${shell}; closed, leaving by the hops' exits`,
  );
  return 0;
}
